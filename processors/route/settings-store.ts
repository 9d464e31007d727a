/**
 * Each org's routing settings in PostgreSQL (ops/db/migrations/0004_route_settings.sql), and the lookup the
 * route stage reads them through.
 *
 * A row holds only what the org has chosen: a null column, or no row at all, leaves the setting at its
 * default (DEFAULT_ROUTE_SETTINGS in policy.ts), so a default changed in code reaches every org that never
 * chose otherwise. Saving is a partial upsert: a setting given is stored, null goes back to the default, and
 * one not given keeps what is stored.
 *
 * The lookup keeps each org's settings in process memory for a short TTL (30 s by default). Settings change
 * rarely and the route stage asks for them on every event, so a change may take up to the TTL to be seen by
 * each running instance; in exchange the hot path costs no round trip. Concurrent misses for one org share
 * one read. When PostgreSQL is away, an org's expired settings keep being served (stale settings beat no
 * routing); an org never read before fails the lookup, for the runtime to wait the outage out.
 */
import type { Queryable } from '../../ops/db/queryable.js';
import type { Dependency } from '../runtime/dependency.js';
import { UnavailableError } from '../runtime/errors.js';
import { UnknownOrganizationError } from '../../ops/db/ingest-keys.js';
import type { RouteSettings } from './policy.js';
import type { RouteSettingsLookup } from './stage.js';

export { UnknownOrganizationError } from '../../ops/db/ingest-keys.js';

type SettingName = keyof RouteSettings;

/** A value to store; null to go back to the default; absent (or undefined) to keep what is stored. */
export type RouteSettingsChange = { readonly [K in SettingName]?: RouteSettings[K] | null };

export interface StoredRouteSettings {
  readonly orgId: string;
  /** Only the settings the org has made; every other one is its default. */
  readonly settings: Partial<RouteSettings>;
  /** 1 when the row is created, one more for each save that changed something. */
  readonly version: number;
  readonly updatedAt: Date;
}

export interface RouteSettingsProblem {
  /** The setting at fault, or the unknown name that was given. */
  readonly field: string;
  /** What is wrong, worded to follow the field's name: `must be a number from 0 to 1, got 1.5`. */
  readonly rule: string;
}

/** Refused settings; the message lists every problem as `<field> <rule>`. */
export class RouteSettingsError extends Error {
  override name = 'RouteSettingsError';
  constructor(readonly problems: readonly RouteSettingsProblem[]) {
    super(problems.map((p) => `${p.field} ${p.rule}`).join('; '));
  }
}

const COLUMNS: Readonly<Record<SettingName, string>> = {
  autoReplyIntents: 'auto_reply_intents',
  autoReplyThreshold: 'auto_reply_threshold',
  intentGroups: 'intent_groups',
  queueLanguages: 'queue_languages',
};
const SETTING_NAMES = Object.keys(COLUMNS) as SettingName[];

const MAX_NAME_LENGTH = 200;
/** What queueName() compares with: the lower-case primary subtag of a language tag. */
const LANGUAGE = /^[a-z]{2,3}$/;
/** Groups become part of queue names (`payments-urgent-en`), which dashboards and Redis keys carry. */
const GROUP = /^[a-z0-9][a-z0-9_-]{0,62}$/;

const show = (value: unknown): string =>
  typeof value === 'number' || typeof value === 'bigint' || value === undefined ? String(value) : JSON.stringify(value);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a change as it may come from outside TypeScript (a CLI, JSON): the names are settings and each value
 * given follows its rule. Returns the change as it will be stored; throws a RouteSettingsError listing
 * every problem otherwise.
 */
export function validateRouteSettings(change: unknown): RouteSettingsChange {
  if (!isRecord(change)) {
    throw new RouteSettingsError([{ field: 'settings', rule: `must be an object, got ${show(change)}` }]);
  }
  const problems: RouteSettingsProblem[] = [];
  const problem = (field: string, rule: string) => problems.push({ field, rule });
  for (const [field, value] of Object.entries(change)) {
    if (!Object.hasOwn(COLUMNS, field)) {
      problem(field, `is not a route setting (they are ${SETTING_NAMES.join(', ')})`);
    } else if (value === undefined || value === null) {
      continue;
    } else if (field === 'autoReplyThreshold') {
      if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
        problem(field, `must be a number from 0 to 1, got ${show(value)}`);
      }
    } else if (field === 'autoReplyIntents') {
      checkNames(value, 'entry', (rule) => problem(field, rule));
    } else if (field === 'queueLanguages') {
      if (!Array.isArray(value)) {
        problem(field, `must be a list of language codes, got ${show(value)}`);
        continue;
      }
      if (value.length === 0) problem(field, 'must list at least one language');
      const seen = new Set<unknown>();
      value.forEach((language: unknown, i) => {
        if (typeof language !== 'string' || !LANGUAGE.test(language)) {
          problem(
            field,
            `entry ${i + 1} (${show(language)}) must be a lower-case language code such as en or es ` +
              '(one queue serves a language and all its regional variants)',
          );
        } else if (seen.has(language)) problem(field, `lists ${show(language)} twice`);
        seen.add(language);
      });
    } else if (field === 'intentGroups') {
      if (!isRecord(value)) {
        problem(field, `must map intent names to group names, got ${show(value)}`);
        continue;
      }
      checkNames(Object.keys(value), 'key', (rule) => problem(field, rule));
      for (const [intent, group] of Object.entries(value)) {
        if (typeof group !== 'string' || !GROUP.test(group)) {
          problem(
            field,
            `group of ${show(intent)} (${show(group)}) must be 1 to 63 lower-case letters, digits, _ or -, ` +
              'starting with a letter or digit',
          );
        }
      }
    }
  }
  if (problems.length > 0) throw new RouteSettingsError(problems);
  return change as RouteSettingsChange;
}

/** Intent names: classifier labels, so any characters, but not empty, not padded, not repeated. */
function checkNames(value: unknown, label: 'entry' | 'key', problem: (rule: string) => void): void {
  if (!Array.isArray(value)) {
    problem(`must be a list of intent names, got ${show(value)}`);
    return;
  }
  const seen = new Set<unknown>();
  value.forEach((name: unknown, i) => {
    const entry = `${label} ${i + 1}`;
    if (typeof name !== 'string') problem(`${entry} must be an intent name, got ${show(name)}`);
    else if (name.trim() === '') problem(`${entry} is empty; intent names must not be empty`);
    else if (name.trim() !== name) problem(`${entry} (${show(name)}) has leading or trailing spaces`);
    else if (name.length > MAX_NAME_LENGTH) problem(`${entry} is longer than ${MAX_NAME_LENGTH} characters`);
    else if (seen.has(name)) problem(`lists ${show(name)} twice`);
    seen.add(name);
  });
}

interface Row {
  org_id: string;
  auto_reply_intents: string[] | null;
  auto_reply_threshold: number | null;
  intent_groups: Record<string, string> | null;
  queue_languages: string[] | null;
  version: number;
  updated_at: Date;
}

const RETURNED =
  'org_id, auto_reply_intents, auto_reply_threshold, intent_groups, queue_languages, version, updated_at';

function storedOf(row: Row): StoredRouteSettings {
  const settings: { -readonly [K in SettingName]?: RouteSettings[K] } = {};
  if (row.auto_reply_intents !== null) settings.autoReplyIntents = row.auto_reply_intents;
  if (row.auto_reply_threshold !== null) settings.autoReplyThreshold = row.auto_reply_threshold;
  if (row.intent_groups !== null) settings.intentGroups = row.intent_groups;
  if (row.queue_languages !== null) settings.queueLanguages = row.queue_languages;
  return { orgId: row.org_id, settings, version: row.version, updatedAt: row.updated_at };
}

/**
 * Stores the settings given for an existing org, creating its row on first use, and returns everything now
 * stored. Throws a RouteSettingsError for invalid settings (nothing is stored) and an
 * UnknownOrganizationError for an org that does not exist.
 */
export async function saveRouteSettings(
  db: Queryable,
  orgId: string,
  change: RouteSettingsChange,
): Promise<StoredRouteSettings> {
  const valid = validateRouteSettings(change);
  const given = SETTING_NAMES.filter((name) => valid[name] !== undefined);
  const columns = given.map((name) => COLUMNS[name]);
  // jsonb goes as JSON text: an array parameter would otherwise be sent as a PostgreSQL array.
  const values = given.map((name) =>
    name === 'intentGroups' && valid.intentGroups ? JSON.stringify(valid.intentGroups) : valid[name],
  );
  // With nothing given the row is still created, and the no-op update lets RETURNING answer for an existing one.
  const updates = columns.length > 0 ? columns.map((c) => `${c} = EXCLUDED.${c}`) : ['org_id = EXCLUDED.org_id'];
  const sql = `INSERT INTO route_settings (${['org_id', ...columns].join(', ')})
      VALUES (${['$1', ...columns.map((_, i) => `$${i + 2}`)].join(', ')})
      ON CONFLICT (org_id) DO UPDATE SET ${updates.join(', ')}
      RETURNING ${RETURNED}`;
  try {
    const { rows } = await db.query<Row>(sql, [orgId, ...values]);
    return storedOf(rows[0]!);
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new UnknownOrganizationError(`organization ${orgId} does not exist; create it first`);
    }
    throw error;
  }
}

/** The org's stored settings, or null when it has made none. */
export async function readRouteSettings(db: Queryable, orgId: string): Promise<StoredRouteSettings | null> {
  const { rows } = await db.query<Row>(`SELECT ${RETURNED} FROM route_settings WHERE org_id = $1`, [orgId]);
  return rows[0] ? storedOf(rows[0]) : null;
}

export const DEFAULT_SETTINGS_TTL_MS = 30_000;
export const DEFAULT_SETTINGS_MAX_ENTRIES = 10_000;

export interface RouteSettingsLookupOptions {
  readonly db: Queryable;
  /** Reads go through it, so an outage trips its breaker and stale settings are served meanwhile. */
  readonly postgres?: Dependency;
  /** How long an org's settings are reused before being read again; 0 reads them for every lookup. */
  readonly ttlMs?: number;
  /** Orgs kept at most; past it, the entry filled longest ago is dropped. */
  readonly maxEntries?: number;
  /** Milliseconds on a monotonic clock; for tests. */
  readonly now?: () => number;
}

interface Entry {
  readonly settings: Partial<RouteSettings>;
  readonly expiresAt: number;
}

function frozen(settings: Partial<RouteSettings>): Partial<RouteSettings> {
  for (const value of Object.values(settings)) if (typeof value === 'object') Object.freeze(value);
  return Object.freeze(settings);
}

/** The route stage's lookup: an org's stored settings (`{}` for an org with none), cached for ttlMs. */
export function createRouteSettingsLookup(options: RouteSettingsLookupOptions): RouteSettingsLookup {
  const {
    db,
    ttlMs = DEFAULT_SETTINGS_TTL_MS,
    maxEntries = DEFAULT_SETTINGS_MAX_ENTRIES,
    now = () => performance.now(),
  } = options;
  if (!Number.isFinite(ttlMs) || ttlMs < 0) throw new RangeError(`ttlMs must be 0 or more, got ${ttlMs}`);
  if (!Number.isInteger(maxEntries) || maxEntries < 1) {
    throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
  }
  const cache = new Map<string, Entry>();
  const reading = new Map<string, Promise<Partial<RouteSettings>>>();

  const query = (orgId: string) =>
    options.postgres ? options.postgres.call(() => readRouteSettings(db, orgId)) : readRouteSettings(db, orgId);

  const read = async (orgId: string): Promise<Partial<RouteSettings>> => {
    // Staleness is counted from before the read, so no answer is served longer than ttlMs after it was true.
    const startedAt = now();
    let stored: StoredRouteSettings | null;
    try {
      stored = await query(orgId);
    } catch (error) {
      const stale = cache.get(orgId);
      if (error instanceof UnavailableError && stale) return stale.settings;
      throw error;
    }
    const settings = frozen(stored?.settings ?? {});
    if (ttlMs > 0) {
      cache.delete(orgId);
      cache.set(orgId, { settings, expiresAt: startedAt + ttlMs });
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    }
    return settings;
  };

  // A hit answers synchronously: no promise, no round trip.
  return (orgId) => {
    const hit = cache.get(orgId);
    if (hit && now() < hit.expiresAt) return hit.settings;
    let pending = reading.get(orgId);
    if (!pending) {
      pending = read(orgId).finally(() => reading.delete(orgId));
      reading.set(orgId, pending);
    }
    return pending;
  };
}
