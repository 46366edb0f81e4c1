-- Leases serialize the work on one person or one amoCRM entity across every
-- worker and process. A key ({account}:phone:{digest}, {account}:email:{digest},
-- {account}:lead:{id}, …) is held by one workflow run until that run releases
-- it. A lease never expires by time: a waiter takes it over only when
-- Temporal says the holder's run is closed (terminated, timed out, …).
CREATE TABLE leases (
    key         text PRIMARY KEY,
    workflow_id text NOT NULL,
    run_id      text NOT NULL,
    acquired_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX leases_holder ON leases (workflow_id, run_id);

-- What our own flows created or found in amoCRM, by a key that names it:
-- phone:{digest} and email:{digest} → the person's contact (and the lead a
-- form last created or merged into), marker:{field}:{value} → the lead that
-- carries that marker. amoCRM's search index lags behind its writes, so a
-- flow looks here first and verifies the entity by id. Digests, not phones
-- or emails: no personal data in clear.
CREATE TABLE amo_index (
    account    text   NOT NULL,
    key        text   NOT NULL,
    contact_id bigint NOT NULL DEFAULT 0,
    lead_id    bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, key)
);
