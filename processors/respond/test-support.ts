/** Requests, passages and fake model clients for the respond chain's unit tests. */
import type { Passage } from '../../schemas/index.js';
import { sampleEvents } from '../../schemas/fixtures.js';
import type { DraftRequest } from './generator.js';
import type { ModelAnswer } from './llm/answer.js';
import type { DraftPrompt } from './llm/prompt.js';
import type { ModelClient } from './model-tier.js';

export const refundPassage: Passage = {
  chunkId: 'doc-refunds#0',
  documentId: 'doc-refunds',
  documentVersion: 3,
  title: 'Refund policy',
  text: 'Duplicate charges are refunded automatically within 5 business days. Refunds go back to the card you paid with. See https://help.acme.example/refunds for details.',
  sourceUri: 'https://help.acme.example/refunds',
  score: 11.2,
  rank: 1,
};

export const cardPassage: Passage = {
  chunkId: 'doc-cards#0',
  documentId: 'doc-cards',
  documentVersion: 1,
  title: 'Lost or stolen card',
  text: 'Freeze a lost card at once in the app under Cards. A replacement card arrives within 7 days.',
  sourceUri: null,
  score: 4.1,
  rank: 2,
};

export function draftRequest(overrides: Partial<DraftRequest> = {}): DraftRequest {
  const grounded = sampleEvents.InteractionGrounded;
  return {
    orgId: 'acme',
    question: 'I see duplicate charges on my card: when are they refunded?',
    language: 'en',
    classification: grounded.classification,
    sentiment: grounded.enrichment.sentiment,
    customer: grounded.enrichment.customer,
    passages: [refundPassage, cardPassage],
    retrievalMethod: 'LEXICAL',
    ...overrides,
  };
}

export const groundedAnswer: ModelAnswer = {
  sentences: [
    { text: 'Duplicate charges are refunded automatically within 5 business days.', citations: ['P1'] },
    { text: 'The refund goes back to the card you paid with.', citations: ['P1'] },
  ],
  refused: false,
  promptTokens: 300,
  completionTokens: 30,
};

/** A model client whose answer (or failure, or delay) the test decides; it records the prompts it was given. */
export class FakeModel implements ModelClient {
  readonly model = 'fake-model';
  readonly promptVersion = 'fake-prompt@1';
  readonly prompts: DraftPrompt[] = [];
  healthy = true;
  aborted = 0;

  constructor(public respond: (prompt: DraftPrompt) => Promise<ModelAnswer> | ModelAnswer = () => groundedAnswer) {}

  answer(prompt: DraftPrompt, signal: AbortSignal): Promise<ModelAnswer> {
    this.prompts.push(prompt);
    signal.addEventListener('abort', () => this.aborted++);
    return Promise.resolve().then(() => this.respond(prompt));
  }

  health(): Promise<unknown> {
    return this.healthy ? Promise.resolve() : Promise.reject(new Error('model away'));
  }
}

/** A promise settled from outside, to hold a fake model mid-answer. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}
