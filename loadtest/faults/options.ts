/** Options of `npm run bench:faults` (loadtest/faults.ts) and the outages they ask for. */
import { parseArgs } from 'node:util';
import type { Outage, Server } from '../../processors/testing/fault-kit.js';
import { SHAPES, type Shape } from '../chain/processes.js';

export const USAGE = `npm run bench:faults -- [options]     (npx tsx loadtest/faults.ts [options])

Takes each server of the running stack away in turn under a steady load and reports, per outage, what happened to
the interactions posted meanwhile. It stops and kills the stack's servers: run it on a stack of your own. SIGINT
ends it after the outage in hand, with the rows so far.

  --rate <n>               interactions posted per second (default 20)
  --outage-seconds <n>     how long each server stays away, its start-up not included (default 120)
  --catch-up-seconds <n>   how long to wait, after a server returns, for everything to be visible (default 300)
  --settle-seconds <n>     steady load before the first outage (default 20)
  --servers <list>         comma-separated servers to take away, in the default order
                           (kafka,elasticsearch,mongo,postgres,redis,schema-registry)
  --shape <shape>          per-group (one process per consumer group, as in production; the default),
                           stages-sinks or single (processors/main.ts --all)
  --json <file>            write the results as JSON
  --help                   this text`;

export const SERVERS: readonly Server[] = ['kafka', 'elasticsearch', 'mongo', 'postgres', 'redis', 'schema-registry'];

export interface FaultOptions {
  readonly help: boolean;
  readonly rate: number;
  readonly outageSeconds: number;
  readonly catchUpSeconds: number;
  readonly settleSeconds: number;
  readonly servers: readonly Server[];
  readonly shape: Shape;
  readonly json: string | undefined;
}

export function parseFaultOptions(argv: readonly string[]): FaultOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string', default: '20' },
      'outage-seconds': { type: 'string', default: '120' },
      'catch-up-seconds': { type: 'string', default: '300' },
      'settle-seconds': { type: 'string', default: '20' },
      servers: { type: 'string', default: SERVERS.join(',') },
      shape: { type: 'string', default: 'per-group' },
      json: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  const positive = (name: keyof typeof values) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got ${values[name]}`);
    return n;
  };
  const servers = String(values.servers)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = servers.filter((s) => !SERVERS.includes(s as Server));
  if (unknown.length > 0) throw new Error(`--servers: unknown ${unknown.join(', ')}; known: ${SERVERS.join(', ')}`);
  const shape = String(values.shape) as Shape;
  if (!SHAPES.includes(shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}, got ${shape}`);
  return {
    help: values.help === true,
    shape,
    rate: positive('rate'),
    outageSeconds: positive('outage-seconds'),
    catchUpSeconds: positive('catch-up-seconds'),
    settleSeconds: positive('settle-seconds'),
    servers: SERVERS.filter((s) => servers.includes(s)),
    json: values.json,
  };
}

/**
 * Kafka is killed only: a clean stop of the broker is an ordinary restart. Every other server is stopped, then, once
 * each has been, killed; so a run cut short (SIGINT) has still taken each server away once.
 */
export function outagesOf(servers: readonly Server[], seconds: number): Outage[] {
  const stops = servers.map((server): Outage => ({ server, how: server === 'kafka' ? 'kill -9' : 'stop', seconds }));
  const kills = servers
    .filter((server) => server !== 'kafka')
    .map((server): Outage => ({ server, how: 'kill -9', seconds }));
  return [...stops, ...kills];
}
