/**
 * Held-out evaluation, used to choose the hyperparameters and the out-of-scope threshold:
 *
 *   npx tsx processors/classify/evaluate.ts [--data <banking77 csv>] [--clinc <clinc150 train_val.json>]
 *     [--holdout 0.15] [--lambda 1e-5] [--epochs 40] [--eta0 0.5] [--min-df 2] [--char-max 5] [--threshold 0.3]
 *
 * Trains on a stratified, seeded split of BANKING77, reports accuracy and macro-F1 on the rest (float and
 * int8 weights), then the out-of-scope trade-off against CLINC150's out-of-scope and non-banking utterances.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { encodeArtefact } from './artefact.js';
import { DEFAULT_BANKING77, DEFAULT_CLINC150, readBanking77, readClinc150 } from './datasets.js';
import { HYPERPARAMETERS, type Hyperparameters } from './hyperparams.js';
import { classificationMetrics, oosMetrics } from './metrics.js';
import { DEFAULT_MODEL_PATH, IntentModel } from './model.js';
import { fitModel, toArtefact, type FittedModel } from './pipeline.js';
import { stratifiedSplit } from './split.js';
import { vectorize } from './vectorizer.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string', default: DEFAULT_BANKING77 },
    clinc: { type: 'string', default: DEFAULT_CLINC150 },
    holdout: { type: 'string', default: '0.15' },
    'split-seed': { type: 'string', default: '2020' },
    lambda: { type: 'string' },
    epochs: { type: 'string' },
    eta0: { type: 'string' },
    'min-df': { type: 'string' },
    'char-min': { type: 'string' },
    'char-max': { type: 'string' },
    'word-max': { type: 'string' },
    'keep-digits': { type: 'boolean', default: false },
    threshold: { type: 'string' },
    quiet: { type: 'boolean', default: false },
  },
});

const num = (v: string | undefined, fallback: number) => (v === undefined ? fallback : Number(v));
const base = HYPERPARAMETERS;
const hp: Hyperparameters = {
  features: {
    wordMaxN: num(args['word-max'], base.features.wordMaxN),
    charMinN: num(args['char-min'], base.features.charMinN),
    charMaxN: num(args['char-max'], base.features.charMaxN),
    collapseDigits: args['keep-digits'] ? false : base.features.collapseDigits,
  },
  minDf: num(args['min-df'], base.minDf),
  sgd: {
    lambda: num(args.lambda, base.sgd.lambda),
    epochs: num(args.epochs, base.sgd.epochs),
    eta0: num(args.eta0, base.sgd.eta0),
    seed: base.sgd.seed,
  },
  oosThreshold: num(args.threshold, base.oosThreshold),
};

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
const examples = readBanking77(args.data);
const { train, validation } = stratifiedSplit(examples, Number(args.holdout), Number(args['split-seed']));
console.log(`hyperparameters ${JSON.stringify(hp)}`);
console.log(`split: ${train.length} train, ${validation.length} validation`);

const started = performance.now();
const fitted = fitModel(train, hp, ({ epoch, objective }) => {
  if (!args.quiet) console.log(`  epoch ${epoch}: objective ${objective.toFixed(5)}`);
});
console.log(
  `trained in ${((performance.now() - started) / 1000).toFixed(1)} s, ${fitted.vocabulary.terms.length} terms`,
);

/** Argmax of the unquantised weights, to show what int8 storage costs. */
const floatPredict = (m: FittedModel, text: string): string => {
  const { indices, values } = vectorize(text, m.vocabulary, hp.features);
  const n = m.classes.length;
  const s = Float64Array.from(m.linear.bias);
  for (let k = 0; k < indices.length; k++) {
    const base = (indices[k] as number) * n;
    for (let c = 0; c < n; c++) {
      s[c] = (s[c] as number) + (values[k] as number) * (m.linear.weights[base + c] as number);
    }
  }
  let best = 0;
  for (let c = 1; c < n; c++) if ((s[c] as number) > (s[best] as number)) best = c;
  return m.classes[best] as string;
};

const gold = validation.map((e) => e.label);
const floatMetrics = classificationMetrics(
  gold,
  validation.map((e) => floatPredict(fitted, e.text)),
);
// Through the bytes, as served: the held-out numbers are those of the int8 artefact, not of the float weights.
const bytes = encodeArtefact(toArtefact(fitted, hp, 'banking77-lr', { rows: train.length }));
const model = IntentModel.fromBytes(bytes).withThreshold(hp.oosThreshold);
const held = validation.map((e) => model.classify(e.text));
const int8Metrics = classificationMetrics(
  gold,
  held.map((c) => c.intent),
);
console.log(`artefact: ${(bytes.length / 1024 / 1024).toFixed(2)} MiB`);
console.log(`held-out float32: accuracy ${pct(floatMetrics.accuracy)}, macro-F1 ${pct(floatMetrics.macroF1)}`);
console.log(`held-out int8:    accuracy ${pct(int8Metrics.accuracy)}, macro-F1 ${pct(int8Metrics.macroF1)}`);

const clinc = readClinc150(args.clinc);
const conf = (texts: string[]) => texts.map((t) => model.classify(t).confidence);
const inScope = held.map((c) => c.confidence);
const oosVal = conf(clinc.val.oos);
const offVal = conf(clinc.val.offDomain);
const oosTrain = conf(clinc.train.oos);
const offTrain = conf(clinc.train.offDomain);
const correctConf = held.filter((c, i) => c.intent === gold[i]).map((c) => c.confidence);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))] as number;
console.log(
  `confidence medians: banking held-out ${quantile(inScope, 0.5).toFixed(3)}, clinc oos_val ${quantile(oosVal, 0.5).toFixed(3)}, ` +
    `clinc non-banking val ${quantile(offVal, 0.5).toFixed(3)}`,
);
console.log(
  '\n| threshold | banking false-OOS | banking correct kept | oos_train recall | off-domain train recall | oos_val recall | off-domain val recall |',
);
console.log('|---|---|---|---|---|---|---|');
const thresholds = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6];
if (!thresholds.includes(hp.oosThreshold)) thresholds.push(hp.oosThreshold);
for (const t of thresholds.sort((a, b) => a - b)) {
  const b = oosMetrics(inScope, oosVal, t);
  const kept = correctConf.filter((x) => x >= t).length / gold.length;
  console.log(
    `| ${t}${t === hp.oosThreshold ? ' (chosen)' : ''} | ${pct(b.inScopeFalseOosRate)} | ${pct(kept)} | ` +
      `${pct(oosMetrics([], oosTrain, t).oosRecall)} | ${pct(oosMetrics([], offTrain, t).oosRecall)} | ` +
      `${pct(b.oosRecall)} | ${pct(oosMetrics([], offVal, t).oosRecall)} |`,
  );
}

// Threshold-free comparison of settings: how well confidence separates banking from everything else.
const auroc = (pos: number[], neg: number[]) => {
  let wins = 0;
  for (const p of pos) for (const n of neg) wins += p > n ? 1 : p === n ? 0.5 : 0;
  return wins / (pos.length * neg.length);
};
const tAt5 = quantile(inScope, 0.05);
console.log(
  `\nAUROC banking vs oos_val ${auroc(inScope, oosVal).toFixed(4)}, vs non-banking val ${auroc(inScope, offVal).toFixed(4)}; ` +
    `at 5% banking false-OOS (threshold ${tAt5.toFixed(3)}): oos_val recall ${pct(oosMetrics([], oosVal, tAt5).oosRecall)}, ` +
    `non-banking val recall ${pct(oosMetrics([], offVal, tAt5).oosRecall)}`,
);

// The shipped model saw every BANKING77 example, so only its out-of-scope side can be measured honestly.
if (existsSync(DEFAULT_MODEL_PATH)) {
  const shipped = IntentModel.load(DEFAULT_MODEL_PATH);
  const t = hp.oosThreshold;
  const recall = (texts: string[]) =>
    pct(
      oosMetrics(
        [],
        texts.map((x) => shipped.classify(x).confidence),
        t,
      ).oosRecall,
    );
  console.log(
    `shipped ${shipped.modelVersion} at threshold ${t}: oos_val recall ${recall(clinc.val.oos)}, ` +
      `non-banking val recall ${recall(clinc.val.offDomain)}`,
  );
}
