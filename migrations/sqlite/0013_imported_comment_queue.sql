-- no-transaction
-- `goodpractice import facebook`: a comment from your_comments_in_groups.json, which names only
-- the author of the post it answers, is placed under that author's one imported topic of the two
-- weeks before it and queued for moderators ('imported_comment': "placed by guess — check").
-- SQLite cannot change a CHECK in place: the table is rebuilt as in 0010 (foreign keys off
-- outside the transaction, so rows pointing at items keep their ids), every kind kept.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE moderation_items_new (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category', 'ministry_request', 'imported_comment')),
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
CREATE UNIQUE INDEX moderation_items_one_ministry_request ON moderation_items(user_id) WHERE kind = 'ministry_request' AND state = 'open';
PRAGMA foreign_key_check;
COMMIT;
PRAGMA foreign_keys = ON;
