import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../config/index.js';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `ticketflow` launcher, as a user would, with `input` on stdin. */
function ticketflow(args: string[], input = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'ticketflow.js'), ...args], { cwd: repoRoot });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

test('ticketflow classify prints one JSON line per input line, in order', async () => {
  const { code, stdout, stderr } = await ticketflow(
    ['classify', '--tier', 'enterprise'],
    'I lost my card\nwhat is the exchange rate\n\nplay some jazz music\r\nsomeone stole my card, urgent!!!',
  );
  assert.equal(code, 0, stderr);
  const lines = stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 5);
  for (const l of lines) {
    assert.equal(typeof l.intent, 'string');
    assert.equal(typeof l.confidence, 'number');
    assert.equal(typeof l.outOfScope, 'boolean');
    assert.match(l.priority, /^P[1-4]$/);
    assert.match(l.modelVersion, /^banking77-lr-/);
  }
  assert.equal(lines[0].intent, 'lost_or_stolen_card');
  assert.equal(lines[0].priority, 'P1');
  assert.equal(lines[1].intent, 'exchange_rate');
  assert.equal(lines[1].priority, 'P3', 'a P4 question raised one level for an enterprise customer');
  assert.equal(lines[2].outOfScope, true, 'a blank line is still answered, so lines stay aligned');
  assert.equal(lines[3].outOfScope, true);
  assert.equal(lines[4].priority, 'P1');
});

test('unknown subcommands and bad options print usage and exit 2', async () => {
  const none = await ticketflow([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /usage: ticketflow/);
  const unknown = await ticketflow(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  const bad = await ticketflow(['classify', '--sentiment', '2']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--sentiment/);
  const help = await ticketflow(['classify', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /usage: ticketflow classify/);
});
