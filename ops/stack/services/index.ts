import type { ServiceDefinition } from '../service.js';
import { elasticsearch } from './elasticsearch.js';
import { ferretdb } from './ferretdb.js';
import { kafka } from './kafka.js';
import { mongo } from './mongo.js';
import { postgres } from './postgres.js';
import { prometheus } from './prometheus.js';
import { redis } from './redis.js';
import { schemaRegistry } from './schema-registry.js';

/**
 * The servers ticketflow's processes keep their data in and talk to. Each starts once what it depends on is
 * healthy; optional ones (ferretdb) only when named, as in `stack up ferretdb`.
 */
export const dataServices: readonly ServiceDefinition[] = [
  postgres,
  redis,
  kafka,
  schemaRegistry,
  elasticsearch,
  mongo,
  ferretdb,
];

/** Every real server of the local stack, in the order they are listed and started: the data servers, then monitoring. */
export const stackServices: readonly ServiceDefinition[] = [...dataServices, prometheus];
