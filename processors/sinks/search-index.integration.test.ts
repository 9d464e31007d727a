/**
 * The search index against the stack's Elasticsearch, in the real `tf-tickets` index: test orgs are unique
 * to this run and their documents are deleted afterwards.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { loadConfig } from '../../config/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketSearchDocument } from './search-document.js';
import { ensureTicketIndex, indexChanges, searchTickets, TICKET_INDEX } from './search-index.js';
import { fixtureChain, revisions, shuffled } from './test-support.js';

const es = new Client({ node: loadConfig().elasticsearch.url, requestTimeout: 10_000, maxRetries: 0 });
const run = randomUUID().slice(0, 8);
const orgA = `it-search-a-${run}`;
const orgB = `it-search-b-${run}`;

const refresh = () => es.indices.refresh({ index: TICKET_INDEX });
const stored = async (orgId: string) =>
  (await es.get<TicketSearchDocument>({ index: TICKET_INDEX, id: `${orgId}:T-1042` }))._source;

before(async () => {
  await ensureTicketIndex(es);
  await ensureTicketIndex(es);
});

after(async () => {
  for (const org of [orgA, orgB]) {
    await es.delete({ index: TICKET_INDEX, id: `${org}:T-1042`, refresh: true }).catch(() => undefined);
  }
  await es.close();
});

test('indexing every revision leaves the final ticket, whatever the write order', async () => {
  const versions = revisions(fixtureChain(orgA));
  const final = versions.at(-1)!;
  const id = `${orgA}:T-1042`;
  for (const change of versions) assert.equal((await indexChanges(es, [change])).get(id), 'indexed');
  const expected = await stored(orgA);
  assert.equal(expected?.revision, final.revision);

  // Replays and late, older revisions are refused by the external version, never applied.
  for (const change of shuffled(versions, 11)) {
    assert.equal((await indexChanges(es, [change])).get(id), change.revision === final.revision ? 'indexed' : 'stale');
  }
  // A batch holding several revisions of a ticket writes only the newest.
  const batch = await indexChanges(es, shuffled(versions, 3));
  assert.deepEqual([...batch], [[id, 'indexed']]);
  await refresh();
  assert.deepEqual(await stored(orgA), expected);
  const hits = await searchTickets(es, orgA, '');
  assert.equal(hits.length, 1);
  assert.equal(hits[0]!.ticket.status, 'pending');
  assert.equal(hits[0]!.ticket.queue, 'billing-en');
  assert.equal(hits[0]!.ticket.intent, 'billing.refund');
});

test('full text finds redacted words and never the raw personal data', async () => {
  assert.equal((await searchTickets(es, orgA, 'refund charged twice')).length, 1);
  assert.equal((await searchTickets(es, orgA, '4111')).length, 0);
  assert.equal((await searchTickets(es, orgA, 'jo@example.com')).length, 0);
  const raw = JSON.stringify(await stored(orgA));
  assert.ok(!raw.includes(sampleEvents.InteractionReceived.body));
});

test('a second org sees nothing of the first', async () => {
  assert.deepEqual(await searchTickets(es, orgB, ''), []);
  assert.deepEqual(await searchTickets(es, orgB, 'refund'), []);
  await indexChanges(es, revisions(fixtureChain(orgB)), { refresh: true });
  const hits = await searchTickets(es, orgB, 'refund');
  assert.deepEqual(
    hits.map((h) => h.id),
    [`${orgB}:T-1042`],
  );
  assert.equal((await searchTickets(es, orgA, 'refund')).length, 1);
});
