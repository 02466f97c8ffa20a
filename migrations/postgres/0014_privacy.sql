-- Patient data never becomes public (issue 14).
--
-- A post whose history held patient data (a hold for `patient_data`, or a moderator's edit of
-- someone else's words) shows its earlier revisions to moderators only.
ALTER TABLE posts ADD COLUMN private_history BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE posts SET private_history = TRUE
 WHERE id IN (SELECT post_id FROM moderation_items WHERE post_id IS NOT NULL AND reasons LIKE '%"patient_data"%')
    OR id IN (SELECT r.post_id FROM post_revisions r JOIN posts p ON p.id = r.post_id WHERE r.editor_id <> p.author_id);

-- A redacted revision keeps its number and date; its text is gone (replaced by a fixed notice
-- when shown), and who redacted it and why are kept here and in the audit log.
ALTER TABLE post_revisions ADD COLUMN redacted_at TIMESTAMPTZ;
ALTER TABLE post_revisions ADD COLUMN redacted_by BIGINT REFERENCES users(id);

-- One tier vocabulary everywhere: the three levels of the 2023 Law on Medical Examination and
-- Treatment, as profiles already use (initial, basic, specialised). Anonymous case studies used
-- central/provincial/district/private: central becomes specialised, provincial and district
-- basic (most provincial and district hospitals are at the basic level; a specialised
-- provincial hospital can be corrected by its author); "private" names no level and is dropped.
ALTER TABLE topics DROP CONSTRAINT IF EXISTS topics_hospital_tier_check;
UPDATE topics SET hospital_tier = CASE hospital_tier WHEN 'central' THEN 'specialised'
                                                     WHEN 'provincial' THEN 'basic'
                                                     WHEN 'district' THEN 'basic' END
 WHERE hospital_tier IS NOT NULL;
ALTER TABLE topics ADD CONSTRAINT topics_hospital_tier_check CHECK (hospital_tier IN ('initial', 'basic', 'specialised'));
