-- A tag's label: how people read it, as first typed ("kiểm tra chéo", NFC), beside the ASCII slug
-- that stays its URL and matching key ("kiem-tra-cheo"). Existing tags are labelled by their
-- slug until someone types the tag with its diacritics (see `Store::create_topic`).
ALTER TABLE tags ADD COLUMN label TEXT NOT NULL DEFAULT '';
UPDATE tags SET label = slug;
