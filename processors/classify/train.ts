/**
 * Trains the shipped intent model on all of BANKING77's training split and writes the artefact:
 *
 *   npx tsx processors/classify/train.ts [--data <banking77 train.csv> | --data <file> --name <name>] [--out <file>]
 *
 * Only the default data file is named `banking77-lr` and described as BANKING77; any other file needs its own
 * --name and is described by its hash alone. An org's own model is trained with `ticketflow model train`,
 * which also holds out rows to calibrate the out-of-scope threshold and measure the model.
 *
 * Deterministic: the same data file gives the same bytes, hence the same model version. Hyperparameters
 * live in hyperparams.ts and were chosen with evaluate.ts on a held-out split; this script does not
 * evaluate, because after this run every example has been trained on.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../../config/index.js';
import { modelVersionOf } from './artefact.js';
import { parseLabelledCsv } from './csv.js';
import { DEFAULT_BANKING77 } from './datasets.js';
import { HYPERPARAMETERS } from './hyperparams.js';
import { DEFAULT_MODEL_PATH } from './model.js';
import { trainArtefactBytes } from './pipeline.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_BANKING77 },
    name: { type: 'string' },
    out: { type: 'string', default: DEFAULT_MODEL_PATH },
  },
});
const dataFile = path.resolve(args.data);
const outFile = path.resolve(args.out);
const isBanking77 = dataFile === path.resolve(DEFAULT_BANKING77);
if (!isBanking77 && !args.name) {
  console.error('train.ts: --name is required for data other than BANKING77 (e.g. --name my-intents-lr)');
  process.exit(2);
}
const MODEL_NAME = args.name ?? 'banking77-lr';

const raw = readFileSync(dataFile);
const examples = parseLabelledCsv(raw.toString('utf8'));
console.log(`${examples.length} examples, ${new Set(examples.map((e) => e.label)).size} intents from ${dataFile}`);
const started = performance.now();
const bytes = trainArtefactBytes(
  examples,
  HYPERPARAMETERS,
  MODEL_NAME,
  {
    // Provenance that does not vary between runs: no dates, no absolute paths.
    ...(isBanking77 ? { data: 'BANKING77 training split (PolyAI, CC BY 4.0)' } : {}),
    dataSha256: createHash('sha256').update(raw).digest('hex'),
    rows: examples.length,
  },
  ({ epoch, objective }) => console.log(`  epoch ${epoch}: objective ${objective.toFixed(5)}`),
);
mkdirSync(path.dirname(outFile), { recursive: true });
writeFileSync(outFile, bytes);
console.log(`trained in ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(
  `wrote ${path.relative(repoRoot, outFile)}: ${bytes.length} bytes, version ${modelVersionOf(MODEL_NAME, bytes)}`,
);
