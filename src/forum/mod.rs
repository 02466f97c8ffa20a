//! The forum: categories, topics of four kinds, replies, edits with revisions, soft deletion.

mod api;
pub mod case_study;
mod domain;
mod feeds;
pub mod markdown;
mod pages;
pub mod preview;
pub mod preview_privacy;
pub mod revisions;
pub mod seed;
pub mod service;

use axum::Router;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
pub use domain::{Body, Summary, Tag, Tags, Title, slugify};
pub use pages::Localized;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicKind {
    Discussion,
    Question,
    GoodPractice,
    CaseStudy,
}

impl TopicKind {
    pub const ALL: [TopicKind; 4] = [TopicKind::Discussion, TopicKind::Question, TopicKind::GoodPractice, TopicKind::CaseStudy];

    pub fn as_str(self) -> &'static str {
        match self {
            TopicKind::Discussion => "discussion",
            TopicKind::Question => "question",
            TopicKind::GoodPractice => "good_practice",
            TopicKind::CaseStudy => "case_study",
        }
    }

    pub fn parse(s: &str) -> Option<TopicKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The i18n key of the kind's name.
    pub fn label_key(self) -> &'static str {
        match self {
            TopicKind::Discussion => "kind.discussion",
            TopicKind::Question => "kind.question",
            TopicKind::GoodPractice => "kind.good_practice",
            TopicKind::CaseStudy => "kind.case_study",
        }
    }
}

impl TryFrom<String> for TopicKind {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        Self::parse(&s).ok_or_else(|| format!("unknown topic kind {s:?}"))
    }
}

/// Whether the public can see a topic or post. Moderation (a later step) holds posts as pending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Published,
    Pending,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Published => "published",
            Status::Pending => "pending",
            Status::Rejected => "rejected",
        }
    }
}

impl TryFrom<String> for Status {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        match s.as_str() {
            "published" => Ok(Status::Published),
            "pending" => Ok(Status::Pending),
            "rejected" => Ok(Status::Rejected),
            _ => Err(format!("unknown status {s:?}")),
        }
    }
}

pub fn router() -> Router<AppState> {
    pages::router().merge(feeds::router()).merge(preview::router()).merge(revisions::router())
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router().merge(preview::api_router()).merge(revisions::api_router())
}
