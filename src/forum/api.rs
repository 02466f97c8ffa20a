//! JSON API v1 for categories, topics and posts. The contract in the README is fixed; fields may be added.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::case_study::Sections;
use super::service::{self, EditInput, TopicInput};
use super::{Status, TopicKind};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::{RequireUser, Viewer};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_categories))
        .routes(routes!(create_topic))
        .routes(routes!(get_topic))
        .routes(routes!(create_post))
        .routes(routes!(edit_post))
}

#[derive(Serialize, ToSchema)]
struct CategoryOut {
    slug: String,
    name: String,
    name_en: String,
    description: String,
    topic_count: i64,
}

/// All categories.
#[utoipa::path(get, path = "/api/v1/categories", responses((status = 200, body = Vec<CategoryOut>)))]
async fn list_categories(State(state): State<AppState>) -> AppResult<Json<Vec<CategoryOut>>> {
    let categories = state.store().categories().await?;
    let out = categories
        .into_iter()
        .map(|c| CategoryOut {
            slug: c.slug,
            name: c.name_vi,
            name_en: c.name_en,
            description: c.description_vi,
            topic_count: c.topic_count,
        })
        .collect();
    Ok(Json(out))
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
    let anonymity = input.anonymous.map(|a| service::Anonymity { hospital_tier: a.hospital_tier, province: a.province });
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
    let created = service::create_topic(&state, &user, &input, anonymity.as_ref(), Some(addr.ip())).await?;
    let out =
        CreatedTopicOut { id: created.topic_id, post_id: created.post_id, status: created.status, url: format!("/t/{}", created.topic_id) };
    Ok((StatusCode::CREATED, Json(out)))
}

#[derive(Serialize, ToSchema)]
struct PostOut {
    id: i64,
    author: String,
    author_id: i64,
    body: String,
    body_html: String,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
    revision: i64,
    /// Members who marked this post helpful.
    helpful_count: i64,
}

#[derive(Serialize, ToSchema)]
struct TopicOut {
    id: i64,
    title: String,
    kind: TopicKind,
    category: String,
    status: Status,
    summary: Option<String>,
    /// Tag slugs: the `/tag/{slug}` URL and the `tag` search filter.
    tags: Vec<String>,
    /// How each tag in `tags` is written for people, in the same order ("kiểm tra chéo" for
    /// "kiem-tra-cheo"): as first typed, or the slug for tags from before labels.
    tag_labels: Vec<String>,
    /// Case studies only: the six sections as Markdown.
    sections: Option<Sections>,
    created_at: DateTime<Utc>,
    posts: Vec<PostOut>,
    /// An anonymous case study: posts by its author show "Ẩn danh" and author_id 0 (except to moderators).
    anonymous: bool,
    hospital_tier: Option<String>,
    province: Option<String>,
}

/// The author shown for an anonymous case study's author (the API answers in Vietnamese).
const ANONYMOUS: &str = "Ẩn danh";

/// Maximum posts returned with a topic.
const TOPIC_POSTS_LIMIT: i64 = 500;

/// A topic with its posts (deleted replies left out).
#[utoipa::path(get, path = "/api/v1/topics/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = TopicOut), (status = 404)))]
async fn get_topic(
    State(state): State<AppState>,
    viewer: Option<axum::Extension<Viewer>>,
    Path(id): Path<String>,
) -> AppResult<Json<TopicOut>> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let viewer = viewer.map(|v| v.0).unwrap_or_default();
    let store = state.store();
    let topic = service::visible_topic(store, id, viewer.user()).await?;
    let posts = store.topic_posts(id, TOPIC_POSTS_LIMIT, 0).await?;
    let sections = match topic.kind {
        TopicKind::CaseStudy => posts.first().map(|p| super::case_study::split(&p.body).1),
        _ => None,
    };
    let hide_author = topic.anonymous && !viewer.user().is_some_and(|u| u.role.can_moderate());
    let masked = |p: &crate::store::PostRow| hide_author && p.author_id == topic.author_id;
    let helpful = store.topic_helpful_counts(id, 0).await?;
    let helpful_count = |post_id: i64| helpful.iter().find(|h| h.post_id == post_id).map(|h| h.count).unwrap_or(0);
    let posts = posts
        .into_iter()
        .filter(|p| p.deleted_at.is_none() && p.status == Status::Published)
        .map(|p| PostOut {
            id: p.id,
            author: if masked(&p) { ANONYMOUS.to_string() } else { p.author_name.clone() },
            author_id: if masked(&p) { 0 } else { p.author_id },
            body: p.body,
            body_html: p.body_html,
            created_at: p.created_at,
            updated_at: p.updated_at,
            revision: p.revision,
            helpful_count: helpful_count(p.id),
        })
        .collect();
    let (tags, tag_labels) = store.topic_tags(id).await?.into_iter().map(|t| (t.slug, t.label)).unzip();
    Ok(Json(TopicOut {
        id: topic.id,
        title: topic.title,
        kind: topic.kind,
        category: topic.category_slug,
        status: topic.status,
        summary: topic.summary,
        tags,
        tag_labels,
        sections,
        created_at: topic.created_at,
        posts,
        anonymous: topic.anonymous,
        hospital_tier: topic.hospital_tier,
        province: topic.anon_province,
    }))
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
    let (post_id, status) = service::reply(&state, &user, id, &input.body, Some(addr.ip())).await?;
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
    service::edit_post(&state, &user, id, &edit).await?;
    let post = state.store().post(id).await?;
    Ok(Json(EditedPostOut { id, revision: post.revision, body_html: post.body_html }))
}
