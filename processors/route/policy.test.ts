import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { Priority } from '../../schemas/index.js';
import { decideRouting, queueName, type RouteSettings, type RoutingInput } from './policy.js';

const fixture = sampleEvents.ResponseDrafted;
const RECEIVED = fixture.interaction.receivedAt;

const settings: RouteSettings = {
  autoReplyIntents: ['billing.refund', 'card_delivery_estimate'],
  autoReplyThreshold: 0.8,
  intentGroups: {},
  queueLanguages: ['en', 'es'],
};

/** The fixture made eligible for an automatic reply; each test breaks one condition. */
function eligible(
  overrides: {
    confidence?: number;
    holding?: boolean;
    intent?: string;
    outOfScope?: boolean;
    languageSupported?: boolean;
    sentiment?: 'NEGATIVE' | 'NEUTRAL' | 'POSITIVE' | 'MIXED' | 'UNKNOWN';
    priority?: Priority;
    language?: string;
  } = {},
): RoutingInput {
  return {
    interaction: fixture.interaction,
    enrichment: {
      ...fixture.enrichment,
      language: overrides.language ?? 'en',
      sentiment: { score: overrides.sentiment === 'NEGATIVE' ? -0.6 : 0.1, label: overrides.sentiment ?? 'NEUTRAL' },
    },
    classification: {
      ...fixture.classification,
      intent: overrides.intent ?? 'billing.refund',
      outOfScope: overrides.outOfScope ?? false,
      languageSupported: overrides.languageSupported ?? true,
      priority: overrides.priority ?? 'P3',
    },
    draft: {
      ...fixture.draft,
      confidence: overrides.confidence ?? 0.85,
      holding: overrides.holding ?? false,
    },
  };
}

test('a confident draft on an allowed intent from a customer who is not unhappy is sent automatically', () => {
  const routing = decideRouting(eligible(), settings);
  assert.deepEqual(routing, {
    decision: 'AUTO_REPLY',
    queue: 'payments-en',
    priority: 'P3',
    firstResponseDueAt: RECEIVED + 480 * 60_000,
    reasons: ['confident_draft', 'auto_reply_intent', 'sentiment_not_negative'],
  });
});

test('confidence exactly at the threshold is enough', () => {
  assert.equal(decideRouting(eligible({ confidence: 0.8 }), settings).decision, 'AUTO_REPLY');
});

const blockers: Array<[string, Parameters<typeof eligible>[0], string]> = [
  ['out of scope', { outOfScope: true }, 'out_of_scope'],
  ['language the intent model cannot read', { languageSupported: false }, 'language_not_supported'],
  ['holding draft', { holding: true }, 'holding_draft'],
  ['low confidence', { confidence: 0.79 }, 'low_confidence'],
  ['intent not on the list', { intent: 'lost_or_stolen_card' }, 'intent_not_auto_reply'],
  ['negative sentiment', { sentiment: 'NEGATIVE' }, 'negative_sentiment'],
];
for (const [name, overrides, reason] of blockers) {
  test(`${name} sends the interaction to a person with reason ${reason}`, () => {
    const routing = decideRouting(eligible(overrides), settings);
    assert.equal(routing.decision, 'HUMAN');
    assert.deepEqual(routing.reasons, [reason]);
  });
}

test('every failed condition is listed, in rule order', () => {
  const routing = decideRouting(
    eligible({ outOfScope: true, holding: true, confidence: 0, intent: 'unknown', sentiment: 'NEGATIVE' }),
    settings,
  );
  assert.deepEqual(routing.reasons, [
    'out_of_scope',
    'holding_draft',
    'low_confidence',
    'intent_not_auto_reply',
    'negative_sentiment',
  ]);
});

test('a language the intent model cannot read goes to the generalists of that language, whatever the intent', () => {
  const routing = decideRouting(
    eligible({ languageSupported: false, intent: 'unknown', language: 'es', confidence: 0.9 }),
    settings,
  );
  assert.equal(routing.decision, 'HUMAN');
  assert.equal(routing.queue, 'general-es');
  assert.ok(routing.reasons.includes('language_not_supported'));
});

test('mixed or unknown sentiment does not block; only negative does', () => {
  assert.equal(decideRouting(eligible({ sentiment: 'MIXED' }), settings).decision, 'AUTO_REPLY');
  assert.equal(decideRouting(eligible({ sentiment: 'UNKNOWN' }), settings).decision, 'AUTO_REPLY');
});

test('the default settings never reply automatically', () => {
  const routing = decideRouting(eligible({ confidence: 1 }));
  assert.equal(routing.decision, 'HUMAN');
  assert.deepEqual(routing.reasons, ['intent_not_auto_reply']);
});

test('a NaN threshold or confidence blocks', () => {
  assert.equal(decideRouting(eligible(), { ...settings, autoReplyThreshold: Number.NaN }).decision, 'HUMAN');
  assert.deepEqual(decideRouting(eligible({ confidence: Number.NaN }), settings).reasons, ['low_confidence']);
});

test('the queue follows the intent group and the language; P1 goes to the urgent queue', () => {
  assert.equal(
    decideRouting(eligible({ intent: 'lost_or_stolen_card', priority: 'P1' }), settings).queue,
    'cards-urgent-en',
  );
  assert.deepEqual(decideRouting(eligible({ intent: 'lost_or_stolen_card', priority: 'P1' }), settings).reasons, [
    'intent_not_auto_reply',
    'urgent_priority',
  ]);
  assert.equal(
    decideRouting(eligible({ intent: 'failed_transfer', language: 'es-MX' }), settings).queue,
    'transfers-es',
  );
  assert.equal(decideRouting(eligible({ intent: 'passcode_forgotten', language: 'fr' }), settings).queue, 'account-en');
  assert.equal(decideRouting(eligible({ intent: 'no.idea' }), settings).queue, 'general-en');
  assert.equal(
    decideRouting(eligible({ intent: 'card_not_working', outOfScope: true, language: 'es' }), settings).queue,
    'general-es',
    'an out-of-scope guess does not pick the team',
  );
  assert.equal(queueName('cards', 'P2', 'de', []), 'cards-en');
});

test('the priority is the classifier’s and the deadline comes from the customer’s policy for it', () => {
  const cases: Array<[Priority, number | null]> = [
    ['P1', RECEIVED + 30 * 60_000],
    ['P2', RECEIVED + 120 * 60_000],
    ['P3', RECEIVED + 480 * 60_000],
    ['P4', null],
  ];
  for (const [priority, due] of cases) {
    const routing = decideRouting(eligible({ priority, sentiment: 'NEGATIVE' }), settings);
    assert.equal(routing.priority, priority);
    assert.equal(routing.firstResponseDueAt, due, priority);
  }
});

test('a priority without an SLA target says so among the reasons', () => {
  const routing = decideRouting(eligible({ priority: 'P4' }), settings);
  assert.equal(routing.decision, 'AUTO_REPLY');
  assert.equal(routing.firstResponseDueAt, null);
  assert.deepEqual(routing.reasons.at(-1), 'no_sla_target');
});

test('the deadline runs from receipt, not from when routing ran', () => {
  const late = eligible();
  const routing = decideRouting({ ...late, interaction: { ...late.interaction, receivedAt: 0 } }, settings);
  assert.equal(routing.firstResponseDueAt, 480 * 60_000);
});
