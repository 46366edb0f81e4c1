-- Account state an operator reads with `amoflow auth status`.
-- issued_at: when the current pair was obtained (the refresh is due at a
-- fraction of its lifetime); refresh_error: the last failed refresh, kept
-- until one succeeds. Neither changes the pair's version.
ALTER TABLE amo_tokens
    ADD COLUMN issued_at        timestamptz,
    ADD COLUMN refresh_error    text NOT NULL DEFAULT '',
    ADD COLUMN refresh_error_at timestamptz;

-- The account-wide circuit breaker: a row exists while amoCRM answers the
-- account with 403 (blocked after too many 429s). Every worker process reads
-- it; the one that moves blocked_until forward when it has passed sends the
-- single probe request of that cool-down, and a probe that gets through
-- deletes the row.
CREATE TABLE amo_breakers (
    account       text PRIMARY KEY,
    blocked_until timestamptz NOT NULL,
    since         timestamptz NOT NULL DEFAULT now(),
    trips         int NOT NULL DEFAULT 1  -- 403s seen since the breaker opened
);
