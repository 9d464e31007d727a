import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../config/index.js';
import { asksForHelp, EXIT, parseOptions, runCommand, UsageError, type Command } from './command.js';
import { capturedIo } from './captured-io.js';
import { main } from './main.js';

const failing = (error: unknown): Command => ({
  name: 'demo',
  summary: 'a demo',
  usage: 'usage: ticketflow demo',
  run: async () => {
    throw error;
  },
});

test('exit codes: a usage error is 2, a configuration error is 2, anything else is 1', async () => {
  let io = capturedIo();
  assert.equal(await runCommand(failing(new UsageError('bad flag', true)), [], io), EXIT.usage);
  assert.match(io.err(), /^ticketflow demo: bad flag\n\nusage: ticketflow demo/);
  io = capturedIo();
  assert.equal(await runCommand(failing(new ConfigError('KAFKA_BROKERS: bad')), [], io), EXIT.usage);
  assert.match(io.err(), /configuration: KAFKA_BROKERS: bad/);
  io = capturedIo();
  assert.equal(await runCommand(failing(new Error('broker down')), [], io), EXIT.failure);
  assert.equal(io.err(), 'ticketflow demo: broker down\n');
});

test('--help prints the usage and the exit codes and runs nothing', async () => {
  const io = capturedIo();
  assert.equal(await runCommand(failing(new Error('ran')), ['describe', '--help'], io), EXIT.ok);
  assert.match(io.out(), /usage: ticketflow demo\n\nexit codes: 0 done, 1 failed, 2 refused/);
  assert.equal(asksForHelp(['--', '--help']), false);
  assert.equal(asksForHelp(['-h']), true);
});

test('parseOptions turns unknown flags and missing values into usage errors', () => {
  assert.throws(
    () => parseOptions(['--nope'], {}),
    (e: unknown) => e instanceof UsageError && /--nope/.test(e.message),
  );
  assert.throws(() => parseOptions(['--rate'], { rate: { type: 'string' } }), UsageError);
  assert.deepEqual(parseOptions(['x', '--rate', '5'], { rate: { type: 'string' } }).positionals, ['x']);
});

test('the ticketflow command lists its commands, and an unknown one exits 2', async () => {
  let io = capturedIo();
  assert.equal(await main(['--help'], io), EXIT.ok);
  for (const name of ['stack', 'topics', 'provision', 'db', 'kb', 'classify', 'groups', 'replay', 'dlq']) {
    assert.match(io.out(), new RegExp(`\\n  ${name} `));
  }
  io = capturedIo();
  assert.equal(await main(['scael'], io), EXIT.usage);
  assert.match(io.err(), /unknown command "scael"/);
  io = capturedIo();
  assert.equal(await main([], io), EXIT.usage);
});

test('every command answers --help with its usage and exit 0', async () => {
  for (const name of ['stack', 'topics', 'provision', 'db', 'kb', 'classify', 'groups', 'replay', 'dlq']) {
    const io = capturedIo();
    assert.equal(await main([name, '--help'], io), EXIT.ok, name);
    assert.match(io.out(), /usage: ticketflow /, name);
  }
});

test('kb --help documents both actions, and kb search refuses a bad --k or a path before touching the stack', async () => {
  let io = capturedIo();
  assert.equal(await main(['kb', '--help'], io), EXIT.ok);
  assert.match(io.out(), /ticketflow kb import --org/);
  assert.match(io.out(), /ticketflow kb search --org <id> \[--k 5\]/);
  io = capturedIo();
  assert.equal(await main(['kb', 'search', '--org', 'demo', '--k', '0'], io), EXIT.usage);
  assert.match(io.err(), /--k must be a whole number from 1 to 50/);
  io = capturedIo();
  assert.equal(await main(['kb', 'search', '--org', 'demo', 'questions.txt'], io), EXIT.usage);
  assert.match(io.err(), /reads its questions from stdin/);
  io = capturedIo();
  assert.equal(await main(['kb', 'search'], io), EXIT.usage);
  assert.match(io.err(), /--org is required/);
});
