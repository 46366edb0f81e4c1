-- The amoCRM request budget of each account, shared by every process: a
-- GCRA (virtual scheduling) whose state is one timestamp. Each request
-- reserves the slot at greatest(next_at, now) and moves next_at one
-- emission interval (1 s / rps, plus a guard) later, so sends are spaced
-- evenly cluster-wide and no 1-second window holds more than rps of them.
CREATE TABLE amo_budget (
    account text PRIMARY KEY,
    next_at timestamptz NOT NULL  -- the earliest free slot, by Postgres's clock
);
