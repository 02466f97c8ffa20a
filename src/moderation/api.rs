//! JSON API v1 for moderation: the queue and its decisions, flags, sanctions, topic actions,
//! appeals, the audit log and watched words (notifications are in `notify/`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, QueueAction, TopicOp};
use super::{Reason, parse_reasons};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::{AuditEntry, QueueFilter, QueueItem};
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(queue))
        .routes(routes!(decide))
        .routes(routes!(flag))
        .routes(routes!(sanction))
        .routes(routes!(topic_action))
        .routes(routes!(hide_post))
        .routes(routes!(delete_post))
        .routes(routes!(appeal))
        .routes(routes!(audit))
        .routes(routes!(add_watched_word))
        .routes(routes!(remove_watched_word))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

const QUEUE_PAGE: i64 = 50;
pub const KINDS: [&str; 7] =
    ["held_post", "flagged_post", "account", "appeal", "imported_category", "ministry_request", "imported_comment"];
const STATES: [&str; 3] = ["open", "approved", "rejected"];

#[derive(Deserialize, IntoParams, Default)]
pub struct QueueQuery {
    /// open (default), approved or rejected.
    pub state: Option<String>,
    /// held_post, flagged_post, account, appeal, imported_category, ministry_request or imported_comment; all when absent.
    pub kind: Option<String>,
    pub page: Option<i64>,
}

/// The filter a queue query asks for; unknown values are refused rather than ignored.
pub fn queue_filter(q: &QueueQuery) -> AppResult<QueueFilter> {
    let state = q.state.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "open".into());
    if !STATES.contains(&state.as_str()) {
        return Err(AppError::bad("error.moderation.queue_filter"));
    }
    let kind = q.kind.clone().filter(|k| !k.is_empty());
    if kind.as_deref().is_some_and(|k| !KINDS.contains(&k)) {
        return Err(AppError::bad("error.moderation.queue_filter"));
    }
    Ok(QueueFilter { state, kind })
}

#[derive(Serialize, ToSchema)]
struct FlagOut {
    reason: String,
    note: String,
    weight: i64,
}

#[derive(Serialize, ToSchema)]
struct ItemOut {
    id: i64,
    kind: String,
    state: String,
    post_id: Option<i64>,
    topic_id: Option<i64>,
    topic_title: Option<String>,
    author_id: i64,
    author: String,
    reasons: Vec<Reason>,
    /// The post's text with what the checks matched in `<mark>`, escaped HTML.
    highlighted_html: Option<String>,
    flags: Vec<FlagOut>,
    flag_weight: i64,
    /// The appellant's reason, for appeals.
    note: String,
    appeal_of: Option<i64>,
    decision: Option<String>,
    handled_by: Option<String>,
    handled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

async fn item_out(state: &AppState, item: QueueItem) -> AppResult<ItemOut> {
    let title = if item.post_position == Some(1) { item.topic_title.as_deref() } else { None };
    let highlighted_html = match &item.post_body {
        Some(body) => Some(service::highlighted(state, title, body).await?),
        None => None,
    };
    let flags = match item.post_id {
        Some(id) if item.kind == "flagged_post" => state.store().flags_for_post(id).await?,
        _ => Vec::new(),
    };
    Ok(ItemOut {
        id: item.id,
        reasons: parse_reasons(&item.reasons),
        highlighted_html,
        flags: flags.into_iter().map(|f| FlagOut { reason: f.reason, note: f.note, weight: f.weight }).collect(),
        kind: item.kind,
        state: item.state,
        post_id: item.post_id,
        topic_id: item.topic_id,
        topic_title: item.topic_title,
        author_id: item.user_id,
        author: item.author_name,
        flag_weight: item.flag_weight,
        note: item.note,
        appeal_of: item.appeal_of,
        decision: item.decision,
        handled_by: item.handler_name,
        handled_at: item.handled_at,
        created_at: item.created_at,
    })
}

/// The review queue, oldest first (moderators and admins).
#[utoipa::path(get, path = "/api/v1/moderation/queue", params(QueueQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<ItemOut>), (status = 401), (status = 403), (status = 422)))]
async fn queue(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(q): Query<QueueQuery>,
) -> AppResult<Json<Vec<ItemOut>>> {
    service::require_moderator(&user)?;
    let filter = queue_filter(&q)?;
    let offset = (q.page.unwrap_or(1).clamp(1, 10_000) - 1) * QUEUE_PAGE;
    let items = state.store().queue(&filter, QUEUE_PAGE, offset).await?;
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(item_out(&state, item).await?);
    }
    Ok(Json(out))
}

#[derive(Deserialize, ToSchema)]
struct DecideIn {
    /// Required to reject; at most 500 characters.
    #[serde(default)]
    reason: String,
    /// edit_approve only: the corrected Markdown body.
    body: Option<String>,
}

/// Approve, edit-and-approve or reject a queue item. A second moderator gets 409.
#[utoipa::path(post, path = "/api/v1/moderation/queue/{id}/{action}", params(("id" = i64, Path), ("action" = String, Path, description = "approve, edit_approve or reject")),
    request_body = DecideIn, security(("bearer" = [])),
    responses((status = 200, body = ItemOut), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn decide(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, action)): Path<(String, String)>,
    ApiJson(input): ApiJson<DecideIn>,
) -> AppResult<Json<ItemOut>> {
    let id = parse_id(&id)?;
    let action = QueueAction::parse(&action).ok_or(AppError::NotFound)?;
    let item = service::act_on_item(&state, &user, id, action, &input.reason, input.body.as_deref()).await?;
    Ok(Json(item_out(&state, item).await?))
}

#[derive(Deserialize, ToSchema)]
struct FlagIn {
    /// spam, off_topic, inappropriate, patient_privacy, unsafe_clinical or other.
    reason: String,
    #[serde(default)]
    note: String,
}

#[derive(Serialize, ToSchema)]
struct FlagCreatedOut {
    /// Whether the post is now hidden until a moderator reviews it.
    hidden: bool,
}

/// Flag a post for moderators; once per member per post.
#[utoipa::path(post, path = "/api/v1/posts/{id}/flags", params(("id" = i64, Path)), request_body = FlagIn, security(("bearer" = [])),
    responses((status = 201, body = FlagCreatedOut), (status = 401), (status = 403), (status = 404), (status = 409), (status = 422)))]
async fn flag(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<FlagIn>,
) -> AppResult<(StatusCode, Json<FlagCreatedOut>)> {
    let hidden = service::flag_post(&state, &user, parse_id(&id)?, &input.reason, &input.note).await?;
    Ok((StatusCode::CREATED, Json(FlagCreatedOut { hidden })))
}

#[derive(Deserialize, ToSchema)]
struct SanctionIn {
    /// silence (cannot post) or suspend (cannot sign in or act).
    kind: String,
    /// 1 to 365.
    days: i64,
    reason: String,
}

#[derive(Serialize, ToSchema)]
struct SanctionOut {
    kind: String,
    until: DateTime<Utc>,
    reason: String,
}

/// Silence or suspend a member for a number of days (moderators; admins only by admins).
#[utoipa::path(post, path = "/api/v1/moderation/users/{id}/sanctions", params(("id" = i64, Path)), request_body = SanctionIn,
    security(("bearer" = [])), responses((status = 201, body = SanctionOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn sanction(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SanctionIn>,
) -> AppResult<(StatusCode, Json<SanctionOut>)> {
    let s = service::sanction(&state, &user, parse_id(&id)?, &input.kind, input.days, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(SanctionOut { kind: s.kind, until: s.until, reason: s.reason })))
}

#[derive(Deserialize, ToSchema)]
struct TopicActionIn {
    #[serde(default)]
    reason: String,
    /// move only: the category slug to move to.
    category: Option<String>,
    /// merge only: the topic this duplicate is merged into.
    into: Option<i64>,
}

#[derive(Serialize, ToSchema)]
struct DoneOut {
    done: bool,
}

/// Lock, unlock, pin, unpin, feature (home page), unfeature, move or merge a topic (moderators).
#[utoipa::path(post, path = "/api/v1/moderation/topics/{id}/{action}", params(("id" = i64, Path), ("action" = String, Path, description = "lock, unlock, pin, unpin, feature, unfeature, move or merge")),
    request_body = TopicActionIn, security(("bearer" = [])),
    responses((status = 200, body = DoneOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn topic_action(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, action)): Path<(String, String)>,
    ApiJson(input): ApiJson<TopicActionIn>,
) -> AppResult<Json<DoneOut>> {
    let id = parse_id(&id)?;
    if action == "move" {
        service::move_topic(&state, &user, id, input.category.as_deref().unwrap_or(""), &input.reason).await?;
    } else if action == "merge" {
        let into = input.into.ok_or_else(|| AppError::bad("error.moderation.merge_target"))?;
        service::merge_topics(&state, &user, id, into, &input.reason).await?;
    } else {
        let op = TopicOp::parse(&action).ok_or(AppError::NotFound)?;
        service::topic_op(&state, &user, id, op, &input.reason).await?;
    }
    Ok(Json(DoneOut { done: true }))
}

#[derive(Deserialize, ToSchema)]
struct ReasonIn {
    reason: String,
}

/// Hide a post from members (its author and moderators still see it).
#[utoipa::path(post, path = "/api/v1/moderation/posts/{id}/hide", params(("id" = i64, Path)), request_body = ReasonIn,
    security(("bearer" = [])), responses((status = 200, body = DoneOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn hide_post(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReasonIn>,
) -> AppResult<Json<DoneOut>> {
    service::hide_post(&state, &user, parse_id(&id)?, &input.reason).await?;
    Ok(Json(DoneOut { done: true }))
}

/// Delete a post (its topic, for an opening post) with a reason recorded in the audit log.
#[utoipa::path(post, path = "/api/v1/moderation/posts/{id}/delete", params(("id" = i64, Path)), request_body = ReasonIn,
    security(("bearer" = [])), responses((status = 200, body = DoneOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn delete_post(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReasonIn>,
) -> AppResult<Json<DoneOut>> {
    service::delete_post(&state, &user, parse_id(&id)?, &input.reason).await?;
    Ok(Json(DoneOut { done: true }))
}

#[derive(Serialize, ToSchema)]
struct AppealOut {
    id: i64,
}

/// Appeal a rejection of one's own post, once; another moderator decides.
#[utoipa::path(post, path = "/api/v1/moderation/items/{id}/appeal", params(("id" = i64, Path)), request_body = ReasonIn,
    security(("bearer" = [])), responses((status = 201, body = AppealOut), (status = 401), (status = 404), (status = 409), (status = 422)))]
async fn appeal(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ReasonIn>,
) -> AppResult<(StatusCode, Json<AppealOut>)> {
    let id = service::appeal(&state, &user, parse_id(&id)?, &input.reason).await?;
    Ok((StatusCode::CREATED, Json(AppealOut { id })))
}

#[derive(Serialize, ToSchema)]
struct AuditOut {
    id: i64,
    at: DateTime<Utc>,
    actor_id: i64,
    actor: String,
    action: String,
    item_type: String,
    item_id: i64,
    reason: String,
    before_text: Option<String>,
    after_text: Option<String>,
    /// The topic the entry is about (directly, or through its post or queue item), if any.
    topic_id: Option<i64>,
    topic_title: Option<String>,
}

impl From<AuditEntry> for AuditOut {
    fn from(a: AuditEntry) -> Self {
        Self {
            id: a.id,
            at: a.at,
            actor_id: a.actor_id,
            actor: a.actor_name,
            action: a.action,
            item_type: a.item_type,
            item_id: a.item_id,
            reason: a.reason,
            before_text: a.before_text,
            after_text: a.after_text,
            topic_id: a.topic_id,
            topic_title: a.topic_title,
        }
    }
}

#[derive(Deserialize, IntoParams)]
struct AuditQuery {
    /// The id of the last entry of the previous page: the next 100 older entries. Left out: the newest.
    #[param(minimum = 1)]
    before: Option<i64>,
}

/// The audit log of moderator and admin actions, newest first (moderators and admins).
#[utoipa::path(get, path = "/api/v1/moderation/audit", params(AuditQuery), security(("bearer" = [])),
    responses((status = 200, body = Vec<AuditOut>), (status = 401), (status = 403)))]
async fn audit(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<Vec<AuditOut>>> {
    service::require_moderator(&user)?;
    if q.before.is_some_and(|b| b < 1) {
        return Err(crate::web::bad_cursor());
    }
    let rows = state.store().audit_log(q.before, 100).await?;
    Ok(Json(rows.into_iter().map(AuditOut::from).collect()))
}

#[derive(Deserialize, ToSchema)]
struct WatchedWordIn {
    pattern: String,
    /// block, hold or replace.
    action: String,
    /// replace only.
    replacement: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct WatchedWordOut {
    id: i64,
}

/// Add a watched word (admins).
#[utoipa::path(post, path = "/api/v1/moderation/watched-words", request_body = WatchedWordIn, security(("bearer" = [])),
    responses((status = 201, body = WatchedWordOut), (status = 401), (status = 403), (status = 409), (status = 422)))]
async fn add_watched_word(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<WatchedWordIn>,
) -> AppResult<(StatusCode, Json<WatchedWordOut>)> {
    let id = service::add_watched_word(&state, &user, &input.pattern, &input.action, input.replacement.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(WatchedWordOut { id })))
}

/// Stop watching a word (admins).
#[utoipa::path(delete, path = "/api/v1/moderation/watched-words/{id}", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404)))]
async fn remove_watched_word(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    service::remove_watched_word(&state, &user, parse_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
