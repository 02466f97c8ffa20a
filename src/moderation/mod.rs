//! Moderation: auto-checks on every new post and edit, the review queue, member flags,
//! sanctions, trust levels, decisions told to authors with one appeal, and the audit log.

mod api;
mod audit_pages;
pub mod autocheck;
pub mod checks;
mod pages;
pub mod service;
pub mod trust;

use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
/// The kinds of moderation queue items (the queue filter's values).
pub use api::KINDS as QUEUE_KINDS;
pub use pages::flag_reasons;
pub use service::{ensure_can_post, ensure_not_suspended};

/// Why a post waits for review, as recorded with its queue item (JSON in `moderation_items.reasons`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reason {
    /// patient_data, watched_word, new_user, links, images or duplicate.
    pub code: String,
    /// The finding kinds (patient_data) or matched words (watched_word); empty otherwise.
    #[serde(default)]
    pub details: Vec<String>,
}

impl Reason {
    pub fn new(code: &str, details: Vec<String>) -> Self {
        Self { code: code.to_string(), details }
    }

    /// The i18n key of the reason's label.
    pub fn label_key(&self) -> String {
        format!("moderation.reason.{}", self.code)
    }
}

/// Reads the reasons stored with a queue item; an unreadable value shows as no reasons.
pub fn parse_reasons(json: &str) -> Vec<Reason> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
