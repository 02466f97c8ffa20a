-- Guidance library (#5): official documents, what amends or supersedes what, which posts cite
-- which documents, numbers cited but not yet in the library, the hospital quality criteria
-- catalog and its tags on topics, official answers, and a member's hospital tier.

CREATE TABLE guidance_documents (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Canonical form from search_index legal refs: 43/2018/TT-BYT, 5316/QD-BYT.
    number         TEXT NOT NULL UNIQUE,
    -- As the document itself writes it: 5316/QĐ-BYT.
    display_number TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('law', 'decree', 'circular', 'joint_circular', 'decision', 'directive', 'resolution', 'official_letter', 'guideline', 'other')),
    issuer         TEXT NOT NULL DEFAULT '',
    title_vi       TEXT NOT NULL,
    title_en       TEXT NOT NULL DEFAULT '',
    -- YYYY-MM-DD, or YYYY-MM / YYYY when only that much is known.
    issued_on      TEXT,
    effective_on   TEXT,
    dates_verified BOOLEAN NOT NULL DEFAULT FALSE,
    status         TEXT NOT NULL DEFAULT 'in_force' CHECK (status IN ('in_force', 'amended', 'superseded', 'expired')),
    official_url   TEXT NOT NULL DEFAULT '',
    summary        TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL,
    deleted_at     TIMESTAMPTZ
);

-- `newer_id` amends or supersedes `older_id`.
CREATE TABLE guidance_relations (
    newer_id BIGINT NOT NULL REFERENCES guidance_documents(id),
    older_id BIGINT NOT NULL REFERENCES guidance_documents(id),
    relation TEXT NOT NULL CHECK (relation IN ('amends', 'supersedes')),
    PRIMARY KEY (newer_id, older_id),
    CHECK (newer_id <> older_id)
);
CREATE INDEX guidance_relations_older ON guidance_relations(older_id);

-- A post cites a document: found in its text (detected) or picked by its author (chosen).
CREATE TABLE post_guidance (
    post_id     BIGINT NOT NULL REFERENCES posts(id),
    guidance_id BIGINT NOT NULL REFERENCES guidance_documents(id),
    how         TEXT NOT NULL CHECK (how IN ('detected', 'chosen')),
    PRIMARY KEY (post_id, guidance_id)
);
CREATE INDEX post_guidance_guidance ON post_guidance(guidance_id);

-- Well-formed numbers a post cites that the library does not hold (yet).
CREATE TABLE guidance_cited_unknown (
    post_id BIGINT NOT NULL REFERENCES posts(id),
    number  TEXT NOT NULL,
    PRIMARY KEY (post_id, number)
);
CREATE INDEX guidance_cited_unknown_number ON guidance_cited_unknown(number);

-- Hospital quality criteria (Decision 6858/QĐ-BYT): groups A1…E2 and criteria A1.1….
CREATE TABLE quality_criteria (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    part       TEXT NOT NULL CHECK (part IN ('A', 'B', 'C', 'D', 'E')),
    title_vi   TEXT NOT NULL,
    title_en   TEXT NOT NULL DEFAULT '',
    -- False for seeded titles until ministry staff or an admin confirm them.
    verified   BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE topic_criteria (
    topic_id     BIGINT NOT NULL REFERENCES topics(id),
    criterion_id BIGINT NOT NULL REFERENCES quality_criteria(id),
    PRIMARY KEY (topic_id, criterion_id)
);
CREATE INDEX topic_criteria_criterion ON topic_criteria(criterion_id);

-- The reply ministry staff marked as the official answer to a question.
CREATE TABLE official_answers (
    topic_id  BIGINT PRIMARY KEY REFERENCES topics(id),
    post_id   BIGINT NOT NULL REFERENCES posts(id),
    marked_by BIGINT NOT NULL REFERENCES users(id),
    marked_at TIMESTAMPTZ NOT NULL
);

-- Level of the member's hospital under the 2023 Law on Medical Examination and Treatment.
ALTER TABLE users ADD COLUMN hospital_tier TEXT CHECK (hospital_tier IN ('initial', 'basic', 'specialised'));
