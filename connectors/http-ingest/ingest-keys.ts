/**
 * Who is calling: the ingest key from the request headers, resolved to its org. A verified key is trusted
 * for a few seconds without asking PostgreSQL again, which keeps the database off the hot path; the price is
 * that a revocation takes up to that long to bite (INGEST_KEY_CACHE_MS, 0 to ask every time).
 *
 * While PostgreSQL cannot answer, a key verified within INGEST_KEY_STALE_MS is still trusted: the database holds
 * nothing the interaction needs beyond who sent it, so its outage should not refuse callers ingest already knows.
 * A revocation made just before an outage then takes up to that long to bite.
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

export interface KeyCacheOptions {
  /** How long a verified key is trusted without asking again; 0 asks every time (and keeps nothing). */
  ttlMs: number;
  /** How long past its TTL a verified key is still trusted while the lookup fails; 0 never. */
  staleIfErrorMs?: number;
  /**
   * After a failed lookup, keys with a stale entry are answered from it for this long without asking, so a
   * database that hangs rather than refuses costs each request nothing instead of a connection timeout.
   */
  retryAfterMs?: number;
  now?: () => number;
  maxEntries?: number;
}

export class CachedKeyResolver implements KeyResolver {
  private readonly cache = new Map<string, { owner: IngestKeyOwner; until: number }>();
  private readonly ttlMs: number;
  private readonly staleIfErrorMs: number;
  private readonly retryAfterMs: number;
  private readonly now: () => number;
  private readonly maxEntries: number;
  private failingUntil = 0;

  constructor(
    private readonly lookup: (key: string) => Promise<IngestKeyOwner | null>,
    options: KeyCacheOptions,
  ) {
    this.ttlMs = options.ttlMs;
    this.staleIfErrorMs = options.staleIfErrorMs ?? 0;
    this.retryAfterMs = options.retryAfterMs ?? 1000;
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 10_000;
  }

  async resolve(key: string): Promise<IngestKeyOwner | null> {
    if (this.ttlMs === 0) return this.lookup(key);
    // Held by digest, so a heap dump does not hold every caller's key in clear.
    const id = createHash('sha256').update(key).digest('base64');
    const hit = this.cache.get(id);
    const now = this.now();
    if (hit && hit.until > now) return hit.owner;
    const stale = hit && hit.until + this.staleIfErrorMs > now ? hit.owner : null;
    if (stale && this.failingUntil > now) return stale;
    let owner: IngestKeyOwner | null;
    try {
      owner = await this.lookup(key);
    } catch (error) {
      if (!stale) throw error;
      this.failingUntil = this.now() + this.retryAfterMs;
      return stale;
    }
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
