//! `/healthz` (liveness) and `/readyz` (readiness) for load balancers, container runtimes and
//! monitors.
//!
//! Liveness asks only whether the process answers: restarting a server because its database is
//! down would not bring the database back. Readiness asks whether this server can do its work
//! now: the database answers and the search index is open and complete. A load balancer sends
//! readers elsewhere while it is not (after a start on a large forum, the index builds for minutes).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

use crate::app::AppState;
use crate::search::Building;

/// `GET /healthz`: 200 while the process serves requests.
pub async fn healthz() -> &'static str {
    "ok"
}

/// The search index as `/readyz` and `/metrics` report it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SearchStatus {
    /// `ready`, `building` (searches answer from what is indexed so far) or `failed`
    /// (the indexer cannot open the index or apply changes; it retries every few seconds).
    pub state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub building: Option<Building>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percent: Option<u64>,
}

pub fn search_status(state: &AppState) -> SearchStatus {
    let search = state.search();
    let building = search.building();
    let name = if search.failing() {
        "failed"
    } else if building.is_some() || search.index().is_none() {
        "building"
    } else {
        "ready"
    };
    SearchStatus { state: name, building, percent: building.map(|b| b.percent()) }
}

#[derive(Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// `ok` or `unreachable`.
    pub database: &'static str,
    pub search: SearchStatus,
}

/// `GET /readyz`: 200 when the database answers and the search index is ready, else 503; the
/// body says which part is not.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let database_ok = state.store().ping().await;
    let search = search_status(&state);
    let ready = database_ok && search.state == "ready";
    let status = if ready { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(Readiness { ready, database: if database_ok { "ok" } else { "unreachable" }, search }))
}
