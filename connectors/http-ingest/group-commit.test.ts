import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GroupCommit, PublishError, type OutgoingRecord } from './group-commit.js';

const record = (key: string, bytes = 10): OutgoingRecord => ({ key, value: Buffer.alloc(bytes), headers: {} });
const options = { timeoutMs: 1000, maxBatchBytes: 10_000, maxOutstandingRecords: 100 };

/** A send the test finishes by hand, recording what each call carried. */
function manualSend() {
  const calls: Array<{ keys: string[]; finish: (error?: Error) => void }> = [];
  const send = (records: OutgoingRecord[]) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ keys: records.map((r) => r.key), finish: (error) => (error ? reject(error) : resolve()) });
    });
  return { calls, send };
}

const outcome = (p: Promise<void>) =>
  p.then(
    () => 'ok',
    (e: PublishError) => e.reason,
  );

test('records arriving while a send is in flight go together in the next one', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, options);
  const first = commit.publish([record('a')]);
  const second = commit.publish([record('b')]);
  const third = commit.publish([record('c1'), record('c2')]);
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['a']],
  );
  calls[0]!.finish();
  await first;
  await sleep(0);
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['a'], ['b', 'c1', 'c2']],
  );
  calls[1]!.finish();
  assert.deepEqual(await Promise.all([outcome(second), outcome(third)]), ['ok', 'ok']);
});

test('a batch stops at maxBatchBytes, but one oversized request still goes alone', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, { ...options, maxBatchBytes: 200 });
  const all = [commit.publish([record('x')]), commit.publish([record('big', 500)]), commit.publish([record('y')])];
  calls[0]!.finish();
  await sleep(0);
  calls[1]!.finish();
  await sleep(0);
  calls[2]!.finish();
  await Promise.all(all);
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['x'], ['big'], ['y']],
  );
});

test('a failed send fails every caller in it, classified; the next batch still goes', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, options, (e) => ((e as Error).message === 'big' ? 'too-large' : 'failed'));
  const a = commit.publish([record('a')]);
  const b = commit.publish([record('b')]);
  calls[0]!.finish(new Error('big'));
  assert.equal(await outcome(a), 'too-large');
  calls[1]!.finish(new Error('broker down'));
  assert.equal(await outcome(b), 'failed');
  const c = commit.publish([record('c')]);
  calls[2]!.finish();
  assert.equal(await outcome(c), 'ok');
});

test('a caller timing out in the queue is taken out and never sent; one in flight may have been written', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, { ...options, timeoutMs: 30 });
  const inFlight = commit.publish([record('slow')]);
  const queued = commit.publish([record('waiting')]);
  const failure = (p: Promise<void>) =>
    p.then(
      () => assert.fail('should have failed'),
      (e: PublishError) => e,
    );
  const errors = await Promise.all([failure(inFlight), failure(queued)]);
  assert.deepEqual(
    errors.map((e) => [e.reason, e.possiblyWritten]),
    [
      ['unacknowledged', true],
      ['timeout', false],
    ],
  );
  calls[0]!.finish();
  await commit.idle();
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['slow']],
    'the timed-out queued records were never handed to Kafka',
  );
});

test('beyond maxOutstandingRecords (queued or in flight) callers are refused at once', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, { ...options, maxOutstandingRecords: 3 });
  const first = commit.publish([record('a'), record('b')]);
  assert.equal(await outcome(commit.publish([record('c'), record('d')])), 'overloaded');
  calls[0]!.finish();
  await first;
});

test('idle() waits for queued and in-flight records', async () => {
  const { calls, send } = manualSend();
  const commit = new GroupCommit(send, options);
  await commit.idle();
  void commit.publish([record('a')]);
  void commit.publish([record('b')]);
  let idle = false;
  const waiting = commit.idle().then(() => (idle = true));
  calls[0]!.finish();
  await sleep(0);
  assert.equal(idle, false, 'b is still to be sent');
  calls[1]!.finish();
  await waiting;
  assert.equal(idle, true);
});

test('while Kafka is known to be away callers are refused at once, and refuseQueued empties the queue', async () => {
  const { calls, send } = manualSend();
  let away: string | null = null;
  const commit = new GroupCommit(send, { ...options, unavailable: () => away });
  const inFlight = commit.publish([record('a')]);
  const queued = commit.publish([record('b')]);
  away = 'no Kafka broker accepts connections';
  commit.refuseQueued(away);
  const refused = await queued.then(
    () => assert.fail('refused'),
    (e: PublishError) => e,
  );
  assert.deepEqual([refused.reason, refused.possiblyWritten], ['unavailable', false]);
  const started = Date.now();
  const fresh = await commit.publish([record('c')]).then(
    () => assert.fail('refused'),
    (e: PublishError) => e,
  );
  assert.equal(fresh.reason, 'unavailable');
  assert.match(fresh.message, /no Kafka broker accepts connections; nothing was sent/);
  assert.ok(Date.now() - started < 50, 'refused without waiting for the timeout');
  calls[0]!.finish();
  await inFlight;
  away = null;
  const after = commit.publish([record('d')]);
  await sleep(0);
  calls[1]!.finish();
  assert.equal(await outcome(after), 'ok');
  assert.deepEqual(
    calls.map((c) => c.keys),
    [['a'], ['d']],
    'refused records were never handed to Kafka',
  );
});
