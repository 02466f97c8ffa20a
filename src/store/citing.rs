//! The practices citing a guidance document, for the integration API and its CSV export
//! (issue 21): a page of them newest first by key, and how many per category, province,
//! hospital tier and year. Both start from `topic_guidance_posts` (migration 0015: visible
//! citing posts per topic and document, kept by triggers) through its index by document
//! (migration 0020), so they read the document's citing topics only.

use chrono::{DateTime, Utc};

use super::api_listings::{Arg, Keyset, bind_args};
use super::{Pool, Store, StoreResult, on_pool};

/// A topic citing a document, with the province and tier it shows (an anonymous case study's
/// own, else its author's profile), never its author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CitingTopicRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub category_slug: String,
    pub province: String,
    pub tier: String,
    pub created_at: DateTime<Utc>,
    pub last_posted_at: DateTime<Utc>,
    pub reply_count: i64,
}

/// Citing topics of one category, province, tier and year ('' = not said).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CitingGroup {
    pub category_slug: String,
    pub province: String,
    pub tier: String,
    pub year: String,
    pub n: i64,
}

const SHOWN: &str = "COALESCE(CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END, '') AS province, \
    COALESCE(CASE WHEN t.anonymous THEN t.hospital_tier ELSE u.hospital_tier END, '') AS tier";

const CITING: &str = "FROM topic_guidance_posts x JOIN topics t ON t.id = x.topic_id \
    JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id \
    WHERE x.guidance_id = $1 AND x.n > 0 AND t.status = 'published' AND t.deleted_at IS NULL";

/// `$1` document, then the key (`$2`, `$3`) when given, then the limit.
pub(super) fn citing_topics_sql(guidance_id: i64, after: Option<Keyset>, limit: i64) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Int(guidance_id)];
    let mut keyset = "";
    if let Some(key) = after {
        args.extend([Arg::Time(key.at), Arg::Int(key.id)]);
        keyset = " AND (t.created_at < $2 OR (t.created_at = $2 AND t.id < $3))";
    }
    args.push(Arg::Int(limit));
    let sql = format!(
        "SELECT t.id, t.title, t.kind, c.slug AS category_slug, {SHOWN}, t.created_at, t.last_posted_at, t.reply_count \
         {CITING}{keyset} ORDER BY t.created_at DESC, t.id DESC LIMIT ${}",
        args.len()
    );
    (sql, args)
}

/// The year of `created_at` as four digits: SQLite stores RFC 3339 text.
fn year_of(pool: &Pool) -> &'static str {
    match pool {
        Pool::Sqlite(_) => "substr(t.created_at, 1, 4)",
        Pool::Postgres(_) => "to_char(t.created_at AT TIME ZONE 'UTC', 'YYYY')",
    }
}

impl Store {
    /// A page of the topics citing a document, newest first, after `after`.
    pub async fn citing_topics(&self, guidance_id: i64, after: Option<Keyset>, limit: i64) -> StoreResult<Vec<CitingTopicRow>> {
        let (sql, args) = citing_topics_sql(guidance_id, after, limit);
        Ok(on_pool!(self, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(pool).await?))
    }

    /// The citing topics counted by category, province, tier and year together.
    pub async fn citing_groups(&self, guidance_id: i64) -> StoreResult<Vec<CitingGroup>> {
        let sql =
            format!("SELECT c.slug AS category_slug, {SHOWN}, {} AS year, COUNT(*) AS n {CITING} GROUP BY 1, 2, 3, 4", year_of(&self.pool));
        Ok(on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(guidance_id).fetch_all(pool).await?))
    }
}
