//! The accounts API: API tokens (`POST` exchanges an email and password for one; `GET` lists
//! the caller's; `DELETE` revokes one) and password reset by mail.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::{random_token, token_hash};
use super::{RequireUser, reset};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::ApiTokenRow;

/// How long a token lasts when the caller does not say.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;
/// The longest a token may be asked to last.
pub const MAX_TOKEN_DAYS: i64 = 365;
/// Longest token label.
pub const LABEL_MAX: usize = 80;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_token, list_tokens))
        .routes(routes!(revoke_token))
        .routes(routes!(forgot_password))
        .routes(routes!(reset_password))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    email: String,
    password: String,
    /// The authenticator's current code (or a recovery code), for accounts with two-factor sign-in on.
    #[serde(default)]
    code: Option<String>,
    /// A name to recognise the token by on the sessions page ("Zalo bot", "laptop script").
    #[serde(default)]
    label: Option<String>,
    /// How many days the token lasts (1–365; 90 when left out). A whole number; `30.0` is read
    /// as 30, since JSON Schema counts it as an integer too.
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    expires_in_days: Option<serde_json::Number>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    /// The token's id, for `DELETE /api/v1/tokens/{id}`.
    id: i64,
    user_id: i64,
    display_name: String,
    role: String,
    expires_at: DateTime<Utc>,
}

/// The label and lifetime asked for, checked before the password is.
fn token_terms(req: &TokenRequest) -> AppResult<(String, i64)> {
    let label = crate::text::clean_line(req.label.as_deref().unwrap_or(""));
    if crate::text::char_len(&label) > LABEL_MAX {
        return Err(AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, Msg::new("error.field_too_long").arg("max", LABEL_MAX)));
    }
    let days = match &req.expires_in_days {
        None => DEFAULT_TOKEN_DAYS,
        Some(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 1e15).map(|f| f as i64)).unwrap_or(0),
    };
    if !(1..=MAX_TOKEN_DAYS).contains(&days) {
        return Err(AppError::Rejected(StatusCode::UNPROCESSABLE_ENTITY, Msg::new("account.error.token_days").arg("max", MAX_TOKEN_DAYS)));
    }
    Ok((label, days))
}

/// Sign in and get an API token.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password, or a two-factor code missing or wrong"),
              (status = 403, description = "the account is suspended"),
              (status = 429, description = "too many failed attempts")))]
async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<Response> {
    let (label, days) = token_terms(&req)?;
    let user = super::authenticate(&state, &req.email, &req.password, addr.ip()).await?;
    super::two_factor::check_api_code(&state, &user, req.code.as_deref(), addr.ip()).await?;
    let token = random_token();
    let expires_at = Utc::now() + Duration::days(days);
    let id = state.store().create_labelled_api_token(&token_hash(&token), user.id, &label, expires_at).await?;
    let body = TokenResponse { token, id, user_id: user.id, display_name: user.display_name, role: user.role.as_str().into(), expires_at };
    // The token is a credential: no cache anywhere may keep this answer.
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    crate::web::hardening::mark_private(response.headers_mut());
    Ok(response)
}

/// One of the caller's API tokens (never the token itself: only its hash is kept).
#[derive(Serialize, ToSchema)]
pub struct TokenOut {
    id: i64,
    label: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
}

impl From<ApiTokenRow> for TokenOut {
    fn from(r: ApiTokenRow) -> Self {
        Self { id: r.id, label: r.label, created_at: r.created_at, last_used_at: r.last_used_at, expires_at: r.expires_at }
    }
}

/// The caller's unexpired API tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", security(("bearer" = [])), responses((status = 200, body = Vec<TokenOut>), (status = 401)))]
async fn list_tokens(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<Vec<TokenOut>>> {
    Ok(Json(state.store().api_tokens_of(user.id).await?.into_iter().map(TokenOut::from).collect()))
}

/// Revokes one of the caller's tokens; it answers 401 from then on (the one calling included).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn revoke_token(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state.store().revoke_api_token(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotRequest {
    email: String,
}

/// Asks for a password reset link by mail. The answer is the same whether or not an account
/// uses the address; the link (valid one hour, once) reaches only its owner.
#[utoipa::path(post, path = "/api/v1/password/forgot", request_body = ForgotRequest,
    responses((status = 202, description = "accepted: if an account uses this address, a link is on its way"),
              (status = 422, description = "the text is not an email address"),
              (status = 429, description = "too many requests for this address or from this client")))]
async fn forgot_password(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<ForgotRequest>,
) -> AppResult<StatusCode> {
    reset::request(&state, &req.email, addr.ip()).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
pub struct ResetRequest {
    /// The token in the mailed link (the last part of `/password/reset/{token}`).
    token: String,
    password: String,
}

/// Sets a new password with a mailed token; every session and API token of the account ends.
#[utoipa::path(post, path = "/api/v1/password/reset", request_body = ResetRequest,
    responses((status = 204), (status = 400, description = "the token is unknown, expired, replaced by a newer one or already used"),
              (status = 422, description = "the password is shorter than 8 or longer than 200 characters, or too easy to guess (the message says why)")))]
async fn reset_password(State(state): State<AppState>, ApiJson(req): ApiJson<ResetRequest>) -> AppResult<StatusCode> {
    reset::complete(&state, &req.token, &req.password).await?;
    Ok(StatusCode::NO_CONTENT)
}
