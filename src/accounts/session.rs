//! Who is asking: a browser session (cookie) for pages, a bearer token for the API.
//! Only hashes of session and API tokens are stored, so a database leak does not sign anyone in.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{Credential, StoreError, User};
use crate::web::CsrfForm;

pub use crate::web::session_cookie::{COOKIE, csrf_token_for, random_token, signed_in_session_token, token_hash};
pub use crate::web::viewer::{RequireUser, Viewer};

/// Middleware: finds out who is asking, once per request. Pages use the session cookie; the API
/// uses `Authorization: Bearer <token>` only, so a cookie can never act on the API cross-site.
/// A suspended member's credentials are looked up like any other but may not act (checked here,
/// on every request, so a suspension takes effect at once and ends by itself).
pub async fn identify(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let viewer = if crate::is_api_path(req.uri().path()) {
        match bearer_token(&req) {
            None => Viewer::Anonymous,
            Some(token) => {
                let hash = token_hash(&token);
                let found = state.store().api_token_credential(&hash).await;
                lookup(&state, found, Used::Token(&hash)).await
            }
        }
    } else {
        match CookieJar::from_headers(req.headers()).get(COOKIE) {
            None => Viewer::Anonymous,
            Some(cookie) => {
                let hash = token_hash(cookie.value());
                let agent = user_agent(req.headers());
                let found = state.store().session_credential(&hash).await;
                lookup(&state, found, Used::Session(&hash, &agent)).await
            }
        }
    };
    req.extensions_mut().insert(viewer);
    next.run(req).await
}

fn bearer_token(req: &Request) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    Some(value.strip_prefix("Bearer ")?.trim().to_string())
}

/// The browser's User-Agent as shown on the sessions page (bounded: it is the client's text).
fn user_agent(headers: &axum::http::HeaderMap) -> String {
    let raw = headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    raw.chars().filter(|c| !c.is_control()).take(300).collect()
}

/// Which credential a request used, to record when it was last used.
enum Used<'a> {
    Session(&'a str, &'a str),
    Token(&'a str),
}

/// "Last used" is written at most this often, not on every request.
const TOUCH_EVERY_MINUTES: i64 = 5;

async fn lookup(state: &AppState, found: Result<Credential, StoreError>, used: Used<'_>) -> Viewer {
    match found {
        Ok(found) if found.suspended => suspended(state, found.user).await,
        Ok(found) => {
            if found.last_used_at.is_none_or(|at| at < Utc::now() - Duration::minutes(TOUCH_EVERY_MINUTES)) {
                touch(state, used).await;
            }
            Viewer::SignedIn(found.user)
        }
        Err(StoreError::NotFound) => Viewer::Expired,
        Err(err) => {
            tracing::error!(error = %err, "session lookup failed");
            Viewer::Anonymous
        }
    }
}

async fn touch(state: &AppState, used: Used<'_>) {
    let done = match used {
        Used::Session(hash, agent) => state.store().touch_session(hash, agent).await,
        Used::Token(hash) => state.store().touch_api_token(hash).await,
    };
    // Only a record for the sessions page: the request goes on either way.
    if let Err(err) = done {
        tracing::warn!(error = %err, "could not record when a credential was last used");
    }
}

async fn suspended(state: &AppState, user: User) -> Viewer {
    match state.store().active_sanction(user.id).await {
        Ok(Some(sanction)) => Viewer::Suspended(crate::moderation::service::sanction_message(&sanction)),
        // The suspension ended between the two reads.
        Ok(None) => Viewer::SignedIn(user),
        Err(err) => {
            tracing::error!(error = %err, "sanction lookup failed");
            Viewer::Anonymous
        }
    }
}

/// Starts a session for `user_id`: adds its cookie to `jar`, and the session's CSRF token (a new
/// one at every sign-in, so a token planted or seen before sign-in is worthless after it).
pub async fn start(state: &AppState, jar: CookieJar, user_id: i64) -> AppResult<CookieJar> {
    let token = random_token();
    let days = state.config().session_days;
    let expires = Utc::now() + Duration::days(days);
    state.store().create_session(&token_hash(&token), user_id, expires).await?;
    // Sign-ins are rare enough to carry the housekeeping.
    state.store().prune_expired(Utc::now() - Duration::days(1)).await?;
    super::rate_limit::prune(state).await?;
    let csrf = crate::web::csrf::cookie(state, csrf_token_for(&token));
    let session = Cookie::build((COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.config().secure_cookies)
        .same_site(SameSite::Lax)
        .max_age(time_days(days))
        .build();
    Ok(jar.add(session).add(csrf))
}

fn time_days(days: i64) -> cookie::time::Duration {
    cookie::time::Duration::days(days)
}

#[derive(serde::Deserialize)]
struct Empty {}

async fn logout(State(state): State<AppState>, jar: CookieJar, CsrfForm(_): CsrfForm<Empty>) -> AppResult<Response> {
    if let Some(cookie) = jar.get(COOKIE) {
        state.store().delete_session(&token_hash(cookie.value())).await?;
    }
    // A new anonymous CSRF token too: the signed-out browser keeps nothing of the session.
    let jar = jar.remove(Cookie::build(COOKIE).path("/")).add(crate::web::csrf::cookie(&state, random_token()));
    Ok((jar, Redirect::to("/")).into_response())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/logout", post(logout))
}
