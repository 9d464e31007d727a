import type { ServiceDefinition } from '../service.js';
import { elasticsearch } from './elasticsearch.js';
import { ferretdb } from './ferretdb.js';
import { kafka } from './kafka.js';
import { mongo } from './mongo.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { schemaRegistry } from './schema-registry.js';

/**
 * Every real server of the local stack, in the order they are listed. Each starts once what it depends on is
 * healthy; optional ones (ferretdb) only when named, as in `stack up ferretdb`.
 */
export const stackServices: readonly ServiceDefinition[] = [
  postgres,
  redis,
  kafka,
  schemaRegistry,
  elasticsearch,
  mongo,
  ferretdb,
];
