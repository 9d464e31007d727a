/**
 * The routing decision: send the draft automatically, or hand the interaction to a person, in which
 * queue, by when, and why. A pure rule function, like classify's priority rules, so support leads can read
 * and predict it; every decision lists the codes of the rules that produced it.
 *
 * A draft is sent automatically only when all of these hold, and each one that fails is a reason:
 *  - out_of_scope: the interaction is nothing this desk handles;
 *  - language_not_supported: the org's intent model cannot read the message's language, so its intent is unknown;
 *  - holding_draft: the draft acknowledges without answering;
 *  - low_confidence: the draft's confidence is under the org's threshold;
 *  - intent_not_auto_reply: the org has not allowed automatic replies for the intent;
 *  - negative_sentiment: an unhappy customer gets a person, however good the answer.
 *
 * The priority is the classifier's: it already raised it for tier, sentiment and urgency, and raising it
 * again here would count the same signal twice. When enrich could not read the customer's records
 * (customer_context_last_known, customer_context_unavailable), the decision says so: its SLA deadline rests on
 * an older or an empty context.
 */
import type { Priority, ResponseDrafted, Routing } from '../../schemas/index.js';
import { baseLanguage } from '../retrieve/terms.js';
import { intentGroup } from './intent-groups.js';
import { firstResponseDueAt } from './sla.js';

export interface RouteSettings {
  /** Intents whose drafts may be sent without review; empty means never. */
  autoReplyIntents: readonly string[];
  /** Draft confidence from which a draft may be sent without review, 0 to 1. */
  autoReplyThreshold: number;
  /** The org's own intent (or dotted prefix) → group, before the defaults. */
  intentGroups: Readonly<Record<string, string>>;
  /** Languages that have their own queues; other languages go to the first one's. */
  queueLanguages: readonly string[];
}

/** Nothing is sent without review until an org opts intents in. */
export const DEFAULT_ROUTE_SETTINGS: RouteSettings = {
  autoReplyIntents: [],
  autoReplyThreshold: 0.8,
  intentGroups: {},
  queueLanguages: ['en'],
};

export type RoutingInput = Pick<ResponseDrafted, 'interaction' | 'enrichment' | 'classification' | 'draft'>;

/** `<group>-<language>`, with `-urgent` for P1 so the most urgent tickets never wait behind the rest. */
export function queueName(
  group: string,
  priority: Priority,
  language: string,
  queueLanguages: readonly string[],
): string {
  const base = baseLanguage(language);
  const lang = queueLanguages.includes(base) ? base : (queueLanguages[0] ?? 'en');
  return `${group}${priority === 'P1' ? '-urgent' : ''}-${lang}`;
}

/** Why the draft may not be sent automatically, in rule order; empty when it may. */
export function autoReplyBlockers(input: RoutingInput, settings: RouteSettings): string[] {
  const { classification, draft, enrichment } = input;
  const blockers: string[] = [];
  if (classification.outOfScope) blockers.push('out_of_scope');
  if (!classification.languageSupported) blockers.push('language_not_supported');
  if (draft.holding) blockers.push('holding_draft');
  // Written as a negation so that a NaN threshold or confidence blocks rather than allows.
  if (!(draft.confidence >= settings.autoReplyThreshold)) blockers.push('low_confidence');
  if (!settings.autoReplyIntents.includes(classification.intent)) blockers.push('intent_not_auto_reply');
  if (enrichment.sentiment.label === 'NEGATIVE') blockers.push('negative_sentiment');
  return blockers;
}

export function decideRouting(input: RoutingInput, settings: RouteSettings = DEFAULT_ROUTE_SETTINGS): Routing {
  const { interaction, enrichment, classification } = input;
  const priority = classification.priority;
  const blockers = autoReplyBlockers(input, settings);
  const decision = blockers.length === 0 ? 'AUTO_REPLY' : 'HUMAN';
  const dueAt = firstResponseDueAt(interaction.receivedAt, enrichment.customer.slaPolicy, priority);
  const reasons =
    decision === 'AUTO_REPLY' ? ['confident_draft', 'auto_reply_intent', 'sentiment_not_negative'] : blockers;
  if (decision === 'HUMAN' && priority === 'P1') reasons.push('urgent_priority');
  if (dueAt === null) reasons.push('no_sla_target');
  if (enrichment.customer.source === 'LAST_KNOWN') reasons.push('customer_context_last_known');
  if (enrichment.customer.source === 'UNAVAILABLE') reasons.push('customer_context_unavailable');
  return {
    decision,
    queue: queueName(
      // An out-of-scope intent is only the model's least bad guess, and an unread language has none; a
      // generalist triages rather than a team that would have to pass it on.
      classification.outOfScope || !classification.languageSupported
        ? 'general'
        : intentGroup(classification.intent, settings.intentGroups),
      priority,
      enrichment.language,
      settings.queueLanguages,
    ),
    priority,
    firstResponseDueAt: dueAt,
    reasons,
  };
}
