/**
 * What drafts a reply. The respond stage depends on this interface only, so an LLM generator can replace
 * or wrap the extractive one without the stage changing; every generator gets the same grounded input and
 * must cite what it uses.
 */
import type {
  Classification,
  CustomerContext,
  Draft,
  Passage,
  RetrievalMethod,
  Sentiment,
} from '../../schemas/index.js';
import { TEMPLATE_VERSION, templatesFor } from './templates.js';

export interface DraftRequest {
  orgId: string;
  /** The redacted subject and body: what the customer asked, without personal data. */
  question: string;
  /** Language of the question as a BCP 47 tag. */
  language: string;
  classification: Classification;
  sentiment: Sentiment;
  customer: CustomerContext;
  /** Retrieved passages, most relevant first; the only facts a draft may state. */
  passages: readonly Passage[];
  /** How the passages were found, which says what their scores mean (LEXICAL, BM25 scores, unless told). */
  retrievalMethod?: RetrievalMethod;
}

export interface DraftGenerator {
  /** Short name for logs and metrics (e.g. extractive, llm). */
  readonly name: string;
  draft(request: DraftRequest): Promise<Draft> | Draft;
}

/** Confidence of a holding reply: it answers nothing, so it must never pass an auto-reply threshold alone. */
export const HOLDING_CONFIDENCE = 0;

/** The holding reply in the request's language (English when there is no template for it). */
export function holdingDraft(language: string): Draft {
  const { language: used, templates } = templatesFor(language);
  return {
    // No closing: it invites a reply should the answer not help, and a holding reply gives no answer.
    text: `${templates.greeting}\n\n${templates.holding}`,
    language: used,
    citations: [],
    confidence: HOLDING_CONFIDENCE,
    holding: true,
    generator: { kind: 'TEMPLATE', model: null, version: TEMPLATE_VERSION },
    attempts: [],
  };
}
