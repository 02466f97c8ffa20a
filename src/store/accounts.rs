//! Users, sign-in sessions, API tokens and failed-login counting.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreResult, on_pool};
use crate::domain::Role;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub job_title: String,
    pub hospital: String,
    pub department: String,
    pub province_code: Option<String>,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub created_at: DateTime<Utc>,
}

const USER_SELECT: &str = "SELECT u.id, u.email, u.display_name, u.job_title, u.hospital, u.department, \
    u.province_code, u.role, u.created_at FROM users u";

pub struct NewUser<'a> {
    pub email: &'a str,
    pub password_hash: Option<&'a str>,
    pub display_name: &'a str,
    pub role: Role,
}

pub struct ProfileUpdate<'a> {
    pub display_name: &'a str,
    pub job_title: &'a str,
    pub hospital: &'a str,
    pub department: &'a str,
    pub province_code: Option<&'a str>,
}

impl Store {
    /// Creates a user; `Conflict` when the email (in any letter case) is taken.
    pub async fn create_user(&self, user: &NewUser<'_>) -> StoreResult<i64> {
        let sql = "INSERT INTO users (email, email_lower, password_hash, display_name, role, created_at) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(user.email)
            .bind(user.email.to_lowercase())
            .bind(user.password_hash)
            .bind(user.display_name)
            .bind(user.role.as_str())
            .bind(Utc::now())
            .fetch_one(pool)
            .await?);
        self.assign_handle(id, &crate::text::handle_base(user.display_name)).await?;
        Ok(id)
    }

    pub async fn user_by_id(&self, id: i64) -> StoreResult<User> {
        let sql = format!("{USER_SELECT} WHERE u.id = $1");
        let user = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_one(pool)
            .await?);
        Ok(user)
    }

    /// The user with this email (any letter case) and their password hash, if they have one.
    pub async fn user_for_login(&self, email: &str) -> StoreResult<(User, Option<String>)> {
        let sql = format!("{USER_SELECT} WHERE u.email_lower = $1");
        let lower = email.to_lowercase();
        let user: User = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&lower)
            .fetch_one(pool)
            .await?);
        let sql = "SELECT password_hash FROM users WHERE id = $1";
        let hash = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user.id).fetch_one(pool).await?);
        Ok((user, hash))
    }

    pub async fn update_profile(&self, user_id: i64, p: &ProfileUpdate<'_>) -> StoreResult<()> {
        let sql = "UPDATE users SET display_name = $1, job_title = $2, hospital = $3, department = $4, \
                   province_code = $5 WHERE id = $6";
        // A write transaction: a new province moves the member's topics' kept counts.
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query(sql).bind(p.display_name).bind(p.job_title).bind(p.hospital).bind(p.department)
                .bind(p.province_code).bind(user_id).execute(&mut *tx).await?;
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn set_role(&self, user_id: i64, role: Role) -> StoreResult<()> {
        let sql = "UPDATE users SET role = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(role.as_str()).bind(user_id).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn create_session(&self, token_hash: &str, user_id: i64, expires_at: DateTime<Utc>) -> StoreResult<()> {
        let sql = "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)";
        on_pool!(self, pool => sqlx::query(sql)
            .bind(token_hash)
            .bind(user_id)
            .bind(Utc::now())
            .bind(expires_at)
            .execute(pool)
            .await
            .map(|_| ())?);
        Ok(())
    }

    /// Forgets sessions, API tokens and reset links that have ended, and failed sign-ins older than `failures_before`.
    pub async fn prune_expired(&self, failures_before: DateTime<Utc>) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM api_tokens WHERE expires_at < $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM password_resets WHERE expires_at < $1").bind(now).execute(pool).await?;
            sqlx::query("DELETE FROM login_failures WHERE failed_at < $1").bind(failures_before).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        let sql = "DELETE FROM sessions WHERE token_hash = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(token_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn record_login_failure(&self, key_hash: &str) -> StoreResult<()> {
        let sql = "INSERT INTO login_failures (key_hash, failed_at) VALUES ($1, $2)";
        on_pool!(self, pool => sqlx::query(sql).bind(key_hash).bind(Utc::now()).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn login_failures_since(&self, key_hash: &str, since: DateTime<Utc>) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM login_failures WHERE key_hash = $1 AND failed_at > $2";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(key_hash).bind(since).fetch_one(pool).await?);
        Ok(n)
    }

    pub async fn clear_login_failures(&self, key_hash: &str) -> StoreResult<()> {
        let sql = "DELETE FROM login_failures WHERE key_hash = $1";
        on_pool!(self, pool => sqlx::query(sql).bind(key_hash).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn count_users(&self) -> StoreResult<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(pool).await?);
        Ok(n)
    }
}
