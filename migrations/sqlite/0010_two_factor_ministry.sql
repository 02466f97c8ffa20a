-- no-transaction
-- Two-factor sign-in (TOTP, RFC 6238) with single-use recovery codes, and ministry staff
-- requests in the moderation queue.
PRAGMA foreign_keys = OFF;
BEGIN;

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

-- Ministry staff requests ('ministry_request') join the queue; a moderator's approval makes the
-- member ministry staff. SQLite cannot change a CHECK in place: the table is rebuilt as in 0005
-- (foreign keys off outside the transaction, so rows pointing at items keep their ids).
CREATE TABLE moderation_items_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category', 'ministry_request')),
    post_id     INTEGER REFERENCES posts(id),
    user_id     INTEGER NOT NULL REFERENCES users(id),
    appeal_of   INTEGER REFERENCES moderation_items(id),
    reasons     TEXT NOT NULL DEFAULT '[]',
    note        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'rejected')),
    decision    TEXT,
    handled_by  INTEGER REFERENCES users(id),
    handled_at  TEXT,
    created_at  TEXT NOT NULL
);
INSERT INTO moderation_items_new (id, kind, post_id, user_id, appeal_of, reasons, note, state, decision, handled_by, handled_at, created_at)
    SELECT id, kind, post_id, user_id, appeal_of, reasons, note, state, decision, handled_by, handled_at, created_at FROM moderation_items;
DROP TABLE moderation_items;
ALTER TABLE moderation_items_new RENAME TO moderation_items;
CREATE INDEX moderation_items_open ON moderation_items(state, created_at);
CREATE UNIQUE INDEX moderation_items_one_open ON moderation_items(kind, post_id) WHERE state = 'open' AND post_id IS NOT NULL;
CREATE UNIQUE INDEX moderation_items_one_appeal ON moderation_items(appeal_of);
-- One open ministry request per member: a second sign-in or click joins the open one.
CREATE UNIQUE INDEX moderation_items_one_ministry_request ON moderation_items(user_id) WHERE kind = 'ministry_request' AND state = 'open';
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
