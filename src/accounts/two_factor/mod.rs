//! Two-factor sign-in: a TOTP authenticator (RFC 6238) plus ten single-use recovery codes.
//!
//! After the right password (or a provider sign-in) a member with two-factor on is only *half*
//! signed in: the browser gets a short-lived `gp_2fa` cookie that lets it reach `/login/two-factor`
//! and nothing else, and the session starts once a code is accepted. Roles listed in
//! `require_two_factor` are sent to enrolment before they may do anything else.

mod pages;
pub mod totp;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Duration, Utc};
use rand::Rng;

use super::session::{self, Viewer, random_token, token_hash};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::User;
use crate::web::safe_next;

pub use pages::router;

pub const PENDING_COOKIE: &str = "gp_2fa";
/// Minutes between the password and the code before the sign-in must start over.
const PENDING_MINUTES: i64 = 5;
/// Wrong codes one half-finished sign-in may try before it must start over.
const PENDING_ATTEMPTS: i32 = 5;
pub const RECOVERY_CODES: usize = 10;
/// No 0/o, 1/l/i: recovery codes are copied by hand from paper.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Shown as the issuer in authenticator apps.
const ISSUER: &str = "goodpractice";

/// Finishes a sign-in whose first factor was right: a session at once, or, for a member with
/// two-factor on, the code page first.
pub async fn complete_sign_in(state: &AppState, jar: CookieJar, user_id: i64, next: &str) -> AppResult<Response> {
    let next = safe_next(Some(next));
    if !state.store().has_two_factor(user_id).await? {
        let jar = session::start(state, jar, user_id).await?;
        return Ok((jar, Redirect::to(&next)).into_response());
    }
    let token = random_token();
    let expires = Utc::now() + Duration::minutes(PENDING_MINUTES);
    state.store().create_pending_sign_in(&token_hash(&token), user_id, &next, expires).await?;
    let cookie = Cookie::build((PENDING_COOKIE, token))
        .path("/login/two-factor")
        .http_only(true)
        .secure(state.config().secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::minutes(PENDING_MINUTES))
        .build();
    Ok((jar.add(cookie), Redirect::to("/login/two-factor")).into_response())
}

/// What a code typed by the member turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum CodeCheck {
    Authenticator,
    RecoveryCode,
    Wrong,
}

/// Checks a code from the authenticator (each one works once) or an unspent recovery code.
pub async fn check_code(state: &AppState, user_id: i64, typed: &str) -> AppResult<CodeCheck> {
    let Some(two_factor) = state.store().two_factor_of(user_id).await?.filter(|t| t.enabled_at.is_some()) else {
        return Ok(CodeCheck::Wrong);
    };
    let key = totp::base32_decode(&state.totp_secrets().open(user_id, &two_factor.secret)?)
        .ok_or_else(|| anyhow::anyhow!("stored TOTP secret is not base32"))?;
    if let Some(step) = totp::matching_step(&key, typed, Utc::now().timestamp(), two_factor.last_step) {
        // A second request with the same code loses the race in the database.
        if state.store().accept_two_factor_step(user_id, step).await? {
            return Ok(CodeCheck::Authenticator);
        }
        return Ok(CodeCheck::Wrong);
    }
    match normalise_recovery_code(typed) {
        Some(code) if state.store().use_recovery_code(user_id, &token_hash(&code)).await? => Ok(CodeCheck::RecoveryCode),
        _ => Ok(CodeCheck::Wrong),
    }
}

/// An API token for a member with two-factor on needs a code too, or the API would be a way
/// around it. Wrong codes count against the sign-in rate limit.
pub async fn check_api_code(state: &AppState, user: &User, code: Option<&str>, ip: std::net::IpAddr) -> AppResult<()> {
    if !state.store().has_two_factor(user.id).await? {
        return Ok(());
    }
    let unauthorized = |key| AppError::Rejected(axum::http::StatusCode::UNAUTHORIZED, Msg::new(key));
    let Some(code) = code.filter(|c| !c.trim().is_empty()) else {
        return Err(unauthorized("error.two_factor.code_required"));
    };
    let limit_key = format!("two-factor:{}", user.id);
    let attempt = super::rate_limit::begin(state, &limit_key, ip).await?;
    if check_code(state, user.id, code).await? == CodeCheck::Wrong {
        attempt.failed();
        return Err(unauthorized("error.two_factor.code_wrong"));
    }
    attempt.succeeded(state).await
}

/// Ten new recovery codes like `k7mp2-xq9ht`: what to show once, and the hashes to keep.
pub fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10).map(|_| RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect();
    let hashes = codes.iter().map(|c| token_hash(&normalise_recovery_code(c).expect("a code we made"))).collect();
    (codes, hashes)
}

/// A recovery code as typed (any case, spaces or dashes) in the one form that is hashed.
fn normalise_recovery_code(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect();
    (code.len() == 10 && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b))).then_some(code)
}

/// Whether this member's role must sign in with a second factor.
pub fn required_for(state: &AppState, user: &User) -> bool {
    state.config().require_two_factor.contains(&user.role)
}

/// Middleware: a member whose role requires two-factor but who has none yet is led to
/// enrolment (pages) or told why (API, 403) before anything else.
pub async fn require_enrolment(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(Viewer::SignedIn(user)) = req.extensions().get::<Viewer>() else {
        return next.run(req).await;
    };
    if !required_for(&state, user) || allowed_before_enrolment(req.uri().path()) {
        return next.run(req).await;
    }
    match state.store().has_two_factor(user.id).await {
        Ok(true) => next.run(req).await,
        Ok(false) if crate::is_api_path(req.uri().path()) => AppError::Forbidden(Msg::new("error.two_factor.required_api")).into_response(),
        Ok(false) => Redirect::to("/settings/two-factor?required=1").into_response(),
        Err(err) => AppError::from(err).into_response(),
    }
}

/// What a member who must enrol can still reach: enrolment itself, signing out, the stylesheet
/// and the language switch.
fn allowed_before_enrolment(path: &str) -> bool {
    path.starts_with("/settings/two-factor") || path == "/logout" || path.starts_with("/static/") || path.starts_with("/lang/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_ten_distinct_readable_codes_that_normalise_to_their_hash() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODES);
        for (code, hash) in codes.iter().zip(&hashes) {
            assert_eq!(code.len(), 11);
            let typed = format!(" {} ", code.to_uppercase().replace('-', " "));
            assert_eq!(token_hash(&normalise_recovery_code(&typed).unwrap()), *hash);
        }
        assert_eq!(normalise_recovery_code("12345-67890"), None, "0 and 1 are never in a code");
        assert_eq!(normalise_recovery_code("abcde"), None);
    }

    #[test]
    fn only_enrolment_sign_out_styles_and_language_are_open_before_enrolment() {
        for open in ["/settings/two-factor", "/settings/two-factor/enable", "/logout", "/static/style.css", "/lang/en"] {
            assert!(allowed_before_enrolment(open), "{open}");
        }
        for closed in ["/", "/new", "/mod/queue", "/settings/profile", "/api/v1/topics", "/notifications"] {
            assert!(!allowed_before_enrolment(closed), "{closed}");
        }
    }
}
