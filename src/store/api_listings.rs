//! The integration API's listings (issue 21): visible topics by creation time with filters, a
//! member's public posts, tags with their kept counts. Every page is read by key (the last
//! row's `created_at` and id), never by offset, along the partial indexes of migration 0020
//! (`topics_created_listing`, `topics_category_created_listing`, `topics_kind_created_listing`)
//! or `posts_author`. The statements are built here and named in `listings.rs` for the
//! no-scan test.

use chrono::{DateTime, Utc};

use super::{Store, StoreResult, on_pool};

/// Where a page starts: strictly after the row with this `created_at` and id (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keyset {
    pub at: DateTime<Utc>,
    pub id: i64,
}

/// Which visible topics the API lists; every filter is already checked against what exists.
#[derive(Debug, Clone, Default)]
pub struct ApiTopicFilter {
    pub category_id: Option<i64>,
    pub tag_id: Option<i64>,
    pub kind: Option<&'static str>,
    /// The province a topic shows: the anonymous case study's, else its author's.
    pub province: Option<&'static str>,
}

/// A topic as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiTopicRow {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub category_slug: String,
    pub created_at: DateTime<Utc>,
    pub last_posted_at: DateTime<Utc>,
    pub reply_count: i64,
}

/// A member's public post, with its topic's title.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ApiPostRow {
    pub id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    pub position: i64,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// A member as anyone may see them (never the email).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PublicMember {
    pub id: i64,
    pub handle: Option<String>,
    pub display_name: String,
    pub job_title: String,
    pub hospital: String,
    pub department: String,
    pub province_code: Option<String>,
    pub role: String,
    pub created_at: DateTime<Utc>,
}

/// A value bound to a statement's placeholder.
#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    Time(DateTime<Utc>),
}

const NEWEST_FIRST: &str = "t.created_at DESC, t.id DESC";

/// The topics page statement and its arguments: the ids are walked along the filter's index by
/// key, then only the page's rows are joined.
pub(super) fn api_topics_sql(filter: &ApiTopicFilter, after: Option<Keyset>, limit: i64) -> (String, Vec<Arg>) {
    let mut args = Vec::new();
    let mut next = |arg: Arg| {
        args.push(arg);
        format!("${}", args.len())
    };
    let mut conditions = String::new();
    if let Some(id) = filter.category_id {
        conditions += &format!(" AND t.category_id = {}", next(Arg::Int(id)));
    }
    if let Some(kind) = filter.kind {
        conditions += &format!(" AND t.kind = {}", next(Arg::Text(kind.into())));
    }
    if let Some(code) = filter.province {
        conditions += &format!(
            " AND COALESCE(CASE WHEN t.anonymous THEN t.anon_province \
             ELSE (SELECT u.province_code FROM users u WHERE u.id = t.author_id) END, '') = {}",
            next(Arg::Text(code.into()))
        );
    }
    // A tag's topics are walked along the creation keys its tag rows keep (migration 0022), never
    // sorted per request; the other filters then read each topic's own row.
    let (walk, created, id) = match filter.tag_id {
        Some(tag) => (
            format!(
                "SELECT tt.topic_id FROM topic_tags tt JOIN topics t ON t.id = tt.topic_id \
                 WHERE tt.tag_id = {} AND tt.listed = TRUE",
                next(Arg::Int(tag))
            ),
            "tt.created_at",
            "tt.topic_id",
        ),
        None => ("SELECT t.id FROM topics t WHERE t.status = 'published' AND t.deleted_at IS NULL".to_string(), "t.created_at", "t.id"),
    };
    if let Some(key) = after {
        let at = next(Arg::Time(key.at));
        let after_id = next(Arg::Int(key.id));
        conditions += &format!(" AND ({created} < {at} OR ({created} = {at} AND {id} < {after_id}))");
    }
    let limit = next(Arg::Int(limit));
    let sql = format!(
        "SELECT t.id, t.title, t.kind, c.slug AS category_slug, t.created_at, t.last_posted_at, t.reply_count \
         FROM topics t JOIN categories c ON c.id = t.category_id \
         WHERE t.id IN ({walk}{conditions} ORDER BY {created} DESC, {id} DESC LIMIT {limit}) ORDER BY {NEWEST_FIRST}"
    );
    (sql, args)
}

/// A member's visible posts in visible topics, newest first, leaving out every post of theirs in
/// an anonymous case study they wrote (the topic API shows those as "Ẩn danh").
pub(super) fn public_posts_sql(author_id: i64, after: Option<Keyset>, limit: i64) -> (String, Vec<Arg>) {
    let mut args = vec![Arg::Int(author_id)];
    let mut keyset = String::new();
    if let Some(key) = after {
        args.push(Arg::Time(key.at));
        args.push(Arg::Int(key.id));
        keyset = " AND (p.created_at < $2 OR (p.created_at = $2 AND p.id < $3))".into();
    }
    args.push(Arg::Int(limit));
    let sql = format!(
        "SELECT p.id, p.topic_id, t.title AS topic_title, p.position, p.body, p.created_at \
         FROM posts p JOIN topics t ON t.id = p.topic_id \
         WHERE p.author_id = $1 AND p.status = 'published' AND p.deleted_at IS NULL \
         AND t.status = 'published' AND t.deleted_at IS NULL AND NOT (t.anonymous AND t.author_id = p.author_id){keyset} \
         ORDER BY p.created_at DESC, p.id DESC LIMIT ${}",
        args.len()
    );
    (sql, args)
}

/// Binds each of `$args` (a slice of [`Arg`]) in order.
macro_rules! bind_args {
    ($query:expr, $args:expr) => {{
        let mut query = $query;
        for arg in $args {
            query = match arg {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.clone()),
                Arg::Time(v) => query.bind(*v),
            };
        }
        query
    }};
}
pub(super) use bind_args;

impl Store {
    /// A page of visible topics, newest first, after `after`.
    pub async fn api_topics(&self, filter: &ApiTopicFilter, after: Option<Keyset>, limit: i64) -> StoreResult<Vec<ApiTopicRow>> {
        let (sql, args) = api_topics_sql(filter, after, limit);
        let rows = on_pool!(self, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The tag slugs of these topics, as (topic id, slug) sorted by slug.
    pub async fn tag_slugs_of(&self, topic_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        if topic_ids.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = topic_ids.iter().map(i64::to_string).collect();
        let sql = format!(
            "SELECT tt.topic_id, g.slug FROM topic_tags tt JOIN tags g ON g.id = tt.tag_id \
             WHERE tt.topic_id IN ({}) ORDER BY g.slug",
            list.join(", ")
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Tags with visible topics and their kept counts, most used first: (slug, label, count).
    pub async fn tags_with_counts(&self, limit: i64) -> StoreResult<Vec<(String, String, i64)>> {
        let sql = "SELECT g.slug, g.label, c.n FROM tag_topic_counts c JOIN tags g ON g.id = c.tag_id \
                   WHERE c.n > 0 ORDER BY c.n DESC, g.slug LIMIT $1";
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(limit).fetch_all(pool).await?))
    }

    /// A member by handle (without `@`, any letter case) or by number; members who left are not found.
    pub async fn public_member(&self, name: &str) -> StoreResult<Option<PublicMember>> {
        let by_id = name.parse::<i64>().ok();
        let sql = "SELECT id, handle, display_name, job_title, hospital, department, province_code, role, created_at \
                   FROM users WHERE deleted_at IS NULL AND (handle = $1 OR id = $2) \
                   ORDER BY CASE WHEN handle = $1 THEN 0 ELSE 1 END LIMIT 1";
        let handle = name.trim_start_matches('@').to_lowercase();
        Ok(on_pool!(self, pool => sqlx::query_as(sql).bind(handle).bind(by_id.unwrap_or(-1)).fetch_optional(pool).await?))
    }

    /// A page of a member's public posts, newest first, after `after`.
    pub async fn public_posts(&self, author_id: i64, after: Option<Keyset>, limit: i64) -> StoreResult<Vec<ApiPostRow>> {
        let (sql, args) = public_posts_sql(author_id, after, limit);
        let rows = on_pool!(self, pool => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql)), &args).fetch_all(pool).await?);
        Ok(rows)
    }

    /// A server secret by name, `None` before it was first made (a read: no write lock taken).
    pub async fn secret(&self, name: &str) -> StoreResult<Option<String>> {
        let sql = "SELECT value FROM server_secrets WHERE name = $1";
        Ok(on_pool!(self, pool => sqlx::query_scalar(sql).bind(name).fetch_optional(pool).await?))
    }
}

/// The API's listing statements with sample arguments, for `listings::listing_queries`.
pub(super) fn listing_queries() -> Vec<super::ListingQuery> {
    use super::PlanArg;
    let key = Some(Keyset { at: DateTime::parse_from_rfc3339(SAMPLE_TIME).expect("a sample time").to_utc(), id: 500_000 });
    let sample = |name: &'static str, (sql, args): (String, Vec<Arg>)| {
        let args = args
            .into_iter()
            .map(|arg| match arg {
                Arg::Int(v) => PlanArg::Int(v),
                Arg::Text(_) => PlanArg::Text(SAMPLE_TEXT),
                Arg::Time(_) => PlanArg::Time(SAMPLE_TIME),
            })
            .collect();
        super::listings::q(name, sql, args)
    };
    let filter = |category_id, tag_id, kind, province| ApiTopicFilter { category_id, tag_id, kind, province };
    vec![
        sample("api topics", api_topics_sql(&filter(None, None, None, None), None, 20)),
        sample("api topics: next page", api_topics_sql(&filter(None, None, None, None), key, 20)),
        sample("api topics: category", api_topics_sql(&filter(Some(1), None, None, None), key, 20)),
        sample("api topics: kind", api_topics_sql(&filter(None, None, Some("case_study"), None), key, 20)),
        sample("api topics: tag", api_topics_sql(&filter(None, Some(1), None, None), key, 20)),
        sample("api topics: province", api_topics_sql(&filter(None, None, None, Some("01")), key, 20)),
        sample("api topics: every filter", api_topics_sql(&filter(Some(1), Some(1), Some("case_study"), Some("01")), key, 20)),
        sample("api member posts", public_posts_sql(1, None, 20)),
        sample("api member posts: next page", public_posts_sql(1, key, 20)),
        sample("api guidance citing", super::citing::citing_topics_sql(1, None, 20)),
        sample("api guidance citing: next page", super::citing::citing_topics_sql(1, key, 20)),
    ]
}

const SAMPLE_TIME: &str = "2026-01-01T00:00:00+00:00";
/// Text samples must be `'static`; every text argument plans alike.
const SAMPLE_TEXT: &str = "case_study";
