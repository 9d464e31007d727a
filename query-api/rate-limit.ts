/**
 * Request limits of the query API, shared by every instance through Redis. Each limit is a token bucket that
 * holds a minute's worth of requests and refills continuously (`perMinute` per minute); a request takes one token
 * from every bucket that applies to it, or from none when any of them is empty. One Lua script does the
 * read-refill-take-write of all of them as one atomic step, on the Redis server's clock, so every instance sees
 * the same buckets and no instance's clock can mint tokens. The arithmetic is written twice, here
 * (`takeRequest`) and in the script; the integration test holds the two to the same answers.
 *
 * When Redis does not answer within `redisTimeoutMs` (500 ms by default), the same buckets are kept in this process instead: each
 * instance then enforces the limits on its own share of the traffic (looser, but never unlimited), and the
 * fallback is counted, so an outage of Redis neither takes the API down nor lifts the limits.
 */
import type { Redis } from 'ioredis';

/** Which requests share a bucket: an org's, one user's, and per endpoint either of those. */
export type LimitScope = 'org' | 'user' | 'org-endpoint' | 'user-endpoint';

export interface AppliedLimit {
  readonly scope: LimitScope;
  /** Redis key of the bucket (also the key of the in-process fallback). */
  readonly key: string;
  readonly perMinute: number;
}

export interface BucketState {
  readonly tokens: number;
  readonly atMs: number;
}

export interface LimitDecision {
  readonly allowed: boolean;
  /** The bucket closest to empty, for the RateLimit-* headers: its size, whole tokens left, seconds to full. */
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
  /** Refused only: the bucket that refused, and seconds until it has a token again. */
  readonly refused?: { readonly scope: LimitScope; readonly perMinute: number; readonly retryAfterSeconds: number };
  /** True when Redis did not answer and this process decided alone. */
  readonly local: boolean;
}

const MINUTE_MS = 60_000;

/** One bucket refilled to `nowMs`; a bucket nobody used lately (no state) is full. */
export function refill(state: BucketState | undefined, perMinute: number, nowMs: number): number {
  if (!state) return perMinute;
  return Math.min(perMinute, state.tokens + (Math.max(0, nowMs - state.atMs) * perMinute) / MINUTE_MS);
}

/** The same steps as TAKE_REQUEST_LUA: refill each bucket, then take a token from all of them or from none. */
export function takeRequest(
  states: ReadonlyArray<BucketState | undefined>,
  perMinute: readonly number[],
  nowMs: number,
): { allowed: boolean; tokens: number[] } {
  const tokens = states.map((state, i) => refill(state, perMinute[i]!, nowMs));
  const allowed = tokens.every((t) => t >= 1);
  return { allowed, tokens: allowed ? tokens.map((t) => t - 1) : tokens };
}

/** The headers' and the refusal's view of the buckets after a take. */
export function decide(
  limits: readonly AppliedLimit[],
  tokens: readonly number[],
  allowed: boolean,
  local: boolean,
): LimitDecision {
  let shown = 0;
  let refused: number | undefined;
  let retryAfterSeconds = 0;
  limits.forEach((limit, i) => {
    const left = Math.floor(tokens[i]!);
    const shownLeft = Math.floor(tokens[shown]!);
    if (left < shownLeft || (left === shownLeft && limit.perMinute < limits[shown]!.perMinute)) shown = i;
    if (!allowed && tokens[i]! < 1) {
      // Seconds until this bucket holds one whole token again; the latest of the empty ones is when to retry.
      const wait = Math.max(1, Math.ceil(((1 - tokens[i]!) * 60) / limit.perMinute));
      if (wait >= retryAfterSeconds) {
        retryAfterSeconds = wait;
        refused = i;
      }
    }
  });
  const bucket = limits[shown]!;
  const decision = {
    allowed,
    limit: bucket.perMinute,
    remaining: Math.max(0, Math.floor(tokens[shown]!)),
    resetSeconds: Math.ceil(((bucket.perMinute - tokens[shown]!) * 60) / bucket.perMinute),
    local,
  };
  if (refused === undefined) return decision;
  const { scope, perMinute } = limits[refused]!;
  return { ...decision, refused: { scope, perMinute, retryAfterSeconds } };
}

// KEYS: the buckets. ARGV[1]: now in ms, or '' for the Redis server's clock; ARGV[1 + i]: perMinute of KEYS[i].
// Returns {allowed, tokens of each bucket after the take}.
export const TAKE_REQUEST_LUA = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local tokens = {}
local allowed = 1
for i = 1, #KEYS do
  local size = tonumber(ARGV[i + 1])
  local saved = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local left = tonumber(saved[1])
  local at = tonumber(saved[2])
  if left == nil or at == nil then
    left = size
  else
    left = math.min(size, left + math.max(0, now - at) * size / 60000)
  end
  tokens[i] = left
  if left < 1 then allowed = 0 end
end
local out = { allowed }
for i = 1, #KEYS do
  if allowed == 1 then tokens[i] = tokens[i] - 1 end
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', tokens[i]), 'at', string.format('%d', now))
  -- A bucket is full again within a minute; a missing one counts as full.
  redis.call('PEXPIRE', KEYS[i], 61000)
  out[i + 1] = string.format('%.17g', tokens[i])
end
return out
`;

type ScriptedRedis = Redis & { tfTakeRequest(...args: string[]): Promise<[number, ...string[]]> };

export interface RequestLimiter {
  take(limits: readonly AppliedLimit[]): Promise<LimitDecision>;
}

/** The buckets in this process alone: the fallback while Redis is away, and a stand-in for unit tests. */
export class LocalRequestLimiter implements RequestLimiter {
  private readonly buckets = new Map<string, BucketState>();

  constructor(private readonly now: () => number = Date.now) {}

  async take(limits: readonly AppliedLimit[], local = true): Promise<LimitDecision> {
    const nowMs = this.now();
    // Buckets untouched for a minute are full, which is what a missing one means; forget them all at once.
    if (this.buckets.size > 100_000) this.buckets.clear();
    const { allowed, tokens } = takeRequest(
      limits.map((l) => this.buckets.get(l.key)),
      limits.map((l) => l.perMinute),
      nowMs,
    );
    limits.forEach((l, i) => this.buckets.set(l.key, { tokens: tokens[i]!, atMs: nowMs }));
    return decide(limits, tokens, allowed, local);
  }
}

export interface RedisLimiterOptions {
  readonly redisTimeoutMs?: number;
  /** Told each time Redis did not answer and the decision was taken in this process. */
  readonly onFallback?: (error: unknown) => void;
  /** Only for tests: a fixed clock instead of the Redis server's. */
  readonly nowMs?: () => number;
}

export class RedisRequestLimiter implements RequestLimiter {
  private readonly redis: ScriptedRedis;
  private readonly fallback: LocalRequestLimiter;

  constructor(
    redis: Redis,
    private readonly options: RedisLimiterOptions = {},
  ) {
    if (!('tfTakeRequest' in redis)) redis.defineCommand('tfTakeRequest', { lua: TAKE_REQUEST_LUA });
    this.redis = redis as ScriptedRedis;
    this.fallback = new LocalRequestLimiter(options.nowMs);
  }

  async take(limits: readonly AppliedLimit[]): Promise<LimitDecision> {
    if (limits.length === 0) throw new Error('a request has at least its org and user limits');
    const timeoutMs = this.options.redisTimeoutMs ?? 500;
    let timer: NodeJS.Timeout | undefined;
    try {
      const answer = await Promise.race([
        this.redis.tfTakeRequest(
          String(limits.length),
          ...limits.map((l) => l.key),
          this.options.nowMs ? String(this.options.nowMs()) : '',
          ...limits.map((l) => String(l.perMinute)),
        ),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      const [allowed, ...tokens] = answer;
      return decide(limits, tokens.map(Number), allowed === 1, false);
    } catch (error) {
      this.options.onFallback?.(error);
      return this.fallback.take(limits);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Key of a bucket: its scope and the org, user and endpoint it counts, each escaped so none can run into another. */
export function bucketKey(scope: LimitScope, orgId: string, user?: string, endpoint?: string): string {
  const parts = [scope, orgId, ...(user === undefined ? [] : [user]), ...(endpoint === undefined ? [] : [endpoint])];
  return `tf:query:limit:${parts.map(encodeURIComponent).join(':')}`;
}
