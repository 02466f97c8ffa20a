-- Sign-up by mailed link (issue 17): the form answers the same whether or not the email has an
-- account, so the account is made only when the link in the mail is used. A request holds the
-- chosen name and a hash of the password (never the password) until then; only the SHA-256 of
-- the link's token is stored. Requests are deleted when used, and once expired.
CREATE TABLE signup_requests (
    token_hash    TEXT PRIMARY KEY,
    email         TEXT NOT NULL,
    email_lower   TEXT NOT NULL,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    next_path     TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX signup_requests_email ON signup_requests(email_lower);
CREATE INDEX signup_requests_expiry ON signup_requests(expires_at);
