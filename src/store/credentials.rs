//! Credentials: the sessions and API tokens a member holds (listed, used, ended) and password
//! reset links. Only SHA-256 hashes of tokens are stored.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, User, on_pool};

/// A session or API token found for a request, with what the request path needs to know.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Credential {
    #[sqlx(flatten)]
    pub user: User,
    pub last_used_at: Option<DateTime<Utc>>,
    /// A suspension is in force: the credential may not act at all.
    pub suspended: bool,
}

/// One signed-in browser, for the sessions page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub token_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
    pub user_agent: String,
}

/// One API token, for the sessions page and `GET /api/v1/tokens`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

const CREDENTIAL_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.job_title, u.hospital, u.department, \
    u.province_code, u.role, u.created_at, c.last_used_at, \
    EXISTS (SELECT 1 FROM sanctions x WHERE x.user_id = u.id AND x.kind = 'suspend' AND x.until > $2) AS suspended \
    FROM users u";

impl Store {
    /// The member of an unexpired session, whether they are suspended, and when it was last used.
    pub async fn session_credential(&self, token_hash: &str) -> StoreResult<Credential> {
        let sql = format!("{CREDENTIAL_SELECT} JOIN sessions c ON c.user_id = u.id WHERE c.token_hash = $1 AND c.expires_at > $2");
        let found =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(Utc::now()).fetch_one(pool).await?);
        Ok(found)
    }

    /// The member of an unexpired API token, as [`Store::session_credential`].
    pub async fn api_token_credential(&self, token_hash: &str) -> StoreResult<Credential> {
        let sql = format!("{CREDENTIAL_SELECT} JOIN api_tokens c ON c.user_id = u.id WHERE c.token_hash = $1 AND c.expires_at > $2");
        let found =
            on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(token_hash).bind(Utc::now()).fetch_one(pool).await?);
        Ok(found)
    }

    /// Records that a session was used now, from this browser.
    pub async fn touch_session(&self, token_hash: &str, user_agent: &str) -> StoreResult<()> {
        let sql = "UPDATE sessions SET last_used_at = $1, user_agent = $2 WHERE token_hash = $3";
        on_pool!(self, pool => sqlx::query(sql).bind(Utc::now()).bind(user_agent).bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn touch_api_token(&self, token_hash: &str) -> StoreResult<()> {
        let sql = "UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(Utc::now()).bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// A member's unexpired sessions, most recently used first.
    pub async fn sessions_of(&self, user_id: i64) -> StoreResult<Vec<SessionRow>> {
        let sql = "SELECT token_hash, created_at, last_used_at, expires_at, user_agent FROM sessions \
                   WHERE user_id = $1 AND expires_at > $2 ORDER BY COALESCE(last_used_at, created_at) DESC";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(Utc::now()).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Ends one of a member's sessions; `NotFound` when they have no such session.
    pub async fn end_session_of(&self, user_id: i64, token_hash: &str) -> StoreResult<()> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash = $2";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(token_hash).execute(pool).await?.rows_affected());
        if done == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// Ends every session of a member but the one with `keep` (the browser asking); how many ended.
    pub async fn end_other_sessions(&self, user_id: i64, keep: &str) -> StoreResult<u64> {
        let sql = "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(keep).execute(pool).await?.rows_affected());
        Ok(n)
    }

    /// Stores a new API token (its hash) and returns its id.
    pub async fn create_labelled_api_token(
        &self,
        token_hash: &str,
        user_id: i64,
        label: &str,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let sql = "INSERT INTO api_tokens (token_hash, user_id, created_at, label, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(token_hash).bind(user_id).bind(Utc::now()).bind(label).bind(expires_at)
            .fetch_one(pool).await?);
        Ok(id)
    }

    /// A member's unexpired API tokens, newest first.
    pub async fn api_tokens_of(&self, user_id: i64) -> StoreResult<Vec<ApiTokenRow>> {
        let sql = "SELECT id, label, created_at, last_used_at, expires_at FROM api_tokens \
                   WHERE user_id = $1 AND expires_at > $2 ORDER BY id DESC";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(Utc::now()).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Revokes one of a member's tokens; `NotFound` when they hold no such token (another
    /// member's token id is answered exactly like one that never existed).
    pub async fn revoke_api_token(&self, user_id: i64, id: i64) -> StoreResult<()> {
        let sql = "DELETE FROM api_tokens WHERE user_id = $1 AND id = $2";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(id).execute(pool).await?.rows_affected());
        if done == 0 { Err(StoreError::NotFound) } else { Ok(()) }
    }

    /// The stored password hash of a member (`None` for one who signs in only through a provider).
    pub async fn password_hash_of(&self, user_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT password_hash FROM users WHERE id = $1";
        let hash = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(hash)
    }

    /// Sets a new password and ends every other session of the member (and open reset links).
    pub async fn change_password(&self, user_id: i64, hash: &str, keep_session: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2").bind(user_id).bind(keep_session).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Stores a reset link (its hash) for a member, replacing any earlier one.
    pub async fn create_password_reset(&self, user_id: i64, token_hash: &str, expires_at: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(token_hash).bind(user_id).bind(Utc::now()).bind(expires_at).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The member an unexpired, unused reset link is for (the link is not used up).
    pub async fn password_reset_user(&self, token_hash: &str) -> StoreResult<User> {
        let sql = "SELECT u.id, u.email, u.display_name, u.job_title, u.hospital, u.department, u.province_code, u.role, u.created_at \
                   FROM users u JOIN password_resets r ON r.user_id = u.id WHERE r.token_hash = $1 AND r.expires_at > $2";
        let user = on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).bind(Utc::now()).fetch_one(pool).await?);
        Ok(user)
    }

    /// Uses up a reset link and sets the new password, ending every session and API token of
    /// the member, in one transaction. `NotFound` when the link is unknown, expired or was used
    /// (by a request that got there first).
    pub async fn reset_password(&self, token_hash: &str, hash: &str) -> StoreResult<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let user_id: Option<i64> = sqlx::query_scalar("DELETE FROM password_resets WHERE token_hash = $1 AND expires_at > $2 RETURNING user_id")
                .bind(token_hash).bind(Utc::now()).fetch_optional(&mut *tx).await?;
            let Some(user_id) = user_id else {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            };
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(hash).bind(user_id).execute(&mut *tx).await?;
            for table in ["sessions", "api_tokens", "password_resets"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1"))).bind(user_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(user_id)
        })
    }

    /// Forgets a member's reset links (after a successful sign-in).
    pub async fn delete_password_resets(&self, user_id: i64) -> StoreResult<()> {
        let sql = "DELETE FROM password_resets WHERE user_id = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).execute(pool).await.map(|_| ())?);
        Ok(())
    }
}
