/**
 * The query API's own HTTP behaviour, without a stack: what fastify and Node answer before a route runs, token
 * rules, request limits and their headers, and 503s for stores that fail. The stores are stand-ins that answer
 * or fail as each test needs; query-api.integration.test.ts reads the real ones.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { loadConfig } from '../config/index.js';
import { buildQueryApp, MAX_PARAM_LENGTH } from './app.js';
import { createJwtVerifier, signDevToken } from './jwt.js';
import { createQueryApiMetrics } from './metrics.js';
import { LocalRequestLimiter } from './rate-limit.js';

const SECRET = 'unit-test-secret-that-is-long-enough-000';
const config = loadConfig({}).queryApi;

/** Live views whose ticket read does what the current test says, with no queues; a search index without tickets. */
let redisGet: () => Promise<Buffer | null> = async () => null;
const redis = {
  getBuffer: () => redisGet(),
  // The live views' version pointer: never set here, so version 1.
  get: async () => null,
  defineCommand(name: string) {
    (this as unknown as Record<string, () => Promise<unknown[]>>)[name] = async () => [];
  },
} as unknown as Redis;
let esGet: () => Promise<unknown> = async () => ({ found: false });
const es = { get: () => esGet() } as unknown as Client;

const metrics = createQueryApiMetrics();
const app: FastifyInstance = await buildQueryApp({
  config: {
    ...config,
    handlerTimeoutMs: 300,
    rateLimits: { org: 1000, user: 5, orgEndpoints: {}, userEndpoints: { '/v1/queues': 2 } },
  },
  http: { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 5000 },
  es,
  redis,
  verify: createJwtVerifier({ algorithm: 'HS256', secret: SECRET }),
  limiter: new LocalRequestLimiter(),
  metrics,
  version: 'test',
});
after(() => app.close());

let users = 0;
/** A token of its own user each time, so tests do not share a request budget. */
const freshToken = (org = 'org-a') => signDevToken(SECRET, { org, sub: `user-${++users}` });
const get = (url: string, token: string | null = freshToken(), method = 'GET') =>
  app.inject({ method: method as 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });
const countOf = async (pattern: RegExp) => Number(pattern.exec(await metrics.registry.metrics())?.[1] ?? 0);

test('a framework 4xx stays that 4xx, in the error format: never a 500', async () => {
  // QUERY must carry a Content-Type; fastify refuses it before any route, and that used to become a 500.
  const query = await app.inject({ method: 'QUERY' as 'GET', url: '/nowhere' });
  assert.equal(query.statusCode, 400);
  assert.equal(query.json().error, 'bad_request');
  assert.match(query.json().message, /Content-Type/);
  const badUrl = await app.inject({ method: 'GET', url: '/v1/tickets/%E0%A4%A' });
  assert.equal(badUrl.statusCode, 400);
  assert.equal(badUrl.json().error, 'bad_request');
});

test('a method a path does not serve is 405 with Allow', async () => {
  const query = await app.inject({ method: 'QUERY' as 'GET', url: '/healthz' });
  assert.equal(query.statusCode, 405);
  assert.equal(query.headers.allow, 'GET, HEAD');
  assert.equal(query.json().error, 'method_not_allowed');
  const post = await get('/v1/tickets', freshToken(), 'POST');
  assert.equal(post.statusCode, 405);
});

test('ticket ids up to the documented 200 characters reach validation; a 414 only past the router bound', async () => {
  const doc = (await get('/openapi.json', null)).json();
  const idSchema = doc.paths['/v1/tickets/{id}'].get.parameters[0].schema;
  assert.equal(idSchema.maxLength, 200);
  assert.equal((await get(`/v1/tickets/${'x'.repeat(200)}`)).statusCode, 404, 'a valid id: no such ticket');
  // Even written as 4-byte UTF-8 escapes, 200 characters fit the router.
  const emoji = encodeURIComponent('😀'.repeat(200));
  assert.equal(emoji.length, MAX_PARAM_LENGTH);
  assert.equal((await get(`/v1/tickets/${emoji}`)).statusCode, 404);
  const tooLong = await get(`/v1/tickets/${'x'.repeat(201)}`);
  assert.equal(tooLong.statusCode, 400);
  assert.deepEqual([tooLong.json().details[0].field, tooLong.json().details[0].rule], ['id', 'maxLength']);
  const beyond = await get(`/v1/tickets/${'x'.repeat(MAX_PARAM_LENGTH + 1)}`);
  assert.equal(beyond.statusCode, 414);
  assert.equal(beyond.json().error, 'uri_too_long');
  assert.ok(doc.paths['/v1/tickets/{id}'].get.responses['414'], 'documented');
  assert.ok((await countOf(/ticketflow_query_http_requests_total\{[^}]*status="414"[^}]*\} (\d+)/)) >= 1);
});

test('a token must carry exp and a bounded lifetime', async () => {
  const noExp = signDevToken(SECRET, { org: 'org-a', sub: 'u', exp: undefined });
  const refused = await get('/v1/tickets/x', noExp);
  assert.equal(refused.statusCode, 401);
  assert.match(refused.json().message, /no exp claim/);
  const forever = signDevToken(SECRET, { org: 'org-a', sub: 'u' }, { expiresInSeconds: 10 * 365 * 86_400 });
  assert.match((await get('/v1/tickets/x', forever)).json().message, /longer than the 86400 s/);
});

test('RateLimit headers on every answer; 429 with Retry-After naming the limit; another user is not starved', async () => {
  const noisy = freshToken();
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 6; i++) {
    last = await get('/v1/tickets/x', noisy);
    statuses.push(last.statusCode);
  }
  assert.deepEqual(statuses, [404, 404, 404, 404, 404, 429]);
  assert.equal(last!.headers['ratelimit-limit'], '5');
  assert.equal(last!.headers['ratelimit-remaining'], '0');
  assert.ok(Number(last!.headers['retry-after']) >= 1);
  assert.match(last!.json().message, /each user may make 5 requests per minute/);
  const colleague = await get('/v1/tickets/x', freshToken());
  assert.equal(colleague.statusCode, 404, 'the same org, another user: served');
  assert.equal(colleague.headers['ratelimit-remaining'], '4');
  assert.equal(
    await countOf(/ticketflow_query_rate_limited_total\{scope="user",endpoint="\/v1\/tickets\/\{id\}"[^}]*\} (\d+)/),
    1,
  );
});

test('a per-endpoint limit refuses that endpoint only', async () => {
  const token = freshToken();
  const queues = [];
  for (let i = 0; i < 3; i++) queues.push((await get('/v1/queues', token)).statusCode);
  assert.deepEqual(queues, [200, 200, 429]);
  assert.equal((await get('/v1/tickets/x', token)).statusCode, 404, 'other endpoints still answer');
});

test('a store that is away is a 503 with Retry-After; one that hangs is cut off at the handler timeout', async () => {
  const away = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { name: 'ConnectionError' }));
  try {
    // Redis away: the detail is read from the search index instead, and only both away is a 503.
    redisGet = () => Promise.reject(Object.assign(new Error("Stream isn't writeable"), { name: 'Error' }));
    assert.equal((await get('/v1/tickets/x')).statusCode, 404, 'answered by the search index');
    esGet = away;
    const down = await get('/v1/tickets/x');
    assert.equal(down.statusCode, 503);
    assert.equal(down.json().error, 'unavailable');
    assert.equal(down.headers['retry-after'], '1');
    redisGet = () => new Promise(() => undefined);
    const started = Date.now();
    const hung = await get('/v1/tickets/x');
    assert.equal(hung.statusCode, 503);
    assert.ok(Date.now() - started < 2000, `answered after ${Date.now() - started} ms`);
    redisGet = async () => Promise.reject(new Error('a bug of ours'));
    assert.equal((await get('/v1/tickets/x')).statusCode, 500);
  } finally {
    redisGet = async () => null;
    esGet = async () => ({ found: false });
  }
});

/** Sends raw bytes on a new connection and returns what came back before the server closed it. */
function raw(url: string, bytes: string, holdMs = 0): Promise<{ text: string; elapsedMs: number }> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.write(bytes));
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ text, elapsedMs: Date.now() - started }));
    if (holdMs) setTimeout(() => socket.destroy(), holdMs);
  });
}

test('431 for oversized headers and 408 for a request never finished: both in the error format and counted', async () => {
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const huge = await raw(url, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  assert.match(huge.text, /^HTTP\/1.1 431 /);
  assert.match(huge.text, /"error":"headers_too_large"/);
  // Headers sent, then nothing: the request timeout (600 ms here) closes it, well before Node's default 300 s.
  const slow = await raw(url, 'GET /healthz HTTP/1.1\r\nHost: x\r\n', 10_000);
  assert.match(slow.text, /^HTTP\/1.1 408 /);
  assert.match(slow.text, /"error":"request_timeout"/);
  assert.ok(slow.elapsedMs < 3000, `closed after ${slow.elapsedMs} ms`);
  assert.ok((await countOf(/ticketflow_query_http_requests_total\{[^}]*status="431"[^}]*\} (\d+)/)) >= 1);
  assert.ok((await countOf(/ticketflow_query_http_requests_total\{[^}]*status="408"[^}]*\} (\d+)/)) >= 1);
});

test('GET /v1/kb/search names the parameter it refuses, and is a 503 without a knowledge base', async () => {
  for (const [query, field] of [
    ['', 'q'],
    ['?q=refund&k=0', 'k'],
    ['?q=refund&k=51', 'k'],
    ['?q=refund&k=two', 'k'],
    ['?q=refund&language=n%20o', 'language'],
    ['?q=refund&limit=3', 'limit'],
  ] as const) {
    const res = await get(`/v1/kb/search${query}`);
    assert.equal(res.statusCode, 400, query);
    const body = res.json<{ details: Array<{ field: string }> }>();
    assert.ok(
      body.details.some((d) => d.field === field),
      `${query}: ${res.body}`,
    );
  }
  const res = await get('/v1/kb/search?q=refund');
  assert.equal(res.statusCode, 503);
  assert.equal(res.json<{ error: string }>().error, 'unavailable');
});
