//! Deleting a post (an opening post deletes its topic).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::parse_id;
use crate::app::AppState;
use crate::error::AppResult;
use crate::forum::service;
use crate::web::CsrfForm;
use crate::web::RequireUser;

#[derive(Deserialize)]
pub(super) struct DeleteForm {}

pub(super) async fn delete(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<DeleteForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let post = state.store().post(id).await?;
    let topic_id = service::delete_post(&state, &user, id).await?;
    let target = if post.position == 1 { "/".to_string() } else { format!("/t/{topic_id}") };
    Ok(Redirect::to(&target).into_response())
}
