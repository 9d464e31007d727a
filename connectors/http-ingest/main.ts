/**
 * `npm run ingest`: the HTTP ingest service. On SIGTERM or SIGINT it stops taking requests, answers the ones
 * in hand, waits for Kafka to acknowledge what they produced and only then exits, within the shutdown
 * deadline.
 */
import { errorSerializers } from '../../processors/runtime/log-errors.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pino } from 'pino';
import { stopOnSignals } from '../../processors/runtime/shutdown.js';
import { loadConfig, repoRoot } from '../../config/index.js';
import { buildIngestApp, STAGE } from './app.js';
import { connectDependencies } from './dependencies.js';

const config = loadConfig();
const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
const logger = pino({
  level: config.logLevel,
  base: { stage: STAGE, version, pid: process.pid },
  serializers: errorSerializers,
});

const deps = await connectDependencies(config, logger, version);
const app = await buildIngestApp({ ...deps, logger });
const address = await app.listen({ host: config.ingest.host, port: config.ingest.port });
logger.info({ address, openapi: `${address}/openapi.json` }, 'http-ingest listening');

stopOnSignals(
  async () => {
    // close() refuses new requests (503) and resolves once the ones in hand are answered.
    await app.close();
    await deps.close();
  },
  { deadlineMs: config.processor.shutdownDeadlineMs, logger },
);
