//! Moderation logic shared by the pages and the API: who may act, what each action does, and
//! the hostile-input checks (missing, already handled or wrong-type items, long reasons, own
//! posts, second flags, sanctions against admins), each a clear 4xx with nothing written.

use std::net::IpAddr;

use chrono::{Duration, Utc};

use super::{checks, trust};
use crate::app::AppState;
use crate::domain::Role;
use crate::domain::Status;
use crate::error::{AppError, AppResult, Msg};
use crate::forum::Body;
use crate::store::{Decision, NewFlag, NewSanction, QueueItem, Sanction, Store, StoreError, TopicAction, TopicFlag, User};
use crate::text;
use crate::web::markdown;

/// Longest reason or note a moderator, flagger or appellant may write.
pub const REASON_MAX: usize = 500;

pub const FLAG_REASONS: [&str; 6] = ["spam", "off_topic", "inappropriate", "patient_privacy", "unsafe_clinical", "other"];

/// Refuses anyone who is not a moderator or admin.
pub fn require_moderator(user: &User) -> AppResult<()> {
    if user.role.can_moderate() { Ok(()) } else { Err(AppError::Forbidden(Msg::new("error.moderation.moderators_only"))) }
}

/// The sentence a sanction in force is shown with is the page shell's: every page that refuses a
/// sanctioned member (and the notifications page) says it the same way.
pub use crate::web::sanction_message;

fn sanction_error(s: &Sanction) -> AppError {
    AppError::Forbidden(sanction_message(s))
}

/// Refuses a suspended member (they may not act at all), saying why and until when.
pub async fn ensure_not_suspended(store: &Store, user: &User) -> AppResult<()> {
    match store.active_sanction(user.id).await? {
        Some(s) if s.kind == "suspend" => Err(sanction_error(&s)),
        _ => Ok(()),
    }
}

/// Refuses a silenced or suspended member's post, reply or edit, saying why and until when, and
/// the post of an account still waiting for (or refused) approval.
pub async fn ensure_can_post(store: &Store, user: &User) -> AppResult<()> {
    if let Some(s) = store.active_sanction(user.id).await? {
        return Err(sanction_error(&s));
    }
    match store.account_review(user.id).await?.as_deref() {
        Some("open") => Err(AppError::Forbidden(Msg::new("error.moderation.account_pending"))),
        Some("rejected") => Err(AppError::Forbidden(Msg::new("error.moderation.account_rejected"))),
        _ => Ok(()),
    }
}

/// Longest supporting note of a ministry staff request.
pub const MINISTRY_NOTE_MAX: usize = 500;

/// Queues a member's request to be made ministry staff (from the settings page, or a sign-in
/// provider rule). Refused for anyone who is not a plain member; `Conflict` when one is waiting.
pub async fn request_ministry(state: &AppState, user: &User, note: &str) -> AppResult<()> {
    if user.role != Role::Member {
        return Err(AppError::bad("error.ministry.not_member"));
    }
    let note = crate::text::clean_line(note);
    if note.is_empty() {
        return Err(AppError::bad("error.ministry.note_empty"));
    }
    if crate::text::char_len(&note) > MINISTRY_NOTE_MAX {
        return Err(AppError::BadRequest(Msg::new("error.field_too_long").arg("max", MINISTRY_NOTE_MAX)));
    }
    if !state.store().request_ministry(user.id, &note).await? {
        return Err(AppError::Conflict(Msg::new("error.ministry.already_waiting")));
    }
    Ok(())
}

/// When new accounts need approval (the admin's settings page), queues this one.
pub async fn queue_new_account(state: &AppState, user_id: i64) -> AppResult<()> {
    if crate::admin::settings::signup_mode(state).await? == crate::admin::settings::SignupMode::Approval {
        state.store().queue_account(user_id).await?;
    }
    Ok(())
}

fn address_key(ip: IpAddr) -> String {
    crate::web::session_cookie::token_hash(&format!("post-ip:{ip}"))
}

/// Refuses a post when its client address already posted `posts_per_minute_per_address` times
/// in the last minute (only a hash of the address is stored).
pub async fn check_address_rate(state: &AppState, from: Option<IpAddr>) -> AppResult<()> {
    let Some(ip) = from else { return Ok(()) };
    let since = Utc::now() - Duration::minutes(1);
    let recent = state.store().posts_from_address_since(&address_key(ip), since).await?;
    if recent >= crate::admin::settings::posts_per_minute_per_address(state).await? {
        return Err(AppError::TooManyRequests(Msg::new("error.post_rate")));
    }
    Ok(())
}

/// Counts a stored post against its address (entries older than ten minutes are forgotten).
pub async fn record_post_address(state: &AppState, from: Option<IpAddr>) -> AppResult<()> {
    if let Some(ip) = from {
        state.store().record_post_address(&address_key(ip), Utc::now() - Duration::minutes(10)).await?;
    }
    Ok(())
}

/// A moderator who may act now (not suspended).
async fn acting_moderator(state: &AppState, user: &User) -> AppResult<()> {
    require_moderator(user)?;
    ensure_not_suspended(state.store(), user).await
}

/// A reason cleaned to NFC; over [`REASON_MAX`] characters or missing when `required` is refused.
pub fn parse_reason(raw: &str, required: bool) -> AppResult<String> {
    let reason = text::clean(raw).trim().to_string();
    if text::char_len(&reason) > REASON_MAX {
        return Err(AppError::BadRequest(Msg::new("error.moderation.reason_too_long").arg("max", REASON_MAX)));
    }
    if required && reason.is_empty() {
        return Err(AppError::bad("error.moderation.reason_required"));
    }
    Ok(reason)
}

/// What a moderator can do with a queue item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAction {
    Approve,
    Reject,
    EditApprove,
}

impl QueueAction {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "approve" => Some(Self::Approve),
            "reject" => Some(Self::Reject),
            "edit_approve" => Some(Self::EditApprove),
            _ => None,
        }
    }
}

fn already_handled(item: &QueueItem) -> AppError {
    let name = item.handler_name.clone().unwrap_or_default();
    AppError::Conflict(Msg::new("error.moderation.already_handled").arg("name", name))
}

fn wrong_type() -> AppError {
    AppError::bad("error.moderation.wrong_type")
}

/// Decides a queue item. Checks everything first, then one transaction claims the item
/// (only while still open), changes the post, writes the audit row and tells the author.
pub async fn act_on_item(
    state: &AppState,
    actor: &User,
    id: i64,
    action: QueueAction,
    reason: &str,
    body: Option<&str>,
) -> AppResult<QueueItem> {
    acting_moderator(state, actor).await?;
    let store = state.store();
    let item = store.queue_item(id).await?;
    let reason = parse_reason(reason, action == QueueAction::Reject)?;
    if item.state != "open" {
        return Err(already_handled(&item));
    }
    let is_appeal = item.kind == "appeal";
    if action == QueueAction::EditApprove && (is_appeal || item.post_id.is_none()) {
        return Err(wrong_type());
    }
    if item.post_id.is_none() && item.kind != "account" && item.kind != "ministry_request" {
        return Err(wrong_type());
    }
    if let Some(original) = item.appeal_of
        && store.queue_item(original).await?.handled_by == Some(actor.id)
    {
        return Err(AppError::Forbidden(Msg::new("error.moderation.own_decision")));
    }
    let new_body = match (action, body) {
        (QueueAction::EditApprove, Some(b)) => {
            let body = Body::parse(b)?;
            let html = markdown::render(body.as_str());
            Some((body.as_str().to_string(), html))
        }
        (QueueAction::EditApprove, None) => return Err(AppError::bad("error.edit.body_empty")),
        _ => None,
    };
    let decision = decision_for(&item, action, actor.id, &reason, new_body.as_ref().map(|(b, h)| (b.as_str(), h.as_str())));
    match store.decide(&decision).await {
        Ok(()) => {
            // A held post approved now reaches its watchers, as if it had been published at once.
            if let (Some("published"), Some(post_id)) = (decision.post_status, item.post_id) {
                crate::notify::fanout::post_published_logged(state, post_id).await;
            }
            Ok(store.queue_item(id).await?)
        }
        Err(StoreError::Conflict) => Err(already_handled(&store.queue_item(id).await?)),
        Err(other) => Err(other.into()),
    }
}

fn decision_for<'a>(
    item: &QueueItem,
    action: QueueAction,
    actor_id: i64,
    reason: &'a str,
    new_body: Option<(&'a str, &'a str)>,
) -> Decision<'a> {
    let approve = action != QueueAction::Reject;
    let (state, status) = if approve { ("approved", Some("published")) } else { ("rejected", Some("rejected")) };
    let (action_name, notify, post_status) = match (item.kind.as_str(), action) {
        ("account", QueueAction::Reject) => ("reject_account", "account_rejected", None),
        ("account", _) => ("approve_account", "account_approved", None),
        ("ministry_request", QueueAction::Reject) => ("reject_ministry", "ministry_rejected", None),
        ("ministry_request", _) => ("approve_ministry", "ministry_approved", None),
        ("appeal", QueueAction::Reject) => ("appeal_deny", "appeal_denied", None),
        ("appeal", _) => ("appeal_grant", "appeal_granted", status),
        // The topic is published already; the moderator moved it (or not) from its page.
        ("imported_category", _) => ("category_checked", "category_checked", None),
        (_, QueueAction::Approve) => ("approve", "post_approved", status),
        (_, QueueAction::EditApprove) => ("edit_approve", "post_approved", status),
        (_, QueueAction::Reject) => ("reject", "post_rejected", status),
    };
    let grant_role = (item.kind == "ministry_request" && approve).then_some(Role::Ministry);
    Decision { item_id: item.id, actor_id, state, action: action_name, post_status, reason, new_body, notify, grant_role }
}

/// The author appeals a rejection, once; the appeal joins the queue for another moderator.
pub async fn appeal(state: &AppState, author: &User, item_id: i64, reason: &str) -> AppResult<i64> {
    ensure_not_suspended(state.store(), author).await?;
    let store = state.store();
    let item = store.queue_item(item_id).await?;
    if item.user_id != author.id {
        return Err(AppError::NotFound);
    }
    let reason = parse_reason(reason, true)?;
    // Account decisions are not appealed here: a refused account contacts the operators.
    if item.kind == "appeal" || item.kind == "account" || item.kind == "ministry_request" || item.state != "rejected" {
        return Err(AppError::bad("error.moderation.not_appealable"));
    }
    store.create_appeal(&item, &reason).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("error.moderation.already_appealed")),
        other => other.into(),
    })
}

/// A member flags a visible post written by someone else, once. Returns whether the post is now hidden.
pub async fn flag_post(state: &AppState, user: &User, post_id: i64, reason: &str, note: &str) -> AppResult<bool> {
    let store = state.store();
    ensure_can_post(store, user).await?;
    let post = store.post(post_id).await?;
    let topic = crate::store::access::visible_topic(store, post.topic_id, Some(user)).await?;
    if post.deleted_at.is_some() || post.status != Status::Published || topic.status != Status::Published {
        return Err(AppError::NotFound);
    }
    if post.author_id == user.id {
        return Err(AppError::bad("error.moderation.flag_own_post"));
    }
    let reason = FLAG_REASONS.into_iter().find(|r| *r == reason.trim()).ok_or_else(|| AppError::bad("error.moderation.flag_reason"))?;
    let note = parse_reason(note, false)?;
    let threshold = state.config().flag_hide_threshold;
    let weight = if user.role.can_moderate() { threshold } else { trust::flag_weight(trust::of(state, user.id).await?.0) };
    let flag = NewFlag { post_id, author_id: post.author_id, user_id: user.id, reason, note: &note, weight, threshold };
    store.add_flag(&flag).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("error.moderation.already_flagged")),
        other => other.into(),
    })
}

/// Silences (cannot post) or suspends (cannot act) a member for `days` days with a reason.
pub async fn sanction(state: &AppState, actor: &User, user_id: i64, kind: &str, days: i64, reason: &str) -> AppResult<Sanction> {
    acting_moderator(state, actor).await?;
    let store = state.store();
    let target = store.user_by_id(user_id).await?;
    if target.role == Role::Admin && actor.role != Role::Admin {
        return Err(AppError::Forbidden(Msg::new("error.moderation.cannot_sanction_admin")));
    }
    if target.id == actor.id {
        return Err(AppError::bad("error.moderation.cannot_sanction_self"));
    }
    let kind =
        ["silence", "suspend"].into_iter().find(|k| *k == kind.trim()).ok_or_else(|| AppError::bad("error.moderation.sanction_kind"))?;
    if !(1..=365).contains(&days) {
        return Err(AppError::BadRequest(Msg::new("error.moderation.sanction_days").arg("max", 365)));
    }
    let reason = parse_reason(reason, true)?;
    let until = Utc::now() + Duration::days(days);
    store.add_sanction(&NewSanction { user_id, kind, until, reason: &reason, by_id: actor.id }).await?;
    store.active_sanction(user_id).await?.ok_or(AppError::NotFound)
}

/// Moderator actions on a topic outside the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicOp {
    Lock,
    Unlock,
    Pin,
    Unpin,
    Feature,
    Unfeature,
}

impl TopicOp {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lock" => Some(Self::Lock),
            "unlock" => Some(Self::Unlock),
            "pin" => Some(Self::Pin),
            "unpin" => Some(Self::Unpin),
            "feature" => Some(Self::Feature),
            "unfeature" => Some(Self::Unfeature),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Lock => "lock",
            Self::Unlock => "unlock",
            Self::Pin => "pin",
            Self::Unpin => "unpin",
            Self::Feature => "feature",
            Self::Unfeature => "unfeature",
        }
    }

    /// The topic flag it sets, and to what.
    fn flag(self) -> (TopicFlag, bool) {
        match self {
            Self::Lock => (TopicFlag::Locked, true),
            Self::Unlock => (TopicFlag::Locked, false),
            Self::Pin => (TopicFlag::Pinned, true),
            Self::Unpin => (TopicFlag::Pinned, false),
            Self::Feature => (TopicFlag::Featured, true),
            Self::Unfeature => (TopicFlag::Featured, false),
        }
    }
}

/// Locks/unlocks or pins/unpins a topic, with its audit row.
pub async fn topic_op(state: &AppState, actor: &User, topic_id: i64, op: TopicOp, reason: &str) -> AppResult<()> {
    acting_moderator(state, actor).await?;
    let reason = parse_reason(reason, false)?;
    let action = TopicAction {
        actor_id: actor.id,
        action: op.name(),
        item_type: "topic",
        item_id: topic_id,
        reason: &reason,
        before: None,
        after: None,
    };
    let (flag, on) = op.flag();
    state.store().set_topic_flag_audited(topic_id, flag, on, &action).await?;
    Ok(())
}

/// Moves a topic to another category, with its audit row.
pub async fn move_topic(state: &AppState, actor: &User, topic_id: i64, category: &str, reason: &str) -> AppResult<()> {
    acting_moderator(state, actor).await?;
    let reason = parse_reason(reason, false)?;
    let store = state.store();
    let target = store.category_by_slug(category.trim()).await.map_err(|_| AppError::bad("error.category_unknown"))?;
    let topic = store.topic(topic_id).await?;
    let action = TopicAction {
        actor_id: actor.id,
        action: "move",
        item_type: "topic",
        item_id: topic_id,
        reason: &reason,
        before: Some(&topic.category_slug),
        after: Some(&target.slug),
    };
    store.move_topic_audited(topic_id, target.id, &action).await?;
    Ok(())
}

/// Hides a post from everyone but its author and moderators (status rejected), with its audit row.
pub async fn hide_post(state: &AppState, actor: &User, post_id: i64, reason: &str) -> AppResult<()> {
    let (post, reason) = post_to_act_on(state, actor, post_id, reason).await?;
    let action = TopicAction {
        actor_id: actor.id,
        action: "hide",
        item_type: "post",
        item_id: post_id,
        reason: &reason,
        before: Some(&post.body),
        after: None,
    };
    state.store().set_post_status_audited(post_id, Status::Rejected.as_str(), &action, "post_hidden").await?;
    Ok(())
}

/// The post a moderator acts on with a required reason: refused for non-moderators, a
/// reason missing or too long, a missing or deleted post.
async fn post_to_act_on(state: &AppState, actor: &User, post_id: i64, reason: &str) -> AppResult<(crate::store::PostRow, String)> {
    acting_moderator(state, actor).await?;
    let reason = parse_reason(reason, true)?;
    let post = state.store().post(post_id).await?;
    if post.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    Ok((post, reason))
}

/// Merges a duplicate topic into another: its posts are appended to `into` in order and the
/// duplicate is deleted, with one audit row, in one transaction.
pub async fn merge_topics(state: &AppState, actor: &User, topic_id: i64, into: i64, reason: &str) -> AppResult<()> {
    acting_moderator(state, actor).await?;
    let reason = parse_reason(reason, false)?;
    if topic_id == into {
        return Err(AppError::bad("error.moderation.merge_same"));
    }
    let store = state.store();
    for id in [topic_id, into] {
        if store.topic(id).await?.deleted_at.is_some() {
            return Err(AppError::NotFound);
        }
    }
    let offset = store.max_position(into).await?;
    let after = format!("merged into topic {into}");
    let action = TopicAction {
        actor_id: actor.id,
        action: "merge",
        item_type: "topic",
        item_id: topic_id,
        reason: &reason,
        before: None,
        after: Some(&after),
    };
    store.merge_topics_audited(topic_id, into, offset, Utc::now(), &action).await?;
    Ok(())
}

/// Deletes a post (its topic, for an opening post) with the moderator's reason in the audit log.
pub async fn delete_post(state: &AppState, actor: &User, post_id: i64, reason: &str) -> AppResult<()> {
    let (post, reason) = post_to_act_on(state, actor, post_id, reason).await?;
    let action = TopicAction {
        actor_id: actor.id,
        action: "delete",
        item_type: "post",
        item_id: post_id,
        reason: &reason,
        before: Some(&post.body),
        after: None,
    };
    state.store().delete_post_audited(post_id, Some(&action)).await?;
    Ok(())
}

/// Refuses anyone but an admin.
pub fn require_admin(user: &User) -> AppResult<()> {
    if user.role == Role::Admin { Ok(()) } else { Err(AppError::Forbidden(Msg::new("error.moderation.admins_only"))) }
}

/// An admin adds a watched word (block, hold or replace), with its audit row.
pub async fn add_watched_word(state: &AppState, admin: &User, pattern: &str, action: &str, replacement: Option<&str>) -> AppResult<i64> {
    require_admin(admin)?;
    let pattern = checks::parse_pattern(&text::clean_line(pattern))
        .map_err(|e| AppError::BadRequest(Msg::new(e.i18n_key()).arg("max", checks::MAX_PATTERN_CHARS)))?;
    let action = ["block", "hold", "replace"]
        .into_iter()
        .find(|a| *a == action.trim())
        .ok_or_else(|| AppError::bad("error.moderation.watched_action"))?;
    let replacement = replacement.map(text::clean_line).filter(|r| !r.is_empty());
    if action == "replace" && replacement.is_none() {
        return Err(AppError::bad("error.moderation.watched_replacement"));
    }
    state.store().add_watched_word(admin.id, &pattern, action, replacement.as_deref()).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("error.moderation.watched_exists")),
        other => other.into(),
    })
}

/// An admin stops watching a word, with its audit row. Posts already held or changed stay as they are.
pub async fn remove_watched_word(state: &AppState, admin: &User, id: i64) -> AppResult<()> {
    require_admin(admin)?;
    Ok(state.store().remove_watched_word(admin.id, id).await?)
}

/// The text of a post and the highlighted HTML of what the checks match in it, for moderators.
pub async fn highlighted(state: &AppState, title: Option<&str>, body: &str) -> AppResult<String> {
    let text = match title {
        Some(t) => format!("{t}\n\n{body}"),
        None => body.to_string(),
    };
    let words: Vec<checks::WatchedWord> = state
        .store()
        .watched_words()
        .await?
        .into_iter()
        .map(|w| checks::WatchedWord { pattern: w.pattern, action: checks::WatchedAction::Hold, replacement: None })
        .collect();
    let mut ranges: Vec<std::ops::Range<usize>> = checks::patient_data(&text).into_iter().map(|f| f.range).collect();
    ranges.extend(checks::apply_watched_words(&text, &words).ranges);
    ranges.sort_by_key(|r| (r.start, r.end));
    // Overlapping matches are merged so each character is marked once.
    let mut merged: Vec<std::ops::Range<usize>> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    Ok(checks::highlight_html(&text, &merged))
}
