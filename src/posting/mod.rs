//! Posting: what happens when a member submits text — a new topic of any kind (a case study
//! included), a reply, an edit — from a page or the API alike. `pipeline.rs` holds the steps
//! (validate → admit → review → prepare → store → after commit); the pages and the API only
//! turn their input into the pipeline's and its answer into theirs.
//!
//! The forum owns topics and posts and knows none of the steps' owners (moderation, guidance,
//! notify, attachments, engagement); this module is the one place that calls them in order.

mod api;
mod pages;
pub mod pipeline;

use axum::Router;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
