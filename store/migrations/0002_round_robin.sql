-- Round-robin hand-out of managers (docs/flows.md#round-robin without its
-- races): one counter row per pool, advanced by UPDATE … RETURNING, which
-- locks the row, so concurrent workers never hand out the same turn.
CREATE TABLE round_robin (
    pool       text PRIMARY KEY,
    turns      bigint NOT NULL DEFAULT 0,   -- turns handed out so far
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- What each key (e.g. one retail lead handed over) was given, so that a
-- retried or repeated hand-over gets the same manager and does not take a
-- turn from the next lead.
CREATE TABLE round_robin_picks (
    pool      text NOT NULL,
    key       text NOT NULL,
    user_id   bigint NOT NULL,
    picked_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pool, key)
);
