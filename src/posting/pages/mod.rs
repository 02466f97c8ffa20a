//! The pages where a member writes: composing a topic, a reply (given back on the topic page
//! when it needs another look), editing a post; `form.rs` holds what their forms share. Each
//! sends what was written through the same pipeline as the API (`super::pipeline`).

mod compose;
mod edit;
mod form;
mod reply;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;
use form::{ComposeForm, attach, preview_of};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/t/{id}/reply", post(reply::reply))
        .route("/new", get(compose::compose_form).post(compose::compose))
        .route("/posts/{id}/edit", get(edit::edit_form).post(edit::edit))
}
