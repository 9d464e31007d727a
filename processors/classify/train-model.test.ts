import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CorruptArtefactError, decodeArtefact, encodeArtefact, modelVersionOf } from './artefact.js';
import type { LabelledText } from './csv.js';
import type { Hyperparameters } from './hyperparams.js';
import { IntentModel } from './model.js';
import { mulberry32 } from './prng.js';
import { trainIntentModel } from './train-model.js';

const hp: Hyperparameters = {
  features: { wordMaxN: 2, charMinN: 3, charMaxN: 5, collapseDigits: true },
  minDf: 1,
  sgd: { lambda: 1e-4, epochs: 10, eta0: 0.5, seed: 7 },
  oosThreshold: 0.3,
};

/** Three intents and a set of out-of-scope chatter, each phrase with seeded noise words. */
function dataset(): LabelledText[] {
  const classes: Record<string, string[]> = {
    card_lost: ['i lost my card', 'my card is gone', 'cannot find my card', 'card went missing'],
    rate: ['what is the exchange rate', 'euro to dollar rate', 'how much is the rate today', 'rate for pounds'],
    top_up: ['how do i top up', 'add money to my account', 'top up with a card', 'can i top up by transfer'],
    oos: ['tell me a joke', 'what is the weather like', 'who won the football', 'play some music'],
  };
  const noise = ['please', 'hello', 'thanks', 'today', 'now', 'quick question', 'hey', 'so'];
  const random = mulberry32(42);
  const out: LabelledText[] = [];
  for (let i = 0; i < 20; i++) {
    for (const [label, phrases] of Object.entries(classes)) {
      const phrase = phrases[i % phrases.length] as string;
      out.push({ text: `${noise[Math.floor(random() * noise.length)]} ${phrase} ${i}`, label });
    }
  }
  return out;
}

const dataBytes = Buffer.from('the file as read');
const options = { name: 'acme-lr', dataBytes, textColumn: 'text', labelColumn: 'category', hyperparameters: hp };

test('the same data and options give byte-identical artefacts and versions', () => {
  const a = trainIntentModel(dataset(), { ...options, oosLabel: 'oos' });
  const b = trainIntentModel(dataset(), { ...options, oosLabel: 'oos' });
  assert.ok(a.bytes.equals(b.bytes));
  assert.equal(a.version, b.version);
  assert.equal(a.version, modelVersionOf('acme-lr', a.bytes));
  assert.match(a.version, /^acme-lr-[0-9a-f]{12}$/);
});

test('the artefact carries its own name, data hash, rows, labels and held-out metrics, not BANKING77', () => {
  const trained = trainIntentModel(dataset(), { ...options, oosLabel: 'oos' });
  const { header } = decodeArtefact(trained.bytes);
  assert.equal(header.name, 'acme-lr');
  assert.equal(header.oosLabel, 'oos');
  assert.equal(header.oosThreshold, trained.threshold);
  const training = header.training as Record<string, unknown>;
  assert.equal(training.dataSha256, createHash('sha256').update(dataBytes).digest('hex'));
  assert.equal(training.rows, 80);
  assert.equal(training.trainRows, 64);
  assert.equal(training.heldOutRows, 16);
  assert.equal(training.labels, 4);
  assert.equal(training.oosLabel, 'oos');
  assert.deepEqual(training.heldOut, JSON.parse(JSON.stringify(trained.heldOut)));
  assert.ok(!JSON.stringify(header).includes('BANKING77'));
});

test('out-of-scope rows are learned: chatter is flagged, intents are not, on the held-out rows', () => {
  const trained = trainIntentModel(dataset(), { ...options, oosLabel: 'oos' });
  assert.equal(trained.heldOut.oosRows, 4);
  assert.equal(trained.heldOut.inScopeRows, 12);
  assert.equal(trained.heldOut.oosRecall, 1);
  assert.equal(trained.heldOut.inScopeAccuracy, 1);
  const model = IntentModel.fromBytes(trained.bytes);
  const chatter = model.classify('hey tell me a joke');
  assert.equal(chatter.outOfScope, true);
  assert.equal(chatter.intent, 'oos');
  const lost = model.classify('i lost my card');
  assert.equal(lost.outOfScope, false);
  assert.equal(lost.intent, 'card_lost');
});

test('the calibrated threshold keeps false out-of-scope within the target on the held-out rows', () => {
  const trained = trainIntentModel(
    dataset().filter((e) => e.label !== 'oos'),
    { ...options, targetFalseOosRate: 0.1 },
  );
  assert.ok(trained.heldOut.falseOosRate <= 0.1, `false out-of-scope ${trained.heldOut.falseOosRate}`);
  assert.equal(trained.heldOut.oosRecall, null);
  assert.equal(decodeArtefact(trained.bytes).header.oosLabel, undefined);
});

test('a bad model name is refused', () => {
  assert.throws(() => trainIntentModel(dataset(), { ...options, name: 'Has Spaces' }), /not allowed/);
});

test('a truncated or damaged artefact is refused with a clear error', () => {
  const { bytes } = trainIntentModel(dataset(), options);
  const corrupt = (b: Buffer) => assert.throws(() => IntentModel.fromBytes(b), CorruptArtefactError);
  corrupt(bytes.subarray(0, bytes.length - 100));
  corrupt(bytes.subarray(0, 20));
  const headerDamaged = Buffer.from(bytes);
  headerDamaged[14] = 0x7b; // a '{' inside the header's JSON
  corrupt(headerDamaged);
  const lengthDamaged = Buffer.from(bytes);
  lengthDamaged.writeUInt32LE(0xffffff, 8);
  corrupt(lengthDamaged);
});

test('the languages a model was trained on are kept in its header, checked at load, and English when absent', () => {
  const english = IntentModel.fromBytes(trainIntentModel(dataset(), options).bytes);
  assert.deepEqual(english.languages, ['en']);
  const { bytes } = trainIntentModel(dataset(), { ...options, languages: ['es', 'pt'] });
  assert.deepEqual(IntentModel.fromBytes(bytes).languages, ['es', 'pt']);
  const artefact = decodeArtefact(bytes);
  for (const languages of [[], ['Spanish'], [7]] as unknown as string[][]) {
    const damaged = encodeArtefact({ ...artefact, header: { ...artefact.header, languages } });
    assert.throws(() => IntentModel.fromBytes(damaged), /its languages are not a list of ISO 639 language codes/);
  }
});
