//! Forum pages, one file per page or action: the topic lists (home, category, tag), a topic,
//! a reply, composing a topic, editing and deleting a post; `form.rs` holds what their forms share.

mod compose;
mod delete;
mod edit;
mod form;
mod listing;
mod reply;
mod topic;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
pub use crate::web::Localized;
use form::{ComposeForm, attach, preview_of};
pub use listing::tag_label;

const TOPICS_PER_PAGE: i64 = 20;
const POSTS_PER_PAGE: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(listing::latest))
        .route("/c/{slug}", get(listing::category))
        .route("/c/{slug}/helpful", get(listing::category_by_helpful))
        .route("/tag/{slug}", get(listing::tag))
        .route("/t/{id}", get(topic::topic))
        .route("/t/{id}/reply", post(reply::reply))
        .route("/new", get(compose::compose_form).post(compose::compose))
        .route("/posts/{id}/edit", get(edit::edit_form).post(edit::edit))
        .route("/posts/{id}/delete", post(delete::delete))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}
