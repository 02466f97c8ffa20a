-- Moderation: the review queue, member flags, sanctions, trust levels, watched words, topic
-- locking/pinning, anonymous case studies, author notifications and an append-only audit log.

-- Trust grows with account age and approved posts (see src/moderation/trust.rs). Accounts that
-- existed before moderation are trusted as ordinary members; new accounts start at 0.
ALTER TABLE users ADD COLUMN trust_level INTEGER NOT NULL DEFAULT 0 CHECK (trust_level BETWEEN 0 AND 3);
UPDATE users SET trust_level = 1;

ALTER TABLE topics ADD COLUMN locked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topics ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
-- An anonymous case study shows "Ẩn danh" with the hospital tier and province instead of the author.
ALTER TABLE topics ADD COLUMN anonymous INTEGER NOT NULL DEFAULT 0;
ALTER TABLE topics ADD COLUMN hospital_tier TEXT CHECK (hospital_tier IN ('central', 'provincial', 'district', 'private'));
ALTER TABLE topics ADD COLUMN anon_province TEXT;

-- One row per thing a moderator must look at. `reasons` is a JSON array of the auto-check or
-- flag reasons with the matched ranges. Only an open item can be decided (conditional UPDATE).
CREATE TABLE moderation_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal')),
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
CREATE INDEX moderation_items_open ON moderation_items(state, created_at);
-- At most one open item of a kind per post: new flags join the open one.
CREATE UNIQUE INDEX moderation_items_one_open ON moderation_items(kind, post_id) WHERE state = 'open' AND post_id IS NOT NULL;
-- A decision can be appealed once.
CREATE UNIQUE INDEX moderation_items_one_appeal ON moderation_items(appeal_of);

CREATE TABLE flags (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    user_id    INTEGER NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL CHECK (reason IN ('spam', 'off_topic', 'inappropriate', 'patient_privacy', 'unsafe_clinical', 'other')),
    note       TEXT NOT NULL DEFAULT '',
    weight     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (post_id, user_id)
);

CREATE TABLE sanctions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('silence', 'suspend')),
    until      TEXT NOT NULL,
    reason     TEXT NOT NULL,
    by_id      INTEGER NOT NULL REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX sanctions_user ON sanctions(user_id, until);

CREATE TABLE watched_words (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    pattern     TEXT NOT NULL UNIQUE,
    action      TEXT NOT NULL CHECK (action IN ('block', 'hold', 'replace')),
    replacement TEXT,
    created_at  TEXT NOT NULL
);

-- Posts per client address (a hash, never the address), for the per-address posting rate limit.
CREATE TABLE post_addresses (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    key_hash TEXT NOT NULL,
    at       TEXT NOT NULL
);
CREATE INDEX post_addresses_key ON post_addresses(key_hash, at);
CREATE INDEX post_addresses_at ON post_addresses(at);

-- What a member is told about decisions on their posts.
CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    item_id    INTEGER REFERENCES moderation_items(id),
    topic_id   INTEGER REFERENCES topics(id),
    reason     TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Every moderator and admin action. Nothing may change or remove a row once written.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor_id    INTEGER NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    item_type   TEXT NOT NULL,
    item_id     INTEGER NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    before_text TEXT,
    after_text  TEXT
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
