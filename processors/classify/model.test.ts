import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { classify, DEFAULT_MODEL_PATH, defaultModel, topK } from './model.js';
import { PLACED_INTENTS } from './priority.js';

test('the shipped model recognises obvious banking requests', () => {
  const cases: [string, string][] = [
    ['I lost my card', 'lost_or_stolen_card'],
    ['My card was stolen', 'lost_or_stolen_card'],
    ['what is the exchange rate', 'exchange_rate'],
    ['How do I change my PIN?', 'change_pin'],
    ['My card has not arrived yet', 'card_arrival'],
    ['The ATM swallowed my card', 'card_swallowed'],
    ['I want to close my account', 'terminate_account'],
    ['I was charged twice for the same purchase', 'transaction_charged_twice'],
    ['How old do you need to be to open an account?', 'age_limit'],
  ];
  for (const [text, intent] of cases) {
    const c = classify(text);
    assert.equal(c.intent, intent, text);
    assert.equal(c.outOfScope, false, text);
    assert.ok(c.confidence > 0.5, `${text}: ${c.confidence}`);
  }
});

test('gibberish, empty and off-topic texts get low confidence and are out of scope', () => {
  for (const text of ['asdf qwer zxcv', '', '!!!???', 'play some jazz music', 'tell me a joke', 'lorem ipsum dolor']) {
    const c = classify(text);
    assert.equal(c.outOfScope, true, `${JSON.stringify(text)}: ${c.intent} ${c.confidence}`);
    assert.ok(c.confidence < defaultModel().oosThreshold);
  }
});

test('the result ranks three intents, best first, and carries the model version', () => {
  const c = classify('How do I top up with Apple Pay?');
  assert.equal(c.ranked.length, 3);
  assert.equal(c.ranked[0]?.intent, c.intent);
  assert.equal(c.ranked[0]?.confidence, c.confidence);
  assert.ok(c.ranked.every((r, i) => i === 0 || r.confidence <= (c.ranked[i - 1]?.confidence ?? 1)));
  assert.match(c.modelVersion, /^banking77-lr-[0-9a-f]{12}$/);
  const p = defaultModel().probabilities('How do I top up with Apple Pay?');
  assert.ok(Math.abs(p.reduce((s, x) => s + x, 0) - 1) < 1e-9);
});

test('the shipped artefact is small, has all 77 intents, and every intent has a priority rule', () => {
  assert.ok(statSync(DEFAULT_MODEL_PATH).size < 6 * 1024 * 1024);
  const model = defaultModel();
  assert.equal(model.classes.length, 77);
  assert.deepEqual(
    model.classes.filter((c) => !PLACED_INTENTS.has(c)),
    [],
  );
});

test('the model card names the shipped model version', () => {
  const card = readFileSync(path.join(path.dirname(DEFAULT_MODEL_PATH), 'MODEL_CARD.md'), 'utf8');
  assert.ok(
    card.includes(defaultModel().modelVersion),
    `MODEL_CARD.md does not mention ${defaultModel().modelVersion}`,
  );
});

test('a lower threshold only changes the out-of-scope flag', () => {
  const strict = defaultModel();
  const lenient = strict.withThreshold(0);
  const a = strict.classify('play some jazz music');
  const b = lenient.classify('play some jazz music');
  assert.deepEqual({ ...a, outOfScope: false }, b);
});

test('topK breaks ties by class order', () => {
  assert.deepEqual(topK(Float64Array.from([0.1, 0.3, 0.3, 0.2]), 3), [1, 2, 3]);
  assert.deepEqual(topK(Float64Array.from([0.5]), 3), [0]);
});
