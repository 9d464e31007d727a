import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decidePriority, normalizeTier } from './priority.js';

test('security intents are P1 on their own', () => {
  for (const intent of ['lost_or_stolen_card', 'compromised_card', 'card_payment_not_recognised']) {
    const d = decidePriority({ intent });
    assert.equal(d.priority, 'P1', intent);
    assert.match(d.reasons[0] as string, /security risk/);
  }
});

test('base levels: money stuck P2, problem P3, question P4, no confident intent P3', () => {
  assert.equal(decidePriority({ intent: 'failed_transfer' }).priority, 'P2');
  assert.equal(decidePriority({ intent: 'pending_transfer' }).priority, 'P3');
  assert.equal(decidePriority({ intent: 'exchange_rate' }).priority, 'P4');
  assert.equal(decidePriority({ intent: 'exchange_rate', outOfScope: true }).priority, 'P3');
  assert.equal(decidePriority({}).priority, 'P3');
  assert.match(decidePriority({ intent: 'brand_new_intent' }).reasons[0] as string, /not in the priority table/);
});

test('an urgency word or three exclamation marks raises one level and says why', () => {
  const d = decidePriority({ intent: 'pending_transfer', text: 'I need this sorted ASAP' });
  assert.equal(d.priority, 'P2');
  assert.ok(d.reasons.some((r) => r.includes('"asap"')));
  assert.equal(decidePriority({ intent: 'pending_transfer', text: 'where is my money!!!' }).priority, 'P2');
  assert.equal(decidePriority({ intent: 'pending_transfer', text: 'where is my money!' }).priority, 'P3');
  assert.equal(decidePriority({ intent: 'pending_transfer', text: 'I need it right now, immediately' }).priority, 'P2');
});

test('"not urgent" cancels the urgency cues', () => {
  const d = decidePriority({ intent: 'exchange_rate', text: 'not urgent, but I need to know the rate immediately!!!' });
  assert.equal(d.priority, 'P4');
  assert.ok(d.reasons.some((r) => r.includes('not urgent')));
});

test('very negative sentiment raises one level; mild or unknown sentiment does not', () => {
  assert.equal(decidePriority({ intent: 'pending_transfer', sentiment: -0.8 }).priority, 'P2');
  assert.equal(decidePriority({ intent: 'pending_transfer', sentiment: -0.5 }).priority, 'P2');
  assert.equal(decidePriority({ intent: 'pending_transfer', sentiment: -0.3 }).priority, 'P3');
  assert.equal(decidePriority({ intent: 'pending_transfer', sentiment: Number.NaN }).priority, 'P3');
});

test('tiers: enterprise raises, business raises problems only, free lowers calm tickets, unknown is standard', () => {
  assert.equal(decidePriority({ intent: 'exchange_rate', tier: 'enterprise' }).priority, 'P3');
  assert.equal(decidePriority({ intent: 'exchange_rate', tier: 'business' }).priority, 'P4');
  assert.equal(decidePriority({ intent: 'pending_transfer', tier: 'Business' }).priority, 'P2');
  assert.equal(decidePriority({ intent: 'pending_transfer', tier: 'free' }).priority, 'P4');
  assert.equal(
    decidePriority({ intent: 'failed_transfer', tier: 'free' }).priority,
    'P2',
    'money stuck is never demoted',
  );
  assert.equal(decidePriority({ intent: 'pending_transfer', tier: 'free', text: 'urgent' }).priority, 'P2');
  const unknown = decidePriority({ intent: 'pending_transfer', tier: 'gold' });
  assert.equal(unknown.priority, 'P3');
  assert.ok(unknown.reasons.some((r) => r.includes('unknown tier "gold"')));
  assert.equal(normalizeTier(' ENTERPRISE '), 'enterprise');
  assert.equal(normalizeTier(undefined), 'standard');
});

test('escalation is capped at two levels: a question never reaches P1 on tone and tier alone', () => {
  const d = decidePriority({
    intent: 'exchange_rate',
    tier: 'enterprise',
    sentiment: -1,
    text: 'URGENT!!! tell me the rate',
  });
  assert.equal(d.priority, 'P2');
  assert.ok(d.reasons.some((r) => r.includes('capped')));
});

test('a security cue in the text makes any ticket P1, even a misread one', () => {
  for (const text of [
    'there is a fraud on my account',
    'someone hacked my account',
    'I did not make this payment',
    'I don’t recognise this transaction',
    'my wallet was stolen',
    'unauthorized withdrawal',
  ]) {
    const d = decidePriority({ intent: 'exchange_rate', text, tier: 'free' });
    assert.equal(d.priority, 'P1', text);
    assert.ok(
      d.reasons.some((r) => r.startsWith('security cue')),
      text,
    );
  }
});

test('reasons are listed in the order the rules applied', () => {
  const d = decidePriority({ intent: 'pending_transfer', sentiment: -0.9, tier: 'enterprise', text: 'asap' });
  assert.equal(d.priority, 'P1');
  assert.deepEqual(
    d.reasons.map((r) => r.split(' ')[0]),
    ['intent', 'urgency', 'very', 'enterprise', 'escalation'],
  );
});
