/**
 * The fixture chain re-homed to an org of the test's own, so tests against shared stores never meet each other's
 * data, plus a deterministic shuffle for replaying it out of order.
 */
import { sampleEvents } from '../../schemas/fixtures.js';
import type { TicketEvent } from './events.js';

export function fixtureChain(orgId: string): TicketEvent[] {
  const chain: TicketEvent[] = [
    sampleEvents.InteractionReceived,
    sampleEvents.InteractionEnriched,
    sampleEvents.InteractionClassified,
    sampleEvents.InteractionGrounded,
    sampleEvents.ResponseDrafted,
    sampleEvents.RoutingDecided,
    sampleEvents.TicketCommand,
  ];
  return chain.map((event) => ({ ...structuredClone(event), meta: { ...event.meta, orgId } }) as TicketEvent);
}

/** Fisher–Yates driven by a fixed LCG, so a failing order can be reproduced from its seed. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
