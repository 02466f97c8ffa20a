//! A post's versions (`/posts/{id}/revisions` and its API) and their redaction by moderators.
//!
//! Patient data must not come back through the history: when any version of a post had
//! suspected patient data (a hold for it, a moderator's edit of someone else's words, or a
//! finding in a stored version), only moderators see the earlier versions; everyone else sees
//! the current text and a line saying earlier versions are kept for moderators. A moderator can
//! also redact an earlier version: its text is deleted (shown as a fixed notice) and the audit
//! log records who and why, never the removed text.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Status, service};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::moderation::checks;
use crate::store::{Redaction, Revision, StoreError, TopicRow, User};
use crate::web::{CsrfForm, Page};
use crate::web::{RequireUser, Viewer};

/// What a viewer may see of a post's history.
pub struct History {
    pub topic: TopicRow,
    pub post_id: i64,
    /// Newest first; only the current version when the earlier ones are moderators-only.
    pub revisions: Vec<Revision>,
    /// How many earlier versions this viewer may not see.
    pub withheld: usize,
    /// Whether the viewer is a moderator (and may redact).
    pub moderator: bool,
}

/// The versions of post `post_id` that `viewer` may see; 404 for a post they may not see.
pub async fn history(state: &AppState, viewer: Option<&User>, post_id: i64) -> AppResult<History> {
    let store = state.store();
    let post = store.post(post_id).await?;
    let topic = service::visible_topic(store, post.topic_id, viewer).await?;
    let moderator = viewer.is_some_and(|u| u.role.can_moderate());
    // A held or hidden reply in a public topic: only its author and moderators know of it.
    let own = viewer.is_some_and(|u| u.id == post.author_id);
    if post.deleted_at.is_some() || (post.status != Status::Published && !own && !moderator) {
        return Err(AppError::NotFound);
    }
    let mut revisions = store.revisions(post_id).await?;
    if topic.anonymous && !moderator {
        for r in revisions.iter_mut().filter(|r| r.editor_id == topic.author_id) {
            r.editor_name = String::new();
            r.editor_id = 0;
        }
    }
    let total = revisions.len();
    if !moderator && (post.private_history || revisions.iter().any(held_for_privacy)) {
        revisions.retain(|r| r.revision == post.revision);
    }
    Ok(History { topic, post_id, withheld: total - revisions.len(), revisions, moderator })
}

/// A version whose text or title the patient-data check would hold.
fn held_for_privacy(r: &Revision) -> bool {
    checks::holds_patient_data(&r.body) || r.title.as_deref().is_some_and(checks::holds_patient_data)
}

/// Redacts version `revision` of post `post_id`: moderators only, a reason required.
pub async fn redact(state: &AppState, moderator: &User, post_id: i64, revision: i64, reason: &str) -> AppResult<()> {
    crate::moderation::service::require_moderator(moderator)?;
    crate::moderation::service::ensure_not_suspended(state.store(), moderator).await?;
    let reason = crate::moderation::service::parse_reason(reason, true)?;
    let redaction = Redaction { post_id, revision, actor_id: moderator.id, reason: &reason };
    state.store().redact_revision(&redaction).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("revisions.error.already_redacted").arg("version", revision)),
        other => other.into(),
    })
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse::<i64>().ok().filter(|id| *id > 0).ok_or(AppError::NotFound)
}

// ---------------------------------------------------------------------------------------------
// Pages

pub fn router() -> Router<AppState> {
    Router::new().route("/posts/{id}/revisions", get(page)).route("/posts/{id}/revisions/{revision}/redact", post(redact_form))
}

#[derive(Template, WebTemplate)]
#[template(path = "revisions.html")]
struct RevisionsPage {
    page: Page,
    history: History,
    rendered: Vec<String>,
    /// The version just redacted, for the confirmation.
    redacted: Option<i64>,
}

impl RevisionsPage {
    fn editor<'a>(&'a self, r: &'a Revision) -> &'a str {
        if r.editor_name.is_empty() { self.page.t("moderation.anonymous.author") } else { &r.editor_name }
    }
}

#[derive(Deserialize)]
struct PageQuery {
    redacted: Option<i64>,
}

async fn page(State(state): State<AppState>, page: Page, Path(id): Path<String>, Query(q): Query<PageQuery>) -> AppResult<RevisionsPage> {
    let history = history(&state, page.viewer.as_ref(), parse_id(&id)?).await?;
    let rendered = history.revisions.iter().map(|r| super::markdown::render(&r.body)).collect();
    Ok(RevisionsPage { page, history, rendered, redacted: q.redacted })
}

#[derive(Deserialize)]
struct RedactForm {
    #[serde(default)]
    reason: String,
}

async fn redact_form(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, revision)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<RedactForm>,
) -> AppResult<Response> {
    let (id, revision) = (parse_id(&id)?, parse_id(&revision)?);
    redact(&state, &user, id, revision, &form.reason).await?;
    Ok(Redirect::to(&format!("/posts/{id}/revisions?redacted={revision}#rev-{revision}")).into_response())
}

// ---------------------------------------------------------------------------------------------
// API

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_revisions)).routes(routes!(api_redact))
}

#[derive(Serialize, ToSchema)]
struct RevisionOut {
    revision: i64,
    /// The topic's title in this version (opening posts), null when unchanged or redacted.
    title: Option<String>,
    /// Markdown; empty when redacted.
    body: String,
    /// Who saved this version ("" for an anonymous case study's author, except to moderators).
    editor: String,
    created_at: DateTime<Utc>,
    redacted: bool,
}

#[derive(Serialize, ToSchema)]
struct RevisionsOut {
    post_id: i64,
    /// Newest first.
    revisions: Vec<RevisionOut>,
    /// Earlier versions kept for moderators only (the post once held suspected patient data).
    withheld: usize,
}

impl From<History> for RevisionsOut {
    fn from(h: History) -> Self {
        let revisions = h
            .revisions
            .into_iter()
            .map(|r| RevisionOut {
                revision: r.revision,
                title: r.title,
                body: r.body,
                editor: r.editor_name,
                created_at: r.created_at,
                redacted: r.redacted_at.is_some(),
            })
            .collect();
        RevisionsOut { post_id: h.post_id, revisions, withheld: h.withheld }
    }
}

/// The versions of a post the caller may see (earlier ones are for moderators only once the
/// post held suspected patient data).
#[utoipa::path(get, path = "/api/v1/posts/{id}/revisions", params(("id" = i64, Path)),
    responses((status = 200, body = RevisionsOut), (status = 404)))]
async fn api_revisions(
    State(state): State<AppState>,
    viewer: Option<axum::Extension<Viewer>>,
    Path(id): Path<String>,
) -> AppResult<Json<RevisionsOut>> {
    let viewer = viewer.map(|v| v.0).unwrap_or_default();
    Ok(Json(history(&state, viewer.user(), parse_id(&id)?).await?.into()))
}

#[derive(Deserialize, ToSchema)]
struct RedactIn {
    /// Why (required, at most 500 characters); kept in the audit log.
    reason: String,
}

/// Redact an earlier version of a post (moderators): its text is deleted for good and the
/// audit log records who and why. The current version is changed by editing the post instead.
#[utoipa::path(post, path = "/api/v1/posts/{id}/revisions/{revision}/redact",
    params(("id" = i64, Path), ("revision" = i64, Path)), request_body = RedactIn, security(("bearer" = [])),
    responses((status = 200, body = RevisionsOut), (status = 401), (status = 403), (status = 404),
        (status = 409, description = "already redacted"), (status = 422, description = "no reason, or the current version")))]
async fn api_redact(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, revision)): Path<(String, String)>,
    ApiJson(input): ApiJson<RedactIn>,
) -> AppResult<Json<RevisionsOut>> {
    let (id, revision) = (parse_id(&id)?, parse_id(&revision)?);
    redact(&state, &user, id, revision, &input.reason).await?;
    Ok(Json(history(&state, Some(&user), id).await?.into()))
}
