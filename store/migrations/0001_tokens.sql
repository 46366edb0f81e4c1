-- OAuth tokens, one row per amoCRM account (config key). A refresh locks the
-- row (SELECT … FOR UPDATE), so one process refreshes and the others re-read.
CREATE TABLE amo_tokens (
    account       text PRIMARY KEY,
    access_token  text NOT NULL,
    refresh_token text NOT NULL DEFAULT '',     -- empty for long-lived tokens
    expires_at    timestamptz NOT NULL,
    version       bigint NOT NULL DEFAULT 1,    -- bumped on every write
    needs_reauth  text NOT NULL DEFAULT '',     -- why an operator must re-authorize, if so
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- OAuth authorization requests started by an operator (state → account),
-- checked by GET /oauth/callback.
CREATE TABLE oauth_states (
    state      text PRIMARY KEY,
    account    text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
