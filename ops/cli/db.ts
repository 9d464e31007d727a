/**
 * `ticketflow db`: the PostgreSQL side of operating ticketflow.
 *   migrate                                        apply pending migrations (the default)
 *   status [--json]                                list migrations and whether each is applied
 *   create-org <orgId> [--name N] [--rate R] [--burst B] [--partition-key org|conversation]
 *                                                  create or update an org (rate: events/s, burst: events;
 *                                                  partition key: keep its events on one partition, or spread
 *                                                  its conversations over all of them)
 *   create-ingest-key <orgId> [--label L]          print a new key for the org, the only time it is shown
 *   revoke-ingest-key <keyId>                      revoke a key for good
 *   set-route-settings <orgId> [--auto-reply-intents a,b] [--threshold 0.8] [--intent-groups intent=group,...]
 *                      [--queue-languages en,es] [--reset flag,...]
 *                                                  store the org's routing settings; those not given keep
 *                                                  their stored value, --reset returns them to the defaults
 *   set-query-limits <orgId> [--org-per-minute N] [--user-per-minute N] [--org-endpoint PATH=N,...]
 *                    [--user-endpoint PATH=N,...] [--reset org-per-minute,user-endpoint:PATH,...]
 *                                                  store the org's own query-API request limits, likewise
 */
import pg from 'pg';
import { loadConfig } from '../../config/index.js';
import { EXIT, line, parseOptions, UsageError, type Command, type Io } from './command.js';
import { printJson } from './output.js';
import { DEFAULT_ROUTE_SETTINGS, type RouteSettings } from '../../processors/route/policy.js';
import {
  RouteSettingsError,
  saveRouteSettings,
  type RouteSettingsChange,
  type StoredRouteSettings,
} from '../../processors/route/settings-store.js';
import { LimitSettingsError } from '../../query-api/rate-limit-settings.js';
import { V1_ENDPOINTS } from '../../query-api/routes/schemas.js';
import { createIngestKey, revokeIngestKey, upsertOrganization } from '../db/ingest-keys.js';
import { migrate, MigrationError, readMigrations } from '../db/migrate.js';
import { flagOfField, queryLimitChange, QueryLimitsFlagError, setQueryLimits } from '../db/query-limits-command.js';

const USAGE = `usage: ticketflow db migrate | status [--json]
       ticketflow db create-org <orgId> [--name NAME] [--rate EVENTS_PER_SEC] [--burst EVENTS]
                             [--partition-key org|conversation]
         --partition-key conversation spreads a busy org's conversations over every partition, so every
         member of a group works for it (each conversation stays in order); org, the default, keeps it on one.
       ticketflow db create-ingest-key <orgId> [--label LABEL]
       ticketflow db revoke-ingest-key <keyId>
       ticketflow db set-route-settings <orgId> [--auto-reply-intents INTENT,...] [--threshold 0..1]
                             [--intent-groups INTENT=GROUP,...] [--queue-languages LANG,...] [--reset FLAG,...]
         Settings not given keep their stored value; --reset threshold,queue-languages returns those to the
         defaults. An empty list ('') is stored as such: --auto-reply-intents '' means never reply automatically.
       ticketflow db set-query-limits <orgId> [--org-per-minute N] [--user-per-minute N]
                             [--org-endpoint PATH=N,...] [--user-endpoint PATH=N,...] [--reset FLAG[:PATH],...]
         Query-API requests per minute: the whole org, each user (JWT sub), and per endpoint (e.g. /v1/search)
         for either. Limits not given keep their stored value; --reset user-endpoint:/v1/search returns one to
         the default.`;

function positiveNumber(raw: string | undefined, flag: string): number | null {
  if (raw === undefined) return null;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag} must be a positive number, got ${raw}`);
  return value;
}

type Print = (text: string) => void;

async function run(pool: pg.Pool, argv: string[], io: Io): Promise<void> {
  const out: Print = (text) => line(io.stdout, text);
  const { values, positionals } = parseOptions(argv, {
    name: { type: 'string' },
    label: { type: 'string' },
    rate: { type: 'string' },
    burst: { type: 'string' },
    'partition-key': { type: 'string' },
    'auto-reply-intents': { type: 'string' },
    threshold: { type: 'string' },
    'intent-groups': { type: 'string' },
    'queue-languages': { type: 'string' },
    reset: { type: 'string' },
    'org-per-minute': { type: 'string' },
    'user-per-minute': { type: 'string' },
    'org-endpoint': { type: 'string' },
    'user-endpoint': { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const [command = 'migrate', subject] = positionals;
  const needSubject = (what: string) => {
    if (!subject) throw new UsageError(`${command} needs ${what}`, true);
    return subject;
  };
  switch (command) {
    case 'migrate': {
      const { applied, alreadyApplied } = await migrate(pool);
      for (const name of applied) out(`applied ${name}`);
      out(`${applied.length} migration(s) applied, ${alreadyApplied} already applied`);
      return;
    }
    case 'status': {
      const { rows } = await pool
        .query<{ version: number; applied_at: Date }>('SELECT version, applied_at FROM schema_migrations')
        .catch(() => ({ rows: [] as Array<{ version: number; applied_at: Date }> }));
      const done = new Map(rows.map((r) => [r.version, r.applied_at]));
      const migrations = readMigrations().map((m) => ({ name: m.name, appliedAt: done.get(m.version) ?? null }));
      if (values.json) printJson(io.stdout, migrations);
      else
        for (const m of migrations)
          out(`${m.name.padEnd(48)} ${m.appliedAt ? `applied ${m.appliedAt.toISOString()}` : 'pending'}`);
      return;
    }
    case 'create-org': {
      const id = needSubject('an org id');
      const burst = positiveNumber(values.burst, '--burst');
      if (burst !== null && !Number.isInteger(burst)) throw new UsageError('--burst must be a whole number');
      const partitionKey = values['partition-key'];
      if (partitionKey !== undefined && partitionKey !== 'org' && partitionKey !== 'conversation') {
        throw new UsageError(`--partition-key must be org or conversation, got ${partitionKey}`);
      }
      await upsertOrganization(pool, {
        id,
        name: values.name ?? id,
        ingestRatePerSec: positiveNumber(values.rate, '--rate'),
        ingestBurst: burst,
        ...(partitionKey ? { partitionKey } : {}),
      });
      out(`organization ${id} saved`);
      return;
    }
    case 'create-ingest-key': {
      const created = await createIngestKey(pool, needSubject('an org id'), values.label ?? '');
      out(`key id: ${created.id}`);
      out(`ingest key for ${created.orgId} (shown once, store it now):`);
      out(created.key);
      return;
    }
    case 'revoke-ingest-key': {
      const keyId = needSubject('a key id');
      if (!(await revokeIngestKey(pool, keyId))) throw new UsageError(`no active ingest key with id ${keyId}`);
      out(`ingest key ${keyId} revoked`);
      return;
    }
    case 'set-route-settings': {
      const orgId = needSubject('an org id');
      const change = routeSettingsChange(values);
      try {
        printRouteSettings(out, await saveRouteSettings(pool, orgId, change));
      } catch (error) {
        if (!(error instanceof RouteSettingsError)) throw error;
        throw new UsageError(error.problems.map((p) => `${flagOf(p.field)} ${p.rule}`).join('\n'));
      }
      return;
    }
    case 'set-query-limits': {
      const orgId = needSubject('an org id');
      try {
        const lines = await setQueryLimits(
          pool,
          orgId,
          queryLimitChange(values),
          loadConfig().queryApi.rateLimits,
          V1_ENDPOINTS,
        );
        for (const text of lines) out(text);
      } catch (error) {
        if (error instanceof QueryLimitsFlagError) throw new UsageError(error.message);
        if (!(error instanceof LimitSettingsError)) throw error;
        throw new UsageError(error.problems.map((p) => `${flagOfField(p.field)} ${p.rule}`).join('\n'));
      }
      return;
    }
    default:
      throw new UsageError(`unknown action ${JSON.stringify(command)}`, true);
  }
}

/** Each route setting's flag, in the order they are printed. */
const ROUTE_FLAGS: ReadonlyArray<readonly [keyof RouteSettings, string]> = [
  ['autoReplyIntents', 'auto-reply-intents'],
  ['autoReplyThreshold', 'threshold'],
  ['intentGroups', 'intent-groups'],
  ['queueLanguages', 'queue-languages'],
];

const flagOf = (field: string) => {
  const flag = ROUTE_FLAGS.find(([name]) => name === field)?.[1];
  return flag ? `--${flag}` : field;
};

/** `a, b` → ['a', 'b']; an empty value is an empty list, and an empty item is kept for the store to refuse. */
const listOf = (raw: string) => (raw.trim() === '' ? [] : raw.split(',').map((item) => item.trim()));

/** What the flags ask to change; the store checks the values, this only the flags' own syntax. */
function routeSettingsChange(values: Record<string, string | boolean | undefined>): RouteSettingsChange {
  const raw = (flag: string) => values[flag] as string | undefined;
  const change: { -readonly [K in keyof RouteSettings]?: RouteSettings[K] | null } = {};
  const intents = raw('auto-reply-intents');
  if (intents !== undefined) change.autoReplyIntents = listOf(intents);
  const threshold = raw('threshold');
  if (threshold !== undefined) {
    // Number('') is 0: a blank threshold must be refused, not read as "send everything".
    const value = threshold.trim() === '' ? NaN : Number(threshold);
    if (Number.isNaN(value)) {
      throw new UsageError(`--threshold must be a number from 0 to 1, got ${JSON.stringify(threshold)}`);
    }
    change.autoReplyThreshold = value;
  }
  const groups = raw('intent-groups');
  if (groups !== undefined) {
    const pairs = listOf(groups).map((item, i) => {
      const at = item.lastIndexOf('=');
      if (at < 0) throw new UsageError(`--intent-groups entry ${i + 1} (${JSON.stringify(item)}) must be INTENT=GROUP`);
      return [item.slice(0, at).trim(), item.slice(at + 1).trim()] as const;
    });
    const twice = pairs.find(([intent], i) => pairs.findIndex(([other]) => other === intent) !== i);
    if (twice) throw new UsageError(`--intent-groups names ${JSON.stringify(twice[0])} twice`);
    change.intentGroups = Object.fromEntries(pairs);
  }
  const languages = raw('queue-languages');
  if (languages !== undefined) change.queueLanguages = listOf(languages);
  for (const flag of listOf(raw('reset') ?? '')) {
    const field = ROUTE_FLAGS.find(([, name]) => name === flag.replace(/^--/, ''))?.[0];
    if (!field) {
      throw new UsageError(`--reset takes flag names (${ROUTE_FLAGS.map(([, f]) => f).join(', ')}), got ${flag}`);
    }
    if (change[field] !== undefined) throw new UsageError(`--${flag.replace(/^--/, '')} is both set and reset`);
    change[field] = null;
  }
  if (Object.keys(change).length === 0) {
    throw new UsageError(
      `set-route-settings needs at least one of ${ROUTE_FLAGS.map(([, f]) => `--${f}`).join(', ')}, --reset`,
    );
  }
  return change;
}

const shownValue = (value: RouteSettings[keyof RouteSettings]): string => {
  if (typeof value === 'number') return String(value);
  const items = Array.isArray(value) ? value : Object.entries(value).map(([intent, group]) => `${intent}=${group}`);
  return items.length === 0 ? 'none' : items.join(',');
};

/** Every setting as the route stage will use it, in the flags' syntax, marking those left at the default. */
function printRouteSettings(out: Print, stored: StoredRouteSettings): void {
  out(`route settings of ${stored.orgId} saved (version ${stored.version}):`);
  for (const [field, flag] of ROUTE_FLAGS) {
    const own = stored.settings[field];
    const shown = own === undefined ? `${shownValue(DEFAULT_ROUTE_SETTINGS[field])} (default)` : shownValue(own);
    out(`  --${flag.padEnd(20)} ${shown}`);
  }
}

export const command: Command = {
  name: 'db',
  summary: 'database migrations, orgs, ingest keys, route settings, query-API limits',
  usage: USAGE,
  async run(argv, io) {
    const config = loadConfig();
    const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1, connectionTimeoutMillis: 5000 });
    try {
      await run(pool, argv, io);
      return EXIT.ok;
    } catch (error) {
      if (error instanceof MigrationError) throw new Error(error.message);
      throw error;
    } finally {
      await pool.end();
    }
  },
};
