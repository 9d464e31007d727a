/**
 * HTTP ingest end to end on the running stack: real PostgreSQL keys, Redis buckets and idempotency records,
 * the schema registry and Kafka. Each accepted request is looked for on the topic itself, decoded and
 * compared; "produced nothing" is proven by a sentinel: a later record of the same org, on the same
 * partition, arriving with nothing of the refused request before it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig, repoRoot, type Config } from '../../config/index.js';
import { createIngestKey, revokeIngestKey, upsertOrganization } from '../../ops/db/ingest-keys.js';
import { migrate } from '../../ops/db/migrate.js';
import { EventCodec } from '../../processors/runtime/codec.js';
import { HEADER } from '../../processors/runtime/headers.js';
import { eventCatalog, type InteractionReceived } from '../../schemas/index.js';
import { buildIngestApp, STAGE } from './app.js';
import { connectDependencies, ingestTopic, type ConnectedDependencies } from './dependencies.js';
import { ticketIdOf } from './ids.js';

const run = randomUUID().slice(0, 8);
const ORG = `it-ingest-${run}`;
const LIMITED_ORG = `it-ingest-limited-${run}`;
const base = loadConfig();
const config: Config = {
  ...base,
  // Keys are not cached, so a revocation bites at once; limits small enough to reach with a few requests.
  ingest: { ...base.ingest, keyCacheMs: 0, batchMaxItems: 5, bodyLimitBytes: 8192, batchBodyLimitBytes: 16_384 },
};
const silent = pino({ level: 'silent' });
const { topic } = ingestTopic();
const catalog = eventCatalog();
const pool = new pg.Pool({ connectionString: config.postgres.url, max: 2 });

let deps: ConnectedDependencies;
let app: FastifyInstance;
let url: string;
let key: string;
let limitedKey: string;
let tap: TopicTap;

interface Tapped {
  readonly key: string;
  readonly partition: number;
  readonly correlationId: string | undefined;
  readonly event: InteractionReceived;
}

/** Every record of the topic from the moment it was opened, decoded; a consumer group of its own. */
class TopicTap {
  readonly records: Tapped[] = [];
  private waiters: Array<() => void> = [];

  private constructor(private readonly consumer: Consumer) {}

  static async open(): Promise<TopicTap> {
    const kafka = new Kafka({
      clientId: `it-ingest-${run}`,
      brokers: config.kafka.brokers,
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const start = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    const consumer = kafka.consumer({ groupId: `it-ingest-tap-${run}`, maxWaitTimeInMs: 100 });
    const tap = new TopicTap(consumer);
    const codec = EventCodec.connect(config.schemaRegistry.url);
    const schema = catalog.get('InteractionReceived').schema;
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        tap.records.push({
          key: message.key!.toString(),
          partition,
          correlationId: message.headers?.[HEADER.correlationId]?.toString(),
          // avsc decodes records as class instances; plain objects compare with what was sent.
          event: JSON.parse(JSON.stringify(await codec.decode<InteractionReceived>(message.value, schema))),
        });
        tap.waiters.splice(0).forEach((wake) => wake());
      },
    });
    for (const { partition, offset } of start) consumer.seek({ topic, partition, offset });
    await joined;
    return tap;
  }

  /** Waits until `count` records match, and returns them in topic order. */
  async waitFor(match: (r: Tapped) => boolean, count = 1, timeoutMs = 20_000): Promise<Tapped[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.records.filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) throw new Error(`only ${found.length} of ${count} records arrived in ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  close(): Promise<void> {
    return this.consumer.disconnect();
  }
}

const interaction = (overrides: Record<string, unknown> = {}) => ({
  conversationId: `conv-${randomUUID()}`,
  channel: 'EMAIL',
  customer: { customerId: 'cust-1', externalId: 'zd-42' },
  subject: 'Charged twice',
  body: 'I was charged twice for my January invoice. Please refund one.',
  localeHint: 'en-GB',
  externalMessageId: `<${randomUUID()}@mail.example>`,
  attachments: [{ attachmentId: 'a1', fileName: 'invoice.pdf', contentType: 'application/pdf', sizeBytes: 48213 }],
  ...overrides,
});

function post(path: string, body: unknown, headers: Record<string, string> = {}, authKey: string | null = key) {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(authKey ? { authorization: `Bearer ${authKey}` } : {}),
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** A record of `org` sent after everything before it: once it is on the topic, so is anything earlier. */
async function sentinel(authKey = key): Promise<void> {
  const conversationId = `sentinel-${randomUUID()}`;
  const response = await post('/v1/interactions', interaction({ conversationId }), {}, authKey);
  assert.equal(response.status, 202, 'sentinel accepted');
  await tap.waitFor((r) => r.event.meta.conversationId === conversationId);
}

before(async () => {
  await migrate(pool);
  await upsertOrganization(pool, { id: ORG, name: 'Ingest IT', ingestRatePerSec: 10_000, ingestBurst: 10_000 });
  await upsertOrganization(pool, { id: LIMITED_ORG, name: 'Ingest IT limited', ingestRatePerSec: 1, ingestBurst: 2 });
  key = (await createIngestKey(pool, ORG, 'it')).key;
  limitedKey = (await createIngestKey(pool, LIMITED_ORG, 'it')).key;
  tap = await TopicTap.open();
  deps = await connectDependencies(config, silent, 'it-1.0.0');
  app = await buildIngestApp(deps);
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${url}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`not ready: ${await (await fetch(`${url}/readyz`)).text()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
});

after(async () => {
  await app?.close();
  await deps?.close();
  await tap?.close();
  await pool.query('DELETE FROM organizations WHERE id = ANY($1)', [[ORG, LIMITED_ORG]]);
  await pool.end();
  const redis = new Redis(config.redis.url);
  for (const org of [ORG, LIMITED_ORG]) {
    const keys = await redis.keys(`tf:ingest:*:${org}*`);
    if (keys.length) await redis.del(...keys);
  }
  redis.disconnect();
});

test('202: the interaction is on the topic, keyed by org, with the correlation id, decoding to what was sent', async () => {
  const sent = interaction();
  const correlationId = `it-corr-${run}`;
  const response = await post('/v1/interactions', sent, { 'x-correlation-id': correlationId });
  assert.equal(response.status, 202);
  assert.equal(response.headers.get('x-correlation-id'), correlationId);
  const accepted = (await response.json()) as { eventId: string; conversationId: string; ticketId: string };
  assert.equal(accepted.conversationId, sent.conversationId);
  assert.equal(accepted.ticketId, ticketIdOf(ORG, sent.conversationId));

  const [record] = await tap.waitFor((r) => r.event.meta.eventId === accepted.eventId);
  assert.equal(record!.key, ORG);
  assert.equal(record!.correlationId, correlationId);
  const { meta, ...fields } = record!.event;
  const { conversationId: _c, ...sentFields } = sent;
  assert.deepEqual(fields, {
    ...sentFields,
    attachments: sent.attachments.map((a) => ({ ...a, uri: null })),
  });
  assert.deepEqual(
    { ...meta, occurredAt: 0 },
    {
      eventId: accepted.eventId,
      orgId: ORG,
      conversationId: sent.conversationId,
      ticketId: accepted.ticketId,
      causationId: null,
      occurredAt: 0,
      producer: { stage: STAGE, version: 'it-1.0.0' },
    },
  );
  assert.ok(Math.abs(meta.occurredAt - Date.now()) < 60_000, 'occurredAt is the time of ingestion');
});

test('without X-Correlation-Id one is generated, echoed and carried in the Kafka header', async () => {
  const response = await post('/v1/interactions', interaction());
  const correlationId = response.headers.get('x-correlation-id');
  assert.match(correlationId ?? '', /^[0-9a-f-]{36}$/);
  const { eventId } = (await response.json()) as { eventId: string };
  const [record] = await tap.waitFor((r) => r.event.meta.eventId === eventId);
  assert.equal(record!.correlationId, correlationId);
});

test('Idempotency-Key: retries, even simultaneous ones, get the same ids and produce one record', async () => {
  const sent = interaction();
  const headers = { 'idempotency-key': `it-${randomUUID()}` };
  const responses = await Promise.all(Array.from({ length: 5 }, () => post('/v1/interactions', sent, headers)));
  assert.deepEqual(
    responses.map((r) => r.status),
    [202, 202, 202, 202, 202],
  );
  const bodies = (await Promise.all(responses.map((r) => r.json()))) as Array<{ eventId: string }>;
  for (const body of bodies) assert.deepEqual(body, bodies[0]);
  assert.equal(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true').length, 4);

  const later = await post('/v1/interactions', sent, headers);
  assert.equal(later.status, 202);
  assert.deepEqual(await later.json(), bodies[0]);

  const reused = await post('/v1/interactions', { ...sent, body: 'a different message' }, headers);
  assert.equal(reused.status, 422);
  assert.equal(((await reused.json()) as { error: string }).error, 'idempotency_key_reused');

  await sentinel();
  const records = tap.records.filter((r) => r.event.meta.conversationId === sent.conversationId);
  assert.equal(records.length, 1, 'one record for six requests with the key, none for the 422');
  assert.equal(records[0]!.event.meta.eventId, bodies[0]!.eventId);
});

test('batch: one request, every item on the topic in order on one partition; all or nothing when invalid', async () => {
  const items = [1, 2, 3].map((n) => interaction({ body: `batch item ${n}` }));
  const response = await post('/v1/interactions/batch', { interactions: items });
  assert.equal(response.status, 202);
  const body = (await response.json()) as {
    accepted: number;
    items: Array<{ eventId: string; conversationId: string }>;
  };
  assert.equal(body.accepted, 3);
  assert.deepEqual(
    body.items.map((i) => i.conversationId),
    items.map((i) => i.conversationId),
  );
  const ids = new Set(body.items.map((i) => i.eventId));
  const records = await tap.waitFor((r) => ids.has(r.event.meta.eventId), 3);
  assert.deepEqual(
    records.map((r) => r.event.body),
    ['batch item 1', 'batch item 2', 'batch item 3'],
  );
  assert.equal(new Set(records.map((r) => r.partition)).size, 1);

  const invalid = [interaction(), interaction({ body: '' }), interaction({ channel: 'PIGEON' })];
  const refused = await post('/v1/interactions/batch', { interactions: invalid });
  assert.equal(refused.status, 400);
  const { details } = (await refused.json()) as { details: Array<{ field: string; rule: string }> };
  assert.deepEqual(
    details.map((d) => `${d.field} ${d.rule}`),
    ['/interactions/1/body minLength', '/interactions/2/channel enum'],
  );
  const tooMany = await post('/v1/interactions/batch', {
    interactions: Array.from({ length: 6 }, () => interaction()),
  });
  assert.equal(tooMany.status, 400);
  assert.deepEqual(
    ((await tooMany.json()) as { details: Array<{ field: string; rule: string }> }).details.map((d) => [
      d.field,
      d.rule,
    ]),
    [['/interactions', 'maxItems']],
  );
  const tooBig = await post('/v1/interactions/batch', {
    interactions: [1, 2, 3].map(() => interaction({ body: 'x'.repeat(6000) })),
  });
  assert.equal(tooBig.status, 413);

  await sentinel();
  const refusedIds = new Set(invalid.map((i) => i.conversationId));
  assert.equal(
    tap.records.filter((r) => refusedIds.has(r.event.meta.conversationId)).length,
    0,
    'nothing of the refused batch',
  );
});

test('400 names every bad field and rule; 413 and 415 for the wrong size and type', async () => {
  const bad = await post('/v1/interactions', { channel: 'EMAIL', customer: { customerId: '' }, body: 7, extra: true });
  assert.equal(bad.status, 400);
  const { error, details } = (await bad.json()) as { error: string; details: Array<{ field: string; rule: string }> };
  assert.equal(error, 'validation');
  assert.deepEqual(details.map((d) => `${d.field} ${d.rule}`).sort(), [
    '/body type',
    '/customer/customerId minLength',
    '/extra additionalProperties',
  ]);
  const malformed = await post('/v1/interactions', '{"channel":');
  assert.equal(malformed.status, 400);
  const big = await post('/v1/interactions', interaction({ body: 'x'.repeat(10_000) }));
  assert.equal(big.status, 413);
  assert.equal(((await big.json()) as { error: string }).error, 'payload_too_large');
  const text = await post('/v1/interactions', 'hello', { 'content-type': 'text/plain' });
  assert.equal(text.status, 415);
});

test('the largest attachment size Avro can encode is accepted and arrives as sent; one more is a 400', async () => {
  const sizeBytes = Number.MAX_SAFE_INTEGER - 1;
  const attachments = [
    { attachmentId: 'a1', fileName: 'huge.bin', contentType: 'application/octet-stream', sizeBytes },
  ];
  const response = await post('/v1/interactions', interaction({ attachments }));
  assert.equal(response.status, 202, await response.clone().text());
  const { eventId } = (await response.json()) as { eventId: string };
  const [record] = await tap.waitFor((r) => r.event.meta.eventId === eventId);
  assert.equal(record!.event.attachments[0]!.sizeBytes, sizeBytes);
  const refused = await post(
    '/v1/interactions',
    interaction({ attachments: [{ ...attachments[0], sizeBytes: sizeBytes + 1 }] }),
  );
  assert.equal(refused.status, 400, 'never a 500 from the encoder');
});

test('401 without a key, with an unknown one and with a revoked one', async () => {
  const none = await post('/v1/interactions', interaction(), {}, null);
  assert.equal(none.status, 401);
  assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="ticketflow-ingest"');
  const unknown = await post('/v1/interactions', interaction(), {}, `tfik_${'Q'.repeat(43)}`);
  assert.equal(unknown.status, 401);
  const garbage = await post('/v1/interactions', interaction(), {}, 'letmein');
  assert.equal(garbage.status, 401);

  const doomed = await createIngestKey(pool, ORG, 'to be revoked');
  assert.equal((await post('/v1/interactions', interaction(), {}, doomed.key)).status, 202);
  await revokeIngestKey(pool, doomed.id);
  const revoked = await post('/v1/interactions', interaction(), {}, doomed.key);
  assert.equal(revoked.status, 401);
  assert.match(((await revoked.json()) as { message: string }).message, /unknown or revoked/);
});

test("429 with Retry-After once the org's bucket is empty, producing nothing", async () => {
  const statuses: number[] = [];
  let limited: Response | undefined;
  const limitedConversation = `limited-${randomUUID()}`;
  for (let i = 0; i < 3; i++) {
    const response = await post(
      '/v1/interactions',
      interaction({ conversationId: i === 2 ? limitedConversation : `ok-${i}-${run}` }),
      {},
      limitedKey,
    );
    statuses.push(response.status);
    if (response.status === 429) limited = response;
  }
  assert.deepEqual(statuses, [202, 202, 429], 'burst of 2');
  assert.equal(limited!.headers.get('retry-after'), '1');
  assert.equal(((await limited!.json()) as { error: string }).error, 'rate_limited');

  await new Promise((resolve) => setTimeout(resolve, 1100));
  await sentinel(limitedKey);
  assert.equal(tap.records.filter((r) => r.event.meta.conversationId === limitedConversation).length, 0);
});

test('readyz reports every dependency; metrics count what was accepted', async () => {
  const ready = (await (await fetch(`${url}/readyz`)).json()) as { checks: Record<string, string> };
  assert.deepEqual(ready.checks, { kafka: 'ok', 'schema-registry': 'ok', postgres: 'ok', redis: 'ok' });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /ticketflow_ingest_events_accepted_total\{route="\/v1\/interactions\/batch"[^}]*\} [1-9]/);
  assert.match(metrics, /ticketflow_ingest_http_requests_total\{method="POST",route="\/v1\/interactions",status="429"/);
  const openapi = (await (await fetch(`${url}/openapi.json`)).json()) as { paths: Record<string, unknown> };
  assert.ok(openapi.paths['/v1/interactions/batch']);
});

/** Accepts connections and never answers: a broker that hangs rather than refuses. */
async function blackHole(): Promise<{ server: Server; address: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, address: `127.0.0.1:${port}`, sockets };
}

interface UnreachableOutcome {
  status: number;
  retryAfter: string | undefined;
  body: { error: string; message: string; possiblyWritten: boolean };
  elapsedMs: number;
  second: { status: number; body: { error: string; message: string; possiblyWritten: boolean }; elapsedMs: number };
  ready: { status: number; body: { checks: Record<string, string> } };
  closeMs: number;
}

function requestWithKafkaAt(brokers: string, sendTimeoutMs: number): Promise<UnreachableOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'connectors/http-ingest/unreachable-kafka.fixture.ts', brokers, key],
      {
        cwd: repoRoot,
        env: { ...process.env, INGEST_SEND_TIMEOUT_MS: String(sendTimeoutMs) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = output.trim().split('\n').at(-1) ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`fixture exited ${code}: ${output}`));
      else resolve(JSON.parse(line) as UnreachableOutcome);
    });
  });
}

test('503 with Retry-After, within the send timeout, when no Kafka listens or it never answers; then at once', async () => {
  const hole = await blackHole();
  try {
    for (const brokers of ['127.0.0.1:1', hole.address]) {
      const outcome = await requestWithKafkaAt(brokers, 1500);
      assert.equal(outcome.status, 503, `${brokers}: ${JSON.stringify(outcome.body)}`);
      assert.equal(outcome.body.error, 'unavailable');
      assert.ok(Number(outcome.retryAfter) >= 1, `${brokers}: Retry-After ${outcome.retryAfter}`);
      assert.ok(outcome.elapsedMs < 1500 + 1000, `${brokers}: answered in ${outcome.elapsedMs} ms`);
      // Sent and never acknowledged: it may be written, and says how a retry stays safe.
      assert.equal(outcome.body.possiblyWritten, true);
      assert.match(outcome.body.message, /could write it twice: send one with every request/);
      // Kafka is now known to be away: refused at once, and certainly not written.
      assert.equal(outcome.second.status, 503);
      assert.ok(outcome.second.elapsedMs < 200, `${brokers}: second answered in ${outcome.second.elapsedMs} ms`);
      assert.equal(outcome.second.body.possiblyWritten, false);
      assert.match(outcome.second.body.message, /nothing was sent\. Nothing was written; retrying is safe/);
      assert.equal(outcome.ready.status, 503);
      assert.equal(outcome.ready.body.checks.kafka, 'producer not connected');
      assert.ok(outcome.closeMs < 1500 + 2000 + 1000, `${brokers}: shut down in ${outcome.closeMs} ms`);
    }
  } finally {
    hole.sockets.forEach((s) => s.destroy());
    hole.server.close();
  }
});
