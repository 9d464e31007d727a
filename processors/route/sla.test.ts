import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SlaPolicy } from '../../schemas/index.js';
import { firstResponseDueAt, targetMinutes } from './sla.js';

const policy: SlaPolicy = {
  policyId: 'sla-premium',
  name: 'Premium',
  firstResponseMinutes: { P1: 30, P2: 120, P3: 480, P4: 0.5 },
};
const received = Date.UTC(2025, 0, 15, 23, 45, 0);

test('the deadline is receivedAt plus the minutes the policy sets for the priority', () => {
  assert.equal(firstResponseDueAt(received, policy, 'P1'), Date.UTC(2025, 0, 16, 0, 15, 0));
  assert.equal(firstResponseDueAt(received, policy, 'P2'), Date.UTC(2025, 0, 16, 1, 45, 0));
  assert.equal(firstResponseDueAt(received, policy, 'P3'), received + 8 * 3_600_000);
  assert.equal(firstResponseDueAt(received, policy, 'P4'), received + 30_000);
});

test('no entry for the priority means no deadline', () => {
  const noP4: SlaPolicy = { ...policy, firstResponseMinutes: { P1: 30 } };
  assert.equal(firstResponseDueAt(received, noP4, 'P4'), null);
});

test('a broken target (negative, not finite) gives no deadline rather than a wrong one; zero is immediate', () => {
  const broken: SlaPolicy = {
    ...policy,
    firstResponseMinutes: { P1: -5, P2: Number.NaN, P3: Number.POSITIVE_INFINITY, P4: 0 },
  };
  assert.equal(targetMinutes(broken, 'P1'), null);
  assert.equal(targetMinutes(broken, 'P2'), null);
  assert.equal(targetMinutes(broken, 'P3'), null);
  assert.equal(firstResponseDueAt(received, broken, 'P4'), received);
});

test('only the policy’s own entries count', () => {
  const odd: SlaPolicy = { ...policy, firstResponseMinutes: Object.create({ P1: 10 }) as Record<string, number> };
  assert.equal(targetMinutes(odd, 'P1'), null);
});
