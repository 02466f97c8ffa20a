//! Operating a forum: backup and restore (`goodpractice backup` / `restore`), request ids and
//! the access log, health and readiness checks, and Prometheus metrics.

pub mod backup;
pub mod health;
mod manifest;
pub mod metrics;
mod pg_tools;
pub mod requests;
pub mod restore;
pub mod totp_key;

use axum::Router;
use axum::routing::get;

use crate::app::AppState;
pub use backup::backup;
pub use manifest::Manifest;
pub use metrics::Metrics;
pub use restore::{Restored, restore};

/// `/healthz`, `/readyz` and `/metrics`: answers for machines, outside the page layers (no
/// session, no error pages: a 503 keeps its JSON body).
pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(health::healthz)).route("/readyz", get(health::readyz)).route("/metrics", get(metrics::metrics))
}
