//! Curated collections (migration 0019): an ordered list of topics with an introduction and a
//! curator's note per topic. Every change adds one to the collection's `version` under the
//! condition that it is still the version the curator saw, and writes its audit row, in one
//! transaction: a stale form changes nothing.

use chrono::{DateTime, Utc};

use super::moderation::audit;
use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// A collection as its pages and the API show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CollectionRow {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub intro: String,
    pub intro_html: String,
    pub intro_en: Option<String>,
    pub intro_en_html: Option<String>,
    pub category_id: i64,
    pub category_slug: String,
    pub category_name_vi: String,
    pub category_name_en: String,
    pub author_id: i64,
    pub author_name: String,
    /// `draft` or `published`.
    pub status: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Items whose topic the public sees.
    pub visible_items: i64,
}

const COLLECTION_SELECT: &str = "SELECT k.id, k.slug, k.title, k.intro, k.intro_html, k.intro_en, k.intro_en_html, \
    k.category_id, c.slug AS category_slug, c.name_vi AS category_name_vi, c.name_en AS category_name_en, \
    k.author_id, u.display_name AS author_name, k.status, k.version, k.created_at, k.updated_at, \
    (SELECT COUNT(*) FROM collection_items ci JOIN topics t ON t.id = ci.topic_id \
     WHERE ci.collection_id = k.id AND t.status = 'published' AND t.deleted_at IS NULL) AS visible_items \
    FROM collections k JOIN categories c ON c.id = k.category_id JOIN users u ON u.id = k.author_id";

/// One topic of a collection.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CollectionItemRow {
    pub topic_id: i64,
    pub position: i64,
    pub note: String,
    pub note_html: String,
    pub title: String,
    /// The topic is published and not deleted (the public sees it).
    pub visible: bool,
}

const ITEM_SELECT: &str = "SELECT ci.topic_id, ci.position, ci.note, ci.note_html, t.title, \
    (t.status = 'published' AND t.deleted_at IS NULL) AS visible \
    FROM collection_items ci JOIN topics t ON t.id = ci.topic_id";

/// A published collection a topic belongs to, with the visible topics before and after it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TopicCollection {
    pub slug: String,
    pub title: String,
    pub prev_id: Option<i64>,
    pub prev_title: Option<String>,
    pub next_id: Option<i64>,
    pub next_title: Option<String>,
}

/// What a collection says about itself (create and edit).
pub struct CollectionFields<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    pub intro: &'a str,
    pub intro_html: &'a str,
    pub intro_en: Option<&'a str>,
    pub intro_en_html: Option<&'a str>,
    pub category_id: i64,
    pub published: bool,
}

/// Who changes a collection and which version they saw (`None`: whatever is current).
#[derive(Debug, Clone, Copy)]
pub struct CollectionChange {
    pub actor_id: i64,
    pub collection_id: i64,
    pub version: Option<i64>,
}

/// Why a change to a collection was not made.
pub const STALE: &str = "collections.error.stale";
pub const NOT_PUBLIC: &str = "collections.error.topic_not_public";
pub const NOT_AN_ITEM: &str = "collections.error.not_an_item";

fn status_of(published: bool) -> &'static str {
    if published { "published" } else { "draft" }
}

/// Takes the next version inside `$tx` when `$change.version` is still current; otherwise the
/// transaction is dropped (rolled back) and the caller is told the form was stale.
macro_rules! next_version {
    ($tx:expr, $change:expr) => {{
        let done =
            sqlx::query("UPDATE collections SET version = version + 1, updated_at = $1 WHERE id = $2 AND ($3 IS NULL OR version = $3)")
                .bind(Utc::now())
                .bind($change.collection_id)
                .bind($change.version)
                .execute(&mut *$tx)
                .await?
                .rows_affected();
        if done == 0 {
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM collections WHERE id = $1")
                .bind($change.collection_id)
                .fetch_optional(&mut *$tx)
                .await?;
            return Err(if exists.is_some() { StoreError::Refused(STALE) } else { StoreError::NotFound });
        }
        // Another process's page cache learns of the change through the change log (the
        // indexer skips entities that are not topics).
        sqlx::query("INSERT INTO search_changes (entity, entity_id, changed_at) VALUES ('collection', $1, $2)")
            .bind($change.collection_id)
            .bind(Utc::now())
            .execute(&mut *$tx)
            .await?;
    }};
}

impl Store {
    /// Creates a collection with its audit row; `Conflict` when the slug is taken.
    pub async fn create_collection(&self, actor_id: i64, f: &CollectionFields<'_>) -> StoreResult<i64> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO collections (slug, title, intro, intro_html, intro_en, intro_en_html, category_id, author_id, status, \
                 version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10) RETURNING id",
            )
            .bind(f.slug).bind(f.title).bind(f.intro).bind(f.intro_html).bind(f.intro_en).bind(f.intro_en_html)
            .bind(f.category_id).bind(actor_id).bind(status_of(f.published)).bind(now)
            .fetch_one(&mut *tx).await?;
            audit!(tx, actor_id, "collection.create", "collection", id, "", None::<&str>, Some(f.title))?;
            tx.commit().await?;
            Ok(id)
        })
    }

    /// Changes what a collection says about itself; `Refused(STALE)` for a stale version,
    /// `Conflict` when the new slug is another collection's.
    pub async fn update_collection(&self, change: CollectionChange, f: &CollectionFields<'_>) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            next_version!(tx, change);
            let before: String = sqlx::query_scalar("SELECT title FROM collections WHERE id = $1").bind(change.collection_id).fetch_one(&mut *tx).await?;
            sqlx::query(
                "UPDATE collections SET slug = $1, title = $2, intro = $3, intro_html = $4, intro_en = $5, intro_en_html = $6, \
                 category_id = $7, status = $8 WHERE id = $9",
            )
            .bind(f.slug).bind(f.title).bind(f.intro).bind(f.intro_html).bind(f.intro_en).bind(f.intro_en_html)
            .bind(f.category_id).bind(status_of(f.published)).bind(change.collection_id)
            .execute(&mut *tx).await?;
            let after = format!("{} ({})", f.title, status_of(f.published));
            audit!(tx, change.actor_id, "collection.edit", "collection", change.collection_id, "", Some(before.as_str()), Some(after.as_str()))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// A collection by its slug (drafts too: the caller decides who sees them).
    pub async fn collection_by_slug(&self, slug: &str) -> StoreResult<CollectionRow> {
        let sql = format!("{COLLECTION_SELECT} WHERE k.slug = $1");
        let row = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(slug).fetch_one(pool).await?);
        Ok(row)
    }

    /// Collections, most recently changed first: published ones (and drafts when `drafts`),
    /// of one category or all.
    pub async fn collections(&self, drafts: bool, category_id: Option<i64>, limit: i64, offset: i64) -> StoreResult<Vec<CollectionRow>> {
        let sql = format!(
            "{COLLECTION_SELECT} WHERE (k.status = 'published' OR $1) AND ($2 IS NULL OR k.category_id = $2) \
             ORDER BY k.updated_at DESC, k.id DESC LIMIT $3 OFFSET $4"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(drafts).bind(category_id).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn count_collections(&self, drafts: bool) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM collections WHERE status = 'published' OR $1";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(drafts).fetch_one(pool).await?);
        Ok(n)
    }

    /// A page of a collection's items in order: only those the public sees, or all (curators).
    pub async fn collection_items(&self, collection_id: i64, all: bool, limit: i64, offset: i64) -> StoreResult<Vec<CollectionItemRow>> {
        let sql = format!(
            "{ITEM_SELECT} WHERE ci.collection_id = $1 AND ($2 OR (t.status = 'published' AND t.deleted_at IS NULL)) \
             ORDER BY ci.position, ci.id LIMIT $3 OFFSET $4"
        );
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(collection_id).bind(all).bind(limit).bind(offset).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn count_collection_items(&self, collection_id: i64) -> StoreResult<i64> {
        let sql = "SELECT COUNT(*) FROM collection_items WHERE collection_id = $1";
        let n = on_pool!(self, pool => sqlx::query_scalar(sql).bind(collection_id).fetch_one(pool).await?);
        Ok(n)
    }

    /// Adds a public topic at the end. `Refused(NOT_PUBLIC)` for a topic the public does not
    /// see, `Conflict` for one already in the collection, `Refused(STALE)` for a stale version.
    pub async fn add_collection_item(&self, change: CollectionChange, topic_id: i64, note: &str, note_html: &str) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            next_version!(tx, change);
            let added = sqlx::query(
                "INSERT INTO collection_items (collection_id, topic_id, position, note, note_html, added_by, added_at) \
                 SELECT $1, t.id, COALESCE((SELECT MAX(position) FROM collection_items WHERE collection_id = $1), 0) + 1, \
                 $3, $4, $5, $6 FROM topics t WHERE t.id = $2 AND t.status = 'published' AND t.deleted_at IS NULL",
            )
            .bind(change.collection_id).bind(topic_id).bind(note).bind(note_html).bind(change.actor_id).bind(Utc::now())
            .execute(&mut *tx).await?.rows_affected();
            if added == 0 {
                return Err(StoreError::Refused(NOT_PUBLIC));
            }
            let after = format!("+ #{topic_id}");
            audit!(tx, change.actor_id, "collection.add_item", "collection", change.collection_id, "", None::<&str>, Some(after.as_str()))?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Takes a topic out of a collection. `Refused(NOT_AN_ITEM)` when it is not in it.
    pub async fn remove_collection_item(&self, change: CollectionChange, topic_id: i64) -> StoreResult<()> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            next_version!(tx, change);
            let removed = sqlx::query("DELETE FROM collection_items WHERE collection_id = $1 AND topic_id = $2")
                .bind(change.collection_id).bind(topic_id).execute(&mut *tx).await?.rows_affected();
            if removed == 0 {
                return Err(StoreError::Refused(NOT_AN_ITEM));
            }
            let before = format!("#{topic_id}");
            audit!(tx, change.actor_id, "collection.remove_item", "collection", change.collection_id, "", Some(before.as_str()), None::<&str>)?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// Swaps a topic with the one before it (`up`) or after it; at either end nothing moves
    /// (the version still changes, so the curator's next form is current).
    pub async fn move_collection_item(&self, change: CollectionChange, topic_id: i64, up: bool) -> StoreResult<()> {
        let neighbour_sql = if up {
            "SELECT topic_id, position FROM collection_items WHERE collection_id = $1 AND position < $2 ORDER BY position DESC LIMIT 1"
        } else {
            "SELECT topic_id, position FROM collection_items WHERE collection_id = $1 AND position > $2 ORDER BY position LIMIT 1"
        };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            next_version!(tx, change);
            let position: Option<i64> = sqlx::query_scalar("SELECT position FROM collection_items WHERE collection_id = $1 AND topic_id = $2")
                .bind(change.collection_id).bind(topic_id).fetch_optional(&mut *tx).await?;
            let Some(position) = position else { return Err(StoreError::Refused(NOT_AN_ITEM)) };
            let neighbour: Option<(i64, i64)> =
                sqlx::query_as(neighbour_sql).bind(change.collection_id).bind(position).fetch_optional(&mut *tx).await?;
            if let Some((other, other_position)) = neighbour {
                let set = "UPDATE collection_items SET position = $1 WHERE collection_id = $2 AND topic_id = $3";
                sqlx::query(set).bind(other_position).bind(change.collection_id).bind(topic_id).execute(&mut *tx).await?;
                sqlx::query(set).bind(position).bind(change.collection_id).bind(other).execute(&mut *tx).await?;
                let after = format!("#{topic_id} {} #{other}", if up { "↑" } else { "↓" });
                audit!(tx, change.actor_id, "collection.move_item", "collection", change.collection_id, "", None::<&str>, Some(after.as_str()))?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// The published collections holding a topic, each with the visible topics on either side
    /// of it: one statement over `collection_items_topic` and `collection_items_order`.
    pub async fn topic_collections(&self, topic_id: i64, limit: i64) -> StoreResult<Vec<TopicCollection>> {
        let sql = "SELECT x.slug, x.title, x.prev_id, pt.title AS prev_title, x.next_id, nt.title AS next_title FROM \
            (SELECT k.slug, k.title, \
              (SELECT p.topic_id FROM collection_items p JOIN topics t ON t.id = p.topic_id WHERE p.collection_id = k.id \
               AND p.position < ci.position AND t.status = 'published' AND t.deleted_at IS NULL ORDER BY p.position DESC LIMIT 1) AS prev_id, \
              (SELECT n.topic_id FROM collection_items n JOIN topics t ON t.id = n.topic_id WHERE n.collection_id = k.id \
               AND n.position > ci.position AND t.status = 'published' AND t.deleted_at IS NULL ORDER BY n.position LIMIT 1) AS next_id \
             FROM collection_items ci JOIN collections k ON k.id = ci.collection_id \
             WHERE ci.topic_id = $1 AND k.status = 'published') x \
            LEFT JOIN topics pt ON pt.id = x.prev_id LEFT JOIN topics nt ON nt.id = x.next_id ORDER BY x.title LIMIT $2";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(topic_id).bind(limit).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Every collection's slug and title, for a curator's "add to collection" list.
    pub async fn collection_choices(&self) -> StoreResult<Vec<(i64, String)>> {
        let sql = "SELECT id, title FROM collections ORDER BY updated_at DESC, id DESC LIMIT 200";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    pub async fn collection_slug(&self, id: i64) -> StoreResult<String> {
        let sql = "SELECT slug FROM collections WHERE id = $1";
        let slug = on_pool!(self, pool => sqlx::query_scalar(sql).bind(id).fetch_one(pool).await?);
        Ok(slug)
    }
}
