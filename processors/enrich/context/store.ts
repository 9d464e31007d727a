/**
 * The customer context as PostgreSQL holds it (ops/db/migrations/0003_customer_context.sql): the customer's
 * row and the SLA policy that applies to them, which is their own or else the org's default.
 */
import type { Queryable } from '../../../ops/db/queryable.js';
import type { CustomerTier, SlaPolicy } from '../../../schemas/index.js';

export type { Queryable };

/**
 * The versions of the two rows a context is built from; null where there is no row (an unknown customer, an
 * org without a default policy). Strings, because they are bigints.
 */
export interface ContextVersions {
  readonly customer: string | null;
  readonly policy: string | null;
}

export interface VersionedContext {
  readonly versions: ContextVersions;
  /** Null where there is no row: the caller decides what an unknown customer or missing policy means. */
  readonly customer: { readonly plan: string | null; readonly tier: CustomerTier } | null;
  readonly slaPolicy: SlaPolicy | null;
}

// The policy is the customer's own, else the org's default; a customer that does not exist gets the default.
const RESOLVE = `
  WITH c AS (
    SELECT plan, tier, sla_policy_id, version FROM customers WHERE org_id = $1 AND customer_id = $2
  ), p AS (
    SELECT * FROM sla_policies
     WHERE org_id = $1
       AND policy_id = COALESCE(
         (SELECT sla_policy_id FROM c),
         (SELECT policy_id FROM sla_policies WHERE org_id = $1 AND is_default)
       )
  )`;

const PROBE_SQL = `${RESOLVE}
  SELECT (SELECT version FROM c)::text AS customer_version, (SELECT version FROM p)::text AS policy_version`;

const FETCH_SQL = `${RESOLVE}
  SELECT c.version::text AS customer_version, c.plan, c.tier,
         p.version::text AS policy_version, p.policy_id, p.name,
         p.first_response_p1_minutes AS p1, p.first_response_p2_minutes AS p2,
         p.first_response_p3_minutes AS p3, p.first_response_p4_minutes AS p4
    FROM (SELECT 1) AS one LEFT JOIN c ON true LEFT JOIN p ON true`;

/** Only the versions: two small index lookups, asked for every interaction to find the cache key. */
export async function probeVersions(db: Queryable, orgId: string, customerId: string): Promise<ContextVersions> {
  const { rows } = await db.query<{ customer_version: string | null; policy_version: string | null }>(PROBE_SQL, [
    orgId,
    customerId,
  ]);
  const row = rows[0];
  return { customer: row?.customer_version ?? null, policy: row?.policy_version ?? null };
}

interface FetchRow {
  customer_version: string | null;
  plan: string | null;
  tier: string | null;
  policy_version: string | null;
  policy_id: string | null;
  name: string | null;
  p1: number | null;
  p2: number | null;
  p3: number | null;
  p4: number | null;
}

/** The whole context with the versions it was read at, in one statement and so from one snapshot. */
export async function fetchContext(db: Queryable, orgId: string, customerId: string): Promise<VersionedContext> {
  const { rows } = await db.query<FetchRow>(FETCH_SQL, [orgId, customerId]);
  const row = rows[0];
  if (!row) throw new Error('customer context query returned no row');
  return {
    versions: { customer: row.customer_version, policy: row.policy_version },
    customer: row.customer_version === null ? null : { plan: row.plan, tier: tierOf(row.tier) },
    slaPolicy:
      row.policy_id === null
        ? null
        : { policyId: row.policy_id, name: row.name ?? row.policy_id, firstResponseMinutes: minutesOf(row) },
  };
}

const TIERS: ReadonlySet<string> = new Set<CustomerTier>(['FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE']);

function tierOf(tier: string | null): CustomerTier {
  return tier !== null && TIERS.has(tier) ? (tier as CustomerTier) : 'UNKNOWN';
}

function minutesOf(row: FetchRow): Record<string, number> {
  const minutes: Record<string, number> = {};
  for (const priority of ['P1', 'P2', 'P3', 'P4'] as const) {
    const value = row[priority.toLowerCase() as 'p1' | 'p2' | 'p3' | 'p4'];
    if (value !== null) minutes[priority] = value;
  }
  return minutes;
}
