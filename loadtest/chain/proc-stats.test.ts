import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { parseMachineStat, parseStat, parseStatm, ProcSampler } from './proc-stats.js';

test('stat fields are counted from the last parenthesis, so a command name with spaces and ) cannot shift them', () => {
  const fields = ['S', '4242', ...Array.from({ length: 9 }, () => '0'), '250', '50', '30', '20', '0'];
  const stat = parseStat(`1234 (my (odd) name) ${fields.join(' ')}`);
  assert.equal(stat.pid, 1234);
  assert.equal(stat.ppid, 4242);
  assert.equal(stat.ownCpuSeconds, 3);
  assert.equal(stat.reapedCpuSeconds, 0.5);
});

test('statm pages become bytes; /proc/stat gives busy and total machine time', () => {
  assert.deepEqual(parseStatm('1000 300 100 10 0 200 0\n', 4096), { rss: 300 * 4096, shared: 100 * 4096 });
  const machine = parseMachineStat('cpu  100 10 50 800 40 5 5 0 0 0\ncpu0 1 2 3\n');
  assert.equal(machine.busySeconds, 1.7);
  assert.equal(machine.totalSeconds, 10.1);
});

/** Burns `seconds` of CPU however busy the machine is (a wall-clock loop would burn less under contention). */
const BURN = (seconds: number) =>
  `const start = process.cpuUsage(); ` +
  `while ((process.cpuUsage(start).user + process.cpuUsage(start).system) / 1e6 < ${seconds});`;

test('the sampler measures CPU between marks and peak memory of a process and of a tree', async () => {
  const child = spawn(process.execPath, ['-e', `${BURN(0.3)} console.log('done'); setTimeout(() => {}, 30000)`]);
  try {
    const sampler = new ProcSampler(
      [
        { name: 'self', kind: 'benchmark', rootPid: process.pid, tree: false },
        { name: 'tree', kind: 'server', rootPid: process.pid, tree: true },
      ],
      20,
    );
    sampler.start();
    const before = sampler.mark();
    new Function(BURN(0.3))();
    await new Promise((resolve) => child.stdout.once('data', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = sampler.mark();
    sampler.stop();
    const [self, tree] = sampler.usage(before, after);
    assert.ok(self!.cpuSeconds >= 0.28 && self!.cpuSeconds < 5, `self used ${self!.cpuSeconds} s`);
    assert.ok(tree!.cpuSeconds >= self!.cpuSeconds + 0.28, `the tree counts the busy child: ${tree!.cpuSeconds} s`);
    assert.equal(self!.members, 1);
    assert.ok(tree!.members >= 2, `${tree!.members} processes in the tree`);
    assert.ok(self!.peakRssMb > 10 && self!.peakRssMb < 2000, `peak ${self!.peakRssMb} MB`);
    assert.ok(tree!.peakRssMb > self!.peakRssMb, 'the tree holds more memory than its root');
    assert.ok(after.machine.totalSeconds > before.machine.totalSeconds);
    assert.ok(sampler.loadSamples().length >= 1);
  } finally {
    child.kill();
  }
});
