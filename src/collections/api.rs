//! JSON API: list and read published collections; curators (moderators, ministry staff,
//! admins) create them and change what they say. A PATCH carries the `version` it read: a stale
//! one is a 409 and nothing changes.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, CollectionInput};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{CollectionRow, Store};
use crate::web::{RequireUser, Viewer};

/// Collections in one page of the list.
const LIST_PER_PAGE: i64 = 50;
/// Items in one answer (a collection past this many is read with `?page=`).
pub const API_ITEMS_PER_PAGE: i64 = 500;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_collections, create_collection)).routes(routes!(get_collection, patch_collection))
}

#[derive(Serialize, ToSchema)]
struct CollectionSummaryOut {
    slug: String,
    title: String,
    /// The curator who made it.
    curator: String,
    /// The cover category's slug.
    category: String,
    /// Items the public sees.
    items_count: i64,
    url: String,
}

#[derive(Serialize, ToSchema)]
struct ItemOut {
    topic_id: i64,
    title: String,
    url: String,
    /// The curator's note, sanitized HTML ('' when none).
    note_html: String,
}

#[derive(Serialize, ToSchema)]
struct CollectionOut {
    slug: String,
    title: String,
    /// The introduction, sanitized HTML (Vietnamese).
    intro_html: String,
    /// The English introduction, when one was written.
    intro_en_html: Option<String>,
    curator: String,
    category: String,
    /// `draft` (curators only) or `published`.
    status: String,
    /// Send it back with a PATCH: a change made meanwhile makes the PATCH a 409.
    version: i64,
    url: String,
    /// The items the public sees, in order (at most 500 per page; past the last page: none).
    items: Vec<ItemOut>,
}

fn summary(row: CollectionRow) -> CollectionSummaryOut {
    CollectionSummaryOut {
        url: format!("/collections/{}", row.slug),
        slug: row.slug,
        title: row.title,
        curator: row.author_name,
        category: row.category_slug,
        items_count: row.visible_items,
    }
}

async fn collection_out(store: &Store, row: CollectionRow, page: Option<i64>) -> AppResult<CollectionOut> {
    let offset = (page.unwrap_or(1) - 1) * API_ITEMS_PER_PAGE;
    let items = store.collection_items(row.id, false, API_ITEMS_PER_PAGE, offset).await?;
    Ok(CollectionOut {
        items: items
            .into_iter()
            .map(|i| ItemOut { url: format!("/t/{}", i.topic_id), topic_id: i.topic_id, title: i.title, note_html: i.note_html })
            .collect(),
        url: format!("/collections/{}", row.slug),
        slug: row.slug,
        title: row.title,
        intro_html: row.intro_html,
        intro_en_html: row.intro_en_html,
        curator: row.author_name,
        category: row.category_slug,
        status: row.status,
        version: row.version,
    })
}

/// `?page=`: a whole number from 1 (left out: the first page); anything else is a 422.
#[derive(Deserialize, Default)]
struct ApiPage {
    page: Option<String>,
}

/// Pages past the last are empty; this bound only keeps offsets far from overflowing.
pub const MAX_API_PAGE: i64 = 1_000_000;

impl ApiPage {
    fn number(&self) -> AppResult<Option<i64>> {
        match self.page.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=MAX_API_PAGE).contains(n))
                .map(Some)
                .ok_or_else(|| AppError::BadRequest(Msg::new("collections.error.page").arg("max", MAX_API_PAGE))),
        }
    }
}

/// Published collections, most recently changed first (50 per page).
#[utoipa::path(get, path = "/api/v1/collections", params(("page" = Option<String>, Query)),
    responses((status = 200, body = Vec<CollectionSummaryOut>), (status = 422)))]
async fn list_collections(State(state): State<AppState>, Query(p): Query<ApiPage>) -> AppResult<Json<Vec<CollectionSummaryOut>>> {
    let offset = (p.number()?.unwrap_or(1) - 1) * LIST_PER_PAGE;
    let rows = state.store().collections(false, None, LIST_PER_PAGE, offset).await?;
    Ok(Json(rows.into_iter().map(summary).collect()))
}

/// One collection with its visible items in order (a draft only for curators).
#[utoipa::path(get, path = "/api/v1/collections/{slug}", params(("slug" = String, Path), ("page" = Option<String>, Query)),
    responses((status = 200, body = CollectionOut), (status = 404), (status = 422)))]
async fn get_collection(
    State(state): State<AppState>,
    viewer: Option<axum::Extension<Viewer>>,
    Path(slug): Path<String>,
    Query(p): Query<ApiPage>,
) -> AppResult<Json<CollectionOut>> {
    let page = p.number()?;
    let viewer = viewer.map(|v| v.0).unwrap_or_default();
    let row = service::visible(state.store(), &slug, viewer.user()).await?;
    Ok(Json(collection_out(state.store(), row, page).await?))
}

/// A new collection.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NewCollectionIn {
    title: String,
    /// Lowercase ASCII letters, digits and single hyphens; left out: made from the title.
    slug: Option<String>,
    /// Markdown (Vietnamese).
    intro: String,
    /// Markdown (English), optional.
    intro_en: Option<String>,
    /// A category slug.
    category: String,
    /// `draft` (the default) or `published`.
    status: Option<String>,
}

/// Create a collection (moderators, ministry staff, admins).
#[utoipa::path(post, path = "/api/v1/collections", request_body = NewCollectionIn, security(("bearer" = [])),
    responses((status = 201, body = CollectionOut), (status = 401), (status = 403), (status = 409), (status = 422)))]
async fn create_collection(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<NewCollectionIn>,
) -> AppResult<(StatusCode, Json<CollectionOut>)> {
    service::require_curator(&user)?;
    let input = CollectionInput {
        slug: input.slug.unwrap_or_default(),
        title: input.title,
        intro: input.intro,
        intro_en: input.intro_en.unwrap_or_default(),
        category: input.category,
        status: input.status.unwrap_or_else(|| "draft".into()),
    };
    let slug = service::create(state.store(), &user, &input).await?;
    let row = state.store().collection_by_slug(&slug).await?;
    Ok((StatusCode::CREATED, Json(collection_out(state.store(), row, None).await?)))
}

/// Fields to change; those left out stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct CollectionPatchIn {
    /// The `version` the change is based on.
    version: i64,
    title: Option<String>,
    slug: Option<String>,
    intro: Option<String>,
    /// An empty text removes the English introduction.
    intro_en: Option<String>,
    category: Option<String>,
    status: Option<String>,
}

/// Change a collection (moderators, ministry staff, admins).
#[utoipa::path(patch, path = "/api/v1/collections/{slug}", params(("slug" = String, Path)), request_body = CollectionPatchIn,
    security(("bearer" = [])),
    responses((status = 200, body = CollectionOut), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn patch_collection(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(slug): Path<String>,
    ApiJson(patch): ApiJson<CollectionPatchIn>,
) -> AppResult<Json<CollectionOut>> {
    service::require_curator(&user)?;
    let row = state.store().collection_by_slug(&slug).await?;
    let input = CollectionInput {
        slug: patch.slug.unwrap_or_else(|| row.slug.clone()),
        title: patch.title.unwrap_or_else(|| row.title.clone()),
        intro: patch.intro.unwrap_or_else(|| row.intro.clone()),
        intro_en: patch.intro_en.unwrap_or_else(|| row.intro_en.clone().unwrap_or_default()),
        category: patch.category.unwrap_or_else(|| row.category_slug.clone()),
        status: patch.status.unwrap_or_else(|| row.status.clone()),
    };
    let slug = service::update(state.store(), &user, &row, Some(patch.version), &input).await?;
    let row = state.store().collection_by_slug(&slug).await?;
    Ok(Json(collection_out(state.store(), row, None).await?))
}
