/**
 * `tsx processors/enrich/main.ts`: the enrich stage process, wired from the topology (topics/topology.ts),
 * with customer context from PostgreSQL through Redis.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { runStageProcess } from '../runtime/main.js';
import { createCustomerContextLookup } from './context.js';
import { ENRICH_STAGE, ENRICH_VERSION, enrichStage } from './stage.js';
import { enrichWiring } from './wiring.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel, base: { stage: ENRICH_STAGE, version: ENRICH_VERSION } });
const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolMax });
pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));
// Without an offline queue a command fails at once while Redis is away, and the lookup goes to PostgreSQL
// instead of waiting for a reconnection.
const redis = new Redis(config.redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
redis.on('error', (error) => logger.warn({ err: error }, 'redis connection failed'));

await runStageProcess(
  enrichStage({
    lookupCustomerContext: createCustomerContextLookup({
      db: pool,
      redis,
      onCacheError: (error, key) => logger.warn({ err: error, key }, 'context cache unavailable, read PostgreSQL'),
    }),
  }),
  enrichWiring(),
);
