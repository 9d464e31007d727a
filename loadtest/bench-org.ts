/**
 * Throwaway orgs for benchmarks that drive the whole pipeline, and their removal with everything the pipeline
 * wrote for them. Being unique per run, nothing they leave could count in another run; they are removed
 * because tens of thousands of tickets per run would otherwise pile up in the shared stores.
 */
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import pg from 'pg';
import { repoRoot, type Config } from '../config/index.js';
import { createIngestKey, upsertOrganization } from '../ops/db/ingest-keys.js';
import { DEFAULT_CHUNK_INDEX } from '../processors/retrieve/chunk-index.js';
import { saveRouteSettings } from '../processors/route/settings-store.js';
import { kafka, topicEnds, uncommitted } from '../processors/testing/kafka-kit.js';
import {
  indexKnowledgeBase,
  knowledgeDocuments,
  publishKnowledgeBase,
  removeKnowledgeBases,
  withdrawKnowledgeBase,
} from '../processors/testing/knowledge-kit.js';
import { TICKET_INDEX } from '../processors/sinks/search-index.js';
import { SINK_NAMES } from '../processors/sinks/stages.js';
import { ticketsCollection } from '../processors/sinks/ticket-store.js';
import { consumerBinding } from '../topics/lookup.js';
import { ticketflow } from '../topics/topology.js';
import { customerTier, SLA_POLICIES, type OrgProfile } from './chain/orgs.js';

const DEMO_KB = path.join(repoRoot, 'connectors/kb-import/demo');

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

export interface SeededOrg {
  readonly id: string;
  readonly key: string;
  readonly customers: number;
  readonly chunks: number;
  /** How the org's events are keyed (organizations.partition_key). */
  readonly keying: string;
}

/**
 * Each org with everything enrich, retrieve and route read for it: the org (unthrottled), its SLA policies,
 * its customers with tiers and policies, its routing settings, an ingest key, and the demo knowledge base.
 * The hot org is keyed by conversation, so it can use every partition.
 */
export async function seedBenchOrgs(config: Config, es: Client, orgs: readonly OrgProfile[]): Promise<SeededOrg[]> {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });
  try {
    const seeded: SeededOrg[] = [];
    for (const org of orgs) {
      const keying = org.hot ? 'conversation' : 'org';
      await upsertOrganization(pool, {
        id: org.id,
        name: `${org.name} (benchmark)`,
        ingestRatePerSec: 10_000_000,
        ingestBurst: 10_000_000,
        partitionKey: keying,
      });
      for (const p of SLA_POLICIES) {
        await pool.query(
          `INSERT INTO sla_policies (org_id, policy_id, name, first_response_p1_minutes, first_response_p2_minutes,
             first_response_p3_minutes, first_response_p4_minutes, is_default)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [org.id, p.id, p.name, ...p.minutes, p.isDefault],
        );
      }
      // One statement per org: thousands of customers in a few milliseconds.
      const ids = Array.from({ length: org.customers }, (_, i) => i + 1);
      const tiers = ids.map(customerTier);
      await pool.query(
        `INSERT INTO customers (org_id, customer_id, plan, tier, sla_policy_id)
         SELECT $1, c.id, c.plan, c.tier, c.policy
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS c(id, plan, tier, policy)`,
        [
          org.id,
          ids.map((i) => `cust-${i}`),
          tiers.map((t) => t.plan),
          tiers.map((t) => t.tier),
          tiers.map((t) => t.policy),
        ],
      );
      await saveRouteSettings(pool, org.id, {
        autoReplyIntents: [...org.route.autoReplyIntents],
        queueLanguages: [...org.route.queueLanguages],
        ...(org.route.threshold !== undefined ? { autoReplyThreshold: org.route.threshold } : {}),
      });
      const { key } = await createIngestKey(pool, org.id, 'benchmark');
      seeded.push({ id: org.id, key, customers: org.customers, chunks: 0, keying });
    }
    // Straight into the index through the sinks' own code, and onto the chunks topic the retrieve processes serve
    // from, embedded once for all orgs: the benchmark measures interactions, not imports.
    const documents = await Promise.all(orgs.map((org) => knowledgeDocuments(org.id, DEMO_KB)));
    const imports = await Promise.all(documents.map((docs) => indexKnowledgeBase(es, docs)));
    await publishKnowledgeBase(documents.flat());
    return seeded.map((org, i) => ({ ...org, chunks: imports[i]!.chunks }));
  } finally {
    await pool.end();
  }
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
        if (waited > 1000) log(`the running sinks caught up after ${Math.round(waited / 1000)} s`);
        return [];
      }
      if (waited > timeoutMs) return [...left.keys()];
      if (waited >= reported) {
        log(`waiting for the running sinks before removing the orgs: ${describe(left)}`);
        reported += 15_000;
      }
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

/** This Elasticsearch build has no _delete_by_query: list the orgs' documents and delete them in bulk. */
async function deleteSearchDocuments(es: Client, orgIds: readonly string[]): Promise<number> {
  if (!(await es.indices.exists({ index: TICKET_INDEX }))) return 0;
  let deleted = 0;
  for (;;) {
    const { hits } = await es.search({
      index: TICKET_INDEX,
      size: 5000,
      _source: false,
      query: { terms: { org_id: [...orgIds] } },
    });
    if (hits.hits.length === 0) return deleted;
    const operations = hits.hits.map((hit) => ({ delete: { _index: TICKET_INDEX, _id: hit._id! } }));
    await es.bulk({ operations, refresh: true });
    deleted += operations.length;
  }
}

/**
 * The orgs, their keys and knowledge bases, their tickets in every store, and their Redis entries. Every store
 * is attempted even when one fails; the failures are reported together at the end.
 */
export async function removeBenchOrgs(
  config: Config,
  es: Client,
  orgIds: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  if (orgIds.length === 0) return;
  const lagging = await untilSinksCaughtUp(300_000, log);
  if (lagging.length > 0) log(`${lagging.join(', ')} still behind after 300 s: some tickets may remain`);
  const failures: string[] = [];
  const attempt = async (what: string, work: () => Promise<string>) => {
    try {
      log(`  ${what}: ${await work()}`);
    } catch (error) {
      failures.push(`${what}: ${(error as Error).message}`);
    }
  };
  await attempt('MongoDB tickets', async () => {
    const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000 });
    try {
      // One pass over the collection for every org: the Mongo-wire server does not build the orgId index.
      const { deletedCount } = await ticketsCollection(mongo.db(config.mongo.database)).deleteMany({
        orgId: { $in: [...orgIds] },
      });
      return `${deletedCount} deleted`;
    } finally {
      await mongo.close();
    }
  });
  await attempt('search documents', async () => `${await deleteSearchDocuments(es, orgIds)} deleted`);
  await attempt(
    'knowledge bases',
    async () => `${await removeKnowledgeBases(es, [...orgIds], DEFAULT_CHUNK_INDEX)} chunks removed`,
  );
  await attempt('knowledge base passages on the chunks topic', async () => {
    const documents = await Promise.all(orgIds.map((orgId) => knowledgeDocuments(orgId, DEMO_KB)));
    return `${await withdrawKnowledgeBase(documents.flat())} tombstones`;
  });
  await attempt('Redis keys', async () => {
    // Ingest buckets, the enrich context cache and the live views all name the org in their keys.
    const redis = new Redis(config.redis.url);
    let removed = 0;
    try {
      for (const orgId of orgIds) {
        for await (const keys of redis.scanStream({ match: `tf:*${orgId}*`, count: 1000 })) {
          if ((keys as string[]).length) removed += await redis.unlink(...(keys as string[]));
        }
      }
      return `${removed} removed`;
    } finally {
      redis.disconnect();
    }
  });
  await attempt('PostgreSQL orgs, customers, policies, settings and keys', async () => {
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
    try {
      const { rowCount } = await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[...orgIds]]);
      return `${rowCount} orgs deleted`;
    } finally {
      await pool.end();
    }
  });
  if (failures.length > 0) throw new Error(`cleanup incomplete: ${failures.join('; ')}`);
}
