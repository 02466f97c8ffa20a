//! The database: one `Store` API over SQLite and PostgreSQL. SQL lives only here.
//!
//! Both dialects accept `$1` placeholders and `RETURNING`, so most statements are written once and
//! run through [`on_pool!`], which expands the same code for each pool type.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

mod accounts;
mod forum;
mod guidance;
mod search;
mod import;
pub use import::{ImportedReply, ImportedTopic};
mod moderation;
mod identities;
mod attachments;
pub use attachments::{AttachmentRow, NewAttachment};
mod notify;
pub use notify::{DigestJob, DigestTopic, MailJob, NewNotification, NotifySettings, WatchRow};

pub use accounts::{NewUser, ProfileUpdate, User};
pub use forum::{Category, NewCategory, NewPost, NewTopic, PostEdit, PostRow, Revision, TopicFilter, TopicRow, TopicSummary};
pub use identities::{Identity, OidcLogin};
pub use search::SearchChange;
pub use guidance::{CitingTopic, Criterion, GuidanceFields, GuidanceLinks, GuidanceRow, LibraryNumber, PostCitation, RelatedDoc, Relations};
pub use moderation::{AuditEntry, Decision, FlagRow, NewFlag, NewSanction, Notification, QueueFilter, QueueItem, Sanction, TopicAction, TopicFlag, WatchedWordRow};

/// Runs `$body` with `$pool` bound to whichever pool the store holds.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::store::Pool::Sqlite($pool) => $body,
            $crate::store::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

#[derive(Clone)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: Pool,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists")]
    Conflict,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            // SQLite names no constraint, so the kind is the only portable signal.
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict,
            _ => StoreError::Other(err.into()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

impl Store {
    /// Connects to `url` (`postgres://…` or `sqlite://…`) and applies pending migrations.
    pub async fn open(url: &str) -> anyhow::Result<Self> {
        let store = if url.starts_with("postgres") {
            Self::open_postgres(url).await?
        } else {
            Self::open_sqlite(url).await?
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn open_postgres(url: &str) -> anyhow::Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(10))
            .connect(url)
            .await
            .context("cannot connect to PostgreSQL")?;
        Ok(Self { pool: Pool::Postgres(pool) })
    }

    async fn open_sqlite(url: &str) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(url)
            .context("invalid SQLite database URL")?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5))
            .foreign_keys(true);
        if let Some(dir) = options.get_filename().parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create data folder {}", dir.display()))?;
        }
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await
            .context("cannot open the SQLite database")?;
        Ok(Self { pool: Pool::Sqlite(pool) })
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        match &self.pool {
            Pool::Sqlite(pool) => sqlx::migrate!("migrations/sqlite").run(pool).await,
            Pool::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await,
        }
        .context("database migration failed")
    }

    /// True once the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        on_pool!(self, pool => sqlx::query("SELECT 1").execute(pool).await.is_ok())
    }

    pub fn backend(&self) -> &'static str {
        match self.pool {
            Pool::Sqlite(_) => "sqlite",
            Pool::Postgres(_) => "postgres",
        }
    }
}
