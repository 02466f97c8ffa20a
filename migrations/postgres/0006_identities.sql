-- Sign-in through external OpenID Connect providers.

-- True only when a provider said so (email_verified claim); local sign-ups stay false.
ALTER TABLE users ADD COLUMN email_verified BOOLEAN NOT NULL DEFAULT FALSE;

-- One row per provider account linked to a member: the provider's id and its stable subject.
CREATE TABLE user_identities (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider_id TEXT NOT NULL,
    subject     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (provider_id, subject),
    UNIQUE (user_id, provider_id)
);

-- A sign-in in progress: found by a hash of its state, bound to the browser by a hash of the
-- gp_oidc cookie, deleted when the provider sends the browser back (so a state is used once).
CREATE TABLE oidc_logins (
    state_hash    TEXT PRIMARY KEY,
    provider_id   TEXT NOT NULL,
    browser_hash  TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    next_path     TEXT NOT NULL,
    link_user_id  BIGINT REFERENCES users(id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL
);
