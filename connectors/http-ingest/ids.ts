/**
 * The ids ingest assigns. Name-based (SHA-1, version-5 layout) wherever a retry must reproduce them, random
 * where nothing can repeat.
 */
import { createHash, randomUUID } from 'node:crypto';

export function nameBasedUuid(...parts: readonly string[]): string {
  // NUL cannot occur in header values or JSON-derived ids, so joined parts never collide across boundaries.
  const hash = createHash('sha1').update(parts.join('\u0000')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * One ticket per conversation, until a ticket lifecycle exists that opens a new ticket for a conversation
 * whose ticket was closed. Derived rather than looked up, so ingest stays stateless and every instance,
 * and every retry, names the same ticket.
 */
export const ticketIdOf = (orgId: string, conversationId: string): string =>
  nameBasedUuid('ticket', orgId, conversationId);

/**
 * Where a request carries an Idempotency-Key, what it creates is derived from the org, the key, the request's
 * fingerprint and the item's position. A retry that gets past the idempotency record (the record expired,
 * or the first attempt timed out after Kafka had already taken the event) writes the same ids again, and
 * consumers drop the duplicate by event id. The fingerprint keeps a key reused for different content, after
 * its record expired, from naming different events alike.
 */
export interface IdempotentOrigin {
  readonly orgId: string;
  readonly idempotencyKey: string;
  readonly fingerprint: string;
}

export function eventIdFor(origin: IdempotentOrigin | undefined, index: number): string {
  if (!origin) return randomUUID();
  return nameBasedUuid('event', origin.orgId, origin.idempotencyKey, origin.fingerprint, String(index));
}

/** A conversation the client did not name is a new one. */
export function newConversationId(origin: IdempotentOrigin | undefined, index: number): string {
  if (!origin) return randomUUID();
  return nameBasedUuid('conversation', origin.orgId, origin.idempotencyKey, origin.fingerprint, String(index));
}
