-- `goodpractice import facebook`: a comment from your_comments_in_groups.json, which names only
-- the author of the post it answers, is placed under that author's one imported topic of the two
-- weeks before it and queued for moderators ('imported_comment': "placed by guess — check").
ALTER TABLE moderation_items DROP CONSTRAINT moderation_items_kind_check;
ALTER TABLE moderation_items ADD CONSTRAINT moderation_items_kind_check
    CHECK (kind IN ('held_post', 'flagged_post', 'account', 'appeal', 'imported_category', 'ministry_request', 'imported_comment'));
