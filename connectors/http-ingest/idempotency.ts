/**
 * Idempotency-Key records in Redis, one per org and key:
 *
 *   pending  {state, fingerprint, token}  set with NX while the first request is being produced; it expires on
 *                                         its own (after the longest a send may take) if that process dies
 *   done     {state, fingerprint, response}  the 202 the first request got, kept for the configured TTL
 *
 * NX makes exactly one of several simultaneous requests the owner. The others wait a little for the owner
 * to finish and then replay its response; if it takes longer they get 409 and retry. Only the owner, by its
 * token, can complete or release the record, so an owner that outlived its marker cannot overwrite the
 * record of a request that has since taken over the key.
 */
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';

export interface StoredResponse {
  readonly status: number;
  readonly body: unknown;
}

export type Claim =
  | { readonly kind: 'owner'; readonly token: string }
  | { readonly kind: 'replay'; readonly response: StoredResponse }
  | { readonly kind: 'mismatch' }
  | { readonly kind: 'in-progress' };

export interface IdempotencyStore {
  claim(orgId: string, key: string, fingerprint: string): Promise<Claim>;
  complete(orgId: string, key: string, token: string, fingerprint: string, response: StoredResponse): Promise<void>;
  release(orgId: string, key: string, token: string): Promise<void>;
}

type KeyRecord =
  | { state: 'pending'; fingerprint: string; token: string }
  | { state: 'done'; fingerprint: string; response: StoredResponse };

export interface RedisIdempotencyOptions {
  /** How long a completed request's response is replayed. */
  readonly ttlSeconds: number;
  /** Lifetime of a pending marker: longer than any send may take, so it outlives only a dead owner. */
  readonly pendingTtlMs: number;
  /** How long a request waits for a concurrent owner of its key before answering 409. */
  readonly waitMs: number;
  readonly pollMs?: number;
}

// ARGV[1]: the owner's token; ARGV[2]: the new value, or '' to delete; ARGV[3]: its TTL in ms.
const IF_OWNER_LUA = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, record = pcall(cjson.decode, current)
if not ok or record.state ~= 'pending' or record.token ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`;

type ScriptedRedis = Redis & {
  tfIdempotencyIfOwner(key: string, token: string, value: string, ttlMs: string): Promise<number>;
};

export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly options: RedisIdempotencyOptions,
    private readonly prefix = 'tf:ingest:idem:',
  ) {
    if (!('tfIdempotencyIfOwner' in redis)) {
      redis.defineCommand('tfIdempotencyIfOwner', { numberOfKeys: 1, lua: IF_OWNER_LUA });
    }
    this.redis = redis as ScriptedRedis;
  }

  async claim(orgId: string, key: string, fingerprint: string): Promise<Claim> {
    const redisKey = this.keyOf(orgId, key);
    const token = randomUUID();
    const pending = JSON.stringify({ state: 'pending', fingerprint, token } satisfies KeyRecord);
    const deadline = Date.now() + this.options.waitMs;
    for (;;) {
      if ((await this.redis.set(redisKey, pending, 'PX', this.options.pendingTtlMs, 'NX')) === 'OK') {
        return { kind: 'owner', token };
      }
      const raw = await this.redis.get(redisKey);
      // Gone between SET and GET (expired or released): try to become the owner again.
      if (raw === null) continue;
      const record = JSON.parse(raw) as KeyRecord;
      if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
      if (record.state === 'done') return { kind: 'replay', response: record.response };
      if (Date.now() >= deadline) return { kind: 'in-progress' };
      await sleep(this.options.pollMs ?? 25);
    }
  }

  async complete(
    orgId: string,
    key: string,
    token: string,
    fingerprint: string,
    response: StoredResponse,
  ): Promise<void> {
    const done = JSON.stringify({ state: 'done', fingerprint, response } satisfies KeyRecord);
    await this.redis.tfIdempotencyIfOwner(this.keyOf(orgId, key), token, done, String(this.options.ttlSeconds * 1000));
  }

  async release(orgId: string, key: string, token: string): Promise<void> {
    await this.redis.tfIdempotencyIfOwner(this.keyOf(orgId, key), token, '', '0');
  }

  /** Hashed, so a client's key of any length and alphabet makes a short, safe Redis key. */
  private keyOf(orgId: string, key: string): string {
    return `${this.prefix}${orgId}:${createHash('sha256').update(key).digest('hex')}`;
  }
}
