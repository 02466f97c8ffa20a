//! The member's own security pages: changing the password (`/settings/password`) and the
//! signed-in browsers and API tokens (`/settings/sessions`), each of which can be ended.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::session::{COOKIE, token_hash};
use super::{Password, RequireUser, devices, password, rate_limit, strength};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{ApiTokenRow, StoreError, User};
use crate::web::{CsrfForm, Page, refill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/password", get(password_form).post(change_password))
        .route("/settings/sessions", get(sessions_page))
        .route("/settings/sessions/end-others", post(end_others))
        .route("/settings/sessions/{id}/end", post(end_one))
        .route("/settings/tokens/{id}/revoke", post(revoke_token))
}

/// The hash of the session the request came with (a signed-in request always has one).
fn current_session(jar: &CookieJar) -> AppResult<String> {
    jar.get(COOKIE).map(|c| token_hash(c.value())).ok_or(AppError::LoginRequired)
}

// ---------------------------------------------------------------------------------------------
// Password change

#[derive(Template, WebTemplate)]
#[template(path = "password_change.html")]
struct PasswordPage {
    page: Page,
    error: Option<String>,
    changed: bool,
    /// The account signs in only through a provider: there is no current password to ask.
    has_password: bool,
}

#[derive(Deserialize, Default)]
struct ChangedQuery {
    changed: Option<String>,
}

async fn password_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(q): Query<ChangedQuery>,
) -> AppResult<PasswordPage> {
    let has_password = state.store().password_hash_of(user.id).await?.is_some();
    Ok(PasswordPage { page, error: None, changed: q.changed.is_some(), has_password })
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

async fn change_password(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    jar: CookieJar,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    let keep = current_session(&jar)?;
    match change(&state, &user, &form, &keep, addr.ip()).await {
        Ok(()) => Ok(Redirect::to("/settings/password?changed=1").into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let has_password = state.store().password_hash_of(user.id).await?.is_some();
            refill(err, PasswordPage { page, error, changed: false, has_password })
        }
    }
}

/// Checks the current password (counted like a sign-in, so it cannot be guessed faster), then
/// the new one, and sets it, ending every other session.
async fn change(state: &AppState, user: &User, form: &ChangeForm, keep_session: &str, ip: std::net::IpAddr) -> AppResult<()> {
    let stored = state.store().password_hash_of(user.id).await?.ok_or_else(|| AppError::bad("account.error.no_password"))?;
    let attempt = rate_limit::begin(state, &user.email, ip).await?;
    if !password::verify(&form.current_password, &stored) {
        attempt.failed();
        return Err(AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new("account.error.current_password")));
    }
    attempt.succeeded(state).await?;
    let new = Password::parse(&form.new_password)?;
    strength::check(&new, &[&user.display_name, &user.email])?;
    let hash = password::hash(&new)?;
    state.store().change_password(user.id, &hash, keep_session).await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Sessions and tokens

/// One signed-in browser as the page shows it.
struct DeviceView {
    /// Names the session in forms without showing its hash (a hash of the hash).
    id: String,
    browser: String,
    created_at: DateTime<Utc>,
    last_used_at: DateTime<Utc>,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "sessions.html")]
struct SessionsPage {
    page: Page,
    devices: Vec<DeviceView>,
    tokens: Vec<ApiTokenRow>,
    notice: Option<&'static str>,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    ended: Option<String>,
    others_ended: Option<String>,
    revoked: Option<String>,
}

impl DoneQuery {
    fn notice(&self) -> Option<&'static str> {
        if self.ended.is_some() {
            Some("account.sessions.ended")
        } else if self.others_ended.is_some() {
            Some("account.sessions.others_ended")
        } else if self.revoked.is_some() {
            Some("account.sessions.revoked")
        } else {
            None
        }
    }
}

fn public_id(session_hash: &str) -> String {
    token_hash(&format!("session-id:{session_hash}"))[..24].to_string()
}

async fn sessions_page(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    RequireUser(user): RequireUser,
    Query(q): Query<DoneQuery>,
) -> AppResult<SessionsPage> {
    let current = current_session(&jar)?;
    let unknown = page.t("account.sessions.unknown_browser").to_string();
    let devices = state.store().sessions_of(user.id).await?.into_iter().map(|s| DeviceView {
        id: public_id(&s.token_hash),
        browser: devices::describe(&s.user_agent).unwrap_or_else(|| unknown.clone()),
        created_at: s.created_at,
        last_used_at: s.last_used_at.unwrap_or(s.created_at),
        current: s.token_hash == current,
    });
    let mut devices: Vec<DeviceView> = devices.collect();
    devices.sort_by_key(|d| !d.current);
    let tokens = state.store().api_tokens_of(user.id).await?;
    Ok(SessionsPage { page, devices, tokens, notice: q.notice() })
}

#[derive(Deserialize)]
struct Empty {}

async fn end_one(
    State(state): State<AppState>,
    jar: CookieJar,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let current = current_session(&jar)?;
    let target =
        state.store().sessions_of(user.id).await?.into_iter().find(|s| public_id(&s.token_hash) == id).ok_or(AppError::NotFound)?;
    state.store().end_session_of(user.id, &target.token_hash).await?;
    // Ending this browser's own session is signing out.
    let to = if target.token_hash == current { "/" } else { "/settings/sessions?ended=1" };
    Ok(Redirect::to(to).into_response())
}

async fn end_others(
    State(state): State<AppState>,
    jar: CookieJar,
    RequireUser(user): RequireUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let current = current_session(&jar)?;
    state.store().end_other_sessions(user.id, &current).await?;
    Ok(Redirect::to("/settings/sessions?others_ended=1").into_response())
}

async fn revoke_token(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    match state.store().revoke_api_token(user.id, id).await {
        Ok(()) => Ok(Redirect::to("/settings/sessions?revoked=1").into_response()),
        Err(StoreError::NotFound) => Err(AppError::NotFound),
        Err(other) => Err(other.into()),
    }
}
