-- Writes planned in shadow mode instead of being sent to amoCRM or 1C
-- (README "Shadow mode"). One row per write of an activity: identity is a
-- digest of the account, the job (workflow id), the activity id, the
-- request line and the write's place among the activity's writes to that
-- path, never of the attempt, so a retried attempt finds its row and gets
-- the same synthesized ids back. Bodies hold personal data: sealed with the
-- token key when one is configured (body_key names it), purged after
-- shadow.retention.
CREATE TABLE shadow_writes (
    id            bigserial PRIMARY KEY,
    identity      bytea NOT NULL UNIQUE,
    account       text NOT NULL,          -- config key, or "1c"
    workflow_id   text NOT NULL,          -- the job (child workflows: their own id)
    run_id        text NOT NULL,
    workflow_type text NOT NULL,          -- the flow
    activity_type text NOT NULL,
    activity_id   text NOT NULL,
    method        text NOT NULL,          -- POST, PATCH, PUT, DELETE
    path          text NOT NULL,          -- with its query, e.g. /api/v4/leads/complex
    body_key      text NOT NULL DEFAULT '', -- seal key id; '' = plain JSON
    body          bytea,
    ids           bigint[] NOT NULL DEFAULT '{}', -- ids synthesized for what it created
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shadow_writes_created_at ON shadow_writes (created_at);
CREATE INDEX shadow_writes_workflow ON shadow_writes (workflow_id);
-- Synthesized entity ids: offset by amocrm.ShadowIDBase, far above amoCRM's.
CREATE SEQUENCE shadow_entity_ids;
