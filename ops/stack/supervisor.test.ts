import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

/** A stopped process stays a zombie until its parent (this test, or init) reaps it; it no longer runs. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
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
  assert.equal(isRunning(first!.pid!), false);
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

test('a dependency cycle is refused when the stack is declared', () => {
  const a = { ...tcpService('a', 1), dependsOn: ['b'] };
  const b = { ...tcpService('b', 2), dependsOn: ['c'] };
  const c = { ...tcpService('c', 3), dependsOn: ['a'] };
  assert.throws(() => new Supervisor(config, [a, b, c]), /cycle: a -> b -> c -> a/);
});

/** Healthy only `delayMs` after its process was started: a server with a slow health check. */
function slowService(name: string, port: number, delayMs: number): ServiceDefinition {
  const base = tcpService(name, port);
  let startedAt = Infinity;
  return {
    ...base,
    process: async (ctx) => ((startedAt = Date.now()), base.process(ctx)),
    healthy: async (ctx) => Date.now() - startedAt >= delayMs && base.healthy(ctx),
  };
}

const indexOfLine = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));

test('up starts each service once its own dependencies are healthy, not behind an unrelated slow one', async () => {
  const slow = slowService('slow', await freePort(), 2500);
  const fast = tcpService('fast', await freePort());
  const afterFast = { ...tcpService('after-fast', await freePort()), dependsOn: ['fast'] };
  const afterSlow = { ...tcpService('after-slow', await freePort()), dependsOn: ['slow'] };
  lines.length = 0;
  const supervisor = new Supervisor(config, [slow, fast, afterFast, afterSlow], (line) => lines.push(line));
  try {
    assert.deepEqual(await supervisor.up(), []);
    const slowHealthy = indexOfLine(/^\[slow\] healthy in/);
    assert.ok(slowHealthy >= 0, lines.join('\n'));
    assert.ok(indexOfLine(/^\[fast\] healthy in/) < slowHealthy, lines.join('\n'));
    assert.ok(indexOfLine(/^\[after-fast\] healthy in/) < slowHealthy, 'a dependant of fast does not wait for slow');
    assert.ok(indexOfLine(/^\[after-slow\] started/) > slowHealthy, 'a dependant of slow waits for it');
    assert.ok((await supervisor.status()).every((s) => s.state === 'running'));
  } finally {
    await supervisor.down();
  }
});

test('up of named services starts them and their dependencies only; optional ones only when named', async () => {
  const base = tcpService('base', await freePort());
  const extra = { ...tcpService('extra', await freePort()), dependsOn: ['base'], optional: true };
  const other = tcpService('other', await freePort());
  const supervisor = new Supervisor(config, [base, extra, other], (line) => lines.push(line));
  const states = async () => Object.fromEntries((await supervisor.status()).map((s) => [s.name, s.state]));
  try {
    assert.deepEqual(await supervisor.up(['extra']), []);
    assert.deepEqual(await states(), { base: 'running', extra: 'running', other: 'stopped' });
    await supervisor.stop('extra');
    assert.deepEqual(await supervisor.up(), []);
    assert.deepEqual(await states(), { base: 'running', extra: 'stopped', other: 'running' });
    assert.equal((await supervisor.status()).find((s) => s.name === 'extra')?.optional, true);
    assert.throws(() => supervisor.service('nowhere'), /unknown service "nowhere"; services: base, extra, other/);
  } finally {
    await supervisor.down();
  }
});

test('stop sends the service its own stop signal and reports a clean stop', async () => {
  const port = await freePort();
  // Exits on SIGINT only, the way PostgreSQL shuts down fast on SIGINT and only slowly on SIGTERM.
  const script =
    `const s = require('net').createServer().listen(${port}, '127.0.0.1');` +
    `process.on('SIGTERM', () => {}); process.on('SIGINT', () => process.exit(0));`;
  const service = {
    ...tcpService('fast-on-sigint', port, script),
    stop: { signal: 'SIGINT' as const, target: 'leader' as const, graceMs: 10_000 },
  };
  lines.length = 0;
  const supervisor = new Supervisor(config, [service], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), []);
  const pid = (await supervisor.status())[0]!.pid!;
  const started = Date.now();
  await supervisor.stop('fast-on-sigint');
  assert.ok(Date.now() - started < 5000, 'stopped without waiting out the grace period');
  assert.match(lines.join('\n'), new RegExp(`\\[fast-on-sigint\\] stopped \\(pid ${pid}\\) in \\d+\\.\\ds`));
  assert.equal(isRunning(pid), false);
});

test('stop kills the whole process group after the grace period, children left behind included', async () => {
  const port = await freePort();
  // The leader leaves on SIGTERM but its child ignores it: a server that stops without stopping its workers.
  const child = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;
  const script =
    `const { spawn } = require('child_process');` +
    `const c = spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: 'ignore' });` +
    `console.log('child ' + c.pid);` +
    `require('net').createServer().listen(${port}, '127.0.0.1');` +
    `process.on('SIGTERM', () => process.exit(0));`;
  const service = {
    ...tcpService('leaves-a-child', port, script),
    stop: { signal: 'SIGTERM' as const, target: 'leader' as const, graceMs: 1000 },
  };
  lines.length = 0;
  const supervisor = new Supervisor(config, [service], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), []);
  const { logFile } = supervisor.context(service);
  const childPid = Number(/child (\d+)/.exec(readFileSync(logFile, 'utf8'))?.[1]);
  assert.ok(childPid > 0);
  await supervisor.stop('leaves-a-child');
  assert.match(lines.join('\n'), /\[leaves-a-child\] stopped \(pid \d+\): killed after 1s without exiting on SIGTERM/);
  assert.equal(isRunning(childPid), false, 'the child is gone too');
});

test('down stops dependants before what they depend on', async () => {
  const server = tcpService('server', await freePort());
  const app = { ...tcpService('app', await freePort()), dependsOn: ['server'] };
  const supervisor = new Supervisor(config, [server, app], (line) => lines.push(line));
  assert.deepEqual(await supervisor.up(), []);
  lines.length = 0;
  await supervisor.down();
  const appStopped = indexOfLine(/^\[app\] stopped/);
  assert.ok(appStopped >= 0 && appStopped < indexOfLine(/^\[server\] stopped/), lines.join('\n'));
});
