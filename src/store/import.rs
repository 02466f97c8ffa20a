//! Bulk import: topics remembered by where they came from, placeholder authors.

use chrono::{DateTime, Utc};

use super::forum::{insert_topic, log_change};
use super::{NewTopic, Store, StoreError, StoreResult, on_pool};

/// A reply imported with its topic (a comment under a Facebook post): published, original date.
pub struct ImportedReply<'a> {
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub created_at: DateTime<Utc>,
}

/// A topic to import and the replies that come with it, written together or not at all.
pub struct ImportedTopic<'a> {
    pub topic: NewTopic<'a>,
    pub replies: Vec<ImportedReply<'a>>,
    /// Its category was guessed: an open 'imported_category' queue item on its opening post.
    pub check_category: bool,
}

impl Store {
    /// Creates topics as [`Store::create_topic`] does, many in one transaction (one commit for
    /// the lot), each under a savepoint of its own: `None` for one whose `source_id` exists,
    /// which is left out whole. Any other failure rolls the whole batch back.
    pub async fn create_topics(&self, topics: &[NewTopic<'_>]) -> StoreResult<Vec<Option<(i64, i64)>>> {
        let items: Vec<(&NewTopic, &[ImportedReply], bool)> = topics.iter().map(|t| (t, &[][..], false)).collect();
        self.write_topics(&items).await
    }

    /// [`Store::create_topics`] with replies: each topic's replies follow its opening post under
    /// the same savepoint, so a topic is never written without them.
    pub async fn create_imported_topics(&self, topics: &[ImportedTopic<'_>]) -> StoreResult<Vec<Option<(i64, i64)>>> {
        let items: Vec<(&NewTopic, &[ImportedReply], bool)> = topics.iter().map(|t| (&t.topic, t.replies.as_slice(), t.check_category)).collect();
        self.write_topics(&items).await
    }

    async fn write_topics(&self, topics: &[(&NewTopic<'_>, &[ImportedReply<'_>], bool)]) -> StoreResult<Vec<Option<(i64, i64)>>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut created = Vec::with_capacity(topics.len());
            for t in topics {
                let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
                let written = async {
                    let (topic_id, post_id) = insert_topic!(savepoint, t.0)?;
                    insert_replies!(savepoint, topic_id, t.1)?;
                    if t.2 {
                        sqlx::query("INSERT INTO moderation_items (kind, post_id, user_id, created_at) VALUES ('imported_category', $1, $2, $3)")
                            .bind(post_id).bind(t.0.author_id).bind(Utc::now())
                            .execute(&mut *savepoint).await?;
                    }
                    Ok::<_, sqlx::Error>((topic_id, post_id))
                }
                .await;
                match written.map_err(StoreError::from) {
                    Ok(ids) => {
                        savepoint.commit().await?;
                        created.push(Some(ids));
                    }
                    Err(StoreError::Conflict) => {
                        savepoint.rollback().await?;
                        created.push(None);
                    }
                    Err(other) => return Err(other),
                }
            }
            tx.commit().await?;
            Ok(created)
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

    /// The placeholder account with this email, created (no password, role member) if there is
    /// none. `None` when a real, non-placeholder account holds the email.
    pub async fn placeholder_user(&self, email: &str, display_name: &str) -> StoreResult<Option<i64>> {
        // The no-op update makes RETURNING give the existing row's id; its WHERE leaves real accounts alone.
        let sql = "INSERT INTO users (email, email_lower, password_hash, display_name, role, created_at, placeholder) \
                   VALUES ($1, $2, NULL, $3, 'member', $4, $5) \
                   ON CONFLICT (email_lower) DO UPDATE SET placeholder = users.placeholder WHERE users.placeholder \
                   RETURNING id";
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

/// Appends `replies` (published, positions 2, 3, …) to a new topic and counts them on it.
macro_rules! insert_replies {
    ($tx:expr, $topic_id:expr, $replies:expr) => {
        async {
            let (topic_id, replies): (i64, &[ImportedReply<'_>]) = ($topic_id, $replies);
            for (i, r) in replies.iter().enumerate() {
                let post_id: i64 = sqlx::query_scalar(
                    "INSERT INTO posts (topic_id, author_id, position, body, body_html, status, created_at) \
                     VALUES ($1, $2, $3, $4, $5, 'published', $6) RETURNING id")
                    .bind(topic_id).bind(r.author_id).bind(i as i64 + 2).bind(r.body).bind(r.body_html).bind(r.created_at)
                    .fetch_one(&mut *$tx).await?;
                sqlx::query("INSERT INTO post_revisions (post_id, revision, body, editor_id, created_at) VALUES ($1, 1, $2, $3, $4)")
                    .bind(post_id).bind(r.body).bind(r.author_id).bind(r.created_at)
                    .execute(&mut *$tx).await?;
            }
            if let Some(last) = replies.iter().map(|r| r.created_at).max() {
                sqlx::query("UPDATE topics SET reply_count = reply_count + $1, \
                             last_posted_at = CASE WHEN last_posted_at < $2 THEN $2 ELSE last_posted_at END WHERE id = $3")
                    .bind(replies.len() as i64).bind(last).bind(topic_id)
                    .execute(&mut *$tx).await?;
            }
            Ok::<_, sqlx::Error>(())
        }
        .await
    };
}
use insert_replies;
