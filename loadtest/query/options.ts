/** bench:query's command line, validated: a bad flag is refused naming the flag and the rule. */
import { parseArgs } from 'node:util';
import { SHAPES, type Shape } from '../chain/processes.js';
import { selectRoutes, type RouteSpec } from './routes.js';

export const USAGE = `npm run bench:query -- [options]

  --tickets <n>        tickets in the org the reads are for (100000); built once, reused by later runs
  --small-orgs <n>     smaller orgs beside it (3)
  --small-tickets <n>  tickets in each smaller org (2000)
  --seconds <n>        measured seconds per route (10)
  --warmup <n>         seconds per route before measuring (2)
  --connections <n>    keep-alive connections sending reads (32)
  --ingest-rate <n>    interactions per second through ingest and the pipeline meanwhile (100; 0 for none)
  --shape <shape>      the pipeline's processes: per-group (one per consumer group, as in production; the
                       default), stages-sinks or single (all eight processors in one process)
  --share-groups       run even when other consumers are in the processor groups (a running demo's): they then
                       do part of the pipeline's work, which this benchmark does not measure
  --routes <keys>      comma-separated: detail, list, search, queues, counts, stats, sla (all)
  --rebuild            build the orgs again even when a previous run's are there
  --build-only         build (or find) the orgs and stop
  --json <file>        also write the results as JSON
  --cpu-prof <dir>     run the query API under node --cpu-prof, writing its profile into <dir>`;

export class OptionError extends Error {
  override name = 'OptionError';
}

export interface QueryBenchOptions {
  readonly tickets: number;
  readonly smallOrgs: number;
  readonly smallTickets: number;
  readonly seconds: number;
  readonly warmup: number;
  readonly connections: number;
  readonly ingestRate: number;
  readonly shape: Shape;
  readonly shareGroups: boolean;
  readonly routes: RouteSpec[];
  readonly rebuild: boolean;
  readonly buildOnly: boolean;
  readonly json: string | null;
  readonly cpuProf: string | null;
}

export function parseQueryBenchOptions(argv: readonly string[]): QueryBenchOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        tickets: { type: 'string', default: '100000' },
        'small-orgs': { type: 'string', default: '3' },
        'small-tickets': { type: 'string', default: '2000' },
        seconds: { type: 'string', default: '10' },
        warmup: { type: 'string', default: '2' },
        connections: { type: 'string', default: '32' },
        'ingest-rate': { type: 'string', default: '100' },
        shape: { type: 'string', default: 'per-group' },
        'share-groups': { type: 'boolean', default: false },
        routes: { type: 'string' },
        rebuild: { type: 'boolean', default: false },
        'build-only': { type: 'boolean', default: false },
        json: { type: 'string' },
        'cpu-prof': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  const integer = (name: keyof typeof values, min: number, max: number) => {
    const raw = values[name] as string;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      throw new OptionError(`--${name} must be an integer from ${min} to ${max}, got ${raw}`);
    }
    return n;
  };
  const shape = values.shape as Shape;
  if (!SHAPES.includes(shape)) throw new OptionError(`--shape must be one of ${SHAPES.join(', ')}, got ${shape}`);
  let routes: RouteSpec[];
  try {
    routes = selectRoutes(values.routes);
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  return {
    tickets: integer('tickets', 1, 10_000_000),
    smallOrgs: integer('small-orgs', 0, 20),
    smallTickets: integer('small-tickets', 1, 1_000_000),
    seconds: integer('seconds', 1, 3600),
    warmup: integer('warmup', 0, 600),
    connections: integer('connections', 1, 1000),
    ingestRate: integer('ingest-rate', 0, 10_000),
    shape,
    shareGroups: values['share-groups'] ?? false,
    routes,
    rebuild: values.rebuild ?? false,
    buildOnly: values['build-only'] ?? false,
    json: values.json ?? null,
    cpuProf: values['cpu-prof'] ?? null,
  };
}
