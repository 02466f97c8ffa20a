//! The pipeline every submitted text goes through, in this order:
//!
//! 1. validate — the forum's types (`Title`, `Body`, tags, a case study's sections, anonymity);
//! 2. admit the member — sanctions, then the member's and the address's posting rates;
//! 3. review — moderation's auto-checks (patient data, watched words, links); they may rewrite
//!    the text (a blocked word refuses it) and decide whether it is held;
//! 4. prepare — render the Markdown with guidance's document links and notify's @mentions, find
//!    the attachments it shows (each body is rendered here, once);
//! 5. store — one transaction: the post, published or pending with the reasons (the queue item),
//!    its guidance links and attachments, the search change-log row;
//! 6. after commit — the address is recorded for the rate limit, the draft it was written in is
//!    forgotten, watchers and mentioned members are told.

use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};

use crate::app::AppState;
use crate::engagement::drafts::{self, Scope};
use crate::error::{AppError, AppResult, Msg};
use crate::forum::service::{self as forum, Anonymity, Created, EditInput, TopicInput, ValidTopic};
use crate::forum::{Body, Status, Summary, Title, TopicKind};
use crate::moderation::autocheck::{self, Occasion, Review};
use crate::store::{GuidanceLinks, NewPost, PostEdit, PostRow, Store, TopicAction, TopicRow, User};

/// A body made ready to store: the HTML shown, the documents it cites (found in the text and
/// chosen by the author) and our own attachments it shows.
pub struct Prepared {
    pub html: String,
    pub links: GuidanceLinks,
    pub attachments: Vec<i64>,
}

/// Step 4: the body rendered with the link-finders guidance and notify provide.
pub async fn prepare(store: &Store, body: &Body, chosen: &[String]) -> AppResult<Prepared> {
    let (html, links) = crate::guidance::linking::prepare(store, body.as_str(), chosen).await?;
    Ok(Prepared { html, links, attachments: crate::attachments::ids_in_markdown(body.as_str()) })
}

/// Step 2 for new text: sanctions, then the member's and the address's posting rates.
async fn admit(state: &AppState, author: &User, from: Option<IpAddr>) -> AppResult<()> {
    crate::moderation::ensure_can_post(state.store(), author).await?;
    check_post_rate(state, author).await?;
    crate::moderation::service::check_address_rate(state, from).await
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

/// The review's decision: held for review with its reasons (JSON), or published at once.
fn decision(hold: Option<&str>) -> Status {
    if hold.is_some() { Status::Pending } else { Status::Published }
}

/// Step 6 for new text. Published or held, the text is safe now: its draft is no longer needed.
async fn after_commit(state: &AppState, author: &User, from: Option<IpAddr>, draft: Scope, post_id: i64) -> AppResult<()> {
    crate::moderation::service::record_post_address(state, from).await?;
    drafts::forget(state.store(), author.id, &draft).await?;
    crate::notify::fanout::post_published_logged(state, post_id).await;
    Ok(())
}

/// A member's new topic of any kind: published, or pending with the reasons when the review
/// holds it. `from`: the client's address, for the per-address posting rate limit.
pub async fn create_topic(
    state: &AppState,
    author: &User,
    input: &TopicInput,
    anonymity: Option<&Anonymity>,
    from: Option<IpAddr>,
) -> AppResult<Created> {
    let mut topic = forum::validate_topic(state.store(), input).await?;
    let anonymous = match anonymity {
        Some(a) => Some(forum::validate_anonymity(state.store(), author, topic.kind, a).await?),
        None => None,
    };
    admit(state, author, from).await?;
    let review = review_topic(state, author, &topic).await?;
    if let Some(title) = &review.title {
        topic.title = Title::parse(title)?;
    }
    topic.body = Body::parse(&review.body)?;
    let prepared = prepare(state.store(), &topic.body, &topic.guidance).await?;
    let mut new = forum::new_topic(&topic, &prepared.html, author.id, Utc::now());
    new.anonymous = anonymous;
    new.attachments = &prepared.attachments;
    new.status = decision(review.hold.as_deref());
    new.hold = review.hold.as_deref();
    let (topic_id, post_id) = state.store().create_topic_linked(&new, &prepared.links).await?;
    after_commit(state, author, from, Scope::NewTopic(topic.kind), post_id).await?;
    Ok(Created { topic_id, post_id, status: new.status })
}

async fn review_topic(state: &AppState, author: &User, topic: &ValidTopic) -> AppResult<Review> {
    let summary = topic.summary.as_ref().map(Summary::as_str);
    autocheck::review(state, author, Some(topic.title.as_str()), summary, topic.body.as_str(), Occasion::New).await
}

/// Stores a validated topic as published at `at`, without the member's checks (demo content).
pub async fn insert_topic(store: &Store, author_id: i64, topic: &ValidTopic, at: DateTime<Utc>) -> AppResult<Created> {
    let (html, links) = crate::guidance::linking::prepare(store, topic.body.as_str(), &topic.guidance).await?;
    let new = forum::new_topic(topic, &html, author_id, at);
    let (topic_id, post_id) = store.create_topic_linked(&new, &links).await?;
    Ok(Created { topic_id, post_id, status: new.status })
}

/// A member's reply: published, or pending with the reasons when the review holds it.
pub async fn reply(state: &AppState, author: &User, topic_id: i64, body: &str, from: Option<IpAddr>) -> AppResult<(i64, Status)> {
    open_for_reply(state.store(), author, topic_id).await?;
    let body = Body::parse(body)?;
    admit(state, author, from).await?;
    let review = autocheck::review(state, author, None, None, body.as_str(), Occasion::New).await?;
    let body = Body::parse(&review.body)?;
    let created = insert_reply(state.store(), author.id, topic_id, &body, Utc::now(), review.hold.as_deref()).await?;
    after_commit(state, author, from, Scope::Reply(topic_id), created.0).await?;
    Ok(created)
}

/// A topic the author may reply to: one they can see, not deleted, and not locked (moderators
/// reply to locked topics).
async fn open_for_reply(store: &Store, author: &User, topic_id: i64) -> AppResult<TopicRow> {
    let topic = forum::visible_topic(store, topic_id, Some(author)).await?;
    if topic.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    if topic.locked && !author.role.can_moderate() {
        return Err(AppError::Forbidden(Msg::new("error.moderation.topic_locked")));
    }
    Ok(topic)
}

/// Steps 4 and 5 of a reply: published, or pending with the reasons (JSON) in `hold`; the
/// documents it cites and the author's attachments it shows are linked in the same transaction.
pub async fn insert_reply(
    store: &Store,
    author_id: i64,
    topic_id: i64,
    body: &Body,
    at: DateTime<Utc>,
    hold: Option<&str>,
) -> AppResult<(i64, Status)> {
    let prepared = prepare(store, body, &[]).await?;
    let status = decision(hold);
    let new = NewPost {
        topic_id,
        author_id,
        body: body.as_str(),
        body_html: &prepared.html,
        status,
        created_at: at,
        hold,
        attachments: &prepared.attachments,
    };
    let id = store.create_post_linked(&new, &prepared.links).await?;
    Ok((id, status))
}

/// An edit that passed validation and review.
struct CheckedEdit {
    post: PostRow,
    opening: bool,
    body: Body,
    /// The opening post's title: the new one, or the topic's as it was.
    title: Option<String>,
    summary: Option<String>,
    hold: Option<String>,
}

/// A new version of a post (by its author, or by a moderator). It goes through the same review
/// as new text; the documents the author chose stay linked and the draft of the edit is
/// forgotten. No fan-out: watchers were told when the post first appeared.
pub async fn edit_post(state: &AppState, editor: &User, post_id: i64, input: &EditInput) -> AppResult<()> {
    let store = state.store();
    let post = forum::editable_post(store, editor, post_id).await?;
    crate::moderation::ensure_can_post(store, editor).await?;
    let edit = review_edit(state, editor, post, input).await?;
    // Documents the author chose stay linked; what the text mentions is found again.
    let chosen = store.chosen_guidance_numbers(post_id).await?;
    let prepared = prepare(store, &edit.body, &chosen).await?;
    // A moderator changing someone else's words is accountable for it.
    let audit = (edit.post.author_id != editor.id).then(|| TopicAction {
        actor_id: editor.id,
        action: "edit",
        item_type: "post",
        item_id: post_id,
        reason: "",
        before: Some(edit.post.body.as_str()),
        after: Some(edit.body.as_str()),
    });
    store.edit_post(&edit.to_store(editor.id, &prepared, audit.as_ref()), &prepared.links).await?;
    drafts::forget(store, editor.id, &Scope::EditPost(post_id)).await?;
    Ok(())
}

/// Steps 1 and 3 of an edit: the new text (a case study's sections joined for its opening
/// post), the title and summary an opening post may change, and moderation's review. A
/// moderator editing someone else's post is not held; an author's edit is checked again.
async fn review_edit(state: &AppState, editor: &User, post: PostRow, input: &EditInput) -> AppResult<CheckedEdit> {
    let topic = state.store().topic(post.topic_id).await?;
    let opening = post.position == 1;
    let body_text = if opening { forum::compose_body(topic.kind, &input.body, input.sections.as_ref()) } else { input.body.clone() };
    let body = Body::parse(&body_text)?;
    let title = match (&input.title, opening) {
        (Some(t), true) => Some(Title::parse(t)?),
        _ => None,
    };
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
    let title = title.map(|t| t.as_str().to_string()).or_else(|| opening.then(|| topic.title.clone()));
    let summary = if opening { summary.map(|s| s.as_str().to_string()).or(topic.summary) } else { None };
    Ok(CheckedEdit { post, opening, body, title, summary, hold: review.hold })
}

impl CheckedEdit {
    fn to_store<'a>(&'a self, editor_id: i64, prepared: &'a Prepared, audit: Option<&'a TopicAction<'a>>) -> PostEdit<'a> {
        PostEdit {
            post_id: self.post.id,
            editor_id,
            body: self.body.as_str(),
            body_html: &prepared.html,
            title: self.title.as_deref(),
            summary: if self.opening { self.summary.as_deref() } else { None },
            hold: self.hold.as_deref(),
            audit,
            attachments: &prepared.attachments,
            author_id: self.post.author_id,
        }
    }
}
