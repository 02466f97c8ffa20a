//! JSON API v1 for reading categories and topics (writing is `crate::posting`'s). The contract
//! in the README is fixed; fields may be added.

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::case_study::Sections;
use super::service;
use super::{Status, TopicKind};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::Viewer;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_categories)).routes(routes!(get_topic))
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
