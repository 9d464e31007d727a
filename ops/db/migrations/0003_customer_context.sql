-- What the enrich stage attaches to every interaction: the customer's plan, tier and SLA policy.
--
-- Both tables carry a version that changes whenever a row changes, drawn from one sequence shared by both, so
-- a version is never reused, not even after a row is deleted and created again. Enrich caches each
-- customer's context in Redis under a key holding the versions of the two rows it was built from: a changed
-- row changes the key, so a cached context can be out of date only by being unreachable, never by being read.

CREATE SEQUENCE customer_context_version_seq;

-- Stamps inserts and real changes with a fresh version and time, whatever the writer set. An update that
-- changes nothing (a sync job rewriting the same values) keeps both, so the cache is not emptied for nothing.
CREATE FUNCTION stamp_customer_context_version() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  IF TG_OP = 'UPDATE'
     AND (to_jsonb(NEW) - 'version' - 'updated_at') = (to_jsonb(OLD) - 'version' - 'updated_at') THEN
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
  ELSE
    NEW.version := nextval('customer_context_version_seq');
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE sla_policies (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  policy_id text NOT NULL CHECK (policy_id <> ''),
  name text NOT NULL,
  -- Target minutes from receipt to first response per priority; null: no target for that priority.
  first_response_p1_minutes integer CHECK (first_response_p1_minutes > 0),
  first_response_p2_minutes integer CHECK (first_response_p2_minutes > 0),
  first_response_p3_minutes integer CHECK (first_response_p3_minutes > 0),
  first_response_p4_minutes integer CHECK (first_response_p4_minutes > 0),
  -- The policy of customers without one of their own, and of senders the org does not know.
  is_default boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT nextval('customer_context_version_seq'),
  PRIMARY KEY (org_id, policy_id)
);

CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (org_id) WHERE is_default;

CREATE TRIGGER sla_policies_version BEFORE INSERT OR UPDATE ON sla_policies
  FOR EACH ROW EXECUTE FUNCTION stamp_customer_context_version();

CREATE TABLE customers (
  org_id text NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  -- The id ingest resolves a sender to (CustomerRef.customerId).
  customer_id text NOT NULL CHECK (customer_id <> ''),
  -- As the org's billing system names it (pro-annual); null when it has none.
  plan text,
  tier text NOT NULL DEFAULT 'STANDARD' CHECK (tier IN ('FREE', 'STANDARD', 'PREMIUM', 'ENTERPRISE')),
  -- Null: the org's default policy. Deleting a policy moves its customers to the default, which changes
  -- their rows and so their versions.
  sla_policy_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  version bigint NOT NULL DEFAULT nextval('customer_context_version_seq'),
  PRIMARY KEY (org_id, customer_id),
  FOREIGN KEY (org_id, sla_policy_id) REFERENCES sla_policies (org_id, policy_id) ON DELETE SET NULL (sla_policy_id)
);

CREATE INDEX customers_sla_policy ON customers (org_id, sla_policy_id) WHERE sla_policy_id IS NOT NULL;

CREATE TRIGGER customers_version BEFORE INSERT OR UPDATE ON customers
  FOR EACH ROW EXECUTE FUNCTION stamp_customer_context_version();
