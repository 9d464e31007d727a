import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEta, Progress, renderProgress } from './progress.js';

function stream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, columns: 200, write: (chunk: string) => (writes.push(chunk), true) };
}

test('renderProgress shows a bar, percentage, counts, rate and ETA', () => {
  assert.equal(
    renderProgress({ label: 'replay', done: 250, total: 1000, ratePerSec: 50, unit: 'records' }),
    'replay [######------------------]  25%  250/1,000  50.0 records/s  ETA 0:15',
  );
  assert.equal(
    renderProgress({ label: 'x', done: 1000, total: 1000, ratePerSec: 2500, unit: 'records' }),
    'x [########################] 100%  1,000/1,000  2,500 records/s  ETA 0:00',
  );
  assert.equal(
    renderProgress({ label: 'scan', done: 12, total: null, ratePerSec: null, unit: 'records' }),
    'scan  12 records  -- records/s',
  );
});

test('formatEta writes minutes and hours, and dashes when unknown', () => {
  assert.equal(formatEta(65), '1:05');
  assert.equal(formatEta(7384), '2:03:04');
  assert.equal(formatEta(null), '--:--');
  assert.equal(formatEta(Infinity), '--:--');
});

test('on a terminal the line is redrawn in place and ended once finished', () => {
  let now = 0;
  const out = stream(true);
  const progress = new Progress({ label: 'p', total: 100, unit: 'records', stream: out, now: () => now });
  for (let i = 1; i <= 100; i += 1) {
    now += 10;
    progress.update(i);
  }
  progress.finish();
  assert.ok(out.writes.length > 2 && out.writes.length < 100, `${out.writes.length} redraws`);
  assert.ok(out.writes.every((w) => w.startsWith('\r')));
  assert.ok(out.writes.at(-1)!.endsWith('\n'));
  assert.match(out.writes.at(-1)!, /100% {2}100\/100 {2}100 records\/s/);
});

test('off a terminal it prints plain lines every few seconds, never carriage returns', () => {
  let now = 0;
  const out = stream(false);
  const progress = new Progress({ label: 'p', total: 600, unit: 'records', stream: out, now: () => now });
  for (let i = 1; i <= 600; i += 1) {
    now += 100;
    progress.update(i);
  }
  progress.finish();
  // The first update, then one line every 5 s of the 60 s, then the final one.
  assert.equal(out.writes.length, 13);
  assert.ok(out.writes.every((w) => !w.includes('\r') && w.endsWith('\n')));
  assert.match(out.writes[6]!, /ETA 0:3\d/);
});

test('the total may grow while work arrives', () => {
  let now = 0;
  const out = stream(false);
  const progress = new Progress({ label: 'p', total: 10, stream: out, now: () => now, unit: 'records' });
  now = 1000;
  progress.update(5, 20);
  progress.finish();
  assert.match(out.writes.at(-1)!, /5\/20/);
});
