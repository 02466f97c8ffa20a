-- Engagement: drafts saved while composing, helpful marks, bookmarks, featured topics.

-- What a member is composing, one row per place they compose in: `new:<kind>` for a new topic
-- of that kind, `reply:<topic id>` for a reply. `fields` is a JSON object of form field → text
-- (NFC). Deleted when the post is published.
CREATE TABLE drafts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope      TEXT NOT NULL,
    topic_id   INTEGER REFERENCES topics(id),
    fields     TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (user_id, scope)
);

-- A member found a post helpful: once per member and post, never their own (checked in code).
CREATE TABLE helpful_marks (
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX helpful_marks_user ON helpful_marks(user_id);

-- A bookmark points at a post; bookmarking a topic bookmarks its opening post.
CREATE TABLE bookmarks (
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    post_id    INTEGER NOT NULL REFERENCES posts(id),
    created_at TEXT NOT NULL,
    PRIMARY KEY (user_id, post_id)
);

-- Moderators feature good practices on the home page (audited like pinning).
ALTER TABLE topics ADD COLUMN featured INTEGER NOT NULL DEFAULT 0;
