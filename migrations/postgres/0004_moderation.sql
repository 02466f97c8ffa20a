-- Moderation: the review queue, member flags, sanctions, trust levels, watched words, topic
-- locking/pinning, anonymous case studies, author notifications and an append-only audit log.

-- Trust grows with account age and approved posts (see src/moderation/trust.rs). Accounts that
-- existed before moderation are trusted as ordinary members; new accounts start at 0.
ALTER TABLE users ADD COLUMN trust_level BIGINT NOT NULL DEFAULT 0 CHECK (trust_level BETWEEN 0 AND 3);
UPDATE users SET trust_level = 1;

ALTER TABLE topics ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE topics ADD COLUMN pinned BOOLEAN NOT NULL DEFAULT FALSE;
-- An anonymous case study shows "Ẩn danh" with the hospital tier and province instead of the author.
ALTER TABLE topics ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE topics ADD COLUMN hospital_tier TEXT CHECK (hospital_tier IN ('central', 'provincial', 'district', 'private'));
ALTER TABLE topics ADD COLUMN anon_province TEXT;

-- One row per thing a moderator must look at. `reasons` is a JSON array of the auto-check or
-- flag reasons with the matched ranges. Only an open item can be decided (conditional UPDATE).
CREATE TABLE moderation_items (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal')),
    post_id     BIGINT REFERENCES posts(id),
    user_id     BIGINT NOT NULL REFERENCES users(id),
    appeal_of   BIGINT REFERENCES moderation_items(id),
    reasons     TEXT NOT NULL DEFAULT '[]',
    note        TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'rejected')),
    decision    TEXT,
    handled_by  BIGINT REFERENCES users(id),
    handled_at  TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX moderation_items_open ON moderation_items(state, created_at);
-- At most one open item of a kind per post: new flags join the open one.
CREATE UNIQUE INDEX moderation_items_one_open ON moderation_items(kind, post_id) WHERE state = 'open' AND post_id IS NOT NULL;
-- A decision can be appealed once.
CREATE UNIQUE INDEX moderation_items_one_appeal ON moderation_items(appeal_of);

CREATE TABLE flags (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES posts(id),
    user_id    BIGINT NOT NULL REFERENCES users(id),
    reason     TEXT NOT NULL CHECK (reason IN ('spam', 'off_topic', 'inappropriate', 'patient_privacy', 'unsafe_clinical', 'other')),
    note       TEXT NOT NULL DEFAULT '',
    weight     BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (post_id, user_id)
);

CREATE TABLE sanctions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL CHECK (kind IN ('silence', 'suspend')),
    until      TIMESTAMPTZ NOT NULL,
    reason     TEXT NOT NULL,
    by_id      BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sanctions_user ON sanctions(user_id, until);

CREATE TABLE watched_words (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pattern     TEXT NOT NULL UNIQUE,
    action      TEXT NOT NULL CHECK (action IN ('block', 'hold', 'replace')),
    replacement TEXT,
    created_at  TIMESTAMPTZ NOT NULL
);

-- Posts per client address (a hash, never the address), for the per-address posting rate limit.
CREATE TABLE post_addresses (
    id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash TEXT NOT NULL,
    at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX post_addresses_key ON post_addresses(key_hash, at);
CREATE INDEX post_addresses_at ON post_addresses(at);

-- What a member is told about decisions on their posts.
CREATE TABLE notifications (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id),
    kind       TEXT NOT NULL,
    item_id    BIGINT REFERENCES moderation_items(id),
    topic_id   BIGINT REFERENCES topics(id),
    reason     TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX notifications_user ON notifications(user_id, created_at);

-- Every moderator and admin action. Nothing may change or remove a row once written.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    actor_id    BIGINT NOT NULL REFERENCES users(id),
    action      TEXT NOT NULL,
    item_type   TEXT NOT NULL,
    item_id     BIGINT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '',
    before_text TEXT,
    after_text  TEXT
);
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
