-- Idempotency-Key bindings: the digest of the body first sent with a
-- client's key, so that the key reused with another body is refused (422)
-- instead of silently answering with the first job. Only requests that
-- carry the header touch this table.
CREATE TABLE idempotency_keys (
    job_id     text PRIMARY KEY,              -- the job the key names (route and key)
    digest     bytea NOT NULL,                -- SHA-256 of the request as stored
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
