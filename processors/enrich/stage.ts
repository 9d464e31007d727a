/**
 * The enrich stage: from an interaction as received to one every later stage can work on without the raw
 * text. Personal data is redacted from the subject, the body and the attachments' file names (people name
 * files after themselves: jo@example.com-passport.pdf); the language and sentiment are read from the redacted
 * text; the customer's context is attached, read for the whole batch in one query. The received event stays the
 * only one holding the original.
 */
import type {
  CustomerContext,
  InteractionEnriched,
  InteractionReceived,
  InteractionSummary,
} from '../../schemas/index.js';
import { failed, type BatchStage, type ItemResult } from '../runtime/stage.js';
import { CustomerContexts } from './customers.js';
import { detectLanguage } from './language.js';
import { kindsAcross, redactPii } from './pii.js';
import { scoreSentiment } from './sentiment.js';

export const ENRICH_STAGE = 'enrich';
export const ENRICH_VERSION = '1.1.0';

/** What enrich needs of the customer records: a context per customer of a batch. */
export type CustomerLookup = Pick<CustomerContexts, 'lookup'>;

export interface EnrichDependencies {
  readonly customers: CustomerLookup;
}

export function enrichStage(deps: EnrichDependencies): BatchStage<InteractionReceived, InteractionEnriched> {
  return {
    name: ENRICH_STAGE,
    version: ENRICH_VERSION,
    consumes: ['InteractionReceived'],
    emits: 'InteractionEnriched',
    async handleBatch(items) {
      const contexts = await deps.customers.lookup(
        items.map(({ event }) => ({ orgId: event.meta.orgId, customerId: event.customer.customerId })),
      );
      return items.map(({ event, context }): ItemResult<InteractionEnriched> => {
        const customer = contexts.get(
          CustomerContexts.key({ orgId: event.meta.orgId, customerId: event.customer.customerId }),
        );
        if (!customer) return failed(new Error('no customer context was looked up for this interaction'));
        if (customer instanceof Error) return failed(customer);
        return [{ ...enrich(event, customer), meta: context.derive() }];
      });
    },
  };
}

/** Everything of the enriched event but its envelope: redaction, language, sentiment, the given context. */
export function enrich(event: InteractionReceived, customer: CustomerContext): Omit<InteractionEnriched, 'meta'> {
  const subject = event.subject === null ? null : redactPii(event.subject);
  const body = redactPii(event.body);
  const fileNames = event.attachments.map((a) => redactPii(a.fileName));
  // The subject alone is often too short to tell a language by, and it is part of what the customer said.
  const text = [subject?.text, body.text].filter((t) => t !== undefined && t !== '').join('\n');
  const language = detectLanguage(text, event.localeHint);
  const interaction: InteractionSummary = {
    interactionId: event.meta.eventId,
    channel: event.channel,
    customer: event.customer,
    receivedAt: event.meta.occurredAt,
    attachments: event.attachments.map((a, i) => ({ ...a, fileName: fileNames[i]!.text })),
  };
  return {
    interaction,
    enrichment: {
      redactedSubject: subject?.text ?? null,
      redactedBody: body.text,
      piiKinds: kindsAcross([subject, body, ...fileNames]),
      language: language.language,
      languageConfidence: language.confidence,
      sentiment: scoreSentiment(text, language.language),
      customer,
    },
  };
}
