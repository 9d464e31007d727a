/**
 * The HTTP behaviour of ingest against in-memory stand-ins for PostgreSQL, Redis and Kafka: every status the
 * contract promises, without a stack. ingest.integration.test.ts proves the same against the real services.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type IngestConfig } from '../../config/index.js';
import { eventCatalog, type InteractionReceived } from '../../schemas/index.js';
import { buildIngestApp, STAGE } from './app.js';
import { unavailable } from './errors.js';
import { requestFingerprint } from './fingerprint.js';
import type { Claim, IdempotencyStore, StoredResponse } from './idempotency.js';
import { ticketIdOf } from './ids.js';
import type { IngestKeyOwner } from './ingest-keys.js';
import { createIngestMetrics } from './metrics.js';
import { takeTokens, type BucketState, type RateLimiter } from './token-bucket.js';
import type { InteractionWriter } from './writer.js';

const KEY = 'tfik_' + 'a'.repeat(43);
const LIMITED_KEY = 'tfik_' + 'b'.repeat(43);
const owners = new Map<string, IngestKeyOwner>([
  [
    KEY,
    { keyId: 'k1', org: { id: 'acme', name: 'Acme', ingestRatePerSec: null, ingestBurst: null, partitionKey: 'org' } },
  ],
  [
    LIMITED_KEY,
    {
      keyId: 'k2',
      org: { id: 'tiny', name: 'Tiny', ingestRatePerSec: 1, ingestBurst: 2, partitionKey: 'conversation' },
    },
  ],
]);

class MemoryBuckets implements RateLimiter {
  private readonly states = new Map<string, BucketState>();
  async take(orgId: string, cost: number, limits: { ratePerSecond: number; burst: number }) {
    const { result, state } = takeTokens(this.states.get(orgId), Date.now(), limits, cost);
    this.states.set(orgId, state);
    return result;
  }
}

class MemoryIdempotency implements IdempotencyStore {
  readonly records = new Map<string, { fingerprint: string; token?: string; response?: StoredResponse }>();
  async claim(orgId: string, key: string, fingerprint: string): Promise<Claim> {
    const record = this.records.get(`${orgId}:${key}`);
    if (!record) {
      this.records.set(`${orgId}:${key}`, { fingerprint, token: 't' });
      return { kind: 'owner', token: 't' };
    }
    if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
    return record.response ? { kind: 'replay', response: record.response } : { kind: 'in-progress' };
  }
  async complete(orgId: string, key: string, _token: string, fingerprint: string, response: StoredResponse) {
    this.records.set(`${orgId}:${key}`, { fingerprint, response });
  }
  async release(orgId: string, key: string) {
    this.records.delete(`${orgId}:${key}`);
  }
}

class MemoryWriter implements InteractionWriter {
  readonly written: Array<{ orgId: string; events: readonly InteractionReceived[]; correlationId: string }> = [];
  failWith: Error | undefined;
  async write(orgId: string, events: readonly InteractionReceived[], correlationId: string) {
    if (this.failWith) throw this.failWith;
    this.written.push({ orgId, events, correlationId });
  }
}

const config: IngestConfig = {
  ...loadConfig({}).ingest,
  bodyLimitBytes: 4096,
  batchBodyLimitBytes: 8192,
  batchMaxItems: 3,
};
const writer = new MemoryWriter();
const idempotency = new MemoryIdempotency();
const readiness = { kafka: async () => undefined, redis: async () => undefined };
const app: FastifyInstance = await buildIngestApp({
  config,
  catalog: eventCatalog(),
  keys: { resolve: async (key) => owners.get(key) ?? null },
  rateLimiter: new MemoryBuckets(),
  idempotency,
  writer,
  metrics: createIngestMetrics(),
  readiness,
  readinessCacheMs: 0,
  version: '9.9.9',
  now: () => 1_700_000_000_000,
});
after(() => app.close());

const valid = {
  conversationId: 'conv-1',
  channel: 'EMAIL',
  customer: { customerId: 'c-1' },
  body: 'My parcel is late',
};

function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

test('202: the event carries the envelope the server fills and the defaults of what was left out', async () => {
  writer.written.length = 0;
  const response = await post('/v1/interactions', valid, { 'x-correlation-id': 'corr-1' });
  assert.equal(response.statusCode, 202);
  assert.equal(response.headers['x-correlation-id'], 'corr-1');
  const body = response.json();
  assert.deepEqual(Object.keys(body).sort(), ['conversationId', 'eventId', 'ticketId']);
  const [{ orgId, events, correlationId }] = writer.written as [(typeof writer.written)[0]];
  assert.equal(orgId, 'acme');
  assert.equal(correlationId, 'corr-1');
  assert.deepEqual(events[0], {
    meta: {
      eventId: body.eventId,
      orgId: 'acme',
      conversationId: 'conv-1',
      ticketId: ticketIdOf('acme', 'conv-1'),
      causationId: null,
      occurredAt: 1_700_000_000_000,
      producer: { stage: STAGE, version: '9.9.9' },
    },
    channel: 'EMAIL',
    customer: { customerId: 'c-1', externalId: null },
    externalMessageId: null,
    subject: null,
    body: 'My parcel is late',
    localeHint: null,
    attachments: [],
  });
  assert.equal(body.ticketId, ticketIdOf('acme', 'conv-1'));
});

test('without a conversationId the server starts a conversation and says which', async () => {
  const { conversationId: _omitted, ...rest } = valid;
  const response = await post('/v1/interactions', rest);
  assert.equal(response.statusCode, 202);
  const { conversationId, ticketId } = response.json();
  assert.match(conversationId, /^[0-9a-f-]{36}$/);
  assert.equal(ticketId, ticketIdOf('acme', conversationId));
  assert.match(response.headers['x-correlation-id'] as string, /^[0-9a-f-]{36}$/, 'a correlation id is generated');
});

test('400 names every bad field and the rule it breaks', async () => {
  const writes = writer.written.length;
  const response = await post('/v1/interactions', {
    channel: 'FAX',
    customer: {},
    body: '',
    localeHint: 'not a locale',
    attachments: [{ attachmentId: 'a', fileName: 'x.pdf', contentType: 'application/pdf', sizeBytes: -1 }],
    colour: 'blue',
  });
  assert.equal(response.statusCode, 400);
  const { error, details, message } = response.json();
  assert.equal(error, 'validation');
  const rules = new Set(details.map((d: { field: string; rule: string }) => `${d.field} ${d.rule}`));
  for (const expected of [
    '/channel enum',
    '/customer/customerId required',
    '/body minLength',
    '/localeHint pattern',
    '/attachments/0/sizeBytes minimum',
    '/colour additionalProperties',
  ]) {
    assert.ok(rules.has(expected), `${expected} in ${[...rules].join(', ')}`);
  }
  assert.match(message, /\/channel must be one of/);
  assert.equal(writer.written.length, writes, 'nothing written');
});

test('400 for a missing body, a wrong type, malformed JSON and a bad header', async () => {
  const missing = await post('/v1/interactions', { channel: 'CHAT', customer: { customerId: 'c' } });
  assert.deepEqual(missing.json().details, [{ in: 'body', field: '/body', rule: 'required', message: 'is required' }]);
  const wrongType = await post('/v1/interactions', { ...valid, body: 42 });
  assert.deepEqual(
    wrongType.json().details.map((d: { field: string; rule: string }) => [d.field, d.rule]),
    [['/body', 'type']],
  );
  const malformed = await post('/v1/interactions', '{"channel": ');
  assert.equal(malformed.statusCode, 400);
  assert.equal(malformed.json().error, 'malformed_json');
  const header = await post('/v1/interactions', valid, { 'idempotency-key': 'x'.repeat(300) });
  assert.equal(header.statusCode, 400);
  assert.deepEqual(
    header.json().details.map((d: { in: string; field: string; rule: string }) => [d.in, d.field, d.rule]),
    [['headers', 'idempotency-key', 'maxLength']],
  );
});

test('413 for a body over the limit, 415 for anything but JSON', async () => {
  const big = await post('/v1/interactions', { ...valid, body: 'x'.repeat(5000) });
  assert.equal(big.statusCode, 413);
  assert.equal(big.json().error, 'payload_too_large');
  const text = await post('/v1/interactions', 'hello', { 'content-type': 'text/plain' });
  assert.equal(text.statusCode, 415);
  assert.equal(text.json().error, 'unsupported_media_type');
  const form = await post('/v1/interactions', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' });
  assert.equal(form.statusCode, 415);
  const charset = await post('/v1/interactions', valid, { 'content-type': 'application/json; charset=utf-8' });
  assert.equal(charset.statusCode, 202);
});

test('401 without a key or with an unknown one, before the body is even read', async () => {
  for (const headers of [
    { authorization: '' },
    { authorization: `Bearer tfik_${'z'.repeat(43)}` },
    { authorization: 'Basic abc' },
  ]) {
    const response = await post('/v1/interactions', 'not even json', headers);
    assert.equal(response.statusCode, 401, JSON.stringify(headers));
    assert.equal(response.json().error, 'unauthorized');
    assert.equal(response.headers['www-authenticate'], 'Bearer realm="ticketflow-ingest"');
  }
  const viaHeader = await post('/v1/interactions', valid, { authorization: '', 'x-ingest-key': KEY });
  assert.equal(viaHeader.statusCode, 202);
});

test("429 with Retry-After once the org's bucket is empty", async () => {
  const headers = { authorization: `Bearer ${LIMITED_KEY}` };
  assert.equal((await post('/v1/interactions', valid, headers)).statusCode, 202);
  assert.equal((await post('/v1/interactions', valid, headers)).statusCode, 202);
  const limited = await post('/v1/interactions', valid, headers);
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.headers['retry-after'], '1');
  assert.equal(limited.json().error, 'rate_limited');
  assert.equal(limited.json().retryAfterSeconds, 1);
});

test('503 with Retry-After when Kafka cannot take the event, and the Idempotency-Key is free for the retry', async () => {
  writer.failWith = unavailable('Kafka did not acknowledge the records within 5000 ms', 2, undefined, true);
  try {
    const response = await post('/v1/interactions', valid, { 'idempotency-key': 'retry-me' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.headers['retry-after'], '2');
    assert.equal(response.json().error, 'unavailable');
  } finally {
    writer.failWith = undefined;
  }
  const retried = await post('/v1/interactions', valid, { 'idempotency-key': 'retry-me' });
  assert.equal(retried.statusCode, 202);
});

test('a 503 says whether the event may have been written, and how a retry is safe', async () => {
  try {
    writer.failWith = unavailable('Kafka did not acknowledge the records within 5000 ms', 2, undefined, true);
    const keyed = (await post('/v1/interactions', valid, { 'idempotency-key': 'maybe-written' })).json();
    assert.equal(keyed.possiblyWritten, true);
    assert.match(keyed.message, /may have been written all the same; retrying with the same Idempotency-Key is safe/);
    const unkeyed = (await post('/v1/interactions', valid)).json();
    assert.equal(unkeyed.possiblyWritten, true);
    assert.match(unkeyed.message, /without an Idempotency-Key could write it twice/);
    writer.failWith = unavailable('no Kafka broker accepts connections; nothing was sent', 2);
    const refused = (await post('/v1/interactions', valid)).json();
    assert.equal(refused.possiblyWritten, false);
    assert.match(refused.message, /Nothing was written; retrying is safe/);
  } finally {
    writer.failWith = undefined;
  }
});

test('500 without details for a failure that is ours, never promising that a retry will do', async () => {
  writer.failWith = new Error('secret internal detail');
  try {
    const response = await post('/v1/interactions', valid);
    assert.equal(response.statusCode, 500);
    assert.equal(response.json().error, 'internal');
    assert.doesNotMatch(response.body, /secret/);
    assert.doesNotMatch(response.json().message, /safe to retry/);
  } finally {
    writer.failWith = undefined;
  }
});

test('400 for text no store can keep: NUL and unpaired surrogates, named by field; other Unicode passes', async () => {
  const nul = await post('/v1/interactions', { ...valid, customer: { customerId: 'c-\u0000-1' } });
  assert.equal(nul.statusCode, 400);
  const [detail] = nul.json().details;
  assert.deepEqual({ field: detail.field, rule: detail.rule }, { field: '/customer/customerId', rule: 'pattern' });
  assert.match(detail.message, /must not contain NUL \(U\+0000\)/);
  // JSON can carry a lone surrogate as an escape; UTF-8 (and so Avro) cannot.
  const lone = await post('/v1/interactions', `{"channel":"CHAT","customer":{"customerId":"c"},"body":"a\\ud800b"}`);
  assert.equal(lone.statusCode, 400);
  assert.deepEqual([lone.json().details[0].field, lone.json().details[0].rule], ['/body', 'well-formed-unicode']);
  const subject = await post('/v1/interactions', { ...valid, subject: 'x\u0000' });
  assert.equal(subject.json().details[0].field, '/subject');
  const fine = await post('/v1/interactions', { ...valid, body: 'Mi tarjeta 💳 ¿dónde está? 你好' });
  assert.equal(fine.statusCode, 202);
  // Fields with patterns of their own refuse NUL too.
  const file = (contentType: string) => ({
    ...valid,
    attachments: [{ attachmentId: 'a', fileName: 'f', contentType, sizeBytes: 1 }],
  });
  assert.equal((await post('/v1/interactions', file('text/plain; charset=utf-8'))).statusCode, 202);
  for (const body of [file('text/plain\u0000'), file('text/plain;\u0000'), { ...valid, localeHint: 'en\u0000' }]) {
    assert.equal((await post('/v1/interactions', body)).statusCode, 400, JSON.stringify(body));
  }
});

test('400 for an attachment size Avro cannot encode; the largest it can is accepted', async () => {
  const attachment = (sizeBytes: number) => ({
    ...valid,
    attachments: [{ attachmentId: 'a1', fileName: 'f.pdf', contentType: 'application/pdf', sizeBytes }],
  });
  const tooBig = await post('/v1/interactions', attachment(Number.MAX_SAFE_INTEGER));
  assert.equal(tooBig.statusCode, 400);
  assert.deepEqual(
    [tooBig.json().details[0].field, tooBig.json().details[0].rule],
    ['/attachments/0/sizeBytes', 'maximum'],
  );
  assert.equal((await post('/v1/interactions', attachment(Number.MAX_SAFE_INTEGER - 1))).statusCode, 202);
});

test('another method on a known path is 405 with Allow, in the error format, and counted', async () => {
  const trace = await app.inject({ method: 'TRACE', url: '/healthz' });
  assert.equal(trace.statusCode, 405);
  assert.equal(trace.headers.allow, 'GET, HEAD');
  assert.equal(trace.json().error, 'method_not_allowed');
  // QUERY carries a body; the method alone decides, before any body or content type is looked at.
  const query = await app.inject({ method: 'QUERY', url: '/v1/interactions' });
  assert.equal(query.statusCode, 405);
  assert.equal(query.headers.allow, 'POST');
  const put = await app.inject({ method: 'PUT', url: '/v1/interactions', payload: {} });
  assert.equal(put.statusCode, 405);
  const metrics = (await app.inject('/metrics')).body;
  assert.match(metrics, /ticketflow_ingest_http_requests_total\{method="TRACE",route="\/healthz",status="405"/);
});

test('Idempotency-Key: the same request gets the same answer and writes nothing; another body gets 422', async () => {
  const first = await post('/v1/interactions', valid, { 'idempotency-key': 'once' });
  const writes = writer.written.length;
  // Same content, keys in another order: still the same request.
  const again = await post(
    '/v1/interactions',
    { body: valid.body, customer: valid.customer, channel: 'EMAIL', conversationId: 'conv-1' },
    { 'idempotency-key': 'once' },
  );
  assert.equal(again.statusCode, 202);
  assert.equal(again.headers['idempotent-replayed'], 'true');
  assert.deepEqual(again.json(), first.json());
  assert.equal(writer.written.length, writes);
  const other = await post('/v1/interactions', { ...valid, body: 'something else' }, { 'idempotency-key': 'once' });
  assert.equal(other.statusCode, 422);
  assert.equal(other.json().error, 'idempotency_key_reused');
  assert.equal(other.json().details[0].rule, 'same-request');
  const batch = await post('/v1/interactions/batch', { interactions: [valid] }, { 'idempotency-key': 'once' });
  assert.equal(batch.statusCode, 422, 'the same key on the other endpoint is another request');
});

test('409 with Retry-After while the first request with the key is in progress', async () => {
  // The fingerprint is of the validated body, with the defaults filled in.
  const normalized = {
    ...valid,
    customer: { customerId: 'c-1', externalId: null },
    externalMessageId: null,
    subject: null,
    localeHint: null,
    attachments: [],
  };
  idempotency.records.set('acme:busy', { fingerprint: requestFingerprint('/v1/interactions', normalized), token: 'x' });
  const response = await post('/v1/interactions', valid, { 'idempotency-key': 'busy' });
  assert.equal(response.statusCode, 409);
  assert.equal(response.headers['retry-after'], '1');
});

test('batch: all or nothing, results in order, bounded in items and bytes', async () => {
  const before = writer.written.length;
  const items = [valid, { ...valid, conversationId: 'conv-2' }];
  const ok = await post('/v1/interactions/batch', { interactions: items });
  assert.equal(ok.statusCode, 202);
  const body = ok.json();
  assert.equal(body.accepted, 2);
  assert.deepEqual(
    body.items.map((i: { conversationId: string }) => i.conversationId),
    ['conv-1', 'conv-2'],
  );
  assert.equal(writer.written.length, before + 1, 'one write for the whole batch');
  assert.equal(writer.written.at(-1)!.events.length, 2);

  const oneBad = await post('/v1/interactions/batch', { interactions: [valid, { ...valid, body: '' }] });
  assert.equal(oneBad.statusCode, 400);
  assert.deepEqual(
    oneBad.json().details.map((d: { field: string; rule: string }) => [d.field, d.rule]),
    [['/interactions/1/body', 'minLength']],
  );
  const tooMany = await post('/v1/interactions/batch', { interactions: [valid, valid, valid, valid] });
  assert.equal(tooMany.statusCode, 400);
  assert.deepEqual(
    tooMany.json().details.map((d: { field: string; rule: string }) => [d.field, d.rule]),
    [['/interactions', 'maxItems']],
  );
  const empty = await post('/v1/interactions/batch', { interactions: [] });
  assert.equal(empty.json().details[0].rule, 'minItems');
  const tooBig = await post('/v1/interactions/batch', { interactions: [{ ...valid, body: 'x'.repeat(9000) }] });
  assert.equal(tooBig.statusCode, 413);
  assert.equal(writer.written.length, before + 1, 'refused batches wrote nothing');
});

test('probes: healthz, readyz naming what is not ready, metrics', async () => {
  assert.equal((await app.inject('/healthz')).statusCode, 200);
  const ready = await app.inject('/readyz');
  assert.deepEqual(ready.json(), { status: 'ready', checks: { kafka: 'ok', redis: 'ok' } });
  readiness.kafka = async () => {
    throw new Error('producer not connected');
  };
  const notReady = await app.inject('/readyz');
  assert.equal(notReady.statusCode, 503);
  assert.equal(notReady.json().checks.kafka, 'producer not connected');
  readiness.kafka = async () => undefined;
  const metrics = (await app.inject('/metrics')).body;
  assert.match(metrics, /ticketflow_ingest_http_requests_total\{method="POST",route="\/v1\/interactions",status="202"/);
  assert.match(metrics, /ticketflow_ingest_events_accepted_total\{route="\/v1\/interactions\/batch"[^}]*\} 2/);
  assert.match(metrics, /ticketflow_ingest_http_request_duration_seconds_bucket/);
});

test('unknown routes get the JSON error format', async () => {
  const response = await app.inject('/v2/whatever');
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().error, 'not_found');
});

test('/openapi.json describes both endpoints with schemas that resolve', async () => {
  const doc = (await app.inject('/openapi.json')).json();
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(Object.keys(doc.paths).slice(0, 2), ['/v1/interactions', '/v1/interactions/batch']);
  const statuses = Object.keys(doc.paths['/v1/interactions'].post.responses);
  assert.deepEqual(statuses, ['202', '400', '401', '408', '409', '413', '415', '422', '429', '431', '500', '503']);
  const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
  for (const ref of new Set(refs)) assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
  assert.deepEqual(doc.components.schemas.InteractionBatch.properties.interactions.items, {
    $ref: '#/components/schemas/Interaction',
  });
  assert.equal(doc.components.schemas.InteractionBatch.properties.interactions.maxItems, 3);
  assert.deepEqual(doc.components.schemas.Interaction.required, ['channel', 'customer', 'body']);
});

/** Sends raw bytes on a new connection and returns what came back before the server closed it. */
function raw(url: string, bytes: string, holdMs: number): Promise<{ text: string; elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(new URL(url).port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, elapsedMs: Date.now() - started }));
    setTimeout(() => socket.destroy(), holdMs);
  });
}

test('a body that never completes is cut off with 408; oversized headers get 431; both counted', async () => {
  const metrics = createIngestMetrics();
  const slowClients = await buildIngestApp({
    config,
    http: { headersTimeoutMs: 300, requestTimeoutMs: 800, keepAliveTimeoutMs: 5000 },
    catalog: eventCatalog(),
    keys: { resolve: async (key) => owners.get(key) ?? null },
    rateLimiter: new MemoryBuckets(),
    idempotency,
    writer,
    metrics,
    readiness,
    version: '9.9.9',
  });
  try {
    const url = await slowClients.listen({ host: '127.0.0.1', port: 0 });
    // Complete headers announcing 100 bytes, then 10 of them and silence: a client that holds its connection.
    const head = `POST /v1/interactions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEY}\r\n`;
    const slow = await raw(
      url,
      `${head}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"body":"x`,
      10_000,
    );
    assert.match(slow.text, /^HTTP\/1.1 408 /);
    assert.match(slow.text, /"error":"request_timeout"/);
    assert.ok(slow.elapsedMs < 3000, `closed after ${slow.elapsedMs} ms`);
    const huge = await raw(url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 10_000);
    assert.match(huge.text, /^HTTP\/1.1 431 /);
    const counted = await metrics.registry.metrics();
    assert.match(counted, /ticketflow_ingest_http_requests_total\{[^}]*status="408"[^}]*\} 1/);
    assert.match(counted, /ticketflow_ingest_http_requests_total\{[^}]*status="431"[^}]*\} 1/);
  } finally {
    await slowClients.close();
  }
});
