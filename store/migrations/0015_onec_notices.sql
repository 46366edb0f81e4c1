-- What 1C posted to the old notice URLs /integration/1c/paymentreceived and
-- /integration/1c/courseended, which the old system only appended to a file
-- (README "Migrating from the old URLs"). One row per job (the OneCNotice
-- workflow's id): a retried activity finds its row. The body may hold
-- personal data: sealed with the token key when one is configured (body_key
-- names it, the job id is the associated data).
CREATE TABLE onec_notices (
    job_id       text PRIMARY KEY,
    kind         text NOT NULL,            -- paymentreceived | courseended
    content_type text NOT NULL DEFAULT '',
    body_key     text NOT NULL DEFAULT '', -- seal key id; '' = plain
    body         bytea NOT NULL,
    received_at  timestamptz NOT NULL,     -- when the starter took the request
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX onec_notices_received_at ON onec_notices (received_at);
