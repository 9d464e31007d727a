import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queryable } from '../../ops/db/queryable.js';
import { Dependency } from '../runtime/dependency.js';
import { IntentModel } from './model.js';
import { OrgModels } from './org-models.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

test('after a PostgreSQL outage met by its polls, the registry poll probes the breaker closed again', async () => {
  let up = true;
  const db = {
    query: async () => {
      if (!up) throw refused();
      return { rows: [] };
    },
  } as unknown as Queryable;
  const postgres = new Dependency('postgres', {
    probe: async () => {
      if (!up) throw refused();
    },
    probeBackoff: { initialMs: 10, maxMs: 20, multiplier: 2 },
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const models = new OrgModels({ db, postgres, fallback: IntentModel.load(), logger: quiet, pollMs: 20 });
  await models.refresh();
  models.start();
  try {
    up = false;
    for (let i = 0; i < 50 && postgres.state === 'closed'; i++) await sleep(10);
    assert.notEqual(postgres.state, 'closed', 'a poll met the outage and tripped the breaker');
    up = true;
    for (let i = 0; i < 100 && postgres.state !== 'closed'; i++) await sleep(10);
    assert.equal(postgres.state, 'closed', 'nothing in classify waits on PostgreSQL, so the poll must probe it');
  } finally {
    models.stop();
  }
});
