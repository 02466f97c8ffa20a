-- Curated collections (issue 22): moderators and ministry staff put topics in order, with an
-- introduction and a note per topic. Members follow a collection and see which items they read.

CREATE TABLE collections (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug          TEXT NOT NULL UNIQUE,
    title         TEXT NOT NULL,
    intro         TEXT NOT NULL,
    intro_html    TEXT NOT NULL,
    -- The English introduction, when the curator wrote one (NULL: the Vietnamese is shown).
    intro_en      TEXT,
    intro_en_html TEXT,
    category_id   BIGINT NOT NULL REFERENCES categories(id),
    author_id     BIGINT NOT NULL REFERENCES users(id),
    status        TEXT NOT NULL CHECK (status IN ('draft', 'published')),
    -- Every change (the collection or its items) adds one; a form sends the version it showed.
    version       BIGINT NOT NULL DEFAULT 1,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX collections_listing ON collections(status, updated_at);
CREATE INDEX collections_category ON collections(category_id, status, updated_at);

-- The topics of a collection in order. Positions leave gaps when items go; only their order counts.
CREATE TABLE collection_items (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection_id BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    topic_id      BIGINT NOT NULL REFERENCES topics(id),
    position      BIGINT NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    note_html     TEXT NOT NULL DEFAULT '',
    added_by      BIGINT NOT NULL REFERENCES users(id),
    added_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (collection_id, topic_id)
);
CREATE INDEX collection_items_order ON collection_items(collection_id, position);
CREATE INDEX collection_items_topic ON collection_items(topic_id, collection_id);

CREATE TABLE collection_follows (
    collection_id BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    user_id       BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (collection_id, user_id)
);
CREATE INDEX collection_follows_user ON collection_follows(user_id);

-- Topics a signed-in member opened that belong to a collection (only those are recorded).
CREATE TABLE collection_reads (
    user_id  BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics(id),
    read_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, topic_id)
);
