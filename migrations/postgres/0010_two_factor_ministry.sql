-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes, and ministry staff
-- requests in the moderation queue.

-- One authenticator per member. `secret` is the base32 shared secret (the code function needs it,
-- so it cannot be hashed); `enabled_at` stays NULL until the member confirmed a code from it.
-- `last_step` is the last 30-second step accepted, so a code is never accepted twice.
CREATE TABLE two_factor (
    user_id    BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    enabled_at TIMESTAMPTZ,
    last_step  BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMPTZ NOT NULL
);

-- Only SHA-256 hashes of recovery codes are kept; a code is spent by setting used_at.
CREATE TABLE recovery_codes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    UNIQUE (user_id, code_hash)
);

-- Half signed in: the password was right, the code is still owed. Found by a hash of the
-- gp_2fa cookie; good for a few minutes and a few tries; grants nothing else.
CREATE TABLE two_factor_pending (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    next_path  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Ministry staff requests ('ministry_request') join the queue; a moderator's approval makes the
-- member ministry staff.
ALTER TABLE moderation_items DROP CONSTRAINT moderation_items_kind_check;
ALTER TABLE moderation_items ADD CONSTRAINT moderation_items_kind_check
    CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category', 'ministry_request'));
-- One open ministry request per member: a second sign-in or click joins the open one.
CREATE UNIQUE INDEX moderation_items_one_ministry_request ON moderation_items(user_id) WHERE kind = 'ministry_request' AND state = 'open';
