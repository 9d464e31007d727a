/**
 * The benchmark's generated interactions: reproducible from the seed, spread over orgs, languages, channels,
 * lengths and intents as promised, carrying valid-looking personal data, accepted by ingest's own validation,
 * and meaning what they claim according to the project's intent model.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../config/index.js';
import { buildIngestApp } from '../../connectors/http-ingest/app.js';
import { createIngestMetrics } from '../../connectors/http-ingest/metrics.js';
import { IntentModel } from '../../processors/classify/model.js';
import { eventCatalog } from '../../schemas/index.js';
import { mulberry32 } from '../../processors/classify/prng.js';
import { benchOrgs } from './orgs.js';
import { iban, Workload, type BenchInteraction } from './workload.js';

const orgs = benchOrgs('t0', 6, 0.5);
const workload = new Workload({ seed: 7, orgs });
const SAMPLE = 4000;
const sample: BenchInteraction[] = Array.from({ length: SAMPLE }, (_, i) => workload.interaction('b', i));
const share = (f: (i: BenchInteraction) => boolean) => sample.filter(f).length / SAMPLE;

test('the same seed gives the same interactions, in any order; another seed gives others', () => {
  const again = new Workload({ seed: 7, orgs });
  assert.deepEqual(again.interaction('b', 1234), sample[1234]);
  assert.deepEqual(again.interaction('b', 0), sample[0]);
  const other = new Workload({ seed: 8, orgs });
  const differing = sample.slice(0, 100).filter((s, i) => other.interaction('b', i).request.body !== s.request.body);
  assert.ok(differing.length > 80, `${differing.length} of 100 differ`);
  assert.notEqual(workload.interaction('s', 5).request.body, workload.interaction('b', 5).request.body);
});

test('ids are the phase and index; the hot org carries its share and every org has some load', () => {
  assert.equal(sample[42]!.id, 'b-42');
  assert.equal(sample[42]!.request.conversationId, 'b-42');
  assert.ok(Math.abs(share((i) => i.org === 0) - 0.5) < 0.03, `hot share ${share((i) => i.org === 0)}`);
  for (const [index, org] of orgs.entries()) {
    assert.ok(Math.abs(share((i) => i.org === index) - org.share) < 0.03, `${org.id} gets about ${org.share}`);
  }
});

test('many intents, some messages out of scope, several languages with Spanish prominent', () => {
  const intents = new Set(sample.map((i) => i.intent).filter((i) => i !== null));
  assert.ok(intents.size >= 45, `${intents.size} intents`);
  assert.ok(share((i) => i.intent === null) > 0.02);
  const languages = new Set(sample.map((i) => i.language));
  assert.deepEqual([...languages].sort(), ['de', 'en', 'es', 'fr', 'it', 'pt']);
  assert.ok(share((i) => i.language === 'es') > 0.1, 'Spanish is the second language');
  assert.ok(share((i) => i.language === 'en') > 0.55, 'English is most of it');
});

test('lengths run from one line to a few paragraphs; emails have subjects, chats and texts do not', () => {
  const lengths = sample.map((i) => i.request.body.length);
  assert.ok(Math.min(...lengths) < 60, `shortest ${Math.min(...lengths)}`);
  assert.ok(Math.max(...lengths) > 500, `longest ${Math.max(...lengths)}`);
  const long = sample.filter((i) => i.length === 'long');
  assert.ok(long.length > SAMPLE * 0.1);
  for (const i of long) assert.ok(i.request.body.split('\n\n').length >= 3, `paragraphs in ${i.request.body}`);
  for (const i of long) {
    const sentences = i.request.body.split(/(?<=[.!?])\s+/);
    assert.equal(new Set(sentences).size, sentences.length, `no sentence repeats in ${i.request.body}`);
  }
  for (const i of sample) {
    if (i.request.channel === 'EMAIL') assert.ok(i.request.subject, `subject on ${i.id}`);
    if (['CHAT', 'SMS', 'SOCIAL', 'WEBHOOK'].includes(i.request.channel)) assert.equal(i.request.subject, undefined);
  }
  const channels = new Set(sample.map((i) => i.request.channel));
  assert.equal(channels.size, 6);
  assert.ok(sample.some((i) => i.request.attachments?.length));
  assert.ok(share((i) => i.request.localeHint !== undefined) > 0.3);
  assert.ok(share((i) => i.request.customer.customerId.startsWith('visitor-')) > 0.02, 'some senders are unknown');
});

test('customers are the seeded ones of their org, a few writing often', () => {
  for (const i of sample) {
    const id = i.request.customer.customerId;
    if (id.startsWith('visitor-')) continue;
    const n = Number(id.slice('cust-'.length));
    assert.ok(n >= 1 && n <= orgs[i.org]!.customers, `${id} exists in ${orgs[i.org]!.id}`);
  }
  const hot = sample.filter((i) => i.org === 0 && !i.request.customer.customerId.startsWith('visitor-'));
  const top = hot.filter((i) => Number(i.request.customer.customerId.slice(5)) <= orgs[0]!.customers / 10);
  assert.ok(top.length / hot.length > 0.25, 'the first tenth of customers write more than a tenth of messages');
});

test('about a quarter carry personal data, and it has the shape real data has', () => {
  assert.ok(share((i) => i.pii.length > 0) > 0.2);
  const kinds = new Set(sample.flatMap((i) => i.pii));
  assert.deepEqual([...kinds].sort(), ['card', 'email', 'iban', 'phone']);
  const bodies = sample.map((i) => i.request.body).join('\n');
  for (const email of bodies.match(/[\w.]+@\w+(?:\.\w+)+/g) ?? []) assert.match(email, /@example\.(com|org|net)$/);
  const cards = bodies.match(/\b4\d{3} ?\d{4} ?\d{4} ?\d{4}\b/g) ?? [];
  assert.ok(cards.length > 50);
  for (const card of cards) {
    const digits = card.replace(/ /g, '').split('').map(Number).reverse();
    const sum = digits.reduce((acc, d, i) => acc + (i % 2 === 1 ? (d * 2 > 9 ? d * 2 - 9 : d * 2) : d), 0);
    assert.equal(sum % 10, 0, `${card} passes the Luhn check`);
  }
});

test('IBANs carry correct check digits', () => {
  const random = mulberry32(1);
  for (const [country, bban] of [
    ['GB', 'NWBKxxxxxxxxxxxxxx'],
    ['ES', 'xxxxxxxxxxxxxxxxxxxx'],
    ['IT', 'Xxxxxxxxxxxxxxxxxxxxxxx'],
  ] as const) {
    const value = iban(random, country, bban);
    assert.equal(value.length, 4 + bban.length);
    const numeric = `${value.slice(4)}${value.slice(0, 4)}`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    assert.equal(BigInt(numeric) % 97n, 1n, `${value} is valid`);
  }
});

test("the project's intent model recognises most English messages as the intent they were written for", () => {
  const model = IntentModel.load();
  const english = sample.filter((i) => i.language === 'en' && i.intent !== null).slice(0, 1500);
  const predicted = english.map((i) => model.classify(i.request.body).intent);
  const right = english.filter((i, n) => predicted[n] === i.intent).length;
  assert.ok(right / english.length > 0.6, `${right} of ${english.length} recognised`);
  assert.ok(new Set(predicted).size >= 40, `${new Set(predicted).size} intents predicted`);
});

test("every generated request passes ingest's validation", async (t) => {
  const app = await buildIngestApp({
    config: loadConfig({}).ingest,
    catalog: eventCatalog(),
    keys: {
      resolve: async () => ({
        keyId: 'k',
        org: { id: 'o', name: 'O', ingestRatePerSec: null, ingestBurst: null, partitionKey: 'org' },
      }),
    },
    rateLimiter: { take: async () => ({ allowed: true, retryAfterMs: 0, tokens: 1 }) },
    idempotency: {
      claim: async () => ({ kind: 'owner', token: 't' }),
      complete: async () => undefined,
      release: async () => undefined,
    },
    writer: { write: async () => undefined },
    metrics: createIngestMetrics(),
    readiness: {},
    version: '0.0.0',
  });
  t.after(() => app.close());
  for (const i of sample.filter((_, n) => n % 20 === 0)) {
    const response = await app.inject({
      method: 'POST',
      url: '/v1/interactions',
      headers: { authorization: `Bearer tfik_${'a'.repeat(43)}`, 'content-type': 'application/json' },
      payload: JSON.stringify(i.request),
    });
    assert.equal(response.statusCode, 202, `${i.id}: ${response.body}`);
  }
});
