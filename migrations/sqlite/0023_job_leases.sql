-- Several servers (issue 18): background jobs (mail outbox and weekly digest, upload sweep) run
-- on one server at a time. A job's lease names the process that holds it and when it lapses
-- (milliseconds since 1970, UTC); a process takes or renews it with one upsert that succeeds
-- only when the lease is free, lapsed or already its own, so a killed server's jobs move to
-- another once its lease lapses.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
