//! Sign-up requests waiting for their mailed link (issue 17). A request holds a hash of the
//! chosen password and of the link's token, never either in clear.

use chrono::{DateTime, Utc};

use super::{BeginWrite, Store, StoreError, StoreResult, on_pool};

/// What a sign-up form asked for, kept until its link is used.
pub struct NewSignup<'a> {
    pub token_hash: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub next_path: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// A request whose link works, for the page the link opens.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SignupRequest {
    pub email: String,
    pub display_name: String,
    pub next_path: String,
}

impl Store {
    /// Keeps a sign-up request (and forgets expired ones, so the table holds only live links).
    pub async fn create_signup_request(&self, signup: &NewSignup<'_>) -> StoreResult<()> {
        let insert = "INSERT INTO signup_requests \
                      (token_hash, email, email_lower, display_name, password_hash, next_path, created_at, expires_at) \
                      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            sqlx::query("DELETE FROM signup_requests WHERE expires_at <= $1").bind(now).execute(&mut *tx).await?;
            sqlx::query(insert)
                .bind(signup.token_hash).bind(signup.email).bind(signup.email.to_lowercase()).bind(signup.display_name)
                .bind(signup.password_hash).bind(signup.next_path).bind(now).bind(signup.expires_at)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The unexpired request a link is for (not used up).
    pub async fn signup_request(&self, token_hash: &str) -> StoreResult<SignupRequest> {
        let sql = "SELECT email, display_name, next_path FROM signup_requests WHERE token_hash = $1 AND expires_at > $2";
        let found = on_pool!(self, pool => sqlx::query_as(sql).bind(token_hash).bind(Utc::now()).fetch_one(pool).await?);
        Ok(found)
    }

    /// Uses up a link: makes the member account it asked for (its email counted as verified) and
    /// forgets every other request for the same email, in one transaction. `NotFound` when the
    /// link is unknown, expired or already used; `Conflict` when the email got an account since.
    /// Returns the new member's id and where to go next.
    pub async fn complete_signup(&self, token_hash: &str) -> StoreResult<(i64, String)> {
        let take = "DELETE FROM signup_requests WHERE token_hash = $1 AND expires_at > $2 \
                    RETURNING email, email_lower, display_name, password_hash, next_path";
        let insert = "INSERT INTO users (email, email_lower, password_hash, display_name, role, created_at, email_verified) \
                      VALUES ($1, $2, $3, $4, 'member', $5, TRUE) RETURNING id";
        let now = Utc::now();
        let (user_id, name, next) = on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let row: Option<(String, String, String, String, String)> =
                sqlx::query_as(take).bind(token_hash).bind(now).fetch_optional(&mut *tx).await?;
            let (email, email_lower, name, hash, next) = row.ok_or(StoreError::NotFound)?;
            let taken: Option<i64> =
                sqlx::query_scalar("SELECT id FROM users WHERE email_lower = $1").bind(&email_lower).fetch_optional(&mut *tx).await?;
            if taken.is_some() {
                tx.commit().await?;
                return Err(StoreError::Conflict);
            }
            let user_id: i64 = sqlx::query_scalar(insert).bind(&email).bind(&email_lower).bind(&hash).bind(&name).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query("DELETE FROM signup_requests WHERE email_lower = $1").bind(&email_lower).execute(&mut *tx).await?;
            tx.commit().await?;
            (user_id, name, next)
        });
        self.assign_handle(user_id, &crate::text::handle_base(&name)).await?;
        Ok((user_id, next))
    }
}
