//! What the posting checks read: a member's trust inputs, posts per member and per (hashed)
//! address in a window, and recent bodies for duplicate detection.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, on_pool};

impl Store {
    /// What trust is computed from: the stored level, the account's creation and its published posts.
    pub async fn trust_inputs(&self, user_id: i64) -> StoreResult<(i64, DateTime<Utc>, i64)> {
        let sql = "SELECT u.trust_level, u.created_at, \
                   (SELECT COUNT(*) FROM posts p WHERE p.author_id = u.id AND p.status = 'published' AND p.deleted_at IS NULL) \
                   FROM users u WHERE u.id = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_one(pool).await?);
        Ok(row)
    }

    /// Remembers that a post came from this (hashed) address, forgetting entries older than `forget_before`.
    pub async fn record_post_address(&self, key_hash: &str, forget_before: DateTime<Utc>) -> StoreResult<()> {
        on_pool!(self, pool => {
            sqlx::query("DELETE FROM post_addresses WHERE at < $1").bind(forget_before).execute(pool).await?;
            sqlx::query("INSERT INTO post_addresses (key_hash, at) VALUES ($1, $2)").bind(key_hash).bind(Utc::now()).execute(pool).await?;
        });
        Ok(())
    }

    pub async fn posts_from_address_since(&self, key_hash: &str, since: DateTime<Utc>) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM post_addresses WHERE key_hash = $1 AND at > $2";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(key_hash).bind(since).fetch_one(pool).await?);
        Ok(n)
    }

    /// How many posts a member wrote since `since` (for the posting rate limit).
    pub async fn posts_by_author_since(&self, author_id: i64, since: DateTime<Utc>) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM posts WHERE author_id = $1 AND created_at > $2";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(author_id).bind(since).fetch_one(pool).await?);
        Ok(n)
    }

    /// The author's most recent post bodies since `since`, for duplicate detection.
    pub async fn recent_bodies(&self, author_id: i64, since: DateTime<Utc>, limit: i64) -> StoreResult<Vec<String>> {
        let sql = "SELECT body FROM posts WHERE author_id = $1 AND created_at > $2 AND deleted_at IS NULL \
                   ORDER BY created_at DESC LIMIT $3";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(author_id).bind(since).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }
}
