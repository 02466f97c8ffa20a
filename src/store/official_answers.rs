//! Official answers of questions as ministry staff endorse and withdraw them, each change with
//! its audit row in the same transaction; and who endorsed the answer shown, and when.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// The official answer of a topic and the ministry staff member who endorsed it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Endorsement {
    pub post_id: i64,
    pub endorsed_by: String,
    pub endorsed_at: DateTime<Utc>,
}

impl Store {
    pub async fn official_endorsement(&self, topic_id: i64) -> StoreResult<Option<Endorsement>> {
        let sql = "SELECT o.post_id, u.display_name AS endorsed_by, o.marked_at AS endorsed_at \
                   FROM official_answers o JOIN users u ON u.id = o.marked_by WHERE o.topic_id = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).fetch_optional(pool).await?);
        Ok(row)
    }

    /// Makes `post_id` the official answer of its topic (replacing an earlier one), audited
    /// (`endorse_official_answer`, before: the earlier answer's post id).
    pub async fn endorse_official_answer_audited(&self, topic_id: i64, post_id: i64, actor_id: i64) -> StoreResult<()> {
        let upsert = "INSERT INTO official_answers (topic_id, post_id, marked_by, marked_at) VALUES ($1, $2, $3, $4) \
                      ON CONFLICT (topic_id) DO UPDATE SET post_id = excluded.post_id, marked_by = excluded.marked_by, \
                      marked_at = excluded.marked_at";
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let before: Option<i64> =
                sqlx::query_scalar("SELECT post_id FROM official_answers WHERE topic_id = $1").bind(topic_id).fetch_optional(&mut *tx).await?;
            sqlx::query(upsert).bind(topic_id).bind(post_id).bind(actor_id).bind(Utc::now()).execute(&mut *tx).await?;
            let (before, after) = (before.map(|b| b.to_string()), post_id.to_string());
            super::moderation::audit!(tx, actor_id, "endorse_official_answer", "post", post_id, "", before.as_deref(), Some(after.as_str()))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Withdraws the official answer of a topic, audited (`withdraw_official_answer`); `NotFound`
    /// when it has none.
    pub async fn withdraw_official_answer_audited(&self, topic_id: i64, actor_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let post: Option<i64> =
                sqlx::query_scalar("DELETE FROM official_answers WHERE topic_id = $1 RETURNING post_id").bind(topic_id).fetch_optional(&mut *tx).await?;
            let Some(post_id) = post else {
                tx.rollback().await?;
                return Err(StoreError::NotFound);
            };
            let before = post_id.to_string();
            super::moderation::audit!(tx, actor_id, "withdraw_official_answer", "post", post_id, "", Some(before.as_str()), None::<&str>)?;
            tx.commit().await?;
            Ok(())
        })
    }
}
