/**
 * The real HTTP ingest service as a child process, with an org and key of its own, for tests that drive
 * the spine from its front door.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { repoRoot } from '../../config/index.js';
import { createIngestKey, upsertOrganization } from '../../ops/db/ingest-keys.js';
import { migrate } from '../../ops/db/migrate.js';
import { freePort, waitUntilOk } from '../../ops/net.js';
import { config, exited } from '../testing/kafka-kit.js';

export interface IngestProcess {
  readonly orgId: string;
  readonly baseUrl: string;
  post(path: string, body: unknown): Promise<Response>;
  stop(): Promise<void>;
}

export const interactionRequest = (i: number) => ({
  channel: 'CHAT',
  customer: { customerId: `cust-${i % 97}` },
  body: `help ${i}`,
});

/** `topic`: where ingest writes instead of the pipeline's own topic, so the load stays out of its groups. */
export async function startIngestProcess(orgPrefix: string, topic?: string): Promise<IngestProcess> {
  const orgId = `${orgPrefix}-${randomUUID().slice(0, 8)}`;
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  let key: string;
  try {
    await migrate(pool);
    await upsertOrganization(pool, { id: orgId, name: orgId, ingestRatePerSec: 1_000_000, ingestBurst: 1_000_000 });
    key = (await createIngestKey(pool, orgId, 'integration test')).key;
  } finally {
    await pool.end();
  }
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'connectors/http-ingest/main.ts'], {
    cwd: repoRoot,
    stdio: 'ignore',
    env: {
      ...process.env,
      INGEST_PORT: String(port),
      INGEST_SEND_TIMEOUT_MS: '2000',
      LOG_LEVEL: 'warn',
      ...(topic ? { INGEST_TOPIC: topic } : {}),
    },
  });
  await waitUntilOk(`${baseUrl}/readyz`, 60_000);
  return {
    orgId,
    baseUrl,
    post: (path, body) =>
      fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
        body: JSON.stringify(body),
      }),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      // The org and its key go too, so test runs leave no tenants behind.
      const cleanup = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
      await cleanup.query('DELETE FROM organizations WHERE id = $1', [orgId]).finally(() => cleanup.end());
    },
  };
}
