//! Forum logic shared by the pages and the API: validation, who may see and change what,
//! deletion, rendering. Storing what a member submits is the posting pipeline's (`crate::posting`).

use chrono::{DateTime, Utc};

use super::case_study::{self, Sections};
use super::{Body, Status, Summary, Tags, Title, TopicKind};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::guidance;
use crate::store::{Category, NewTopic, Store, User};

/// A new topic as the reader sent it, before validation.
#[derive(Debug, Default)]
pub struct TopicInput {
    pub category: String,
    pub kind: String,
    pub title: String,
    pub summary: Option<String>,
    pub body: String,
    pub sections: Option<Sections>,
    pub tags: Vec<String>,
    /// Numbers of library documents the author links explicitly (any common spelling).
    pub guidance: Vec<String>,
}

/// A topic that passed validation, ready to store.
pub struct ValidTopic {
    pub category: Category,
    pub kind: TopicKind,
    pub title: Title,
    pub summary: Option<Summary>,
    pub body: Body,
    pub tags: Tags,
    /// Checked against the library when stored.
    pub guidance: Vec<String>,
}

pub struct Created {
    pub topic_id: i64,
    pub post_id: i64,
    pub status: Status,
}

/// Checks every field; the first problem found is reported.
pub async fn validate_topic(store: &Store, input: &TopicInput) -> AppResult<ValidTopic> {
    validate_topic_among(&store.categories().await?, input)
}

/// [`validate_topic`] with the categories already at hand (a bulk import looks them up once).
pub fn validate_topic_among(categories: &[Category], input: &TopicInput) -> AppResult<ValidTopic> {
    let kind = TopicKind::parse(input.kind.trim()).ok_or_else(|| AppError::bad("error.kind_unknown"))?;
    let slug = input.category.trim();
    let category = categories.iter().find(|c| c.slug == slug).cloned().ok_or_else(|| AppError::bad("error.category_unknown"))?;
    if category.archived {
        return Err(AppError::bad("error.category_archived"));
    }
    let title = Title::parse(&input.title)?;
    let body = Body::parse(&compose_body(kind, &input.body, input.sections.as_ref()))?;
    let summary = match (kind, input.summary.as_deref().map(str::trim)) {
        (TopicKind::GoodPractice, Some(s)) if !s.is_empty() => Some(Summary::parse(s)?),
        (TopicKind::GoodPractice, _) => return Err(AppError::bad("error.summary_required")),
        _ => None,
    };
    let tags = Tags::parse(&input.tags)?;
    Ok(ValidTopic { category, kind, title, summary, body, tags, guidance: input.guidance.clone() })
}

/// A case study sent as sections becomes one body with a heading per section.
pub fn compose_body(kind: TopicKind, body: &str, sections: Option<&Sections>) -> String {
    match sections {
        Some(s) if kind == TopicKind::CaseStudy && !s.is_empty() => s.to_markdown(body),
        _ => body.to_string(),
    }
}

/// The published topic to store for a validated one; `html` is its rendered body.
pub fn new_topic<'a>(topic: &'a ValidTopic, html: &'a str, author_id: i64, at: DateTime<Utc>) -> NewTopic<'a> {
    NewTopic {
        category_id: topic.category.id,
        author_id,
        kind: topic.kind,
        title: topic.title.as_str(),
        summary: topic.summary.as_ref().map(Summary::as_str),
        body: topic.body.as_str(),
        body_html: html,
        status: Status::Published,
        tags: topic.tags.as_slice(),
        created_at: at,
        source_id: None,
        hold: None,
        anonymous: None,
        attachments: &[],
    }
}

/// An anonymous case study as the author asked for it: the public author line shows "Ẩn danh"
/// with this hospital tier and province. Left empty, each is taken from the author's profile.
#[derive(Debug, Default, Clone)]
pub struct Anonymity {
    pub hospital_tier: String,
    pub province: String,
}

/// One vocabulary of tiers everywhere: the three levels of the 2023 Law on Medical Examination
/// and Treatment, as profiles use them (`domain::HOSPITAL_TIERS`).
pub use crate::domain::HOSPITAL_TIERS;

/// The tier a case study names: one of [`HOSPITAL_TIERS`], or an old name of the same level
/// still sent by older API clients (what migration 0014 did to stored topics).
fn parse_tier(typed: &str) -> Option<&'static str> {
    let typed = typed.trim();
    let current = HOSPITAL_TIERS.iter().copied().find(|t| *t == typed);
    current.or(match typed {
        "central" => Some("specialised"),
        "provincial" | "district" => Some("basic"),
        _ => None,
    })
}

/// (tier, province code) of a valid anonymity request; only case studies may be anonymous.
/// What the request leaves empty comes from the author's profile.
pub async fn validate_anonymity(store: &Store, author: &User, kind: TopicKind, a: &Anonymity) -> AppResult<(&'static str, &'static str)> {
    if kind != TopicKind::CaseStudy {
        return Err(AppError::bad("error.moderation.anonymous_case_study_only"));
    }
    let tier = match a.hospital_tier.trim() {
        "" => store.hospital_tier(author.id).await?.unwrap_or_default(),
        typed => typed.to_string(),
    };
    let tier = parse_tier(&tier).ok_or_else(|| AppError::bad("error.moderation.hospital_tier"))?;
    let province = match a.province.trim() {
        "" => author.province_code.clone().unwrap_or_default(),
        typed => typed.to_string(),
    };
    let province = crate::domain::provinces::resolve(&province).ok_or_else(|| AppError::bad("error.province_unknown"))?;
    Ok((tier, province.code))
}

/// Who may see a topic and change a post: rules every feature shares, kept with the rows.
pub use crate::store::access::{can_view, editable_post, visible_topic};

/// A new version of a post. For a topic's opening post the title (and a good practice's summary,
/// a case study's sections) may change too.
#[derive(Debug, Default)]
pub struct EditInput {
    pub body: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub sections: Option<Sections>,
}

/// Soft-deletes a post (and its topic, for an opening post). Returns the topic id.
pub async fn delete_post(state: &AppState, actor: &User, post_id: i64) -> AppResult<i64> {
    let post = editable_post(state.store(), actor, post_id).await?;
    crate::moderation::ensure_not_suspended(state.store(), actor).await?;
    if post.author_id == actor.id {
        state.store().delete_post(post_id).await?;
    } else {
        // A moderator deleting someone else's post is accountable for it.
        let audit = crate::store::TopicAction {
            actor_id: actor.id,
            action: "delete",
            item_type: "post",
            item_id: post_id,
            reason: "",
            before: Some(&post.body),
            after: None,
        };
        state.store().delete_post_audited(post_id, Some(&audit)).await?;
    }
    Ok(post.topic_id)
}

/// The introduction and sections of a case study's body, rendered for display, with guidance
/// document numbers linked as in any other post.
pub fn render_sections(body: &str, library: &guidance::linking::Library) -> (String, Vec<(case_study::Section, String)>) {
    let (intro, sections) = case_study::split(body);
    let rendered = case_study::Section::ALL
        .into_iter()
        .filter(|s| !sections.get(*s).is_empty())
        .map(|s| (s, guidance::linking::render(sections.get(s), library)))
        .collect();
    (guidance::linking::render(&intro, library), rendered)
}

/// [`render_sections`] within the renderer's bounds and `deadline` (for a case study being written).
pub fn try_render_sections(
    body: &str,
    library: &guidance::linking::Library,
    deadline: std::time::Instant,
) -> Result<(String, Vec<(case_study::Section, String)>), crate::forum::markdown::RenderError> {
    let (intro, sections) = case_study::split(body);
    let mut rendered = Vec::new();
    for section in case_study::Section::ALL.into_iter().filter(|s| !sections.get(*s).is_empty()) {
        rendered.push((section, guidance::linking::try_render(sections.get(section), library, deadline)?));
    }
    Ok((guidance::linking::try_render(&intro, library, deadline)?, rendered))
}
