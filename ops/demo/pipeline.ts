/** Posting the samples to HTTP ingest, and waiting for their tickets to come out routed at the query API. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ticketDetail } from '../../query-api/views.js';
import { DemoError, messageOf } from './failure.js';
import { requestOf, type Sample } from './samples.js';

export type TicketView = ReturnType<typeof ticketDetail>;

export interface Posted {
  readonly sample: Sample;
  readonly ticketId: string;
  /** True when ingest replayed the answer of an earlier run and wrote nothing. */
  readonly replayed: boolean;
}

async function request(service: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new DemoError(
      `${service} at ${url} did not answer: ${messageOf((error as { cause?: unknown }).cause ?? error)}`,
      service,
    );
  }
}

export async function postSample(ingestUrl: string, key: string, sample: Sample): Promise<Posted> {
  const url = `${ingestUrl}/v1/interactions`;
  const body = requestOf(sample);
  for (let attempt = 1; ; attempt++) {
    const response = await request('ingest', url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'idempotency-key': body.conversationId,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status === 202) {
      const { ticketId } = JSON.parse(text) as { ticketId: string };
      return { sample, ticketId, replayed: response.headers.get('idempotent-replayed') === 'true' };
    }
    // Rate limited, Kafka busy, or the same key still in flight: wait as told, a few times.
    if ([409, 429, 503].includes(response.status) && attempt < 5) {
      await sleep(1000 * Math.min(10, Number(response.headers.get('retry-after')) || 1));
      continue;
    }
    throw new DemoError(`ingest answered ${response.status} to "${sample.name}": ${text.slice(0, 500)}`, 'ingest');
  }
}

/** The stage (or sink) a ticket waits on, from what its stored document already holds. */
export function stuckAt(doc: TicketView | null): { after: string; next: string } {
  if (!doc) return { after: 'ingest', next: 'ticket-store' };
  if (!doc.enrichment) return { after: 'received', next: 'enrich' };
  if (!doc.classification) return { after: 'enriched', next: 'classify' };
  // The detail carries no grounding (the changelog leaves retrieved passages in the store): a classified
  // ticket without a draft waits on retrieve, or on respond after it.
  if (!doc.draft) return { after: 'classified', next: 'retrieve' };
  return { after: 'drafted', next: 'route' };
}

export async function fetchTicket(apiUrl: string, token: string, ticketId: string): Promise<TicketView | null> {
  const url = `${apiUrl}/v1/tickets/${encodeURIComponent(ticketId)}`;
  const response = await request('query-api', url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status === 404) return null;
  if (!response.ok) {
    throw new DemoError(`query-api answered ${response.status}: ${(await response.text()).slice(0, 500)}`, 'query-api');
  }
  return (await response.json()) as TicketView;
}

/**
 * Polls until every ticket has its routing decision, showing how many have, for at most `timeoutMs`. On
 * timeout, names each ticket's missing stage and the log to read.
 */
export async function waitRouted(
  apiUrl: string,
  token: string,
  posted: readonly Posted[],
  timeoutMs: number,
  logHint: (service: string) => string,
): Promise<Map<string, TicketView>> {
  const started = Date.now();
  const routed = new Map<string, TicketView>();
  const latest = new Map<string, TicketView | null>();
  const tty = process.stdout.isTTY;
  let shown = '';
  for (;;) {
    for (const p of posted) {
      if (routed.has(p.ticketId)) continue;
      const doc = await fetchTicket(apiUrl, token, p.ticketId);
      latest.set(p.ticketId, doc);
      if (doc?.routing) routed.set(p.ticketId, doc);
    }
    const elapsed = Math.round((Date.now() - started) / 1000);
    const line = `  routed ${routed.size}/${posted.length} after ${elapsed}s`;
    if (tty) process.stdout.write(`\r${line}`);
    else if (line.replace(/after \d+s/, '') !== shown.replace(/after \d+s/, '')) console.log(line);
    shown = line;
    if (routed.size === posted.length) {
      if (tty) process.stdout.write('\n');
      return routed;
    }
    if (Date.now() - started > timeoutMs) break;
    await sleep(1000);
  }
  if (tty) process.stdout.write('\n');
  const missing = posted.filter((p) => !routed.has(p.ticketId));
  const lines = missing.map((p) => {
    const { after, next } = stuckAt(latest.get(p.ticketId) ?? null);
    return (
      `  "${p.sample.name}" (ticket ${p.ticketId}) stopped after ${after}: look at ${next}, ` +
      `its dead letters in tf.dlq.${next}, and\n    ${logHint(next)}`
    );
  });
  const services = [...new Set(missing.map((p) => stuckAt(latest.get(p.ticketId) ?? null).next))];
  throw new DemoError(
    `${missing.length} of ${posted.length} tickets were not routed within ${timeoutMs / 1000}s:\n${lines.join('\n')}`,
    services.length === 1 ? services[0] : undefined,
  );
}

/**
 * Waits until the in-process retrieval (the query API's GET /v1/kb/search, the same as the retrieve stage's)
 * finds each document by its title; returns how long that took. The chunks reach every follower of the chunks
 * topic within about a second, so this mostly confirms what the Elasticsearch check already saw.
 */
export async function untilRetrievable(
  apiUrl: string,
  token: string,
  documents: ReadonlyArray<{ documentId: string; title: string }>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  let missing = [...documents];
  while (missing.length > 0) {
    const still = [];
    for (const doc of missing) {
      const url = `${apiUrl}/v1/kb/search?${new URLSearchParams({ q: doc.title, k: '10' })}`;
      const response = await request('query-api', url, { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json().catch(() => null)) as { hits?: Array<{ documentId: string }> } | null;
      if (!response.ok || !body?.hits?.some((h) => h.documentId === doc.documentId)) still.push(doc);
    }
    missing = still;
    if (missing.length === 0) break;
    if (Date.now() - started > timeoutMs) {
      throw new DemoError(
        `retrieval does not find ${missing.map((d) => d.documentId).join(', ')} by title after ${timeoutMs / 1000}s`,
        'query-api',
      );
    }
    await sleep(250);
  }
  return Date.now() - started;
}
