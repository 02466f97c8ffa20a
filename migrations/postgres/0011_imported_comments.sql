-- `goodpractice import facebook`: a comment imported as a reply remembers where it came from
-- (`facebook:comment:<comment id>`, or `reply:` and a hash of its post, time and text), so a
-- later export that brings more comments under a post imported before adds only the new ones.
-- NULL for replies written on the forum; unique where present (NULLs are distinct).
ALTER TABLE posts ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX posts_source_id ON posts(source_id);
