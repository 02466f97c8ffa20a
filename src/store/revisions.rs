//! A post's earlier versions: listing them, and a moderator's redaction of one.

use chrono::{DateTime, Utc};

use super::BeginWrite;
use super::{Store, StoreError, StoreResult, on_pool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Revision {
    pub revision: i64,
    pub title: Option<String>,
    /// Empty once redacted.
    pub body: String,
    pub editor_id: i64,
    pub editor_name: String,
    pub created_at: DateTime<Utc>,
    pub redacted_at: Option<DateTime<Utc>>,
    pub redacted_by_name: Option<String>,
}

/// A moderator's redaction of one revision of a post.
pub struct Redaction<'a> {
    pub post_id: i64,
    pub revision: i64,
    pub actor_id: i64,
    pub reason: &'a str,
}

impl Store {
    pub async fn revisions(&self, post_id: i64) -> StoreResult<Vec<Revision>> {
        let sql = "SELECT r.revision, r.title, r.body, r.editor_id, u.display_name AS editor_name, r.created_at, \
                   r.redacted_at, m.display_name AS redacted_by_name \
                   FROM post_revisions r JOIN users u ON u.id = r.editor_id LEFT JOIN users m ON m.id = r.redacted_by \
                   WHERE r.post_id = $1 ORDER BY r.revision DESC";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(post_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Removes the text of an earlier revision for good, with an audit row (who, why; never the
    /// removed text) in the same transaction; the post's history becomes moderators-only.
    /// `NotFound`: no such revision; `Conflict`: already redacted; `Refused`: it is the current
    /// text (which is changed by editing the post).
    pub async fn redact_revision(&self, r: &Redaction<'_>) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found: Option<(Option<DateTime<Utc>>, i64)> = sqlx::query_as(
                "SELECT r.redacted_at, p.revision FROM post_revisions r JOIN posts p ON p.id = r.post_id \
                 WHERE r.post_id = $1 AND r.revision = $2")
                .bind(r.post_id).bind(r.revision).fetch_optional(&mut *tx).await?;
            match found {
                None => return Err(StoreError::NotFound),
                Some((Some(_), _)) => return Err(StoreError::Conflict),
                Some((None, current)) if current == r.revision => return Err(StoreError::Refused("revisions.error.current")),
                Some(_) => {}
            }
            sqlx::query("UPDATE post_revisions SET body = '', title = NULL, redacted_at = $1, redacted_by = $2 \
                         WHERE post_id = $3 AND revision = $4 AND redacted_at IS NULL")
                .bind(now).bind(r.actor_id).bind(r.post_id).bind(r.revision).execute(&mut *tx).await?;
            sqlx::query("UPDATE posts SET private_history = TRUE WHERE id = $1").bind(r.post_id).execute(&mut *tx).await?;
            let after = format!("revision {}", r.revision);
            super::moderation::audit!(tx, r.actor_id, "redact_revision", "post", r.post_id, r.reason, None::<&str>, Some(after.as_str()))?;
            tx.commit().await?;
            Ok(())
        })
    }
}
