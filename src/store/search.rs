//! What the search indexer reads: the change log and the public text of a topic.
//! Only published, undeleted content is ever returned, so nothing hidden can reach the index.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use search_index::Doc;

use super::{Store, StoreResult, on_pool};

/// One row of `search_changes`: something about `entity` `entity_id` changed publicly.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SearchChange {
    pub seq: i64,
    pub entity: String,
    pub entity_id: i64,
    pub changed_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct TopicHead {
    #[sqlx(default)]
    id: i64,
    title: String,
    summary: Option<String>,
    kind: String,
    category: String,
    author: String,
    province: Option<String>,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct PostText {
    #[sqlx(default)]
    topic_id: i64,
    id: i64,
    position: i64,
    body: String,
}

impl Store {
    /// Up to `limit` changes with a sequence number above `seq`, in order.
    pub async fn search_changes_after(&self, seq: i64, limit: i64) -> StoreResult<Vec<SearchChange>> {
        let sql = "SELECT seq, entity, entity_id, changed_at FROM search_changes WHERE seq > $1 ORDER BY seq LIMIT $2";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(seq).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// The highest sequence number in the change log; 0 when it is empty.
    pub async fn max_search_change_seq(&self) -> StoreResult<i64> {
        let sql = "SELECT COALESCE(MAX(seq), 0) FROM search_changes";
        let seq = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await?);
        Ok(seq)
    }

    /// Ids of publicly visible topics above `after_id`, ascending: pages of a full rebuild.
    pub async fn visible_topic_ids_after(&self, after_id: i64, limit: i64) -> StoreResult<Vec<i64>> {
        let sql = "SELECT id FROM topics WHERE id > $1 AND status = 'published' AND deleted_at IS NULL \
                   ORDER BY id LIMIT $2";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).bind(after_id).bind(limit).fetch_all(pool).await?);
        Ok(ids)
    }

    /// [`Store::search_doc`] for many topics with four queries in all (a rebuild reads the whole
    /// forum this way): each id with its document, `None` for a topic the public cannot see.
    pub async fn search_docs(&self, ids: &[i64]) -> StoreResult<Vec<(i64, Option<Doc>)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let heads: Vec<TopicHead> = self
            .rows_for_topics(
                "SELECT t.id, t.title, t.summary, t.kind, c.slug AS category, \
             CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author, \
             CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END AS province, t.created_at \
             FROM topics t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id \
             WHERE t.status = 'published' AND t.deleted_at IS NULL AND t.id IN ",
                ids,
                "",
            )
            .await?;
        let posts: Vec<PostText> = self
            .rows_for_topics(
                "SELECT topic_id, id, position, body FROM posts \
             WHERE status = 'published' AND deleted_at IS NULL AND topic_id IN ",
                ids,
                " ORDER BY topic_id, position",
            )
            .await?;
        let tags: Vec<(i64, String)> = self
            .rows_for_topics(
                "SELECT tt.topic_id, g.slug FROM topic_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.topic_id IN ",
                ids,
                " ORDER BY tt.topic_id, g.slug",
            )
            .await?;
        let numbers: Vec<(i64, String)> = self
            .rows_for_topics(
                "SELECT DISTINCT p.topic_id, d.number FROM post_guidance pg JOIN posts p ON p.id = pg.post_id \
             JOIN guidance_documents d ON d.id = pg.guidance_id \
             WHERE p.status = 'published' AND p.deleted_at IS NULL AND d.deleted_at IS NULL AND p.topic_id IN ",
                ids,
                " ORDER BY p.topic_id, d.number",
            )
            .await?;
        let mut heads: HashMap<i64, TopicHead> = heads.into_iter().map(|h| (h.id, h)).collect();
        let mut texts: HashMap<i64, Vec<PostText>> = HashMap::new();
        for post in posts {
            texts.entry(post.topic_id).or_default().push(post);
        }
        let group = |rows: Vec<(i64, String)>| {
            rows.into_iter().fold(HashMap::<i64, Vec<String>>::new(), |mut m, (id, v)| {
                m.entry(id).or_default().push(v);
                m
            })
        };
        let (mut tags, mut numbers) = (group(tags), group(numbers));
        Ok(ids
            .iter()
            .map(|&id| {
                let doc = heads.remove(&id).and_then(|head| {
                    let posts = texts.remove(&id).unwrap_or_default();
                    to_doc(id, head, &posts, tags.remove(&id).unwrap_or_default(), numbers.remove(&id).unwrap_or_default())
                });
                (id, doc)
            })
            .collect())
    }

    /// Rows of `head (id, id, …) tail` for these topic ids.
    async fn rows_for_topics<T>(&self, head: &str, ids: &[i64], tail: &str) -> StoreResult<Vec<T>>
    where
        T: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        on_pool!(self, pool => {
            let mut q = sqlx::QueryBuilder::new(head);
            q.push("(");
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(*id);
            }
            q.push(")").push(tail);
            Ok(q.build_query_as().fetch_all(pool).await?)
        })
    }

    /// The searchable form of a topic, or `None` when the public cannot see it (pending,
    /// rejected, deleted, missing): the indexer then removes it.
    pub async fn search_doc(&self, topic_id: i64) -> StoreResult<Option<Doc>> {
        let head_sql = "SELECT t.title, t.summary, t.kind, c.slug AS category, \
                        CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author, \
                        CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END AS province, t.created_at \
                        FROM topics t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id \
                        WHERE t.id = $1 AND t.status = 'published' AND t.deleted_at IS NULL";
        let head: Option<TopicHead> = on_pool!(self, pool => sqlx::query_as(head_sql).bind(topic_id).fetch_optional(pool).await?);
        let Some(head) = head else { return Ok(None) };
        let posts_sql = "SELECT id, position, body FROM posts \
                         WHERE topic_id = $1 AND status = 'published' AND deleted_at IS NULL ORDER BY position";
        let posts: Vec<PostText> = on_pool!(self, pool => sqlx::query_as(posts_sql).bind(topic_id).fetch_all(pool).await?);
        let tags = self.topic_tags(topic_id).await?.into_iter().map(|t| t.slug).collect();
        Ok(to_doc(topic_id, head, &posts, tags, self.guidance_numbers_for_topic(topic_id).await?))
    }
}

/// A topic's search document from its head and visible posts; `None` without an opening post
/// (hits link to it, so a topic without a visible one has nothing to show).
fn to_doc(topic_id: i64, head: TopicHead, posts: &[PostText], tags: Vec<String>, guidance: Vec<String>) -> Option<Doc> {
    let opening = posts.iter().find(|p| p.position == 1).map(|p| p.id)?;
    let body = head.summary.iter().map(String::as_str).chain(posts.iter().map(|p| p.body.as_str())).collect::<Vec<_>>().join("\n\n");
    Some(Doc {
        topic_id,
        post_id: opening,
        title: head.title,
        body,
        category: head.category,
        kind: head.kind,
        tags,
        author: head.author,
        province: head.province,
        created_at: head.created_at.timestamp(),
        guidance,
    })
}
