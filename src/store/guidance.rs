//! The guidance library: official documents and their relations, which posts cite them, numbers
//! cited but not in the library, the quality-criteria catalog, official answers.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// A stored document: what ministry staff wrote, plus its id and dates. Reads as its fields
/// (`row.number`) through `Deref`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuidanceRow {
    pub id: i64,
    #[sqlx(flatten)]
    pub fields: GuidanceFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
}

impl std::ops::Deref for GuidanceRow {
    type Target = GuidanceFields;
    fn deref(&self) -> &GuidanceFields {
        &self.fields
    }
}

/// A document saved before the display number fell back to the number shows its number.
const GUIDANCE_SELECT: &str = "SELECT id, number, COALESCE(NULLIF(display_number, ''), number) AS display_number, kind, issuer, title_vi, title_en, issued_on, \
    effective_on, dates_verified, status, official_url, summary, created_at, updated_at, deleted_at FROM guidance_documents";

/// The fields of a document as written by ministry staff (or the seed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct GuidanceFields {
    pub number: String,
    pub display_number: String,
    pub kind: String,
    pub issuer: String,
    pub title_vi: String,
    pub title_en: String,
    pub issued_on: Option<String>,
    pub effective_on: Option<String>,
    pub dates_verified: bool,
    pub status: String,
    pub official_url: String,
    pub summary: String,
}

/// What a document amends or supersedes: (relation, id of the older document).
pub type Relations = [(String, i64)];

/// One relation as shown on a document's page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RelatedDoc {
    pub relation: String,
    /// True when the document shown is the newer one (it amends/supersedes `number`).
    pub newer_is_self: bool,
    pub number: String,
    pub display_number: String,
    pub title_vi: String,
    pub deleted: bool,
}

impl RelatedDoc {
    /// Path segment of its page.
    pub fn slug(&self) -> String {
        self.number.replace('/', "-")
    }
}

impl PostCitation {
    pub fn slug(&self) -> String {
        self.number.replace('/', "-")
    }
}

/// A number the library holds (deleted ones too, so old links say "withdrawn").
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LibraryNumber {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub deleted: bool,
}

/// The documents a post cites, resolved against the library, and the numbers it does not hold.
#[derive(Debug, Clone, Default)]
pub struct GuidanceLinks {
    /// (document id, "detected" or "chosen")
    pub known: Vec<(i64, &'static str)>,
    pub unknown: Vec<String>,
}

/// A topic that cites a document, as listed on the document's page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CitingTopic {
    pub topic_id: i64,
    pub title: String,
    pub kind: String,
    pub author_id: i64,
    pub author_name: String,
    pub created_at: DateTime<Utc>,
}

/// A document cited by a post, for the list under the post.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PostCitation {
    pub post_id: i64,
    pub number: String,
    pub display_number: String,
    pub title_vi: String,
    pub title_en: String,
    pub deleted: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Criterion {
    pub id: i64,
    pub code: String,
    pub part: String,
    pub title_vi: String,
    pub title_en: String,
    pub verified: bool,
}

/// Writes the post↔guidance rows of one post inside the caller's transaction, replacing what
/// an earlier version of the post cited. Evaluates to `Result<(), sqlx::Error>`.
macro_rules! write_post_guidance {
    ($tx:expr, $post_id:expr, $links:expr) => {
        async {
            let (post_id, links): (i64, &$crate::store::GuidanceLinks) = ($post_id, $links);
            sqlx::query("DELETE FROM post_guidance WHERE post_id = $1").bind(post_id).execute(&mut *$tx).await?;
            sqlx::query("DELETE FROM guidance_cited_unknown WHERE post_id = $1").bind(post_id).execute(&mut *$tx).await?;
            for (guidance_id, how) in &links.known {
                sqlx::query("INSERT INTO post_guidance (post_id, guidance_id, how) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                    .bind(post_id)
                    .bind(guidance_id)
                    .bind(*how)
                    .execute(&mut *$tx)
                    .await?;
            }
            for number in &links.unknown {
                sqlx::query("INSERT INTO guidance_cited_unknown (post_id, number) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(post_id)
                    .bind(number)
                    .execute(&mut *$tx)
                    .await?;
            }
            Ok::<_, sqlx::Error>(())
        }
        .await
    };
}
pub(super) use write_post_guidance;

/// Appends a search change for every topic with a post citing document `$1` (its `guidance:`
/// numbers changed), inside the caller's transaction; `$2` is the time.
const LOG_CITING_TOPICS: &str = "INSERT INTO search_changes (entity, entity_id, changed_at) \
    SELECT DISTINCT 'topic', p.topic_id, $2 FROM post_guidance pg JOIN posts p ON p.id = pg.post_id WHERE pg.guidance_id = $1";

/// Visible topics only: published, not deleted, and the citing post itself visible.
const VISIBLE_CITATION: &str = "t.status = 'published' AND t.deleted_at IS NULL \
    AND p.status = 'published' AND p.deleted_at IS NULL";

/// The author columns of a topic as the public may see them: nobody (id 0, no name) for an
/// anonymous case study.
const PUBLIC_AUTHOR: &str = "CASE WHEN t.anonymous THEN 0 ELSE t.author_id END AS author_id, \
                             CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author_name";

/// Visible topics with a visible post citing document `$1`, most helpful first, then newest;
/// `$2` limit.
/// The members shown with the ministry badge, read on every topic and listing page: the partial
/// index `users_ministry_listing` holds exactly them.
pub(super) const MINISTRY_STAFF: &str = "SELECT id FROM users WHERE role = 'ministry'";

pub(super) fn citing_sql() -> String {
    format!(
        "SELECT t.id AS topic_id, t.title, t.kind, {PUBLIC_AUTHOR}, t.created_at \
             FROM topics t JOIN users u ON u.id = t.author_id WHERE t.id IN (SELECT p.topic_id FROM post_guidance pg \
             JOIN posts p ON p.id = pg.post_id JOIN topics t ON t.id = p.topic_id WHERE pg.guidance_id = $1 AND {VISIBLE_CITATION}) \
             ORDER BY {} DESC, t.created_at DESC, t.id DESC LIMIT $2",
        super::engagement::TOPIC_HELPFUL
    )
}

impl Store {
    pub async fn count_guidance(&self) -> StoreResult<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM guidance_documents").fetch_one(pool).await?);
        Ok(n)
    }

    /// Documents not deleted, by kind and status when given, by number.
    pub async fn list_guidance(&self, kind: Option<&str>, status: Option<&str>) -> StoreResult<Vec<GuidanceRow>> {
        let sql = format!(
            "{GUIDANCE_SELECT} WHERE deleted_at IS NULL AND ($1 IS NULL OR kind = $1) \
                           AND ($2 IS NULL OR status = $2) ORDER BY issued_on DESC, number"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(kind).bind(status).fetch_all(pool).await?);
        Ok(rows)
    }

    /// A document by canonical number, deleted or not.
    pub async fn guidance_by_number(&self, number: &str) -> StoreResult<GuidanceRow> {
        let sql = format!("{GUIDANCE_SELECT} WHERE number = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(number).fetch_one(pool).await?);
        Ok(row)
    }

    /// Every number in the library, for resolving the numbers a post cites.
    pub async fn library_numbers(&self) -> StoreResult<Vec<LibraryNumber>> {
        let sql = "SELECT id, number, kind, deleted_at IS NOT NULL AS deleted FROM guidance_documents";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Every (newer, older) pair, for finding supersession loops before writing.
    pub async fn guidance_relation_pairs(&self) -> StoreResult<Vec<(i64, i64)>> {
        let sql = "SELECT newer_id, older_id FROM guidance_relations";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// What a document amends or supersedes and what amends or supersedes it.
    pub async fn guidance_relations(&self, id: i64) -> StoreResult<Vec<RelatedDoc>> {
        let sql = "SELECT r.relation, r.newer_id = $1 AS newer_is_self, d.number, COALESCE(NULLIF(d.display_number, ''), d.number) AS display_number, d.title_vi, \
                   d.deleted_at IS NOT NULL AS deleted FROM guidance_relations r \
                   JOIN guidance_documents d ON d.id = CASE WHEN r.newer_id = $1 THEN r.older_id ELSE r.newer_id END \
                   WHERE r.newer_id = $1 OR r.older_id = $1 ORDER BY d.number";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Adds a document with its relations; posts that already cited its number (or its short
    /// form, "Thông tư 43/2018") are linked to it in the same transaction.
    pub async fn create_guidance(&self, g: &GuidanceFields, relations: &Relations, short: Option<&str>) -> StoreResult<i64> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO guidance_documents (number, display_number, kind, issuer, title_vi, title_en, issued_on, \
                 effective_on, dates_verified, status, official_url, summary, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id")
                .bind(&g.number).bind(&g.display_number).bind(&g.kind).bind(&g.issuer).bind(&g.title_vi)
                .bind(&g.title_en).bind(&g.issued_on).bind(&g.effective_on).bind(g.dates_verified)
                .bind(&g.status).bind(&g.official_url).bind(&g.summary).bind(now)
                .fetch_one(&mut *tx).await?;
            for (relation, older) in relations {
                sqlx::query("INSERT INTO guidance_relations (newer_id, older_id, relation) VALUES ($1, $2, $3)")
                    .bind(id).bind(older).bind(relation).execute(&mut *tx).await?;
            }
            sqlx::query("INSERT INTO post_guidance (post_id, guidance_id, how) \
                         SELECT post_id, $1, 'detected' FROM guidance_cited_unknown WHERE number = $2 OR number = $3 \
                         ON CONFLICT DO NOTHING")
                .bind(id).bind(&g.number).bind(short).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM guidance_cited_unknown WHERE number = $1 OR number = $2")
                .bind(&g.number).bind(short).execute(&mut *tx).await?;
            sqlx::query(LOG_CITING_TOPICS).bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Replaces a document's fields and the relations it is the newer side of.
    pub async fn update_guidance(&self, id: i64, g: &GuidanceFields, relations: &Relations) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let updated = sqlx::query(
                "UPDATE guidance_documents SET display_number = $1, kind = $2, issuer = $3, title_vi = $4, title_en = $5, \
                 issued_on = $6, effective_on = $7, dates_verified = $8, status = $9, official_url = $10, summary = $11, \
                 updated_at = $12 WHERE id = $13 AND deleted_at IS NULL")
                .bind(&g.display_number).bind(&g.kind).bind(&g.issuer).bind(&g.title_vi).bind(&g.title_en)
                .bind(&g.issued_on).bind(&g.effective_on).bind(g.dates_verified).bind(&g.status)
                .bind(&g.official_url).bind(&g.summary).bind(now).bind(id)
                .execute(&mut *tx).await?;
            if updated.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query("DELETE FROM guidance_relations WHERE newer_id = $1").bind(id).execute(&mut *tx).await?;
            for (relation, older) in relations {
                sqlx::query("INSERT INTO guidance_relations (newer_id, older_id, relation) VALUES ($1, $2, $3)")
                    .bind(id).bind(older).bind(relation).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// Withdraws a document from the library; posts keep citing it and show it as withdrawn.
    pub async fn delete_guidance(&self, id: i64) -> StoreResult<()> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let done = sqlx::query("UPDATE guidance_documents SET deleted_at = $1 WHERE id = $2 AND deleted_at IS NULL")
                .bind(now).bind(id).execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            sqlx::query(LOG_CITING_TOPICS).bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Visible topics with a visible post citing the document, most helpful marks first, then newest.
    pub async fn topics_citing_guidance(&self, guidance_id: i64, limit: i64) -> StoreResult<Vec<CitingTopic>> {
        let sql = citing_sql();
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(guidance_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// How many distinct authors of visible citing posts there are per province code / hospital
    /// tier (`None` when the profile does not say). `column` is a fixed column name, never input.
    /// The author of an anonymous case study counts under the province the topic shows and no
    /// tier (topics and profiles name tiers differently), never under their profile's.
    async fn citing_author_counts(
        &self,
        guidance_id: i64,
        column: &'static str,
        anonymous_value: &'static str,
    ) -> StoreResult<Vec<(Option<String>, i64)>> {
        let sql = format!(
            "SELECT CASE WHEN t.anonymous AND p.author_id = t.author_id THEN {anonymous_value} ELSE u.{column} END AS place, \
                   COUNT(DISTINCT u.id) FROM post_guidance pg JOIN posts p ON p.id = pg.post_id \
                   JOIN topics t ON t.id = p.topic_id JOIN users u ON u.id = p.author_id \
                   WHERE pg.guidance_id = $1 AND {VISIBLE_CITATION} GROUP BY place ORDER BY 2 DESC, 1"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(guidance_id).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn citing_authors_by_province(&self, guidance_id: i64) -> StoreResult<Vec<(Option<String>, i64)>> {
        self.citing_author_counts(guidance_id, "province_code", "t.anon_province").await
    }

    pub async fn citing_authors_by_tier(&self, guidance_id: i64) -> StoreResult<Vec<(Option<String>, i64)>> {
        self.citing_author_counts(guidance_id, "hospital_tier", "NULL").await
    }

    /// Numbers cited in visible posts that the library does not hold, most cited first.
    pub async fn cited_unknown_numbers(&self) -> StoreResult<Vec<(String, i64)>> {
        let sql = format!(
            "SELECT c.number, COUNT(DISTINCT p.id) FROM guidance_cited_unknown c JOIN posts p ON p.id = c.post_id \
                   JOIN topics t ON t.id = p.topic_id WHERE {VISIBLE_CITATION} GROUP BY c.number ORDER BY 2 DESC, 1"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The documents each post of a topic cites (deleted documents included, marked).
    pub async fn topic_citations(&self, topic_id: i64) -> StoreResult<Vec<PostCitation>> {
        let sql = "SELECT pg.post_id, d.number, COALESCE(NULLIF(d.display_number, ''), d.number) AS display_number, d.title_vi, d.title_en, d.deleted_at IS NOT NULL AS deleted \
                   FROM post_guidance pg JOIN posts p ON p.id = pg.post_id JOIN guidance_documents d ON d.id = pg.guidance_id \
                   WHERE p.topic_id = $1 ORDER BY pg.post_id, d.number";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Canonical numbers of the library documents cited by a topic's visible posts (for the
    /// search index's `guidance:` filter).
    pub async fn guidance_numbers_for_topic(&self, topic_id: i64) -> StoreResult<Vec<String>> {
        let sql = "SELECT DISTINCT d.number FROM post_guidance pg JOIN posts p ON p.id = pg.post_id \
                   JOIN guidance_documents d ON d.id = pg.guidance_id \
                   WHERE p.topic_id = $1 AND p.status = 'published' AND p.deleted_at IS NULL AND d.deleted_at IS NULL \
                   ORDER BY d.number";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// (number, Vietnamese title, summary) of every document in the library, for search.
    pub async fn list_guidance_for_search(&self) -> StoreResult<Vec<(String, String, String)>> {
        let sql = "SELECT number, title_vi, summary FROM guidance_documents WHERE deleted_at IS NULL ORDER BY number";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// (post id, Markdown) of posts citing `number` or `short` while it was not in the library.
    pub async fn posts_citing_unknown(&self, number: &str, short: Option<&str>) -> StoreResult<Vec<(i64, String)>> {
        let sql = "SELECT DISTINCT p.id, p.body FROM guidance_cited_unknown c JOIN posts p ON p.id = c.post_id \
                   WHERE (c.number = $1 OR c.number = $2) AND p.deleted_at IS NULL ORDER BY p.id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(number).bind(short).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Replaces a post's rendered HTML (its text is unchanged, so no revision or search change).
    pub async fn set_post_html(&self, post_id: i64, html: &str) -> StoreResult<()> {
        let sql = "UPDATE posts SET body_html = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(html).bind(post_id).execute(pool).await?.rows_affected());
        Ok(())
    }

    /// Numbers of the documents a post's author chose to link (kept across edits).
    pub async fn chosen_guidance_numbers(&self, post_id: i64) -> StoreResult<Vec<String>> {
        let sql = "SELECT d.number FROM post_guidance pg JOIN guidance_documents d ON d.id = pg.guidance_id \
                   WHERE pg.post_id = $1 AND pg.how = 'chosen' AND d.deleted_at IS NULL ORDER BY d.number";
        let rows = on_pool!(self, pool => sqlx::query_scalar(sql).bind(post_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Ids of members with the ministry role (few), for their badge next to their names.
    pub async fn ministry_staff_ids(&self) -> StoreResult<Vec<i64>> {
        let rows = on_pool!(self, pool => sqlx::query_scalar(MINISTRY_STAFF).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn set_hospital_tier(&self, user_id: i64, tier: Option<&str>) -> StoreResult<()> {
        let sql = "UPDATE users SET hospital_tier = $1 WHERE id = $2";
        on_pool!(self, pool => sqlx::query(sql).bind(tier).bind(user_id).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn hospital_tier(&self, user_id: i64) -> StoreResult<Option<String>> {
        let sql = "SELECT hospital_tier FROM users WHERE id = $1";
        let tier = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(tier)
    }

    /// Marks `post_id` as the official answer of its topic (replacing an earlier one).
    pub async fn set_official_answer(&self, topic_id: i64, post_id: i64, marked_by: i64) -> StoreResult<()> {
        let sql = "INSERT INTO official_answers (topic_id, post_id, marked_by, marked_at) VALUES ($1, $2, $3, $4) \
                   ON CONFLICT (topic_id) DO UPDATE SET post_id = excluded.post_id, marked_by = excluded.marked_by, \
                   marked_at = excluded.marked_at";
        on_pool!(self, pool => sqlx::query(sql).bind(topic_id).bind(post_id).bind(marked_by).bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn official_answer(&self, topic_id: i64) -> StoreResult<Option<i64>> {
        let sql = "SELECT post_id FROM official_answers WHERE topic_id = $1";
        let id = on_pool!(self, pool => sqlx::query_scalar(sql).bind(topic_id).fetch_optional(pool).await?);
        Ok(id)
    }

    pub async fn criteria(&self) -> StoreResult<Vec<Criterion>> {
        let sql = "SELECT id, code, part, title_vi, title_en, verified FROM quality_criteria";
        let mut rows: Vec<Criterion> = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        rows.sort_by_key(|c| criterion_sort_key(&c.code));
        Ok(rows)
    }

    pub async fn criterion(&self, code: &str) -> StoreResult<Criterion> {
        let sql = "SELECT id, code, part, title_vi, title_en, verified FROM quality_criteria WHERE code = $1";
        let row = on_pool!(self, pool => sqlx::query_as(sql).bind(code).fetch_one(pool).await?);
        Ok(row)
    }

    /// Adds a criterion or replaces its titles; `verified` says whether a person confirmed them.
    pub async fn upsert_criterion(&self, code: &str, part: &str, title_vi: &str, title_en: &str, verified: bool) -> StoreResult<()> {
        let sql = "INSERT INTO quality_criteria (code, part, title_vi, title_en, verified, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                   ON CONFLICT (code) DO UPDATE SET title_vi = excluded.title_vi, title_en = excluded.title_en, \
                   verified = excluded.verified, updated_at = excluded.updated_at";
        on_pool!(self, pool => sqlx::query(sql).bind(code).bind(part).bind(title_vi).bind(title_en).bind(verified)
            .bind(Utc::now()).execute(pool).await?.rows_affected());
        Ok(())
    }

    pub async fn count_criteria(&self) -> StoreResult<i64> {
        let n = on_pool!(self, pool => sqlx::query_scalar("SELECT COUNT(*) FROM quality_criteria").fetch_one(pool).await?);
        Ok(n)
    }

    /// Replaces the criteria a topic is tagged with.
    pub async fn set_topic_criteria(&self, topic_id: i64, criterion_ids: &[i64]) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM topic_criteria WHERE topic_id = $1").bind(topic_id).execute(&mut *tx).await?;
            for id in criterion_ids {
                sqlx::query("INSERT INTO topic_criteria (topic_id, criterion_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(topic_id).bind(id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    pub async fn topic_criteria(&self, topic_id: i64) -> StoreResult<Vec<Criterion>> {
        let sql = "SELECT q.id, q.code, q.part, q.title_vi, q.title_en, q.verified FROM topic_criteria tc \
                   JOIN quality_criteria q ON q.id = tc.criterion_id WHERE tc.topic_id = $1";
        let mut rows: Vec<Criterion> = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).fetch_all(pool).await?);
        rows.sort_by_key(|c| criterion_sort_key(&c.code));
        Ok(rows)
    }

    /// Visible topics tagged with a criterion, newest first.
    pub async fn topics_for_criterion(&self, criterion_id: i64, limit: i64) -> StoreResult<Vec<CitingTopic>> {
        let sql = format!(
            "SELECT t.id AS topic_id, t.title, t.kind, {PUBLIC_AUTHOR}, t.created_at \
                   FROM topic_criteria tc JOIN topics t ON t.id = tc.topic_id JOIN users u ON u.id = t.author_id \
                   WHERE tc.criterion_id = $1 AND t.status = 'published' AND t.deleted_at IS NULL \
                   ORDER BY t.created_at DESC, t.id DESC LIMIT $2"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(criterion_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }
}

/// "C10" after "C9", "A1.10" after "A1.9".
fn criterion_sort_key(code: &str) -> (String, Vec<u32>) {
    let part: String = code.chars().take_while(char::is_ascii_alphabetic).collect();
    let numbers = code[part.len()..].split('.').filter_map(|n| n.parse().ok()).collect();
    (part, numbers)
}
