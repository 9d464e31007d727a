/**
 * What every /v1 request passes before its handler: a verified bearer token (401), then the request limits of
 * its org, its user and its endpoint (429 with Retry-After). Every answer past authentication carries the
 * RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset headers of the bucket closest to empty.
 */
import type { FastifyInstance } from 'fastify';
import type { QueryRateLimits } from '../config/index.js';
import { authenticate } from './auth.js';
import { HttpError } from './errors.js';
import type { JwtVerifier } from './jwt.js';
import type { QueryApiMetrics } from './metrics.js';
import type { AppliedLimit, LimitScope, RequestLimiter } from './rate-limit.js';
import { appliedLimits } from './rate-limit-settings.js';

export interface GuardOptions {
  readonly verify: JwtVerifier;
  readonly limiter: RequestLimiter;
  /** The limits of an org: the defaults with its own overrides. */
  readonly limitsOf: (orgId: string) => Promise<QueryRateLimits>;
  readonly metrics: QueryApiMetrics;
}

/** Tokens without a `sub` share one user's budget within their org. */
const NO_SUBJECT = '(no subject)';

/** `/v1/tickets/:id` → `/v1/tickets/{id}`: endpoints are named as the OpenAPI document names them. */
export const endpointOf = (routeUrl: string) => routeUrl.replace(/:(\w+)/g, '{$1}');

/** The buckets of each org, user and endpoint under one set of limits, built once per set (it changes rarely). */
function appliedLimitsMemo(): typeof appliedLimits {
  const bySet = new WeakMap<QueryRateLimits, Map<string, AppliedLimit[]>>();
  return (limits, orgId, user, endpoint) => {
    let known = bySet.get(limits);
    if (!known) bySet.set(limits, (known = new Map()));
    // Lengths first, so no org, user and endpoint spell the key of others.
    const key = `${orgId.length}:${user.length}:${orgId}${user}${endpoint}`;
    let applied = known.get(key);
    if (!applied) {
      if (known.size >= 10_000) known.clear();
      known.set(key, (applied = appliedLimits(limits, orgId, user, endpoint)));
    }
    return applied;
  };
}

export function guardRequests(app: FastifyInstance, { verify, limiter, limitsOf, metrics }: GuardOptions): void {
  const bucketsOf = appliedLimitsMemo();
  app.decorateRequest('orgId', '');
  app.addHook('onRequest', async (request, reply) => {
    let identity;
    try {
      identity = authenticate(request, verify);
    } catch (error) {
      metrics.authFailures.inc();
      throw error;
    }
    request.orgId = identity.orgId;
    const endpoint = endpointOf(request.routeOptions.url ?? '');
    const user = identity.subject ?? NO_SUBJECT;
    const decision = await limiter.take(bucketsOf(await limitsOf(identity.orgId), identity.orgId, user, endpoint));
    reply
      .header('ratelimit-limit', String(decision.limit))
      .header('ratelimit-remaining', String(decision.remaining))
      .header('ratelimit-reset', String(decision.resetSeconds));
    if (decision.refused) {
      const { scope, perMinute, retryAfterSeconds } = decision.refused;
      metrics.throttled.inc({ scope, endpoint });
      throw new HttpError(429, 'rate_limited', refusal(scope, perMinute, identity.orgId, user, endpoint), {
        retryAfterSeconds,
      });
    }
  });
}

function refusal(scope: LimitScope, perMinute: number, orgId: string, user: string, endpoint: string): string {
  const rate = `${perMinute} requests per minute`;
  switch (scope) {
    case 'org':
      return `organization ${orgId} may make ${rate} to this API, all its users together, and has used them up`;
    case 'user':
      return `each user may make ${rate} to this API; ${user} has used them up`;
    case 'org-endpoint':
      return `organization ${orgId} may make ${rate} to ${endpoint}, all its users together, and has used them up`;
    case 'user-endpoint':
      return `each user may make ${rate} to ${endpoint}; ${user} has used them up`;
  }
}
