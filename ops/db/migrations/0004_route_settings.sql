-- What the route stage decides with for each org (RouteSettings in processors/route/policy.ts): which intents
-- may be answered without review, from which draft confidence, the org's own intent groups, and the languages
-- that have queues of their own.
--
-- A null column is a setting the org has not made: the route stage uses its default (DEFAULT_ROUTE_SETTINGS),
-- so changing a default in code reaches every org that never chose otherwise. An org without a row has made
-- none. processors/route/settings-store.ts validates the same rules with messages naming the field; the
-- constraints here keep any other writer to them.

-- Stamps a real change with the next version and the time, whatever the writer set; an update that changes
-- nothing (the same values saved again) keeps both, like stamp_customer_context_version in 0003.
CREATE FUNCTION stamp_route_settings_version() RETURNS trigger
LANGUAGE plpgsql
SET search_path FROM CURRENT
AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.version := 1;
    NEW.updated_at := now();
  ELSIF (to_jsonb(NEW) - 'version' - 'updated_at') = (to_jsonb(OLD) - 'version' - 'updated_at') THEN
    NEW.version := OLD.version;
    NEW.updated_at := OLD.updated_at;
  ELSE
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

CREATE TABLE route_settings (
  org_id text PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
  -- Intents whose drafts may be sent without review; empty: never. Names as the classifier emits them, so
  -- any characters, but neither empty nor null. (array_position finds a null element; '' = ANY an empty one.)
  auto_reply_intents text[] CHECK (
    coalesce(array_ndims(auto_reply_intents), 1) = 1
    AND array_position(auto_reply_intents, NULL) IS NULL
    AND NOT ('' = ANY (auto_reply_intents))
  ),
  -- Draft confidence from which a draft may be sent; 'NaN' is refused too, as it is above every number.
  auto_reply_threshold double precision CHECK (auto_reply_threshold >= 0 AND auto_reply_threshold <= 1),
  -- Intent (or first dotted segment) → group, an object of non-empty keys and non-empty string values.
  intent_groups jsonb CHECK (
    jsonb_typeof(intent_groups) = 'object'
    AND NOT (intent_groups ? '')
    AND NOT jsonb_path_exists(intent_groups, '$.* ? (@.type() != "string" || @ == "")')
  ),
  -- Lower-case primary language subtags (en, es, fil), at least one; the first takes every other language.
  queue_languages text[] CHECK (
    array_ndims(queue_languages) = 1
    AND array_position(queue_languages, NULL) IS NULL
    AND array_to_string(queue_languages, ',') ~ '^[a-z]{2,3}(,[a-z]{2,3})*$'
  ),
  version integer NOT NULL DEFAULT 1,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TRIGGER route_settings_version BEFORE INSERT OR UPDATE ON route_settings
  FOR EACH ROW EXECUTE FUNCTION stamp_route_settings_version();
