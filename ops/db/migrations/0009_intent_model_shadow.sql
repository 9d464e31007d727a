-- What each shadow intent model decided beside the active one, counted by the classify stage
-- (processors/classify/shadow.ts) and read by `ticketflow model report`. Counters, not rows per interaction:
-- a shadow runs on every interaction of its org, and the report needs only the totals.
--
-- A decision is the intent, "(out of scope)" when the model flagged it so, or "(language not supported)" when
-- the model was not trained on the message's language; the two models agree when their decisions are equal. Confidence shift is the shadow's confidence minus the active model's, on the same text.
CREATE TABLE intent_model_shadow_stats (
  org_id text NOT NULL,
  version text NOT NULL,
  active_version text NOT NULL,
  interactions bigint NOT NULL DEFAULT 0,
  agreed bigint NOT NULL DEFAULT 0,
  active_out_of_scope bigint NOT NULL DEFAULT 0,
  shadow_out_of_scope bigint NOT NULL DEFAULT 0,
  confidence_shift_sum double precision NOT NULL DEFAULT 0,
  confidence_shift_abs_sum double precision NOT NULL DEFAULT 0,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, version, active_version),
  FOREIGN KEY (org_id, version) REFERENCES intent_models (org_id, version) ON DELETE CASCADE
);

-- The decisions that changed, one row per (active decision, shadow decision) pair.
CREATE TABLE intent_model_shadow_changes (
  org_id text NOT NULL,
  version text NOT NULL,
  active_version text NOT NULL,
  active_decision text NOT NULL,
  shadow_decision text NOT NULL,
  interactions bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (org_id, version, active_version, active_decision, shadow_decision),
  FOREIGN KEY (org_id, version) REFERENCES intent_models (org_id, version) ON DELETE CASCADE
);
