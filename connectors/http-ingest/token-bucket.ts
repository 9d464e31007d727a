/**
 * A token bucket per org: `burst` tokens at most, refilled at `ratePerSecond`, one token per event. The
 * arithmetic is written twice, in TypeScript (tested on its own) and in the Lua script Redis runs, because
 * only a script makes read-refill-take-write one atomic step for every ingest instance at once; an
 * integration test holds the two to the same answers.
 */
import type { Redis } from 'ioredis';

export interface BucketLimits {
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface BucketState {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export interface TakeResult {
  readonly allowed: boolean;
  /** 0 when allowed; otherwise how long until `cost` tokens are there. */
  readonly retryAfterMs: number;
  readonly tokens: number;
}

/**
 * A request larger than the burst takes the whole (full) bucket instead: otherwise it could never pass,
 * and a client told to retry later would retry forever.
 */
export const effectiveCost = (cost: number, limits: BucketLimits): number => Math.min(cost, limits.burst);

/** The same steps as TAKE_TOKENS_LUA; `state` undefined is a bucket nobody used lately, which is full. */
export function takeTokens(
  state: BucketState | undefined,
  nowMs: number,
  limits: BucketLimits,
  cost: number,
): { result: TakeResult; state: BucketState } {
  const need = effectiveCost(cost, limits);
  let tokens = limits.burst;
  if (state) {
    tokens = Math.min(
      limits.burst,
      state.tokens + (Math.max(0, nowMs - state.updatedAtMs) * limits.ratePerSecond) / 1000,
    );
  }
  let retryAfterMs = 0;
  const allowed = tokens >= need;
  if (allowed) tokens -= need;
  else retryAfterMs = Math.ceil(((need - tokens) * 1000) / limits.ratePerSecond);
  return { result: { allowed, retryAfterMs, tokens }, state: { tokens, updatedAtMs: nowMs } };
}

/** Once a bucket would have refilled completely, its key can go: a missing bucket counts as full. */
export const bucketTtlMs = (limits: BucketLimits): number =>
  Math.ceil((limits.burst * 1000) / limits.ratePerSecond) + 1000;

/** `Retry-After` is in whole seconds; rounding down would send clients back too early. */
export const retryAfterSeconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

// KEYS[1]: the bucket. ARGV: rate per second, burst, cost, now in ms or '' for the Redis server's clock, which
// every ingest instance shares, so skew between their clocks cannot mint tokens.
export const TAKE_TOKENS_LUA = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local need = math.min(tonumber(ARGV[3]), burst)
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1])
local at = tonumber(saved[2])
if tokens == nil or at == nil then
  tokens = burst
else
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
end
local allowed = 0
local wait = 0
if tokens >= need then
  tokens = tokens - need
  allowed = 1
else
  wait = math.ceil((need - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', string.format('%d', now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return { allowed, wait, string.format('%.17g', tokens) }
`;

export interface RateLimiter {
  take(orgId: string, cost: number, limits: BucketLimits): Promise<TakeResult>;
}

type ScriptedRedis = Redis & {
  tfTakeTokens(key: string, rate: string, burst: string, cost: string, now: string): Promise<[number, number, string]>;
};

export class RedisTokenBuckets implements RateLimiter {
  private readonly redis: ScriptedRedis;

  constructor(
    redis: Redis,
    private readonly prefix = 'tf:ingest:bucket:',
  ) {
    // defineCommand sends the script once and then runs it by its SHA, reloading it if Redis forgot it.
    if (!('tfTakeTokens' in redis)) redis.defineCommand('tfTakeTokens', { numberOfKeys: 1, lua: TAKE_TOKENS_LUA });
    this.redis = redis as ScriptedRedis;
  }

  /** `nowMs` only for tests; production uses the Redis server's clock. */
  async take(orgId: string, cost: number, limits: BucketLimits, nowMs?: number): Promise<TakeResult> {
    const [allowed, wait, tokens] = await this.redis.tfTakeTokens(
      this.prefix + orgId,
      String(limits.ratePerSecond),
      String(limits.burst),
      String(cost),
      nowMs === undefined ? '' : String(nowMs),
    );
    return { allowed: allowed === 1, retryAfterMs: Number(wait), tokens: Number(tokens) };
  }
}
