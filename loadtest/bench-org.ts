/**
 * A throwaway org for benchmarks that drive the whole pipeline, and its removal with everything the pipeline
 * wrote for it. Being unique per run, nothing it leaves could count in another run; it is removed because
 * thousands of tickets per run would otherwise pile up in the shared stores.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { repoRoot, type Config } from '../config/index.js';
import { importDocuments, importPath } from '../connectors/kb-import/import.js';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { DEFAULT_CHUNK_INDEX } from '../processors/retrieve/chunk-index.js';
import { kafka, topicEnds, uncommitted } from '../processors/testing/kafka-kit.js';
import { TICKET_INDEX } from '../processors/sinks/search-index.js';
import { SINK_NAMES } from '../processors/sinks/stages.js';
import { ticketsCollection } from '../processors/sinks/ticket-store.js';
import { consumerBinding } from '../topics/lookup.js';
import { ticketflow } from '../topics/topology.js';

/** An org whose ingest limits are far above what this machine can send, and an ingest key for it. */
export async function createUnthrottledOrg(config: Config, orgId: string, name: string): Promise<string> {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  try {
    // So the token bucket is never what is measured.
    await upsertOrganization(pool, { id: orgId, name, ingestRatePerSec: 10_000_000, ingestBurst: 10_000_000 });
    return (await createIngestKey(pool, orgId, 'loadtest')).key;
  } finally {
    await pool.end();
  }
}

/** The org with an ingest key and the demo knowledge base (connectors/kb-import/demo), for retrieve to find. */
export async function createBenchOrg(config: Config, es: Client, orgId: string) {
  const key = await createUnthrottledOrg(config, orgId, 'benchmark');
  const kb = await importPath(es, path.join(repoRoot, 'connectors/kb-import/demo'), {
    orgId,
    index: DEFAULT_CHUNK_INDEX,
  });
  return { key, articles: kb.documents, chunks: kb.chunks };
}

/**
 * Sinks run by the stack (`npm run stack -- up --apps`) materialize the benchmark's tickets like any others.
 * Waits until every sink group with members has committed past what its topics hold now, so that nothing is
 * written after the cleanup; returns the groups still behind at the deadline.
 */
async function untilSinksCaughtUp(timeoutMs: number, log: (line: string) => void): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const sinks = SINK_NAMES.map((name) => consumerBinding(ticketflow, name));
    const { groups } = await admin.describeGroups(sinks.map((s) => s.groupId));
    const active = sinks.filter((s) => groups.some((g) => g.groupId === s.groupId && g.members.length > 0));
    const targets = await Promise.all(
      active.map(async (s) => ({
        groupId: s.groupId,
        ends: await topicEnds(
          admin,
          s.inputs.map((t) => t.name),
        ),
      })),
    );
    /** Records each group has yet to commit, of those on its topics when we started waiting. */
    const behind = async () => {
      const left = new Map<string, number>();
      for (const { groupId, ends } of targets) {
        const n = await uncommitted(admin, groupId, ends);
        if (n > 0) left.set(groupId, n);
      }
      return left;
    };
    const started = Date.now();
    const describe = (left: Map<string, number>) => [...left].map(([g, n]) => `${g} ${n} records behind`).join(', ');
    let reported = 0;
    for (let left = await behind(); ; left = await behind()) {
      const waited = Date.now() - started;
      if (left.size === 0) {
        if (waited > 1000) log(`the stack's sinks caught up after ${Math.round(waited / 1000)} s`);
        return [];
      }
      if (waited > timeoutMs) return [...left.keys()];
      if (waited >= reported) {
        log(`waiting for the stack's sinks before removing the org: ${describe(left)}`);
        reported += 15_000;
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

/** This Elasticsearch build has no _delete_by_query: list the org's documents and delete them in bulk. */
async function deleteTickets(es: Client, orgId: string): Promise<void> {
  if (!(await es.indices.exists({ index: TICKET_INDEX }))) return;
  for (;;) {
    const { hits } = await es.search({
      index: TICKET_INDEX,
      size: 1000,
      _source: false,
      query: { term: { org_id: orgId } },
    });
    if (hits.hits.length === 0) return;
    const operations = hits.hits.map((hit) => ({ delete: { _index: TICKET_INDEX, _id: hit._id! } }));
    await es.bulk({ operations, refresh: true });
  }
}

/** The org, its keys and knowledge base, its tickets in every store, and its Redis entries. */
export async function removeBenchOrg(
  config: Config,
  es: Client,
  orgId: string,
  log: (line: string) => void,
): Promise<void> {
  const lagging = await untilSinksCaughtUp(300_000, log);
  if (lagging.length > 0) log(`${lagging.join(', ')} still behind after 300 s: some of ${orgId}'s tickets may remain`);
  const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000 });
  try {
    await ticketsCollection(mongo.db(config.mongo.database)).deleteMany({ orgId });
  } finally {
    await mongo.close();
  }
  await deleteTickets(es, orgId);
  await importDocuments(es, [], { orgId, index: DEFAULT_CHUNK_INDEX, prune: true });
  // Ingest buckets, the enrich context cache and the live views all name the org in their keys.
  const redis = new Redis(config.redis.url);
  try {
    for await (const keys of redis.scanStream({ match: `tf:*${orgId}*`, count: 1000 })) {
      if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  await pool.query('DELETE FROM organizations WHERE id = $1', [orgId]).finally(() => pool.end());
}
