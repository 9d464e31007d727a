/**
 * `npm run db:migrate -- set-query-limits <orgId> ...`: an org's own request limits for the query API
 * (query-api/rate-limit-settings.ts), from command-line flags, printed back as the API will apply them.
 */
import type { QueryRateLimits } from '../../config/index.js';
import {
  effectiveLimits,
  saveLimitOverrides,
  type LimitChange,
  type OrgLimitOverrides,
} from '../../query-api/rate-limit-settings.js';
import type { Queryable } from './queryable.js';

export const QUERY_LIMIT_FLAGS = ['org-per-minute', 'user-per-minute', 'org-endpoint', 'user-endpoint'] as const;

/** A flag's own syntax is wrong; the message names the flag. */
export class QueryLimitsFlagError extends Error {
  override name = 'QueryLimitsFlagError';
}

/** The field names of rate-limit-settings.ts as the flags that set them. */
export function flagOfField(field: string): string {
  return field
    .replace(/^org$/, '--org-per-minute')
    .replace(/^user$/, '--user-per-minute')
    .replace(/^orgEndpoints /, '--org-endpoint ')
    .replace(/^userEndpoints /, '--user-endpoint ');
}

const perMinute = (raw: string, flag: string): number => {
  // Number('') is 0 and Number('1e3') is 1000: only plain digits are a count of requests.
  if (!/^\d+$/.test(raw.trim()))
    throw new QueryLimitsFlagError(`${flag} must be a whole number of requests per minute, got ${JSON.stringify(raw)}`);
  return Number(raw);
};

function endpointLimits(raw: string, flag: string): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const item of raw.split(',').map((s) => s.trim())) {
    const at = item.lastIndexOf('=');
    if (at < 1)
      throw new QueryLimitsFlagError(
        `${flag} entries are PATH=REQUESTS_PER_MINUTE (e.g. /v1/search=120), got ${JSON.stringify(item)}`,
      );
    const endpoint = item.slice(0, at).trim();
    if (Object.hasOwn(limits, endpoint)) throw new QueryLimitsFlagError(`${flag} names ${endpoint} twice`);
    limits[endpoint] = perMinute(item.slice(at + 1), `${flag} ${endpoint}`);
  }
  return limits;
}

/** What the flags ask to change; the store checks the values and endpoints, this only the flags' syntax. */
export function queryLimitChange(values: Record<string, string | boolean | undefined>): LimitChange {
  const raw = (flag: string) => values[flag] as string | undefined;
  const change: {
    org?: number | null;
    user?: number | null;
    orgEndpoints?: Record<string, number | null>;
    userEndpoints?: Record<string, number | null>;
  } = {};
  if (raw('org-per-minute') !== undefined) change.org = perMinute(raw('org-per-minute')!, '--org-per-minute');
  if (raw('user-per-minute') !== undefined) change.user = perMinute(raw('user-per-minute')!, '--user-per-minute');
  if (raw('org-endpoint') !== undefined) change.orgEndpoints = endpointLimits(raw('org-endpoint')!, '--org-endpoint');
  if (raw('user-endpoint') !== undefined)
    change.userEndpoints = endpointLimits(raw('user-endpoint')!, '--user-endpoint');
  const resets = (raw('reset') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const reset of resets) {
    const [flag, endpoint] = reset.replace(/^--/, '').split(':', 2) as [string, string | undefined];
    if (flag === 'org-per-minute' || flag === 'user-per-minute') {
      const field = flag === 'org-per-minute' ? 'org' : 'user';
      if (endpoint !== undefined || change[field] !== undefined) {
        throw new QueryLimitsFlagError(`--reset ${reset}: --${flag} is both set and reset, or takes no endpoint`);
      }
      change[field] = null;
    } else if ((flag === 'org-endpoint' || flag === 'user-endpoint') && endpoint) {
      const field = flag === 'org-endpoint' ? 'orgEndpoints' : 'userEndpoints';
      const map = (change[field] ??= {});
      if (map[endpoint] !== undefined) throw new QueryLimitsFlagError(`--${flag} ${endpoint} is both set and reset`);
      map[endpoint] = null;
    } else {
      throw new QueryLimitsFlagError(
        `--reset takes org-per-minute, user-per-minute, org-endpoint:PATH or user-endpoint:PATH, got ${reset}`,
      );
    }
  }
  if (Object.keys(change).length === 0) {
    throw new QueryLimitsFlagError(
      `set-query-limits needs at least one of ${QUERY_LIMIT_FLAGS.map((f) => `--${f}`).join(', ')}, --reset`,
    );
  }
  return change;
}

/** Saves the change and returns the lines to print: every limit as the API applies it, defaults marked. */
export async function setQueryLimits(
  db: Queryable,
  orgId: string,
  change: LimitChange,
  defaults: QueryRateLimits,
  endpoints: readonly string[],
): Promise<string[]> {
  const own = await saveLimitOverrides(db, orgId, change, endpoints);
  return describeLimits(orgId, own, defaults);
}

export function describeLimits(orgId: string, own: OrgLimitOverrides, defaults: QueryRateLimits): string[] {
  const limits = effectiveLimits(defaults, own);
  const mark = (isOwn: boolean) => (isOwn ? '' : ' (default)');
  const endpoints = (applied: Readonly<Record<string, number>>, mine: Readonly<Record<string, number>>) => {
    const entries = Object.entries(applied).sort(([a], [b]) => a.localeCompare(b));
    return entries.length === 0
      ? 'none'
      : entries.map(([e, n]) => `${e}=${n}${mark(Object.hasOwn(mine, e))}`).join(', ');
  };
  return [
    `query API limits of ${orgId} saved (requests per minute):`,
    `  --org-per-minute    ${limits.org}${mark(own.org !== undefined)}`,
    `  --user-per-minute   ${limits.user}${mark(own.user !== undefined)}`,
    `  --org-endpoint      ${endpoints(limits.orgEndpoints, own.orgEndpoints)}`,
    `  --user-endpoint     ${endpoints(limits.userEndpoints, own.userEndpoints)}`,
  ];
}
