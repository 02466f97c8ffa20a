//! Curated collections (issue 22): moderators and ministry staff put topics of the archive in
//! order — "start here: the ten practices on fall prevention, in this order, and why each
//! matters" — with an introduction (Vietnamese, optionally English) and a note per topic.
//!
//! Pages (`pages.rs`, `item_pages.rs`) work without JavaScript; what a topic, home or category
//! page shows of collections comes through the `web::extras` hook (`extras.rs`), because the
//! forum that owns those pages is imported here. Every change is audited in the moderation audit
//! log and checked against the version the curator saw (a stale form: 409, nothing changed). A
//! topic hidden or deleted after it was added drops out of public view at read time.

mod api;
pub mod domain;
mod extras;
pub mod follow;
mod item_pages;
mod pages;
mod reader_pages;
pub mod service;

use axum::Router;

use crate::app::AppState;
pub use api::MAX_API_PAGE;
pub use extras::Extras;

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
