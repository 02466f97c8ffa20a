-- Following and being told (issue #8): handles for @mentions, watches, richer notifications
-- that double as the outbox of notification mail, per-member mail settings, the weekly digest
-- outbox and the server secret that signs unsubscribe links.

-- A member's @handle: ASCII, derived from the folded display name, unique, editable in settings.
ALTER TABLE users ADD COLUMN handle TEXT;
CREATE UNIQUE INDEX users_handle ON users(handle);

-- What a member follows. `muted` remembers "stop watching" so replying does not watch again.
CREATE TABLE watches (
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('category', 'tag', 'topic', 'guidance')),
    target_id   INTEGER NOT NULL,
    level       TEXT NOT NULL DEFAULT 'watching' CHECK (level IN ('watching', 'muted')),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, target_kind, target_id)
);
CREATE INDEX watches_target ON watches(target_kind, target_id, level);

-- A notification may be about one post (and who wrote it), is read or not, and is the outbox
-- row of its own mail: queued → sent | off (settings) | dropped (post removed) | failed (cap).
ALTER TABLE notifications ADD COLUMN post_id INTEGER REFERENCES posts(id);
ALTER TABLE notifications ADD COLUMN actor_id INTEGER REFERENCES users(id);
ALTER TABLE notifications ADD COLUMN read_at TEXT;
ALTER TABLE notifications ADD COLUMN mail_state TEXT NOT NULL DEFAULT 'queued'
    CHECK (mail_state IN ('queued', 'sent', 'off', 'dropped', 'failed', 'old'));
ALTER TABLE notifications ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN mail_next_at TEXT;
-- Decisions told before mail existed are not mailed now.
UPDATE notifications SET mail_state = 'old';
CREATE INDEX notifications_mail ON notifications(mail_state, mail_next_at);

-- Which kinds go out by email; absent row = defaults.
CREATE TABLE notify_settings (
    user_id          INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    email_replies    INTEGER NOT NULL DEFAULT 1,
    email_mentions   INTEGER NOT NULL DEFAULT 1,
    email_watched    INTEGER NOT NULL DEFAULT 1,
    email_moderation INTEGER NOT NULL DEFAULT 1,
    digest           INTEGER NOT NULL DEFAULT 1,
    watch_on_reply   INTEGER NOT NULL DEFAULT 1,
    language         TEXT NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en'))
);

-- One weekly digest per member and week (the Monday it starts), sent by the mail task.
CREATE TABLE digest_outbox (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    week          TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sent', 'off', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    UNIQUE (user_id, week)
);
CREATE INDEX digest_outbox_state ON digest_outbox(state, next_at);

-- Secrets the server makes for itself (the unsubscribe signing key), never logged.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
