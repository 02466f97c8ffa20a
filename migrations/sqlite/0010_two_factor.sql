-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes.

-- One authenticator per member. `secret` is the base32 shared secret (the code function needs it,
-- so it cannot be hashed); `enabled_at` stays NULL until the member confirmed a code from it.
-- `last_step` is the last 30-second step accepted, so a code is never accepted twice.
CREATE TABLE two_factor (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    secret     TEXT NOT NULL,
    enabled_at TEXT,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- Only SHA-256 hashes of recovery codes are kept; a code is spent by setting used_at.
CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TEXT,
    UNIQUE (user_id, code_hash)
);

-- Half signed in: the password was right, the code is still owed. Found by a hash of the
-- gp_2fa cookie; good for a few minutes and a few tries; grants nothing else.
CREATE TABLE two_factor_pending (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    next_path  TEXT NOT NULL,
    attempts   INTEGER NOT NULL DEFAULT 0,
    expires_at TEXT NOT NULL
);
