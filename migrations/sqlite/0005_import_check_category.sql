-- no-transaction
-- `goodpractice import facebook`: imported topics whose category was only guessed wait in the
-- moderation queue as 'imported_category' items, so a moderator can move them.
-- SQLite cannot change a CHECK in place: the table is rebuilt (the documented 12-step way, with
-- foreign keys off outside the transaction so the rows that point at items are kept as they are).
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE moderation_items_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category')),
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
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
