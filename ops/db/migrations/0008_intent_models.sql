-- The intent model registry: each org's trained classifier versions, the artefact's bytes stored with the row
-- so a classify process needs nothing but PostgreSQL to load one (processors/classify/registry.ts).
--
-- States: 'candidate' (trained, not used), 'active' (the org's interactions are classified by it), 'shadow'
-- (to run beside the active one), 'retired' (kept for the record and for going back). At most one active and
-- one shadow version per org; an org without an active version is classified by the shipped default model.
CREATE TABLE intent_models (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- <name>-<first 12 hex of sha256(artefact)>, as processors/classify/artefact.ts derives it.
  version text NOT NULL CHECK (version ~ '^[a-z0-9][a-z0-9._-]*-[0-9a-f]{12}$'),
  name text NOT NULL,
  state text NOT NULL DEFAULT 'candidate' CHECK (state IN ('candidate', 'active', 'shadow', 'retired')),
  artefact bytea NOT NULL,
  -- Checked by every reader against the bytes it got: a damaged row is refused, never classified with.
  artefact_sha256 text NOT NULL CHECK (artefact_sha256 ~ '^[0-9a-f]{64}$'),
  -- The artefact header's training provenance (data hash, rows, labels, held-out metrics), for listing.
  training jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  state_changed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version)
);

CREATE UNIQUE INDEX intent_models_one_active ON intent_models (org_id) WHERE state = 'active';
CREATE UNIQUE INDEX intent_models_one_shadow ON intent_models (org_id) WHERE state = 'shadow';
