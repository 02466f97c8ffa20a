//! The API for integrations and the ministry's reports (issue 21): topic listings by filter and
//! cursor, tags with counts, members' public profiles and posts. Reads only what the public sees.

pub mod citing;
mod cursor;
mod members;
mod params;
mod topics;

use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().merge(topics::router()).merge(members::router())
}
