import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type ResponseDrafted } from '../../schemas/index.js';
import { handleOne } from '../testing/stage-harness.js';
import { routeStage } from './stage.js';

const fixture = sampleEvents.ResponseDrafted;

test('the fixture (negative sentiment, default settings) goes to a person, as a valid RoutingDecided', async () => {
  const [out, ...rest] = await handleOne(routeStage(), fixture);
  assert.equal(rest.length, 0);
  eventCatalog().encode('RoutingDecided', out!);
  assert.equal(out!.routing.decision, 'HUMAN');
  assert.deepEqual(out!.routing.reasons, ['intent_not_auto_reply', 'negative_sentiment']);
  assert.equal(out!.routing.queue, 'payments-en');
  assert.equal(out!.routing.firstResponseDueAt, fixture.interaction.receivedAt + 120 * 60_000);
  assert.deepEqual(out!.draft, fixture.draft);
  assert.equal(out!.meta.causationId, fixture.meta.eventId);
});

test('org settings come from the injected lookup, per org, merged over the defaults', async () => {
  const asked: string[] = [];
  const stage = routeStage({
    settings: async (orgId) => {
      asked.push(orgId);
      return { autoReplyIntents: ['billing.refund'], autoReplyThreshold: 0.5 };
    },
  });
  const happy: ResponseDrafted = {
    ...fixture,
    enrichment: { ...fixture.enrichment, sentiment: { score: 0.2, label: 'POSITIVE' } },
  };
  const [out] = await handleOne(stage, happy);
  eventCatalog().encode('RoutingDecided', out!);
  assert.deepEqual(asked, ['org-acme']);
  assert.equal(out!.routing.decision, 'AUTO_REPLY');
  assert.equal(out!.routing.queue, 'payments-en');
});

test('settings left undefined by the lookup keep their defaults', async () => {
  const stage = routeStage({ settings: () => ({ autoReplyIntents: undefined, queueLanguages: undefined }) });
  const [out] = await handleOne(stage, fixture);
  eventCatalog().encode('RoutingDecided', out!);
  assert.equal(out!.routing.queue, 'payments-en');
});
