/**
 * The intent model registry in PostgreSQL (ops/db/migrations/0008_intent_models.sql): each org's model
 * versions with their artefact bytes and state. `ticketflow model` writes it; the classify stage reads the
 * active and shadow versions (org-models.ts) and counts what each shadow decided (shadow.ts).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Queryable } from '../../ops/db/queryable.js';
import { UnknownOrganizationError } from '../../ops/db/ingest-keys.js';
import { decodeArtefact, modelVersionOf } from './artefact.js';

export { UnknownOrganizationError } from '../../ops/db/ingest-keys.js';

export const MODEL_STATES = ['candidate', 'active', 'shadow', 'retired'] as const;
export type ModelState = (typeof MODEL_STATES)[number];

export class UnknownModelVersionError extends Error {
  override name = 'UnknownModelVersionError';
}

/** Bytes read back from the registry that are not the bytes registered. */
export class ArtefactChecksumError extends Error {
  override name = 'ArtefactChecksumError';
}

export interface RegisteredModel {
  readonly orgId: string;
  readonly version: string;
  readonly name: string;
  readonly state: ModelState;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly training: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly stateChangedAt: Date;
}

interface Row {
  org_id: string;
  version: string;
  name: string;
  state: ModelState;
  size_bytes: number;
  artefact_sha256: string;
  training: Record<string, unknown>;
  created_at: Date;
  state_changed_at: Date;
}

const COLUMNS = `org_id, version, name, state, octet_length(artefact) AS size_bytes, artefact_sha256, training,
  created_at, state_changed_at`;

const registered = (r: Row): RegisteredModel => ({
  orgId: r.org_id,
  version: r.version,
  name: r.name,
  state: r.state,
  sizeBytes: r.size_bytes,
  sha256: r.artefact_sha256,
  training: r.training,
  createdAt: r.created_at,
  stateChangedAt: r.state_changed_at,
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Stores an artefact as a candidate of the org. The same bytes registered again keep their row and state
 * (`created` false): the version is the content's, so there is nothing new to store.
 */
export async function registerModel(
  db: Queryable,
  orgId: string,
  bytes: Uint8Array,
): Promise<{ model: RegisteredModel; created: boolean }> {
  const { header } = decodeArtefact(bytes);
  const version = modelVersionOf(header.name, bytes);
  try {
    const inserted = await db.query<Row>(
      `INSERT INTO intent_models (org_id, version, name, artefact, artefact_sha256, training)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id, version) DO NOTHING RETURNING ${COLUMNS}`,
      [orgId, version, header.name, Buffer.from(bytes), sha256(bytes), JSON.stringify(header.training)],
    );
    if (inserted.rows[0]) return { model: registered(inserted.rows[0]), created: true };
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new UnknownOrganizationError(`organization ${orgId} does not exist; create it first`);
    }
    throw error;
  }
  return { model: await showModel(db, orgId, version), created: false };
}

async function assertOrganization(db: Queryable, orgId: string): Promise<void> {
  const { rowCount } = await db.query('SELECT 1 FROM organizations WHERE id = $1', [orgId]);
  if (!rowCount) throw new UnknownOrganizationError(`organization ${orgId} does not exist`);
}

/** Every version of one org, or of all orgs, newest first. */
export async function listModels(db: Queryable, orgId?: string): Promise<RegisteredModel[]> {
  if (orgId !== undefined) await assertOrganization(db, orgId);
  const { rows } = await db.query<Row>(
    `SELECT ${COLUMNS} FROM intent_models WHERE $1::text IS NULL OR org_id = $1
     ORDER BY org_id, created_at DESC, version`,
    [orgId ?? null],
  );
  return rows.map(registered);
}

export async function showModel(db: Queryable, orgId: string, version: string): Promise<RegisteredModel> {
  const { rows } = await db.query<Row>(`SELECT ${COLUMNS} FROM intent_models WHERE org_id = $1 AND version = $2`, [
    orgId,
    version,
  ]);
  if (rows[0]) return registered(rows[0]);
  await assertOrganization(db, orgId);
  throw new UnknownModelVersionError(`organization ${orgId} has no model version ${version}`);
}

/**
 * Moves a version to a state. Promoting retires the org's active version; shadowing sends the org's shadow
 * back to candidate; both in one transaction, so an org never has two active versions nor, for a reader,
 * none in between. Returns the version that gave way, if any.
 */
export async function setModelState(
  pool: pg.Pool,
  orgId: string,
  version: string,
  state: ModelState,
): Promise<{ model: RegisteredModel; previous: ModelState; replaced: string | null; changed: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const current = await client.query<{ state: ModelState }>(
      'SELECT state FROM intent_models WHERE org_id = $1 AND version = $2 FOR UPDATE',
      [orgId, version],
    );
    if (!current.rows[0]) {
      await assertOrganization(client, orgId);
      throw new UnknownModelVersionError(`organization ${orgId} has no model version ${version}`);
    }
    const previous = current.rows[0].state;
    if (previous === state) {
      await client.query('COMMIT');
      return { model: await showModel(pool, orgId, version), previous, replaced: null, changed: false };
    }
    let replaced: string | null = null;
    if (state === 'active' || state === 'shadow') {
      const gave = await client.query<{ version: string }>(
        `UPDATE intent_models SET state = $3, state_changed_at = now()
         WHERE org_id = $1 AND state = $2 RETURNING version`,
        [orgId, state, state === 'active' ? 'retired' : 'candidate'],
      );
      replaced = gave.rows[0]?.version ?? null;
    }
    await client.query(
      'UPDATE intent_models SET state = $3, state_changed_at = now() WHERE org_id = $1 AND version = $2',
      [orgId, version, state],
    );
    await client.query('COMMIT');
    return { model: await showModel(pool, orgId, version), previous, replaced, changed: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

export interface LiveVersion {
  readonly orgId: string;
  readonly version: string;
  readonly sha256: string;
  readonly state: 'active' | 'shadow';
}

/** What the classify stage polls, the versions that run (active and shadow): small rows, no artefact bytes. */
export async function liveVersions(db: Queryable): Promise<LiveVersion[]> {
  const { rows } = await db.query<{ org_id: string; version: string; artefact_sha256: string; state: string }>(
    "SELECT org_id, version, artefact_sha256, state FROM intent_models WHERE state IN ('active', 'shadow')",
  );
  return rows.map((r) => ({
    orgId: r.org_id,
    version: r.version,
    sha256: r.artefact_sha256,
    state: r.state as LiveVersion['state'],
  }));
}

/** A version's artefact bytes, checked against the SHA-256 stored when it was registered. */
export async function loadArtefactBytes(db: Queryable, orgId: string, version: string): Promise<Buffer> {
  const { rows } = await db.query<{ artefact: Buffer; artefact_sha256: string }>(
    'SELECT artefact, artefact_sha256 FROM intent_models WHERE org_id = $1 AND version = $2',
    [orgId, version],
  );
  const row = rows[0];
  if (!row) throw new UnknownModelVersionError(`organization ${orgId} has no model version ${version}`);
  const actual = sha256(row.artefact);
  if (actual !== row.artefact_sha256) {
    throw new ArtefactChecksumError(
      `model ${version} of ${orgId}: artefact SHA-256 is ${actual}, the registry recorded ${row.artefact_sha256}`,
    );
  }
  return row.artefact;
}

/** The org's active artefact, checked; null when the org has none (it uses the shipped model). */
export async function activeArtefactBytes(db: Queryable, orgId: string): Promise<Buffer | null> {
  const { rows } = await db.query<{ version: string }>(
    "SELECT version FROM intent_models WHERE org_id = $1 AND state = 'active'",
    [orgId],
  );
  if (!rows[0]) {
    await assertOrganization(db, orgId);
    return null;
  }
  return loadArtefactBytes(db, orgId, rows[0].version);
}
