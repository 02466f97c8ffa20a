-- Accounts people can trust (issue 17).
--
-- Password reset links: only a SHA-256 hash of the token is kept. A link is used up by one
-- `DELETE … RETURNING`, a newer link or a successful sign-in deletes the older ones, and
-- `expires_at` bounds it to an hour.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX password_resets_user ON password_resets(user_id);

-- The sessions page shows each signed-in browser (its User-Agent) and when it was last used
-- (refreshed at most every few minutes, not on every request).
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN last_used_at TIMESTAMPTZ;

-- API tokens get a label, a last-used time and an expiry (default 90 days). Tokens made before
-- expiry existed get 90 days from now.
ALTER TABLE api_tokens ADD COLUMN label TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
UPDATE api_tokens SET expires_at = now() + interval '90 days';
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- A member who left: personal data erased, public posts kept under "Thành viên đã rời".
ALTER TABLE users ADD COLUMN deleted_at TIMESTAMPTZ;
