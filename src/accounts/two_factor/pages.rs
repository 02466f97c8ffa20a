//! The pages: the code step of sign-in, and enrolment / switching off under settings.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use chrono::Utc;
use serde::Deserialize;

use super::{CodeCheck, PENDING_ATTEMPTS, PENDING_COOKIE, check_code, required_for, totp};
use crate::accounts::{RequireUser, password, rate_limit, session};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{PendingSignIn, StoreError, User};
use crate::web::{CsrfForm, Page, refill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/two-factor", get(code_form).post(submit_code))
        .route("/settings/two-factor", get(settings))
        .route("/settings/two-factor/enable", post(enable))
        .route("/settings/two-factor/disable", post(disable))
}

#[derive(Template, WebTemplate)]
#[template(path = "two_factor_login.html")]
struct CodePage {
    page: Page,
    error: Option<String>,
}

/// The half-finished sign-in this browser holds, if it is still good.
async fn pending(state: &AppState, jar: &CookieJar) -> AppResult<Option<(String, PendingSignIn)>> {
    let Some(cookie) = jar.get(PENDING_COOKIE) else { return Ok(None) };
    let hash = session::token_hash(cookie.value());
    Ok(state.store().pending_sign_in(&hash).await?.map(|p| (hash, p)))
}

fn start_over() -> Response {
    Redirect::to("/login?two_factor_expired=1").into_response()
}

async fn code_form(State(state): State<AppState>, page: Page, jar: CookieJar) -> AppResult<Response> {
    if pending(&state, &jar).await?.is_none() {
        return Ok(start_over());
    }
    Ok(CodePage { page, error: None }.into_response())
}

#[derive(Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

async fn submit_code(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    let Some((hash, signing_in)) = pending(&state, &jar).await? else { return Ok(start_over()) };
    let limit_key = format!("two-factor:{}", signing_in.user_id);
    let attempt = match rate_limit::begin(&state, &limit_key, addr.ip()).await {
        Ok(attempt) => attempt,
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            return refill(err, CodePage { error, page });
        }
    };
    if check_code(&state, signing_in.user_id, &form.code).await? == CodeCheck::Wrong {
        attempt.failed();
        state.store().count_pending_failure(&hash).await?;
        if signing_in.attempts + 1 >= PENDING_ATTEMPTS {
            state.store().delete_pending_sign_in(&hash).await?;
        }
        let error = Some(page.msg(&Msg::new("error.two_factor.code_wrong")));
        return Ok((StatusCode::UNAUTHORIZED, CodePage { page, error }).into_response());
    }
    state.store().delete_pending_sign_in(&hash).await?;
    attempt.succeeded(&state).await?;
    let jar = jar.remove(Cookie::build(PENDING_COOKIE).path("/login/two-factor"));
    let jar = session::start(&state, jar, signing_in.user_id).await?;
    Ok((jar, Redirect::to(&signing_in.next_path)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "two_factor_settings.html")]
struct SettingsPage {
    page: Page,
    error: Option<String>,
    /// The member's role requires two-factor and it is not on yet.
    required: bool,
    state: Enrolment,
}

enum Enrolment {
    /// Not on: the secret to add to an app, as text and as a QR code.
    Offer {
        secret_grouped: String,
        qr_svg: String,
    },
    /// Just turned on: the recovery codes, shown this once.
    Enabled {
        recovery_codes: Vec<String>,
    },
    On {
        recovery_codes_left: i64,
        switched_off_allowed: bool,
    },
}

#[derive(Deserialize, Default)]
struct SettingsQuery {
    required: Option<String>,
}

async fn settings(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(q): Query<SettingsQuery>,
) -> AppResult<Response> {
    let enrolment = current_state(&state, &page, &user).await?;
    let required = q.required.is_some() && !matches!(enrolment, Enrolment::On { .. });
    Ok(not_stored(SettingsPage { page, error: None, required, state: enrolment }))
}

/// The secret and the recovery codes must not stay in a browser's or a proxy's cache.
fn not_stored(page: SettingsPage) -> Response {
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

/// What the settings page shows: the member's codes left, or (a fresh secret kept until it is
/// confirmed) how to add it to an app.
async fn current_state(state: &AppState, page: &Page, user: &User) -> AppResult<Enrolment> {
    let existing = state.store().two_factor_of(user.id).await?;
    if existing.as_ref().is_some_and(|t| t.enabled_at.is_some()) {
        let recovery_codes_left = state.store().unused_recovery_codes(user.id).await?;
        return Ok(Enrolment::On { recovery_codes_left, switched_off_allowed: !required_for(state, user) });
    }
    let secret = match existing {
        Some(t) => state.totp_secrets().open(user.id, &t.secret)?,
        None => {
            let secret = totp::new_secret();
            state.store().begin_two_factor(user.id, &state.totp_secrets().seal(user.id, &secret)?).await?;
            secret
        }
    };
    let uri = totp::otpauth_uri(ISSUER_LABEL, &user.email, &secret);
    let qr_svg = totp::qr_svg(&uri, page.t("two_factor.qr_label"))?;
    Ok(Enrolment::Offer { secret_grouped: totp::grouped(&secret), qr_svg })
}

const ISSUER_LABEL: &str = super::ISSUER;

async fn enable(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> AppResult<Response> {
    match confirm_enrolment(&state, user.id, &form.code).await {
        Ok(recovery_codes) => {
            Ok(not_stored(SettingsPage { page, error: None, required: false, state: Enrolment::Enabled { recovery_codes } }))
        }
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let enrolment = current_state(&state, &page, &user).await?;
            refill(err, not_stored(SettingsPage { page, error, required: required_for(&state, &user), state: enrolment }))
        }
    }
}

/// Turns two-factor on once a code from the new secret matches; returns the recovery codes.
async fn confirm_enrolment(state: &AppState, user_id: i64, typed: &str) -> AppResult<Vec<String>> {
    let pending = state.store().two_factor_of(user_id).await?;
    let Some(pending) = pending.filter(|t| t.enabled_at.is_none()) else {
        return Err(AppError::Conflict(Msg::new("error.two_factor.already_on")));
    };
    let key = totp::base32_decode(&state.totp_secrets().open(user_id, &pending.secret)?)
        .ok_or_else(|| anyhow::anyhow!("stored TOTP secret is not base32"))?;
    let step = totp::matching_step(&key, typed, Utc::now().timestamp(), 0).ok_or_else(|| AppError::bad("error.two_factor.code_wrong"))?;
    let (codes, hashes) = super::new_recovery_codes();
    state.store().enable_two_factor(user_id, step, &hashes).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("error.two_factor.already_on")),
        other => other.into(),
    })?;
    tracing::info!(user_id, "two-factor sign-in turned on");
    Ok(codes)
}

#[derive(Deserialize)]
struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn disable(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<DisableForm>,
) -> AppResult<Response> {
    match switch_off(&state, &user, &form, addr).await {
        Ok(()) => Ok(Redirect::to("/settings/two-factor").into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let enrolment = current_state(&state, &page, &user).await?;
            refill(err, SettingsPage { page, error, required: false, state: enrolment })
        }
    }
}

/// Needs the password (when the account has one) and a current code; refused for roles that
/// must keep two-factor on. Counted against the sign-in rate limit like a sign-in.
async fn switch_off(state: &AppState, user: &User, form: &DisableForm, addr: SocketAddr) -> AppResult<()> {
    if required_for(state, user) {
        return Err(AppError::Forbidden(Msg::new("error.two_factor.required_for_role")));
    }
    let attempt = rate_limit::begin(state, &user.email, addr.ip()).await?;
    let (_, hash) = state.store().user_for_login(&user.email).await?;
    let password_ok = hash.as_deref().is_none_or(|h| password::verify(&form.password, h));
    if !password_ok || check_code(state, user.id, &form.code).await? == CodeCheck::Wrong {
        attempt.failed();
        return Err(AppError::Rejected(StatusCode::UNAUTHORIZED, Msg::new("error.two_factor.disable_refused")));
    }
    attempt.succeeded(state).await?;
    state.store().disable_two_factor(user.id).await?;
    tracing::info!(user_id = user.id, "two-factor sign-in turned off");
    Ok(())
}
