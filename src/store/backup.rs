//! What `goodpractice backup` and `restore` ask of the database: a consistent snapshot, the
//! schema version, the counts a manifest records, and whether a restore target is empty.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{Pool, Store, on_pool};

/// Rows a backup holds, recorded in its manifest and compared after a restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupCounts {
    pub users: i64,
    pub topics: i64,
    pub posts: i64,
    pub attachments: i64,
}

const COUNTS: &str = "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM topics), \
                      (SELECT COUNT(*) FROM posts), (SELECT COUNT(*) FROM attachments)";

impl Store {
    /// The newest migration applied to this database.
    pub async fn schema_version(&self) -> anyhow::Result<i64> {
        let sql = "SELECT COALESCE(MAX(version), 0) FROM _sqlx_migrations WHERE success";
        on_pool!(self, pool => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await).context("cannot read the schema version")
    }

    pub async fn backup_counts(&self) -> anyhow::Result<BackupCounts> {
        let (users, topics, posts, attachments) =
            on_pool!(self, pool => sqlx::query_as::<_, (i64, i64, i64, i64)>(COUNTS).fetch_one(pool).await)?;
        Ok(BackupCounts { users, topics, posts, attachments })
    }

    /// SQLite: writes a consistent copy of the whole database to `dest` while others keep
    /// writing (`VACUUM INTO` reads one snapshot), with its counts from that same copy.
    pub async fn snapshot_sqlite(&self, dest: &Path) -> anyhow::Result<BackupCounts> {
        let Pool::Sqlite(pool) = &self.pool else { anyhow::bail!("not a SQLite database") };
        let target = dest.to_str().context("the backup folder's path is not valid UTF-8")?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(pool).await.context("VACUUM INTO failed")?;
        let copy = Store::open_sqlite(&format!("sqlite://{target}")).await?;
        let counts = copy.backup_counts().await;
        if let Pool::Sqlite(pool) = &copy.pool {
            pool.close().await;
        }
        counts
    }

    /// PostgreSQL: runs `dump` with the id of an exported snapshot (for `pg_dump --snapshot`)
    /// while a repeatable-read transaction holds it open, and counts rows in that snapshot.
    pub async fn with_exported_snapshot<F, Fut>(&self, dump: F) -> anyhow::Result<BackupCounts>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let Pool::Postgres(pool) = &self.pool else { anyhow::bail!("not a PostgreSQL database") };
        let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
        let snapshot: String = sqlx::query_scalar("SELECT pg_export_snapshot()").fetch_one(&mut *tx).await?;
        let (users, topics, posts, attachments) = sqlx::query_as::<_, (i64, i64, i64, i64)>(COUNTS).fetch_one(&mut *tx).await?;
        dump(snapshot).await?;
        tx.commit().await?;
        Ok(BackupCounts { users, topics, posts, attachments })
    }

    /// Whether the database holds any table of ours or anyone's (a restore needs an empty one).
    pub async fn has_any_table(&self) -> anyhow::Result<bool> {
        let n: i64 = match &self.pool {
            Pool::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetch_one(pool).await?,
            Pool::Postgres(pool) => {
                let sql = "SELECT COUNT(*) FROM information_schema.tables \
                           WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
                sqlx::query_scalar(sql).fetch_one(pool).await?
            }
        };
        Ok(n > 0)
    }

    /// Connects without migrating, to look at a restore target before anything is written.
    pub async fn connect_only(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres") { Self::open_postgres(url).await } else { Self::open_sqlite(url).await }
    }

    pub async fn close(&self) {
        on_pool!(self, pool => pool.close().await)
    }
}

/// The newest migration this program knows, per database kind.
pub fn known_schema_version(backend: &str) -> i64 {
    let migrator = if backend == "postgres" { sqlx::migrate!("migrations/postgres") } else { sqlx::migrate!("migrations/sqlite") };
    migrator.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The database file a SQLite URL names.
pub fn sqlite_path(url: &str) -> anyhow::Result<PathBuf> {
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).context("invalid SQLite database URL")?;
    Ok(options.get_filename().to_path_buf())
}
