/**
 * `npm run query-api`: the read API over the ticket store, search index and live views. On SIGTERM or SIGINT
 * it stops taking requests, answers the ones in hand, closes its connections and exits within the deadline.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { pino } from 'pino';
import { stopOnSignals } from '../processors/runtime/shutdown.js';
import { ConfigError, loadConfig, repoRoot, type QueryApiJwtConfig } from '../config/index.js';
import { buildQueryApp } from './app.js';
import { createJwtVerifier, type JwtVerifier } from './jwt.js';

const config = loadConfig();
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const logger = pino({ level: config.logLevel, base: { service: 'query-api', version, pid: process.pid } });

function verifierFor(jwt: QueryApiJwtConfig): JwtVerifier {
  const common = { issuer: jwt.issuer, audience: jwt.audience, clockSkewSeconds: jwt.clockSkewSeconds };
  if (jwt.algorithm === 'HS256') {
    if (jwt.usingDevSecret) {
      logger.warn('QUERY_API_JWT_SECRET is not set: accepting tokens signed with the public DEV secret');
    }
    return createJwtVerifier({ ...common, algorithm: 'HS256', secret: jwt.secret });
  }
  let pem: string;
  try {
    pem = readFileSync(jwt.publicKeyPath, 'utf8');
  } catch (error) {
    throw new ConfigError(`QUERY_API_JWT_PUBLIC_KEY_PATH=${jwt.publicKeyPath}: ${(error as Error).message}`);
  }
  return createJwtVerifier({ ...common, algorithm: 'RS256', publicKey: pem });
}

const verify = verifierFor(config.queryApi.jwt);
const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 5000, appName: 'ticketflow-query-api' });
const es = new Client({ node: config.elasticsearch.url, requestTimeout: 10_000 });
const redis = new Redis(config.redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
redis.on('error', (err) => logger.warn({ err }, 'redis connection error'));
await mongo.connect();

const app = await buildQueryApp({
  config: config.queryApi,
  db: mongo.db(config.mongo.database),
  es,
  redis,
  verify,
  version,
  logger,
});
const address = await app.listen({ host: config.queryApi.host, port: config.queryApi.port });
logger.info({ address, openapi: `${address}/openapi.json` }, 'query-api listening');

stopOnSignals(
  async () => {
    await app.close();
    await Promise.allSettled([mongo.close(), es.close(), redis.quit()]);
  },
  { deadlineMs: config.processor.shutdownDeadlineMs, logger },
);
