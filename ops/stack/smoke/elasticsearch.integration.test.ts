/**
 * Proves the local Elasticsearch node does what ticketflow relies on: mappings, bulk indexing, BM25 search
 * with a tenant filter, idempotent upserts and terms aggregations. Needs the stack (`npm run stack -- up`).
 */
import { Client, type estypes } from '@elastic/elasticsearch';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../../config/index.js';

interface Ticket {
  org_id: string;
  body: string;
}

const url = loadConfig().elasticsearch.url;
const client = new Client({ node: url, requestTimeout: 10_000, maxRetries: 0 });
// Unique per run so parallel or aborted runs never see each other's documents.
const index = `smoke-tickets-${process.pid}-${Date.now()}`;

const tickets: Record<string, Ticket> = {
  a1: { org_id: 'org-a', body: 'Refund requested: refund the duplicate refund charge' },
  a2: {
    org_id: 'org-a',
    body: 'The parcel arrived damaged and the customer would like a refund or a replacement soon',
  },
  a3: { org_id: 'org-a', body: 'Password reset link expired' },
  b1: { org_id: 'org-b', body: 'Refund refund refund' },
};

before(async () => {
  try {
    await client.cluster.health({ timeout: '2s' });
  } catch (error) {
    throw new Error(
      `Elasticsearch is not reachable at ${url}; start it with \`npm run stack -- up\` (${String(error)})`,
    );
  }
  await client.indices.create({
    index,
    // One shard keeps BM25 statistics in one place, so the score order below is deterministic.
    settings: { number_of_shards: 1, number_of_replicas: 0 },
    mappings: {
      dynamic: 'strict',
      properties: {
        org_id: { type: 'keyword' },
        body: { type: 'text', analyzer: 'standard' },
      },
    },
  });
});

after(async () => {
  await client.indices.delete({ index, ignore_unavailable: true });
  await client.close();
});

test('bulk indexing with refresh makes documents searchable at once', async () => {
  const result = await client.bulk<Ticket>({
    refresh: true,
    operations: Object.entries(tickets).flatMap(([id, doc]) => [{ index: { _index: index, _id: id } }, doc]),
  });
  assert.equal(result.errors, false, JSON.stringify(result.items.filter((i) => i.index?.error)));
  assert.equal((await client.count({ index })).count, 4);
});

test('a match on body filtered by org_id returns that tenant only, best match first', async () => {
  const result = await client.search<Ticket>({
    index,
    track_total_hits: true,
    query: {
      bool: {
        must: [{ match: { body: 'refund' } }],
        filter: [{ term: { org_id: 'org-a' } }],
      },
    },
  });
  assert.equal((result.hits.total as estypes.SearchTotalHits).value, 2);
  // a1 names "refund" three times in a short text; a2 once in a long one.
  assert.deepEqual(
    result.hits.hits.map((h) => h._id),
    ['a1', 'a2'],
  );
  const [first, second] = result.hits.hits;
  assert.ok((first?._score ?? 0) > (second?._score ?? 0));
  assert.equal(first?._source?.org_id, 'org-a');
});

test('the standard analyzer lowercases and splits on punctuation', async () => {
  const result = await client.search<Ticket>({ index, query: { match: { body: 'PASSWORD, Reset!' } } });
  assert.deepEqual(
    result.hits.hits.map((h) => h._id),
    ['a3'],
  );
});

test('an upsert with doc_as_upsert creates once and is a no-op when repeated', async () => {
  const doc: Ticket = { org_id: 'org-b', body: 'Invoice address change' };
  const first = await client.update({ index, id: 'u1', doc, doc_as_upsert: true, refresh: true });
  assert.equal(first.result, 'created');
  const again = await client.update({ index, id: 'u1', doc, doc_as_upsert: true, refresh: true });
  assert.equal(again.result, 'noop');
  assert.equal(again._version, first._version);

  const changed = await client.update({
    index,
    id: 'u1',
    doc: { body: 'Invoice address changed' },
    doc_as_upsert: true,
    refresh: true,
  });
  assert.equal(changed.result, 'updated');
  const stored = await client.get<Ticket>({ index, id: 'u1' });
  assert.deepEqual(stored._source, { org_id: 'org-b', body: 'Invoice address changed' });
  assert.equal((await client.count({ index })).count, 5);
});

test('a terms aggregation counts documents per org', async () => {
  const result = await client.search<Ticket, { by_org: estypes.AggregationsStringTermsAggregate }>({
    index,
    size: 0,
    aggs: { by_org: { terms: { field: 'org_id' } } },
  });
  const buckets = result.aggregations?.by_org.buckets;
  assert.ok(Array.isArray(buckets));
  assert.deepEqual(
    buckets.map((b) => [b.key, b.doc_count]),
    [
      ['org-a', 3],
      ['org-b', 2],
    ],
  );
});
