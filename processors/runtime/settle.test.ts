import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dependency } from './dependency.js';
import { PermanentError, UnavailableError } from './errors.js';
import { Abandoned, DEFERRED, settle, type Answer, type SettleInput, type SettleOptions } from './settle.js';
import { ItemFailure } from './stage.js';

const options = (overrides: Partial<SettleOptions> = {}): SettleOptions => ({
  maxAttempts: 3,
  backoff: { initialMs: 1, maxMs: 2, multiplier: 1 },
  shouldStop: () => false,
  sleep: async () => undefined,
  ...overrides,
});

/** Inputs named by `lane:n`; the handler is told each round which it gets, and answers with their names. */
function inputs(...names: string[]): Array<SettleInput & { name: string }> {
  return names.map((name) => ({ name, lane: name.split(':')[0]! }));
}

type Rule = (name: string, attempt: number) => Answer<string> | undefined;

function recorder(all: Array<{ name: string }>, rule: Rule = () => undefined) {
  const rounds: string[][] = [];
  const handle = async (indexes: number[], attempts: number[]) => {
    rounds.push(indexes.map((i) => all[i]!.name));
    return indexes.map((i, k) => rule(all[i]!.name, attempts[k]!) ?? [all[i]!.name]);
  };
  return { rounds, handle };
}

test('a batch that all succeeds is handled in one round, answers in input order', async () => {
  const all = inputs('a:1', 'b:1', 'a:2');
  const { rounds, handle } = recorder(all);
  const settled = await settle(all, handle, options());
  assert.deepEqual(rounds, [['a:1', 'b:1', 'a:2']]);
  assert.deepEqual(
    settled.map((s) => (s.kind === 'handled' ? s.outputs : s.kind)),
    [['a:1'], ['b:1'], ['a:2']],
  );
});

test('a permanent failure is dead at once; its lane and the rest flow on', async () => {
  const all = inputs('a:1', 'a:2', 'b:1');
  const { rounds, handle } = recorder(all, (name) =>
    name === 'a:1' ? new ItemFailure(new PermanentError('bad')) : undefined,
  );
  const settled = await settle(all, handle, options());
  assert.equal(rounds.length, 1);
  assert.deepEqual(
    settled.map((s) => s.kind),
    ['dead', 'handled', 'handled'],
  );
  assert.equal((settled[0] as { attempts: number }).attempts, 1);
});

test('a transient failure is retried; the later inputs of its lane wait and are handed in again with it', async () => {
  const all = inputs('a:1', 'a:2', 'a:3', 'b:1', 'b:2');
  const { rounds, handle } = recorder(all, (name, attempt) =>
    name === 'a:2' && attempt < 3 ? new ItemFailure(new Error('flaky')) : undefined,
  );
  const settled = await settle(all, handle, options({ maxAttempts: 5 }));
  assert.deepEqual(rounds, [
    ['a:1', 'a:2', 'a:3', 'b:1', 'b:2'],
    ['a:2', 'a:3'],
    ['a:2', 'a:3'],
  ]);
  assert.ok(settled.every((s) => s.kind === 'handled'));
});

test('a failure that outlives its attempts is dead with their count; its lane then moves on', async () => {
  const all = inputs('a:1', 'a:2');
  const { rounds, handle } = recorder(all, (name) => (name === 'a:1' ? new ItemFailure(new Error('no')) : undefined));
  const settled = await settle(all, handle, options({ maxAttempts: 3 }));
  assert.deepEqual(rounds, [
    ['a:1', 'a:2'],
    ['a:1', 'a:2'],
    ['a:1', 'a:2'],
  ]);
  assert.deepEqual(settled[0], { kind: 'dead', error: new Error('no'), attempts: 3 });
  assert.equal(settled[1]!.kind, 'handled');
});

test('a rejection of the whole batch fails every input, each counted on its own', async () => {
  const all = inputs('a:1', 'b:1');
  let calls = 0;
  const settled = await settle<string>(
    all,
    async (indexes) => {
      calls += 1;
      if (calls === 1) throw new Error('batch failed');
      return indexes.map((i) => [all[i]!.name]);
    },
    options(),
  );
  assert.equal(calls, 2);
  assert.ok(settled.every((s) => s.kind === 'handled'));
});

test('poison inputs are dead before any round, with no attempts', async () => {
  const all = [{ lane: 'x', poison: new PermanentError('not avro') }, ...inputs('a:1')];
  const seen: number[][] = [];
  const settled = await settle<string>(
    all,
    async (indexes) => {
      seen.push(indexes);
      return indexes.map(() => ['ok']);
    },
    options(),
  );
  assert.deepEqual(seen, [[1]]);
  assert.deepEqual(settled[0], { kind: 'dead', error: all[0]!.poison, attempts: 0 });
});

test('deferred inputs come back without counting an attempt', async () => {
  const all = inputs('a:1', 'a:2');
  let round = 0;
  const settled = await settle<string>(
    all,
    async (indexes) => {
      round += 1;
      if (round === 1) return [new ItemFailure(new PermanentError('bad')), DEFERRED];
      return indexes.map(() => ['later']);
    },
    options({ maxAttempts: 1 }),
  );
  assert.deepEqual(
    settled.map((s) => s.kind),
    ['dead', 'handled'],
  );
});

test('an outage of a named dependency is waited out for as long as it lasts, costing no attempts', async () => {
  let down = true;
  let probes = 0;
  const db = new Dependency('db', {
    probe: async () => {
      probes += 1;
      if (probes >= 5) down = false;
      if (down) throw new Error('refused');
    },
    probeBackoff: { initialMs: 1, maxMs: 2, multiplier: 1 },
  });
  const all = inputs('a:1', 'a:2', 'b:1');
  const waits: Array<string | null> = [];
  const settled = await settle<string>(
    all,
    async (indexes) =>
      indexes.map((i) => (down && all[i]!.name === 'a:1' ? new ItemFailure(db.failure(refused())) : [all[i]!.name])),
    options({ maxAttempts: 1, onWait: (outage) => waits.push(outage?.name ?? null) }),
  );
  assert.ok(
    settled.every((s) => s.kind === 'handled'),
    'nothing dead, with a single attempt allowed',
  );
  assert.ok(probes >= 5);
  assert.deepEqual(waits, ['db', null]);
  assert.equal(db.state, 'closed');
});

test('an "outage" the first probe disproves is retried for a budget of time, so a misread failure cannot loop forever', async () => {
  const db = new Dependency('db', { probe: async () => undefined });
  const all = inputs('a:1');
  let calls = 0;
  const began = Date.now();
  const settled = await settle<string>(
    all,
    async () => {
      calls += 1;
      return [new ItemFailure(db.failure(refused()))];
    },
    options({ maxAttempts: 3, slowDependencyBudgetMs: 30, slowBackoff: { initialMs: 1, maxMs: 1, multiplier: 1 } }),
  );
  assert.ok(calls > 3, `retried beyond maxAttempts (${calls} calls)`);
  assert.ok(Date.now() - began >= 30);
  assert.equal(settled[0]!.kind, 'dead');
});

test('a server that answers its probe but times requests out (overloaded, warming up) costs no attempts', async () => {
  const es = new Dependency('elasticsearch', { probe: async () => undefined });
  const timedOut = Object.assign(new Error('Request timed out'), { name: 'TimeoutError' });
  const all = inputs('a:1', 'b:1');
  let calls = 0;
  const settled = await settle<string>(
    all,
    async (indexes) => {
      calls += 1;
      // Ten rounds of timeouts, far beyond maxAttempts, then it answers.
      return indexes.map((i) => (calls <= 10 ? new ItemFailure(es.failure(timedOut)) : [all[i]!.name]));
    },
    options({ maxAttempts: 3 }),
  );
  assert.equal(calls, 11);
  assert.deepEqual(
    settled.map((s) => s.kind),
    ['handled', 'handled'],
  );
});

test('a handler that can do without the dependency gets its inputs back at its fallback time', async () => {
  const db = new Dependency('db', {
    probe: async () => {
      throw new Error('still down');
    },
    probeBackoff: { initialMs: 5, maxMs: 5, multiplier: 1 },
  });
  const fallbackAt = Date.now() + 50;
  const all = inputs('a:1');
  let calls = 0;
  const settled = await settle<string>(
    all,
    async () => {
      calls += 1;
      if (Date.now() < fallbackAt) return [new ItemFailure(new UnavailableError(db, 'down', { fallbackAt }))];
      return [['without it']];
    },
    options({ maxAttempts: 1 }),
  );
  assert.equal(calls, 2);
  assert.deepEqual(settled[0], { kind: 'handled', outputs: ['without it'] });
});

test('a stop (shutdown or lost partitions) abandons the batch before a retry or during a wait', async () => {
  const db = new Dependency('db', {
    probe: async () => {
      throw new Error('down');
    },
    probeBackoff: { initialMs: 5, maxMs: 5, multiplier: 1 },
  });
  let stop = false;
  setTimeout(() => (stop = true), 30);
  await assert.rejects(
    settle<string>(
      inputs('a:1'),
      async () => [new ItemFailure(db.failure(refused()))],
      options({ shouldStop: () => stop }),
    ),
    Abandoned,
  );
});

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
}
