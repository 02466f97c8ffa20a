//! Provider accounts linked to members, and sign-ins in progress with a provider.

use super::BeginWrite;
use chrono::{DateTime, Utc};

use super::{NewUser, Store, StoreError, StoreResult, on_pool};

/// A provider account linked to a member.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Identity {
    pub provider_id: String,
    pub created_at: DateTime<Utc>,
}

/// A sign-in waiting for the provider to send the browser back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OidcLogin {
    pub state_hash: String,
    pub provider_id: String,
    pub browser_hash: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
    pub next_path: String,
    pub link_user_id: Option<i64>,
    pub created_at: DateTime<Utc>,
}

impl Store {
    pub async fn save_oidc_login(&self, login: &OidcLogin) -> StoreResult<()> {
        let sql = "INSERT INTO oidc_logins (state_hash, provider_id, browser_hash, nonce, pkce_verifier, \
                   redirect_uri, next_path, link_user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
        on_pool!(self, pool => sqlx::query(sql)
            .bind(&login.state_hash).bind(&login.provider_id).bind(&login.browser_hash).bind(&login.nonce)
            .bind(&login.pkce_verifier).bind(&login.redirect_uri).bind(&login.next_path)
            .bind(login.link_user_id).bind(login.created_at)
            .execute(pool).await.map(|_| ())?);
        // Abandoned sign-ins are cleared on the way (they are useless after a few minutes).
        let sql = "DELETE FROM oidc_logins WHERE created_at < $1";
        let stale = Utc::now() - chrono::Duration::hours(1);
        on_pool!(self, pool => sqlx::query(sql).bind(stale).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    /// Removes and returns the sign-in with this state: a state works once, whatever happens next.
    pub async fn take_oidc_login(&self, state_hash: &str) -> StoreResult<Option<OidcLogin>> {
        let sql = "DELETE FROM oidc_logins WHERE state_hash = $1 RETURNING state_hash, provider_id, browser_hash, \
                   nonce, pkce_verifier, redirect_uri, next_path, link_user_id, created_at";
        let found = on_pool!(self, pool => sqlx::query_as(sql).bind(state_hash).fetch_optional(pool).await?);
        Ok(found)
    }

    /// The member signed in by this provider account, if any.
    pub async fn identity_user(&self, provider_id: &str, subject: &str) -> StoreResult<Option<i64>> {
        let sql = "SELECT user_id FROM user_identities WHERE provider_id = $1 AND subject = $2";
        let found = on_pool!(self, pool => sqlx::query_scalar(sql).bind(provider_id).bind(subject).fetch_optional(pool).await?);
        Ok(found)
    }

    /// Creates a member and their first provider account together (nothing half-made);
    /// `Conflict` when the email or the provider account is taken.
    pub async fn create_user_with_identity(
        &self,
        user: &NewUser<'_>,
        email_verified: bool,
        provider_id: &str,
        subject: &str,
    ) -> StoreResult<i64> {
        let now = Utc::now();
        on_pool!(self, pool => {
            let mut tx = pool.begin_write().await?;
            let user_id: i64 = sqlx::query_scalar(
                "INSERT INTO users (email, email_lower, password_hash, display_name, role, created_at, email_verified) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
                .bind(user.email).bind(user.email.to_lowercase()).bind(user.password_hash).bind(user.display_name)
                .bind(user.role.as_str()).bind(now).bind(email_verified)
                .fetch_one(&mut *tx).await?;
            sqlx::query("INSERT INTO user_identities (user_id, provider_id, subject, created_at) VALUES ($1, $2, $3, $4)")
                .bind(user_id).bind(provider_id).bind(subject).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            self.assign_handle(user_id, &crate::text::handle_base(user.display_name)).await?;
            Ok(user_id)
        })
    }

    /// Links a provider account to a member; `Conflict` when it is linked already (to anyone)
    /// or the member has an account with this provider.
    pub async fn link_identity(&self, user_id: i64, provider_id: &str, subject: &str) -> StoreResult<()> {
        let sql = "INSERT INTO user_identities (user_id, provider_id, subject, created_at) VALUES ($1, $2, $3, $4)";
        on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(provider_id).bind(subject).bind(Utc::now()).execute(pool).await.map(|_| ())?);
        Ok(())
    }

    pub async fn identities_of(&self, user_id: i64) -> StoreResult<Vec<Identity>> {
        let sql = "SELECT provider_id, created_at FROM user_identities WHERE user_id = $1 ORDER BY provider_id";
        let rows = on_pool!(self, pool => sqlx::query_as(sql).bind(user_id).fetch_all(pool).await?);
        Ok(rows)
    }

    /// Unlinks a provider account unless it is the member's last way to sign in (no password and
    /// no other provider): `Conflict` then, `NotFound` when it was not linked. One statement, so two
    /// unlinks at once cannot both pass the check.
    pub async fn unlink_identity(&self, user_id: i64, provider_id: &str) -> StoreResult<()> {
        let sql = "DELETE FROM user_identities WHERE user_id = $1 AND provider_id = $2 AND ( \
                     EXISTS (SELECT 1 FROM users WHERE id = $1 AND password_hash IS NOT NULL) \
                     OR (SELECT COUNT(*) FROM user_identities WHERE user_id = $1) > 1)";
        let removed = on_pool!(self, pool => sqlx::query(sql).bind(user_id).bind(provider_id).execute(pool).await?.rows_affected());
        if removed > 0 {
            return Ok(());
        }
        let linked = self.identities_of(user_id).await?.iter().any(|i| i.provider_id == provider_id);
        Err(if linked { StoreError::Conflict } else { StoreError::NotFound })
    }

    /// The member with this email (any letter case), if any.
    pub async fn user_id_by_email(&self, email: &str) -> StoreResult<Option<i64>> {
        let sql = "SELECT id FROM users WHERE email_lower = $1";
        let found = on_pool!(self, pool => sqlx::query_scalar(sql).bind(email.to_lowercase()).fetch_optional(pool).await?);
        Ok(found)
    }

    /// Whether a provider vouched for this member's email.
    pub async fn email_verified(&self, user_id: i64) -> StoreResult<bool> {
        let sql = "SELECT email_verified FROM users WHERE id = $1";
        let verified = on_pool!(self, pool => sqlx::query_scalar(sql).bind(user_id).fetch_one(pool).await?);
        Ok(verified)
    }
}
