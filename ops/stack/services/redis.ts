import { Redis } from 'ioredis';
import { existsSync } from 'node:fs';
import type { ServiceDefinition } from '../service.js';

export const redis: ServiceDefinition = {
  name: 'redis',
  dependsOn: [],
  startTimeoutMs: 15_000,
  // On SIGTERM Redis writes its final snapshot and exits; a background save it forked is its own to end.
  stop: { signal: 'SIGTERM', target: 'leader', graceMs: 60_000 },
  ports: (config) => [config.ports.redis],
  endpoint: (config) => `redis://${config.host}:${config.ports.redis}`,

  async install() {
    if (!existsSync('/usr/bin/redis-server')) throw new Error('redis-server not found: run ops/install.sh');
  },

  async process(ctx) {
    return {
      command: '/usr/bin/redis-server',
      args: [
        '--bind',
        ctx.config.host,
        '--port',
        String(ctx.config.ports.redis),
        '--dir',
        ctx.dir,
        '--daemonize',
        'no',
        // Live views are rebuilt from Kafka, so snapshots only need to make restarts fast.
        '--appendonly',
        'no',
        '--save',
        '300 100',
        '--dbfilename',
        'dump.rdb',
        '--maxmemory',
        '1gb',
      ],
    };
  },

  async healthy(ctx) {
    const client = new Redis({
      host: ctx.config.host,
      port: ctx.config.ports.redis,
      lazyConnect: true,
      connectTimeout: 1000,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      client.disconnect();
    }
  },
};
