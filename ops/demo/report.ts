/** What the demo prints at the end: one row per ticket, then how to look further. */
import { templatesFor } from '../../processors/respond/templates.js';
import type { Posted, TicketView } from './pipeline.js';

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}

function due(at: number | null, now: number): string {
  if (at === null) return 'no target';
  const minutes = Math.round((at - now) / 60_000);
  const hhmm = new Date(at).toTimeString().slice(0, 5);
  const left = Math.abs(minutes) < 120 ? `${Math.abs(minutes)}m` : `${Math.round(Math.abs(minutes) / 60)}h`;
  return `${hhmm} (${minutes >= 0 ? 'in ' : ''}${left}${minutes < 0 ? ' ago' : ''})`;
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export function ticketTable(
  posted: readonly Posted[],
  tickets: ReadonlyMap<string, TicketView>,
  now: number,
): string[] {
  const header = ['SAMPLE', 'CUSTOMER', 'INTENT', 'PRI', 'ROUTING', 'SLA DUE', 'CITES'];
  const rows: string[][] = [header];
  const details: string[][] = [];
  for (const p of posted) {
    const t = tickets.get(p.ticketId)!;
    const c = t.classification;
    const customer = t.enrichment?.customer;
    rows.push([
      p.sample.name,
      `${p.sample.message.customer.customerId} ${customer?.tier ?? '?'}`,
      c ? (c.outOfScope ? `(out of scope) ${c.intent}` : c.intent) : '-',
      t.routing?.priority ?? '-',
      t.routing ? `${t.routing.decision} → ${t.routing.queue}` : '-',
      due(t.routing?.firstResponseDueAt ?? null, now),
      String(t.draft?.citations.length ?? 0),
    ]);
    // The first line that says something: every draft opens with the same greeting.
    const greeting = t.draft ? templatesFor(t.draft.language).templates.greeting : '';
    const lines = t.draft?.text.split('\n').map((l) => l.trim()) ?? [];
    const firstLine = lines.find((l) => l !== '' && l !== greeting) ?? lines[0] ?? '(no draft)';
    // The tier of the respond chain that wrote it (local model, extractive…); drafts stored before the chain lack it.
    const by = t.draft?.attempts?.at(-1)?.tier ?? t.draft?.generator?.kind.toLowerCase();
    const how = t.draft?.holding ? 'holding' : `confidence ${t.draft?.confidence ?? '-'}`;
    details.push([
      `      draft${by ? ` by ${by}` : ''} (${how}): ${clip(firstLine, 100)}`,
      `      why: ${t.routing?.reasons.join(', ') ?? '-'}`,
    ]);
  }
  const [head, ...body] = table(rows);
  return [head!, ...body.flatMap((line, i) => [line, ...details[i]!])];
}

export function lookFurther(o: {
  apiUrl: string;
  ingestUrl: string;
  token: string;
  keyFile: string;
  ticketId: string;
}): string[] {
  const auth = '-H "Authorization: Bearer $TOKEN"';
  const body = JSON.stringify({
    conversationId: 'my-first-chat',
    channel: 'CHAT',
    customer: { customerId: 'cust-1001' },
    body: 'My card payment was declined at checkout. What can I do?',
  });
  return [
    'Look further (query API token for org demo, valid 24 h):',
    `  TOKEN=${o.token}`,
    `  curl -s ${auth} ${o.apiUrl}/v1/tickets`,
    `  curl -s ${auth} ${o.apiUrl}/v1/tickets/${o.ticketId}`,
    `  curl -s ${auth} '${o.apiUrl}/v1/search?q=card'`,
    `  curl -s ${auth} ${o.apiUrl}/v1/queues`,
    `Send your own interaction (the demo's ingest key is in ${o.keyFile}):`,
    `  curl -s -X POST ${o.ingestUrl}/v1/interactions -H "Authorization: Bearer $(cat ${o.keyFile})" \\`,
    `    -H 'Content-Type: application/json' -d '${body}'`,
    'Operate:',
    '  npm run stack -- status        every server and ticketflow process, with pids and endpoints',
    '  npm run stack -- logs route    one process log (--follow to tail it)',
    '  npm run stack -- down          stop everything',
  ];
}
