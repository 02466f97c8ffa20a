//! Drafts, helpful marks, bookmarks and featured topics.

use chrono::{DateTime, Utc};

use super::forum::{TOPIC_SELECT, TopicRow, VISIBLE_TOPIC};
use super::{Store, StoreError, StoreResult, on_pool};

/// What a member was composing, as saved.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DraftRow {
    pub id: i64,
    pub user_id: i64,
    /// `new:<kind>` or `reply:<topic id>`.
    pub scope: String,
    pub topic_id: Option<i64>,
    /// JSON object: form field → text.
    pub fields: String,
    pub updated_at: DateTime<Utc>,
    /// The title of the topic a reply draft belongs to ('' for new topics).
    pub topic_title: String,
}

const DRAFT_SELECT: &str = "SELECT d.id, d.user_id, d.scope, d.topic_id, d.fields, d.updated_at, \
    COALESCE(t.title, '') AS topic_title FROM drafts d LEFT JOIN topics t ON t.id = d.topic_id";

/// A bookmarked post as the bookmarks page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BookmarkRow {
    pub post_id: i64,
    pub topic_id: i64,
    pub topic_title: String,
    /// 1: the topic itself; more: a reply.
    pub position: i64,
    pub created_at: DateTime<Utc>,
}

/// A post's visible helpful marks, and whether the viewer gave one.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct HelpfulCount {
    pub post_id: i64,
    pub count: i64,
    pub mine: bool,
}

/// Who is marking or bookmarking what: the post must be public (published, not deleted, topic
/// published and not deleted). `$1` is the post id.
const PUBLIC_POST: &str = "SELECT p.id FROM posts p JOIN topics t ON t.id = p.topic_id WHERE p.id = $1 \
    AND p.status = 'published' AND p.deleted_at IS NULL AND t.status = 'published' AND t.deleted_at IS NULL";

/// Marks on visible posts of topic `t`, for "most helpful" orderings: a count each topic keeps
/// (migration 0025's triggers), so an ordering never counts marks per request.
pub(super) const TOPIC_HELPFUL: &str = "t.helpful_count";

/// A page of a category's visible topics, most helpful first: the ids walked along
/// `topics_category_helpful_listing`, then only the page's rows joined. `$1` category, `$2`
/// limit, `$3` offset.
pub(super) fn category_helpful_sql() -> String {
    const ORDER: &str = "t.helpful_count DESC, t.last_posted_at DESC, t.id DESC";
    format!(
        "{TOPIC_SELECT} WHERE t.id IN (SELECT t.id FROM topics t WHERE {VISIBLE_TOPIC} AND t.category_id = $1 \
         ORDER BY {ORDER} LIMIT $2 OFFSET $3) ORDER BY {ORDER}"
    )
}

impl Store {
    /// Saves (or replaces) the draft for `scope`; returns its id.
    pub async fn save_draft(&self, user_id: i64, scope: &str, topic_id: Option<i64>, fields: &str) -> StoreResult<i64> {
        let sql = "INSERT INTO drafts (user_id, scope, topic_id, fields, updated_at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (user_id, scope) DO UPDATE SET fields = excluded.fields, updated_at = excluded.updated_at \
                   RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(user_id).bind(scope).bind(topic_id).bind(fields).bind(Utc::now()).fetch_one(pool).await?);
        Ok(id)
    }

    /// The member's draft for `scope`, if any.
    pub async fn draft_for(&self, user_id: i64, scope: &str) -> StoreResult<Option<DraftRow>> {
        let sql = format!("{DRAFT_SELECT} WHERE d.user_id = $1 AND d.scope = $2");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(scope).fetch_optional(pool).await?);
        Ok(row)
    }

    /// One of the member's drafts; another member's id is `NotFound`, like a missing one.
    pub async fn draft(&self, user_id: i64, id: i64) -> StoreResult<DraftRow> {
        let sql = format!("{DRAFT_SELECT} WHERE d.user_id = $1 AND d.id = $2");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(id).fetch_one(pool).await?);
        Ok(row)
    }

    /// The member's drafts, most recently saved first.
    pub async fn drafts(&self, user_id: i64) -> StoreResult<Vec<DraftRow>> {
        let sql = format!("{DRAFT_SELECT} WHERE d.user_id = $1 ORDER BY d.updated_at DESC, d.id DESC");
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Deletes one of the member's drafts; `NotFound` when it is not theirs or gone.
    pub async fn delete_draft(&self, user_id: i64, id: i64) -> StoreResult<()> {
        let sql = "DELETE FROM drafts WHERE user_id = $1 AND id = $2";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(id).execute(pool).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Deletes the member's draft for `scope` if there is one (after publishing).
    pub async fn delete_draft_scope(&self, user_id: i64, scope: &str) -> StoreResult<()> {
        let sql = "DELETE FROM drafts WHERE user_id = $1 AND scope = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(scope).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// True when the post is public (published and not deleted, in a public topic).
    pub async fn post_is_public(&self, post_id: i64) -> StoreResult<bool> {
        let row: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(PUBLIC_POST).bind(post_id).fetch_optional(pool).await?);
        Ok(row.is_some())
    }

    /// Records a helpful mark; marking twice changes nothing.
    pub async fn mark_helpful(&self, post_id: i64, user_id: i64) -> StoreResult<()> {
        let sql = "INSERT INTO helpful_marks (post_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        on_pool!(self, pool => sqlx::query(sql).bind(post_id).bind(user_id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn unmark_helpful(&self, post_id: i64, user_id: i64) -> StoreResult<()> {
        let sql = "DELETE FROM helpful_marks WHERE post_id = $1 AND user_id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(post_id).bind(user_id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// A post's helpful marks and whether `viewer_id` gave one.
    pub async fn helpful_count(&self, post_id: i64, viewer_id: i64) -> StoreResult<HelpfulCount> {
        let sql = "SELECT $1 AS post_id, COUNT(*) AS count, \
                   COALESCE(MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END), 0) = 1 AS mine \
                   FROM helpful_marks WHERE post_id = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(post_id).bind(viewer_id).fetch_one(pool).await?);
        Ok(row)
    }

    /// Helpful marks of every marked post of a topic (`viewer_id` 0: nobody signed in).
    pub async fn topic_helpful_counts(&self, topic_id: i64, viewer_id: i64) -> StoreResult<Vec<HelpfulCount>> {
        let sql = "SELECT h.post_id, COUNT(*) AS count, \
                   MAX(CASE WHEN h.user_id = $2 THEN 1 ELSE 0 END) = 1 AS mine \
                   FROM helpful_marks h JOIN posts p ON p.id = h.post_id WHERE p.topic_id = $1 GROUP BY h.post_id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).bind(viewer_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Bookmarks a post; bookmarking twice changes nothing.
    pub async fn add_bookmark(&self, user_id: i64, post_id: i64) -> StoreResult<()> {
        let sql = "INSERT INTO bookmarks (user_id, post_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(post_id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Removes a member's bookmark; whether there was one.
    pub async fn remove_bookmark(&self, user_id: i64, post_id: i64) -> StoreResult<bool> {
        let sql = "DELETE FROM bookmarks WHERE user_id = $1 AND post_id = $2";
        let removed = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(post_id).execute(pool).await?.rows_affected());
        Ok(removed > 0)
    }

    /// The member's bookmarks of posts still public, newest first.
    pub async fn bookmarks(&self, user_id: i64) -> StoreResult<Vec<BookmarkRow>> {
        let sql = "SELECT b.post_id, p.topic_id, t.title AS topic_title, p.position, b.created_at \
                   FROM bookmarks b JOIN posts p ON p.id = b.post_id JOIN topics t ON t.id = p.topic_id \
                   WHERE b.user_id = $1 AND p.status = 'published' AND p.deleted_at IS NULL \
                   AND t.status = 'published' AND t.deleted_at IS NULL ORDER BY b.created_at DESC, b.post_id DESC";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Which posts of a topic the member bookmarked.
    pub async fn topic_bookmarks(&self, user_id: i64, topic_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT b.post_id FROM bookmarks b JOIN posts p ON p.id = b.post_id WHERE b.user_id = $1 AND p.topic_id = $2";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(topic_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The opening post of a topic.
    pub async fn opening_post_id(&self, topic_id: i64) -> StoreResult<i64> {
        let sql = "SELECT id FROM posts WHERE topic_id = $1 AND position = 1";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_one(pool).await?);
        Ok(id)
    }

    pub async fn is_featured(&self, topic_id: i64) -> StoreResult<bool> {
        let sql = "SELECT featured FROM topics WHERE id = $1";
        let on = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_one(pool).await?);
        Ok(on)
    }

    /// Visible featured topics, most recently active first.
    pub async fn featured_topics(&self, limit: i64) -> StoreResult<Vec<TopicRow>> {
        self.topics_where(FEATURED, limit).await
    }

    /// Visible case studies, newest first.
    pub async fn recent_case_studies(&self, limit: i64) -> StoreResult<Vec<TopicRow>> {
        self.topics_where(CASE_STUDY, limit).await
    }
}

/// Visible topics meeting `condition` (fixed SQL, never input), newest activity first. `$1` limit.
/// Featured topics and case studies have their own partial indexes (migration 0015).
pub(super) fn topics_where_sql(condition: &str) -> String {
    format!("{TOPIC_SELECT} WHERE {VISIBLE_TOPIC} AND {condition} ORDER BY t.last_posted_at DESC, t.id DESC LIMIT $1")
}

pub(super) const FEATURED: &str = "t.featured = TRUE";
pub(super) const CASE_STUDY: &str = "t.kind = 'case_study'";

impl Store {
    /// Visible topics meeting `condition` (fixed SQL, never input), newest activity first.
    async fn topics_where(&self, condition: &'static str, limit: i64) -> StoreResult<Vec<TopicRow>> {
        let sql = topics_where_sql(condition);
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// A page of a category's visible topics, most helpful marks first (with their count).
    pub async fn helpful_topics(&self, category_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<TopicRow>> {
        let sql = category_helpful_sql();
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(category_id).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows)
    }
}
