//! Rate limits shared by every app process: the per-account sign-in backoff (one locked step per
//! attempt) and fixed-window counters (one atomic upsert per hit). Keys are hashes, never an
//! email or an address.

use super::{BeginWrite, Pool, Store, StoreResult, on_pool};

/// What claiming a sign-in attempt found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClaim {
    /// The attempt may go ahead; it is already counted as a failure until it succeeds.
    Allowed { failures: i64 },
    /// Too soon after the last failures: the next attempt may start at `next_attempt_ms`.
    Refused { failures: i64, next_attempt_ms: i64 },
}

impl Store {
    /// Counts one more sign-in attempt for `key` unless it must still wait. Failures last seen
    /// before `forget_before_ms` are forgotten; `wait_after(n)` is how long (ms) the attempt after
    /// `n` failures must wait. The read and the write happen under one lock (a row lock on
    /// PostgreSQL, the write lock of `BEGIN IMMEDIATE` on SQLite), so parallel attempts queue.
    pub async fn claim_login_attempt(
        &self,
        key: &str,
        now_ms: i64,
        forget_before_ms: i64,
        wait_after: impl Fn(i64) -> i64,
    ) -> StoreResult<AttemptClaim> {
        let lock = if matches!(self.pool, Pool::Postgres(_)) { " FOR UPDATE" } else { "" };
        let select = format!("SELECT failures, next_attempt_ms, updated_ms FROM login_backoff WHERE key_hash = $1{lock}");
        let insert = "INSERT INTO login_backoff (key_hash, failures, next_attempt_ms, updated_ms) VALUES ($1, 0, 0, $2) \
                      ON CONFLICT (key_hash) DO NOTHING";
        let update = "UPDATE login_backoff SET failures = $2, next_attempt_ms = $3, updated_ms = $4 WHERE key_hash = $1";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(insert).bind(key).bind(now_ms).execute(&mut *tx).await?;
            let (failures, next, updated): (i64, i64, i64) =
                sqlx::query_as(sqlx::AssertSqlSafe(select)).bind(key).fetch_one(&mut *tx).await?;
            let stale = updated < forget_before_ms;
            if !stale && next > now_ms {
                tx.rollback().await?;
                return Ok(AttemptClaim::Refused { failures, next_attempt_ms: next });
            }
            let failures = if stale { 1 } else { failures + 1 };
            let next = now_ms + wait_after(failures);
            sqlx::query(update).bind(key).bind(failures).bind(next).bind(now_ms).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(AttemptClaim::Allowed { failures })
        })
    }

    /// Forgets the failures of `key` (after a successful sign-in).
    pub async fn reset_login_attempts(&self, key: &str) -> StoreResult<()> {
        let sql = "DELETE FROM login_backoff WHERE key_hash = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(key).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Adds one hit to `key` in the window starting at `window_start` and returns the hits so
    /// far, in one statement: two processes counting at once both see their own hit.
    pub async fn count_hit(&self, key: &str, window_start: i64) -> StoreResult<i64> {
        let sql = "INSERT INTO rate_counters (key_hash, window_start, hits) VALUES ($1, $2, 1) \
                   ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = rate_counters.hits + 1 RETURNING hits";
        let hits = on_pool!(self, pool => sqlx::query_scalar(sql).bind(key).bind(window_start).fetch_one(pool).await?);
        Ok(hits)
    }

    /// Takes back a hit counted by [`Store::count_hit`] (a sign-in that turned out right).
    pub async fn refund_hit(&self, key: &str, window_start: i64) -> StoreResult<()> {
        let sql = "UPDATE rate_counters SET hits = hits - 1 WHERE key_hash = $1 AND window_start = $2 AND hits > 0";
        on_pool!(self, pool => sqlx::query(sql).bind(key).bind(window_start).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Forgets counter windows that started before `before` and backoffs last touched before `before_ms`.
    pub async fn prune_rate_limits(&self, before_window: i64, before_ms: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM rate_counters WHERE window_start < $1").bind(before_window).execute(pool).await?;
            sqlx::query("DELETE FROM login_backoff WHERE updated_ms < $1").bind(before_ms).execute(pool).await?;
        });
        Ok(())
    }
}
