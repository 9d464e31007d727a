/**
 * Which request limits apply to a request of the query API: the defaults of config/index.ts (QueryRateLimits),
 * overridden per org by rows in PostgreSQL (ops/db/migrations/0006_query_rate_limits.sql), and the lookup the
 * API reads those through.
 *
 * An org's overrides are kept in process memory for a short TTL (30 s by default), so a change reaches every
 * instance within it and the hot path costs no round trip. A failed read never blocks requests: the org's last
 * known overrides (or the defaults) apply, and the failure is reported for a metric.
 */
import type { QueryRateLimits } from '../config/index.js';
import { UnknownOrganizationError } from '../ops/db/ingest-keys.js';
import type { Queryable } from '../ops/db/queryable.js';
import { bucketKey, type AppliedLimit } from './rate-limit.js';

export { UnknownOrganizationError } from '../ops/db/ingest-keys.js';

/** What an org has set; anything absent is the default. Endpoints are paths as the OpenAPI document spells them. */
export interface OrgLimitOverrides {
  readonly org?: number;
  readonly user?: number;
  readonly orgEndpoints: Readonly<Record<string, number>>;
  readonly userEndpoints: Readonly<Record<string, number>>;
}

/** A value to store; null to go back to the default; absent to keep what is stored. */
export interface LimitChange {
  readonly org?: number | null;
  readonly user?: number | null;
  readonly orgEndpoints?: Readonly<Record<string, number | null>>;
  readonly userEndpoints?: Readonly<Record<string, number | null>>;
}

export interface LimitProblem {
  /** `org`, `user`, or `orgEndpoints /v1/search` and the like. */
  readonly field: string;
  readonly rule: string;
}

export class LimitSettingsError extends Error {
  override name = 'LimitSettingsError';
  constructor(readonly problems: readonly LimitProblem[]) {
    super(problems.map((p) => `${p.field} ${p.rule}`).join('; '));
  }
}

export const MAX_PER_MINUTE = 10_000_000;

/** Checks a change against the rules and the endpoints the API has; throws listing every problem. */
export function validateLimitChange(change: LimitChange, endpoints: readonly string[]): void {
  const problems: LimitProblem[] = [];
  const checkValue = (field: string, value: number | null | undefined) => {
    if (value === undefined || value === null) return;
    if (!Number.isInteger(value) || value < 1 || value > MAX_PER_MINUTE) {
      problems.push({
        field,
        rule: `must be a whole number of requests per minute from 1 to ${MAX_PER_MINUTE}, got ${value}`,
      });
    }
  };
  checkValue('org', change.org);
  checkValue('user', change.user);
  for (const kind of ['orgEndpoints', 'userEndpoints'] as const) {
    for (const [endpoint, value] of Object.entries(change[kind] ?? {})) {
      if (!endpoints.includes(endpoint)) {
        problems.push({
          field: `${kind} ${endpoint}`,
          rule: `is not an endpoint of the query API (${endpoints.join(', ')})`,
        });
      } else checkValue(`${kind} ${endpoint}`, value);
    }
  }
  if (problems.length > 0) throw new LimitSettingsError(problems);
}

interface Row {
  scope: 'org' | 'user';
  endpoint: string;
  per_minute: number;
}

function overridesOf(rows: readonly Row[]): OrgLimitOverrides {
  const overrides: {
    org?: number;
    user?: number;
    orgEndpoints: Record<string, number>;
    userEndpoints: Record<string, number>;
  } = {
    orgEndpoints: {},
    userEndpoints: {},
  };
  for (const row of rows) {
    if (row.endpoint === '*') overrides[row.scope] = row.per_minute;
    else overrides[row.scope === 'org' ? 'orgEndpoints' : 'userEndpoints'][row.endpoint] = row.per_minute;
  }
  return overrides;
}

export async function readLimitOverrides(db: Queryable, orgId: string): Promise<OrgLimitOverrides> {
  const { rows } = await db.query<Row>(
    'SELECT scope, endpoint, per_minute FROM query_rate_limits WHERE org_id = $1 ORDER BY scope, endpoint',
    [orgId],
  );
  return overridesOf(rows);
}

/**
 * Stores a change for an existing org in one statement (all of it or nothing) and returns the org's overrides
 * as now stored. Throws a LimitSettingsError for an invalid change and an UnknownOrganizationError for an org
 * that does not exist.
 */
export async function saveLimitOverrides(
  db: Queryable,
  orgId: string,
  change: LimitChange,
  endpoints: readonly string[],
): Promise<OrgLimitOverrides> {
  validateLimitChange(change, endpoints);
  const set: Array<[string, string, number]> = [];
  const reset: Array<[string, string]> = [];
  const add = (scope: string, endpoint: string, value: number | null | undefined) => {
    if (value === null) reset.push([scope, endpoint]);
    else if (value !== undefined) set.push([scope, endpoint, value]);
  };
  add('org', '*', change.org);
  add('user', '*', change.user);
  for (const [endpoint, value] of Object.entries(change.orgEndpoints ?? {})) add('org', endpoint, value);
  for (const [endpoint, value] of Object.entries(change.userEndpoints ?? {})) add('user', endpoint, value);
  const { rows } = await db.query('SELECT 1 FROM organizations WHERE id = $1', [orgId]);
  if (rows.length === 0) throw new UnknownOrganizationError(`organization ${orgId} does not exist; create it first`);
  try {
    await db.query(
      `WITH removed AS (
         DELETE FROM query_rate_limits WHERE org_id = $1
           AND (scope, endpoint) IN (SELECT * FROM unnest($2::text[], $3::text[]))
       )
       INSERT INTO query_rate_limits (org_id, scope, endpoint, per_minute)
       SELECT $1, s, e, n FROM unnest($4::text[], $5::text[], $6::integer[]) AS given (s, e, n)
       ON CONFLICT (org_id, scope, endpoint) DO UPDATE SET per_minute = EXCLUDED.per_minute, updated_at = now()`,
      [
        orgId,
        reset.map((r) => r[0]),
        reset.map((r) => r[1]),
        set.map((s) => s[0]),
        set.map((s) => s[1]),
        set.map((s) => s[2]),
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new UnknownOrganizationError(`organization ${orgId} does not exist; create it first`);
    }
    throw error;
  }
  return readLimitOverrides(db, orgId);
}

/** The defaults with an org's overrides applied. */
export function effectiveLimits(defaults: QueryRateLimits, overrides: OrgLimitOverrides): QueryRateLimits {
  return {
    org: overrides.org ?? defaults.org,
    user: overrides.user ?? defaults.user,
    orgEndpoints: { ...defaults.orgEndpoints, ...overrides.orgEndpoints },
    userEndpoints: { ...defaults.userEndpoints, ...overrides.userEndpoints },
  };
}

/** The buckets a request of `user` in `orgId` to `endpoint` takes a token from. */
export function appliedLimits(limits: QueryRateLimits, orgId: string, user: string, endpoint: string): AppliedLimit[] {
  const applied: AppliedLimit[] = [
    { scope: 'org', key: bucketKey('org', orgId), perMinute: limits.org },
    { scope: 'user', key: bucketKey('user', orgId, user), perMinute: limits.user },
  ];
  const orgEndpoint = limits.orgEndpoints[endpoint];
  if (orgEndpoint !== undefined) {
    applied.push({
      scope: 'org-endpoint',
      key: bucketKey('org-endpoint', orgId, undefined, endpoint),
      perMinute: orgEndpoint,
    });
  }
  const userEndpoint = limits.userEndpoints[endpoint];
  if (userEndpoint !== undefined) {
    applied.push({
      scope: 'user-endpoint',
      key: bucketKey('user-endpoint', orgId, user, endpoint),
      perMinute: userEndpoint,
    });
  }
  return applied;
}

export type LimitOverridesLookup = (orgId: string) => Promise<OrgLimitOverrides>;

export interface LimitOverridesLookupOptions {
  readonly db: Queryable;
  readonly ttlMs?: number;
  readonly maxEntries?: number;
  /** Told when PostgreSQL could not be read; the last known overrides (or none) are used meanwhile. */
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

const NONE: OrgLimitOverrides = Object.freeze({ orgEndpoints: {}, userEndpoints: {} });

/** An org's overrides, read at most once per `ttlMs`; concurrent misses share one read. */
export function createLimitOverridesLookup(options: LimitOverridesLookupOptions): LimitOverridesLookup {
  const { db, ttlMs = 30_000, maxEntries = 10_000, onError, now = () => performance.now() } = options;
  const cache = new Map<string, { overrides: OrgLimitOverrides; expiresAt: number }>();
  const reading = new Map<string, Promise<OrgLimitOverrides>>();
  return async (orgId) => {
    const cached = cache.get(orgId);
    if (cached && cached.expiresAt > now()) return cached.overrides;
    let read = reading.get(orgId);
    if (!read) {
      const startedAt = now();
      read = readLimitOverrides(db, orgId)
        .then((overrides) => {
          cache.delete(orgId);
          cache.set(orgId, { overrides, expiresAt: startedAt + ttlMs });
          if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
          return overrides;
        })
        .catch((error: unknown) => {
          onError?.(error);
          // Keep serving: what was known, or the defaults. Try again on a later request, not every one.
          const known = cache.get(orgId)?.overrides ?? NONE;
          cache.set(orgId, { overrides: known, expiresAt: startedAt + Math.min(ttlMs, 5000) });
          return known;
        })
        .finally(() => reading.delete(orgId));
      reading.set(orgId, read);
    }
    return read;
  };
}
