/**
 * `npm run provision`: makes the running stack match the project's declarations, idempotently: the
 * database migrations, the topology's topics, and every event topic's schema registered under its subject
 * with BACKWARD compatibility.
 */
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { loadConfig, type Config } from '../config/index.js';
import { eventCatalog, registerEventSchemas, type EventName } from '../schemas/index.js';
import { applyTopology } from '../topics/apply.js';
import { ticketflow, type Topology } from '../topics/topology.js';
import { migrate } from './db/migrate.js';

export async function provision(config: Config = loadConfig(), topology: Topology = ticketflow, log = console.log) {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1 });
  try {
    const result = await migrate(pool);
    log(`database: ${result.applied.length} migration(s) applied, ${result.alreadyApplied} already there`);
  } finally {
    await pool.end();
  }
  const kafka = new Kafka({
    clientId: `${config.kafka.clientId}-provision`,
    brokers: config.kafka.brokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    log(`topics: applying ${topology.topics.length} on ${config.kafka.brokers.join(',')}`);
    await applyTopology(admin, topology, { dryRun: false, log: (line) => log(`  ${line}`) });
  } finally {
    await admin.disconnect();
  }
  const bindings = topology.topics.flatMap((t) =>
    t.eventType ? [{ topic: t.name, eventName: t.eventType as EventName }] : [],
  );
  const registered = await registerEventSchemas(bindings, eventCatalog(), { url: config.schemaRegistry.url });
  for (const r of registered) log(`  schema ${r.eventName} → ${r.subject} (id ${r.id})`);
  log(`schemas: ${registered.length} subjects registered`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  provision().catch((error: unknown) => {
    console.error(`provision: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
