/**
 * The enrich stage: from an interaction as received to one every later stage can work on without the raw
 * text. Personal data is redacted from the subject, the body and the attachments' file names (people name
 * files after themselves: jo@example.com-passport.pdf); the language and sentiment are read from the redacted
 * text; the customer's context is attached. The received event stays the only one holding the original.
 */
import {
  eventCatalog,
  type InteractionEnriched,
  type InteractionReceived,
  type InteractionSummary,
} from '../../schemas/index.js';
import type { Stage } from '../runtime/stage.js';
import type { CustomerContextLookup } from './context.js';
import { detectLanguage } from './language.js';
import { kindsAcross, redactPii } from './pii.js';
import { scoreSentiment } from './sentiment.js';

export const ENRICH_STAGE = 'enrich';
export const ENRICH_VERSION = '1.0.0';

export interface EnrichDependencies {
  readonly lookupCustomerContext: CustomerContextLookup;
}

export function enrichStage(deps: EnrichDependencies): Stage<InteractionReceived, InteractionEnriched> {
  return {
    name: ENRICH_STAGE,
    version: ENRICH_VERSION,
    inputSchema: eventCatalog().get('InteractionReceived').schema,
    async handle(event, context) {
      const customer = await deps.lookupCustomerContext(event.meta.orgId, event.customer.customerId);
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
      return [
        {
          meta: context.derive(),
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
        },
      ];
    },
  };
}
