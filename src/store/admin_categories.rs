//! What the admin's categories page writes: create, rename and describe, reorder, archive. Each
//! change is one transaction with its audit row and a change-log row (so every process's page
//! cache empties); a renamed slug leaves a redirect behind, and the category's topics are
//! re-indexed under the new slug.

use chrono::Utc;

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// What an admin types for a category.
pub struct CategoryFields<'a> {
    pub slug: &'a str,
    pub name_vi: &'a str,
    pub name_en: &'a str,
    pub description_vi: &'a str,
    pub description_en: &'a str,
}

/// Which field is already another category's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CategoryClash {
    Slug,
    NameVi,
    NameEn,
}

/// Which way a category moves in the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Up,
    Down,
}

#[derive(sqlx::FromRow)]
struct Names {
    id: i64,
    slug: String,
    name_vi: String,
    name_en: String,
}

/// Names compare without case (NFC text: Vietnamese capitals fold like ASCII ones).
fn same(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// The first field of `f` another category (not `own`) already has.
fn clash(others: &[Names], own: Option<i64>, f: &CategoryFields<'_>) -> Option<CategoryClash> {
    let others = others.iter().filter(|n| Some(n.id) != own);
    for n in others {
        if same(&n.slug, f.slug) {
            return Some(CategoryClash::Slug);
        }
        if same(&n.name_vi, f.name_vi) {
            return Some(CategoryClash::NameVi);
        }
        if same(&n.name_en, f.name_en) {
            return Some(CategoryClash::NameEn);
        }
    }
    None
}

/// The audit's picture of a category.
fn described(slug: &str, name_vi: &str, name_en: &str) -> String {
    format!("{slug} · {name_vi} · {name_en}")
}

const NAMES: &str = "SELECT id, slug, name_vi, name_en FROM categories";
const LOG_CATEGORY: &str = "INSERT INTO search_changes (entity, entity_id, changed_at) VALUES ('category', $1, $2)";
const LOG_ITS_TOPICS: &str =
    "INSERT INTO search_changes (entity, entity_id, changed_at) SELECT 'topic', id, $2 FROM topics WHERE category_id = $1";

impl Store {
    /// Creates a category at the end of the list, audited. `Ok(Err(clash))` writes nothing.
    pub async fn create_category_audited(&self, actor_id: i64, f: &CategoryFields<'_>) -> StoreResult<Result<i64, CategoryClash>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let all: Vec<Names> = sqlx::query_as(NAMES).fetch_all(&mut *tx).await?;
            if let Some(c) = clash(&all, None, f) {
                return Ok(Err(c));
            }
            let sql = "INSERT INTO categories (slug, name_vi, name_en, description_vi, description_en, position) \
                       VALUES ($1, $2, $3, $4, $5, (SELECT COALESCE(MAX(position), -1) + 1 FROM categories)) RETURNING id";
            let id: i64 = sqlx::query_scalar(sql).bind(f.slug).bind(f.name_vi).bind(f.name_en)
                .bind(f.description_vi).bind(f.description_en).fetch_one(&mut *tx).await?;
            // A slug taken by a new category no longer leads to the one that had it before.
            sqlx::query("DELETE FROM category_redirects WHERE old_slug = $1").bind(f.slug).execute(&mut *tx).await?;
            let after = described(f.slug, f.name_vi, f.name_en);
            super::moderation::audit!(tx, actor_id, "category_create", "category", id, "", None::<&str>, Some(after.as_str()))?;
            sqlx::query(LOG_CATEGORY).bind(id).bind(Utc::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(id))
        })
    }

    /// Renames and describes a category, audited; a new slug leaves the old one redirecting
    /// here and re-indexes the category's topics. `NotFound` when it no longer exists.
    pub async fn update_category_audited(&self, actor_id: i64, id: i64, f: &CategoryFields<'_>) -> StoreResult<Result<(), CategoryClash>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let all: Vec<Names> = sqlx::query_as(NAMES).fetch_all(&mut *tx).await?;
            let before = all.iter().find(|n| n.id == id).ok_or(StoreError::NotFound)?;
            if let Some(c) = clash(&all, Some(id), f) {
                return Ok(Err(c));
            }
            let sql = "UPDATE categories SET slug = $1, name_vi = $2, name_en = $3, description_vi = $4, description_en = $5 \
                       WHERE id = $6";
            sqlx::query(sql).bind(f.slug).bind(f.name_vi).bind(f.name_en)
                .bind(f.description_vi).bind(f.description_en).bind(id).execute(&mut *tx).await?;
            if before.slug != f.slug {
                sqlx::query("DELETE FROM category_redirects WHERE old_slug = $1").bind(f.slug).execute(&mut *tx).await?;
                sqlx::query("INSERT INTO category_redirects (old_slug, category_id) VALUES ($1, $2) \
                             ON CONFLICT (old_slug) DO UPDATE SET category_id = excluded.category_id")
                    .bind(&before.slug).bind(id).execute(&mut *tx).await?;
                // Search documents carry the slug (`category:`).
                sqlx::query(LOG_ITS_TOPICS).bind(id).bind(Utc::now()).execute(&mut *tx).await?;
            }
            let was = described(&before.slug, &before.name_vi, &before.name_en);
            let after = described(f.slug, f.name_vi, f.name_en);
            super::moderation::audit!(tx, actor_id, "category_edit", "category", id, "", Some(was.as_str()), Some(after.as_str()))?;
            sqlx::query(LOG_CATEGORY).bind(id).bind(Utc::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(Ok(()))
        })
    }

    /// Swaps a category with its neighbour, audited; positions are renumbered 0, 1, 2… on the
    /// way. `NotFound` when it no longer exists; moving the first up (or the last down) changes
    /// nothing and returns `false`.
    pub async fn move_category_audited(&self, actor_id: i64, id: i64, direction: Direction) -> StoreResult<bool> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let mut order: Vec<i64> = sqlx::query_scalar("SELECT id FROM categories ORDER BY position, id").fetch_all(&mut *tx).await?;
            let at = order.iter().position(|c| *c == id).ok_or(StoreError::NotFound)?;
            let other = match direction {
                Direction::Up if at > 0 => at - 1,
                Direction::Down if at + 1 < order.len() => at + 1,
                _ => return Ok(false),
            };
            order.swap(at, other);
            for (position, category) in order.iter().enumerate() {
                sqlx::query("UPDATE categories SET position = $1 WHERE id = $2")
                    .bind(position as i64).bind(category).execute(&mut *tx).await?;
            }
            let (before, after) = (at.to_string(), other.to_string());
            super::moderation::audit!(tx, actor_id, "category_move", "category", id, "", Some(before.as_str()), Some(after.as_str()))?;
            sqlx::query(LOG_CATEGORY).bind(id).bind(Utc::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(true)
        })
    }

    /// Archives a category (no new topics; still readable) or brings it back, audited.
    /// `NotFound` when it no longer exists; `Conflict` when it already was so.
    pub async fn archive_category_audited(&self, actor_id: i64, id: i64, archive: bool, reason: &str) -> StoreResult<()> {
        let sql = if archive {
            "UPDATE categories SET archived_at = $1 WHERE id = $2 AND archived_at IS NULL"
        } else {
            "UPDATE categories SET archived_at = NULL WHERE id = $2 AND archived_at IS NOT NULL AND archived_at < $1"
        };
        let (action, before, after) =
            if archive { ("category_archive", "open", "archived") } else { ("category_unarchive", "archived", "open") };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let exists: Option<i64> = sqlx::query_scalar("SELECT id FROM categories WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
            exists.ok_or(StoreError::NotFound)?;
            let done = sqlx::query(sql).bind(Utc::now()).bind(id).execute(&mut *tx).await?.rows_affected();
            if done == 0 {
                return Err(StoreError::Conflict);
            }
            super::moderation::audit!(tx, actor_id, action, "category", id, reason, Some(before), Some(after))?;
            sqlx::query(LOG_CATEGORY).bind(id).bind(Utc::now()).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The categories a new topic may go to (not archived), in display order.
    pub async fn open_categories(&self) -> StoreResult<Vec<super::Category>> {
        Ok(self.categories().await?.into_iter().filter(|c| !c.archived).collect())
    }

    /// The slug a renamed category has now, for a request to one of its old slugs.
    pub async fn category_moved_to(&self, old_slug: &str) -> StoreResult<Option<String>> {
        let sql = "SELECT c.slug FROM category_redirects r JOIN categories c ON c.id = r.category_id WHERE r.old_slug = $1";
        let slug = on_pool!(self, pool => sqlx::query_scalar(sql).bind(old_slug).fetch_optional(pool).await?);
        Ok(slug)
    }
}
