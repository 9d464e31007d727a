import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type InteractionClassified, type InteractionEnriched } from '../../schemas/index.js';
import { handleOne } from '../testing/stage-harness.js';
import { defaultModel, IntentModel } from './model.js';
import { classifierText, classifyStage, priorityTierOf } from './stage.js';
import { trainIntentModel } from './train-model.js';

async function classifyOne(input: InteractionEnriched): Promise<InteractionClassified> {
  const out = await handleOne(classifyStage(), input);
  assert.equal(out.length, 1);
  const event = out[0]!;
  // Throws when the output does not fit the schema.
  eventCatalog().encode('InteractionClassified', event);
  return event;
}

function withText(body: string, subject: string | null = null): InteractionEnriched {
  const base = sampleEvents.InteractionEnriched;
  return { ...base, enrichment: { ...base.enrichment, redactedSubject: subject, redactedBody: body } };
}

test('the fixture is classified by the shipped model, carrying everything forward', async () => {
  const input = sampleEvents.InteractionEnriched;
  const out = await classifyOne(input);
  const expected = defaultModel().classify(classifierText(input.enrichment));
  assert.equal(out.classification.intent, expected.intent);
  assert.equal(out.classification.confidence, expected.confidence);
  assert.equal(out.classification.outOfScope, expected.outOfScope);
  assert.equal(out.classification.modelVersion, defaultModel().modelVersion);
  assert.equal(out.meta.causationId, input.meta.eventId);
  assert.equal(out.meta.orgId, input.meta.orgId);
  assert.deepEqual(out.interaction, input.interaction);
  assert.deepEqual(out.enrichment, input.enrichment);
});

test('the model reads the subject and body without redaction placeholders', () => {
  assert.equal(
    classifierText({ redactedSubject: 'Card [CARD] lost', redactedBody: 'Mail me at [EMAIL] please' }),
    'Card lost\nMail me at please',
  );
  assert.equal(classifierText({ redactedSubject: null, redactedBody: 'hello' }), 'hello');
});

test('a clear banking request gets its intent, in scope', async () => {
  const out = await classifyOne(withText('I lost my card yesterday, please block it', 'Lost card'));
  assert.equal(out.classification.intent, 'lost_or_stolen_card');
  assert.equal(out.classification.outOfScope, false);
  assert.equal(out.classification.priority, 'P1');
});

test('text the model is not confident about is out of scope by the threshold of the model', async () => {
  const model = defaultModel();
  const text = 'xyzzy plugh';
  const expected = model.classify(text);
  const out = await classifyOne(withText(text));
  assert.equal(out.classification.outOfScope, expected.confidence < model.oosThreshold);
  // A threshold of 1 makes everything out of scope.
  const strict = await handleOne(classifyStage({ model: model.withThreshold(1) }), withText(text));
  assert.equal(strict[0]!.classification.outOfScope, true);
});

function inLanguage(body: string, language: string, languageConfidence: number): InteractionEnriched {
  const base = withText(body);
  return { ...base, enrichment: { ...base.enrichment, language, languageConfidence } };
}

test('a message in a language the model was not trained on has an unknown intent, not out of scope', async () => {
  const spanish = 'Devolví un pedido hace dos semanas y todavía no he recibido el reembolso';
  const out = await classifyOne(inLanguage(spanish, 'es', 0.9));
  assert.deepEqual(
    [out.classification.intent, out.classification.confidence, out.classification.outOfScope],
    ['unknown', 0, false],
  );
  assert.equal(out.classification.languageSupported, false);
  assert.equal(out.classification.modelVersion, defaultModel().modelVersion);
  // Weakly told or undetermined languages are read by the model as before.
  for (const [language, confidence] of [
    ['es', 0.5],
    ['und', 0],
  ] as const) {
    const guessed = await classifyOne(inLanguage(spanish, language, confidence));
    assert.equal(guessed.classification.languageSupported, true);
    assert.equal(guessed.classification.confidence, defaultModel().classify(spanish).confidence);
  }
  const english = await classifyOne(inLanguage('I lost my card yesterday, please block it', 'en', 0.95));
  assert.deepEqual(
    [english.classification.intent, english.classification.languageSupported],
    ['lost_or_stolen_card', true],
  );
});

test('a model trained on Spanish reads Spanish', async () => {
  const rows = [
    ['quiero mi reembolso del pedido', 'refund'],
    ['no he recibido el reembolso todavía', 'refund'],
    ['devolución y reembolso de mi compra', 'refund'],
    ['perdí mi tarjeta ayer', 'lost_card'],
    ['me robaron la tarjeta de crédito', 'lost_card'],
    ['bloquear mi tarjeta perdida', 'lost_card'],
  ];
  const examples = Array.from({ length: 4 }, () =>
    rows.map(([text, label]) => ({ text: text!, label: label! })),
  ).flat();
  const trained = trainIntentModel(examples, {
    name: 'es-test',
    dataBytes: Buffer.from('es'),
    textColumn: 'text',
    labelColumn: 'category',
    languages: ['es', 'en'],
  });
  const model = IntentModel.fromBytes(trained.bytes);
  assert.deepEqual(model.languages, ['es', 'en']);
  const out = await handleOne(classifyStage({ model }), inLanguage('no he recibido el reembolso', 'es', 0.9));
  assert.equal(out[0]!.classification.languageSupported, true);
  assert.equal(out[0]!.classification.intent, 'refund');
  assert.equal(model.reads('de', 0.9), false);
});

test('sentiment and tier from the enrichment move the priority', async () => {
  const base = withText('How do I top up by bank transfer? Is there a limit?');
  const calm: InteractionEnriched = {
    ...base,
    enrichment: {
      ...base.enrichment,
      sentiment: { score: 0.1, label: 'NEUTRAL' },
      customer: { ...base.enrichment.customer, tier: 'STANDARD' },
    },
  };
  const angryEnterprise: InteractionEnriched = {
    ...calm,
    enrichment: {
      ...calm.enrichment,
      sentiment: { score: -0.8, label: 'NEGATIVE' },
      customer: { ...calm.enrichment.customer, tier: 'ENTERPRISE' },
    },
  };
  const low = (await classifyOne(calm)).classification.priority;
  const high = (await classifyOne(angryEnterprise)).classification.priority;
  assert.equal(Number(high.slice(1)), Number(low.slice(1)) - 2);
});

test('every schema tier maps onto a tier the priority rules know', () => {
  assert.equal(priorityTierOf('ENTERPRISE'), 'enterprise');
  assert.equal(priorityTierOf('PREMIUM'), 'business');
  assert.equal(priorityTierOf('STANDARD'), 'standard');
  assert.equal(priorityTierOf('FREE'), 'free');
  assert.equal(priorityTierOf('UNKNOWN'), 'standard');
});

test('each org is classified by its own model from the source, before and after it is first read', async () => {
  const own = trainIntentModel(
    ['size chart', 'queen size', 'king size', 'what sizes', 'size guide'].flatMap((t) => [
      { text: t, label: 'size' },
      { text: `${t} delivery`.replace('size', 'arrive'), label: 'delivery' },
    ]),
    { name: 'acme-lr', dataBytes: Buffer.from('x'), textColumn: 'text', labelColumn: 'category' },
  );
  const acme = IntentModel.fromBytes(own.bytes);
  let first = true;
  const stage = classifyStage({
    models: {
      modelFor: (orgId) => {
        const model = orgId === 'acme' ? acme : defaultModel();
        if (!first) return model;
        first = false;
        return Promise.resolve(model); // as before the registry's first answer
      },
    },
  });
  const base = withText('queen size please');
  for (const orgId of ['acme', 'acme', 'other']) {
    const [out] = await handleOne(stage, { ...base, meta: { ...base.meta, orgId } });
    const expected = orgId === 'acme' ? acme.modelVersion : defaultModel().modelVersion;
    assert.equal(out!.classification.modelVersion, expected, orgId);
  }
});
