//! Moderation: the review queue, flags, sanctions (watched words: `watched_words.rs`), notifications and the
//! append-only audit log. Every moderator action writes its audit row in the same transaction
//! as the change itself, so the log never claims what did not happen (nor misses what did).

use super::BeginWrite;
use chrono::{DateTime, Utc};

use super::forum::log_change;
use super::{Store, StoreError, StoreResult, on_pool};

/// One entry of the review queue with what a moderator needs to decide.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueueItem {
    pub id: i64,
    pub kind: String,
    pub post_id: Option<i64>,
    pub topic_id: Option<i64>,
    pub topic_title: Option<String>,
    pub post_position: Option<i64>,
    pub post_status: Option<String>,
    pub post_body: Option<String>,
    /// The post as readers see it (sanitized HTML), for the queue page.
    pub post_html: Option<String>,
    pub user_id: i64,
    pub author_name: String,
    pub appeal_of: Option<i64>,
    /// JSON array of the moderation feature's `Reason`s.
    pub reasons: String,
    pub note: String,
    pub state: String,
    pub decision: Option<String>,
    pub handled_by: Option<i64>,
    pub handler_name: Option<String>,
    pub handled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub flag_weight: i64,
}

const ITEM_SELECT: &str = "SELECT i.id, i.kind, i.post_id, p.topic_id, t.title AS topic_title, \
    p.position AS post_position, p.status AS post_status, p.body AS post_body, p.body_html AS post_html, i.user_id, \
    u.display_name AS author_name, i.appeal_of, i.reasons, i.note, i.state, i.decision, i.handled_by, \
    h.display_name AS handler_name, i.handled_at, i.created_at, \
    CAST((SELECT COALESCE(SUM(f.weight), 0) FROM flags f WHERE f.post_id = i.post_id) AS BIGINT) AS flag_weight \
    FROM moderation_items i JOIN users u ON u.id = i.user_id LEFT JOIN posts p ON p.id = i.post_id \
    LEFT JOIN topics t ON t.id = p.topic_id LEFT JOIN users h ON h.id = i.handled_by";

/// Which queue items a list shows. `$1` state, `$2` kind or NULL.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub state: String,
    pub kind: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlagRow {
    pub reason: String,
    pub note: String,
    pub weight: i64,
    pub flagger_name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Sanction {
    pub id: i64,
    pub user_id: i64,
    pub kind: String,
    pub until: DateTime<Utc>,
    pub reason: String,
    pub by_id: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub kind: String,
    pub item_id: Option<i64>,
    pub topic_id: Option<i64>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// Whether the decision this notification reports was already appealed.
    pub appealed: bool,
    /// The post it is about (replies, mentions, watched items).
    pub post_id: Option<i64>,
    pub topic_title: Option<String>,
    /// Who wrote the post it is about.
    pub actor_name: Option<String>,
    pub read_at: Option<DateTime<Utc>>,
    /// False when the post it is about was deleted or hidden since (its title is not shown then).
    pub target_public: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: i64,
    pub actor_name: String,
    pub action: String,
    pub item_type: String,
    pub item_id: i64,
    pub reason: String,
    pub before_text: Option<String>,
    pub after_text: Option<String>,
    /// The topic the entry is about (a topic, a post, a queue item's post), for its title and link.
    pub topic_id: Option<i64>,
    pub topic_title: Option<String>,
    pub post_id: Option<i64>,
}

/// A moderator's decision on an open queue item.
pub struct Decision<'a> {
    pub item_id: i64,
    pub actor_id: i64,
    /// "approved" or "rejected".
    pub state: &'a str,
    /// The audit action name (approve, reject, edit_approve, appeal_grant, appeal_deny).
    pub action: &'a str,
    /// The post status to set, or `None` to leave the post as it is.
    pub post_status: Option<&'a str>,
    pub reason: &'a str,
    /// Edit-and-approve: the corrected body and its HTML.
    pub new_body: Option<(&'a str, &'a str)>,
    /// The notification kind sent to the author.
    pub notify: &'a str,
    /// A role the member is given with the approval (a ministry staff request), if still a member.
    pub grant_role: Option<crate::domain::Role>,
}

/// A moderator action on a topic or post outside the queue (lock, pin, move, hide, delete, merge).
pub struct TopicAction<'a> {
    pub actor_id: i64,
    pub action: &'a str,
    pub item_type: &'a str,
    pub item_id: i64,
    pub reason: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

/// A parameter of a moderation statement.
#[derive(Debug, Clone, Copy)]
/// A parameter of the statements of [`Store::audited`].
enum Arg {
    Int(i64),
    Bool(bool),
    Time(DateTime<Utc>),
}

/// A yes/no property of a topic that moderators set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicFlag {
    Locked,
    Pinned,
    /// Shown first on the home page.
    Featured,
}

pub struct NewFlag<'a> {
    pub post_id: i64,
    pub author_id: i64,
    pub user_id: i64,
    pub reason: &'a str,
    pub note: &'a str,
    pub weight: i64,
    /// Total weight at which the post is hidden until reviewed.
    pub threshold: i64,
}

pub struct NewSanction<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub until: DateTime<Utc>,
    pub reason: &'a str,
    pub by_id: i64,
}

/// Appends an audit row inside the caller's transaction.
macro_rules! audit {
    ($tx:expr, $actor:expr, $action:expr, $item_type:expr, $item_id:expr, $reason:expr, $before:expr, $after:expr) => {
        sqlx::query(
            "INSERT INTO audit_log (at, actor_id, action, item_type, item_id, reason, before_text, after_text) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(Utc::now())
        .bind($actor)
        .bind($action)
        .bind($item_type)
        .bind($item_id)
        .bind($reason)
        .bind($before)
        .bind($after)
        .execute(&mut *$tx)
        .await
    };
}

/// Records a held post in the queue inside the caller's transaction; a post already waiting
/// gets the new reasons instead of a second item.
/// A hold for patient data also makes the post's earlier revisions moderators-only for good.
macro_rules! hold_post {
    ($tx:expr, $post_id:expr, $author_id:expr, $reasons:expr) => {
        async {
            sqlx::query(
                "INSERT INTO moderation_items (kind, post_id, user_id, reasons, created_at) \
                         VALUES ('held_post', $1, $2, $3, $4) \
                         ON CONFLICT (kind, post_id) WHERE state = 'open' AND post_id IS NOT NULL \
                         DO UPDATE SET reasons = excluded.reasons",
            )
            .bind($post_id)
            .bind($author_id)
            .bind($reasons)
            .bind(Utc::now())
            .execute(&mut *$tx)
            .await?;
            sqlx::query("UPDATE posts SET private_history = TRUE WHERE id = $1 AND CAST($2 AS TEXT) LIKE '%\"patient_data\"%'")
                .bind($post_id)
                .bind($reasons)
                .execute(&mut *$tx)
                .await
        }
        .await
    };
}

/// Changes a post's status inside the caller's transaction, keeping its topic in step: an
/// opening post carries the topic's status, a reply the topic's reply count. Logs a search change.
macro_rules! set_post_status {
    ($tx:expr, $post_id:expr, $status:expr) => {
        async {
            let (topic_id, position, old): (i64, i64, String) =
                sqlx::query_as("SELECT topic_id, position, status FROM posts WHERE id = $1").bind($post_id).fetch_one(&mut *$tx).await?;
            let new: &str = $status;
            if old != new {
                sqlx::query("UPDATE posts SET status = $1 WHERE id = $2").bind(new).bind($post_id).execute(&mut *$tx).await?;
                if position == 1 {
                    sqlx::query("UPDATE topics SET status = $1 WHERE id = $2").bind(new).bind(topic_id).execute(&mut *$tx).await?;
                } else if old == "published" || new == "published" {
                    let delta: i64 = if new == "published" { 1 } else { -1 };
                    sqlx::query("UPDATE topics SET reply_count = reply_count + $1 WHERE id = $2")
                        .bind(delta)
                        .bind(topic_id)
                        .execute(&mut *$tx)
                        .await?;
                }
                log_change!($tx, "topic", topic_id)?;
            }
            Ok::<_, sqlx::Error>(())
        }
        .await
    };
}
pub(crate) use {audit, hold_post, set_post_status};

/// Queue items in state `$1` (and of kind `$2`, or NULL), oldest first; `$3` limit, `$4` offset.
pub(super) fn queue_sql() -> String {
    format!("{ITEM_SELECT} WHERE i.state = $1 AND ($2 IS NULL OR i.kind = $2) ORDER BY i.created_at, i.id LIMIT $3 OFFSET $4")
}

/// A member's notifications, newest first. `$1` member, `$2` limit.
pub(super) const NOTIFICATIONS: &str = "SELECT n.id, n.kind, n.item_id, n.topic_id, n.reason, n.created_at, \
                   EXISTS (SELECT 1 FROM moderation_items a WHERE a.appeal_of = n.item_id) AS appealed, \
                   n.post_id, t.title AS topic_title, u.display_name AS actor_name, n.read_at, \
                   (n.post_id IS NULL OR EXISTS (SELECT 1 FROM posts p JOIN topics pt ON pt.id = p.topic_id WHERE p.id = n.post_id \
                   AND p.status = 'published' AND p.deleted_at IS NULL AND pt.status = 'published' AND pt.deleted_at IS NULL)) AS target_public \
                   FROM notifications n LEFT JOIN topics t ON t.id = n.topic_id LEFT JOIN users u ON u.id = n.actor_id \
                   WHERE n.user_id = $1 ORDER BY n.created_at DESC, n.id DESC LIMIT $2";

/// Audit entries with an id below `$1`, newest first; `$2` limit.
/// The topic an entry is about (a topic, a post's topic, a queue item's post's topic) is joined
/// by primary key, so the page names it by title and links it.
pub(super) const AUDIT_BEFORE: &str = "SELECT a.id, a.at, a.actor_id, u.display_name AS actor_name, a.action, a.item_type, \
    a.item_id, a.reason, a.before_text, a.after_text, t.id AS topic_id, t.title AS topic_title, p.id AS post_id \
    FROM audit_log a JOIN users u ON u.id = a.actor_id \
    LEFT JOIN moderation_items mi ON a.item_type = 'queue_item' AND mi.id = a.item_id \
    LEFT JOIN posts p ON p.id = CASE WHEN a.item_type = 'post' THEN a.item_id WHEN a.item_type = 'queue_item' THEN mi.post_id END \
    LEFT JOIN topics t ON t.id = CASE WHEN a.item_type = 'topic' THEN a.item_id ELSE p.topic_id END \
    WHERE a.id < $1 ORDER BY a.id DESC LIMIT $2";

impl Store {
    /// Queue items in a state (and of a kind), oldest first.
    pub async fn queue(&self, filter: &QueueFilter, limit: i64, offset: i64) -> StoreResult<Vec<QueueItem>> {
        let sql = queue_sql();
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(&filter.state).bind(filter.kind.as_deref()).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn count_queue(&self, filter: &QueueFilter) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM moderation_items i WHERE i.state = $1 AND ($2 IS NULL OR i.kind = $2)";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(&filter.state).bind(filter.kind.as_deref()).fetch_one(pool).await?);
        Ok(n)
    }

    pub async fn queue_item(&self, id: i64) -> StoreResult<QueueItem> {
        let sql = format!("{ITEM_SELECT} WHERE i.id = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(pool).await?);
        Ok(row)
    }

    /// The open queue item about a post, if any (its reasons are shown to the author).
    pub async fn open_item_for_post(&self, post_id: i64) -> StoreResult<Option<QueueItem>> {
        let sql = format!("{ITEM_SELECT} WHERE i.post_id = $1 AND i.state = 'open' ORDER BY i.id LIMIT 1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(post_id).fetch_optional(pool).await?);
        Ok(row)
    }

    pub async fn flags_for_post(&self, post_id: i64) -> StoreResult<Vec<FlagRow>> {
        let sql = "SELECT f.reason, f.note, f.weight, u.display_name AS flagger_name, f.created_at \
                   FROM flags f JOIN users u ON u.id = f.user_id WHERE f.post_id = $1 ORDER BY f.created_at";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(post_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Decides an open item: the conditional UPDATE lets exactly one moderator win (`Conflict`
    /// for the others); the post change, audit row and author notification share its transaction.
    pub async fn decide(&self, d: &Decision<'_>) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let claimed: Option<(Option<i64>, i64)> = sqlx::query_as(
                "UPDATE moderation_items SET state = $1, decision = $2, handled_by = $3, handled_at = $4 \
                 WHERE id = $5 AND state = 'open' RETURNING post_id, user_id")
                .bind(d.state).bind(d.reason).bind(d.actor_id).bind(now).bind(d.item_id)
                .fetch_optional(&mut *tx).await?;
            let Some((post_id, author_id)) = claimed else { return Err(StoreError::Conflict) };
            let mut before: Option<String> = None;
            let mut topic_id: Option<i64> = None;
            if let Some(post_id) = post_id {
                let (body, topic): (String, i64) = sqlx::query_as("SELECT body, topic_id FROM posts WHERE id = $1")
                    .bind(post_id).fetch_one(&mut *tx).await?;
                before = Some(body);
                topic_id = Some(topic);
                if let Some((body, html)) = d.new_body {
                    let revision: i64 = sqlx::query_scalar(
                        "UPDATE posts SET body = $1, body_html = $2, revision = revision + 1, updated_at = $3 \
                         WHERE id = $4 RETURNING revision")
                        .bind(body).bind(html).bind(now).bind(post_id).fetch_one(&mut *tx).await?;
                    sqlx::query("INSERT INTO post_revisions (post_id, revision, body, editor_id, created_at) \
                                 VALUES ($1, $2, $3, $4, $5)")
                        .bind(post_id).bind(revision).bind(body).bind(d.actor_id).bind(now).execute(&mut *tx).await?;
                    // A moderator who edits before approving edits for privacy.
                    sqlx::query("UPDATE posts SET private_history = TRUE WHERE id = $1").bind(post_id).execute(&mut *tx).await?;
                    log_change!(tx, "topic", topic)?;
                }
                if let Some(status) = d.post_status {
                    set_post_status!(tx, post_id, status)?;
                }
            }
            let after = d.new_body.map(|(body, _)| body);
            audit!(tx, d.actor_id, d.action, "queue_item", d.item_id, d.reason, before.as_deref(), after)?;
            if let Some(role) = d.grant_role {
                // Only a member is raised: a moderator or admin keeps the role they have.
                let changed = sqlx::query("UPDATE users SET role = $1 WHERE id = $2 AND role = 'member'")
                    .bind(role.as_str()).bind(author_id).execute(&mut *tx).await?.rows_affected();
                if changed == 1 {
                    audit!(tx, d.actor_id, "grant_role", "user", author_id, d.reason, Some("member"), Some(role.as_str()))?;
                }
            }
            sqlx::query("INSERT INTO notifications (user_id, kind, item_id, topic_id, reason, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(author_id).bind(d.notify).bind(d.item_id).bind(topic_id).bind(d.reason).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Puts a new account in the queue for approval.
    pub async fn queue_account(&self, user_id: i64) -> StoreResult<i64> {
        let sql = "INSERT INTO moderation_items (kind, user_id, created_at) VALUES ('account', $1, $2) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(Utc::now()).fetch_one(pool).await?);
        Ok(id)
    }

    /// Asks moderators to make a member ministry staff, with what supports it (`note`). Returns
    /// false when a request of theirs is already waiting (it is not repeated).
    pub async fn request_ministry(&self, user_id: i64, note: &str) -> StoreResult<bool> {
        let sql = "INSERT INTO moderation_items (kind, user_id, note, created_at) VALUES ('ministry_request', $1, $2, $3) \
                   ON CONFLICT (user_id) WHERE kind = 'ministry_request' AND state = 'open' DO NOTHING";
        let n = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(note).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(n == 1)
    }

    /// The state of the member's latest ministry staff request ("open", "approved", "rejected"), if any.
    pub async fn ministry_request_state(&self, user_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT state FROM moderation_items WHERE kind = 'ministry_request' AND user_id = $1 ORDER BY id DESC LIMIT 1";
        let state = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_optional(pool).await?);
        Ok(state)
    }

    /// The state of the latest approval item of an account ("open", "approved", "rejected"), if any.
    pub async fn account_review(&self, user_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT state FROM moderation_items WHERE kind = 'account' AND user_id = $1 ORDER BY id DESC LIMIT 1";
        let state = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_optional(pool).await?);
        Ok(state)
    }

    /// Opens an appeal against a decided item; `Conflict` when it was already appealed.
    pub async fn create_appeal(&self, item: &QueueItem, note: &str) -> StoreResult<i64> {
        let sql = "INSERT INTO moderation_items (kind, post_id, user_id, appeal_of, note, created_at) \
                   VALUES ('appeal', $1, $2, $3, $4, $5) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(item.post_id).bind(item.user_id).bind(item.id).bind(note).bind(Utc::now())
            .fetch_one(pool).await?);
        Ok(id)
    }

    /// Records a flag and, once the post's unreviewed flags weigh `threshold`, hides the post
    /// until a moderator decides. `Conflict` when this member already flagged the post.
    /// Returns whether the post is now hidden.
    pub async fn add_flag(&self, f: &NewFlag<'_>) -> StoreResult<bool> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("INSERT INTO flags (post_id, user_id, reason, note, weight, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(f.post_id).bind(f.user_id).bind(f.reason).bind(f.note).bind(f.weight).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO moderation_items (kind, post_id, user_id, created_at) VALUES ('flagged_post', $1, $2, $3) \
                         ON CONFLICT (kind, post_id) WHERE state = 'open' AND post_id IS NOT NULL DO NOTHING")
                .bind(f.post_id).bind(f.author_id).bind(now).execute(&mut *tx).await?;
            // Flags already reviewed (the post was approved after them) no longer count.
            let reviewed_at: Option<DateTime<Utc>> = sqlx::query_scalar(
                "SELECT MAX(handled_at) FROM moderation_items WHERE kind = 'flagged_post' AND post_id = $1 AND state <> 'open'")
                .bind(f.post_id).fetch_one(&mut *tx).await?;
            let since = reviewed_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
            let weight: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(weight), 0) AS BIGINT) FROM flags WHERE post_id = $1 AND created_at > $2")
                .bind(f.post_id).bind(since).fetch_one(&mut *tx).await?;
            let status: String = sqlx::query_scalar("SELECT status FROM posts WHERE id = $1").bind(f.post_id).fetch_one(&mut *tx).await?;
            let hide = weight >= f.threshold && status == "published";
            if hide {
                set_post_status!(tx, f.post_id, "pending")?;
            }
            tx.commit().await?;
            Ok(hide || status != "published")
        })
    }

    /// Locks/unlocks or pins/unpins a topic, audited. Pinning changes the order of listings,
    /// which the search index does not hold, but the change is logged like any visible change.
    pub async fn set_topic_flag_audited(&self, topic_id: i64, flag: TopicFlag, on: bool, a: &TopicAction<'_>) -> StoreResult<()> {
        let sql = match flag {
            TopicFlag::Locked => "UPDATE topics SET locked = $1 WHERE id = $2 AND deleted_at IS NULL",
            TopicFlag::Pinned => "UPDATE topics SET pinned = $1 WHERE id = $2 AND deleted_at IS NULL",
            TopicFlag::Featured => "UPDATE topics SET featured = $1 WHERE id = $2 AND deleted_at IS NULL",
        };
        let changed: &[i64] = if flag == TopicFlag::Pinned { &[topic_id] } else { &[] };
        self.audited(a, &[(sql, vec![Arg::Bool(on), Arg::Int(topic_id)])], changed).await
    }

    /// Moves a topic to another category, audited.
    pub async fn move_topic_audited(&self, topic_id: i64, category_id: i64, a: &TopicAction<'_>) -> StoreResult<()> {
        let sql = "UPDATE topics SET category_id = $1 WHERE id = $2 AND deleted_at IS NULL";
        self.audited(a, &[(sql, vec![Arg::Int(category_id), Arg::Int(topic_id)])], &[topic_id]).await
    }

    /// Appends a duplicate topic's posts to `into` (after its last position, `offset`) and
    /// deletes the duplicate, audited.
    pub async fn merge_topics_audited(
        &self,
        topic_id: i64,
        into: i64,
        offset: i64,
        at: DateTime<Utc>,
        a: &TopicAction<'_>,
    ) -> StoreResult<()> {
        let statements = [
            (
                "UPDATE posts SET topic_id = $1, position = position + $2 WHERE topic_id = $3",
                vec![Arg::Int(into), Arg::Int(offset), Arg::Int(topic_id)],
            ),
            ("UPDATE topics SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL", vec![Arg::Time(at), Arg::Int(topic_id)]),
            (
                "UPDATE topics SET reply_count = (SELECT COUNT(*) FROM posts WHERE topic_id = $1 AND status = 'published' AND deleted_at IS NULL) - 1 WHERE id = $1",
                vec![Arg::Int(into)],
            ),
        ];
        self.audited(a, &statements, &[topic_id, into]).await
    }

    /// A moderator action on a topic or post with its audit row, in one transaction.
    /// `statements` (SQL and its parameters) run first, each must change a row (else
    /// `NotFound` and nothing is written); each of `changed_topics` gets a search change.
    async fn audited(&self, a: &TopicAction<'_>, statements: &[(&str, Vec<Arg>)], changed_topics: &[i64]) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for (sql, params) in statements {
                let mut query = sqlx::query(sqlx::AssertSqlSafe(*sql));
                for param in params {
                    query = match param {
                        Arg::Int(v) => query.bind(*v),
                        Arg::Bool(v) => query.bind(*v),
                        Arg::Time(v) => query.bind(*v),
                    };
                }
                let done = query.execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
            }
            for topic_id in changed_topics {
                log_change!(tx, "topic", *topic_id)?;
            }
            audit!(tx, a.actor_id, a.action, a.item_type, a.item_id, a.reason, a.before, a.after)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Hides (`rejected`) or restores a post, with its audit row and the author's notification
    /// (`notify` kind), in one transaction.
    pub async fn set_post_status_audited(&self, post_id: i64, status: &str, a: &TopicAction<'_>, notify: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            set_post_status!(tx, post_id, status)?;
            audit!(tx, a.actor_id, a.action, a.item_type, a.item_id, a.reason, a.before, a.after)?;
            sqlx::query("INSERT INTO notifications (user_id, kind, topic_id, reason, created_at) \
                         SELECT author_id, $1, topic_id, $2, $3 FROM posts WHERE id = $4")
                .bind(notify).bind(a.reason).bind(Utc::now()).bind(post_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn add_sanction(&self, s: &NewSanction<'_>) -> StoreResult<i64> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar("INSERT INTO sanctions (user_id, kind, until, reason, by_id, created_at) \
                                              VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
                .bind(s.user_id).bind(s.kind).bind(s.until).bind(s.reason).bind(s.by_id).bind(now)
                .fetch_one(&mut *tx).await?;
            let after = format!("{} until {}", s.kind, s.until.to_rfc3339());
            audit!(tx, s.by_id, s.kind, "user", s.user_id, s.reason, None::<&str>, Some(after.as_str()))?;
            sqlx::query("INSERT INTO notifications (user_id, kind, reason, created_at) VALUES ($1, $2, $3, $4)")
                .bind(s.user_id).bind(s.kind).bind(s.reason).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// The sanction in force on a user now, suspensions before silences.
    pub async fn active_sanction(&self, user_id: i64) -> StoreResult<Option<Sanction>> {
        let sql = "SELECT id, user_id, kind, until, reason, by_id, created_at FROM sanctions \
                   WHERE user_id = $1 AND until > $2 ORDER BY CASE kind WHEN 'suspend' THEN 0 ELSE 1 END, until DESC LIMIT 1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(Utc::now()).fetch_optional(pool).await?);
        Ok(row)
    }

    pub async fn notifications(&self, user_id: i64, limit: i64) -> StoreResult<Vec<Notification>> {
        let sql = NOTIFICATIONS;
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Audit entries older than `before` (an entry id; `None`: the newest), newest first. A page
    /// is found by its key, not an offset: the millionth entry costs what the first does.
    pub async fn audit_log(&self, before: Option<i64>, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        let rows = on_pool!(self, pool => sqlx::query_as(AUDIT_BEFORE)
            .bind(before.unwrap_or(i64::MAX)).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The highest post position in a topic (0 when it has none).
    pub async fn max_position(&self, topic_id: i64) -> StoreResult<i64> {
        let sql = "SELECT COALESCE(MAX(position), 0) FROM posts WHERE topic_id = $1";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_one(pool).await?);
        Ok(n)
    }
}
