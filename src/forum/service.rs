//! Forum logic shared by the pages and the API: validation, permissions, rate limits, rendering.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use super::case_study::{self, Sections};
use super::{Body, Status, Summary, Tags, Title, TopicKind};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::guidance;
use crate::moderation::autocheck::{self, Occasion};
use crate::store::{Category, NewPost, NewTopic, PostEdit, PostRow, Store, TopicRow, User};

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
fn compose_body(kind: TopicKind, body: &str, sections: Option<&Sections>) -> String {
    match sections {
        Some(s) if kind == TopicKind::CaseStudy && !s.is_empty() => s.to_markdown(body),
        _ => body.to_string(),
    }
}

/// Stores a validated topic as published, at `at` (now, or the original date for demo content).
pub async fn insert_topic(store: &Store, author_id: i64, topic: &ValidTopic, at: DateTime<Utc>) -> AppResult<Created> {
    let (html, links) = guidance::linking::prepare(store, topic.body.as_str(), &topic.guidance).await?;
    let new = new_topic(topic, &html, author_id, at);
    let (topic_id, post_id) = store.create_topic_linked(&new, &links).await?;
    Ok(Created { topic_id, post_id, status: new.status })
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
async fn validate_anonymity(store: &Store, author: &User, kind: TopicKind, a: &Anonymity) -> AppResult<(&'static str, &'static str)> {
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

/// Validates, checks (sanctions, rate, moderation auto-checks) and stores a member's topic:
/// published, or pending with the reasons when the checks hold it for review.
/// `from`: the client's address, for the per-address posting rate limit.
pub async fn create_topic(
    state: &AppState,
    author: &User,
    input: &TopicInput,
    anonymity: Option<&Anonymity>,
    from: Option<IpAddr>,
) -> AppResult<Created> {
    let mut topic = validate_topic(state.store(), input).await?;
    let anonymous = match anonymity {
        Some(a) => Some(validate_anonymity(state.store(), author, topic.kind, a).await?),
        None => None,
    };
    crate::moderation::ensure_can_post(state.store(), author).await?;
    check_post_rate(state, author).await?;
    crate::moderation::service::check_address_rate(state, from).await?;
    let review = autocheck::review(
        state,
        author,
        Some(topic.title.as_str()),
        topic.summary.as_ref().map(Summary::as_str),
        topic.body.as_str(),
        Occasion::New,
    )
    .await?;
    if let Some(title) = &review.title {
        topic.title = Title::parse(title)?;
    }
    topic.body = Body::parse(&review.body)?;
    let (html, links) = guidance::linking::prepare(state.store(), topic.body.as_str(), &topic.guidance).await?;
    let attachments = crate::attachments::ids_in_markdown(topic.body.as_str());
    let mut new = new_topic(&topic, &html, author.id, Utc::now());
    new.anonymous = anonymous;
    new.attachments = &attachments;
    if let Some(reasons) = review.hold.as_deref() {
        new.status = Status::Pending;
        new.hold = Some(reasons);
    }
    let (topic_id, post_id) = state.store().create_topic_linked(&new, &links).await?;
    crate::moderation::service::record_post_address(state, from).await?;
    // Published or held, the text is safe now: the draft it was written in is no longer needed.
    crate::engagement::drafts::forget(state.store(), author.id, &crate::engagement::drafts::Scope::NewTopic(topic.kind)).await?;
    crate::notify::fanout::post_published_logged(state, post_id).await;
    Ok(Created { topic_id, post_id, status: new.status })
}

/// Refuses a member's post when they already posted `posts_per_minute` times in the last minute.
async fn check_post_rate(state: &AppState, author: &User) -> AppResult<()> {
    let since = Utc::now() - Duration::minutes(1);
    let recent = state.store().posts_by_author_since(author.id, since).await?;
    if recent >= crate::admin::settings::posts_per_minute(state).await? {
        return Err(AppError::TooManyRequests(Msg::new("error.post_rate")));
    }
    Ok(())
}

/// Whether `viewer` may see a topic: published and not deleted, or their own, or a moderator.
pub fn can_view(topic: &TopicRow, viewer: Option<&User>) -> bool {
    let public = topic.status == Status::Published && topic.deleted_at.is_none();
    public || viewer.is_some_and(|u| u.role.can_moderate() || (u.id == topic.author_id && topic.deleted_at.is_none()))
}

/// A topic the viewer may see, or NotFound (hidden topics are not admitted to exist).
pub async fn visible_topic(store: &Store, id: i64, viewer: Option<&User>) -> AppResult<TopicRow> {
    let topic = store.topic(id).await?;
    if can_view(&topic, viewer) { Ok(topic) } else { Err(AppError::NotFound) }
}

pub async fn reply(state: &AppState, author: &User, topic_id: i64, body: &str, from: Option<IpAddr>) -> AppResult<(i64, Status)> {
    let topic = visible_topic(state.store(), topic_id, Some(author)).await?;
    if topic.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    if topic.locked && !author.role.can_moderate() {
        return Err(AppError::Forbidden(Msg::new("error.moderation.topic_locked")));
    }
    let body = Body::parse(body)?;
    crate::moderation::ensure_can_post(state.store(), author).await?;
    check_post_rate(state, author).await?;
    crate::moderation::service::check_address_rate(state, from).await?;
    let review = autocheck::review(state, author, None, None, body.as_str(), Occasion::New).await?;
    let body = Body::parse(&review.body)?;
    let created = insert_reply(state.store(), author.id, topic_id, &body, Utc::now(), review.hold.as_deref()).await?;
    crate::moderation::service::record_post_address(state, from).await?;
    crate::engagement::drafts::forget(state.store(), author.id, &crate::engagement::drafts::Scope::Reply(topic_id)).await?;
    crate::notify::fanout::post_published_logged(state, created.0).await;
    Ok(created)
}

/// Stores a reply: published, or pending with the reasons (JSON) in `hold`; the documents it
/// cites and the author's attachments it shows are linked in the same transaction.
pub async fn insert_reply(
    store: &Store,
    author_id: i64,
    topic_id: i64,
    body: &Body,
    at: DateTime<Utc>,
    hold: Option<&str>,
) -> AppResult<(i64, Status)> {
    let (html, links) = guidance::linking::prepare(store, body.as_str(), &[]).await?;
    let status = if hold.is_some() { Status::Pending } else { Status::Published };
    let attachments = crate::attachments::ids_in_markdown(body.as_str());
    let new =
        NewPost { topic_id, author_id, body: body.as_str(), body_html: &html, status, created_at: at, hold, attachments: &attachments };
    let id = store.create_post_linked(&new, &links).await?;
    Ok((id, status))
}

/// A post the user may change: their own, or anyone's for moderators; never a deleted one.
pub async fn editable_post(store: &Store, user: &User, post_id: i64) -> AppResult<PostRow> {
    let post = store.post(post_id).await?;
    if post.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    if post.author_id != user.id && !user.role.can_moderate() {
        // Someone else's post is admitted to exist only when this member could read it: a
        // pending or hidden post answers exactly as a missing one.
        let topic = store.topic(post.topic_id).await?;
        let readable = post.status == Status::Published && topic.status == Status::Published && topic.deleted_at.is_none();
        return Err(if readable { AppError::Forbidden(Msg::new("error.not_your_post")) } else { AppError::NotFound });
    }
    Ok(post)
}

/// A new version of a post. For a topic's opening post the title (and a good practice's summary,
/// a case study's sections) may change too.
#[derive(Debug, Default)]
pub struct EditInput {
    pub body: String,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub sections: Option<Sections>,
}

pub async fn edit_post(state: &AppState, editor: &User, post_id: i64, input: &EditInput) -> AppResult<()> {
    let store = state.store();
    let post = editable_post(store, editor, post_id).await?;
    crate::moderation::ensure_can_post(store, editor).await?;
    let topic = store.topic(post.topic_id).await?;
    let opening = post.position == 1;
    let body_text = if opening { compose_body(topic.kind, &input.body, input.sections.as_ref()) } else { input.body.clone() };
    let body = Body::parse(&body_text)?;
    let title = match (&input.title, opening) {
        (Some(t), true) => Some(Title::parse(t)?),
        _ => None,
    };
    // A moderator editing someone else's post is not held; an author's edit is checked again.
    let review =
        autocheck::review(state, editor, title.as_ref().map(Title::as_str), input.summary.as_deref(), body.as_str(), Occasion::Edit)
            .await?;
    let body = Body::parse(&review.body)?;
    let title = match review.title {
        Some(t) => Some(Title::parse(&t)?),
        None => title,
    };
    let summary = match (topic.kind, opening, input.summary.as_deref()) {
        (TopicKind::GoodPractice, true, Some(s)) => Some(Summary::parse(s)?),
        _ => None,
    };
    let title_text = title.as_ref().map(Title::as_str).or(if opening { Some(topic.title.as_str()) } else { None });
    let summary_text = summary.as_ref().map(Summary::as_str).or(topic.summary.as_deref());
    // Documents the author chose stay linked; what the text mentions is found again.
    let chosen = store.chosen_guidance_numbers(post_id).await?;
    let (html, links) = guidance::linking::prepare(store, body.as_str(), &chosen).await?;
    // A moderator changing someone else's words is accountable for it.
    let audit = (post.author_id != editor.id).then(|| crate::store::TopicAction {
        actor_id: editor.id,
        action: "edit",
        item_type: "post",
        item_id: post_id,
        reason: "",
        before: Some(post.body.as_str()),
        after: Some(body.as_str()),
    });
    let attachments = crate::attachments::ids_in_markdown(body.as_str());
    let edit = PostEdit {
        post_id,
        editor_id: editor.id,
        body: body.as_str(),
        body_html: &html,
        title: title_text,
        summary: if opening { summary_text } else { None },
        hold: review.hold.as_deref(),
        audit: audit.as_ref(),
        attachments: &attachments,
        author_id: post.author_id,
    };
    store.edit_post(&edit, &links).await?;
    crate::engagement::drafts::forget(store, editor.id, &crate::engagement::drafts::Scope::EditPost(post_id)).await?;
    Ok(())
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
