/**
 * The classify stage: the intent of each enriched interaction from its org's active model (org-models.ts, as
 * the catalog builds it) or the shipped one (model.ts), read from the redacted subject and body only; out of
 * scope when the model is less confident than its calibrated threshold or picks its out-of-scope class (a
 * message in a language the model was not trained on is neither: its intent is unknown, and it says why); a
 * priority from the rules in priority.ts, which weigh the intent, the text's urgency and security cues, the
 * enrichment's sentiment and the customer's tier. Everything earlier is carried forward. An org's shadow model,
 * if it has one, classifies the same text beside the active one and its decision goes to the shadow tallies
 * (shadow.ts), never into the event.
 */
import {
  type CustomerTier as SchemaTier,
  type Enrichment,
  type InteractionClassified,
  type InteractionEnriched,
} from '../../schemas/index.js';
import { withoutPlaceholders } from '../retrieve/query.js';
import type { EventStage, StageContext } from '../runtime/stage.js';
import { defaultModel, IntentModel } from './model.js';
import { decidePriority, type CustomerTier as PriorityTier } from './priority.js';
import type { Decision } from './shadow.js';

export const CLASSIFY_STAGE = 'classify';
export const CLASSIFY_VERSION = '1.1.0';
/** The intent of a message the model cannot read: retrieval adds no intent words for it (retrieve/query.ts). */
export const UNKNOWN_INTENT = 'unknown';

/** Which model classifies an org's interactions; a promise only while it is still being read. */
export interface ModelSource {
  modelFor(orgId: string): IntentModel | Promise<IntentModel>;
  /** The org's shadow model, run beside the active one for comparison only. */
  shadowFor?(orgId: string): IntentModel | undefined;
}

/** Where a shadow's decisions go (shadow.ts): nowhere near the event. */
export interface ShadowObserver {
  observe(orgId: string, activeVersion: string, version: string, active: Decision, shadow: Decision): void;
}

export interface ClassifyOptions {
  /** Each org's own model (org-models.ts); takes precedence over `model`. */
  models?: ModelSource;
  /** One model for every org: the shipped model (loaded once per process) unless another is given. */
  model?: IntentModel;
  /** Receives what each org's shadow model decided; without it shadows are not run. */
  shadows?: ShadowObserver;
}

type Decided = Decision & { readonly modelVersion: string };

/**
 * What a model decides about a text in a language. A model reading words of a language it never saw answers
 * with a low confidence that looks exactly like out of scope; the message is not, and saying so would give the
 * customer a holding reply for a question the knowledge base may well answer in their language.
 */
export function decide(model: IntentModel, text: string, enrichment: Enrichment): Decided {
  if (!model.reads(enrichment.language, enrichment.languageConfidence)) {
    const unread = { intent: UNKNOWN_INTENT, confidence: 0, outOfScope: false, languageSupported: false };
    return { ...unread, modelVersion: model.modelVersion };
  }
  const { intent, confidence, outOfScope, modelVersion } = model.classify(text);
  return { intent, confidence, outOfScope, languageSupported: true, modelVersion };
}

/**
 * The event's service tier in the priority rules' terms. PREMIUM is the paying tier below enterprise, which
 * the rules call business; a customer nobody knows is treated as standard.
 */
const PRIORITY_TIER: Readonly<Record<SchemaTier, PriorityTier>> = {
  ENTERPRISE: 'enterprise',
  PREMIUM: 'business',
  STANDARD: 'standard',
  FREE: 'free',
  UNKNOWN: 'standard',
};

export function priorityTierOf(tier: SchemaTier): PriorityTier {
  return PRIORITY_TIER[tier] ?? 'standard';
}

/** What the model reads: the redacted subject and body, without the redaction placeholders. */
export function classifierText(enrichment: Pick<Enrichment, 'redactedSubject' | 'redactedBody'>): string {
  return [enrichment.redactedSubject ?? '', enrichment.redactedBody]
    .map(withoutPlaceholders)
    .filter((part) => part !== '')
    .join('\n');
}

export function classifyStage(options: ClassifyOptions = {}): EventStage<InteractionEnriched, InteractionClassified> {
  const source: ModelSource = options.models ?? { modelFor: () => options.model ?? defaultModel() };
  return {
    name: CLASSIFY_STAGE,
    version: CLASSIFY_VERSION,
    consumes: ['InteractionEnriched'],
    emits: 'InteractionClassified',
    handle(event, context) {
      const found = source.modelFor(event.meta.orgId);
      return found instanceof IntentModel
        ? classifyWith(found, event, context)
        : found.then((m) => classifyWith(m, event, context));
    },
  };

  function classifyWith(
    model: IntentModel,
    event: InteractionEnriched,
    context: StageContext,
  ): InteractionClassified[] {
    const { interaction, enrichment } = event;
    const text = classifierText(enrichment);
    const result = decide(model, text, enrichment);
    const shadow = options.shadows && source.shadowFor?.(event.meta.orgId);
    if (shadow && shadow.modelVersion !== model.modelVersion) {
      const theirs = decide(shadow, text, enrichment);
      options.shadows!.observe(event.meta.orgId, model.modelVersion, shadow.modelVersion, result, theirs);
    }
    const priority = decidePriority({
      intent: result.intent,
      outOfScope: result.outOfScope,
      sentiment: enrichment.sentiment.score,
      tier: priorityTierOf(enrichment.customer.tier),
      text,
    });
    context.debug(
      {
        intent: result.intent,
        confidence: result.confidence,
        outOfScope: result.outOfScope,
        languageSupported: result.languageSupported,
        priority: priority.priority,
        reasons: priority.reasons,
      },
      'classified',
    );
    return [
      {
        meta: context.derive(),
        interaction,
        enrichment,
        classification: {
          intent: result.intent,
          confidence: result.confidence,
          outOfScope: result.outOfScope,
          languageSupported: result.languageSupported,
          priority: priority.priority,
          modelVersion: result.modelVersion,
        },
      },
    ];
  }
}
