//! Every listing statement the pages, feeds and API run, by name with sample arguments, and its
//! query plan, so a test can refuse a plan that scans topics, posts or the audit log (at
//! 1,000,000 posts such a scan is seconds per request). The statements are the very strings the
//! store's methods run: they are built by the same functions, never copied here.

use super::forum::{Scope, by_author_sql, latest_sql, topic_posts_sql};
use super::{Pool, Store, StoreResult};

/// A sample argument for a statement's placeholder.
#[derive(Debug, Clone)]
pub enum PlanArg {
    Int(i64),
    Text(&'static str),
    /// A timestamp (a page key).
    Time(&'static str),
    Null,
}

/// One listing statement with arguments to plan it with.
#[derive(Debug, Clone)]
pub struct ListingQuery {
    pub name: &'static str,
    pub sql: String,
    pub args: Vec<PlanArg>,
}

pub(super) fn q(name: &'static str, sql: impl Into<String>, args: Vec<PlanArg>) -> ListingQuery {
    ListingQuery { name, sql: sql.into(), args }
}

/// The listing statements: home (with its featured topics and case studies), category, tag
/// (the Atom feeds of latest/category/tag run the same statements with offset 0), topic posts,
/// topics citing a guidance document (its page and feed), profile, notifications, moderation
/// queue, audit log (its page, API and CSV export walk it by key), and the integration API's
/// pages by key (`api_listings`).
pub fn listing_queries() -> Vec<ListingQuery> {
    use PlanArg::{Int, Null, Text};
    let mut queries = vec![
        q("home", latest_sql(Scope::All), vec![Int(20), Int(20_000)]),
        q("home: featured", super::engagement::topics_where_sql(super::engagement::FEATURED), vec![Int(5)]),
        q("home: case studies", super::engagement::topics_where_sql(super::engagement::CASE_STUDY), vec![Int(5)]),
        q("category", latest_sql(Scope::Category), vec![Int(1), Int(20), Int(20_000)]),
        q("tag", latest_sql(Scope::Tag), vec![Text("an-toan-thuoc"), Int(20), Int(0)]),
        q("category, most helpful", super::engagement::category_helpful_sql(), vec![Int(1), Int(20), Int(2_000)]),
        q("topic posts", topic_posts_sql(), vec![Int(1), Int(30), Int(480)]),
        q("guidance citing practices", super::guidance::citing_sql(), vec![Int(1), Int(100)]),
        q("tag, deep page", latest_sql(Scope::Tag), vec![Text("an-toan-thuoc"), Int(20), Int(20_000)]),
        q("category and tag", latest_sql(Scope::CategoryAndTag), vec![Int(1), Text("an-toan-thuoc"), Int(20), Int(0)]),
        q("ministry staff badges (topic and listing pages)", super::guidance::MINISTRY_STAFF, vec![]),
        q("profile", by_author_sql(), vec![Int(1), Int(20)]),
        q("notifications", super::moderation::NOTIFICATIONS, vec![Int(1), Int(50)]),
        q("moderation queue", super::moderation::queue_sql(), vec![Text("open"), Null, Int(50), Int(5_000)]),
        q("audit log", super::moderation::AUDIT_BEFORE, vec![Int(500_000), Int(50)]),
    ];
    queries.extend(super::api_listings::listing_queries());
    queries
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                PlanArg::Int(v) => query.bind(*v),
                PlanArg::Text(v) => query.bind(*v),
                PlanArg::Time(v) => query.bind(chrono::DateTime::parse_from_rfc3339(v).expect("a sample time").to_utc()),
                PlanArg::Null => query.bind(None::<String>),
            };
        }
        query
    }};
}

/// SQLite's plan steps (id, parent, _, detail), each detail indented two spaces per level, so
/// a step inside a subquery (a page's ids) can be told from one of the outer statement.
fn indented(rows: Vec<(i64, i64, i64, String)>) -> Vec<String> {
    let mut depth = std::collections::HashMap::new();
    rows.into_iter()
        .map(|(id, parent, _, detail)| {
            let level = depth.get(&parent).map_or(0, |d| d + 1);
            depth.insert(id, level);
            format!("{}{detail}", "  ".repeat(level))
        })
        .collect()
}

impl Store {
    /// The plan of a statement, one line per step: SQLite's `EXPLAIN QUERY PLAN` details
    /// (indented by level), or
    /// PostgreSQL's `EXPLAIN` with sequential scans turned off, so a statement that could only
    /// be answered by a scan still shows one on a test database small enough to scan.
    pub async fn query_plan(&self, listing: &ListingQuery) -> StoreResult<Vec<String>> {
        match &self.pool {
            Pool::Sqlite(pool) => {
                let sql = format!("EXPLAIN QUERY PLAN {}", listing.sql);
                let query = bind_all!(sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(sql)), &listing.args);
                Ok(indented(query.fetch_all(pool).await?))
            }
            Pool::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("SET enable_seqscan = off").execute(&mut *conn).await?;
                let sql = format!("EXPLAIN {}", listing.sql);
                let query = bind_all!(sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql)), &listing.args);
                let plan = query.fetch_all(&mut *conn).await;
                sqlx::query("RESET enable_seqscan").execute(&mut *conn).await?;
                Ok(plan?)
            }
        }
    }
}
