//! What an operator watches (`/metrics`): queue lengths, uploads stored, the pool.
//!
//! Each number is one cheap query: a `COUNT` over an indexed state column (the queues stay short),
//! kept counts for topics, and one pass over `attachments` (far fewer rows than posts; the caller
//! keeps the answer for a while rather than asking on every scrape).

use super::{Pool, Store, StoreResult, on_pool};

/// The database's side of the metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OpsGauges {
    /// Notification mails not sent yet (including those waiting out their delay).
    pub mail_queued: i64,
    /// Weekly digests not sent yet.
    pub digest_queued: i64,
    /// Open items in the moderation queue.
    pub moderation_open: i64,
    /// Visible topics, from the kept per-category counts.
    pub topics_visible: i64,
    /// Uploaded files recorded, and their bytes (thumbnails not counted).
    pub uploads: i64,
    pub upload_bytes: i64,
    /// The newest change-log sequence number (what the search index must reach).
    pub latest_change_seq: i64,
}

/// Connections of the pool now: open ones, idle ones, and the most it will open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

const COUNTS: &str = "SELECT \
    (SELECT COUNT(*) FROM notifications WHERE mail_state = 'queued'), \
    (SELECT COUNT(*) FROM digest_outbox WHERE state = 'queued'), \
    (SELECT COUNT(*) FROM moderation_items WHERE state = 'open'), \
    (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM category_topic_counts), \
    (SELECT COUNT(*) FROM attachments), \
    (SELECT CAST(COALESCE(SUM(size_bytes), 0) AS BIGINT) FROM attachments), \
    (SELECT COALESCE(MAX(seq), 0) FROM search_changes)";

impl Store {
    /// The gauges `/metrics` reports from the database, in one round trip.
    pub async fn ops_gauges(&self) -> StoreResult<OpsGauges> {
        type Row = (i64, i64, i64, i64, i64, i64, i64);
        let row: Row = on_pool!(self, pool => sqlx::query_as(COUNTS).fetch_one(pool).await?);
        let (mail_queued, digest_queued, moderation_open, topics_visible, uploads, upload_bytes, latest_change_seq) = row;
        Ok(OpsGauges { mail_queued, digest_queued, moderation_open, topics_visible, uploads, upload_bytes, latest_change_seq })
    }

    /// How the connection pool is used right now (no query).
    pub fn pool_use(&self) -> PoolUse {
        let (open, idle, max) = match &self.pool {
            Pool::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Pool::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        };
        PoolUse { open, idle: idle as u32, max }
    }
}

/// TOTP secrets sealed or in clear (`ops::totp_key`): the table has one row per member who
/// began enrolling, so reading all of it at start is cheap.
impl Store {
    /// One sealed secret (the lowest member id), to check the configured key against.
    pub async fn sealed_totp_secret_sample(&self, prefix: &str) -> StoreResult<Option<(i64, String)>> {
        let sql = "SELECT user_id, secret FROM two_factor WHERE secret LIKE $1 ORDER BY user_id LIMIT 1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(format!("{prefix}%")).fetch_optional(pool).await?);
        Ok(row)
    }

    /// Every secret still stored in clear, by member id.
    pub async fn clear_totp_secrets(&self, prefix: &str) -> StoreResult<Vec<(i64, String)>> {
        let sql = "SELECT user_id, secret FROM two_factor WHERE secret NOT LIKE $1 ORDER BY user_id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(format!("{prefix}%")).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Replaces a member's stored secret with `new` if it is still `old`; whether it did.
    pub async fn replace_totp_secret(&self, user_id: i64, old: &str, new: &str) -> StoreResult<bool> {
        let sql = "UPDATE two_factor SET secret = $1 WHERE user_id = $2 AND secret = $3";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(new).bind(user_id).bind(old).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }
}
