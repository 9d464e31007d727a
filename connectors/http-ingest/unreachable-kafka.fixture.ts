/**
 * Run by ingest.integration.test.ts in a process of its own: the production wiring pointed at a Kafka that
 * refuses or never answers, two requests, and what came back as a JSON line. A separate process because
 * kafkajs keeps retrying such a broker on timers for up to a minute after everything is closed, which would
 * hold the test process open; here process.exit ends them.
 *
 *   node --import tsx connectors/http-ingest/unreachable-kafka.fixture.ts <brokers> <ingest key>
 */
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { buildIngestApp } from './app.js';
import { connectDependencies } from './dependencies.js';

const [brokers, key] = process.argv.slice(2);
const base = loadConfig({ ...process.env, KAFKA_BROKERS: brokers });
const deps = await connectDependencies(base, pino({ level: 'silent' }), 'it-1.0.0');
const app = await buildIngestApp(deps);
const post = (payload: object = { channel: 'CHAT', customer: { customerId: 'c-1' }, body: 'Is anyone there?' }) =>
  app.inject({
    method: 'POST',
    url: '/v1/interactions',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    payload,
  });
// A request refused at validation first warms the key lookup and connections without reaching Kafka, so the
// measured request times the send, not a cold start on a busy machine.
await post({ channel: 'CHAT' });
const started = Date.now();
const response = await post();
const elapsedMs = Date.now() - started;
// Once the first has shown Kafka is away, the next is answered at once instead of after the send timeout.
const secondStarted = Date.now();
const second = await post();
const secondElapsedMs = Date.now() - secondStarted;
const ready = await app.inject('/readyz');
const closing = Date.now();
await app.close();
await deps.close();
console.log(
  JSON.stringify({
    status: response.statusCode,
    retryAfter: response.headers['retry-after'],
    body: response.json(),
    elapsedMs,
    second: { status: second.statusCode, body: second.json(), elapsedMs: secondElapsedMs },
    ready: { status: ready.statusCode, body: ready.json() },
    closeMs: Date.now() - closing,
  }),
);
process.exit(0);
