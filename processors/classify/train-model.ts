/**
 * Training an intent model for an org from its own labelled examples: a stratified hold-out, the linear model
 * (pipeline.ts) fitted on the rest, the out-of-scope threshold calibrated on the hold-out (calibrate.ts), and
 * the metrics of that very model on the hold-out written into the artefact. The shipped artefact is the model
 * the metrics describe: it is not refitted on the held-out rows afterwards.
 *
 * Deterministic: the same examples and options give the same bytes, hence the same version.
 */
import { createHash } from 'node:crypto';
import { encodeArtefact, modelVersionOf } from './artefact.js';
import { calibrateThreshold, DEFAULT_TARGET_FALSE_OOS_RATE, type HeldOutScore } from './calibrate.js';
import type { LabelledText } from './csv.js';
import { HYPERPARAMETERS, type Hyperparameters } from './hyperparams.js';
import { classificationMetrics } from './metrics.js';
import { IntentModel } from './model.js';
import { fitModel, toArtefact } from './pipeline.js';
import type { EpochReport } from './softmax-regression.js';
import { stratifiedSplit } from './split.js';

export const HELD_OUT_FRACTION = 0.2;
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function isModelName(name: string): boolean {
  return MODEL_NAME.test(name);
}

export interface TrainOptions {
  readonly name: string;
  /** The raw bytes of the data file, for its SHA-256 in the provenance. */
  readonly dataBytes: Uint8Array;
  readonly textColumn: string;
  readonly labelColumn: string;
  readonly oosLabel?: string;
  /** The languages of the training texts (primary subtags); absent means English, as for every older model. */
  readonly languages?: readonly string[];
  readonly targetFalseOosRate?: number;
  readonly hyperparameters?: Hyperparameters;
  readonly onEpoch?: (report: EpochReport) => void;
}

export interface HeldOutMetrics {
  readonly rows: number;
  readonly inScopeRows: number;
  readonly oosRows: number;
  /** In-scope rows given their own label and not flagged out of scope. */
  readonly inScopeAccuracy: number;
  /** Macro-F1 over every held-out label, out of scope as one of them, with flagged rows predicted as such. */
  readonly macroF1: number;
  /** In-scope rows flagged out of scope. */
  readonly falseOosRate: number;
  /** Out-of-scope rows flagged as such; null without held-out out-of-scope rows. */
  readonly oosRecall: number | null;
  /** Flagged rows that were out of scope; null without held-out out-of-scope rows or when none is flagged. */
  readonly oosPrecision: number | null;
}

export interface TrainedModel {
  readonly bytes: Buffer;
  readonly version: string;
  readonly threshold: number;
  readonly heldOut: HeldOutMetrics;
  readonly trainRows: number;
  readonly classes: readonly string[];
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
const OOS = '\u0000out-of-scope';

export function trainIntentModel(examples: readonly LabelledText[], options: TrainOptions): TrainedModel {
  if (!isModelName(options.name)) throw new Error(`model name ${JSON.stringify(options.name)} is not allowed`);
  const hp = options.hyperparameters ?? HYPERPARAMETERS;
  const target = options.targetFalseOosRate ?? DEFAULT_TARGET_FALSE_OOS_RATE;
  const { train, validation } = stratifiedSplit(examples, HELD_OUT_FRACTION, hp.sgd.seed);
  const oosLabel = options.oosLabel !== undefined && train.some((e) => e.label === options.oosLabel);
  const fitted = fitModel(train, hp, options.onEpoch);

  // Score the hold-out with the artefact as it will ship (int8 weights), not the float model.
  const draft = IntentModel.fromBytes(
    encodeArtefact(toArtefact(fitted, hp, options.name, {}, oosLabel ? options.oosLabel : undefined)),
  );
  const isOos = (label: string) => label === options.oosLabel;
  const scored = validation.map((e) => {
    const c = draft.classify(e.text);
    return { gold: e.label, intent: c.intent, confidence: c.confidence, predictedOos: isOos(c.intent) };
  });
  const inScope = scored.filter((s) => !isOos(s.gold));
  const threshold = calibrateThreshold(inScope as HeldOutScore[], target);
  const flagged = (s: { confidence: number; predictedOos: boolean }) => s.predictedOos || s.confidence < threshold;
  const outOfScope = scored.filter((s) => isOos(s.gold));
  const flaggedRows = scored.filter(flagged);
  const heldOut: HeldOutMetrics = {
    rows: scored.length,
    inScopeRows: inScope.length,
    oosRows: outOfScope.length,
    inScopeAccuracy: round4(inScope.filter((s) => !flagged(s) && s.intent === s.gold).length / inScope.length),
    macroF1: round4(
      classificationMetrics(
        scored.map((s) => (isOos(s.gold) ? OOS : s.gold)),
        scored.map((s) => (flagged(s) ? OOS : s.intent)),
      ).macroF1,
    ),
    falseOosRate: round4(inScope.filter(flagged).length / inScope.length),
    oosRecall: outOfScope.length ? round4(outOfScope.filter(flagged).length / outOfScope.length) : null,
    oosPrecision:
      outOfScope.length && flaggedRows.length
        ? round4(flaggedRows.filter((s) => isOos(s.gold)).length / flaggedRows.length)
        : null,
  };
  const provenance = {
    // Nothing that varies between runs of the same data: no file name, date or path.
    dataSha256: createHash('sha256').update(options.dataBytes).digest('hex'),
    rows: examples.length,
    trainRows: train.length,
    heldOutRows: validation.length,
    columns: { text: options.textColumn, label: options.labelColumn },
    labels: fitted.classes.length,
    oosLabel: options.oosLabel ?? null,
    calibration: {
      rule: 'highest threshold flagging at most the target share of held-out in-scope rows as out of scope',
      targetFalseOosRate: target,
      heldOutFraction: HELD_OUT_FRACTION,
    },
    heldOut,
  };
  const artefact = toArtefact(
    fitted,
    hp,
    options.name,
    provenance,
    oosLabel ? options.oosLabel : undefined,
    options.languages,
  );
  const bytes = encodeArtefact({ ...artefact, header: { ...artefact.header, oosThreshold: threshold } });
  return {
    bytes,
    version: modelVersionOf(options.name, bytes),
    threshold,
    heldOut,
    trainRows: train.length,
    classes: fitted.classes,
  };
}
