/**
 * The query benchmark's orgs: one of 100,000 tickets and a few small ones, built once and reused by later runs.
 *
 * Built with the sinks' own code rather than through the pipeline: each ticket's events (the received, grounded
 * and routed steps the ticket store reads, then an agent's reply, a move or a resolution for some) are folded by
 * the ticket store's fold (foldTicket) into the revision it would publish on its changelog (ticketChanged), and
 * those revisions are written into the search index and the live views by their sinks' batch functions
 * (indexChanges, applyChanges), a thousand tickets per round trip. That leaves in the views exactly what the
 * pipeline would, without classifying and drafting 100,000 interactions on two shared cores; the benchmark puts
 * the real pipeline to work beside the reads instead.
 *
 * The tickets are not written to the ticket store itself: no read of the API touches it, and at this size the
 * stack's Mongo-wire server (mongo-java-server, 512 MB of heap) fills its heap and stops answering, which would
 * stall the pipeline the benchmark runs beside the reads.
 *
 * Tickets are drawn from a fixed seed, over the 14 days before the build. A marker in Redis names the version of
 * this generator and the size; a later run reuses the org when the marker, the live views and the index all agree.
 */
import { mulberry32 } from '../../processors/classify/prng.js';
import type { Client } from '@elastic/elasticsearch';
import type { Redis } from 'ioredis';
import { classify, type TicketEvent } from '../../processors/sinks/events.js';
import { applyChanges, liveViewKeys, readCounters } from '../../processors/sinks/live-views.js';
import { ensureTicketIndex, indexChanges, TICKET_INDEX } from '../../processors/sinks/search-index.js';
import { fixtureChain } from '../../processors/sinks/test-support.js';
import { ticketChanged } from '../../processors/sinks/ticket-changes.js';
import { foldTicket, type TicketDocument } from '../../processors/sinks/ticket-document.js';
import type { Priority, RoutingDecided, TicketCommand } from '../../schemas/index.js';
import { consumerBinding } from '../../topics/lookup.js';
import { ticketflow } from '../../topics/topology.js';

/** Changes whenever the generator does, so a run never reuses tickets of another shape. */
const DATASET_VERSION = '3';
const DAY = 86_400_000;
const SPAN = 14 * DAY;
const CHUNK = 1000;

export interface BenchOrg {
  readonly orgId: string;
  readonly tickets: number;
  /** Creation times of the org's tickets lie in [from, to). */
  readonly from: number;
  readonly to: number;
}

interface Stores {
  es: Client;
  redis: Redis;
}

const markerKey = (orgId: string) => `tf:bench:query:${orgId}`;

/** What customers of a retail bank write, as enrich leaves it (redacted), with the intent the classifier finds. */
const MESSAGES: ReadonlyArray<{ intent: string; group: string; subject: string; body: string }> = [
  {
    intent: 'lost_or_stolen_card',
    group: 'cards',
    subject: 'Lost card',
    body: 'I think I lost my debit card on the bus this morning, can you block card [CARD] please?',
  },
  {
    intent: 'card_arrival',
    group: 'cards',
    subject: 'New card not here',
    body: 'I ordered a new card two weeks ago and it still has not arrived at [ADDRESS].',
  },
  {
    intent: 'card_swallowed',
    group: 'cards',
    subject: 'ATM kept my card',
    body: 'The cash machine on Station Road kept my card. What should I do now?',
  },
  {
    intent: 'declined_card_payment',
    group: 'cards',
    subject: 'Card declined',
    body: 'My card payment at the supermarket was declined even though I have money in my account.',
  },
  {
    intent: 'pin_blocked',
    group: 'cards',
    subject: 'PIN blocked',
    body: 'I typed the wrong PIN three times and now my card is blocked. How can I unblock it?',
  },
  {
    intent: 'contactless_not_working',
    group: 'cards',
    subject: 'Contactless',
    body: 'Contactless stopped working on my card, I have to put it in the reader every time now.',
  },
  {
    intent: 'transfer_not_received_by_recipient',
    group: 'payments',
    subject: 'Transfer missing',
    body: 'I sent 250 euros to my landlord on Monday and he still has not received it. His IBAN is [IBAN].',
  },
  {
    intent: 'pending_transfer',
    group: 'payments',
    subject: 'Pending transfer',
    body: 'My bank transfer has been pending for three days. Is something wrong with it?',
  },
  {
    intent: 'transfer_fee_charged',
    group: 'payments',
    subject: 'Transfer fee',
    body: 'Why was I charged a fee for a transfer? I thought transfers within the country were free.',
  },
  {
    intent: 'transaction_charged_twice',
    group: 'billing',
    subject: 'Charged twice',
    body: 'I was charged twice for the same order at an online shop. Can you refund one of them?',
  },
  {
    intent: 'card_payment_not_recognised',
    group: 'billing',
    subject: 'Unknown payment',
    body: 'There is a payment on my statement I do not recognise, 39.99 to a streaming service.',
  },
  {
    intent: 'refund_not_showing_up',
    group: 'billing',
    subject: 'Refund missing',
    body: 'The shop says it refunded me last week but the money is still not in my account.',
  },
  {
    intent: 'exchange_rate',
    group: 'payments',
    subject: 'Exchange rate',
    body: 'What exchange rate do you use when I pay in dollars with my card abroad?',
  },
  {
    intent: 'top_up_failed',
    group: 'payments',
    subject: 'Top up failed',
    body: 'I tried to top up my account with my credit card [CARD] but the top up failed twice.',
  },
  {
    intent: 'verify_my_identity',
    group: 'account',
    subject: 'Verification',
    body: 'Your app keeps asking me to verify my identity but it does not accept my passport photo.',
  },
  {
    intent: 'passcode_forgotten',
    group: 'account',
    subject: 'Password reset',
    body: 'I forgot my password and the reset email to [EMAIL] never arrives. I checked the spam folder too.',
  },
  {
    intent: 'edit_personal_details',
    group: 'account',
    subject: 'Phone number',
    body: 'How do I change the phone number on my account? My old number [PHONE] is gone.',
  },
  {
    intent: 'getting_virtual_card',
    group: 'cards',
    subject: 'Virtual card',
    body: 'Can I get a virtual card for online shopping so I do not have to use my physical card?',
  },
  {
    intent: 'direct_debit_payment_not_recognised',
    group: 'billing',
    subject: 'Direct debit',
    body: 'I want to cancel a direct debit to my old gym, they keep taking money every month.',
  },
  {
    intent: 'terminate_account',
    group: 'account',
    subject: 'Close my account',
    body: 'I would like to close my account and move the remaining balance to my account at another bank.',
  },
];

/** Words that occur in the data, for the searches. */
export const SEARCH_WORDS = ['card', 'transfer', 'refund', 'charged twice', 'password', 'blocked', 'fee', 'account'];
export const BENCH_PRIORITIES: readonly Priority[] = ['P1', 'P2', 'P3', 'P4'];
const FIRST_RESPONSE_MINUTES: Record<Priority, number> = { P1: 30, P2: 120, P3: 480, P4: 1440 };

/** The queue names the generator uses, for filters. */
export function benchQueues(): string[] {
  const groups = [...new Set(MESSAGES.map((m) => m.group))];
  return groups.flatMap((g) => [`${g}-en`, `${g}-es`, `${g}-urgent-en`]);
}
export const benchIntents = () => MESSAGES.map((m) => m.intent);

export const benchTicketId = (i: number) => `B-${String(i).padStart(6, '0')}`;

/** The fixture chain (received → routed, then a reply), shared read-only: each ticket copies what it changes. */
const TEMPLATE = fixtureChain('template');
/** The steps the ticket store reads in the pipeline (the others carry nothing the routed step does not). */
const STORED_KINDS = new Set(consumerBinding(ticketflow, 'ticket-store').inputs.map((t) => t.eventType));
const STORED_STEPS = TEMPLATE.slice(0, 6).filter((event) => STORED_KINDS.has(classify(event).kind));

/** The events of ticket `i` of the org: the fixture chain re-shaped by draws of a generator seeded with `i`. */
function ticketEvents(orgId: string, i: number, to: number): TicketEvent[] {
  // Seeded: the same ticket number draws the same ticket.
  const draw = mulberry32(i * 7919 + 17);
  const pick = <T>(items: readonly T[]) => items[Math.floor(draw() * items.length)]!;
  const message = pick(MESSAGES);
  const priority = pick(BENCH_PRIORITIES);
  const lang = draw() < 0.8 ? 'en' : 'es';
  const queue = priority === 'P1' && lang === 'en' ? `${message.group}-urgent-en` : `${message.group}-${lang}`;
  const autoReply = draw() < 0.25;
  const receivedAt = Math.floor(to - draw() * SPAN);
  const due = receivedAt + FIRST_RESPONSE_MINUTES[priority] * 60_000;
  const ticketId = benchTicketId(i);
  const shift = receivedAt - TEMPLATE[0]!.meta.occurredAt;
  const customer = { customerId: `cust-${i % 5000}`, externalId: null };
  const confidence = 0.5 + draw() / 2;
  const events: TicketEvent[] = [];
  for (const original of STORED_STEPS) {
    const event = { ...original } as TicketEvent & Partial<RoutingDecided>;
    event.meta = {
      ...original.meta,
      orgId,
      ticketId,
      conversationId: `conv-${ticketId}`,
      eventId: `${original.meta.eventId.slice(0, 24)}${String(i).padStart(12, '0')}`,
      occurredAt: original.meta.occurredAt + shift,
    };
    if (event.interaction) event.interaction = { ...event.interaction, receivedAt, customer };
    if (event.enrichment) {
      event.enrichment = {
        ...event.enrichment,
        redactedSubject: message.subject,
        redactedBody: message.body,
        language: lang,
      };
    }
    if (event.classification) {
      event.classification = { ...event.classification, intent: message.intent, priority, confidence };
    }
    if (event.routing) {
      event.routing = {
        ...event.routing,
        decision: autoReply ? 'AUTO_REPLY' : 'HUMAN',
        queue,
        priority,
        firstResponseDueAt: due,
        reasons: autoReply ? ['confident_draft', 'auto_reply_intent'] : ['intent_not_auto_reply'],
      };
    }
    events.push(event);
  }
  // What agents did since: answered in time or late, moved, resolved; the newest tickets are still waiting.
  const template = TEMPLATE[6] as TicketCommand;
  const command = (n: number, at: number, patch: Partial<TicketCommand>): TicketEvent => ({
    ...template,
    replyText: null,
    draftEventId: null,
    ...patch,
    meta: {
      ...template.meta,
      orgId,
      ticketId,
      conversationId: `conv-${ticketId}`,
      eventId: `${template.meta.eventId.slice(0, 24)}${n}${String(i).padStart(11, '0')}`,
      occurredAt: Math.floor(Math.min(at, to)),
    },
  });
  const age = to - receivedAt;
  if (!autoReply && draw() < 0.7 && age > 30 * 60_000) {
    const replyAt = receivedAt + draw() * 1.5 * (due - receivedAt);
    events.push(command(1, replyAt, { command: 'REPLY', replyText: 'Thank you, we are looking into it.' }));
  }
  if (draw() < 0.1) {
    const assignee = `agent-${i % 40}`;
    events.push(command(2, receivedAt + 3_600_000, { command: 'ASSIGN', assignee, queue: `${message.group}-vip` }));
  }
  if (age > DAY && draw() < 0.6) {
    events.push(command(3, receivedAt + DAY * draw(), { command: 'RESOLVE', resolution: 'answered' }));
  }
  return events;
}

/** The org's tickets in every store, or null when they are not all there as the marker says. */
async function existing(stores: Stores, orgId: string, tickets: number): Promise<BenchOrg | null> {
  const marker = await stores.redis.hgetall(markerKey(orgId));
  if (marker.version !== DATASET_VERSION || Number(marker.tickets) !== tickets) return null;
  const counts = await readCounters(stores.redis, orgId);
  const inViews = Object.values(counts.status).reduce((a, b) => a + b, 0);
  const inIndex = await stores.es.count({ index: TICKET_INDEX, query: { term: { org_id: orgId } } }).then(
    (r) => r.count,
    () => -1,
  );
  if (inViews !== tickets || inIndex !== tickets) return null;
  return { orgId, tickets, from: Number(marker.from), to: Number(marker.to) };
}

/** Everything of the org in the views. */
export async function removeOrgTickets(stores: Stores, orgId: string): Promise<void> {
  await stores.redis.del(markerKey(orgId));
  if (await stores.es.indices.exists({ index: TICKET_INDEX })) {
    // This Elasticsearch build has no _delete_by_query: list the org's documents and delete them in bulk.
    for (;;) {
      const { hits } = await stores.es.search({
        index: TICKET_INDEX,
        size: 5000,
        _source: false,
        query: { term: { org_id: orgId } },
      });
      if (hits.hits.length === 0) break;
      await stores.es.bulk({
        operations: hits.hits.map((hit) => ({ delete: { _index: TICKET_INDEX, _id: hit._id! } })),
        refresh: true,
      });
    }
  }
  // An org the views never counted a ticket of has no keys: spare the walk over every other org's keys.
  const counts = await readCounters(stores.redis, orgId);
  if (Object.values(counts.status).every((n) => n === 0)) return;
  // One walk over the keyspace for all the kinds of key, rather than one per kind.
  const prefixes = liveViewKeys.prefixes(orgId);
  for await (const keys of stores.redis.scanStream({ match: 'tf:*', count: 10_000 })) {
    const mine = (keys as string[]).filter((key) => prefixes.some((prefix) => key.startsWith(prefix)));
    if (mine.length > 0) await stores.redis.unlink(...mine);
  }
}

/**
 * The org with `tickets` tickets: reused when a previous run built it, else (or with `rebuild`) removed and built.
 */
export async function ensureBenchOrg(
  stores: Stores,
  orgId: string,
  tickets: number,
  options: { rebuild?: boolean; log?: (line: string) => void } = {},
): Promise<BenchOrg & { built: boolean; buildSeconds: number }> {
  const log = options.log ?? (() => undefined);
  if (!options.rebuild) {
    const found = await existing(stores, orgId, tickets);
    if (found) return { ...found, built: false, buildSeconds: 0 };
  }
  const started = performance.now();
  log(`${orgId}: building ${tickets.toLocaleString('en-US')} tickets (once; later runs reuse them)`);
  await removeOrgTickets(stores, orgId);
  await ensureTicketIndex(stores.es);
  const to = Math.floor(Date.now() / 60_000) * 60_000;
  let lastReport = performance.now();
  // The views of one chunk are written while the next is folded: the stores are other processes.
  let views: Promise<void> = Promise.resolve();
  for (let first = 0; first < tickets; first += CHUNK) {
    const changes = [];
    for (let i = first; i < Math.min(tickets, first + CHUNK); i++) {
      let ticket: TicketDocument | null = null;
      for (const event of ticketEvents(orgId, i, to)) ticket = foldTicket(ticket, event);
      changes.push(ticketChanged(ticket!, 'bench-query'));
    }
    await views;
    views = Promise.all([indexChanges(stores.es, changes), applyChanges(stores.redis, changes)]).then((outcomes) => {
      for (const outcome of outcomes.flatMap((o) => [...o.values()])) if (outcome instanceof Error) throw outcome;
    });
    // Awaited with the next chunk; until then a failure must not count as unhandled.
    views.catch(() => undefined);
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      const done = Math.min(tickets, first + CHUNK);
      const rate = done / ((lastReport - started) / 1000);
      log(`${orgId}: ${done.toLocaleString('en-US')} tickets, ${Math.round(rate)}/s`);
    }
  }
  await views;
  await stores.es.indices.refresh({ index: TICKET_INDEX });
  await stores.redis.hset(markerKey(orgId), {
    version: DATASET_VERSION,
    tickets: String(tickets),
    from: String(to - SPAN),
    to: String(to),
    builtAt: String(Date.now()),
  });
  const buildSeconds = (performance.now() - started) / 1000;
  log(`${orgId}: built in ${Math.round(buildSeconds)} s`);
  return { orgId, tickets, from: to - SPAN, to, built: true, buildSeconds };
}
