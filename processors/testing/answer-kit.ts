/**
 * What the answer cache's tests draft from: one refund passage, and a request for it built from the schema's
 * fixture, so the unit, integration and outage tests ask about the same thing.
 */
import { sampleEvents } from '../../schemas/fixtures.js';
import type { Passage } from '../../schemas/index.js';
import type { DraftRequest } from '../respond/generator.js';

export const refundPassage: Passage = {
  chunkId: 'doc-refunds#0',
  documentId: 'doc-refunds',
  documentVersion: 3,
  title: 'Refund policy',
  text: 'Duplicate charges are refunded automatically within 5 business days. Refunds go back to the card you paid with.',
  sourceUri: null,
  score: 11.2,
  rank: 1,
};

/** A request of `orgId` asking `question` over the refund passage, as respond would make it. */
export function refundRequest(orgId: string, question: string): DraftRequest {
  const fixture = sampleEvents.InteractionGrounded;
  return {
    orgId,
    question,
    language: 'en',
    classification: fixture.classification,
    sentiment: fixture.enrichment.sentiment,
    customer: fixture.enrichment.customer,
    passages: [refundPassage],
    retrievalMethod: 'LEXICAL',
  };
}
