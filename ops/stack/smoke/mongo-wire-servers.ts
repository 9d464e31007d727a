/**
 * The Mongo-wire servers the store's tests run against: the one `MONGO_URL` names (by default the stack's `mongo`),
 * and FerretDB when the stack runs it (`npm run stack -- up ferretdb`). A server that is not running is listed with
 * the reason, so its tests show as skipped instead of vanishing.
 */
import { MongoClient } from 'mongodb';
import type { Config } from '../../../config/index.js';
import { ferretdbUrl } from '../services/ferretdb.js';

export interface MongoWireServer {
  /** `mongo`, `ferretdb`, or `MONGO_URL` when that points elsewhere. */
  readonly name: string;
  readonly url: string;
  /** Why its tests are skipped; undefined when it answers. */
  readonly skip?: string;
}

async function answers(url: string): Promise<boolean> {
  const client = new MongoClient(url, { directConnection: true, serverSelectionTimeoutMS: 1500 });
  try {
    return (await client.db('admin').command({ ping: 1 })).ok === 1;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

const sameServer = (a: string, b: string) => new URL(a).host === new URL(b).host;

export async function mongoWireServers(config: Config): Promise<MongoWireServer[]> {
  const { stack } = config;
  const ferretdb = ferretdbUrl(stack);
  const stackMongo = `mongodb://${stack.host}:${stack.ports.mongo}/`;
  const configured = config.mongo.url;
  const servers: MongoWireServer[] = [
    {
      name: sameServer(configured, stackMongo) ? 'mongo' : sameServer(configured, ferretdb) ? 'ferretdb' : 'MONGO_URL',
      url: configured,
    },
  ];
  if (!sameServer(configured, ferretdb)) {
    servers.push(
      (await answers(ferretdb))
        ? { name: 'ferretdb', url: ferretdb }
        : {
            name: 'ferretdb',
            url: ferretdb,
            skip: `ferretdb is not running at ${ferretdb} (npm run stack -- up ferretdb)`,
          },
    );
  }
  return servers;
}
