//! Following and being told: handles, watches, notifications (each also the outbox row of its
//! own mail), per-member mail settings, the weekly digest outbox and the server's own secrets.

use super::BeginWrite;
use chrono::{DateTime, Utc};

use super::engagement::TOPIC_HELPFUL;
use super::{Store, StoreError, StoreResult, on_pool};

/// One thing to tell one member.
#[derive(Debug, Clone)]
pub struct NewNotification<'a> {
    pub user_id: i64,
    pub kind: &'a str,
    pub topic_id: i64,
    pub post_id: i64,
    /// Who wrote the post; none for the author of an anonymous case study.
    pub actor_id: Option<i64>,
}

/// A notification with what its mail needs: the recipient's address, the topic and the author.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MailJob {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub kind: String,
    pub reason: String,
    pub topic_id: Option<i64>,
    pub post_id: Option<i64>,
    pub topic_title: Option<String>,
    pub actor_name: Option<String>,
    pub attempts: i64,
}

/// A queued weekly digest and its recipient.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestJob {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub display_name: String,
    pub week: String,
    pub attempts: i64,
}

/// A practice in the weekly digest.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestTopic {
    pub id: i64,
    pub title: String,
    pub kind: String,
    pub summary: Option<String>,
    pub reply_count: i64,
    pub category_vi: String,
    pub category_en: String,
}

/// Which kinds a member wants by email, the digest, and whether replying watches a topic.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotifySettings {
    pub email_replies: bool,
    pub email_mentions: bool,
    pub email_watched: bool,
    pub email_moderation: bool,
    pub digest: bool,
    pub watch_on_reply: bool,
    pub language: String,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            email_replies: true,
            email_mentions: true,
            email_watched: true,
            email_moderation: true,
            digest: true,
            watch_on_reply: true,
            language: "vi".into(),
        }
    }
}

/// A watch as the API lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WatchRow {
    pub target_kind: String,
    pub target_id: i64,
    pub level: String,
    pub created_at: DateTime<Utc>,
}

impl Store {
    // --- handles ---------------------------------------------------------------------------

    /// Gives a user `base` as handle, or `base` + their id when taken (then + a counter).
    pub async fn assign_handle(&self, user_id: i64, base: &str) -> StoreResult<String> {
        let mut candidates = vec![base.to_string(), format!("{base}{user_id}")];
        candidates.extend((2..20).map(|n| format!("{base}{user_id}_{n}")));
        for handle in candidates {
            match self.set_handle(user_id, &handle).await {
                Ok(()) => return Ok(handle),
                Err(StoreError::Conflict) => continue,
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Conflict)
    }

    /// Sets a user's handle; `Conflict` when someone else has it.
    pub async fn set_handle(&self, user_id: i64, handle: &str) -> StoreResult<()> {
        let sql = "UPDATE users SET handle = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(handle).bind(user_id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn handle_of(&self, user_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT handle FROM users WHERE id = $1";
        let h = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(h)
    }

    /// Users that have no handle yet (accounts made before handles, or by bulk import).
    pub async fn users_without_handle(&self) -> StoreResult<Vec<(i64, String)>> {
        let sql = "SELECT id, display_name FROM users WHERE handle IS NULL ORDER BY id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The ids of the users with these handles, as (handle, id).
    pub async fn users_by_handles(&self, handles: &[String]) -> StoreResult<Vec<(String, i64)>> {
        let mut found = Vec::new();
        for handle in handles {
            let sql = "SELECT handle, id FROM users WHERE handle = $1";
            let row: Option<(String, i64)> = on_pool!(self, pool => sqlx::query_as(sql).bind(handle).fetch_optional(pool).await?);
            found.extend(row);
        }
        Ok(found)
    }

    // --- watches ---------------------------------------------------------------------------

    /// Watches (`watching`) or stops watching (`muted`) a target; replaces an earlier choice.
    pub async fn set_watch(&self, user_id: i64, kind: &str, target_id: i64, level: &str) -> StoreResult<()> {
        let sql = "INSERT INTO watches (user_id, target_kind, target_id, level, created_at) VALUES ($1, $2, $3, $4, $5) \
                   ON CONFLICT (user_id, target_kind, target_id) DO UPDATE SET level = excluded.level";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(kind).bind(target_id).bind(level).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Watches a target unless the member already chose (watching or muted).
    pub async fn watch_unless_chosen(&self, user_id: i64, kind: &str, target_id: i64) -> StoreResult<()> {
        let sql = "INSERT INTO watches (user_id, target_kind, target_id, level, created_at) VALUES ($1, $2, $3, 'watching', $4) \
                   ON CONFLICT (user_id, target_kind, target_id) DO NOTHING";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(kind).bind(target_id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn watch_level(&self, user_id: i64, kind: &str, target_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT level FROM watches WHERE user_id = $1 AND target_kind = $2 AND target_id = $3";
        let level = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).bind(kind).bind(target_id).fetch_optional(pool).await?);
        Ok(level)
    }

    /// Members watching a target.
    pub async fn watchers(&self, kind: &str, target_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT user_id FROM watches WHERE target_kind = $1 AND target_id = $2 AND level = 'watching' ORDER BY user_id";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(kind).bind(target_id).fetch_all(pool).await?);
        Ok(ids)
    }

    pub async fn watches_of(&self, user_id: i64) -> StoreResult<Vec<WatchRow>> {
        let sql = "SELECT target_kind, target_id, level, created_at FROM watches WHERE user_id = $1 ORDER BY created_at DESC";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn tag_id(&self, slug: &str) -> StoreResult<i64> {
        let sql = "SELECT id FROM tags WHERE slug = $1";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(slug).fetch_one(pool).await?);
        Ok(id)
    }

    /// Tag ids of a topic.
    pub async fn topic_tag_ids(&self, topic_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT tag_id FROM topic_tags WHERE topic_id = $1";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_all(pool).await?);
        Ok(ids)
    }

    /// Library documents a post cites.
    pub async fn post_guidance_ids(&self, post_id: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT guidance_id FROM post_guidance WHERE post_id = $1";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(post_id).fetch_all(pool).await?);
        Ok(ids)
    }

    // --- notifications ---------------------------------------------------------------------

    /// Stores notifications (and so queues their mail, due at `mail_at`) in one transaction.
    pub async fn insert_notifications(&self, list: &[NewNotification<'_>], mail_at: DateTime<Utc>) -> StoreResult<()> {
        if list.is_empty() {
            return Ok(());
        }
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for n in list {
                sqlx::query("INSERT INTO notifications (user_id, kind, topic_id, post_id, actor_id, created_at, mail_next_at) \
                             VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(n.user_id).bind(n.kind).bind(n.topic_id).bind(n.post_id).bind(n.actor_id).bind(now).bind(mail_at)
                    .execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn unread_count(&self, user_id: i64) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(n)
    }

    /// Marks one of the member's notifications read; `NotFound` when it is not theirs.
    pub async fn mark_read(&self, user_id: i64, id: i64) -> StoreResult<()> {
        let sql = "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND user_id = $3";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(Utc::now()).bind(id).bind(user_id).execute(pool).await?.rows_affected());
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn mark_all_read(&self, user_id: i64) -> StoreResult<u64> {
        let sql = "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(Utc::now()).bind(user_id).execute(pool).await?.rows_affected());
        Ok(done)
    }

    /// (topic id, post id) a notification of this member points at; `NotFound` when not theirs.
    pub async fn notification_target(&self, user_id: i64, id: i64) -> StoreResult<(Option<i64>, Option<i64>)> {
        let sql = "SELECT topic_id, post_id FROM notifications WHERE id = $1 AND user_id = $2";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(id).bind(user_id).fetch_one(pool).await?);
        Ok(row)
    }

    // --- settings --------------------------------------------------------------------------

    pub async fn notify_settings(&self, user_id: i64) -> StoreResult<NotifySettings> {
        let sql = "SELECT email_replies, email_mentions, email_watched, email_moderation, digest, watch_on_reply, language \
                   FROM notify_settings WHERE user_id = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_optional(pool).await?);
        Ok(row.unwrap_or_default())
    }

    pub async fn save_notify_settings(&self, user_id: i64, s: &NotifySettings) -> StoreResult<()> {
        let sql = "INSERT INTO notify_settings (user_id, email_replies, email_mentions, email_watched, email_moderation, digest, watch_on_reply, language) \
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (user_id) DO UPDATE SET \
                   email_replies = excluded.email_replies, email_mentions = excluded.email_mentions, \
                   email_watched = excluded.email_watched, email_moderation = excluded.email_moderation, \
                   digest = excluded.digest, watch_on_reply = excluded.watch_on_reply, language = excluded.language";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(s.email_replies).bind(s.email_mentions).bind(s.email_watched)
            .bind(s.email_moderation).bind(s.digest).bind(s.watch_on_reply).bind(&s.language).execute(pool).await?.rows_affected());
        Ok(())
    }

    // --- mail outbox -----------------------------------------------------------------------

    /// Notifications whose mail is due, oldest first.
    pub async fn due_mails(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<MailJob>> {
        let sql = "SELECT n.id, n.user_id, u.email, u.display_name, n.kind, n.reason, n.topic_id, n.post_id, \
                   t.title AS topic_title, a.display_name AS actor_name, n.mail_attempts AS attempts \
                   FROM notifications n JOIN users u ON u.id = n.user_id \
                   LEFT JOIN topics t ON t.id = n.topic_id LEFT JOIN users a ON a.id = n.actor_id \
                   WHERE n.mail_state = 'queued' AND (n.mail_next_at IS NULL OR n.mail_next_at <= $1) \
                   ORDER BY n.id LIMIT $2";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(now).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Records what became of a notification's mail (`sent`, `off`, `dropped`, `failed`).
    pub async fn set_mail_state(&self, id: i64, state: &str) -> StoreResult<()> {
        let sql = "UPDATE notifications SET mail_state = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(state).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn retry_mail_at(&self, id: i64, attempts: i64, next: DateTime<Utc>) -> StoreResult<()> {
        let sql = "UPDATE notifications SET mail_attempts = $1, mail_next_at = $2 WHERE id = $3";
        on_pool!(self, pool => sqlx::query(sql).bind(attempts).bind(next).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Queues this week's digest for every member who wants it (once per member and week);
    /// placeholder accounts of imported authors get none. Returns how many were queued.
    pub async fn queue_digests(&self, week: &str) -> StoreResult<u64> {
        let now = Utc::now();
        let sql = "INSERT INTO digest_outbox (user_id, week, next_at, created_at) \
                   SELECT u.id, $1, $2, $2 FROM users u LEFT JOIN notify_settings s ON s.user_id = u.id \
                   WHERE (s.user_id IS NULL OR s.digest) AND u.email_lower NOT LIKE '%@goodpractice.invalid' \
                   ON CONFLICT (user_id, week) DO NOTHING";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(week).bind(now).execute(pool).await?.rows_affected());
        Ok(done)
    }

    pub async fn due_digests(&self, now: DateTime<Utc>, limit: i64) -> StoreResult<Vec<DigestJob>> {
        let sql = "SELECT d.id, d.user_id, u.email, u.display_name, d.week, d.attempts FROM digest_outbox d \
                   JOIN users u ON u.id = d.user_id WHERE d.state = 'queued' AND d.next_at <= $1 ORDER BY d.id LIMIT $2";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(now).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn set_digest_state(&self, id: i64, state: &str) -> StoreResult<()> {
        let sql = "UPDATE digest_outbox SET state = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(state).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn retry_digest_at(&self, id: i64, attempts: i64, next: DateTime<Utc>) -> StoreResult<()> {
        let sql = "UPDATE digest_outbox SET attempts = $1, next_at = $2 WHERE id = $3";
        on_pool!(self, pool => sqlx::query(sql).bind(attempts).bind(next).bind(id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Whether this week's digests were already queued.
    pub async fn digest_week_queued(&self, week: &str) -> StoreResult<bool> {
        let sql = "SELECT COUNT(*) FROM digest_outbox WHERE week = $1";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(week).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Good practices and case studies published in [since, until), most marked helpful first, then most replied.
    pub async fn digest_topics(&self, since: DateTime<Utc>, until: DateTime<Utc>, limit: i64) -> StoreResult<Vec<DigestTopic>> {
        // The best of the week: what colleagues marked helpful, then what they discussed most.
        let sql = format!(
            "SELECT t.id, t.title, t.kind, t.summary, t.reply_count, c.name_vi AS category_vi, c.name_en AS category_en \
             FROM topics t JOIN categories c ON c.id = t.category_id \
             WHERE t.kind IN ('good_practice', 'case_study') AND t.status = 'published' AND t.deleted_at IS NULL \
             AND t.created_at >= $1 AND t.created_at < $2 ORDER BY {TOPIC_HELPFUL} DESC, t.reply_count DESC, t.created_at DESC LIMIT $3"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(since).bind(until).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    // --- secrets ---------------------------------------------------------------------------

    /// The secret called `name`, made from `fresh` the first time (the first writer wins when
    /// several processes start together).
    pub async fn secret_or_insert(&self, name: &str, fresh: &str) -> StoreResult<String> {
        on_pool!(self, pool => {
            sqlx::query("INSERT INTO server_secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name).bind(fresh).execute(pool).await?;
            let value = sqlx::query_scalar("SELECT value FROM server_secrets WHERE name = $1").bind(name).fetch_one(pool).await?;
            Ok(value)
        })
    }

    /// Turns every kind of mail off for a member (one-click unsubscribe).
    pub async fn unsubscribe_all(&self, user_id: i64) -> StoreResult<()> {
        let mut s = self.notify_settings(user_id).await?;
        s.email_replies = false;
        s.email_mentions = false;
        s.email_watched = false;
        s.email_moderation = false;
        s.digest = false;
        self.save_notify_settings(user_id, &s).await
    }
}

impl Store {
    pub async fn tag_slug(&self, id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT slug FROM tags WHERE id = $1";
        let slug = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id).fetch_optional(pool).await?);
        Ok(slug)
    }

    /// Whether a library document with this id exists and is not deleted.
    pub async fn guidance_exists(&self, id: i64) -> StoreResult<bool> {
        let sql = "SELECT COUNT(*) FROM guidance_documents WHERE id = $1 AND deleted_at IS NULL";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id).fetch_one(pool).await?);
        Ok(n > 0)
    }
}

impl Store {
    /// Claims a queued notification mail until `until`; false when another process has it.
    pub async fn claim_mail(&self, id: i64, until: DateTime<Utc>) -> StoreResult<bool> {
        let sql = "UPDATE notifications SET mail_next_at = $1 WHERE id = $2 AND mail_state = 'queued' \
                   AND (mail_next_at IS NULL OR mail_next_at <= $3)";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(until).bind(id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }

    pub async fn claim_digest(&self, id: i64, until: DateTime<Utc>) -> StoreResult<bool> {
        let sql = "UPDATE digest_outbox SET next_at = $1 WHERE id = $2 AND state = 'queued' AND next_at <= $3";
        let done = on_pool!(self, pool => sqlx::query(sql).bind(until).bind(id).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(done == 1)
    }
}
