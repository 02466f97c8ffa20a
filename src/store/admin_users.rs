//! What the admin's users page reads and writes: members with their sign-in methods, role
//! changes (never leaving the forum without an admin) and two-factor resets, each audited in
//! its own transaction.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Pool, Store, StoreError, StoreResult, on_pool};
use crate::domain::Role;

/// One member as the admin's users page shows them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AdminUserRow {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub province_code: Option<String>,
    pub trust_level: i64,
    pub created_at: DateTime<Utc>,
    pub has_password: bool,
    pub two_factor: bool,
    pub suspended_until: Option<DateTime<Utc>>,
}

impl Store {
    /// Members with this role and province (either may be left out), newest first. Name and
    /// email matching happens in the caller, which folds diacritics as people type them.
    pub async fn admin_user_rows(&self, role: Option<Role>, province: Option<&str>) -> StoreResult<Vec<AdminUserRow>> {
        let sql = "SELECT u.id, u.email, u.display_name, u.role, u.province_code, u.trust_level, u.created_at, \
                   (u.password_hash IS NOT NULL) AS has_password, \
                   EXISTS (SELECT 1 FROM two_factor f WHERE f.user_id = u.id AND f.enabled_at IS NOT NULL) AS two_factor, \
                   (SELECT MAX(s.until) FROM sanctions s WHERE s.user_id = u.id AND s.kind = 'suspend' AND s.until > $3) AS suspended_until \
                   FROM users u WHERE ($1 = '' OR u.role = $1) AND ($2 = '' OR u.province_code = $2) ORDER BY u.id DESC";
        let role = role.map(Role::as_str).unwrap_or("");
        let rows =
            on_pool!(self, pool => sqlx::query_as(sql).bind(role).bind(province.unwrap_or("")).bind(Utc::now()).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The sign-in providers linked to each of `user_ids`: (user id, provider id).
    pub async fn providers_of(&self, user_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Whole numbers only, so the list is safe to write into the statement.
        let list = user_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        let sql = format!("SELECT user_id, provider_id FROM user_identities WHERE user_id IN ({list}) ORDER BY provider_id");
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Gives a member another role, with its audit row. `Conflict` when it would leave the forum
    /// without an admin: the admins are locked (PostgreSQL) or the write lock held (SQLite)
    /// while they are counted, so two admins demoting each other at once cannot both succeed.
    /// Returns the role before.
    pub async fn change_role_audited(&self, actor_id: i64, user_id: i64, role: Role, reason: &str) -> StoreResult<Role> {
        let lock = if matches!(self.pool, Pool::Postgres(_)) { " FOR UPDATE" } else { "" };
        let admins = format!("SELECT id FROM users WHERE role = 'admin'{lock}");
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let admin_ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(admins)).fetch_all(&mut *tx).await?;
            let before: String = sqlx::query_scalar("SELECT role FROM users WHERE id = $1").bind(user_id).fetch_one(&mut *tx).await?;
            if before == "admin" && role != Role::Admin && admin_ids.len() <= 1 {
                tx.rollback().await?;
                return Err(StoreError::Conflict);
            }
            sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(user_id).execute(&mut *tx).await?;
            super::moderation::audit!(tx, actor_id, "set_role", "user", user_id, reason, Some(before.as_str()), Some(role.as_str()))?;
            tx.commit().await?;
            before.parse::<Role>().map_err(|e| StoreError::Other(anyhow::anyhow!(e)))
        })
    }

    /// Switches a member's two-factor sign-in off (they lost their phone and codes), with its
    /// audit row; `NotFound` when it was not on.
    pub async fn reset_two_factor_audited(&self, actor_id: i64, user_id: i64, reason: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            let done = sqlx::query("DELETE FROM two_factor WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            super::moderation::audit!(tx, actor_id, "reset_two_factor", "user", user_id, reason, Some("on"), Some("off"))?;
            tx.commit().await?;
            Ok(())
        })
    }
}
