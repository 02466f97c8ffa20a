-- Security hardening (issue 19).
--
-- Sign-in backoff per account (key: a hash of the email, or of "two-factor:<user id>"):
-- consecutive failed attempts and when the next attempt may start. An attempt is counted
-- *before* its password is checked, in one locked step, so parallel guesses cannot slip past
-- the limit; a successful sign-in deletes the row.
CREATE TABLE login_backoff (
    key_hash        TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    next_attempt_ms INTEGER NOT NULL,
    updated_ms      INTEGER NOT NULL
);

-- Fixed-window counters (failed sign-ins per client address, previews per member, …): one row
-- per key and window, incremented atomically by INSERT … ON CONFLICT DO UPDATE … RETURNING.
CREATE TABLE rate_counters (
    key_hash     TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key_hash, window_start)
);
