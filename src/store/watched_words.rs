//! Watched words: the moderators' list the auto-checks read, each change with its audit row.

use chrono::Utc;

use super::BeginWrite;
use super::moderation::audit;
use super::{Store, StoreError, StoreResult, on_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WatchedWordRow {
    pub id: i64,
    pub pattern: String,
    pub action: String,
    pub replacement: Option<String>,
}

impl Store {
    pub async fn watched_words(&self) -> StoreResult<Vec<WatchedWordRow>> {
        let sql = "SELECT id, pattern, action, replacement FROM watched_words ORDER BY pattern";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Adds a watched word with its audit row; `Conflict` when the pattern exists.
    pub async fn add_watched_word(&self, actor_id: i64, pattern: &str, action: &str, replacement: Option<&str>) -> StoreResult<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO watched_words (pattern, action, replacement, created_at) \
                                              VALUES ($1, $2, $3, $4) RETURNING id")
                .bind(pattern).bind(action).bind(replacement).bind(Utc::now()).fetch_one(&mut *tx).await?;
            let after = format!("{pattern} → {action}");
            audit!(tx, actor_id, "watch_word", "watched_word", id, "", None::<&str>, Some(after.as_str()))?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Removes a watched word with its audit row (what it was, as the "before" text);
    /// `NotFound` when there is none.
    pub async fn remove_watched_word(&self, actor_id: i64, id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (pattern, action): (String, String) = sqlx::query_as("DELETE FROM watched_words WHERE id = $1 RETURNING pattern, action")
                .bind(id).fetch_optional(&mut *tx).await?.ok_or(StoreError::NotFound)?;
            let before = format!("{pattern} → {action}");
            audit!(tx, actor_id, "unwatch_word", "watched_word", id, "", Some(before.as_str()), None::<&str>)?;
            tx.commit().await?;
            Ok(())
        })
    }
}
