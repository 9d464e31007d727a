/**
 * Shadow comparisons: what an org's shadow model decides beside its active one, on the same live (or replayed)
 * interactions, without touching the event that goes on. They are tallied in process memory and added to
 * PostgreSQL every few seconds (ops/db/migrations/0009_intent_model_shadow.sql), one statement per flush, so a
 * shadow costs its org a second classification and nothing per event on the wire.
 *
 * The tallies count what the stage classified: an input redone after a crash or a rebalance is counted again.
 * They are evidence for a promotion, not an audit, and a few redone inputs do not move a rate.
 */
import type { Logger } from 'pino';
import type { Queryable } from '../../ops/db/queryable.js';
import type { Dependency } from '../runtime/dependency.js';
import { PermanentError, UnavailableError } from '../runtime/errors.js';

export const OUT_OF_SCOPE_DECISION = '(out of scope)';
export const UNSUPPORTED_LANGUAGE_DECISION = '(language not supported)';

export interface Decision {
  readonly intent: string;
  readonly confidence: number;
  readonly outOfScope: boolean;
  readonly languageSupported: boolean;
}

/** What a decision amounts to for a reader of the report: the intent, or why there is none. */
export function decisionLabel(d: Decision): string {
  if (!d.languageSupported) return UNSUPPORTED_LANGUAGE_DECISION;
  return d.outOfScope ? OUT_OF_SCOPE_DECISION : d.intent;
}

export interface Tally {
  readonly orgId: string;
  readonly version: string;
  readonly activeVersion: string;
  interactions: number;
  agreed: number;
  activeOutOfScope: number;
  shadowOutOfScope: number;
  confidenceShiftSum: number;
  confidenceShiftAbsSum: number;
  /** `active decision \0 shadow decision` → interactions, for the decisions that differ. */
  readonly changes: Map<string, number>;
  firstSeenAt: number;
  lastSeenAt: number;
}

export interface ShadowComparisonsOptions {
  readonly db: Queryable;
  /** Flushes go through it; while it is open the tallies wait in memory. */
  readonly postgres?: Dependency;
  readonly logger: Pick<Logger, 'warn' | 'error'>;
  readonly flushMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_SHADOW_FLUSH_MS = 5000;

export class ShadowComparisons {
  private tallies = new Map<string, Tally>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: ShadowComparisonsOptions) {}

  observe(orgId: string, activeVersion: string, version: string, active: Decision, shadow: Decision): void {
    const now = (this.options.now ?? Date.now)();
    const key = `${orgId}\u0000${version}\u0000${activeVersion}`;
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = emptyTally(orgId, version, activeVersion, now);
      this.tallies.set(key, tally);
    }
    const [from, to] = [decisionLabel(active), decisionLabel(shadow)];
    tally.interactions += 1;
    if (from === to) tally.agreed += 1;
    else tally.changes.set(`${from}\u0000${to}`, (tally.changes.get(`${from}\u0000${to}`) ?? 0) + 1);
    if (active.outOfScope) tally.activeOutOfScope += 1;
    if (shadow.outOfScope) tally.shadowOutOfScope += 1;
    const shift = shadow.confidence - active.confidence;
    tally.confidenceShiftSum += shift;
    tally.confidenceShiftAbsSum += Math.abs(shift);
    tally.lastSeenAt = now;
  }

  /** What is counted and not yet written, for tests and shutdown logs. */
  pending(): Tally[] {
    return [...this.tallies.values()];
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushMs ?? DEFAULT_SHADOW_FLUSH_MS);
    this.timer.unref();
  }

  /** Stops the timer and writes what is left, so a graceful stop loses no comparison. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Adds the tallies to the database; on failure they are kept and merged with what comes meanwhile. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.tallies.size === 0) return;
    const taken = [...this.tallies.values()];
    this.tallies = new Map();
    const { db, postgres, logger } = this.options;
    try {
      const statement = addTallies(taken);
      await (postgres ? postgres.call(() => db.query(statement)) : db.query(statement));
    } catch (error) {
      if (isForeignKeyViolation(error)) {
        // The version or its org was deleted meanwhile: there is nothing left to report on.
        logger.warn({ err: error }, 'shadow comparisons dropped: their model version no longer exists');
        return;
      }
      if (error instanceof PermanentError) {
        // Written again it would fail again, every few seconds, for good.
        logger.error({ err: error }, 'shadow comparisons dropped: the database refused them');
        return;
      }
      if (!(error instanceof UnavailableError)) logger.warn({ err: error }, 'shadow comparisons not written; kept');
      for (const tally of taken) this.merge(tally);
    }
  }

  private merge(tally: Tally): void {
    const key = `${tally.orgId}\u0000${tally.version}\u0000${tally.activeVersion}`;
    const into = this.tallies.get(key);
    if (!into) {
      this.tallies.set(key, tally);
      return;
    }
    into.interactions += tally.interactions;
    into.agreed += tally.agreed;
    into.activeOutOfScope += tally.activeOutOfScope;
    into.shadowOutOfScope += tally.shadowOutOfScope;
    into.confidenceShiftSum += tally.confidenceShiftSum;
    into.confidenceShiftAbsSum += tally.confidenceShiftAbsSum;
    for (const [pair, n] of tally.changes) into.changes.set(pair, (into.changes.get(pair) ?? 0) + n);
    into.firstSeenAt = Math.min(into.firstSeenAt, tally.firstSeenAt);
  }
}

function emptyTally(orgId: string, version: string, activeVersion: string, now: number): Tally {
  return {
    orgId,
    version,
    activeVersion,
    interactions: 0,
    agreed: 0,
    activeOutOfScope: 0,
    shadowOutOfScope: 0,
    confidenceShiftSum: 0,
    confidenceShiftAbsSum: 0,
    changes: new Map(),
    firstSeenAt: now,
    lastSeenAt: now,
  };
}

/**
 * One statement for both tables (PostgreSQL runs a data-modifying WITH to completion whether or not it is
 * read), so a flush is added whole or not at all: the counters and the changed decisions never disagree.
 */
export function addTallies(tallies: readonly Tally[]): { text: string; values: unknown[] } {
  const changes = tallies.flatMap((t) =>
    [...t.changes].map(([pair, n]) => {
      const [from, to] = pair.split('\u0000') as [string, string];
      return { t, from, to, n };
    }),
  );
  const column = <T>(rows: readonly T[], pick: (row: T) => unknown) => rows.map(pick);
  return {
    text: `
      WITH stats AS (
        INSERT INTO intent_model_shadow_stats AS s (org_id, version, active_version, interactions, agreed,
          active_out_of_scope, shadow_out_of_scope, confidence_shift_sum, confidence_shift_abs_sum,
          first_seen_at, last_seen_at)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[],
          $7::bigint[], $8::float8[], $9::float8[], $10::timestamptz[], $11::timestamptz[])
        ON CONFLICT (org_id, version, active_version) DO UPDATE SET
          interactions = s.interactions + excluded.interactions,
          agreed = s.agreed + excluded.agreed,
          active_out_of_scope = s.active_out_of_scope + excluded.active_out_of_scope,
          shadow_out_of_scope = s.shadow_out_of_scope + excluded.shadow_out_of_scope,
          confidence_shift_sum = s.confidence_shift_sum + excluded.confidence_shift_sum,
          confidence_shift_abs_sum = s.confidence_shift_abs_sum + excluded.confidence_shift_abs_sum,
          first_seen_at = least(s.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(s.last_seen_at, excluded.last_seen_at)
      )
      INSERT INTO intent_model_shadow_changes AS c (org_id, version, active_version, active_decision,
        shadow_decision, interactions)
      SELECT * FROM unnest($12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[])
      ON CONFLICT (org_id, version, active_version, active_decision, shadow_decision) DO UPDATE SET
        interactions = c.interactions + excluded.interactions`,
    values: [
      column(tallies, (t) => t.orgId),
      column(tallies, (t) => t.version),
      column(tallies, (t) => t.activeVersion),
      column(tallies, (t) => t.interactions),
      column(tallies, (t) => t.agreed),
      column(tallies, (t) => t.activeOutOfScope),
      column(tallies, (t) => t.shadowOutOfScope),
      column(tallies, (t) => t.confidenceShiftSum),
      column(tallies, (t) => t.confidenceShiftAbsSum),
      column(tallies, (t) => new Date(t.firstSeenAt)),
      column(tallies, (t) => new Date(t.lastSeenAt)),
      column(changes, (c) => c.t.orgId),
      column(changes, (c) => c.t.version),
      column(changes, (c) => c.t.activeVersion),
      column(changes, (c) => c.from),
      column(changes, (c) => c.to),
      column(changes, (c) => c.n),
    ],
  };
}

function isForeignKeyViolation(error: unknown): boolean {
  // Through the breaker, the driver's error is the cause of a PermanentError.
  const codeOf = (e: unknown) => (e as { code?: unknown } | null | undefined)?.code;
  return codeOf(error) === '23503' || codeOf((error as { cause?: unknown } | null)?.cause) === '23503';
}

export interface ShadowReport {
  readonly orgId: string;
  readonly version: string;
  /** One entry per active version the shadow was compared with, the most recent first. */
  readonly comparisons: ReadonlyArray<{
    readonly activeVersion: string;
    readonly interactions: number;
    /** Share of interactions with the same decision (intent, out of scope or language not supported). */
    readonly agreement: number;
    readonly activeOutOfScopeRate: number;
    readonly shadowOutOfScopeRate: number;
    /** Mean of the shadow's confidence minus the active model's, and its mean magnitude. */
    readonly meanConfidenceShift: number;
    readonly meanAbsConfidenceShift: number;
    readonly firstSeenAt: Date;
    readonly lastSeenAt: Date;
    /** The decisions that changed, the most frequent first. */
    readonly changes: ReadonlyArray<{ readonly from: string; readonly to: string; readonly interactions: number }>;
  }>;
}

/** The written tallies of a shadow version, as `ticketflow model report` shows them. */
export async function readShadowReport(
  db: Queryable,
  orgId: string,
  version: string,
  topChanges = 10,
): Promise<ShadowReport> {
  const stats = await db.query<{
    active_version: string;
    interactions: string;
    agreed: string;
    active_out_of_scope: string;
    shadow_out_of_scope: string;
    confidence_shift_sum: number;
    confidence_shift_abs_sum: number;
    first_seen_at: Date;
    last_seen_at: Date;
  }>(
    `SELECT active_version, interactions, agreed, active_out_of_scope, shadow_out_of_scope, confidence_shift_sum,
            confidence_shift_abs_sum, first_seen_at, last_seen_at
     FROM intent_model_shadow_stats WHERE org_id = $1 AND version = $2 ORDER BY last_seen_at DESC`,
    [orgId, version],
  );
  const changes = await db.query<{
    active_version: string;
    active_decision: string;
    shadow_decision: string;
    n: string;
  }>(
    `SELECT active_version, active_decision, shadow_decision, interactions AS n FROM (
       SELECT *, row_number() OVER (PARTITION BY active_version ORDER BY interactions DESC, active_decision,
                                    shadow_decision) AS rank
       FROM intent_model_shadow_changes WHERE org_id = $1 AND version = $2) ranked
     WHERE rank <= $3 ORDER BY active_version, rank`,
    [orgId, version, topChanges],
  );
  const rate = (part: string, whole: number) => (whole === 0 ? 0 : round4(Number(part) / whole));
  return {
    orgId,
    version,
    comparisons: stats.rows.map((r) => {
      const n = Number(r.interactions);
      return {
        activeVersion: r.active_version,
        interactions: n,
        agreement: rate(r.agreed, n),
        activeOutOfScopeRate: rate(r.active_out_of_scope, n),
        shadowOutOfScopeRate: rate(r.shadow_out_of_scope, n),
        meanConfidenceShift: n === 0 ? 0 : round4(r.confidence_shift_sum / n),
        meanAbsConfidenceShift: n === 0 ? 0 : round4(r.confidence_shift_abs_sum / n),
        firstSeenAt: r.first_seen_at,
        lastSeenAt: r.last_seen_at,
        changes: changes.rows
          .filter((c) => c.active_version === r.active_version)
          .map((c) => ({ from: c.active_decision, to: c.shadow_decision, interactions: Number(c.n) })),
      };
    }),
  };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
