//! JSON API v1 for writing: a new topic, a reply, an edit. The pages send the same through the
//! same pipeline; the contract in the README is fixed; fields may be added.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::pipeline;
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::forum::Status;
use crate::forum::case_study::Sections;
use crate::forum::service::{Anonymity, EditInput, TopicInput};
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_topic)).routes(routes!(create_post)).routes(routes!(edit_post))
}

#[derive(Deserialize, ToSchema)]
struct NewTopicIn {
    /// Category slug, from GET /api/v1/categories.
    category: String,
    /// discussion, question, good_practice or case_study.
    kind: String,
    title: String,
    /// Markdown. For a case study sent with `sections`, an optional introduction.
    #[serde(default)]
    body: String,
    /// Required for a good practice: one or two sentences.
    summary: Option<String>,
    /// Case studies only; otherwise the sections come from the body's headings.
    sections: Option<Sections>,
    #[serde(default)]
    tags: Vec<String>,
    /// Numbers of guidance documents in the library to link (any common spelling).
    #[serde(default)]
    guidance: Vec<String>,
    /// Case studies only: publish without the author's name, showing only the hospital tier and province.
    anonymous: Option<AnonymousIn>,
}

#[derive(Deserialize, ToSchema)]
struct AnonymousIn {
    /// initial, basic or specialised (the levels of the 2023 Law on Medical Examination and
    /// Treatment); empty or absent: the author's profile. The old names central (specialised),
    /// provincial and district (basic) are still accepted.
    #[serde(default)]
    hospital_tier: String,
    /// Province code or name; empty or absent: the author's profile.
    #[serde(default)]
    province: String,
}

#[derive(Serialize, ToSchema)]
struct CreatedTopicOut {
    id: i64,
    post_id: i64,
    status: Status,
    url: String,
}

/// Start a topic.
#[utoipa::path(post, path = "/api/v1/topics", request_body = NewTopicIn, security(("bearer" = [])),
    responses((status = 201, body = CreatedTopicOut), (status = 401), (status = 422), (status = 429)))]
async fn create_topic(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<NewTopicIn>,
) -> AppResult<(StatusCode, Json<CreatedTopicOut>)> {
    let anonymity = input.anonymous.map(|a| Anonymity { hospital_tier: a.hospital_tier, province: a.province });
    let input = TopicInput {
        category: input.category,
        kind: input.kind,
        title: input.title,
        summary: input.summary,
        body: input.body,
        sections: input.sections,
        tags: input.tags,
        guidance: input.guidance,
    };
    let created = pipeline::create_topic(&state, &user, &input, anonymity.as_ref(), Some(addr.ip())).await?;
    let out =
        CreatedTopicOut { id: created.topic_id, post_id: created.post_id, status: created.status, url: format!("/t/{}", created.topic_id) };
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Deserialize, ToSchema)]
struct NewPostIn {
    body: String,
}

#[derive(Serialize, ToSchema)]
struct CreatedPostOut {
    id: i64,
    status: Status,
}

/// Reply to a topic.
#[utoipa::path(post, path = "/api/v1/topics/{id}/posts", params(("id" = i64, Path)), request_body = NewPostIn,
    security(("bearer" = [])), responses((status = 201, body = CreatedPostOut), (status = 401), (status = 404), (status = 422)))]
async fn create_post(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewPostIn>,
) -> AppResult<(StatusCode, Json<CreatedPostOut>)> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let (post_id, status) = pipeline::reply(&state, &user, id, &input.body, Some(addr.ip())).await?;
    Ok((StatusCode::CREATED, Json(CreatedPostOut { id: post_id, status })))
}

#[derive(Deserialize, ToSchema)]
struct EditPostIn {
    body: String,
    /// Opening posts only.
    title: Option<String>,
    /// Opening post of a good practice only.
    summary: Option<String>,
    /// Opening post of a case study only.
    sections: Option<Sections>,
}

#[derive(Serialize, ToSchema)]
struct EditedPostOut {
    id: i64,
    revision: i64,
    body_html: String,
}

/// Edit a post; the previous version stays viewable as a revision.
#[utoipa::path(patch, path = "/api/v1/posts/{id}", params(("id" = i64, Path)), request_body = EditPostIn,
    security(("bearer" = [])), responses((status = 200, body = EditedPostOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn edit_post(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<EditPostIn>,
) -> AppResult<Json<EditedPostOut>> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let edit = EditInput { body: input.body, title: input.title, summary: input.summary, sections: input.sections };
    pipeline::edit_post(&state, &user, id, &edit).await?;
    let post = state.store().post(id).await?;
    Ok(Json(EditedPostOut { id, revision: post.revision, body_html: post.body_html }))
}
