/**
 * The Redis side of the context cache. Entries are immutable: a key names the exact row versions its value
 * was built from, so an entry is never updated or invalidated, only left to expire once no key leads to it.
 */
import type { Redis } from 'ioredis';
import type { CustomerContext } from '../../../schemas/index.js';
import type { ContextVersions } from './store.js';

export type CacheClient = Pick<Redis, 'get' | 'set'>;

/**
 * `<prefix>:<org>:<customer>:<customer version>.<policy version>`, 0 standing for a missing row (versions
 * start at 1). The customer id is percent-encoded, so that one containing `:` or `.` cannot spell another
 * customer's key. The prefix carries the format of the value: change it when the value's shape or the
 * defaults built into it change, and old entries are never read.
 */
export function contextKey(prefix: string, orgId: string, customerId: string, versions: ContextVersions): string {
  return `${prefix}:${encodeURIComponent(orgId)}:${encodeURIComponent(customerId)}:${versions.customer ?? 0}.${versions.policy ?? 0}`;
}

export async function readCached(redis: CacheClient, key: string): Promise<CustomerContext | undefined> {
  const raw = await redis.get(key);
  if (raw === null) return undefined;
  const value = JSON.parse(raw) as CustomerContext;
  if (typeof value !== 'object' || value === null || typeof value.known !== 'boolean' || !value.slaPolicy) {
    throw new Error(`cached context under ${key} has an unexpected shape`);
  }
  return value;
}

export async function writeCached(
  redis: CacheClient,
  key: string,
  context: CustomerContext,
  ttlSeconds: number,
): Promise<void> {
  await redis.set(key, JSON.stringify(context), 'EX', ttlSeconds);
}
