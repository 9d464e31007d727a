/** The command line of `npm run bench:chain` (loadtest/full-chain.ts), validated with messages naming the flag. */
import { parseArgs } from 'node:util';
import { MAX_ORGS } from './orgs.js';
import { SHAPES, type Shape } from './processes.js';

export interface ChainOptions {
  shape: Shape;
  burst: number;
  rate: number;
  seconds: number;
  warmup: number;
  concurrency: number;
  orgs: number;
  hotShare: number;
  seed: number;
  pollMs: number;
  stallSeconds: number;
  deadlineSeconds: number;
  shareGroups: boolean;
  json: string | null;
  /** 0 skips the Kafka ceiling. */
  rawRecords: number;
  /** 0 skips the pass-through chain. */
  passthroughBurst: number;
  passthroughSeconds: number;
  passthroughHandler: 'batch' | 'per-event';
}

export const USAGE = `npm run bench:chain -- [options]     (npx tsx loadtest/full-chain.ts [options])

  --shape per-group|stages-sinks|single   process shape of the processors (default per-group: one per group)
  --burst N             interactions of the burst phase (default 20000)
  --rate N              target interactions/s of the steady phase (default 300)
  --seconds N           length of the steady phase (default 60)
  --warmup N            interactions at 50/s before measuring (default 300)
  --concurrency N       connections the burst posts over (default 64)
  --orgs N              organizations, 1 to ${MAX_ORGS} (default 6)
  --hot-share X         share of the load of the hot org (default 0.5)
  --seed N              seed of the generated interactions (default 7)
  --poll-ms N           interval of the store polls (default 50)
  --stall-seconds N     fail when nothing progresses for this long (default 60)
  --deadline-seconds N  count as lost what is not visible this long after the last POST (default 600)
  --share-groups        run even when other consumers are in the processor groups
  --json FILE           write the results as JSON
  --raw-records N       records for Kafka's producer perf tool; 0 skips it (default 200000)
  --passthrough-burst N events of the pass-through burst; 0 skips the pass-through chain (default 20000)
  --passthrough-seconds N   steady pass-through at --rate for this long (default 20)
  --passthrough-handler batch|per-event   pass-through handler (default batch)`;

export class OptionError extends Error {
  override name = 'OptionError';
}

export function parseChainOptions(args: readonly string[]): ChainOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        shape: { type: 'string', default: 'per-group' },
        burst: { type: 'string', default: '20000' },
        rate: { type: 'string', default: '300' },
        seconds: { type: 'string', default: '60' },
        warmup: { type: 'string', default: '300' },
        concurrency: { type: 'string', default: '64' },
        orgs: { type: 'string', default: '6' },
        'hot-share': { type: 'string', default: '0.5' },
        seed: { type: 'string', default: '7' },
        'poll-ms': { type: 'string', default: '50' },
        'stall-seconds': { type: 'string', default: '60' },
        'deadline-seconds': { type: 'string', default: '600' },
        'share-groups': { type: 'boolean', default: false },
        json: { type: 'string' },
        'raw-records': { type: 'string', default: '200000' },
        'passthrough-burst': { type: 'string', default: '20000' },
        'passthrough-seconds': { type: 'string', default: '20' },
        'passthrough-handler': { type: 'string', default: 'batch' },
      },
    }));
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
  const integer = (name: keyof typeof values, min: number, max = Number.MAX_SAFE_INTEGER) => {
    const raw = values[name] as string;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      throw new OptionError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return n;
  };
  const oneOf = <T extends string>(name: keyof typeof values, allowed: readonly T[]): T => {
    const raw = values[name] as string;
    if (!allowed.includes(raw as T)) {
      throw new OptionError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
    }
    return raw as T;
  };
  const orgs = integer('orgs', 1, MAX_ORGS);
  const hotShare = Number(values['hot-share']);
  if (!(hotShare > 0 && hotShare <= 1)) {
    throw new OptionError(`--hot-share must be a number in (0, 1], got ${JSON.stringify(values['hot-share'])}`);
  }
  if (orgs === 1 && hotShare !== 1) throw new OptionError('--hot-share must be 1 with --orgs 1: one org takes all');
  if (values.json === '') throw new OptionError('--json needs a file name');
  return {
    shape: oneOf('shape', SHAPES),
    burst: integer('burst', 1),
    rate: integer('rate', 1),
    seconds: integer('seconds', 1),
    warmup: integer('warmup', 1),
    concurrency: integer('concurrency', 1, 1024),
    orgs,
    hotShare,
    seed: integer('seed', 0, 2 ** 32 - 1),
    pollMs: integer('poll-ms', 10, 5000),
    stallSeconds: integer('stall-seconds', 10),
    deadlineSeconds: integer('deadline-seconds', 10),
    shareGroups: values['share-groups'] as boolean,
    json: (values.json as string | undefined) ?? null,
    rawRecords: integer('raw-records', 0),
    passthroughBurst: integer('passthrough-burst', 0),
    passthroughSeconds: integer('passthrough-seconds', 1),
    passthroughHandler: oneOf('passthrough-handler', ['batch', 'per-event'] as const),
  };
}
