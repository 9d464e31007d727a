/**
 * The interactions the demo posts, as a chat widget or mail gateway would. Each one's conversation id, and so
 * its ticket id (uuidv5 of org and conversation), is named after a digest of its message, and serves as its
 * Idempotency-Key too: a re-run replays ingest's first answer and writes nothing, while an edited sample
 * becomes a ticket of its own rather than a second message in the old one.
 */
import { createHash } from 'node:crypto';

export interface Sample {
  /** Short name for the table. */
  readonly name: string;
  readonly slug: string;
  readonly message: {
    readonly channel: 'CHAT' | 'EMAIL' | 'WEB_FORM';
    readonly customer: { readonly customerId: string };
    readonly subject: string | null;
    readonly body: string;
    readonly localeHint: string | null;
  };
}

const sample = (name: string, slug: string, message: Sample['message']): Sample => ({ name, slug, message });

export const SAMPLES: readonly Sample[] = [
  sample('lost card', 'chat-lost-card', {
    channel: 'CHAT',
    customer: { customerId: 'cust-1001' },
    subject: null,
    body: 'I think I lost my card. How do I freeze it?',
    localeHint: 'en-GB',
  }),
  sample('refund', 'mail-refund', {
    channel: 'EMAIL',
    customer: { customerId: 'cust-1002' },
    subject: 'Refund for my return',
    body:
      "I sent back the shoes from order 4411 two weeks ago and still haven't received my refund. " +
      'When will the money be back on my card?',
    localeHint: null,
  }),
  sample('password reset', 'form-password', {
    channel: 'WEB_FORM',
    customer: { customerId: 'cust-1003' },
    subject: 'Password reset',
    body: 'I forgot my password. How do I reset it?',
    localeHint: 'en-US',
  }),
  sample('angry customer', 'mail-charged-twice', {
    channel: 'EMAIL',
    customer: { customerId: 'cust-1002' },
    subject: 'Charged twice AGAIN',
    body:
      'I was charged twice for the same order and nobody answers my emails. This is unacceptable, ' +
      'I want my money back now!',
    localeHint: null,
  }),
  sample('out of scope', 'chat-pizza', {
    channel: 'CHAT',
    // Not among the seeded customers: an unknown sender, on the org's default SLA policy.
    customer: { customerId: 'visitor-77' },
    subject: null,
    body: 'Can you recommend a good pizza place near your office?',
    localeHint: 'en',
  }),
  sample('refund (es)', 'mail-reembolso', {
    channel: 'EMAIL',
    customer: { customerId: 'cust-1004' },
    subject: 'Reembolso de mi devolución',
    body:
      'Hola, devolví un pedido hace dos semanas y todavía no he recibido el reembolso. ' +
      '¿Cuándo me devolverán el dinero?',
    localeHint: 'es-ES',
  }),
];

/** The request body; its conversationId doubles as the Idempotency-Key. */
export function requestOf(s: Sample): Sample['message'] & { conversationId: string } {
  const digest = createHash('sha256').update(JSON.stringify(s.message)).digest('hex').slice(0, 12);
  return { conversationId: `demo-${s.slug}-${digest}`, ...s.message };
}
