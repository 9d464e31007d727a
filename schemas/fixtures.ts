/**
 * One valid example of every event, typed with the generated types: tests of any module can start from
 * these, and because they must both type-check and pass avsc validation, they keep the generated types and
 * the schemas honest with each other. The chain of interaction events shares one envelope lineage.
 */
import type {
  Classification,
  Draft,
  Enrichment,
  EventMeta,
  EventTypes,
  InteractionSummary,
  Routing,
} from './generated/events.js';

const ORG = 'org-acme';
const CONVERSATION = 'conv-7f3a';
const TICKET = 'T-1042';
const RECEIVED_AT = Date.UTC(2025, 0, 15, 9, 30, 0);

const ids = {
  received: '0b7e4a52-3c1d-4f8e-9a6b-2d5c8e1f0a01',
  enriched: '6f1c2e9a-8b47-5d3e-a1f0-7c9b4e2d8a02',
  classified: '9a3d5b7c-1e2f-5a4b-8c6d-0e1f2a3b4c03',
  grounded: 'c4e6f8a0-2b3c-5d4e-9f0a-1b2c3d4e5f04',
  drafted: 'e7f9a1b3-4c5d-5e6f-a7b8-c9d0e1f2a305',
  routed: 'f1a2b3c4-d5e6-5f7a-8b9c-0d1e2f3a4b06',
  command: '2c4e6a8b-0d1f-4e3a-b5c7-d9e1f3a5b707',
  document: '3d5f7b9c-1e2a-4b4c-86d8-eaf0b2c4d608',
  chunk: '4e6a8c0d-2f3b-5c5d-97e9-fb01c3d5e709',
  changed: '5f7b9d1e-3a4c-5d6e-8f0a-1b2c3d4e5f10',
};

const meta = (eventId: string, causationId: string | null, stage: string, offsetMs: number): EventMeta => ({
  eventId,
  orgId: ORG,
  conversationId: CONVERSATION,
  ticketId: TICKET,
  causationId,
  occurredAt: RECEIVED_AT + offsetMs,
  producer: { stage, version: '0.1.0' },
});

const interaction: InteractionSummary = {
  interactionId: ids.received,
  channel: 'EMAIL',
  customer: { customerId: 'cust-311', externalId: 'zd-88121' },
  receivedAt: RECEIVED_AT,
  attachments: [
    {
      attachmentId: 'att-1',
      fileName: 'invoice-2025-01.pdf',
      contentType: 'application/pdf',
      sizeBytes: 48_213,
      uri: 's3://ticketflow-attachments/org-acme/att-1',
    },
  ],
};

const enrichment: Enrichment = {
  redactedSubject: 'Charged twice for January',
  redactedBody: 'Hi, I was charged twice on card [CARD]. Please refund one charge. Reach me at [EMAIL].',
  piiKinds: ['PAYMENT_CARD', 'EMAIL'],
  language: 'en',
  languageConfidence: 0.98,
  sentiment: { score: -0.42, label: 'NEGATIVE' },
  customer: {
    known: true,
    plan: 'pro-annual',
    tier: 'PREMIUM',
    slaPolicy: { policyId: 'sla-premium', name: 'Premium', firstResponseMinutes: { P1: 30, P2: 120, P3: 480 } },
    source: 'STORE',
  },
};

const classification: Classification = {
  intent: 'billing.refund',
  confidence: 0.91,
  outOfScope: false,
  languageSupported: true,
  priority: 'P2',
  modelVersion: 'intents-rules@1',
};

const draft: Draft = {
  text: 'Sorry about the double charge. Duplicate charges are refunded within 5 business days [1].',
  language: 'en',
  citations: [
    {
      chunkId: 'doc-refunds#0',
      documentId: 'doc-refunds',
      documentVersion: 3,
      title: 'Refund policy',
      sourceUri: 'https://help.acme.example/refunds',
    },
  ],
  confidence: 0.84,
  holding: false,
  generator: { kind: 'LLM', model: 'qwen2.5-1.5b-instruct-q4', version: 'prompt@2' },
  attempts: [
    {
      tier: 'cloud',
      model: 'gpt-4o-mini',
      outcome: 'TIMEOUT',
      reason: 'no answer within 8000 ms',
      latencyMs: 8000,
      promptTokens: 0,
      completionTokens: 0,
    },
    {
      tier: 'local',
      model: 'qwen2.5-1.5b-instruct-q4',
      outcome: 'ANSWERED',
      reason: null,
      latencyMs: 2140,
      promptTokens: 412,
      completionTokens: 58,
    },
  ],
};

const routing: Routing = {
  decision: 'HUMAN',
  queue: 'billing-en',
  priority: 'P2',
  firstResponseDueAt: RECEIVED_AT + 120 * 60_000,
  reasons: ['refund_needs_agent', 'negative_sentiment'],
};

export const sampleEvents: { readonly [N in keyof EventTypes]: EventTypes[N] } = {
  InteractionReceived: {
    meta: meta(ids.received, null, 'http-ingest', 0),
    channel: 'EMAIL',
    customer: interaction.customer,
    externalMessageId: '<CA+abc123@mail.example>',
    subject: 'Charged twice for January',
    body: 'Hi, I was charged twice on card 4111 1111 1111 1111. Please refund one charge. Reach me at jo@example.com.',
    localeHint: 'en-GB',
    attachments: interaction.attachments,
  },
  InteractionEnriched: {
    meta: meta(ids.enriched, ids.received, 'enrich', 40),
    interaction,
    enrichment,
  },
  InteractionClassified: {
    meta: meta(ids.classified, ids.enriched, 'classify', 60),
    interaction,
    enrichment,
    classification,
  },
  InteractionGrounded: {
    meta: meta(ids.grounded, ids.classified, 'retrieve', 120),
    interaction,
    enrichment,
    classification,
    grounding: {
      method: 'HYBRID',
      query: 'billing.refund Charged twice for January refund one charge',
      passages: [
        {
          chunkId: 'doc-refunds#0',
          documentId: 'doc-refunds',
          documentVersion: 3,
          title: 'Refund policy',
          text: 'Duplicate charges are refunded automatically within 5 business days.',
          sourceUri: 'https://help.acme.example/refunds',
          score: 0.0328,
          rank: 1,
        },
      ],
    },
  },
  ResponseDrafted: {
    meta: meta(ids.drafted, ids.grounded, 'respond', 900),
    interaction,
    enrichment,
    classification,
    draft,
  },
  RoutingDecided: {
    meta: meta(ids.routed, ids.drafted, 'route', 920),
    interaction,
    enrichment,
    classification,
    draft,
    routing,
  },
  TicketCommand: {
    meta: meta(ids.command, null, 'query-api', 60_000),
    command: 'REPLY',
    actor: { actorId: 'agent-17', kind: 'AGENT' },
    assignee: null,
    queue: null,
    replyText: 'Sorry about the double charge: the refund is on its way and will show within 5 business days.',
    draftEventId: ids.drafted,
    resolution: null,
    note: null,
  },
  TicketChanged: {
    meta: meta(ids.changed, ids.command, 'ticket-store', 60_050),
    revision: 7,
    status: 'PENDING',
    createdAt: RECEIVED_AT,
    updatedAt: RECEIVED_AT + 60_000,
    interactions: [interaction],
    enrichment,
    classification,
    draft,
    draftEventId: ids.drafted,
    routing,
    queue: 'billing-en',
    priority: 'P2',
    slaDueAt: RECEIVED_AT + 120 * 60_000,
    assignee: null,
    resolution: null,
    replies: [
      {
        eventId: ids.command,
        actorId: 'agent-17',
        text: 'Sorry about the double charge: the refund is on its way and will show within 5 business days.',
        draftEventId: ids.drafted,
        at: RECEIVED_AT + 60_000,
      },
    ],
  },
  KnowledgeDocument: {
    meta: { ...meta(ids.document, null, 'kb-import', 0), conversationId: 'doc-refunds', ticketId: 'doc-refunds' },
    documentId: 'doc-refunds',
    version: 3,
    updatedAt: Date.UTC(2025, 0, 2),
    deleted: false,
    title: 'Refund policy',
    source: { kind: 'HELP_CENTER', uri: 'https://help.acme.example/refunds' },
    language: 'en',
    body: '# Refund policy\n\nDuplicate charges are refunded automatically within 5 business days.',
    tags: ['billing'],
  },
  KnowledgeChunk: {
    meta: { ...meta(ids.chunk, ids.document, 'chunk', 10), conversationId: 'doc-refunds', ticketId: 'doc-refunds' },
    chunkId: 'doc-refunds#0',
    documentId: 'doc-refunds',
    documentVersion: 3,
    chunkIndex: 0,
    chunkCount: 1,
    updatedAt: Date.UTC(2025, 0, 2),
    deleted: false,
    title: 'Refund policy',
    section: 'Refund policy',
    text: 'Duplicate charges are refunded automatically within 5 business days.',
    language: 'en',
    sourceUri: 'https://help.acme.example/refunds',
    tags: ['billing'],
    embedding: null,
  },
};
