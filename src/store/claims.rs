//! Claims of imported history (`admin::claims`): a member asks to be recognised as the author
//! behind a placeholder account of the Facebook import; a moderator's approval moves the
//! placeholder's topics, posts, revisions and uploads to the member in one transaction with
//! its audit row, and marks the placeholder merged (later imports write to the member).

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// One claim as the moderators' page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimRow {
    pub id: i64,
    pub placeholder_id: i64,
    pub placeholder_name: String,
    pub claimant_id: i64,
    pub claimant_name: String,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub topics: i64,
    pub posts: i64,
}

/// Why a claim cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// The account is a real member's, not an imported author's.
    NotPlaceholder,
    /// Already merged into a member.
    AlreadyMerged,
    /// Someone's claim of it is waiting for a moderator.
    AlreadyClaimed,
}

const CLAIM_SELECT: &str = "SELECT c.id, c.placeholder_id, p.display_name AS placeholder_name, c.claimant_id, \
    m.display_name AS claimant_name, c.message, c.created_at, \
    (SELECT COUNT(*) FROM topics t WHERE t.author_id = c.placeholder_id) AS topics, \
    (SELECT COUNT(*) FROM posts x WHERE x.author_id = c.placeholder_id) AS posts \
    FROM history_claims c JOIN users p ON p.id = c.placeholder_id JOIN users m ON m.id = c.claimant_id";

/// Moves a placeholder's writing to a member inside the caller's transaction and marks it merged;
/// the kept counts follow by their triggers, the search index by the change log.
macro_rules! merge_placeholder {
    ($tx:expr, $placeholder:expr, $member:expr) => {
        async {
            let now = Utc::now();
            sqlx::query(
                "INSERT INTO search_changes (entity, entity_id, changed_at) \
                         SELECT 'topic', id, $2 FROM topics WHERE author_id = $1 \
                         UNION SELECT 'topic', topic_id, $2 FROM posts WHERE author_id = $1",
            )
            .bind($placeholder)
            .bind(now)
            .execute(&mut *$tx)
            .await?;
            for table in [
                "UPDATE topics SET author_id = $2 WHERE author_id = $1",
                "UPDATE posts SET author_id = $2 WHERE author_id = $1",
                "UPDATE post_revisions SET editor_id = $2 WHERE editor_id = $1",
                "UPDATE attachments SET uploader_id = $2 WHERE uploader_id = $1",
                "UPDATE users SET merged_into = $2 WHERE id = $1",
            ] {
                sqlx::query(table).bind($placeholder).bind($member).execute(&mut *$tx).await?;
            }
            Ok::<(), sqlx::Error>(())
        }
        .await
    };
}

impl Store {
    /// Records a member's claim of a placeholder account. `NotFound` when there is no such account.
    pub async fn create_claim(&self, placeholder_id: i64, claimant_id: i64, message: &str) -> StoreResult<Result<i64, ClaimRefusal>> {
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let found: Option<(bool, Option<i64>)> = sqlx::query_as("SELECT placeholder, merged_into FROM users WHERE id = $1")
                .bind(placeholder_id).fetch_optional(&mut *tx).await?;
            let refusal = match found.ok_or(StoreError::NotFound)? {
                (false, _) => Some(ClaimRefusal::NotPlaceholder),
                (true, Some(_)) => Some(ClaimRefusal::AlreadyMerged),
                (true, None) => None,
            };
            if let Some(refusal) = refusal {
                return Ok(Err(refusal));
            }
            let id = sqlx::query_scalar("INSERT INTO history_claims (placeholder_id, claimant_id, message, created_at) \
                                         VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING id")
                .bind(placeholder_id).bind(claimant_id).bind(message).bind(Utc::now()).fetch_optional(&mut *tx).await?;
            let Some(id) = id else { return Ok(Err(ClaimRefusal::AlreadyClaimed)) };
            tx.commit().await?;
            Ok(Ok(id))
        })
    }

    /// Whether this account is an imported author not yet merged into a member.
    pub async fn is_claimable_placeholder(&self, user_id: i64) -> StoreResult<bool> {
        let sql = "SELECT COUNT(*) FROM users WHERE id = $1 AND placeholder AND merged_into IS NULL";
        let n: i64 = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Claims waiting for a moderator, oldest first.
    pub async fn open_claims(&self) -> StoreResult<Vec<ClaimRow>> {
        let sql = format!("{CLAIM_SELECT} WHERE c.state = 'open' ORDER BY c.id");
        let rows = on_pool!(self, pool => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Decides an open claim, audited. Approving moves everything the placeholder wrote to the
    /// claimant. `NotFound` for no such claim; `Conflict` when it was already decided.
    pub async fn decide_claim(&self, actor_id: i64, claim_id: i64, approve: bool, reason: &str) -> StoreResult<()> {
        let state = if approve { "approved" } else { "rejected" };
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let claim: Option<(i64, i64, String)> =
                sqlx::query_as("SELECT placeholder_id, claimant_id, state FROM history_claims WHERE id = $1")
                    .bind(claim_id).fetch_optional(&mut *tx).await?;
            let (placeholder, member, current) = claim.ok_or(StoreError::NotFound)?;
            let decided = sqlx::query("UPDATE history_claims SET state = $1, decided_by = $2, decided_at = $3, reason = $4 \
                                       WHERE id = $5 AND state = 'open'")
                .bind(state).bind(actor_id).bind(Utc::now()).bind(reason).bind(claim_id).execute(&mut *tx).await?;
            if decided.rows_affected() == 0 || current != "open" {
                return Err(StoreError::Conflict);
            }
            if approve {
                merge_placeholder!(tx, placeholder, member)?;
            }
            // Before: the placeholder's account number; after: the member's it was merged into.
            let (action, after) = if approve { ("claim_approve", Some(member.to_string())) } else { ("claim_reject", None) };
            let before = placeholder.to_string();
            super::moderation::audit!(tx, actor_id, action, "user", placeholder, reason, Some(before.as_str()), after.as_deref())?;
            tx.commit().await?;
            Ok(())
        })
    }
}
