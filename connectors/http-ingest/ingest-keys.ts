/**
 * Who is calling: the ingest key from the request headers, resolved to its org. A verified key is trusted
 * for a few seconds without asking PostgreSQL again, which keeps the database off the hot path; the price is
 * that a revocation takes up to that long to bite (INGEST_KEY_CACHE_MS, 0 to ask every time).
 */
import { createHash } from 'node:crypto';
import type { IngestKeyOwner } from '../../ops/db/ingest-keys.js';

export type { IngestKeyOwner } from '../../ops/db/ingest-keys.js';

/** `Authorization: Bearer <key>`, or `X-Ingest-Key: <key>` for clients that reserve Authorization. */
export function credentialOf(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1];
  }
  const header = headers['x-ingest-key'];
  return typeof header === 'string' && header.trim() !== '' ? header.trim() : undefined;
}

export interface KeyResolver {
  /** The key's org, or null for an unknown or revoked key. */
  resolve(key: string): Promise<IngestKeyOwner | null>;
}

export class CachedKeyResolver implements KeyResolver {
  private readonly cache = new Map<string, { owner: IngestKeyOwner; until: number }>();

  constructor(
    private readonly lookup: (key: string) => Promise<IngestKeyOwner | null>,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  async resolve(key: string): Promise<IngestKeyOwner | null> {
    if (this.ttlMs === 0) return this.lookup(key);
    // Held by digest, so a heap dump does not hold every caller's key in clear.
    const id = createHash('sha256').update(key).digest('base64');
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.owner;
    const owner = await this.lookup(key);
    // Unknown keys are not cached: a client that just got its key must not be refused for the TTL.
    if (!owner) {
      this.cache.delete(id);
      return null;
    }
    if (this.cache.size >= this.maxEntries) this.cache.clear();
    this.cache.set(id, { owner, until: this.now() + this.ttlMs });
    return owner;
  }
}
