-- Scale (issue 13): topic counts kept, not counted, and indexes for every listing.
--
-- A topic counts when it is visible: status 'published' and not deleted. Triggers keep the
-- counts in the transaction of every change that moves them (create, hide/restore, move,
-- delete, tags, approval, imports, bulk inserts), whoever writes it, so no code path can forget.
-- `Store::counted_topic_counts` counts afresh and the tests compare the two.
--
-- Concurrency: every write transaction of the app holds one advisory lock (`begin_write`), so
-- writers take turns as on SQLite and the few hot count rows, reached in different orders by
-- different statements, never deadlock. The triggers also lock the topic row (FOR NO KEY
-- UPDATE, the lock a later UPDATE of it takes anyway) before reading whether it is visible,
-- and the author's row before reading its province, so a writer outside the app's transactions
-- (psql, a script) cannot count a topic on both sides of a racing change.

CREATE TABLE category_topic_counts (
    category_id BIGINT PRIMARY KEY REFERENCES categories(id),
    n           BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE tag_topic_counts (
    tag_id BIGINT PRIMARY KEY REFERENCES tags(id),
    n      BIGINT NOT NULL DEFAULT 0
);
-- The province a topic shows: the anonymous case study's, else its author's ('' when unknown).
CREATE TABLE province_topic_counts (
    province_code TEXT PRIMARY KEY,
    n             BIGINT NOT NULL DEFAULT 0
);
-- Visible posts of a topic citing a document (whatever the topic's own state), so a
-- document's count of citing topics moves exactly when the first or last of them comes or goes.
CREATE TABLE topic_guidance_posts (
    topic_id    BIGINT NOT NULL,
    guidance_id BIGINT NOT NULL,
    n           BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (topic_id, guidance_id)
);
CREATE TABLE guidance_topic_counts (
    guidance_id BIGINT PRIMARY KEY REFERENCES guidance_documents(id),
    n           BIGINT NOT NULL DEFAULT 0
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
CREATE FUNCTION count_row_for_new() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'categories' THEN
        INSERT INTO category_topic_counts (category_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
    ELSIF TG_TABLE_NAME = 'tags' THEN
        INSERT INTO tag_topic_counts (tag_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
    ELSE
        INSERT INTO guidance_topic_counts (guidance_id, n) VALUES (NEW.id, 0) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER categories_count_row AFTER INSERT ON categories FOR EACH ROW EXECUTE FUNCTION count_row_for_new();
CREATE TRIGGER tags_count_row AFTER INSERT ON tags FOR EACH ROW EXECUTE FUNCTION count_row_for_new();
CREATE TRIGGER guidance_count_row AFTER INSERT ON guidance_documents FOR EACH ROW EXECUTE FUNCTION count_row_for_new();

-- The province a topic row shows (locks its author's row so a profile change waits or is seen).
CREATE FUNCTION topic_province(anonymous BOOLEAN, anon_province TEXT, author BIGINT) RETURNS TEXT LANGUAGE plpgsql AS $$
DECLARE code TEXT;
BEGIN
    IF anonymous THEN
        RETURN COALESCE(anon_province, '');
    END IF;
    SELECT u.province_code INTO code FROM users u WHERE u.id = author FOR NO KEY UPDATE;
    RETURN COALESCE(code, '');
END $$;

-- Adds (+1) or removes (-1) one visible topic row's contribution to every count.
CREATE FUNCTION count_topic(t topics, delta BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE category_topic_counts SET n = n + delta WHERE category_id = t.category_id;
    INSERT INTO province_topic_counts AS c (province_code, n) VALUES (topic_province(t.anonymous, t.anon_province, t.author_id), delta)
    ON CONFLICT (province_code) DO UPDATE SET n = c.n + delta;
    UPDATE tag_topic_counts SET n = n + delta WHERE tag_id IN (SELECT tag_id FROM topic_tags WHERE topic_id = t.id);
    UPDATE guidance_topic_counts SET n = n + delta
    WHERE guidance_id IN (SELECT guidance_id FROM topic_guidance_posts WHERE topic_id = t.id AND n > 0);
END $$;

CREATE FUNCTION topics_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'published' AND OLD.deleted_at IS NULL THEN
        PERFORM count_topic(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'published' AND NEW.deleted_at IS NULL THEN
        PERFORM count_topic(NEW, 1);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER topics_count_insert AFTER INSERT ON topics FOR EACH ROW EXECUTE FUNCTION topics_count();
CREATE TRIGGER topics_count_update AFTER UPDATE OF status, deleted_at, category_id, anonymous, anon_province, author_id ON topics
    FOR EACH ROW EXECUTE FUNCTION topics_count();
CREATE TRIGGER topics_count_delete AFTER DELETE ON topics FOR EACH ROW EXECUTE FUNCTION topics_count();

-- Whether a topic is visible, its row locked until the end of the transaction.
CREATE FUNCTION topic_visible_locked(id BIGINT) RETURNS BOOLEAN LANGUAGE plpgsql AS $$
DECLARE visible BOOLEAN;
BEGIN
    SELECT t.status = 'published' AND t.deleted_at IS NULL INTO visible FROM topics t WHERE t.id = topic_visible_locked.id FOR NO KEY UPDATE;
    RETURN COALESCE(visible, FALSE);
END $$;

CREATE FUNCTION topic_tags_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF topic_visible_locked(NEW.topic_id) THEN
            UPDATE tag_topic_counts SET n = n + 1 WHERE tag_id = NEW.tag_id;
        END IF;
    ELSIF topic_visible_locked(OLD.topic_id) THEN
        UPDATE tag_topic_counts SET n = n - 1 WHERE tag_id = OLD.tag_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER topic_tags_count AFTER INSERT OR DELETE ON topic_tags FOR EACH ROW EXECUTE FUNCTION topic_tags_count();

-- A member's province moves the count of their visible topics that are not anonymous.
CREATE FUNCTION users_province_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE moved BIGINT;
BEGIN
    IF COALESCE(OLD.province_code, '') = COALESCE(NEW.province_code, '') THEN
        RETURN NULL;
    END IF;
    SELECT COUNT(*) INTO moved FROM topics t
    WHERE t.author_id = NEW.id AND NOT t.anonymous AND t.status = 'published' AND t.deleted_at IS NULL;
    UPDATE province_topic_counts SET n = n - moved WHERE province_code = COALESCE(OLD.province_code, '');
    INSERT INTO province_topic_counts AS c (province_code, n) VALUES (COALESCE(NEW.province_code, ''), moved)
    ON CONFLICT (province_code) DO UPDATE SET n = c.n + moved;
    RETURN NULL;
END $$;
CREATE TRIGGER users_province_count AFTER UPDATE OF province_code ON users FOR EACH ROW EXECUTE FUNCTION users_province_count();

-- One visible post's citation of one document comes (+1) or goes (-1) in a topic; the
-- document's count moves when the topic is visible and this was its first or last one.
CREATE FUNCTION count_citation(topic BIGINT, guidance BIGINT, delta BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE visible BOOLEAN; now_n BIGINT;
BEGIN
    visible := topic_visible_locked(topic);
    INSERT INTO topic_guidance_posts AS x (topic_id, guidance_id, n) VALUES (topic, guidance, delta)
    ON CONFLICT (topic_id, guidance_id) DO UPDATE SET n = x.n + delta RETURNING x.n INTO now_n;
    IF visible AND ((delta > 0 AND now_n = 1) OR (delta < 0 AND now_n = 0)) THEN
        UPDATE guidance_topic_counts SET n = n + delta WHERE guidance_id = guidance;
    END IF;
END $$;

CREATE FUNCTION post_guidance_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE p posts;
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT * INTO p FROM posts WHERE id = NEW.post_id;
        IF p.status = 'published' AND p.deleted_at IS NULL THEN
            PERFORM count_citation(p.topic_id, NEW.guidance_id, 1);
        END IF;
    ELSE
        SELECT * INTO p FROM posts WHERE id = OLD.post_id;
        IF p.status = 'published' AND p.deleted_at IS NULL THEN
            PERFORM count_citation(p.topic_id, OLD.guidance_id, -1);
        END IF;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER post_guidance_count AFTER INSERT OR DELETE ON post_guidance FOR EACH ROW EXECUTE FUNCTION post_guidance_count();

-- A post hidden, restored, deleted or moved to another topic (a merge) takes its citations along.
CREATE FUNCTION posts_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE g BIGINT;
BEGIN
    IF OLD.status = 'published' AND OLD.deleted_at IS NULL THEN
        FOR g IN SELECT guidance_id FROM post_guidance WHERE post_id = OLD.id ORDER BY guidance_id LOOP
            PERFORM count_citation(OLD.topic_id, g, -1);
        END LOOP;
    END IF;
    IF NEW.status = 'published' AND NEW.deleted_at IS NULL THEN
        FOR g IN SELECT guidance_id FROM post_guidance WHERE post_id = NEW.id ORDER BY guidance_id LOOP
            PERFORM count_citation(NEW.topic_id, g, 1);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_count AFTER UPDATE OF status, deleted_at, topic_id ON posts FOR EACH ROW EXECUTE FUNCTION posts_count();

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
