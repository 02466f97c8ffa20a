//! What a topic is (its kind) and who may see it (its status), stored by name.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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

/// The `source_id` prefix of topics and replies brought over from the old Facebook group.
pub const FACEBOOK_SOURCE_PREFIX: &str = "facebook:";
