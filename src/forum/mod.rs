//! The forum: categories, topics of four kinds, replies, edits with revisions, soft deletion.

mod api;
pub mod case_study;
mod domain;
mod feeds;
mod pages;
pub mod preview;
pub mod preview_privacy;
pub mod revisions;
pub mod seed;
pub mod service;

use axum::Router;

use crate::app::AppState;
pub use crate::domain::{Status, Tag, TopicKind};
/// The renderer is the page shell's; the forum's posts are its main use.
pub use crate::web::markdown;
pub use domain::{Body, Summary, Tags, Title, slugify};
pub use pages::{Localized, POSTS_PER_PAGE, TopicPage, parse_id, set_share_links, topic_page};

pub fn router() -> Router<AppState> {
    pages::router().merge(feeds::router()).merge(preview::router()).merge(revisions::router())
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router().merge(preview::api_router()).merge(revisions::api_router())
}
