import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decodeArtefact } from '../classify/artefact.js';
import { DEFAULT_MODEL_PATH } from '../classify/model.js';
import { BANKING77_GROUPS, intentGroup } from './intent-groups.js';

test('every class of the shipped intent model has a group, and the table holds nothing else', () => {
  const classes = decodeArtefact(readFileSync(DEFAULT_MODEL_PATH)).header.classes;
  assert.equal(classes.length, 77);
  const unplaced = classes.filter((c) => !BANKING77_GROUPS.has(c));
  assert.deepEqual(unplaced, []);
  assert.equal(BANKING77_GROUPS.size, 77);
});

test('BANKING77 intents map to their team', () => {
  assert.equal(intentGroup('lost_or_stolen_card'), 'cards');
  assert.equal(intentGroup('transaction_charged_twice'), 'payments');
  assert.equal(intentGroup('Refund_not_showing_up'), 'payments');
  assert.equal(intentGroup('failed_transfer'), 'transfers');
  assert.equal(intentGroup('passcode_forgotten'), 'account');
  assert.equal(intentGroup('exchange_rate'), 'general');
});

test('dotted intents map by their first segment; unknown ones go to general', () => {
  assert.equal(intentGroup('billing.refund'), 'payments');
  assert.equal(intentGroup('account.password_reset'), 'account');
  assert.equal(intentGroup('shipping.late'), 'general');
  assert.equal(intentGroup('unknown'), 'general');
  assert.equal(intentGroup('constructor'), 'general');
});

test('the org’s own mapping wins, by exact intent, then by prefix', () => {
  const overrides = { 'billing.refund': 'refunds', shipping: 'logistics', lost_or_stolen_card: 'security' };
  assert.equal(intentGroup('billing.refund', overrides), 'refunds');
  assert.equal(intentGroup('billing.invoice', overrides), 'payments');
  assert.equal(intentGroup('shipping.late', overrides), 'logistics');
  assert.equal(intentGroup('lost_or_stolen_card', overrides), 'security');
});
