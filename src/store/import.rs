//! Bulk import: topics remembered by where they came from, placeholder authors.

use chrono::Utc;

use super::forum::{insert_topic, log_change};
use super::{NewTopic, Store, StoreError, StoreResult, on_pool};

impl Store {
    /// Creates topics as [`Store::create_topic`] does, many in one transaction (one commit for
    /// the lot), each under a savepoint of its own: `None` for one whose `source_id` exists,
    /// which is left out whole. Any other failure rolls the whole batch back.
    pub async fn create_topics(&self, topics: &[NewTopic<'_>]) -> StoreResult<Vec<Option<(i64, i64)>>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let mut created = Vec::with_capacity(topics.len());
            for t in topics {
                let mut savepoint = sqlx::Acquire::begin(&mut *tx).await?;
                match insert_topic!(savepoint, t).map_err(StoreError::from) {
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
