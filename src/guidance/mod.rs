//! Official guidance (circulars, decisions…): the library ministry staff keep, recognition and
//! linking of document numbers in posts, backlinks from each document to the practices citing
//! it, an Atom feed per document, official answers, and the hospital quality criteria catalog.

mod api;
pub mod criteria;
pub mod dates;
pub mod domain;
mod feed;
pub mod linking;
pub mod official;
mod official_pages;
mod pages;
pub mod seed;
pub mod service;
mod view;

use axum::Router;

use crate::app::AppState;
pub use pages::DocLabels;

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
