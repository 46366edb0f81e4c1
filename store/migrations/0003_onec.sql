-- amoCRM entities written on 1C's behalf. An amoCRM → 1C sync of one of them
-- before expires_at is the echo of 1C's own write, and is skipped. Keyed by
-- account and entity type as well as id: ids of different accounts and
-- types may coincide.
CREATE TABLE onec_echo (
    account     text   NOT NULL,
    entity_type text   NOT NULL,
    entity_id   bigint NOT NULL,
    expires_at  timestamptz NOT NULL,
    PRIMARY KEY (account, entity_type, entity_id)
);
CREATE INDEX onec_echo_expires ON onec_echo (expires_at);

-- Which amoCRM entity holds a 1C object, per account, as last written. The
-- 1C flows look here before they search amoCRM (whose fuzzy search does not
-- reliably cover custom fields) and verify the entity still exists.
CREATE TABLE onec_links (
    account     text   NOT NULL,
    entity_type text   NOT NULL,  -- contacts, companies, leads, catalog_elements
    guid        text   NOT NULL,  -- lower-case 1C GUID
    entity_id   bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account, entity_type, guid)
);
