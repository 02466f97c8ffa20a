-- The forum foundation: accounts, sessions, categories, topics, posts, revisions, tags.
-- Timestamps are TIMESTAMPTZ.

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT NOT NULL,
    email_lower   TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    display_name  TEXT NOT NULL,
    job_title     TEXT NOT NULL DEFAULT '',
    hospital      TEXT NOT NULL DEFAULT '',
    department    TEXT NOT NULL DEFAULT '',
    province_code TEXT,
    role          TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'moderator', 'ministry', 'admin')),
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   TEXT NOT NULL UNIQUE,
    user_id      BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Failed sign-in attempts, keyed by a hash of the email or client address (never the raw value).
CREATE TABLE login_failures (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key_hash   TEXT NOT NULL,
    failed_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failures_key ON login_failures(key_hash, failed_at);

CREATE TABLE categories (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug           TEXT NOT NULL UNIQUE,
    name_vi        TEXT NOT NULL,
    name_en        TEXT NOT NULL,
    description_vi TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    position       BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE topics (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category_id    BIGINT NOT NULL REFERENCES categories(id),
    author_id      BIGINT NOT NULL REFERENCES users(id),
    kind           TEXT NOT NULL CHECK (kind IN ('discussion', 'question', 'good_practice', 'case_study')),
    title          TEXT NOT NULL,
    summary        TEXT,
    status         TEXT NOT NULL CHECK (status IN ('published', 'pending', 'rejected')),
    reply_count    BIGINT NOT NULL DEFAULT 0,
    created_at     TIMESTAMPTZ NOT NULL,
    last_posted_at TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ
);
CREATE INDEX topics_latest ON topics(last_posted_at);
CREATE INDEX topics_category ON topics(category_id, last_posted_at);

CREATE TABLE posts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic_id    BIGINT NOT NULL REFERENCES topics(id),
    author_id   BIGINT NOT NULL REFERENCES users(id),
    position    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    body_html   TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('published', 'pending', 'rejected')),
    revision    BIGINT NOT NULL DEFAULT 1,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ,
    deleted_at  TIMESTAMPTZ,
    UNIQUE (topic_id, position)
);
CREATE INDEX posts_author ON posts(author_id, created_at);

-- Every version of every post, the first included, so any edit can be viewed later.
CREATE TABLE post_revisions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    post_id    BIGINT NOT NULL REFERENCES posts(id),
    revision   BIGINT NOT NULL,
    title      TEXT,
    body       TEXT NOT NULL,
    editor_id  BIGINT NOT NULL REFERENCES users(id),
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (post_id, revision)
);

CREATE TABLE tags (
    id   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE
);

CREATE TABLE topic_tags (
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    tag_id   BIGINT NOT NULL REFERENCES tags(id),
    PRIMARY KEY (topic_id, tag_id)
);
CREATE INDEX topic_tags_tag ON topic_tags(tag_id);

-- Publicly visible changes, appended in the same transaction as the change; the search indexer follows it.
CREATE TABLE search_changes (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity     TEXT NOT NULL,
    entity_id  BIGINT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
