//! The database: one `Store` API over SQLite and PostgreSQL. SQL lives only here.
//!
//! Both dialects accept `$1` placeholders and `RETURNING`, so most statements are written once and
//! run through [`on_pool!`], which expands the same code for each pool type.

use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub mod access;
mod accounts;
mod api_listings;
mod citing;
mod claims;
pub use citing::{CitingGroup, CitingTopicRow};
pub use claims::{ClaimRefusal, ClaimRow};
mod counts;
mod forum;
mod listings;
pub use api_listings::{ApiPostRow, ApiTopicFilter, ApiTopicRow, Keyset, PublicMember};
mod revisions;
pub use counts::TopicCounts;
pub use listings::{ListingQuery, PlanArg, listing_queries};
mod bulk;
mod guidance;
mod import;
mod search;
pub use bulk::{BulkTable, Cell};
pub use import::{ImportItem, ImportedReply, ImportedTopic, LaterReplies};
mod attachments;
mod identities;
mod moderation;
mod posting_checks;
mod watched_words;
pub use attachments::{AttachmentRow, NewAttachment, UnlinkedAttachment};
mod notify;
pub use notify::{DigestJob, DigestTopic, MailJob, NewNotification, NotifySettings, WatchRow};
mod engagement;
pub use engagement::{BookmarkRow, DraftRow, HelpfulCount};
mod two_factor;
pub use two_factor::{PendingSignIn, TwoFactor};
mod backup;
mod leases;
mod limits;
mod ops;
pub use backup::{BackupCounts, known_schema_version, sqlite_path};
pub use ops::{OpsGauges, PoolUse};
mod admin_categories;
mod admin_users;
mod collection_readers;
mod collection_views;
pub use collection_views::{CollectionOpening, RecentItem};
mod collections;
pub use collections::{CollectionChange, CollectionFields, CollectionItemRow, CollectionRow, STALE as COLLECTION_STALE, TopicCollection};
mod credentials;
mod leaving;
mod official_answers;
mod signups;
mod site_settings;
pub use admin_categories::{CategoryClash, CategoryFields, Direction};
pub use admin_users::AdminUserRow;
pub use credentials::{ApiTokenRow, Credential, SessionRow};
pub use leases::JobLease;
pub use leaving::{ExportDraft, ExportPost, LEFT_NAME};
pub use limits::AttemptClaim;
pub use official_answers::Endorsement;
pub use signups::{NewSignup, SignupRequest};
pub use site_settings::SiteSettingRow;

pub use accounts::{NewUser, ProfileUpdate, User};
pub use forum::{Category, NewCategory, NewPost, NewTopic, PostEdit, PostRow, TagRow, TopicFilter, TopicRow, TopicSummary};
pub use guidance::{
    CitingTopic, Criterion, GuidanceFields, GuidanceLinks, GuidanceRow, LibraryNumber, PostCitation, RelatedDoc, Relations,
};
pub use identities::{Identity, OidcLogin};
pub use moderation::{
    AuditEntry, Decision, FlagRow, NewFlag, NewSanction, Notification, QueueFilter, QueueItem, Sanction, TopicAction, TopicFlag,
};
pub use revisions::{Redaction, Revision};
pub use search::SearchChange;
pub use watched_words::WatchedWordRow;

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

/// Starts a transaction that will write. Every store transaction begins this way.
///
/// On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at the start, where the busy
/// timeout waits for it. A plain (deferred) transaction that reads before writing fails at once
/// with "database is locked" when another connection commits in between, and no timeout helps.
pub(crate) trait BeginWrite {
    type Db: sqlx::Database;
    fn begin_write(&self) -> impl Future<Output = sqlx::Result<sqlx::Transaction<'static, Self::Db>>> + Send;
}

impl BeginWrite for SqlitePool {
    type Db = sqlx::Sqlite;
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        self.begin_with("BEGIN IMMEDIATE").await
    }
}

/// The advisory lock every PostgreSQL write transaction holds (any number, the same for all).
const WRITE_LOCK: i64 = 0x6770_7772;

impl BeginWrite for PgPool {
    type Db = sqlx::Postgres;
    /// Write transactions take turns, as on SQLite: the kept topic counts (migration 0015) are a
    /// few rows every write touches in whatever order its statements come (a hide reaches the
    /// document's count before the category's, a new topic the other way), and two writers
    /// holding one each would deadlock. One advisory lock at the start orders them instead.
    async fn begin_write(&self) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut tx = self.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
        Ok(tx)
    }
}

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
    /// The write was refused for what it asked (the message key says why); nothing was written.
    #[error("refused: {0}")]
    Refused(&'static str),
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
        let store = if url.starts_with("postgres") { Self::open_postgres(url).await? } else { Self::open_sqlite(url).await? };
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
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create data folder {}", dir.display()))?;
        }
        let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await.context("cannot open the SQLite database")?;
        Ok(Self { pool: Pool::Sqlite(pool) })
    }

    /// Connects to `url` for reading only (a dry run): no migration, nothing created, every
    /// transaction read only. `None` when there is no database yet: no SQLite file, no such
    /// PostgreSQL database, or one never migrated (no tables). Fails when the database is
    /// migrated to an older version (its tables would not be the ones read here).
    pub async fn open_read_only(url: &str) -> anyhow::Result<Option<Self>> {
        let store = if url.starts_with("postgres") {
            let options = sqlx::postgres::PgConnectOptions::from_str(url)
                .context("invalid PostgreSQL database URL")?
                .options([("default_transaction_read_only", "on")]);
            let connected = PgPoolOptions::new().max_connections(2).acquire_timeout(Duration::from_secs(10)).connect_with(options).await;
            // 3D000, invalid_catalog_name: the database named in the URL does not exist.
            if let Err(sqlx::Error::Database(e)) = &connected
                && e.code().as_deref() == Some("3D000")
            {
                return Ok(None);
            }
            Self { pool: Pool::Postgres(connected.context("cannot connect to PostgreSQL")?) }
        } else {
            let options = SqliteConnectOptions::from_str(url).context("invalid SQLite database URL")?;
            if !options.get_filename().exists() {
                return Ok(None);
            }
            let pool = SqlitePoolOptions::new()
                .max_connections(2)
                .connect_with(options.read_only(true).busy_timeout(Duration::from_secs(5)))
                .await
                .context("cannot open the SQLite database")?;
            Self { pool: Pool::Sqlite(pool) }
        };
        if !store.check_up_to_date().await? {
            return Ok(None);
        }
        Ok(Some(store))
    }

    /// Whether the database was ever migrated (`false`: it has no tables of ours yet); fails
    /// unless every migration of this version has been applied.
    async fn check_up_to_date(&self) -> anyhow::Result<bool> {
        let (migrator, sql) = match &self.pool {
            Pool::Sqlite(_) => (sqlx::migrate!("migrations/sqlite"), "SELECT MAX(version) FROM _sqlx_migrations WHERE success"),
            Pool::Postgres(_) => (sqlx::migrate!("migrations/postgres"), "SELECT MAX(version) FROM _sqlx_migrations WHERE success"),
        };
        let latest = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let applied: Option<i64> = match on_pool!(self, pool => sqlx::query_scalar(sql).fetch_one(pool).await) {
            Ok(applied) => applied,
            Err(e) if is_missing_table(&e) => return Ok(false),
            Err(e) => return Err(anyhow::Error::new(e).context("cannot read the database's migrations")),
        };
        if applied.unwrap_or(0) < latest {
            anyhow::bail!("the database is not up to date with this version of goodpractice: run `goodpractice migrate` first");
        }
        Ok(true)
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

/// Whether a query failed because its table does not exist (PostgreSQL 42P01, undefined_table;
/// SQLite's generic error, told by its message).
fn is_missing_table(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => db.code().as_deref() == Some("42P01") || db.message().starts_with("no such table"),
        _ => false,
    }
}
