//! JSON API v1 for notifications, watches and mail settings (bearer token).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::watch::{self, Target};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::NotifySettings;
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(notifications))
        .routes(routes!(mark_read))
        .routes(routes!(read_all))
        .routes(routes!(watches))
        .routes(routes!(watch_on, watch_off))
        .routes(routes!(get_settings, put_settings))
}

#[derive(Serialize, ToSchema)]
struct NotificationOut {
    id: i64,
    /// reply, watched_reply, mention, watched_topic, guidance_citation, or a moderation decision
    /// (post_approved, post_rejected, post_hidden, …).
    kind: String,
    item_id: Option<i64>,
    topic_id: Option<i64>,
    post_id: Option<i64>,
    /// None when the post was removed since (or for decisions about no topic).
    topic_title: Option<String>,
    /// Who wrote the post; none for an anonymous author.
    actor_name: Option<String>,
    reason: String,
    appealed: bool,
    read: bool,
    /// Where a browser opens it (shows "removed" for a post deleted or hidden since).
    url: String,
    created_at: DateTime<Utc>,
}

/// The member's notifications, newest first.
#[utoipa::path(get, path = "/api/v1/notifications", security(("bearer" = [])),
    responses((status = 200, body = Vec<NotificationOut>), (status = 401)))]
async fn notifications(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<Vec<NotificationOut>>> {
    let rows = state.store().notifications(user.id, 100).await?;
    Ok(Json(
        rows.into_iter()
            .map(|n| NotificationOut {
                url: format!("/notifications/{}/open", n.id),
                id: n.id,
                kind: n.kind,
                item_id: n.item_id,
                topic_id: n.topic_id,
                post_id: n.post_id,
                topic_title: n.topic_title.filter(|_| n.target_public),
                actor_name: n.actor_name.filter(|_| n.target_public),
                reason: n.reason,
                appealed: n.appealed,
                read: n.read_at.is_some(),
                created_at: n.created_at,
            })
            .collect(),
    ))
}

/// Marks one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", params(("id" = i64, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 404)))]
async fn mark_read(State(state): State<AppState>, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<StatusCode> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    state.store().mark_read(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
struct ReadAllOut {
    marked: u64,
}

/// Marks every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", security(("bearer" = [])),
    responses((status = 200, body = ReadAllOut), (status = 401)))]
async fn read_all(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<ReadAllOut>> {
    Ok(Json(ReadAllOut { marked: state.store().mark_all_read(user.id).await? }))
}

#[derive(Serialize, ToSchema)]
struct WatchOut {
    /// category, tag, topic or guidance.
    kind: String,
    id: i64,
    /// watching, or muted (stopped: replying does not watch it again).
    level: String,
    created_at: DateTime<Utc>,
}

/// What the member watches or stopped watching.
#[utoipa::path(get, path = "/api/v1/watches", security(("bearer" = [])), responses((status = 200, body = Vec<WatchOut>), (status = 401)))]
async fn watches(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<Vec<WatchOut>>> {
    let rows = state.store().watches_of(user.id).await?;
    Ok(Json(
        rows.into_iter().map(|w| WatchOut { kind: w.target_kind, id: w.target_id, level: w.level, created_at: w.created_at }).collect(),
    ))
}

/// Watches a category (slug or id), tag (slug or id), topic (id) or guidance document (number, slug or id).
#[utoipa::path(put, path = "/api/v1/watches/{kind}/{target}", params(("kind" = String, Path), ("target" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = WatchOut), (status = 400), (status = 401), (status = 404),
    (status = 422, description = "the target does not fit the kind, or the guidance document is withdrawn")))]
async fn watch_on(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((kind, target)): Path<(String, String)>,
) -> AppResult<Json<WatchOut>> {
    set(&state, &user, &kind, &target, true).await
}

/// Stops watching (remembered, so replying does not watch the topic again).
#[utoipa::path(delete, path = "/api/v1/watches/{kind}/{target}", params(("kind" = String, Path), ("target" = String, Path)),
    security(("bearer" = [])), responses((status = 200, body = WatchOut), (status = 400), (status = 401), (status = 404),
    (status = 422, description = "the target does not fit the kind")))]
async fn watch_off(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((kind, target)): Path<(String, String)>,
) -> AppResult<Json<WatchOut>> {
    set(&state, &user, &kind, &target, false).await
}

async fn set(state: &AppState, user: &crate::store::User, kind: &str, target: &str, on: bool) -> AppResult<Json<WatchOut>> {
    let target_kind = Target::parse(kind)?;
    let id = watch::set(state.store(), user, target_kind, target, on).await?;
    let level = if on { "watching" } else { "muted" };
    Ok(Json(WatchOut { kind: target_kind.as_str().into(), id, level: level.into(), created_at: Utc::now() }))
}

#[derive(Serialize, Deserialize, ToSchema)]
struct SettingsIo {
    handle: String,
    email_replies: bool,
    email_mentions: bool,
    email_watched: bool,
    email_moderation: bool,
    digest: bool,
    watch_on_reply: bool,
    /// vi or en: the language of mail.
    language: String,
}

/// The member's @handle and mail settings.
#[utoipa::path(get, path = "/api/v1/notification-settings", security(("bearer" = [])), responses((status = 200, body = SettingsIo), (status = 401)))]
async fn get_settings(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Json<SettingsIo>> {
    let s = state.store().notify_settings(user.id).await?;
    let handle = state.store().handle_of(user.id).await?.unwrap_or_default();
    Ok(Json(io(handle, s)))
}

/// Changes the @handle and mail settings (every field).
#[utoipa::path(put, path = "/api/v1/notification-settings", request_body = SettingsIo, security(("bearer" = [])),
    responses((status = 200, body = SettingsIo), (status = 400), (status = 401), (status = 409)))]
async fn put_settings(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<SettingsIo>,
) -> AppResult<Json<SettingsIo>> {
    if !["vi", "en"].contains(&input.language.as_str()) {
        return Err(AppError::bad("notify.error.language"));
    }
    let handle = super::service::change_handle(state.store(), user.id, &input.handle).await?;
    let s = NotifySettings {
        email_replies: input.email_replies,
        email_mentions: input.email_mentions,
        email_watched: input.email_watched,
        email_moderation: input.email_moderation,
        digest: input.digest,
        watch_on_reply: input.watch_on_reply,
        language: input.language,
    };
    state.store().save_notify_settings(user.id, &s).await?;
    Ok(Json(io(handle, s)))
}

fn io(handle: String, s: NotifySettings) -> SettingsIo {
    SettingsIo {
        handle,
        email_replies: s.email_replies,
        email_mentions: s.email_mentions,
        email_watched: s.email_watched,
        email_moderation: s.email_moderation,
        digest: s.digest,
        watch_on_reply: s.watch_on_reply,
        language: s.language,
    }
}
