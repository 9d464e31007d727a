/**
 * `ticketflow classify`: one text per stdin line in, one JSON line per text out, in the same order, so the
 * output can be pasted beside the input or piped into jq.
 *
 *   ticketflow classify [--tier enterprise|business|standard|free] [--sentiment <-1..1>]
 *     [--model <file> | --org <org>] [--threshold <0..1>]
 *
 * --org classifies with the org's active model from the registry (the shipped one if it has none).
 *
 * A blank line is still a text (out of scope), so that line n of the output always answers line n of the
 * input.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { DEFAULT_MODEL_PATH, IntentModel } from './model.js';
import { activeArtefactBytes, UnknownOrganizationError } from './registry.js';
import { decidePriority } from './priority.js';

export const USAGE = `usage: ticketflow classify [--tier <tier>] [--sentiment <-1..1>] [--model <file> | --org <org>]
                          [--threshold <0..1>]

Reads texts from stdin, one per line, and prints one JSON line per text:
  {"intent", "confidence", "outOfScope", "priority", "priorityReasons", "ranked", "modelVersion"}`;

export interface ClassifyLine {
  intent: string;
  confidence: number;
  outOfScope: boolean;
  priority: string;
  priorityReasons: string[];
  ranked: { intent: string; confidence: number }[];
  modelVersion: string;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function classifyLine(model: IntentModel, text: string, tier?: string, sentiment?: number): ClassifyLine {
  const c = model.classify(text);
  const p = decidePriority({ intent: c.intent, outOfScope: c.outOfScope, text, tier, sentiment });
  return {
    intent: c.intent,
    confidence: round(c.confidence),
    outOfScope: c.outOfScope,
    priority: p.priority,
    priorityReasons: p.reasons,
    ranked: c.ranked.map((r) => ({ intent: r.intent, confidence: round(r.confidence) })),
    modelVersion: c.modelVersion,
  };
}

/** The org's active model from the registry, or the shipped one when it has none. */
async function orgModel(orgId: string): Promise<IntentModel> {
  const pool = new pg.Pool({ connectionString: loadConfig().postgres.url, max: 1, connectionTimeoutMillis: 5000 });
  try {
    const bytes = await activeArtefactBytes(pool, orgId);
    return bytes ? IntentModel.fromBytes(bytes) : IntentModel.load();
  } finally {
    await pool.end();
  }
}

/** Returns the exit code: 0 on success, 1 when the model cannot be loaded, 2 on bad arguments or an unknown org. */
export async function run(
  argv: string[],
  input: Readable = process.stdin,
  output: Writable = process.stdout,
  errors: Writable = process.stderr,
): Promise<number> {
  let opts;
  try {
    opts = parseArgs({
      args: argv,
      options: {
        tier: { type: 'string' },
        sentiment: { type: 'string' },
        model: { type: 'string' },
        org: { type: 'string' },
        threshold: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    errors.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    output.write(`${USAGE}\n`);
    return 0;
  }
  const sentiment = opts.sentiment === undefined ? undefined : Number(opts.sentiment);
  if (sentiment !== undefined && !(sentiment >= -1 && sentiment <= 1)) {
    errors.write(`--sentiment must be a number in [-1, 1], got ${opts.sentiment}\n`);
    return 2;
  }
  const threshold = opts.threshold === undefined ? undefined : Number(opts.threshold);
  if (threshold !== undefined && !(threshold >= 0 && threshold <= 1)) {
    errors.write(`--threshold must be a number in [0, 1], got ${opts.threshold}\n`);
    return 2;
  }
  if (opts.model !== undefined && opts.org !== undefined) {
    errors.write("--model and --org are exclusive: a file, or the org's active model\n");
    return 2;
  }
  let model: IntentModel;
  try {
    model = opts.org === undefined ? IntentModel.load(opts.model ?? DEFAULT_MODEL_PATH) : await orgModel(opts.org);
  } catch (error) {
    errors.write(`${(error as Error).message}\n`);
    return error instanceof UnknownOrganizationError ? 2 : 1;
  }
  if (threshold !== undefined) model = model.withThreshold(threshold);

  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    const json = JSON.stringify(classifyLine(model, line, opts.tier, sentiment));
    if (!output.write(`${json}\n`)) await once(output, 'drain');
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await run(process.argv.slice(2));
}
