//! A member leaving: what their data export reads, and the deletion that erases their personal
//! data while their public posts stay under "Thành viên đã rời".

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// The name every post of a member who left is shown under.
pub const LEFT_NAME: &str = "Thành viên đã rời";

/// One post of the member, for their export.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ExportPost {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    pub body: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// Rows of the member's own tables, for their export.
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct ExportDraft {
    pub scope: String,
    pub fields: String,
    pub updated_at: DateTime<Utc>,
}

impl Store {
    /// Every post the member wrote that is not deleted, oldest first.
    pub async fn export_posts(&self, user_id: i64) -> StoreResult<Vec<ExportPost>> {
        let sql = "SELECT p.id, p.topic_id, t.title AS topic_title, p.body, p.status, p.created_at FROM posts p \
                   JOIN topics t ON t.id = p.topic_id WHERE p.author_id = $1 AND p.deleted_at IS NULL ORDER BY p.id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn export_drafts(&self, user_id: i64) -> StoreResult<Vec<ExportDraft>> {
        let sql = "SELECT scope, fields, updated_at FROM drafts WHERE user_id = $1 ORDER BY id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Erases a member's personal data in one transaction: name, email, profile, password and
    /// handle replaced; sessions, tokens, reset links, drafts, bookmarks, watches, notifications,
    /// settings, linked sign-in providers and two-factor deleted; their topics re-indexed under
    /// the new name; an audit row that names only the account number. Posts, helpful marks
    /// (counted on other members' posts) and moderation history stay. `NotFound` when the
    /// account is already deleted (or never existed).
    pub async fn delete_account(&self, user_id: i64) -> StoreResult<()> {
        let placeholder = format!("deleted-{user_id}@deleted.invalid");
        let handle = format!("deleted_{user_id}");
        let erase = "UPDATE users SET email = $2, email_lower = $2, password_hash = NULL, display_name = $3, job_title = '', \
                     hospital = '', department = '', province_code = NULL, hospital_tier = NULL, handle = $4, \
                     email_verified = FALSE, deleted_at = $5 WHERE id = $1 AND deleted_at IS NULL";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query(erase).bind(user_id).bind(&placeholder).bind(LEFT_NAME).bind(&handle).bind(Utc::now())
                .execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            }
            for table in ["sessions", "api_tokens", "password_resets", "drafts", "bookmarks", "watches", "notifications",
                          "notify_settings", "digest_outbox", "user_identities", "recovery_codes", "two_factor", "two_factor_pending",
                          "collection_follows", "collection_reads"] {
                sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE user_id = $1"))).bind(user_id).execute(&mut *tx).await?;
            }
            let topics: Vec<i64> = sqlx::query_scalar("SELECT id FROM topics WHERE author_id = $1").bind(user_id).fetch_all(&mut *tx).await?;
            for topic in topics {
                super::forum::log_change!(tx, "topic", topic)?;
            }
            super::moderation::audit!(tx, user_id, "delete_account", "user", user_id, "", None::<&str>, None::<&str>)?;
            tx.commit().await?;
            Ok(())
        })
    }
}
