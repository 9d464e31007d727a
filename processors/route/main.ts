/**
 * `tsx processors/route/main.ts`: the route stage process, wired from the topology (topics/topology.ts), with
 * each org's routing settings from PostgreSQL through an in-process cache (settings-store.ts).
 */
import pg from 'pg';
import { pino } from 'pino';
import { loadConfig } from '../../config/index.js';
import { runStageProcess } from '../runtime/main.js';
import { createRouteSettingsLookup } from './settings-store.js';
import { routeStage } from './stage.js';
import { ROUTE_STAGE, routeWiring } from './wiring.js';

const config = loadConfig();
const logger = pino({ level: config.logLevel, base: { stage: ROUTE_STAGE } });
const pool = new pg.Pool({ connectionString: config.postgres.url, max: config.postgres.poolMax });
pool.on('error', (error) => logger.warn({ err: error }, 'idle PostgreSQL connection failed'));

await runStageProcess(routeStage({ settings: createRouteSettingsLookup({ db: pool }) }), routeWiring());
