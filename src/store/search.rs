//! What the search indexer reads: the change log and the public text of a topic.
//! Only published, undeleted content is ever returned, so nothing hidden can reach the index.

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

    /// The searchable form of a topic, or `None` when the public cannot see it (pending,
    /// rejected, deleted, missing): the indexer then removes it.
    pub async fn search_doc(&self, topic_id: i64) -> StoreResult<Option<Doc>> {
        let head_sql = "SELECT t.title, t.summary, t.kind, c.slug AS category, \
                        CASE WHEN t.anonymous THEN '' ELSE u.display_name END AS author, \
                        CASE WHEN t.anonymous THEN t.anon_province ELSE u.province_code END AS province, t.created_at \
                        FROM topics t JOIN categories c ON c.id = t.category_id JOIN users u ON u.id = t.author_id \
                        WHERE t.id = $1 AND t.status = 'published' AND t.deleted_at IS NULL";
        let head: Option<TopicHead> =
            on_pool!(self, pool => sqlx::query_as(head_sql).bind(topic_id).fetch_optional(pool).await?);
        let Some(head) = head else { return Ok(None) };
        let posts_sql = "SELECT id, position, body FROM posts \
                         WHERE topic_id = $1 AND status = 'published' AND deleted_at IS NULL ORDER BY position";
        let posts: Vec<PostText> = on_pool!(self, pool => sqlx::query_as(posts_sql).bind(topic_id).fetch_all(pool).await?);
        // Hits link to the opening post; a topic without a visible one has nothing to show.
        let Some(opening) = posts.iter().find(|p| p.position == 1).map(|p| p.id) else { return Ok(None) };
        let body = head.summary.iter().map(String::as_str).chain(posts.iter().map(|p| p.body.as_str())).collect::<Vec<_>>().join("\n\n");
        Ok(Some(Doc {
            topic_id,
            post_id: opening,
            title: head.title,
            body,
            category: head.category,
            kind: head.kind,
            tags: self.topic_tags(topic_id).await?.into_iter().map(|t| t.slug).collect(),
            author: head.author,
            province: head.province,
            created_at: head.created_at.timestamp(),
            guidance: self.guidance_numbers_for_topic(topic_id).await?,
        }))
    }
}
