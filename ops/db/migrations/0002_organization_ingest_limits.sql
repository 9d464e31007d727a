-- An org's own token bucket for HTTP ingest; null falls back to INGEST_RATE_PER_SECOND and INGEST_BURST.

ALTER TABLE organizations
  ADD COLUMN ingest_rate_per_sec double precision CHECK (ingest_rate_per_sec > 0),
  ADD COLUMN ingest_burst integer CHECK (ingest_burst > 0);
