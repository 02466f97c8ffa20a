//! Collections read whole: the newest items for the feed, every opening post for the print view.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, on_pool};

/// An item as the feed lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RecentItem {
    pub topic_id: i64,
    pub title: String,
    pub note: String,
    pub added_at: DateTime<Utc>,
}

/// An item with its topic's opening post, for the print view.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CollectionOpening {
    pub topic_id: i64,
    pub title: String,
    pub note_html: String,
    /// Empty for an anonymous case study.
    pub author_name: String,
    pub body_html: String,
}

const VISIBLE: &str = "t.status = 'published' AND t.deleted_at IS NULL";

impl Store {
    /// Visible items, most recently added first.
    pub async fn collection_recent_items(&self, collection_id: i64, limit: i64) -> StoreResult<Vec<RecentItem>> {
        let sql = format!(
            "SELECT ci.topic_id, t.title, ci.note, ci.added_at FROM collection_items ci JOIN topics t ON t.id = ci.topic_id \
             WHERE ci.collection_id = $1 AND {VISIBLE} ORDER BY ci.added_at DESC, ci.id DESC LIMIT $2"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(collection_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Visible items in order with their published opening post.
    pub async fn collection_openings(&self, collection_id: i64, limit: i64) -> StoreResult<Vec<CollectionOpening>> {
        let sql = format!(
            "SELECT ci.topic_id, t.title, ci.note_html, CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author_name, p.body_html \
             FROM collection_items ci JOIN topics t ON t.id = ci.topic_id \
             JOIN posts p ON p.topic_id = t.id AND p.position = 1 AND p.status = 'published' AND p.deleted_at IS NULL \
             JOIN users u ON u.id = t.author_id \
             WHERE ci.collection_id = $1 AND {VISIBLE} ORDER BY ci.position, ci.id LIMIT $2"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(collection_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }
}
