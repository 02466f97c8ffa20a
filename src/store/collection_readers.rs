//! Members and collections (migration 0019): who follows which, and which of a collection's
//! topics a member has opened.

use chrono::Utc;

use super::{Store, StoreResult, on_pool};

impl Store {
    /// Records that a member opened a topic that belongs to a collection (again: the time moves).
    pub async fn record_collection_read(&self, user_id: i64, topic_id: i64) -> StoreResult<()> {
        let sql = "INSERT INTO collection_reads (user_id, topic_id, read_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (user_id, topic_id) DO UPDATE SET read_at = excluded.read_at";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(topic_id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Which of `topic_ids` the member has opened.
    pub async fn collection_reads(&self, user_id: i64, collection_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT r.topic_id FROM collection_items ci JOIN collection_reads r ON r.topic_id = ci.topic_id AND r.user_id = $1 \
                   WHERE ci.collection_id = $2";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(collection_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Follows or stops following a collection (twice: nothing changes).
    pub async fn set_collection_follow(&self, collection_id: i64, user_id: i64, on: bool) -> StoreResult<()> {
        if on {
            let sql = "INSERT INTO collection_follows (collection_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
            on_pool!(self, pool => sqlx::query(sql).bind(collection_id).bind(user_id).bind(Utc::now()).execute(pool).await?.rows_affected());
        } else {
            let sql = "DELETE FROM collection_follows WHERE collection_id = $1 AND user_id = $2";
            on_pool!(self, pool => sqlx::query(sql).bind(collection_id).bind(user_id).execute(pool).await?.rows_affected());
        }
        Ok(())
    }

    pub async fn follows_collection(&self, collection_id: i64, user_id: i64) -> StoreResult<bool> {
        let sql = "SELECT COUNT(*) FROM collection_follows WHERE collection_id = $1 AND user_id = $2";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(collection_id).bind(user_id).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// The followers of a collection.
    pub async fn collection_followers(&self, collection_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT user_id FROM collection_follows WHERE collection_id = $1 ORDER BY user_id";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(collection_id).fetch_all(pool).await?);
        Ok(rows)
    }
}
