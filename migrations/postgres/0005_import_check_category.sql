-- `goodpractice import facebook`: imported topics whose category was only guessed wait in the
-- moderation queue as 'imported_category' items, so a moderator can move them.
ALTER TABLE moderation_items DROP CONSTRAINT moderation_items_kind_check;
ALTER TABLE moderation_items ADD CONSTRAINT moderation_items_kind_check
    CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category'));
