//! JSON API v1 for drafts, helpful marks and bookmarks (bearer token; a member sees only their own).

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::bookmarks::{self, Target};
use super::drafts::{self, Draft, DraftFields, Scope};
use super::helpful;
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::HelpfulCount;
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_drafts, save_draft))
        .routes(routes!(get_draft, delete_draft))
        .routes(routes!(mark_helpful, unmark_helpful))
        .routes(routes!(list_bookmarks))
        .routes(routes!(bookmark_post, unbookmark_post))
        .routes(routes!(bookmark_topic, unbookmark_topic))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Serialize, ToSchema)]
struct DraftOut {
    id: i64,
    /// `new:<kind>`, `reply:<topic id>` or `edit:<post id>`.
    scope: String,
    topic_id: Option<i64>,
    /// Form field → text (title, summary, body, tags, guidance, category, the six case-study sections…).
    fields: BTreeMap<String, String>,
    updated_at: DateTime<Utc>,
}

impl From<Draft> for DraftOut {
    fn from(d: Draft) -> Self {
        DraftOut { id: d.row.id, scope: d.row.scope, topic_id: d.row.topic_id, fields: d.fields.0, updated_at: d.row.updated_at }
    }
}

#[derive(Deserialize, ToSchema)]
struct DraftIn {
    /// `new:<kind>` (discussion, question, good_practice, case_study), `reply:<topic id>` or
    /// `edit:<post id>`.
    scope: String,
    /// Form field → text; unknown fields are ignored; all empty deletes the draft.
    #[serde(default)]
    fields: BTreeMap<String, String>,
}

/// My drafts, most recently saved first.
#[utoipa::path(get, path = "/api/v1/drafts", security(("bearer" = [])), responses((status = 200, body = Vec<DraftOut>), (status = 401)))]
async fn list_drafts(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<Vec<DraftOut>>> {
    Ok(Json(drafts::list(state.store(), user.id).await?.into_iter().map(DraftOut::from).collect()))
}

/// Save (replace) my draft for a scope. 204 when all fields were empty and the draft was deleted.
#[utoipa::path(put, path = "/api/v1/drafts", request_body = DraftIn, security(("bearer" = [])),
    responses((status = 200, body = DraftOut), (status = 204), (status = 401), (status = 404), (status = 413), (status = 422)))]
async fn save_draft(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<DraftIn>,
) -> AppResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let scope = Scope::parse(&input.scope).ok_or_else(|| AppError::bad("draft.scope_unknown"))?;
    let fields = DraftFields::from_pairs(input.fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    match drafts::save(state.store(), &user, &scope, &fields).await? {
        Some(id) => Ok(Json(DraftOut::from(Draft::from(state.store().draft(user.id, id).await?))).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// One of my drafts (another member's id is 404, like a missing one).
#[utoipa::path(get, path = "/api/v1/drafts/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = DraftOut), (status = 401), (status = 404)))]
async fn get_draft(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<Json<DraftOut>> {
    Ok(Json(Draft::from(state.store().draft(user.id, parse_id(&id)?).await?).into()))
}

/// Delete one of my drafts.
#[utoipa::path(delete, path = "/api/v1/drafts/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn delete_draft(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    state.store().delete_draft(user.id, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct HelpfulOut {
    post_id: i64,
    helpful_count: i64,
    /// Whether I marked it.
    marked: bool,
}

impl From<HelpfulCount> for HelpfulOut {
    fn from(h: HelpfulCount) -> Self {
        HelpfulOut { post_id: h.post_id, helpful_count: h.count, marked: h.mine }
    }
}

/// Mark a post helpful (idempotent; not your own post).
#[utoipa::path(put, path = "/api/v1/posts/{id}/helpful", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HelpfulOut), (status = 401), (status = 403), (status = 404)))]
async fn mark_helpful(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> AppResult<Json<HelpfulOut>> {
    Ok(Json(helpful::mark(state.store(), &user, parse_id(&id)?).await?.into()))
}

/// Take back my helpful mark (idempotent).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/helpful", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 200, body = HelpfulOut), (status = 401), (status = 404)))]
async fn unmark_helpful(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> AppResult<Json<HelpfulOut>> {
    Ok(Json(helpful::unmark(state.store(), &user, parse_id(&id)?).await?.into()))
}

#[derive(Serialize, ToSchema)]
struct BookmarkOut {
    post_id: i64,
    topic_id: i64,
    topic_title: String,
    /// True when the topic itself is bookmarked (its opening post).
    is_topic: bool,
    url: String,
    created_at: DateTime<Utc>,
}

/// My bookmarks of topics and posts that are still public, newest first.
#[utoipa::path(get, path = "/api/v1/bookmarks", security(("bearer" = [])), responses((status = 200, body = Vec<BookmarkOut>), (status = 401)))]
async fn list_bookmarks(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<Vec<BookmarkOut>>> {
    let rows = state.store().bookmarks(user.id).await?;
    let out = rows
        .into_iter()
        .map(|b| BookmarkOut {
            url: format!("/t/{}#post-{}", b.topic_id, b.post_id),
            is_topic: b.position == 1,
            post_id: b.post_id,
            topic_id: b.topic_id,
            topic_title: b.topic_title,
            created_at: b.created_at,
        })
        .collect();
    Ok(Json(out))
}

/// Bookmark a post (idempotent).
#[utoipa::path(put, path = "/api/v1/posts/{id}/bookmark", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn bookmark_post(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    bookmarks::add(state.store(), &user, Target::Post(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a post's bookmark (idempotent).
#[utoipa::path(delete, path = "/api/v1/posts/{id}/bookmark", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401)))]
async fn unbookmark_post(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    bookmarks::remove(state.store(), &user, Target::Post(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Bookmark a topic (idempotent).
#[utoipa::path(put, path = "/api/v1/topics/{id}/bookmark", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn bookmark_topic(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    bookmarks::add(state.store(), &user, Target::Topic(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a topic's bookmark (idempotent).
#[utoipa::path(delete, path = "/api/v1/topics/{id}/bookmark", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn unbookmark_topic(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    bookmarks::remove(state.store(), &user, Target::Topic(parse_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
