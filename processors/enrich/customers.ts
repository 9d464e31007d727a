/**
 * Customer context (plan, tier, SLA policy) for a batch of interactions: one PostgreSQL query for the batch's
 * distinct customers, so every interaction is enriched with its customer's rows as they are now (a customer
 * upgraded a second before writing in is routed as such) at the cost of one round trip per batch.
 *
 * What was read is remembered, bounded, and used only when PostgreSQL is away: after a bounded wait, enrich
 * proceeds with the context last read for the customer (LAST_KNOWN) or with the empty one (UNAVAILABLE), marked
 * so, instead of holding the pipeline behind the outage. Every batch refreshes what it reads, so the memory is as
 * fresh as the last batch that saw the customer and never serves while the store answers.
 */
import type { CustomerContext, SlaPolicy } from '../../schemas/index.js';
import type { Dependency } from '../runtime/dependency.js';
import { PermanentError, UnavailableError } from '../runtime/errors.js';
import type { Queryable } from '../../ops/db/queryable.js';

export type { Queryable };

export interface CustomerKey {
  readonly orgId: string;
  readonly customerId: string;
}

/**
 * The policy of a customer whose org has set no default policy: no first-response targets, rather than
 * targets the org never promised.
 */
export const NO_SLA_POLICY: SlaPolicy = { policyId: 'none', name: 'No SLA', firstResponseMinutes: {} };

const keyOf = ({ orgId, customerId }: CustomerKey) => `${orgId}\u0000${customerId}`;

// The policy is the customer's own, else the org's default; a customer that does not exist gets the default.
const FETCH_SQL = `
  WITH wanted AS (
    SELECT DISTINCT w.org_id, w.customer_id FROM unnest($1::text[], $2::text[]) AS w(org_id, customer_id)
  )
  SELECT w.org_id, w.customer_id, c.customer_id IS NOT NULL AS known, c.plan, c.tier,
         p.policy_id, p.name, p.first_response_p1_minutes AS p1, p.first_response_p2_minutes AS p2,
         p.first_response_p3_minutes AS p3, p.first_response_p4_minutes AS p4
    FROM wanted w
    LEFT JOIN customers c ON c.org_id = w.org_id AND c.customer_id = w.customer_id
    LEFT JOIN sla_policies p ON p.org_id = w.org_id AND p.policy_id = COALESCE(
      c.sla_policy_id,
      (SELECT d.policy_id FROM sla_policies d WHERE d.org_id = w.org_id AND d.is_default))`;

interface Row {
  org_id: string;
  customer_id: string;
  known: boolean;
  plan: string | null;
  tier: string | null;
  policy_id: string | null;
  name: string | null;
  p1: number | null;
  p2: number | null;
  p3: number | null;
  p4: number | null;
}

export interface CustomerContextsOptions {
  readonly db: Queryable;
  readonly postgres: Dependency;
  /** How long an outage of PostgreSQL is waited out before enrich proceeds without it. */
  readonly fallbackAfterMs: number;
  /** Customers whose last context is remembered for outages. */
  readonly remember?: number;
  readonly fallbackPolicy?: SlaPolicy;
  readonly now?: () => number;
}

/** A context per customer of the batch, or the reason one cannot be had (a key the store refuses). */
export type ContextLookup = Map<string, CustomerContext | PermanentError>;

export class CustomerContexts {
  private readonly remembered = new Map<string, CustomerContext>();
  private readonly capacity: number;
  private readonly fallbackPolicy: SlaPolicy;
  private readonly now: () => number;

  constructor(private readonly options: CustomerContextsOptions) {
    this.capacity = options.remember ?? 50_000;
    this.fallbackPolicy = options.fallbackPolicy ?? NO_SLA_POLICY;
    this.now = options.now ?? Date.now;
  }

  static key = keyOf;

  async lookup(keys: readonly CustomerKey[]): Promise<ContextLookup> {
    const distinct = [...new Map(keys.map((k) => [keyOf(k), k])).values()];
    const { postgres } = this.options;
    try {
      return await this.fetch(distinct);
    } catch (error) {
      if (!(error instanceof UnavailableError)) throw error;
      const since = postgres.unavailableSince ?? this.now();
      const fallbackAt = since + this.options.fallbackAfterMs;
      if (this.now() < fallbackAt) {
        throw new UnavailableError(postgres, error.message, { cause: error, fallbackAt });
      }
      return new Map(distinct.map((k) => [keyOf(k), this.lastKnown(k)]));
    }
  }

  private async fetch(keys: readonly CustomerKey[]): Promise<ContextLookup> {
    const { db, postgres } = this.options;
    const found: ContextLookup = new Map();
    let rows: Row[];
    try {
      rows = await postgres.call(async () => (await db.query<Row>(FETCH_SQL, columns(keys))).rows);
    } catch (error) {
      // A value the store refuses fails the whole statement; find which customers it was and fail only them.
      if (!(error instanceof PermanentError) || keys.length === 1) {
        if (error instanceof PermanentError) return new Map([[keyOf(keys[0]!), error]]);
        throw error;
      }
      for (const key of keys) for (const [k, v] of await this.fetch([key])) found.set(k, v);
      return found;
    }
    for (const row of rows) {
      const context = this.contextOf(row);
      const key = keyOf({ orgId: row.org_id, customerId: row.customer_id });
      this.remember(key, context);
      found.set(key, context);
    }
    return found;
  }

  private contextOf(row: Row): CustomerContext {
    const slaPolicy =
      row.policy_id === null
        ? this.fallbackPolicy
        : { policyId: row.policy_id, name: row.name ?? row.policy_id, firstResponseMinutes: minutesOf(row) };
    if (!row.known) return { known: false, plan: null, tier: 'UNKNOWN', slaPolicy, source: 'STORE' };
    return { known: true, plan: row.plan, tier: tierOf(row.tier), slaPolicy, source: 'STORE' };
  }

  private lastKnown(key: CustomerKey): CustomerContext {
    const context = this.remembered.get(keyOf(key));
    if (context) return { ...context, source: 'LAST_KNOWN' };
    return { known: false, plan: null, tier: 'UNKNOWN', slaPolicy: this.fallbackPolicy, source: 'UNAVAILABLE' };
  }

  private remember(key: string, context: CustomerContext): void {
    this.remembered.delete(key);
    this.remembered.set(key, context);
    if (this.remembered.size > this.capacity) this.remembered.delete(this.remembered.keys().next().value!);
  }
}

function columns(keys: readonly CustomerKey[]): [string[], string[]] {
  return [keys.map((k) => k.orgId), keys.map((k) => k.customerId)];
}

const TIERS: ReadonlySet<string> = new Set(['FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE']);

function tierOf(tier: string | null): CustomerContext['tier'] {
  return tier !== null && TIERS.has(tier) ? (tier as CustomerContext['tier']) : 'UNKNOWN';
}

function minutesOf(row: Row): Record<string, number> {
  const minutes: Record<string, number> = {};
  for (const priority of ['P1', 'P2', 'P3', 'P4'] as const) {
    const value = row[priority.toLowerCase() as 'p1' | 'p2' | 'p3' | 'p4'];
    if (value !== null) minutes[priority] = value;
  }
  return minutes;
}
