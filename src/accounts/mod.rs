//! Accounts: sign-up, sign-in, sessions, API tokens, roles and profiles.

mod admin;
mod api;
mod devices;
mod domain;
mod leaving;
mod leaving_api;
pub mod oidc;
mod pages;
pub mod password;
mod rate_limit;
pub mod reset;
mod reset_pages;
mod security_pages;
pub mod session;
mod signup;
mod signup_pages;
pub mod strength;
pub mod two_factor;

use axum::Router;

use crate::app::AppState;
pub use crate::domain::{Role, provinces};
use crate::error::{AppError, AppResult};
use crate::store::{NewUser, Store, StoreError};
pub use api::{DEFAULT_TOKEN_DAYS, LABEL_MAX as TOKEN_LABEL_MAX, MAX_TOKEN_DAYS};
pub use domain::{DisplayName, Email, Password};
pub use session::{RequireUser, Viewer};

pub fn router() -> Router<AppState> {
    pages::router()
        .merge(session::router())
        .merge(two_factor::router())
        .merge(reset_pages::router())
        .merge(security_pages::router())
        .merge(admin::router())
        .merge(leaving::router())
        .merge(signup_pages::router())
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router().merge(leaving_api::router())
}

/// Creates an account with a password; the email must be free in any letter case.
pub async fn register(store: &Store, email: &Email, name: &DisplayName, password: &Password, role: Role) -> AppResult<i64> {
    let hash = password::hash(password)?;
    let new_user = NewUser { email: email.as_str(), password_hash: Some(&hash), display_name: name.as_str(), role };
    store.create_user(&new_user).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(crate::error::Msg::new("error.email_taken")),
        other => other.into(),
    })
}

/// Checks an email and password, counting failures against the sign-in rate limit.
/// Unknown email and wrong password get the same answer, in the same time.
pub async fn authenticate(state: &AppState, email: &str, password: &str, ip: std::net::IpAddr) -> AppResult<crate::store::User> {
    let email = crate::text::clean_line(email);
    let attempt = rate_limit::begin(state, &email, ip).await?;
    let found = match state.store().user_for_login(&email).await {
        Ok(found) => Some(found),
        Err(StoreError::NotFound) => None,
        Err(other) => return Err(other.into()),
    };
    let stored_hash = found.as_ref().and_then(|(_, h)| h.clone());
    let hash = stored_hash.as_deref().unwrap_or_else(|| password::decoy_hash());
    let password_ok = password::verify(password, hash) && stored_hash.is_some();
    match found {
        Some((user, _)) if password_ok => {
            // A suspended member is told why and until when instead of being signed in.
            crate::moderation::ensure_not_suspended(state.store(), &user).await?;
            attempt.succeeded(state).await?;
            // Signing in with the password makes any reset link sent before it worthless.
            state.store().delete_password_resets(user.id).await?;
            Ok(user)
        }
        _ => {
            attempt.failed();
            Err(AppError::Rejected(axum::http::StatusCode::UNAUTHORIZED, crate::error::Msg::new("error.login_failed")))
        }
    }
}
