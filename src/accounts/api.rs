//! `POST /api/v1/tokens`: exchange an email and password for a bearer token.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::session::{random_token, token_hash};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::AppResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_token))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    email: String,
    password: String,
    /// The authenticator's current code (or a recovery code), for accounts with two-factor sign-in on.
    #[serde(default)]
    code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    user_id: i64,
    display_name: String,
    role: String,
}

/// Sign in and get an API token.
#[utoipa::path(post, path = "/api/v1/tokens", request_body = TokenRequest,
    responses((status = 201, body = TokenResponse), (status = 401, description = "wrong email or password, or a two-factor code missing or wrong"),
              (status = 429, description = "too many failed attempts")))]
async fn create_token(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> AppResult<Response> {
    let user = super::authenticate(&state, &req.email, &req.password, addr.ip()).await?;
    super::two_factor::check_api_code(&state, &user, req.code.as_deref(), addr.ip()).await?;
    let token = random_token();
    state.store().create_api_token(&token_hash(&token), user.id).await?;
    let body = TokenResponse { token, user_id: user.id, display_name: user.display_name, role: user.role.as_str().into() };
    // The token is a credential: no cache anywhere may keep this answer.
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    crate::web::hardening::mark_private(response.headers_mut());
    Ok(response)
}
