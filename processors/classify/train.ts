/**
 * Trains the shipped intent model on all of BANKING77's training split and writes the artefact:
 *
 *   npx tsx processors/classify/train.ts [--data <banking77 train.csv>] [--out <file>]
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

const MODEL_NAME = 'banking77-lr';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_BANKING77 },
    out: { type: 'string', default: DEFAULT_MODEL_PATH },
  },
});
const dataFile = path.resolve(args.data);
const outFile = path.resolve(args.out);

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
    data: 'BANKING77 training split (PolyAI, CC BY 4.0)',
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
