//! Following and being told (issue #8): watches on categories, tags, topics and guidance
//! documents; in-app notifications (replies, @mentions, watched items and the moderation
//! decisions that `moderation/` writes); their mail through an outbox read by a background
//! task (SMTP, or .eml files under `<data_dir>/mail/`); the weekly digest; one-click
//! unsubscribe with a signed token.

mod api;
pub mod compose;
pub mod digest;
pub mod fanout;
pub mod mail;
pub mod mentions;
pub mod outbox;
mod pages;
pub mod service;
pub mod token;
pub mod watch;

use axum::Router;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> OpenApiRouter<AppState> {
    api::router()
}
