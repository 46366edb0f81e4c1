-- Creates sent to 1C, one row per amoCRM entity that will hold the new 1C
-- object's GUID (a contact's client, a company's partner, a lead's
-- application). A row is written before the POST and settled after it:
-- 'created' with the GUID 1C answered, or deleted when 1C surely created
-- nothing. A row still 'sending' means an earlier POST may have created the
-- object although its answer was lost, so no second create is sent until
-- an operator settles it (docs/flows.md#sync1corder).
CREATE TABLE onec_outbox (
    account     text   NOT NULL,
    entity_type text   NOT NULL,   -- contacts, companies, leads
    entity_id   bigint NOT NULL,
    state       text   NOT NULL CHECK (state IN ('sending', 'created')),
    guid        text,              -- lower-case 1C GUID once created
    owner       text   NOT NULL,   -- the workflow that sent it
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, entity_type, entity_id)
);
