//! Bulk loading for the scale benchmark (`goodpractice scale generate`): rows written with
//! their ids chosen by the caller, many per multi-row INSERT, into an empty forum.
//!
//! Ids are given rather than returned so that a generator can point replies, citations, flags
//! and notifications at rows it wrote a moment ago without reading anything back. PostgreSQL
//! identity columns then need `OVERRIDING SYSTEM VALUE` and, at the end, their sequences moved
//! past the highest id ([`Store::bulk_finish`]); SQLite's AUTOINCREMENT follows by itself.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Pool, Store, StoreResult, on_pool};

/// One value of a bulk row. A NULL keeps its type: PostgreSQL refuses a NULL bound as a
/// number for a text column.
#[derive(Debug, Clone)]
pub enum Cell {
    Int(Option<i64>),
    Text(Option<String>),
    Time(Option<DateTime<Utc>>),
    Bool(bool),
}

impl From<i64> for Cell {
    fn from(v: i64) -> Self {
        Cell::Int(Some(v))
    }
}
impl From<Option<i64>> for Cell {
    fn from(v: Option<i64>) -> Self {
        Cell::Int(v)
    }
}
impl From<&str> for Cell {
    fn from(v: &str) -> Self {
        Cell::Text(Some(v.to_string()))
    }
}
impl From<String> for Cell {
    fn from(v: String) -> Self {
        Cell::Text(Some(v))
    }
}
impl From<Option<String>> for Cell {
    fn from(v: Option<String>) -> Self {
        Cell::Text(v)
    }
}
impl From<Option<&str>> for Cell {
    fn from(v: Option<&str>) -> Self {
        Cell::Text(v.map(str::to_string))
    }
}
impl From<DateTime<Utc>> for Cell {
    fn from(v: DateTime<Utc>) -> Self {
        Cell::Time(Some(v))
    }
}
impl From<Option<DateTime<Utc>>> for Cell {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Cell::Time(v)
    }
}
impl From<bool> for Cell {
    fn from(v: bool) -> Self {
        Cell::Bool(v)
    }
}

/// The tables a bulk load writes, each with the columns its rows give, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkTable {
    Users,
    Topics,
    Posts,
    PostRevisions,
    Tags,
    TopicTags,
    PostGuidance,
    Flags,
    ModerationItems,
    AuditLog,
    Notifications,
    SearchChanges,
    HelpfulMarks,
}

impl BulkTable {
    pub fn name(self) -> &'static str {
        match self {
            BulkTable::Users => "users",
            BulkTable::Topics => "topics",
            BulkTable::Posts => "posts",
            BulkTable::PostRevisions => "post_revisions",
            BulkTable::Tags => "tags",
            BulkTable::TopicTags => "topic_tags",
            BulkTable::PostGuidance => "post_guidance",
            BulkTable::Flags => "flags",
            BulkTable::ModerationItems => "moderation_items",
            BulkTable::AuditLog => "audit_log",
            BulkTable::Notifications => "notifications",
            BulkTable::SearchChanges => "search_changes",
            BulkTable::HelpfulMarks => "helpful_marks",
        }
    }

    /// The columns each row gives values for, in order.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            BulkTable::Users => &[
                "id",
                "email",
                "email_lower",
                "display_name",
                "job_title",
                "hospital",
                "department",
                "province_code",
                "role",
                "created_at",
                "trust_level",
                "handle",
                "placeholder",
            ],
            BulkTable::Topics => &[
                "id",
                "category_id",
                "author_id",
                "kind",
                "title",
                "summary",
                "status",
                "reply_count",
                "created_at",
                "last_posted_at",
                "anonymous",
                "hospital_tier",
                "anon_province",
            ],
            BulkTable::Posts => &["id", "topic_id", "author_id", "position", "body", "body_html", "status", "created_at"],
            BulkTable::PostRevisions => &["post_id", "revision", "title", "body", "editor_id", "created_at"],
            BulkTable::Tags => &["id", "slug", "label"],
            BulkTable::TopicTags => &["topic_id", "tag_id"],
            BulkTable::PostGuidance => &["post_id", "guidance_id", "how"],
            BulkTable::Flags => &["post_id", "user_id", "reason", "note", "weight", "created_at"],
            BulkTable::ModerationItems => {
                &["kind", "post_id", "user_id", "reasons", "state", "decision", "handled_by", "handled_at", "created_at"]
            }
            BulkTable::AuditLog => &["at", "actor_id", "action", "item_type", "item_id", "reason", "before_text", "after_text"],
            BulkTable::Notifications => {
                &["user_id", "kind", "topic_id", "post_id", "actor_id", "reason", "created_at", "read_at", "mail_state"]
            }
            BulkTable::SearchChanges => &["entity", "entity_id", "changed_at"],
            BulkTable::HelpfulMarks => &["post_id", "user_id", "created_at"],
        }
    }

    /// Whether the rows give the identity column (PostgreSQL must then be told to accept it).
    fn gives_id(self) -> bool {
        self.columns().first() == Some(&"id")
    }

    /// Rows per statement: within SQLite's 32,766 bound values, and not so many that one
    /// statement holds megabytes of text.
    fn rows_per_statement(self) -> usize {
        (30_000 / self.columns().len()).min(1_000)
    }
}

/// Tables whose ids a bulk load chose, so their PostgreSQL sequences must move past them.
const IDENTITY_TABLES: [BulkTable; 4] = [BulkTable::Users, BulkTable::Topics, BulkTable::Posts, BulkTable::Tags];

impl Store {
    /// Writes `rows` (each with the values of [`BulkTable::columns`]) into `table`, in one
    /// transaction, with as few multi-row INSERTs as the bound-value limits allow.
    pub async fn bulk_insert(&self, table: BulkTable, rows: &[Vec<Cell>]) -> StoreResult<()> {
        let columns = table.columns();
        if let Some(bad) = rows.iter().find(|r| r.len() != columns.len()) {
            return Err(anyhow::anyhow!("a {} row has {} values for {} columns", table.name(), bad.len(), columns.len()).into());
        }
        let overriding = matches!(self.pool, Pool::Postgres(_)) && table.gives_id();
        let head =
            format!("INSERT INTO {} ({}){} ", table.name(), columns.join(", "), if overriding { " OVERRIDING SYSTEM VALUE" } else { "" });
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            for chunk in rows.chunks(table.rows_per_statement()) {
                let mut q = sqlx::QueryBuilder::new(head.as_str());
                q.push_values(chunk, |mut row, cells| {
                    for cell in cells {
                        match cell {
                            Cell::Int(v) => row.push_bind(*v),
                            Cell::Text(v) => row.push_bind(v.as_deref()),
                            Cell::Time(v) => row.push_bind(*v),
                            Cell::Bool(v) => row.push_bind(*v),
                        };
                    }
                });
                q.build().execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    /// After a bulk load: PostgreSQL's identity sequences continue after the ids it wrote, and
    /// its planner statistics describe the new rows (as autovacuum would make them soon).
    pub async fn bulk_finish(&self) -> StoreResult<()> {
        let Pool::Postgres(pool) = &self.pool else { return Ok(()) };
        for table in IDENTITY_TABLES {
            let name = table.name();
            let sql = format!("SELECT setval(pg_get_serial_sequence('{name}', 'id'), GREATEST((SELECT MAX(id) FROM {name}), 1))");
            sqlx::query(sqlx::AssertSqlSafe(sql)).execute(pool).await?;
        }
        sqlx::query("ANALYZE").execute(pool).await?;
        Ok(())
    }

    /// The highest id in each table a bulk load gives ids to (users, topics, posts, tags): where
    /// generated ids start.
    pub async fn bulk_max_ids(&self) -> StoreResult<[i64; 4]> {
        let mut ids = [0; 4];
        for (slot, table) in ids.iter_mut().zip(IDENTITY_TABLES) {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {}", table.name());
            *slot = on_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?);
        }
        Ok(ids)
    }

    /// Rows in each table a bulk load writes, by table name: what the generator's report is
    /// checked against.
    pub async fn bulk_counts(&self) -> StoreResult<Vec<(&'static str, i64)>> {
        let tables = [
            BulkTable::Users,
            BulkTable::Topics,
            BulkTable::Posts,
            BulkTable::PostRevisions,
            BulkTable::Tags,
            BulkTable::TopicTags,
            BulkTable::PostGuidance,
            BulkTable::Flags,
            BulkTable::ModerationItems,
            BulkTable::AuditLog,
            BulkTable::Notifications,
            BulkTable::SearchChanges,
            BulkTable::HelpfulMarks,
        ];
        let mut counts = Vec::new();
        for table in tables {
            let sql = format!("SELECT COUNT(*) FROM {}", table.name());
            let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await?);
            counts.push((table.name(), n));
        }
        Ok(counts)
    }

    /// Ids of staff accounts (moderators and admins), oldest first: the generator makes them
    /// the actors of audit rows and the readers with many notifications.
    pub async fn staff_user_ids(&self) -> StoreResult<Vec<i64>> {
        let sql = "SELECT id FROM users WHERE role IN ('moderator', 'admin') ORDER BY id";
        let ids = on_pool!(self, pool => sqlx::query_scalar(sql).fetch_all(pool).await?);
        Ok(ids)
    }
}
