-- Bulk import (`goodpractice import jsonl`): where an imported topic came from, so importing the
-- same file again changes nothing, and which accounts stand in for authors who never signed up.

-- The importer's identifier of the source post (e.g. a Facebook post id); NULL for topics
-- written on the forum. Unique where present: SQLite treats NULLs as distinct in a unique index.
ALTER TABLE topics ADD COLUMN source_id TEXT;
CREATE UNIQUE INDEX topics_source_id ON topics(source_id);

-- A placeholder account: created for an imported author name, no password, an undeliverable
-- email; a real member may claim it later. 0/1 (SQLite has no BOOLEAN), decoded as bool.
ALTER TABLE users ADD COLUMN placeholder INTEGER NOT NULL DEFAULT 0;
