import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadConfig, type StackConfig } from '../../config/index.js';
import type { ServiceDefinition } from './service.js';
import { freePort } from '../net.js';
import { Supervisor } from './supervisor.js';

// A stand-in process for the supervisor's own logic; real servers are proven by the smoke tests.
function tcpService(name: string, port: number, script?: string): ServiceDefinition {
  return {
    name,
    dependsOn: [],
    startTimeoutMs: 60_000,
    ports: () => [port],
    endpoint: () => `tcp://127.0.0.1:${port}`,
    install: async () => undefined,
    process: async () => ({
      command: process.execPath,
      args: ['-e', script ?? `require('net').createServer().listen(${port}, '127.0.0.1')`],
    }),
    healthy: () =>
      new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(true)));
        socket.once('error', () => resolve(false));
      }),
  };
}

let stateDir: string;
let config: StackConfig;
const lines: string[] = [];

before(() => {
  stateDir = mkdtempSync(path.join(tmpdir(), 'tf-supervisor-'));
  chmodSync(stateDir, 0o755);
  config = { ...loadConfig({}).stack, stateDir };
});
after(() => rmSync(stateDir, { recursive: true, force: true }));

test('up starts a service once; a second up leaves it as it is; down stops it', async () => {
  const port = await freePort();
  const supervisor = new Supervisor(config, [tcpService('echo', port)], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), []);
  const [first] = await supervisor.status();
  assert.equal(first?.state, 'running');

  lines.length = 0;
  assert.deepEqual(await supervisor.up(), []);
  assert.match(lines.join('\n'), new RegExp(`already running \\(pid ${first?.pid}\\)`));
  assert.equal((await supervisor.status())[0]?.pid, first?.pid);

  await supervisor.down();
  assert.equal((await supervisor.status())[0]?.state, 'stopped');
  assert.throws(() => process.kill(first!.pid!, 0));
});

test('a port taken by another process fails that service with a clear message', async () => {
  const squatter = net.createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const { port } = squatter.address() as net.AddressInfo;
  lines.length = 0;
  try {
    const supervisor = new Supervisor(config, [tcpService('taken', port)], (line) => lines.push(line));
    assert.deepEqual(await supervisor.up(), ['taken']);
    assert.match(lines.join('\n'), new RegExp(`\\[taken\\] FAILED: port ${port} on 127.0.0.1 is already in use`));
    assert.match(lines.join('\n'), /\[taken\] log: .*taken\/service\.log/);
  } finally {
    squatter.close();
  }
});

test('a process that dies during start-up is reported with its log, and its dependants are not started', async () => {
  const port = await freePort();
  const crashing = tcpService('crashing', port, `console.error('boom: bad setting'); process.exit(3)`);
  const dependant = { ...tcpService('dependant', await freePort()), dependsOn: ['crashing'] };
  lines.length = 0;
  const supervisor = new Supervisor(config, [crashing, dependant], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), ['crashing', 'dependant']);
  const output = lines.join('\n');
  assert.match(output, /\[crashing\] FAILED: process exited during start-up/);
  assert.match(output, /boom: bad setting/);
  assert.match(output, /\[dependant\] not started: it depends on crashing/);
});

test('an unknown dependency is refused when the stack is declared', () => {
  const orphan = { ...tcpService('orphan', 1), dependsOn: ['nowhere'] };
  assert.throws(() => new Supervisor(config, [orphan]), /orphan depends on unknown service nowhere/);
});
