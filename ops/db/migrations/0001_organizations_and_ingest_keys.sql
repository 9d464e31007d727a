-- Tenants and the keys their systems post interactions with.

CREATE TABLE organizations (
  -- The org id prefixes every Kafka record key, where ':' separates it from an entity id (topics/keys.ts).
  id text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ingest_keys (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- SHA-256 of the key; the key itself is shown once at creation and never stored.
  key_hash bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
  label text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE INDEX ingest_keys_org_id ON ingest_keys (org_id);
