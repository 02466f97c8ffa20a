//! Leaving through the API: `GET /api/v1/me/export` (the same JSON as the account page's
//! download) and `DELETE /api/v1/me` (the email typed again and the password, as on the page).

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::RequireUser;
use super::leaving::{DeleteForm, confirm_and_delete, export_document};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::AppResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(export)).routes(routes!(delete_me))
}

/// What the forum keeps about the caller that is theirs.
#[derive(Serialize, ToSchema)]
#[allow(dead_code)] // Describes the JSON for the OpenAPI document; the answer is built as JSON.
pub struct ExportDocument {
    /// id, email, display_name, job_title, hospital, department, province, role, created_at.
    #[schema(value_type = Object)]
    profile: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    posts: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    drafts: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    bookmarks: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    notifications: serde_json::Value,
}

/// The caller's data: profile, posts, drafts, bookmarks and notifications.
#[utoipa::path(get, path = "/api/v1/me/export", security(("bearer" = [])),
    responses((status = 200, body = ExportDocument), (status = 401)))]
async fn export(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Response> {
    let mut response = Json(export_document(&state, &user).await?).into_response();
    crate::web::hardening::mark_private(response.headers_mut());
    Ok(response)
}

#[derive(Deserialize, ToSchema)]
pub struct DeleteRequest {
    /// The account's email, typed again (letter case ignored): deletion cannot be undone.
    confirm: String,
    /// The account's password (accounts that sign in only through a provider have none).
    #[serde(default)]
    password: Option<String>,
}

/// Deletes the caller's account: public posts stay under "Thành viên đã rời", personal data is
/// erased, every session and token ends (this one included).
#[utoipa::path(delete, path = "/api/v1/me", request_body = DeleteRequest, security(("bearer" = [])),
    responses((status = 204), (status = 400, description = "the password is wrong"), (status = 401),
              (status = 422, description = "the email typed again is not the account's"),
              (status = 429, description = "too many wrong passwords")))]
async fn delete_me(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    RequireUser(user): RequireUser,
    ApiJson(req): ApiJson<DeleteRequest>,
) -> AppResult<StatusCode> {
    let form = DeleteForm { confirm: req.confirm, password: req.password.unwrap_or_default() };
    confirm_and_delete(&state, &user, &form, addr.ip()).await?;
    Ok(StatusCode::NO_CONTENT)
}
