import type { ServiceDefinition } from '../service.js';
import { elasticsearch } from './elasticsearch.js';
import { kafka } from './kafka.js';
import { mongo } from './mongo.js';
import { postgres } from './postgres.js';
import { redis } from './redis.js';
import { schemaRegistry } from './schema-registry.js';

/** Every real server of the local stack, in the order they are listed and started. */
export const stackServices: readonly ServiceDefinition[] = [
  postgres,
  redis,
  kafka,
  schemaRegistry,
  elasticsearch,
  mongo,
];
