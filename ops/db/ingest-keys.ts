/**
 * Organizations and their ingest keys in PostgreSQL.
 *
 * A key is 32 random bytes (256 bits) behind a recognisable prefix, and only its SHA-256 is stored. A slow,
 * salted hash (scrypt, bcrypt) protects low-entropy secrets people choose; nobody can enumerate 2^256 keys
 * however fast the hash, so a plain digest loses nothing. And it buys two things a salted hash cannot give:
 * the key is found by an indexed lookup of its digest, without a separate key id in the credential, and
 * verifying costs a microsecond instead of tens of milliseconds of CPU on every request.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './queryable.js';

/** Lets secret scanners (and people) recognise a leaked key. */
export const INGEST_KEY_PREFIX = 'tfik_';
const KEY_BYTES = 32;
const KEY_PATTERN = /^tfik_[A-Za-z0-9_-]{43}$/;

export function generateIngestKey(): string {
  return INGEST_KEY_PREFIX + randomBytes(KEY_BYTES).toString('base64url');
}

/** Cheap shape check, so a malformed credential never costs a database round trip. */
export const looksLikeIngestKey = (candidate: string): boolean => KEY_PATTERN.test(candidate);

export function hashIngestKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** How an org's events are keyed on Kafka: by org alone (the default) or by org and conversation. */
export type PartitionKey = 'org' | 'conversation';

export interface Organization {
  readonly id: string;
  readonly name: string;
  /** null: the service-wide default applies. */
  readonly ingestRatePerSec: number | null;
  readonly ingestBurst: number | null;
  readonly partitionKey: PartitionKey;
}

/** Creates the org, or updates the name and limits of an existing one; a partition key not given is kept. */
export async function upsertOrganization(
  db: Queryable,
  org: {
    id: string;
    name: string;
    ingestRatePerSec?: number | null;
    ingestBurst?: number | null;
    partitionKey?: PartitionKey;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO organizations (id, name, ingest_rate_per_sec, ingest_burst, partition_key)
     VALUES ($1, $2, $3, $4, COALESCE($5, 'org'))
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, ingest_rate_per_sec = EXCLUDED.ingest_rate_per_sec,
       ingest_burst = EXCLUDED.ingest_burst, partition_key = COALESCE($5, organizations.partition_key)`,
    [org.id, org.name, org.ingestRatePerSec ?? null, org.ingestBurst ?? null, org.partitionKey ?? null],
  );
}

export class UnknownOrganizationError extends Error {
  override name = 'UnknownOrganizationError';
}

export interface CreatedIngestKey {
  readonly id: string;
  readonly orgId: string;
  /** The only time the plaintext exists outside the caller's systems: it is not stored. */
  readonly key: string;
}

export async function createIngestKey(db: Queryable, orgId: string, label = ''): Promise<CreatedIngestKey> {
  const key = generateIngestKey();
  try {
    const { rows } = await db.query<{ id: string }>(
      'INSERT INTO ingest_keys (org_id, key_hash, label) VALUES ($1, $2, $3) RETURNING id',
      [orgId, hashIngestKey(key), label],
    );
    return { id: rows[0]!.id, orgId, key };
  } catch (error) {
    if ((error as { code?: string }).code === '23503') {
      throw new UnknownOrganizationError(`organization ${orgId} does not exist; create it first`);
    }
    throw error;
  }
}

/** Revoking is permanent and keeps the row, so past use of the key stays attributable. */
export async function revokeIngestKey(db: Queryable, keyId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE ingest_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL',
    [keyId],
  );
  return (rowCount ?? 0) > 0;
}

export interface IngestKeyOwner {
  readonly keyId: string;
  readonly org: Organization;
}

/** The org a key belongs to, or null for an unknown, malformed or revoked key. */
export async function findIngestKeyOwner(db: Queryable, key: string): Promise<IngestKeyOwner | null> {
  if (!looksLikeIngestKey(key)) return null;
  const { rows } = await db.query<{
    key_id: string;
    id: string;
    name: string;
    ingest_rate_per_sec: number | null;
    ingest_burst: number | null;
    partition_key: PartitionKey;
  }>(
    `SELECT k.id AS key_id, o.id, o.name, o.ingest_rate_per_sec, o.ingest_burst, o.partition_key
       FROM ingest_keys k JOIN organizations o ON o.id = k.org_id
      WHERE k.key_hash = $1 AND k.revoked_at IS NULL`,
    [hashIngestKey(key)],
  );
  const row = rows[0];
  if (!row) return null;
  return {
    keyId: row.key_id,
    org: {
      id: row.id,
      name: row.name,
      ingestRatePerSec: row.ingest_rate_per_sec,
      ingestBurst: row.ingest_burst,
      partitionKey: row.partition_key,
    },
  };
}
