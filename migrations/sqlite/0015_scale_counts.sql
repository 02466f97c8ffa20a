-- Scale (issue 13): topic counts kept, not counted, and indexes for every listing.
--
-- A topic counts when it is visible: status 'published' and not deleted. Triggers keep the
-- counts in the transaction of every change that moves them (create, hide/restore, move,
-- delete, tags, approval, imports, bulk inserts), whoever writes it, so no code path can forget.
-- `Store::counted_topic_counts` counts afresh and the tests compare the two.

CREATE TABLE category_topic_counts (
    category_id INTEGER PRIMARY KEY REFERENCES categories(id),
    n           INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE tag_topic_counts (
    tag_id INTEGER PRIMARY KEY REFERENCES tags(id),
    n      INTEGER NOT NULL DEFAULT 0
);
-- The province a topic shows: the anonymous case study's, else its author's ('' when unknown).
CREATE TABLE province_topic_counts (
    province_code TEXT PRIMARY KEY,
    n             INTEGER NOT NULL DEFAULT 0
);
-- Visible posts of a topic citing a document (whatever the topic's own state), so a
-- document's count of citing topics moves exactly when the first or last of them comes or goes.
CREATE TABLE topic_guidance_posts (
    topic_id    INTEGER NOT NULL,
    guidance_id INTEGER NOT NULL,
    n           INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, guidance_id)
);
CREATE TABLE guidance_topic_counts (
    guidance_id INTEGER PRIMARY KEY REFERENCES guidance_documents(id),
    n           INTEGER NOT NULL DEFAULT 0
);

INSERT INTO category_topic_counts (category_id, n)
SELECT c.id, (SELECT COUNT(*) FROM topics t WHERE t.category_id = c.id AND t.status = 'published' AND t.deleted_at IS NULL)
FROM categories c;
INSERT INTO tag_topic_counts (tag_id, n)
SELECT g.id, (SELECT COUNT(*) FROM topic_tags tt JOIN topics t ON t.id = tt.topic_id
              WHERE tt.tag_id = g.id AND t.status = 'published' AND t.deleted_at IS NULL)
FROM tags g;
INSERT INTO province_topic_counts (province_code, n)
SELECT COALESCE(CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END, ''), COUNT(*)
FROM topics t JOIN users u ON u.id = t.author_id
WHERE t.status = 'published' AND t.deleted_at IS NULL GROUP BY 1;
INSERT INTO topic_guidance_posts (topic_id, guidance_id, n)
SELECT p.topic_id, pg.guidance_id, COUNT(*) FROM post_guidance pg JOIN posts p ON p.id = pg.post_id
WHERE p.status = 'published' AND p.deleted_at IS NULL GROUP BY p.topic_id, pg.guidance_id;
INSERT INTO guidance_topic_counts (guidance_id, n)
SELECT d.id, (SELECT COUNT(*) FROM topic_guidance_posts x JOIN topics t ON t.id = x.topic_id
              WHERE x.guidance_id = d.id AND x.n > 0 AND t.status = 'published' AND t.deleted_at IS NULL)
FROM guidance_documents d;

-- Every category, tag and document has its count row from birth.
CREATE TRIGGER categories_count_row AFTER INSERT ON categories BEGIN
    INSERT INTO category_topic_counts (category_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER tags_count_row AFTER INSERT ON tags BEGIN
    INSERT INTO tag_topic_counts (tag_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER guidance_count_row AFTER INSERT ON guidance_documents BEGIN
    INSERT INTO guidance_topic_counts (guidance_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
END;

-- A topic: its category and province. Its tags and citations come after it (foreign keys).
CREATE TRIGGER topics_count_insert AFTER INSERT ON topics
WHEN NEW.status = 'published' AND NEW.deleted_at IS NULL BEGIN
    UPDATE category_topic_counts SET n = n + 1 WHERE category_id = NEW.category_id;
    INSERT INTO province_topic_counts (province_code, n)
    SELECT COALESCE(CASE WHEN NEW.anonymous THEN NEW.anon_province ELSE u.province_code END, ''), 1
    FROM users u WHERE u.id = NEW.author_id
    ON CONFLICT (province_code) DO UPDATE SET n = n + 1;
END;

-- Any change of what a topic counts under: the old contribution out, the new one in.
CREATE TRIGGER topics_count_update AFTER UPDATE OF status, deleted_at, category_id, anonymous, anon_province, author_id ON topics
WHEN (OLD.status = 'published' AND OLD.deleted_at IS NULL) OR (NEW.status = 'published' AND NEW.deleted_at IS NULL) BEGIN
    UPDATE category_topic_counts SET n = n - 1
    WHERE category_id = OLD.category_id AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
    UPDATE category_topic_counts SET n = n + 1
    WHERE category_id = NEW.category_id AND NEW.status = 'published' AND NEW.deleted_at IS NULL;
    UPDATE province_topic_counts SET n = n - 1
    WHERE OLD.status = 'published' AND OLD.deleted_at IS NULL AND province_code =
        (SELECT COALESCE(CASE WHEN OLD.anonymous THEN OLD.anon_province ELSE u.province_code END, '') FROM users u WHERE u.id = OLD.author_id);
    INSERT INTO province_topic_counts (province_code, n)
    SELECT COALESCE(CASE WHEN NEW.anonymous THEN NEW.anon_province ELSE u.province_code END, ''), 1
    FROM users u WHERE u.id = NEW.author_id AND NEW.status = 'published' AND NEW.deleted_at IS NULL
    ON CONFLICT (province_code) DO UPDATE SET n = n + 1;
    UPDATE tag_topic_counts SET n = n - 1
    WHERE OLD.status = 'published' AND OLD.deleted_at IS NULL AND tag_id IN (SELECT tag_id FROM topic_tags WHERE topic_id = OLD.id);
    UPDATE tag_topic_counts SET n = n + 1
    WHERE NEW.status = 'published' AND NEW.deleted_at IS NULL AND tag_id IN (SELECT tag_id FROM topic_tags WHERE topic_id = NEW.id);
    UPDATE guidance_topic_counts SET n = n - 1
    WHERE OLD.status = 'published' AND OLD.deleted_at IS NULL
      AND guidance_id IN (SELECT guidance_id FROM topic_guidance_posts WHERE topic_id = OLD.id AND n > 0);
    UPDATE guidance_topic_counts SET n = n + 1
    WHERE NEW.status = 'published' AND NEW.deleted_at IS NULL
      AND guidance_id IN (SELECT guidance_id FROM topic_guidance_posts WHERE topic_id = NEW.id AND n > 0);
END;

-- A topic removed outright (its tags and citations went first: foreign keys).
CREATE TRIGGER topics_count_delete AFTER DELETE ON topics
WHEN OLD.status = 'published' AND OLD.deleted_at IS NULL BEGIN
    UPDATE category_topic_counts SET n = n - 1 WHERE category_id = OLD.category_id;
    UPDATE province_topic_counts SET n = n - 1 WHERE province_code =
        (SELECT COALESCE(CASE WHEN OLD.anonymous THEN OLD.anon_province ELSE u.province_code END, '') FROM users u WHERE u.id = OLD.author_id);
END;

CREATE TRIGGER topic_tags_count_insert AFTER INSERT ON topic_tags BEGIN
    UPDATE tag_topic_counts SET n = n + 1 WHERE tag_id = NEW.tag_id
      AND EXISTS (SELECT 1 FROM topics t WHERE t.id = NEW.topic_id AND t.status = 'published' AND t.deleted_at IS NULL);
END;
CREATE TRIGGER topic_tags_count_delete AFTER DELETE ON topic_tags BEGIN
    UPDATE tag_topic_counts SET n = n - 1 WHERE tag_id = OLD.tag_id
      AND EXISTS (SELECT 1 FROM topics t WHERE t.id = OLD.topic_id AND t.status = 'published' AND t.deleted_at IS NULL);
END;

-- A member's province moves the count of their visible topics that are not anonymous.
CREATE TRIGGER users_province_count AFTER UPDATE OF province_code ON users
WHEN COALESCE(OLD.province_code, '') <> COALESCE(NEW.province_code, '') BEGIN
    INSERT INTO province_topic_counts (province_code, n) VALUES (COALESCE(NEW.province_code, ''), 0) ON CONFLICT DO NOTHING;
    UPDATE province_topic_counts SET n = n + CASE province_code WHEN COALESCE(NEW.province_code, '') THEN 1 ELSE -1 END *
        (SELECT COUNT(*) FROM topics t WHERE t.author_id = NEW.id AND NOT t.anonymous AND t.status = 'published' AND t.deleted_at IS NULL)
    WHERE province_code IN (COALESCE(OLD.province_code, ''), COALESCE(NEW.province_code, ''));
END;

-- A citation counts while its post is visible; the document's count of citing topics moves when
-- a visible topic gets its first visible citing post or loses its last.
CREATE TRIGGER post_guidance_count_insert AFTER INSERT ON post_guidance
WHEN EXISTS (SELECT 1 FROM posts p WHERE p.id = NEW.post_id AND p.status = 'published' AND p.deleted_at IS NULL) BEGIN
    INSERT INTO topic_guidance_posts (topic_id, guidance_id, n)
    SELECT p.topic_id, NEW.guidance_id, 1 FROM posts p WHERE p.id = NEW.post_id
    ON CONFLICT (topic_id, guidance_id) DO UPDATE SET n = n + 1;
    UPDATE guidance_topic_counts SET n = n + 1 WHERE guidance_id = NEW.guidance_id
      AND EXISTS (SELECT 1 FROM posts p JOIN topics t ON t.id = p.topic_id
                  JOIN topic_guidance_posts x ON x.topic_id = p.topic_id AND x.guidance_id = NEW.guidance_id
                  WHERE p.id = NEW.post_id AND x.n = 1 AND t.status = 'published' AND t.deleted_at IS NULL);
END;
CREATE TRIGGER post_guidance_count_delete AFTER DELETE ON post_guidance
WHEN EXISTS (SELECT 1 FROM posts p WHERE p.id = OLD.post_id AND p.status = 'published' AND p.deleted_at IS NULL) BEGIN
    UPDATE topic_guidance_posts SET n = n - 1
    WHERE guidance_id = OLD.guidance_id AND topic_id = (SELECT topic_id FROM posts WHERE id = OLD.post_id);
    UPDATE guidance_topic_counts SET n = n - 1 WHERE guidance_id = OLD.guidance_id
      AND EXISTS (SELECT 1 FROM posts p JOIN topics t ON t.id = p.topic_id
                  JOIN topic_guidance_posts x ON x.topic_id = p.topic_id AND x.guidance_id = OLD.guidance_id
                  WHERE p.id = OLD.post_id AND x.n = 0 AND t.status = 'published' AND t.deleted_at IS NULL);
END;

-- A post hidden, restored, deleted or moved to another topic (a merge) takes its citations along.
CREATE TRIGGER posts_count_update AFTER UPDATE OF status, deleted_at, topic_id ON posts
WHEN (OLD.status = 'published' AND OLD.deleted_at IS NULL) OR (NEW.status = 'published' AND NEW.deleted_at IS NULL) BEGIN
    UPDATE topic_guidance_posts SET n = n - 1
    WHERE OLD.status = 'published' AND OLD.deleted_at IS NULL AND topic_id = OLD.topic_id
      AND guidance_id IN (SELECT guidance_id FROM post_guidance WHERE post_id = OLD.id);
    UPDATE guidance_topic_counts SET n = n - 1
    WHERE OLD.status = 'published' AND OLD.deleted_at IS NULL
      AND guidance_id IN (SELECT x.guidance_id FROM topic_guidance_posts x JOIN post_guidance pg ON pg.guidance_id = x.guidance_id
                          WHERE pg.post_id = OLD.id AND x.topic_id = OLD.topic_id AND x.n = 0)
      AND EXISTS (SELECT 1 FROM topics t WHERE t.id = OLD.topic_id AND t.status = 'published' AND t.deleted_at IS NULL);
    INSERT INTO topic_guidance_posts (topic_id, guidance_id, n)
    SELECT NEW.topic_id, pg.guidance_id, 1 FROM post_guidance pg
    WHERE pg.post_id = NEW.id AND NEW.status = 'published' AND NEW.deleted_at IS NULL
    ON CONFLICT (topic_id, guidance_id) DO UPDATE SET n = n + 1;
    UPDATE guidance_topic_counts SET n = n + 1
    WHERE NEW.status = 'published' AND NEW.deleted_at IS NULL
      AND guidance_id IN (SELECT x.guidance_id FROM topic_guidance_posts x JOIN post_guidance pg ON pg.guidance_id = x.guidance_id
                          WHERE pg.post_id = NEW.id AND x.topic_id = NEW.topic_id AND x.n = 1)
      AND EXISTS (SELECT 1 FROM topics t WHERE t.id = NEW.topic_id AND t.status = 'published' AND t.deleted_at IS NULL);
END;

-- Listings read along these indexes (in their order, only rows they show), never by a scan of
-- topics: `store::listings` names each listing statement and a test checks its plan.
-- status and deleted_at as columns too: SQLite then walks the index alone (covering), so a deep
-- offset costs index entries, not table rows.
CREATE INDEX topics_listing ON topics(pinned, last_posted_at, id, status, deleted_at) WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_category_listing ON topics(category_id, pinned, last_posted_at, id, status, deleted_at)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_featured_listing ON topics(last_posted_at, id)
    WHERE featured = TRUE AND status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_kind_listing ON topics(kind, last_posted_at, id) WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_author ON topics(author_id, created_at);
