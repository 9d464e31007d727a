/**
 * The schema registry across a restart of the stack's PostgreSQL: once PostgreSQL is back, every request must be
 * answered. The registry keeps a pool of connections; a restart ends each of them on the server side, and a pool
 * that hands them out unchecked fails one request per dead connection (up to its 20) with a 500, until each has
 * been tried or background validation finds it minutes later. It restarts a shared server, so the test runner runs
 * it after every other file (`*.restarts-stack.integration.test.ts`).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../../config/index.js';
import { Supervisor } from '../supervisor.js';
import { stackServices } from './index.js';
import { schemaRegistryUrl } from './schema-registry.js';

const config = loadConfig();
const registry = schemaRegistryUrl(config.stack);
const supervisor = new Supervisor(config.stack, stackServices, () => undefined);
const subject = `it-registry-restart-${randomUUID().slice(0, 8)}-value`;
const schema = JSON.stringify({ type: 'record', name: 'Probe', fields: [{ name: 'a', type: 'string' }] });

async function ask(method: 'GET' | 'POST', route: string, body?: unknown): Promise<number> {
  const response = await fetch(`${registry}${route}`, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  await response.arrayBuffer();
  return response.status;
}

async function registryConnections(): Promise<number> {
  const client = new pg.Client({ connectionString: config.postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'schema-registry'",
    );
    return rows[0]!.n;
  } finally {
    await client.end();
  }
}

after(async () => {
  // Whatever happened, PostgreSQL is left running for whoever comes next.
  await supervisor.up(['postgres', 'schema-registry']).catch((error: unknown) => console.error(error));
  await fetch(`${registry}/subjects/${subject}`, { method: 'DELETE' }).catch(() => undefined);
});

test('after PostgreSQL restarts, the registry answers every request: no pooled dead connection is handed out', async () => {
  assert.equal(await ask('POST', `/subjects/${subject}/versions`, { schema }), 200);
  // Many requests at once open more of the pool's connections, as a fleet of processors starting together does.
  await Promise.all(Array.from({ length: 100 }, () => ask('GET', `/subjects/${subject}/versions/latest`)));
  const pooled = await registryConnections();
  assert.ok(pooled >= 3, `the registry holds several connections (${pooled})`);

  await supervisor.stop('postgres');
  assert.deepEqual(await supervisor.up(['postgres']), [], 'PostgreSQL starts again');

  const answers: number[] = [];
  for (let i = 0; i < 2 * pooled; i++) answers.push(await ask('GET', `/subjects/${subject}/versions/latest`));
  answers.push(await ask('POST', `/subjects/${subject}/versions`, { schema }));
  const failed = answers.filter((status) => status !== 200).length;
  assert.equal(failed, 0, `${failed} of ${answers.length} requests failed (${pooled} connections were pooled)`);
});
