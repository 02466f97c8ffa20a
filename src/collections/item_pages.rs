//! The curator's item forms: add a topic (on the edit page, or "thêm vào bộ sưu tập" on a topic
//! page), remove one, move one up or down. Each sends the version it was shown with, except
//! the topic page's, which only appends (nothing there can be stale).

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use serde::Deserialize;

use super::domain::{parse_topic_ref, parse_version};
use super::service::{self, ItemOp};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::web::{CsrfForm, RequireUser};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/collections/add", post(add_from_topic))
        .route("/collections/{slug}/items", post(add))
        .route("/collections/{slug}/items/{topic}/{op}", post(change))
}

#[derive(Deserialize)]
struct AddForm {
    #[serde(default)]
    topic: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    version: String,
}

/// Back to the curator's page of the collection, at the page and item they were working on.
fn back_to_edit(slug: &str, page: &str, anchor: &str) -> Response {
    let page = page.trim().parse::<i64>().ok().filter(|p| *p > 1).map(|p| format!("&page={p}")).unwrap_or_default();
    Redirect::to(&format!("/collections/{slug}/edit?saved=1{page}#{anchor}")).into_response()
}

async fn add(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<AddForm>,
) -> AppResult<Response> {
    service::require_curator(&user)?;
    let collection = state.store().collection_by_slug(&slug).await?;
    let version = parse_version(&form.version)?;
    let topic_id = parse_topic_ref(&form.topic)?;
    service::add_item(state.store(), &user, collection.id, Some(version), topic_id, &form.note).await?;
    super::follow::new_item(&state, &collection, topic_id, &user).await;
    // The new item is last: the last page shows it.
    let count = state.store().count_collection_items(collection.id).await?;
    let last = (count + super::pages::ITEMS_PER_PAGE - 1) / super::pages::ITEMS_PER_PAGE;
    Ok(back_to_edit(&slug, &last.to_string(), &format!("item-{topic_id}")))
}

#[derive(Deserialize)]
struct ItemForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    page: String,
}

async fn change(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((slug, topic, op)): Path<(String, String, String)>,
    CsrfForm(form): CsrfForm<ItemForm>,
) -> AppResult<Response> {
    service::require_curator(&user)?;
    let op = ItemOp::parse(&op).ok_or(AppError::NotFound)?;
    let topic_id = topic.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let collection = state.store().collection_by_slug(&slug).await?;
    let version = parse_version(&form.version)?;
    service::item_op(state.store(), &user, collection.id, Some(version), topic_id, op).await?;
    let anchor = if op == ItemOp::Remove { "items".to_string() } else { format!("item-{topic_id}") };
    Ok(back_to_edit(&slug, &form.page, &anchor))
}

#[derive(Deserialize)]
struct FromTopicForm {
    #[serde(default)]
    collection: String,
    #[serde(default)]
    topic: String,
    #[serde(default)]
    note: String,
}

/// "Thêm vào bộ sưu tập" on a topic page: appends the topic to the chosen collection.
async fn add_from_topic(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<FromTopicForm>,
) -> AppResult<Response> {
    service::require_curator(&user)?;
    let collection_id = form.collection.trim().parse::<i64>().map_err(|_| AppError::bad("collections.error.choose"))?;
    let topic_id = parse_topic_ref(&form.topic)?;
    let slug = state.store().collection_slug(collection_id).await.map_err(|_| AppError::bad("collections.error.choose"))?;
    service::add_item(state.store(), &user, collection_id, None, topic_id, &form.note).await?;
    if let Ok(collection) = state.store().collection_by_slug(&slug).await {
        super::follow::new_item(&state, &collection, topic_id, &user).await;
    }
    Ok(Redirect::to(&format!("/t/{topic_id}?collected={slug}#collections")).into_response())
}
