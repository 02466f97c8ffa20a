//! Bulk import: topics and replies remembered by where they came from, placeholder authors.
//!
//! A batch is written in one transaction with a few multi-row statements per table (topics,
//! posts, revisions, search changes, queue items) rather than a dozen statements and a savepoint
//! per topic: the statements, not the rows, are what an import spends its time on. A topic whose
//! `source_id` exists already is left out by `ON CONFLICT DO NOTHING` (with its replies, which
//! are only written for topics the insert returned), so no savepoint is needed to keep it whole;
//! any other failure rolls the whole batch back.

use super::BeginWrite;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{NewTopic, Store, StoreError, StoreResult, on_pool};

/// Rows per multi-row INSERT: well below SQLite's 32,766 and PostgreSQL's 65,535 bound values.
const ROWS_PER_STATEMENT: usize = 400;

/// A reply imported with its topic (a comment under a Facebook post): published, original date.
pub struct ImportedReply<'a> {
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub created_at: DateTime<Utc>,
    /// Where the comment came from (unique), so a later export adds only new comments.
    pub source_id: Option<&'a str>,
    /// Its topic was chosen by a guess (the export did not name the post): an open
    /// 'imported_comment' queue item on it asks a moderator to check.
    pub placed_by_guess: bool,
}

/// A topic to import and the replies that come with it, written together or not at all.
pub struct ImportedTopic<'a> {
    /// Must carry a `source_id`: it is how the batch tells which topics were written.
    pub topic: NewTopic<'a>,
    pub replies: Vec<ImportedReply<'a>>,
    /// Its category was guessed: an open 'imported_category' queue item on its opening post.
    pub check_category: bool,
}

/// Replies that a later export brings to a topic imported before (known by its `source_id`).
pub struct LaterReplies<'a> {
    pub topic_source_id: &'a str,
    pub replies: Vec<ImportedReply<'a>>,
}

/// One thing an import batch writes. A batch holds at most one item per topic `source_id`.
pub enum ImportItem<'a> {
    Topic(ImportedTopic<'a>),
    Replies(LaterReplies<'a>),
}

impl ImportItem<'_> {
    fn source_id(&self) -> Option<&str> {
        match self {
            ImportItem::Topic(t) => t.topic.source_id,
            ImportItem::Replies(r) => Some(r.topic_source_id),
        }
    }
}

/// A post row to write: the topic it belongs to and where in it.
struct PostRow<'a> {
    topic_id: i64,
    position: i64,
    author_id: i64,
    body: &'a str,
    body_html: &'a str,
    status: &'static str,
    created_at: DateTime<Utc>,
    source_id: Option<&'a str>,
    /// The opening post's revision carries the topic's title.
    title: Option<&'a str>,
    /// A reply placed by a guess: queued for moderators as 'imported_comment'.
    placed_by_guess: bool,
}

impl Store {
    /// Creates topics (each with a `source_id`) as [`Store::create_topic`] does, many in one
    /// transaction: `None` for one whose `source_id` exists, which is left out whole.
    pub async fn create_topics(&self, topics: &[NewTopic<'_>]) -> StoreResult<Vec<Option<i64>>> {
        let items: Vec<ImportItem> = topics
            .iter()
            .map(|t| ImportItem::Topic(ImportedTopic { topic: NewTopic { ..*t }, replies: Vec::new(), check_category: false }))
            .collect();
        self.write_import_batch(&items).await
    }

    /// Writes a batch of imported topics (with their replies) and of replies that later exports
    /// bring to topics imported before, in one transaction. For each item, the topic written to:
    /// `None` for a new topic whose `source_id` exists already (nothing of it is written), or for
    /// later replies whose topic is not there.
    pub async fn write_import_batch(&self, items: &[ImportItem<'_>]) -> StoreResult<Vec<Option<i64>>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            // 1. New topics: the ids of those written, by source.
            let topics: Vec<&ImportedTopic> = items.iter().filter_map(|i| match i { ImportItem::Topic(t) => Some(t), _ => None }).collect();
            let mut ids: HashMap<&str, i64> = HashMap::new();
            for chunk in topics.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO topics (category_id, author_id, kind, title, summary, status, reply_count, created_at, \
                     last_posted_at, source_id, anonymous, hospital_tier, anon_province) ");
                q.push_values(chunk, |mut row, t| {
                    let n = &t.topic;
                    let last = t.replies.iter().map(|r| r.created_at).chain([n.created_at]).max();
                    row.push_bind(n.category_id).push_bind(n.author_id).push_bind(n.kind.as_str()).push_bind(n.title)
                        .push_bind(n.summary).push_bind(n.status.as_str()).push_bind(t.replies.len() as i64)
                        .push_bind(n.created_at).push_bind(last).push_bind(n.source_id)
                        .push_bind(n.anonymous.is_some()).push_bind(n.anonymous.map(|a| a.0)).push_bind(n.anonymous.map(|a| a.1));
                });
                q.push(" ON CONFLICT (source_id) DO NOTHING RETURNING id, source_id");
                let written: Vec<(i64, String)> = q.build_query_as().fetch_all(&mut *tx).await?;
                for (id, source) in written {
                    let source = chunk.iter().filter_map(|t| t.topic.source_id).find(|s| *s == source);
                    ids.insert(source.ok_or_else(|| StoreError::Other(anyhow::anyhow!("an imported topic without source_id")))?, id);
                }
            }
            // 2. Later replies: their topic's id and the next free position; the topic's counts.
            let mut next_position: HashMap<i64, i64> = HashMap::new();
            for item in items {
                let ImportItem::Replies(r) = item else { continue };
                let found: Option<(i64, i64)> = sqlx::query_as(
                    "SELECT t.id, (SELECT COALESCE(MAX(p.position), 0) FROM posts p WHERE p.topic_id = t.id) \
                     FROM topics t WHERE t.source_id = $1")
                    .bind(r.topic_source_id).fetch_optional(&mut *tx).await?;
                let Some((topic_id, last_position)) = found else { continue };
                ids.insert(r.topic_source_id, topic_id);
                next_position.insert(topic_id, last_position + 1);
                if let Some(last) = r.replies.iter().map(|r| r.created_at).max() {
                    sqlx::query("UPDATE topics SET reply_count = reply_count + $1, \
                                 last_posted_at = CASE WHEN last_posted_at < $2 THEN $2 ELSE last_posted_at END WHERE id = $3")
                        .bind(r.replies.len() as i64).bind(last).bind(topic_id)
                        .execute(&mut *tx).await?;
                }
            }
            // 3. Posts: opening posts and replies, then their first revisions.
            let rows = post_rows(items, &ids, &next_position);
            let mut post_ids: HashMap<(i64, i64), i64> = HashMap::with_capacity(rows.len());
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(
                    "INSERT INTO posts (topic_id, author_id, position, body, body_html, status, created_at, source_id) ");
                q.push_values(chunk, |mut row, p| {
                    row.push_bind(p.topic_id).push_bind(p.author_id).push_bind(p.position).push_bind(p.body)
                        .push_bind(p.body_html).push_bind(p.status).push_bind(p.created_at).push_bind(p.source_id);
                });
                q.push(" RETURNING id, topic_id, position");
                let written: Vec<(i64, i64, i64)> = q.build_query_as().fetch_all(&mut *tx).await?;
                post_ids.extend(written.into_iter().map(|(id, topic, position)| ((topic, position), id)));
            }
            let post_id = |topic_id: i64, position: i64| post_ids.get(&(topic_id, position)).copied()
                .ok_or_else(|| StoreError::Other(anyhow::anyhow!("post {position} of topic {topic_id} was not written")));
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let revisions = chunk.iter().map(|p| Ok((post_id(p.topic_id, p.position)?, p))).collect::<StoreResult<Vec<_>>>()?;
                let mut q = sqlx::QueryBuilder::new("INSERT INTO post_revisions (post_id, revision, title, body, editor_id, created_at) ");
                q.push_values(revisions, |mut row, (id, p)| {
                    row.push_bind(id).push_bind(1i64).push_bind(p.title).push_bind(p.body).push_bind(p.author_id).push_bind(p.created_at);
                });
                q.build().execute(&mut *tx).await?;
            }
            // 4. What the search index and the moderators are told; tags and holds (rare in imports).
            let now = Utc::now();
            let changed: Vec<i64> = items.iter().filter(|i| match i {
                ImportItem::Topic(t) => t.topic.status == crate::domain::Status::Published,
                ImportItem::Replies(r) => !r.replies.is_empty(),
            }).filter_map(|i| i.source_id().and_then(|s| ids.get(s)).copied()).collect();
            for chunk in changed.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO search_changes (entity, entity_id, changed_at) ");
                q.push_values(chunk, |mut row, id| { row.push_bind("topic").push_bind(*id).push_bind(now); });
                q.build().execute(&mut *tx).await?;
            }
            let mut to_check = Vec::new();
            for p in rows.iter().filter(|p| p.placed_by_guess) {
                to_check.push(("imported_comment", post_id(p.topic_id, p.position)?, p.author_id));
            }
            for t in &topics {
                let Some(&topic_id) = t.topic.source_id.and_then(|s| ids.get(s)) else { continue };
                let opening = post_id(topic_id, 1)?;
                if t.check_category {
                    to_check.push(("imported_category", opening, t.topic.author_id));
                }
                if let Some(reasons) = t.topic.hold {
                    super::moderation::hold_post!(tx, opening, t.topic.author_id, reasons)?;
                }
                for tag in t.topic.tags {
                    sqlx::query(super::forum::INSERT_TAG).bind(&tag.slug).bind(&tag.label).execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO topic_tags (topic_id, tag_id) SELECT $1, id FROM tags WHERE slug = $2 ON CONFLICT DO NOTHING")
                        .bind(topic_id).bind(&tag.slug).execute(&mut *tx).await?;
                }
            }
            for chunk in to_check.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new("INSERT INTO moderation_items (kind, post_id, user_id, created_at) ");
                q.push_values(chunk, |mut row, (kind, post, user)| {
                    row.push_bind(*kind).push_bind(*post).push_bind(*user).push_bind(now);
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(items.iter().map(|i| i.source_id().and_then(|s| ids.get(s)).copied()).collect())
        })
    }

    /// Where an imported topic came from; `None` for a topic written here (or no such topic).
    pub async fn topic_source_id(&self, topic_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT source_id FROM topics WHERE id = $1";
        let id: Option<Option<String>> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_optional(pool).await?);
        Ok(id.flatten())
    }

    /// The `source_id` of every imported topic (an import checks its lines against them in memory).
    pub async fn source_ids(&self) -> StoreResult<Vec<String>> {
        let sql = "SELECT source_id FROM topics WHERE source_id IS NOT NULL";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await?);
        Ok(ids)
    }

    /// The `source_id` of every imported reply.
    pub async fn reply_source_ids(&self) -> StoreResult<Vec<String>> {
        let sql = "SELECT source_id FROM posts WHERE source_id IS NOT NULL";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await?);
        Ok(ids)
    }

    /// Replies imported before replies remembered their source (migration 0011): their topic's
    /// `source_id`, date and first body, from which an import recognises them by content.
    pub async fn unmarked_imported_replies(&self) -> StoreResult<Vec<(String, DateTime<Utc>, String)>> {
        let sql = "SELECT t.source_id, p.created_at, r.body FROM posts p \
                   JOIN topics t ON t.id = p.topic_id \
                   JOIN post_revisions r ON r.post_id = p.id AND r.revision = 1 \
                   WHERE t.source_id IS NOT NULL AND p.source_id IS NULL AND p.position > 1";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Up to `limit` imported Facebook topics opened by the account with `email` (a placeholder's)
    /// between `from` and `to`, oldest first: their `source_id`s.
    pub async fn imported_topics_of_between(
        &self,
        email: &str,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<String>> {
        let sql = "SELECT t.source_id FROM topics t JOIN users u ON u.id = t.author_id \
                   WHERE u.email_lower = $1 AND t.source_id LIKE 'facebook:%' AND t.created_at >= $2 AND t.created_at <= $3 \
                   ORDER BY t.created_at, t.id LIMIT $4";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(email.to_lowercase()).bind(from).bind(to).bind(limit).fetch_all(pool).await?);
        Ok(ids)
    }

    /// The placeholder account with this email, created (no password, role member) if there is
    /// none; for a placeholder merged into the member who claimed it, that member. `None` when a
    /// real, non-placeholder account holds the email.
    pub async fn placeholder_user(&self, email: &str, display_name: &str) -> StoreResult<Option<i64>> {
        // The no-op update makes RETURNING give the existing row's id; its WHERE leaves real accounts alone.
        let sql = "INSERT INTO users (email, email_lower, password_hash, display_name, role, created_at, placeholder) \
                   VALUES ($1, $2, NULL, $3, 'member', $4, $5) \
                   ON CONFLICT (email_lower) DO UPDATE SET placeholder = users.placeholder WHERE users.placeholder \
                   RETURNING COALESCE(merged_into, id)";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(email)
            .bind(email.to_lowercase())
            .bind(display_name)
            .bind(Utc::now())
            .bind(true)
            .fetch_optional(pool)
            .await?);
        Ok(id)
    }
}

/// The posts of a batch: each new topic's opening post and replies (positions 1, 2, …) and the
/// later replies (after the last post of their topic), for the topics actually written to.
fn post_rows<'a>(items: &[ImportItem<'a>], ids: &HashMap<&str, i64>, next_position: &HashMap<i64, i64>) -> Vec<PostRow<'a>> {
    let mut rows = Vec::new();
    let reply = |topic_id: i64, position: i64, r: &ImportedReply<'a>| PostRow {
        topic_id,
        position,
        author_id: r.author_id,
        body: r.body,
        body_html: r.body_html,
        status: "published",
        created_at: r.created_at,
        source_id: r.source_id,
        title: None,
        placed_by_guess: r.placed_by_guess,
    };
    for item in items {
        let Some(&topic_id) = item.source_id().and_then(|s| ids.get(s)) else { continue };
        match item {
            ImportItem::Topic(t) => {
                let n = &t.topic;
                rows.push(PostRow {
                    topic_id,
                    position: 1,
                    author_id: n.author_id,
                    body: n.body,
                    body_html: n.body_html,
                    status: n.status.as_str(),
                    created_at: n.created_at,
                    source_id: None,
                    title: Some(n.title),
                    placed_by_guess: false,
                });
                rows.extend(t.replies.iter().enumerate().map(|(i, r)| reply(topic_id, i as i64 + 2, r)));
            }
            ImportItem::Replies(later) => {
                let first = next_position.get(&topic_id).copied().unwrap_or(2);
                rows.extend(later.replies.iter().enumerate().map(|(i, r)| reply(topic_id, first + i as i64, r)));
            }
        }
    }
    rows
}
