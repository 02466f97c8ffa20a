//! Sign-up by mailed link (issue 17), so the form never tells who has an account.
//!
//! - The form checks what it can without looking anyone up (email shape, name, password length
//!   and strength against the name and email) and the limits, then answers "check your mail",
//!   the same for every email, in the same time: the look-up, hashing and mail happen in a task
//!   after the answer is sent.
//! - A new email gets a link (32 random bytes, only their SHA-256 stored, valid
//!   [`LINK_HOURS`]); using it makes the account and signs in. An email that already has an
//!   account gets a mail saying so, with the way to reset the password, and nothing is made.
//! - Limited per client address (`signups_per_address`) and per email (`signups_per_email`)
//!   per hour, counted for new and known emails alike.

use std::net::IpAddr;

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use super::session::{random_token, token_hash};
use super::{DisplayName, Email, Password, password, strength};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::notify::mail::Outgoing;
use crate::store::{NewSignup, SignupRequest, StoreError};
use crate::web::i18n::Lang;

/// How long a sign-up link works: long enough for a nurse who checks her mail after a shift.
pub const LINK_HOURS: i64 = 24;

/// What the sign-up form asked for, checked.
pub struct SignupAsk {
    pub email: Email,
    pub name: DisplayName,
    pub password: Password,
    /// Where to go once signed in (already made safe).
    pub next: String,
}

impl SignupAsk {
    /// Checks the fields in the order a person fixes them; looks nobody up.
    pub fn parse(email: &str, name: &str, password: &str, next: String) -> AppResult<Self> {
        let email = Email::parse(email)?;
        let name = DisplayName::parse(name)?;
        let password = Password::parse(password)?;
        strength::check(&password, &[name.as_str(), email.as_str()])?;
        Ok(Self { email, name, password, next })
    }
}

/// Takes a checked sign-up: counts it against the limits, then mails a link or an "already
/// have an account" notice in the background. The answer does not depend on the email.
pub async fn request(state: &AppState, ask: SignupAsk, ip: IpAddr, lang: Lang) -> AppResult<()> {
    crate::admin::settings::require_signup_open(state).await?;
    check_limits(state, &ask.email, ip).await?;
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(err) = mail_for(&state, &ask, lang).await {
            tracing::warn!(error = %err, "could not prepare a sign-up mail");
        }
    });
    Ok(())
}

async fn check_limits(state: &AppState, email: &Email, ip: IpAddr) -> AppResult<()> {
    let per_address = state.config().signups_per_address;
    if let Some(minutes) = super::rate_limit::past_hourly_limit(state, &format!("signup-ip:{ip}"), per_address).await? {
        return Err(AppError::TooManyRequests(
            Msg::new("account.error.signup_address_rate").arg("limit", per_address).arg("minutes", minutes),
        ));
    }
    let per_email = state.config().signups_per_email;
    let key = format!("signup-email:{}", email.as_str().to_lowercase());
    if let Some(minutes) = super::rate_limit::past_hourly_limit(state, &key, per_email).await? {
        return Err(AppError::TooManyRequests(Msg::new("account.error.signup_email_rate").arg("limit", per_email).arg("minutes", minutes)));
    }
    Ok(())
}

/// The mail a sign-up earns: a link for a new email, a notice for one that has an account.
async fn mail_for(state: &AppState, ask: &SignupAsk, lang: Lang) -> AppResult<()> {
    let letter = match state.store().user_for_login(ask.email.as_str()).await {
        Ok(_) => already_registered(state, ask, lang),
        Err(StoreError::NotFound) => {
            let token = random_token();
            let hash = password::hash(&ask.password)?;
            let signup = NewSignup {
                token_hash: &token_hash(&token),
                email: ask.email.as_str(),
                display_name: ask.name.as_str(),
                password_hash: &hash,
                next_path: &ask.next,
                expires_at: Utc::now() + Duration::hours(LINK_HOURS),
            };
            state.store().create_signup_request(&signup).await?;
            confirm_link(state, ask, &token, lang)
        }
        Err(other) => return Err(other.into()),
    };
    super::reset::send_with_retries(state, &letter).await;
    Ok(())
}

fn letter(state: &AppState, ask: &SignupAsk, lang: Lang, subject: &str, body: Vec<String>) -> Outgoing {
    let t = |key: &str| state.catalogs().get(lang, key).to_string();
    let mut paragraphs = vec![t("notify.mail.greeting").replace("{name}", ask.name.as_str())];
    paragraphs.extend(body);
    paragraphs.push(t("account.mail.signup_ignore"));
    Outgoing {
        to_name: ask.name.as_str().to_string(),
        to_email: ask.email.as_str().to_string(),
        subject: t(subject),
        paragraphs,
        unsubscribe_url: None,
        lang: lang.code(),
    }
}

fn confirm_link(state: &AppState, ask: &SignupAsk, token: &str, lang: Lang) -> Outgoing {
    let intro = state.catalogs().get(lang, "account.mail.signup_intro").replace("{hours}", &LINK_HOURS.to_string());
    let link = format!("{}/signup/confirm/{token}", state.site_base());
    letter(state, ask, lang, "account.mail.signup_subject", vec![intro, link])
}

fn already_registered(state: &AppState, ask: &SignupAsk, lang: Lang) -> Outgoing {
    let intro = state.catalogs().get(lang, "account.mail.signup_exists").to_string();
    let link = format!("{}/password/forgot", state.site_base());
    letter(state, ask, lang, "account.mail.signup_exists_subject", vec![intro, link])
}

fn bad_link() -> AppError {
    AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new("account.error.signup_link"))
}

/// The request a link is for, while it works (not used up).
pub async fn pending(state: &AppState, token: &str) -> AppResult<SignupRequest> {
    // A token is 43 characters; anything much longer was not made here.
    if token.len() > 128 {
        return Err(bad_link());
    }
    match state.store().signup_request(&token_hash(token.trim())).await {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound) => Err(bad_link()),
        Err(other) => Err(other.into()),
    }
}

/// Uses up a link and makes the account; returns the new member's id and where to go next.
pub async fn complete(state: &AppState, token: &str) -> AppResult<(i64, String)> {
    if token.len() > 128 {
        return Err(bad_link());
    }
    crate::admin::settings::require_signup_open(state).await?;
    let (user_id, next) = match state.store().complete_signup(&token_hash(token.trim())).await {
        Ok(done) => done,
        Err(StoreError::NotFound) => return Err(bad_link()),
        Err(StoreError::Conflict) => return Err(AppError::Conflict(Msg::new("account.error.signup_taken"))),
        Err(other) => return Err(other.into()),
    };
    crate::moderation::service::queue_new_account(state, user_id).await?;
    Ok((user_id, next))
}
