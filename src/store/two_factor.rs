//! Two-factor sign-in: each member's TOTP secret, hashed recovery codes, and sign-ins waiting
//! for their code.

use super::BeginWrite;
use chrono::{DateTime, Utc};

use super::{Store, StoreError, StoreResult, on_pool};

/// A member's authenticator. `Debug` leaves the secret out so it can never reach a log.
#[derive(Clone, sqlx::FromRow)]
pub struct TwoFactor {
    pub secret: String,
    pub enabled_at: Option<DateTime<Utc>>,
    pub last_step: i64,
}

impl std::fmt::Debug for TwoFactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwoFactor").field("enabled_at", &self.enabled_at).finish_non_exhaustive()
    }
}

/// A sign-in whose password was right and whose code is still owed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingSignIn {
    pub user_id: i64,
    pub next_path: String,
    pub attempts: i32,
}

impl Store {
    pub async fn two_factor_of(&self, user_id: i64) -> StoreResult<Option<TwoFactor>> {
        let sql = "SELECT secret, enabled_at, last_step FROM two_factor WHERE user_id = $1";
        let found = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await?);
        Ok(found)
    }

    /// Whether the member signs in with a second factor.
    pub async fn has_two_factor(&self, user_id: i64) -> StoreResult<bool> {
        Ok(self.two_factor_of(user_id).await?.is_some_and(|t| t.enabled_at.is_some()))
    }

    /// Keeps `secret` as the member's authenticator-to-be, unless one is already on
    /// (an unconfirmed one is replaced).
    pub async fn begin_two_factor(&self, user_id: i64, secret: &str) -> StoreResult<()> {
        let sql = "INSERT INTO two_factor (user_id, secret, created_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at \
                   WHERE two_factor.enabled_at IS NULL";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(secret).bind(Utc::now()).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Turns the confirmed authenticator on (the confirming code's `step` counts as used) and
    /// replaces the recovery codes, in one transaction. `Conflict` when it was already on.
    pub async fn enable_two_factor(&self, user_id: i64, step: i64, code_hashes: &[String]) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let turned_on = sqlx::query("UPDATE two_factor SET enabled_at = $1, last_step = $2 WHERE user_id = $3 AND enabled_at IS NULL")
                .bind(Utc::now()).bind(step).bind(user_id)
                .execute(&mut *tx).await?.rows_affected();
            if turned_on != 1 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            for hash in code_hashes {
                sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)")
                    .bind(user_id).bind(hash).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Records `step` as used if it is later than the last one used: false for a replayed code.
    /// One statement, so two requests with the same code cannot both pass.
    pub async fn accept_two_factor_step(&self, user_id: i64, step: i64) -> StoreResult<bool> {
        let sql = "UPDATE two_factor SET last_step = $1 WHERE user_id = $2 AND last_step < $1 AND enabled_at IS NOT NULL";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(step).bind(user_id).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// Spends a recovery code: false when it is unknown or spent already.
    pub async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> StoreResult<bool> {
        let sql = "UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_hash = $3 AND used_at IS NULL";
        let n =
            on_pool!(self, pool => sqlx::query(sql).bind(Utc::now()).bind(user_id).bind(code_hash).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    pub async fn unused_recovery_codes(&self, user_id: i64) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(n)
    }

    /// Turns two-factor sign-in off: the secret and every recovery code go.
    pub async fn disable_two_factor(&self, user_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM two_factor WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn create_pending_sign_in(
        &self,
        token_hash: &str,
        user_id: i64,
        next_path: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM two_factor_pending WHERE expires_at < $1").bind(Utc::now()).execute(pool).await?;
            sqlx::query("INSERT INTO two_factor_pending (token_hash, user_id, next_path, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash).bind(user_id).bind(next_path).bind(expires_at)
                .execute(pool).await?;
        });
        Ok(())
    }

    /// The unexpired sign-in waiting for a code, if any.
    pub async fn pending_sign_in(&self, token_hash: &str) -> StoreResult<Option<PendingSignIn>> {
        let sql = "SELECT user_id, next_path, attempts FROM two_factor_pending WHERE token_hash = $1 AND expires_at > $2";
        let found = on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).bind(Utc::now()).fetch_optional(pool).await?);
        Ok(found)
    }

    /// Counts a wrong code against the waiting sign-in.
    pub async fn count_pending_failure(&self, token_hash: &str) -> StoreResult<()> {
        let sql = "UPDATE two_factor_pending SET attempts = attempts + 1 WHERE token_hash = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn delete_pending_sign_in(&self, token_hash: &str) -> StoreResult<()> {
        let sql = "DELETE FROM two_factor_pending WHERE token_hash = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }
}
