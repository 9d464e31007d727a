import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeArtefact, encodeArtefact, modelVersionOf } from './artefact.js';
import type { LabelledText } from './csv.js';
import type { Hyperparameters } from './hyperparams.js';
import { IntentModel } from './model.js';
import { fitModel, toArtefact, trainArtefactBytes } from './pipeline.js';
import { mulberry32 } from './prng.js';
import { stratifiedSplit } from './split.js';

/** A small labelled set with a clear signal per class and seeded noise words. */
function syntheticDataset(): LabelledText[] {
  const classes: Record<string, string[]> = {
    card_lost: ['i lost my card', 'my card is gone', 'cannot find my card', 'card went missing'],
    rate: ['what is the exchange rate', 'euro to dollar rate', 'how much is the rate today', 'rate for pounds'],
    top_up: ['how do i top up', 'add money to my account', 'top up with a card', 'can i top up by transfer'],
  };
  const noise = ['please', 'hello', 'thanks', 'today', 'now', 'quick question'];
  const random = mulberry32(42);
  const out: LabelledText[] = [];
  for (let i = 0; i < 10; i++) {
    for (const [label, phrases] of Object.entries(classes)) {
      const phrase = phrases[i % phrases.length] as string;
      out.push({ text: `${noise[Math.floor(random() * noise.length)]} ${phrase}`, label });
    }
  }
  return out;
}

const hp: Hyperparameters = {
  features: { wordMaxN: 2, charMinN: 3, charMaxN: 5, collapseDigits: true },
  minDf: 1,
  sgd: { lambda: 1e-4, epochs: 8, eta0: 0.5, seed: 7 },
  oosThreshold: 0.3,
};

test('training twice on the same data gives byte-identical artefacts', () => {
  const data = syntheticDataset();
  const a = trainArtefactBytes(data, hp, 'synthetic-lr', { rows: data.length });
  const b = trainArtefactBytes(data, hp, 'synthetic-lr', { rows: data.length });
  assert.ok(a.equals(b));
  assert.equal(modelVersionOf('synthetic-lr', a), modelVersionOf('synthetic-lr', b));
});

test('the SGD seed is part of the result: another seed gives other bytes', () => {
  const data = syntheticDataset();
  const a = trainArtefactBytes(data, hp, 'synthetic-lr', {});
  const b = trainArtefactBytes(data, { ...hp, sgd: { ...hp.sgd, seed: 8 } }, 'synthetic-lr', {});
  assert.ok(!a.equals(b));
});

test('the artefact round-trips and the decoded model learned the synthetic intents', () => {
  const data = syntheticDataset();
  const artefact = toArtefact(fitModel(data, hp), hp, 'synthetic-lr', {});
  const bytes = encodeArtefact(artefact);
  const decoded = decodeArtefact(bytes);
  assert.deepEqual(decoded.header, JSON.parse(JSON.stringify(artefact.header)));
  assert.deepEqual(decoded.terms, artefact.terms);
  assert.deepEqual(decoded.weights, artefact.weights);
  assert.deepEqual(decoded.idf, artefact.idf);
  const model = IntentModel.fromBytes(bytes);
  assert.equal(model.classify('i lost my card').intent, 'card_lost');
  assert.equal(model.classify('exchange rate for euro').intent, 'rate');
  assert.equal(model.classify('top up my account').intent, 'top_up');
});

test('a truncated or foreign file is refused', () => {
  const bytes = trainArtefactBytes(syntheticDataset(), hp, 'synthetic-lr', {});
  assert.throws(() => decodeArtefact(bytes.subarray(0, bytes.length - 1)), /truncated/);
  assert.throws(() => decodeArtefact(Buffer.from('PK\u0003\u0004 not a model')), /not a ticketflow classifier/);
});

test('the stratified split holds out the same share of every class, reproducibly', () => {
  const data = syntheticDataset();
  const a = stratifiedSplit(data, 0.2, 1);
  const b = stratifiedSplit(data, 0.2, 1);
  assert.deepEqual(a, b);
  assert.equal(a.train.length + a.validation.length, data.length);
  for (const label of ['card_lost', 'rate', 'top_up']) {
    assert.equal(a.validation.filter((e) => e.label === label).length, 2);
  }
});
