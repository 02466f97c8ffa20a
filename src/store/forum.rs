//! Categories, topics, posts and tags (a post's earlier versions: `revisions.rs`).

use super::BeginWrite;
use chrono::{DateTime, Utc};

use super::attachments::link_post_attachments;
use super::guidance::write_post_guidance;
use super::{GuidanceLinks, Store, StoreError, StoreResult, on_pool};
use crate::domain::{Status, Tag, TopicKind};

/// A tag is labelled as first typed; a label that is only the slug (a tag from before labels,
/// or first typed as a slug) gives way to the first label typed with more than the slug.
pub(super) const INSERT_TAG: &str = "INSERT INTO tags (slug, label) VALUES ($1, $2) \
    ON CONFLICT (slug) DO UPDATE SET label = excluded.label WHERE tags.label = tags.slug AND excluded.label <> excluded.slug";

/// A tag as shown: its slug (URL) and label.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, serde::Serialize)]
pub struct TagRow {
    pub slug: String,
    pub label: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name_vi: String,
    pub name_en: String,
    pub description_vi: String,
    pub description_en: String,
    pub topic_count: i64,
    /// Readable, but takes no new topics (the admin's categories page).
    pub archived: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicRow {
    pub id: i64,
    pub category_slug: String,
    pub category_name_vi: String,
    pub category_name_en: String,
    pub author_id: i64,
    pub author_name: String,
    #[sqlx(try_from = "String")]
    pub kind: TopicKind,
    pub title: String,
    pub summary: Option<String>,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub reply_count: i64,
    pub created_at: DateTime<Utc>,
    pub last_posted_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub locked: bool,
    pub pinned: bool,
    pub anonymous: bool,
    pub hospital_tier: Option<String>,
    pub anon_province: Option<String>,
    /// Helpful marks on the topic's visible posts (kept by migration 0025's triggers); shown by
    /// the "most helpful" listing. Statements that build rows without `TOPIC_SELECT` leave it 0.
    #[sqlx(default)]
    pub helpful_count: i64,
}

/// A topic as listed on the home and category pages.
pub type TopicSummary = TopicRow;

pub(super) const TOPIC_SELECT: &str = "SELECT t.id, c.slug AS category_slug, c.name_vi AS category_name_vi, \
    c.name_en AS category_name_en, t.author_id, \
    CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author_name, t.kind, t.title, \
    t.summary, t.status, t.reply_count, t.created_at, t.last_posted_at, t.deleted_at, \
    t.locked, t.pinned, t.anonymous, t.hospital_tier, t.anon_province, t.helpful_count \
    FROM topics t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id";

pub(super) const VISIBLE_TOPIC: &str = "t.status = 'published' AND t.deleted_at IS NULL";

/// `$1`: category id or NULL; `$2`: tag slug or NULL.
pub(super) const FILTERED: &str = "($1 IS NULL OR t.category_id = $1) AND ($2 IS NULL OR EXISTS \
    (SELECT 1 FROM topic_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.topic_id = t.id AND g.slug = $2))";

/// The order of topic listings, which the `*_listing` partial indexes of migration 0015 hold.
const LISTING_ORDER: &str = "t.pinned DESC, t.last_posted_at DESC, t.id DESC";

/// Which visible topics a listing holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Scope {
    All,
    /// `$1`: the category id.
    Category,
    /// `$1`: the tag slug.
    Tag,
    /// `$1`: the category id, `$2`: the tag slug.
    CategoryAndTag,
}

impl Scope {
    fn of(filter: &TopicFilter<'_>) -> Self {
        match (filter.category_id, filter.tag) {
            (None, None) => Scope::All,
            (Some(_), None) => Scope::Category,
            (None, Some(_)) => Scope::Tag,
            (Some(_), Some(_)) => Scope::CategoryAndTag,
        }
    }

    /// The ids of one page of the listing, walked along its `*_listing` index, and how many
    /// placeholders come before the limit and the offset. A tag's topics are walked along the
    /// listing keys each tag row carries (migration 0022), never sorted per request.
    fn page_ids(self) -> (String, usize) {
        const TAGGED: &str = "SELECT tt.topic_id FROM topic_tags tt WHERE tt.tag_id = (SELECT g.id FROM tags g WHERE g.slug = $1) \
            AND tt.listed = TRUE ORDER BY tt.pinned DESC, tt.last_posted_at DESC, tt.topic_id DESC";
        match self {
            Scope::All => (format!("SELECT t.id FROM topics t WHERE {VISIBLE_TOPIC} ORDER BY {LISTING_ORDER}"), 0),
            Scope::Category => {
                (format!("SELECT t.id FROM topics t WHERE {VISIBLE_TOPIC} AND t.category_id = $1 ORDER BY {LISTING_ORDER}"), 1)
            }
            Scope::Tag => (TAGGED.to_string(), 1),
            Scope::CategoryAndTag => (
                "SELECT tt.topic_id FROM topic_tags tt JOIN topics t ON t.id = tt.topic_id \
                WHERE tt.tag_id = (SELECT g.id FROM tags g WHERE g.slug = $2) AND tt.listed = TRUE AND t.category_id = $1 \
                ORDER BY tt.pinned DESC, tt.last_posted_at DESC, tt.topic_id DESC"
                    .to_string(),
                2,
            ),
        }
    }
}

/// A page of a listing. The ids are walked along the listing's index first, so an offset costs
/// index entries rather than joined rows; then only the page's rows are joined. The scope's
/// placeholders come first, then the limit and the offset.
pub(super) fn latest_sql(scope: Scope) -> String {
    let (page_ids, n) = scope.page_ids();
    format!("{TOPIC_SELECT} WHERE t.id IN ({page_ids} LIMIT ${} OFFSET ${}) ORDER BY {LISTING_ORDER}", n + 1, n + 2)
}

/// A member's visible topics, newest first. `$1` author, `$2` limit. Anonymous case studies never
/// appear under their author's name.
pub(super) fn by_author_sql() -> String {
    format!(
        "{TOPIC_SELECT} WHERE {VISIBLE_TOPIC} AND t.author_id = $1 AND t.anonymous = FALSE ORDER BY t.created_at DESC, t.id DESC LIMIT $2"
    )
}

/// A page of a topic's posts in order. `$1` topic, `$2` limit, `$3` offset.
pub(super) fn topic_posts_sql() -> String {
    format!("{POST_SELECT} WHERE p.topic_id = $1 ORDER BY p.position LIMIT $2 OFFSET $3")
}

/// Which topics a list shows.
#[derive(Debug, Default, Clone, Copy)]
pub struct TopicFilter<'a> {
    pub category_id: Option<i64>,
    pub tag: Option<&'a str>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostRow {
    pub id: i64,
    pub topic_id: i64,
    pub author_id: i64,
    pub author_name: String,
    pub author_job_title: String,
    pub author_hospital: String,
    pub position: i64,
    pub body: String,
    pub body_html: String,
    #[sqlx(try_from = "String")]
    pub status: Status,
    pub revision: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    /// Its history held patient data (or a moderator edited it): earlier revisions are for
    /// moderators only.
    pub private_history: bool,
}

const POST_SELECT: &str = "SELECT p.id, p.topic_id, p.author_id, u.display_name AS author_name, \
    u.job_title AS author_job_title, u.hospital AS author_hospital, p.position, p.body, p.body_html, \
    p.status, p.revision, p.created_at, p.updated_at, p.deleted_at, p.private_history \
    FROM posts p JOIN users u ON u.id = p.author_id";

pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub description_vi: &'a str,
    pub description_en: &'a str,
    pub position: i64,
}

pub struct NewTopic<'a> {
    pub category_id: i64,
    pub author_id: i64,
    pub kind: TopicKind,
    pub title: &'a str,
    pub summary: Option<&'a str>,
    pub body: &'a str,
    pub body_html: &'a str,
    pub status: Status,
    pub tags: &'a [Tag],
    pub created_at: DateTime<Utc>,
    /// Where an imported topic came from (unique); `None` for topics written here.
    pub source_id: Option<&'a str>,
    /// Held for review: the reasons (JSON) recorded with the queue item; `status` is then pending.
    pub hold: Option<&'a str>,
    /// Anonymous case study: the public author line shows this hospital tier and province.
    pub anonymous: Option<(&'a str, &'a str)>,
    /// The author's uploads the body shows, linked in the topic's transaction (the importer
    /// links its photos itself).
    pub attachments: &'a [i64],
}

pub struct NewPost<'a> {
    pub topic_id: i64,
    pub author_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    /// Held for review: the reasons (JSON) recorded with the queue item; `status` is then pending.
    pub hold: Option<&'a str>,
    /// The author's uploads the body shows, linked in the reply's transaction.
    pub attachments: &'a [i64],
}

/// A new version of a post; `title`/`summary` only change for a topic's opening post.
pub struct PostEdit<'a> {
    pub post_id: i64,
    pub editor_id: i64,
    pub body: &'a str,
    pub body_html: &'a str,
    pub title: Option<&'a str>,
    pub summary: Option<&'a str>,
    /// The new text must be reviewed: the post goes back to pending with these reasons (JSON).
    pub hold: Option<&'a str>,
    /// A moderator changing someone else's post: the audit row written with the edit.
    pub audit: Option<&'a super::TopicAction<'a>>,
    /// The post author's uploads the new text shows, linked in the edit's transaction (links
    /// made by earlier versions stay: their revisions still show them).
    pub attachments: &'a [i64],
    /// The post's author (the owner the attachments must belong to).
    pub author_id: i64,
}

/// Appends a row to the search change log inside the caller's transaction.
macro_rules! log_change {
    ($tx:expr, $entity:expr, $id:expr) => {
        sqlx::query("INSERT INTO search_changes (entity, entity_id, changed_at) VALUES ($1, $2, $3)")
            .bind($entity)
            .bind($id)
            .bind(Utc::now())
            .execute(&mut *$tx)
            .await
    };
}

/// Writes a topic with its opening post, first revision, tags and search change inside the
/// caller's transaction. Evaluates to `Result<(topic id, post id), sqlx::Error>`.
macro_rules! insert_topic {
    ($tx:expr, $t:expr) => {
        async {
            let t = $t;
            let topic_id: i64 = sqlx::query_scalar(
                "INSERT INTO topics (category_id, author_id, kind, title, summary, status, created_at, last_posted_at, source_id, \
                 anonymous, hospital_tier, anon_province) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10, $11) RETURNING id",
            )
            .bind(t.category_id)
            .bind(t.author_id)
            .bind(t.kind.as_str())
            .bind(t.title)
            .bind(t.summary)
            .bind(t.status.as_str())
            .bind(t.created_at)
            .bind(t.source_id)
            .bind(t.anonymous.is_some())
            .bind(t.anonymous.map(|a| a.0))
            .bind(t.anonymous.map(|a| a.1))
            .fetch_one(&mut *$tx)
            .await?;
            let post_id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (topic_id, author_id, position, body, body_html, status, created_at) \
                 VALUES ($1, $2, 1, $3, $4, $5, $6) RETURNING id",
            )
            .bind(topic_id)
            .bind(t.author_id)
            .bind(t.body)
            .bind(t.body_html)
            .bind(t.status.as_str())
            .bind(t.created_at)
            .fetch_one(&mut *$tx)
            .await?;
            sqlx::query(
                "INSERT INTO post_revisions (post_id, revision, title, body, editor_id, created_at) \
                         VALUES ($1, 1, $2, $3, $4, $5)",
            )
            .bind(post_id)
            .bind(t.title)
            .bind(t.body)
            .bind(t.author_id)
            .bind(t.created_at)
            .execute(&mut *$tx)
            .await?;
            // In slug order: the tags' count rows are then locked in one order by every writer.
            let mut tags: Vec<&Tag> = t.tags.iter().collect();
            tags.sort_by(|a, b| a.slug.cmp(&b.slug));
            for tag in tags {
                sqlx::query(INSERT_TAG).bind(&tag.slug).bind(&tag.label).execute(&mut *$tx).await?;
                sqlx::query(
                    "INSERT INTO topic_tags (topic_id, tag_id) SELECT $1, id FROM tags WHERE slug = $2 \
                             ON CONFLICT DO NOTHING",
                )
                .bind(topic_id)
                .bind(&tag.slug)
                .execute(&mut *$tx)
                .await?;
            }
            if t.status == $crate::domain::Status::Published {
                log_change!($tx, "topic", topic_id)?;
            }
            if let Some(reasons) = t.hold {
                $crate::store::moderation::hold_post!($tx, post_id, t.author_id, reasons)?;
            }
            Ok::<_, sqlx::Error>((topic_id, post_id))
        }
        .await
    };
}
pub(super) use log_change;

impl Store {
    pub async fn count_categories(&self) -> StoreResult<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM categories").fetch_one(pool).await?);
        Ok(n)
    }

    pub async fn create_category(&self, c: &NewCategory<'_>) -> StoreResult<i64> {
        let sql = "INSERT INTO categories (slug, name_vi, name_en, description_vi, description_en, position) \
                   VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql)
            .bind(c.slug).bind(c.name_vi).bind(c.name_en)
            .bind(c.description_vi).bind(c.description_en).bind(c.position)
            .fetch_one(pool).await?);
        Ok(id)
    }

    /// All categories in display order, each with its count of visible topics.
    pub async fn categories(&self) -> StoreResult<Vec<Category>> {
        // The count is kept by triggers (store/counts.rs), never counted here.
        let sql = "SELECT c.id, c.slug, c.name_vi, c.name_en, c.description_vi, c.description_en, \
                   COALESCE(k.n, 0) AS topic_count, (c.archived_at IS NOT NULL) AS archived \
                   FROM categories c LEFT JOIN category_topic_counts k ON k.category_id = c.id ORDER BY c.position, c.id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn category_by_slug(&self, slug: &str) -> StoreResult<Category> {
        self.categories().await?.into_iter().find(|c| c.slug == slug).ok_or(StoreError::NotFound)
    }

    /// Visible topics in one category (kept count).
    pub async fn category_topic_count(&self, category_id: i64) -> StoreResult<i64> {
        let sql = "SELECT n FROM category_topic_counts WHERE category_id = $1";
        let n: Option<i64> = on_pool!(self, pool => sqlx::query_scalar(sql).bind(category_id).fetch_optional(pool).await?);
        Ok(n.unwrap_or(0))
    }

    /// Creates a topic with its opening post, first revision and tags in one transaction.
    /// Returns (topic id, post id); `Conflict` when a topic with the same `source_id` exists.
    pub async fn create_topic(&self, t: &NewTopic<'_>) -> StoreResult<(i64, i64)> {
        self.create_topic_linked(t, &GuidanceLinks::default()).await
    }

    /// [`Store::create_topic`] that also records the guidance its opening post cites.
    pub async fn create_topic_linked(&self, t: &NewTopic<'_>, links: &GuidanceLinks) -> StoreResult<(i64, i64)> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let ids = insert_topic!(tx, t)?;
            write_post_guidance!(tx, ids.1, links)?;
            link_post_attachments!(tx, ids.1, t.author_id, t.attachments)?;
            tx.commit().await?;
            Ok(ids)
        })
    }

    /// Adds a reply at the end of a topic. Two replies racing for the same position: the loser retries.
    pub async fn create_post(&self, p: &NewPost<'_>) -> StoreResult<i64> {
        self.create_post_linked(p, &GuidanceLinks::default()).await
    }

    /// [`Store::create_post`] that also records the guidance the reply cites.
    pub async fn create_post_linked(&self, p: &NewPost<'_>, links: &GuidanceLinks) -> StoreResult<i64> {
        let mut attempts = 0;
        loop {
            match self.try_create_post(p, links).await {
                Err(StoreError::Conflict) if attempts < 5 => attempts += 1,
                other => return other,
            }
        }
    }

    async fn try_create_post(&self, p: &NewPost<'_>, links: &GuidanceLinks) -> StoreResult<i64> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let post_id: i64 = sqlx::query_scalar(
                "INSERT INTO posts (topic_id, author_id, position, body, body_html, status, created_at) \
                 VALUES ($1, $2, (SELECT COALESCE(MAX(position), 0) + 1 FROM posts WHERE topic_id = $1), \
                 $3, $4, $5, $6) RETURNING id")
                .bind(p.topic_id).bind(p.author_id).bind(p.body).bind(p.body_html)
                .bind(p.status.as_str()).bind(p.created_at)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO post_revisions (post_id, revision, body, editor_id, created_at) \
                         VALUES ($1, 1, $2, $3, $4)")
                .bind(post_id).bind(p.body).bind(p.author_id).bind(p.created_at)
                .execute(&mut *tx).await?;
            write_post_guidance!(tx, post_id, links)?;
            link_post_attachments!(tx, post_id, p.author_id, p.attachments)?;
            if p.status == Status::Published {
                sqlx::query("UPDATE topics SET reply_count = reply_count + 1, last_posted_at = $1 WHERE id = $2")
                    .bind(p.created_at).bind(p.topic_id).execute(&mut *tx).await?;
                log_change!(tx, "topic", p.topic_id)?;
            }
            if let Some(reasons) = p.hold {
                super::moderation::hold_post!(tx, post_id, p.author_id, reasons)?;
            }
            tx.commit().await?;
            Ok(post_id)
        })
    }

    /// Visible topics matching `filter`, newest activity first (pinned ones first).
    pub async fn latest_topics(&self, filter: &TopicFilter<'_>, limit: i64, offset: i64) -> StoreResult<Vec<TopicRow>> {
        let sql = latest_sql(Scope::of(filter));
        let rows = on_pool!(self, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql));
            if let Some(id) = filter.category_id {
                query = query.bind(id);
            }
            if let Some(tag) = filter.tag {
                query = query.bind(tag);
            }
            query.bind(limit).bind(offset).fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// How many visible topics match `filter`: a kept count for all, one category or one tag.
    pub async fn count_filtered_topics(&self, filter: &TopicFilter<'_>) -> StoreResult<i64> {
        match (filter.category_id, filter.tag) {
            (None, None) => return self.visible_topic_total().await,
            (Some(id), None) => return self.category_topic_count(id).await,
            (None, Some(slug)) => return self.tag_topic_count(slug).await,
            (Some(_), Some(_)) => {}
        }
        let sql = format!("SELECT COUNT(*) FROM topics t WHERE {VISIBLE_TOPIC} AND {FILTERED}");
        let n = on_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(filter.category_id).bind(filter.tag).fetch_one(pool).await?);
        Ok(n)
    }

    /// How many visible topics there are, in one category or in all.
    pub async fn count_topics(&self, category_id: Option<i64>) -> StoreResult<i64> {
        self.count_filtered_topics(&TopicFilter { category_id, tag: None }).await
    }

    /// Visible topics started by one member, newest first.
    pub async fn topics_by_author(&self, author_id: i64, limit: i64) -> StoreResult<Vec<TopicRow>> {
        let sql = by_author_sql();
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(author_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// A topic whatever its status; callers decide who may see it.
    pub async fn topic(&self, id: i64) -> StoreResult<TopicRow> {
        let sql = format!("{TOPIC_SELECT} WHERE t.id = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(pool).await?);
        Ok(row)
    }

    pub async fn topic_tags(&self, topic_id: i64) -> StoreResult<Vec<TagRow>> {
        let sql = "SELECT g.slug, g.label FROM topic_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.topic_id = $1 ORDER BY g.slug";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The tags of these slugs that exist (for showing search facets by label).
    pub async fn tags_by_slugs(&self, slugs: &[&str]) -> StoreResult<Vec<TagRow>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders: Vec<String> = (1..=slugs.len()).map(|n| format!("${n}")).collect();
        let sql = format!("SELECT slug, label FROM tags WHERE slug IN ({})", placeholders.join(", "));
        let rows = on_pool!(self, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()));
            for slug in slugs {
                query = query.bind(*slug);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows)
    }

    /// A tag by its slug, `None` when nobody ever used it.
    pub async fn tag_by_slug(&self, slug: &str) -> StoreResult<Option<TagRow>> {
        let sql = "SELECT slug, label FROM tags WHERE slug = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(slug).fetch_optional(pool).await?);
        Ok(row)
    }

    /// Posts of a topic in order (deleted ones included, shown as placeholders).
    pub async fn topic_posts(&self, topic_id: i64, limit: i64, offset: i64) -> StoreResult<Vec<PostRow>> {
        let sql = topic_posts_sql();
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(topic_id).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn count_topic_posts(&self, topic_id: i64) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM posts WHERE topic_id = $1";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_one(pool).await?);
        Ok(n)
    }

    pub async fn post(&self, id: i64) -> StoreResult<PostRow> {
        let sql = format!("{POST_SELECT} WHERE p.id = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_one(pool).await?);
        Ok(row)
    }

    /// Saves a new version of a post (and of its topic's title for an opening post).
    /// The guidance the post cites is replaced by `links` (found again in the new text).
    pub async fn edit_post(&self, e: &PostEdit<'_>, links: &GuidanceLinks) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (topic_id, revision): (i64, i64) = sqlx::query_as(
                "UPDATE posts SET body = $1, body_html = $2, revision = revision + 1, updated_at = $3 \
                 WHERE id = $4 AND deleted_at IS NULL RETURNING topic_id, revision")
                .bind(e.body).bind(e.body_html).bind(now).bind(e.post_id)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO post_revisions (post_id, revision, title, body, editor_id, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(e.post_id).bind(revision).bind(e.title).bind(e.body).bind(e.editor_id).bind(now)
                .execute(&mut *tx).await?;
            write_post_guidance!(tx, e.post_id, links)?;
            link_post_attachments!(tx, e.post_id, e.author_id, e.attachments)?;
            if let Some(title) = e.title {
                sqlx::query("UPDATE topics SET title = $1, summary = $2 WHERE id = $3")
                    .bind(title).bind(e.summary).bind(topic_id).execute(&mut *tx).await?;
            }
            log_change!(tx, "topic", topic_id)?;
            if let Some(reasons) = e.hold {
                super::moderation::set_post_status!(tx, e.post_id, "pending")?;
                super::moderation::hold_post!(tx, e.post_id, e.editor_id, reasons)?;
            }
            if let Some(a) = e.audit {
                super::moderation::audit!(tx, a.actor_id, a.action, a.item_type, a.item_id, a.reason, a.before, a.after)?;
                // A moderator changing someone else's words is taken as an edit for privacy.
                sqlx::query("UPDATE posts SET private_history = TRUE WHERE id = $1").bind(e.post_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Soft-deletes a post; deleting a topic's opening post deletes the topic.
    pub async fn delete_post(&self, post_id: i64) -> StoreResult<()> {
        self.delete_post_audited(post_id, None).await
    }

    /// [`Store::delete_post`], with an audit row in the same transaction when a moderator deletes.
    pub async fn delete_post_audited(&self, post_id: i64, audit: Option<&super::TopicAction<'_>>) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let (topic_id, position, status): (i64, i64, String) = sqlx::query_as(
                "UPDATE posts SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL RETURNING topic_id, position, status")
                .bind(now).bind(post_id).fetch_one(&mut *tx).await?;
            if position == 1 {
                sqlx::query("UPDATE topics SET deleted_at = $1 WHERE id = $2").bind(now).bind(topic_id).execute(&mut *tx).await?;
            } else if status == Status::Published.as_str() {
                // Only published replies were counted.
                sqlx::query("UPDATE topics SET reply_count = reply_count - 1 WHERE id = $1").bind(topic_id).execute(&mut *tx).await?;
            }
            log_change!(tx, "topic", topic_id)?;
            if let Some(a) = audit {
                super::moderation::audit!(tx, a.actor_id, a.action, a.item_type, a.item_id, a.reason, a.before, a.after)?;
            }
            tx.commit().await?;
            Ok(())
        })
    }
}
