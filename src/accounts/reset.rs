//! Password reset by mail, shared by the pages and the API.
//!
//! - The request answers the same for every well-formed address, in the same time: looking the
//!   address up, storing the link and mailing it happen in a task after the answer is sent.
//! - It is limited per email (`password_resets_per_email`) and per client address
//!   (`password_resets_per_address`) per hour, counted for known and unknown addresses alike.
//! - The link holds 32 random bytes; only their SHA-256 is stored. It works for an hour, once
//!   (`DELETE … RETURNING` in the transaction that sets the password), and a newer link or a
//!   successful sign-in deletes it. Using it ends every session and API token of the account.
//! - The link is never stored in clear, so its mail is sent at once (three tries) instead of
//!   through the notification outbox; if all fail, the member asks again.

use std::net::IpAddr;
use std::time::Duration as StdDuration;

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use super::session::{random_token, token_hash};
use super::{Email, Password, password, strength};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::notify::mail::{self, Outgoing, SendError};
use crate::store::{StoreError, User};
use crate::web::i18n::Lang;

/// How long a link works.
pub const LINK_MINUTES: i64 = 60;
/// Tries to deliver one link, a few seconds apart.
const SEND_TRIES: u32 = 3;

/// Accepts a request for a reset link: checks the address's shape and the limits, then mails a
/// link if (and only if) an account uses the address.
pub async fn request(state: &AppState, raw_email: &str, ip: IpAddr) -> AppResult<()> {
    let email = Email::parse(raw_email)?;
    check_limits(state, &email, ip).await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = mail_link(&state, &email).await {
            tracing::warn!(error = %err, "could not prepare a password reset mail");
        }
    });
    Ok(())
}

async fn check_limits(state: &AppState, email: &Email, ip: IpAddr) -> AppResult<()> {
    let per_address = state.config().password_resets_per_address;
    if let Some(minutes) = super::rate_limit::past_hourly_limit(state, &format!("reset-ip:{ip}"), per_address).await? {
        return Err(AppError::TooManyRequests(
            Msg::new("account.error.reset_address_rate").arg("limit", per_address).arg("minutes", minutes),
        ));
    }
    let per_email = state.config().password_resets_per_email;
    let key = format!("reset-email:{}", email.as_str().to_lowercase());
    if let Some(minutes) = super::rate_limit::past_hourly_limit(state, &key, per_email).await? {
        return Err(AppError::TooManyRequests(Msg::new("account.error.reset_email_rate").arg("limit", per_email).arg("minutes", minutes)));
    }
    Ok(())
}

/// Stores a new link for the account using `email`, if any, and mails it.
async fn mail_link(state: &AppState, email: &Email) -> AppResult<()> {
    let user = match state.store().user_for_login(email.as_str()).await {
        Ok((user, _)) => user,
        Err(StoreError::NotFound) => return Ok(()),
        Err(other) => return Err(other.into()),
    };
    let token = random_token();
    let expires = Utc::now() + Duration::minutes(LINK_MINUTES);
    state.store().create_password_reset(user.id, &token_hash(&token), expires).await?;
    let lang = Lang::parse(&state.store().notify_settings(user.id).await?.language).unwrap_or_default();
    let letter = compose(state, &user, &token, lang);
    send_with_retries(state, &letter).await;
    Ok(())
}

fn compose(state: &AppState, user: &User, token: &str, lang: Lang) -> Outgoing {
    let t = |key: &str| state.catalogs().get(lang, key).to_string();
    let link = format!("{}/password/reset/{token}", state.site_base());
    Outgoing {
        to_name: user.display_name.clone(),
        to_email: user.email.clone(),
        subject: t("account.mail.reset_subject"),
        paragraphs: vec![
            t("notify.mail.greeting").replace("{name}", &user.display_name),
            t("account.mail.reset_intro").replace("{minutes}", &LINK_MINUTES.to_string()),
            link,
            t("account.mail.reset_ignore"),
        ],
        unsubscribe_url: None,
        lang: lang.code(),
    }
}

pub(super) async fn send_with_retries(state: &AppState, letter: &Outgoing) {
    for attempt in 1..=SEND_TRIES {
        match mail::send_now(state.config(), letter).await {
            Ok(()) => return,
            // Only the SMTP status: the server's words may quote the address.
            Err(SendError::Permanent(why)) => {
                tracing::warn!(why, "password reset mail refused for good");
                return;
            }
            Err(SendError::Transient(why)) => {
                tracing::info!(why, attempt, "password reset mail will be tried again");
                tokio::time::sleep(StdDuration::from_secs(2 * u64::from(attempt))).await;
            }
        }
    }
    tracing::warn!("password reset mail given up; the member can ask again");
}

fn bad_link() -> AppError {
    AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new("account.error.reset_link"))
}

/// The member a link is for, while it works (it is not used up).
pub async fn link_owner(state: &AppState, token: &str) -> AppResult<User> {
    // A token is 43 characters; anything much longer was not made here.
    if token.len() > 128 {
        return Err(bad_link());
    }
    match state.store().password_reset_user(&token_hash(token.trim())).await {
        Ok(user) => Ok(user),
        Err(StoreError::NotFound) => Err(bad_link()),
        Err(other) => Err(other.into()),
    }
}

/// Sets a new password with a link: the link is checked, then the password (length, then
/// strength against common passwords and the member's own name and email), then the link is
/// used up with the change. Returns the member's id.
pub async fn complete(state: &AppState, token: &str, new_password: &str) -> AppResult<i64> {
    let user = link_owner(state, token).await?;
    let password = Password::parse(new_password)?;
    strength::check(&password, &[&user.display_name, &user.email])?;
    let hash = password::hash(&password)?;
    match state.store().reset_password(&token_hash(token.trim()), &hash).await {
        Ok(user_id) => Ok(user_id),
        // Another request used the link between the two steps.
        Err(StoreError::NotFound) => Err(bad_link()),
        Err(other) => Err(other.into()),
    }
}
