//! Settings an admin changes while the forum runs (`admin::settings`): one row per setting
//! changed here, read on every use so each process sees a change at once.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreResult, on_pool};

/// A setting changed on the admin page: its value, who set it and when.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SiteSettingRow {
    pub key: String,
    pub value: String,
    pub set_by_name: String,
    pub set_at: DateTime<Utc>,
}

impl Store {
    /// The value set on the admin page for `key`, if any.
    pub async fn site_setting(&self, key: &str) -> StoreResult<Option<String>> {
        let sql = "SELECT value FROM site_settings WHERE key = $1";
        let value = on_pool!(self, pool => sqlx::query_scalar(sql).bind(key).fetch_optional(pool).await?);
        Ok(value)
    }

    /// Every setting changed on the admin page.
    pub async fn site_settings(&self) -> StoreResult<Vec<SiteSettingRow>> {
        let sql = "SELECT s.key, s.value, u.display_name AS set_by_name, s.set_at \
                   FROM site_settings s JOIN users u ON u.id = s.set_by ORDER BY s.key";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Sets `key` to `value` (`None`: back to the configured value), with its audit row
    /// (`before`/`after` as the admin saw them).
    pub async fn set_site_setting_audited(
        &self,
        actor_id: i64,
        key: &str,
        value: Option<&str>,
        shown: (&str, &str),
        reason: &str,
    ) -> StoreResult<()> {
        let (before, after) = (format!("{key}: {}", shown.0), format!("{key}: {}", shown.1));
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            match value {
                Some(value) => {
                    sqlx::query("INSERT INTO site_settings (key, value, set_by, set_at) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT (key) DO UPDATE SET value = excluded.value, set_by = excluded.set_by, set_at = excluded.set_at")
                        .bind(key).bind(value).bind(actor_id).bind(Utc::now()).execute(&mut *tx).await?;
                }
                None => {
                    sqlx::query("DELETE FROM site_settings WHERE key = $1").bind(key).execute(&mut *tx).await?;
                }
            }
            super::moderation::audit!(tx, actor_id, "set_setting", "setting", 0_i64, reason, Some(before.as_str()), Some(after.as_str()))?;
            tx.commit().await?;
            Ok(())
        })
    }
}
