//! Topic counts kept by the database (migration 0015's triggers) per category, tag, province
//! and guidance document, helpful marks kept per topic (migration 0025), and the same counts
//! made afresh to check them.
//!
//! Pages read the kept counts: counting a category's topics at 1,000,000 posts scanned the table
//! on every request. The triggers move them in the transaction of every write, whoever makes
//! it (forum, moderation, imports, bulk inserts), so no code path can forget one.

use super::{Store, StoreResult, on_pool};

/// Visible topics per category id, tag id, province code ('' = unknown) and guidance document id,
/// and helpful marks on visible posts per topic id, each sorted by key, zero counts left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TopicCounts {
    pub categories: Vec<(i64, i64)>,
    pub tags: Vec<(i64, i64)>,
    pub provinces: Vec<(String, i64)>,
    pub guidance: Vec<(i64, i64)>,
    pub helpful: Vec<(i64, i64)>,
}

const KEPT: [&str; 5] = [
    "SELECT category_id, n FROM category_topic_counts WHERE n <> 0 ORDER BY 1",
    "SELECT tag_id, n FROM tag_topic_counts WHERE n <> 0 ORDER BY 1",
    "SELECT province_code, n FROM province_topic_counts WHERE n <> 0 ORDER BY 1",
    "SELECT guidance_id, n FROM guidance_topic_counts WHERE n <> 0 ORDER BY 1",
    "SELECT id, helpful_count FROM topics WHERE helpful_count <> 0 ORDER BY 1",
];

const VISIBLE: &str = "t.status = 'published' AND t.deleted_at IS NULL";

/// The same five counts by `COUNT(*)` over the tables (scans: for checks, never for pages).
fn counted() -> [String; 5] {
    [
        format!("SELECT t.category_id, COUNT(*) FROM topics t WHERE {VISIBLE} GROUP BY t.category_id ORDER BY 1"),
        format!(
            "SELECT tt.tag_id, COUNT(*) FROM topic_tags tt JOIN topics t ON t.id = tt.topic_id WHERE {VISIBLE} \
                 GROUP BY tt.tag_id ORDER BY 1"
        ),
        format!(
            "SELECT COALESCE(CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END, '') AS code, COUNT(*) \
                 FROM topics t JOIN users u ON u.id = t.author_id WHERE {VISIBLE} GROUP BY 1 ORDER BY 1"
        ),
        format!(
            "SELECT pg.guidance_id, COUNT(DISTINCT p.topic_id) FROM post_guidance pg JOIN posts p ON p.id = pg.post_id \
                 JOIN topics t ON t.id = p.topic_id WHERE {VISIBLE} AND p.status = 'published' AND p.deleted_at IS NULL \
                 GROUP BY pg.guidance_id ORDER BY 1"
        ),
        "SELECT p.topic_id, COUNT(*) FROM helpful_marks h JOIN posts p ON p.id = h.post_id \
             WHERE p.status = 'published' AND p.deleted_at IS NULL GROUP BY p.topic_id ORDER BY 1"
            .to_string(),
    ]
}

impl Store {
    /// The counts as kept.
    pub async fn kept_topic_counts(&self) -> StoreResult<TopicCounts> {
        self.topic_counts_by(KEPT.map(String::from)).await
    }

    /// The counts made afresh by `COUNT(*)`: what the kept ones must equal.
    pub async fn counted_topic_counts(&self) -> StoreResult<TopicCounts> {
        self.topic_counts_by(counted()).await
    }

    async fn topic_counts_by(&self, sql: [String; 5]) -> StoreResult<TopicCounts> {
        let [categories, tags, provinces, guidance, helpful] = sql;
        Ok(on_pool!(self, pool => TopicCounts {
            categories: sqlx::query_as(sqlx::AssertSqlSafe(categories)).fetch_all(pool).await?,
            tags: sqlx::query_as(sqlx::AssertSqlSafe(tags)).fetch_all(pool).await?,
            provinces: sqlx::query_as(sqlx::AssertSqlSafe(provinces)).fetch_all(pool).await?,
            guidance: sqlx::query_as(sqlx::AssertSqlSafe(guidance)).fetch_all(pool).await?,
            helpful: sqlx::query_as(sqlx::AssertSqlSafe(helpful)).fetch_all(pool).await?,
        }))
    }

    /// Visible topics with a tag (0 for a tag nobody used).
    pub async fn tag_topic_count(&self, slug: &str) -> StoreResult<i64> {
        let sql = "SELECT c.n FROM tag_topic_counts c JOIN tags g ON g.id = c.tag_id WHERE g.slug = $1";
        let n: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(slug).fetch_optional(pool).await?);
        Ok(n.unwrap_or(0))
    }

    /// Visible topics in every category together.
    pub async fn visible_topic_total(&self) -> StoreResult<i64> {
        // SUM of BIGINT is NUMERIC on PostgreSQL.
        let sql = "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM category_topic_counts";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(n)
    }

    /// Visible topics with a visible post citing a guidance document.
    pub async fn guidance_topic_count(&self, guidance_id: i64) -> StoreResult<i64> {
        let sql = "SELECT n FROM guidance_topic_counts WHERE guidance_id = $1";
        let n: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(guidance_id).fetch_optional(pool).await?);
        Ok(n.unwrap_or(0))
    }

    /// Visible topics per province code ('' = not said), most first.
    pub async fn province_topic_counts(&self) -> StoreResult<Vec<(String, i64)>> {
        let sql = "SELECT province_code, n FROM province_topic_counts WHERE n > 0 ORDER BY n DESC, province_code";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }
}
