-- How an org's events are keyed on Kafka (topics/topology.ts). 'org': all of its events on one partition per
-- topic, the default, which keeps a tenant together; 'conversation': keyed by org and conversation, so a busy
-- org's conversations spread over every partition and every member of a consumer group works for it. Each
-- conversation stays on one partition either way, so its order holds. Ingest reads it with the org's key.
ALTER TABLE organizations
  ADD COLUMN partition_key text NOT NULL DEFAULT 'org' CHECK (partition_key IN ('org', 'conversation'));
