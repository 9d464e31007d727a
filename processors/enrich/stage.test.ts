import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sampleEvents } from '../../schemas/fixtures.js';
import { eventCatalog, type CustomerContext, type InteractionReceived } from '../../schemas/index.js';
import { deriveEventId } from '../runtime/ids.js';
import { handleOne } from '../testing/stage-harness.js';
import { CustomerContexts, type CustomerKey } from './customers.js';
import { enrichStage, type CustomerLookup } from './stage.js';

const premium = sampleEvents.InteractionEnriched.enrichment.customer;
const unknown: CustomerContext = {
  known: false,
  plan: null,
  tier: 'UNKNOWN',
  slaPolicy: { policyId: 'none', name: 'No SLA', firstResponseMinutes: {} },
  source: 'STORE',
};

/** A lookup that records what it was asked and answers from a table. */
function fakeLookup(known: Record<string, CustomerContext>): CustomerLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async lookup(keys: readonly CustomerKey[]) {
      return new Map(
        keys.map(({ orgId, customerId }) => {
          asked.push(`${orgId}/${customerId}`);
          return [CustomerContexts.key({ orgId, customerId }), known[`${orgId}/${customerId}`] ?? unknown];
        }),
      );
    },
  };
}

const received = sampleEvents.InteractionReceived;

async function enrich(event: InteractionReceived, customers: CustomerLookup = fakeLookup({})) {
  const outputs = await handleOne(enrichStage({ customers }), event);
  assert.equal(outputs.length, 1);
  const out = outputs[0]!;
  // Throws naming the invalid fields if the output does not fit the Avro schema.
  eventCatalog().encode('InteractionEnriched', out);
  return out;
}

test('the received fixture becomes a valid InteractionEnriched like the enriched fixture', async () => {
  const lookup = fakeLookup({ 'org-acme/cust-311': premium });
  const out = await enrich(received, lookup);
  const expected = sampleEvents.InteractionEnriched;
  assert.deepEqual(lookup.asked, ['org-acme/cust-311']);
  assert.deepEqual(out.interaction, expected.interaction);
  assert.equal(out.meta.causationId, received.meta.eventId);
  assert.equal(out.meta.eventId, deriveEventId(received.meta.eventId, 'enrich', 0));
  assert.equal(out.meta.orgId, received.meta.orgId);
  assert.equal(out.enrichment.redactedSubject, expected.enrichment.redactedSubject);
  assert.equal(out.enrichment.redactedBody, expected.enrichment.redactedBody);
  assert.deepEqual([...out.enrichment.piiKinds].sort(), [...expected.enrichment.piiKinds].sort());
  assert.equal(out.enrichment.language, 'en');
  assert.ok(out.enrichment.languageConfidence > 0.9);
  assert.equal(out.enrichment.sentiment.label, 'NEGATIVE');
  assert.deepEqual(out.enrichment.customer, premium);
});

test('no personal data of the received event is anywhere in the output, file names included', async () => {
  const event: InteractionReceived = {
    ...received,
    subject: 'Call me on +44 20 7946 0958',
    body: 'Pay back to DE89 3704 0044 0532 0130 00, card 5555-5555-5555-4444, or mail jo@example.com.',
    attachments: [{ ...received.attachments[0]!, fileName: 'jo@example.com passport.pdf' }],
  };
  const out = await enrich(event);
  const serialised = JSON.stringify(out);
  for (const secret of ['7946', 'DE89', '4444', 'jo@example.com']) assert.ok(!serialised.includes(secret), secret);
  assert.equal(out.enrichment.redactedSubject, 'Call me on [PHONE]');
  assert.equal(out.enrichment.redactedBody, 'Pay back to [IBAN], card [CARD], or mail [EMAIL].');
  assert.equal(out.interaction.attachments[0]!.fileName, '[EMAIL] passport.pdf');
  assert.deepEqual(out.enrichment.piiKinds, ['EMAIL', 'PHONE', 'PAYMENT_CARD', 'IBAN']);
  // Everything else about the attachment is carried as it was.
  assert.deepEqual({ ...out.interaction.attachments[0]!, fileName: '' }, { ...event.attachments[0]!, fileName: '' });
});

test('no subject, a short body and an unknown customer: hint for the language, default context', async () => {
  const event: InteractionReceived = {
    ...received,
    channel: 'CHAT',
    subject: null,
    body: 'Merci !',
    localeHint: 'fr-FR',
    attachments: [],
    customer: { customerId: 'anon-7', externalId: null },
  };
  const out = await enrich(event);
  assert.equal(out.enrichment.redactedSubject, null);
  assert.equal(out.enrichment.redactedBody, 'Merci !');
  assert.deepEqual(out.enrichment.piiKinds, []);
  assert.equal(out.enrichment.language, 'fr');
  assert.equal(out.enrichment.languageConfidence, 0.5);
  assert.equal(out.enrichment.sentiment.label, 'POSITIVE');
  assert.deepEqual(out.enrichment.customer, unknown);
  assert.equal(out.interaction.channel, 'CHAT');
  assert.deepEqual(out.interaction.attachments, []);
});

test('the language is read from subject and body together, and sentiment in that language', async () => {
  const out = await enrich({
    ...received,
    subject: 'Problème de facturation',
    body: "Bonjour, j'ai été débité deux fois et je suis très déçu.",
    localeHint: null,
  });
  assert.equal(out.enrichment.language, 'fr');
  assert.equal(out.enrichment.sentiment.label, 'NEGATIVE');
});

test('a failing lookup fails the event, for the runtime to retry', async () => {
  const failing: CustomerLookup = {
    lookup: async () => {
      throw new Error('connection refused');
    },
  };
  const stage = enrichStage({ customers: failing });
  await assert.rejects(async () => handleOne(stage, received), { message: 'connection refused' });
});
