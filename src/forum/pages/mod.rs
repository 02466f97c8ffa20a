//! Forum pages, one file per page or action: the topic lists (home, category, tag), a topic,
//! deleting a post. Composing, replying and editing are the posting pipeline's pages
//! (`crate::posting`); a reply given back shows this topic page.

mod delete;
mod listing;
mod topic;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use crate::error::{AppError, AppResult};
pub use crate::web::Localized;
pub use listing::tag_label;
pub use topic::{TopicPage, set_share_links, topic_page};

const TOPICS_PER_PAGE: i64 = 20;
pub const POSTS_PER_PAGE: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(listing::latest))
        .route("/c/{slug}", get(listing::category))
        .route("/c/{slug}/helpful", get(listing::category_by_helpful))
        .route("/tag/{slug}", get(listing::tag))
        .route("/t/{id}", get(topic::topic))
        .route("/posts/{id}/delete", post(delete::delete))
}

pub fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}
