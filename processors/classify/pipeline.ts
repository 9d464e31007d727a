/**
 * Labelled texts to a classifier artefact: vocabulary, TF-IDF rows, SGD, int8 quantisation. Pure and
 * deterministic: the same examples in the same order and the same hyperparameters give the same bytes.
 */
import { encodeArtefact, type ArtefactHeader, type ClassifierArtefact } from './artefact.js';
import type { LabelledText } from './csv.js';
import type { Hyperparameters } from './hyperparams.js';
import { quantizePerClass } from './quantize.js';
import { trainSoftmaxRegression, type EpochReport, type LinearModel } from './softmax-regression.js';
import { buildVocabulary, compareCodeUnits, vectorize, type Vocabulary } from './vectorizer.js';

export interface FittedModel {
  readonly classes: readonly string[];
  readonly vocabulary: Vocabulary;
  readonly linear: LinearModel;
}

export function fitModel(
  examples: readonly LabelledText[],
  hp: Hyperparameters,
  onEpoch?: (report: EpochReport) => void,
): FittedModel {
  if (examples.length === 0) throw new Error('no training examples');
  const classes = [...new Set(examples.map((e) => e.label))].sort(compareCodeUnits);
  const classIndex = new Map(classes.map((c, i) => [c, i]));
  const texts = examples.map((e) => e.text);
  const vocabulary = buildVocabulary(texts, hp.features, hp.minDf);
  const rows = texts.map((t) => vectorize(t, vocabulary, hp.features));
  const labels = Int32Array.from(examples, (e) => classIndex.get(e.label) as number);
  const linear = trainSoftmaxRegression(rows, labels, vocabulary.terms.length, classes.length, hp.sgd, onEpoch);
  return { classes, vocabulary, linear };
}

export function toArtefact(
  fitted: FittedModel,
  hp: Hyperparameters,
  name: string,
  provenance: Readonly<Record<string, unknown>>,
  oosLabel?: string,
  languages?: readonly string[],
): ClassifierArtefact {
  const { weights, scales } = quantizePerClass(fitted.linear.weights, fitted.classes.length);
  const header: ArtefactHeader = {
    name,
    classes: fitted.classes,
    features: hp.features,
    oosThreshold: hp.oosThreshold,
    // Absent rather than undefined-valued: the shipped model's header, hence its bytes and version, stay as they were.
    ...(oosLabel === undefined ? {} : { oosLabel }),
    ...(languages === undefined ? {} : { languages }),
    training: { ...provenance, minDf: hp.minDf, sgd: hp.sgd },
  };
  return {
    header,
    terms: fitted.vocabulary.terms,
    idf: fitted.vocabulary.idf,
    scales,
    bias: Float32Array.from(fitted.linear.bias),
    weights,
  };
}

/** Examples to the bytes of an artefact, in one step: what `train.ts` writes and the determinism test checks. */
export function trainArtefactBytes(
  examples: readonly LabelledText[],
  hp: Hyperparameters,
  name: string,
  provenance: Readonly<Record<string, unknown>>,
  onEpoch?: (report: EpochReport) => void,
): Buffer {
  return encodeArtefact(toArtefact(fitModel(examples, hp, onEpoch), hp, name, provenance));
}
