-- The integration API (issue 21): visible topics newest first by creation time, read by key
-- (`created_at`, id) along these partial indexes, never by a scan or an offset. created_at never
-- changes, so a client paging through sees every topic once, whatever is posted meanwhile.
-- status and deleted_at as columns too, so SQLite can walk an index alone (covering).
CREATE INDEX topics_created_listing ON topics(created_at, id, status, deleted_at)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_category_created_listing ON topics(category_id, created_at, id, status, deleted_at)
    WHERE status = 'published' AND deleted_at IS NULL;
CREATE INDEX topics_kind_created_listing ON topics(kind, created_at, id, status, deleted_at)
    WHERE status = 'published' AND deleted_at IS NULL;
-- The practices citing a document (GET /api/v1/guidance/{number} `citing`, its CSV): the kept
-- citations per topic and document, reached by document.
CREATE INDEX topic_guidance_posts_guidance ON topic_guidance_posts(guidance_id, topic_id);
