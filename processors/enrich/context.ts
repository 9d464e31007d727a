/**
 * Customer context (plan, tier, SLA policy) from PostgreSQL through a Redis cache-aside.
 *
 * The cache key holds the versions of the customer's row and of the SLA policy that applies to them
 * (context/cache.ts); a trigger gives a row a new version from one shared sequence whenever it changes
 * (ops/db/migrations/0003_customer_context.sql). Each lookup first asks PostgreSQL for those two versions, a
 * primary-key lookup per table that returns two numbers, then reads the context under the key they make;
 * only a miss reads and assembles the rows. So:
 *
 * - a change is seen by the very next interaction: a customer upgraded to ENTERPRISE a second before writing
 *   in is routed as one, which matters more than the lookup it costs;
 * - nothing is ever invalidated, so there is no race between a writer invalidating and a reader filling
 *   with what it read before the write: a late fill lands under the old versions' key, which no reader
 *   asks for any more;
 * - the TTL only reclaims entries no key leads to (superseded versions, customers gone quiet).
 *
 * The price is a PostgreSQL round trip on every lookup, hits included. If that ever matters more than
 * freshness, the trigger can NOTIFY the new versions and a listener keep them in Redis, taking PostgreSQL off
 * the hit path at the cost of a bounded staleness; the keys stay as they are.
 *
 * Redis is a cache here, never a dependency: when it fails, lookups go to PostgreSQL and the error is
 * reported. PostgreSQL failing fails the lookup, for the runtime to retry.
 */
import type { CustomerContext, SlaPolicy } from '../../schemas/index.js';
import { contextKey, readCached, writeCached, type CacheClient } from './context/cache.js';
import { fetchContext, probeVersions, type Queryable, type VersionedContext } from './context/store.js';

export type { CacheClient } from './context/cache.js';
export type { Queryable } from './context/store.js';

/** What the enrich stage needs: the context of a customer of an org, known or not. */
export type CustomerContextLookup = (orgId: string, customerId: string) => Promise<CustomerContext>;

/**
 * The policy of a customer whose org has set no default policy: no first-response targets, rather than
 * targets the org never promised.
 */
export const NO_SLA_POLICY: SlaPolicy = { policyId: 'none', name: 'No SLA', firstResponseMinutes: {} };

/** Bump the version part when the cached value's shape or the defaults built into it change. */
export const DEFAULT_KEY_PREFIX = 'tf:ctx:v1';
export const DEFAULT_TTL_SECONDS = 3600;

export interface ContextLookupOptions {
  readonly db: Queryable;
  readonly redis: CacheClient;
  readonly ttlSeconds?: number;
  readonly keyPrefix?: string;
  readonly fallbackPolicy?: SlaPolicy;
  /** Called when Redis fails; the lookup carries on without the cache. */
  readonly onCacheError?: (error: unknown, key: string) => void;
}

export function createCustomerContextLookup(options: ContextLookupOptions): CustomerContextLookup {
  const {
    db,
    redis,
    ttlSeconds = DEFAULT_TTL_SECONDS,
    keyPrefix = DEFAULT_KEY_PREFIX,
    fallbackPolicy = NO_SLA_POLICY,
    onCacheError = () => undefined,
  } = options;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  }
  return async (orgId, customerId) => {
    const probed = contextKey(keyPrefix, orgId, customerId, await probeVersions(db, orgId, customerId));
    try {
      const cached = await readCached(redis, probed);
      if (cached) return cached;
    } catch (error) {
      onCacheError(error, probed);
    }
    const fetched = await fetchContext(db, orgId, customerId);
    const context = contextOf(fetched, fallbackPolicy);
    // Under the versions actually read, which are newer than the probed ones if a write came in between.
    const key = contextKey(keyPrefix, orgId, customerId, fetched.versions);
    try {
      await writeCached(redis, key, context, ttlSeconds);
    } catch (error) {
      onCacheError(error, key);
    }
    return context;
  };
}

/** An unknown customer is no error: ingest mints ids for senders the org has never seen. */
export function contextOf(fetched: VersionedContext, fallbackPolicy: SlaPolicy): CustomerContext {
  const slaPolicy = fetched.slaPolicy ?? fallbackPolicy;
  if (!fetched.customer) return { known: false, plan: null, tier: 'UNKNOWN', slaPolicy };
  return { known: true, plan: fetched.customer.plan, tier: fetched.customer.tier, slaPolicy };
}
