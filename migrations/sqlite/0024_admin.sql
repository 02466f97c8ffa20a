-- Admin pages (issue 17): categories kept from the browser, run-time settings, claims of
-- imported history.

-- An archived category takes no new topics but stays readable.
ALTER TABLE categories ADD COLUMN archived_at TEXT;

-- The slugs a category had before it was renamed: /c/<old> answers 301 to the new one.
CREATE TABLE category_redirects (
    old_slug    TEXT PRIMARY KEY,
    category_id INTEGER NOT NULL REFERENCES categories(id)
);

-- Settings an admin changes while the forum runs; a missing row means the configured value.
CREATE TABLE site_settings (
    key     TEXT PRIMARY KEY,
    value   TEXT NOT NULL,
    set_by  INTEGER NOT NULL REFERENCES users(id),
    set_at  TEXT NOT NULL
);

-- A member asking to be recognised as the author behind an imported placeholder account.
CREATE TABLE history_claims (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    placeholder_id INTEGER NOT NULL REFERENCES users(id),
    claimant_id    INTEGER NOT NULL REFERENCES users(id),
    message        TEXT NOT NULL,
    state          TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'approved', 'rejected')),
    created_at     TEXT NOT NULL,
    decided_by     INTEGER REFERENCES users(id),
    decided_at     TEXT,
    reason         TEXT NOT NULL DEFAULT ''
);
-- One open claim per placeholder.
CREATE UNIQUE INDEX history_claims_open ON history_claims(placeholder_id) WHERE state = 'open';
CREATE INDEX history_claims_state ON history_claims(state, id);

-- A placeholder merged into the member who claimed it; later imports write to that member.
ALTER TABLE users ADD COLUMN merged_into INTEGER REFERENCES users(id);
