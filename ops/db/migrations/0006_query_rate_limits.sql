-- An org's own request limits for the query API, overriding the defaults of config/index.ts (QueryRateLimits).
-- Each row is one limit in requests per minute: `scope` says whether it counts the whole org ('org') or each
-- user (the JWT subject) on their own ('user'); `endpoint` is '*' for all endpoints together, or one path as the
-- OpenAPI document spells it ('/v1/search'). A limit without a row is the default. query-api/rate-limit-settings.ts
-- checks the same rules with messages naming the flag (and knows the endpoints); the constraints keep any other
-- writer to the shape.

CREATE TABLE query_rate_limits (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  scope text NOT NULL CHECK (scope IN ('org', 'user')),
  endpoint text NOT NULL CHECK (endpoint = '*' OR endpoint ~ '^/v[0-9]+/[A-Za-z0-9/{}_-]+$'),
  per_minute integer NOT NULL CHECK (per_minute BETWEEN 1 AND 10000000),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, scope, endpoint)
);
