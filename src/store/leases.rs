//! Job leases: background jobs (mail outbox and digest, upload sweep) run on one server at a
//! time when several share the database. A process takes or renews a job's lease with one
//! upsert that succeeds only when the lease is free, lapsed or already its own; a server that
//! dies simply stops renewing, and another takes the job over once the lease lapses.

use std::time::Duration;

use rand::Rng;

use super::{Store, StoreResult, on_pool};

impl Store {
    /// Takes or renews the lease `name` for `holder` until `until_ms` (ms since 1970, UTC), in
    /// one statement: true when `holder` now holds it, false when another holder's lease has
    /// not lapsed by `now_ms`.
    pub async fn take_lease(&self, name: &str, holder: &str, now_ms: i64, until_ms: i64) -> StoreResult<bool> {
        let sql = "INSERT INTO job_leases (name, holder, expires_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                   WHERE job_leases.holder = excluded.holder OR job_leases.expires_at < $4 \
                   RETURNING holder";
        let taken: Option<String> = on_pool!(self, pool => {
            sqlx::query_scalar(sql).bind(name).bind(holder).bind(until_ms).bind(now_ms).fetch_optional(pool).await?
        });
        Ok(taken.is_some())
    }

    /// Who holds the lease `name` and until when (ms since 1970), if anyone took it.
    pub async fn lease_holder(&self, name: &str) -> StoreResult<Option<(String, i64)>> {
        let sql = "SELECT holder, expires_at FROM job_leases WHERE name = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(name).fetch_optional(pool).await?);
        Ok(row)
    }

    /// Gives the lease `name` up if `holder` has it (a server stopping cleanly), so another
    /// server takes the job at its next pass instead of after the lease lapses.
    pub async fn release_lease(&self, name: &str, holder: &str) -> StoreResult<()> {
        let sql = "DELETE FROM job_leases WHERE name = $1 AND holder = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(name).bind(holder).execute(pool).await.map(|_| ())?);
        Ok(())
    }
}

/// One process's claim on one background job: a random holder id made once per process task,
/// and how long each renewal lasts.
#[derive(Debug, Clone)]
pub struct JobLease {
    name: &'static str,
    holder: String,
    length: Duration,
}

impl JobLease {
    /// A lease of `length` on the job `name`; take it at each pass with [`JobLease::hold`].
    pub fn new(name: &'static str, length: Duration) -> Self {
        let holder = format!("{}-{:016x}", std::process::id(), rand::rng().random::<u64>());
        Self { name, holder, length }
    }

    pub fn holder(&self) -> &str {
        &self.holder
    }

    /// Takes or renews the lease for another `length`: true when this process may run the job now.
    pub async fn hold(&self, store: &Store) -> StoreResult<bool> {
        let now = chrono::Utc::now().timestamp_millis();
        let until = now + i64::try_from(self.length.as_millis()).unwrap_or(i64::MAX / 2);
        store.take_lease(self.name, &self.holder, now, until).await
    }

    /// Gives the lease up (on a clean stop); failures are only logged, the lease lapses anyway.
    pub async fn release(&self, store: &Store) {
        if let Err(err) = store.release_lease(self.name, &self.holder).await {
            tracing::warn!(job = self.name, error = %err, "could not give up a job lease (it lapses by itself)");
        }
    }
}
