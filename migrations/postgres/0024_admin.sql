-- Admin pages (issue 17): categories kept from the browser, run-time settings, claims of
-- imported history.

-- An archived category takes no new topics but stays readable.
ALTER TABLE categories ADD COLUMN archived_at TIMESTAMPTZ;

-- The slugs a category had before it was renamed: /c/<old> answers 301 to the new one.
CREATE TABLE category_redirects (
    old_slug    TEXT PRIMARY KEY,
    category_id BIGINT NOT NULL REFERENCES categories(id)
);

-- Settings an admin changes while the forum runs; a missing row means the configured value.
CREATE TABLE site_settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_by  BIGINT NOT NULL REFERENCES users(id),
    set_at  TIMESTAMPTZ NOT NULL
);

-- A member asking to be recognised as the author behind an imported placeholder account.
CREATE TABLE history_claims (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    placeholder_id BIGINT NOT NULL REFERENCES users(id),
    claimant_id    BIGINT NOT NULL REFERENCES users(id),
    message        TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'rejected')),
    created_at     TIMESTAMPTZ NOT NULL,
    decided_by     BIGINT REFERENCES users(id),
    decided_at     TIMESTAMPTZ,
    reason         TEXT NOT NULL DEFAULT ''
);
-- One open claim per placeholder.
CREATE UNIQUE INDEX history_claims_open ON history_claims(placeholder_id) WHERE state = 'open';
CREATE INDEX history_claims_state ON history_claims(state, id);

-- A placeholder merged into the member who claimed it; later imports write to that member.
ALTER TABLE users ADD COLUMN merged_into BIGINT REFERENCES users(id);
