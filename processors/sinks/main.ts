/**
 * `tsx processors/sinks/main.ts <ticket-store|search-index|live-views>`: one sink as a process, in its own
 * consumer group, so each store is fed, scaled and replayed on its own.
 */
import { Client } from '@elastic/elasticsearch';
import { Redis } from 'ioredis';
import { MongoClient } from 'mongodb';
import { loadConfig } from '../../config/index.js';
import { runStageProcess } from '../runtime/main.js';
import { ensureTicketIndex } from './search-index.js';
import { ensureTicketStoreIndexes } from './ticket-store.js';
import {
  isSinkName,
  liveViewsSink,
  searchIndexSink,
  SINK_NAMES,
  sinkWiring,
  ticketStoreSink,
  type Sink,
  type SinkName,
} from './stages.js';

const name = process.argv[2] ?? '';
if (!isSinkName(name)) {
  console.error(`usage: tsx processors/sinks/main.ts <${SINK_NAMES.join('|')}>; got ${JSON.stringify(name)}`);
  process.exit(2);
}
const config = loadConfig();

async function connectMongo() {
  const mongo = new MongoClient(config.mongo.url, { serverSelectionTimeoutMS: 10_000, appName: `ticketflow-${name}` });
  await mongo.connect();
  const db = mongo.db(config.mongo.database);
  await ensureTicketStoreIndexes(db);
  return db;
}

async function build(sinkName: SinkName): Promise<Sink> {
  switch (sinkName) {
    case 'ticket-store':
      return ticketStoreSink(await connectMongo());
    case 'search-index': {
      const es = new Client({ node: config.elasticsearch.url, requestTimeout: 30_000 });
      await ensureTicketIndex(es);
      return searchIndexSink(await connectMongo(), es);
    }
    case 'live-views':
      // Commands queue while Redis reconnects; an outage past the retries fails the event, which the runtime retries.
      return liveViewsSink(new Redis(config.redis.url, { maxRetriesPerRequest: 3 }));
  }
}

await runStageProcess(await build(name), sinkWiring(name).wiring);
