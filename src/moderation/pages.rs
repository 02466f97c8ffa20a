//! Moderation pages (all usable without JavaScript): the review queue, the audit log and its CSV
//! export, flag/sanction/topic-action forms, and the appeal form on the notifications page (`notify/`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::api::{QueueQuery, queue_filter};
use super::checks;
use super::service::{self, FLAG_REASONS, QueueAction, TopicOp};
use super::{Reason, parse_reasons};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::{FlagRow, QueueItem, WatchedWordRow};
use crate::web::RequireUser;
use crate::web::{CsrfForm, Page, Pagination};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mod/queue", get(queue))
        .route("/mod/queue/{id}/{action}", post(decide))
        .route("/mod/audit", get(super::audit_pages::audit))
        .route("/mod/audit.csv", get(super::audit_pages::audit_csv))
        .route("/mod/users/{id}/sanction", post(sanction))
        .route("/mod/topics/{id}/{action}", post(topic_action))
        .route("/mod/posts/{id}/hide", post(hide_post))
        .route("/posts/{id}/flag", post(flag))
        .route("/mod/watched-words", get(watched_words).post(add_watched_word))
        .route("/mod/watched-words/{id}/delete", post(remove_watched_word))
        .route("/notifications/{item}/appeal", post(appeal))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

const QUEUE_PER_PAGE: i64 = 30;

/// A queue item as the queue page shows it.
struct ItemView {
    item: QueueItem,
    reasons: Vec<Reason>,
    highlighted_html: String,
    /// The post as readers would see it (Markdown rendered, images shown), findings marked.
    rendered_html: String,
    flags: Vec<FlagRow>,
}

/// What the moderator just decided, said back in words at the top of the queue.
struct Decided {
    /// `moderation.done.approved` or `moderation.done.rejected`.
    key: String,
    title: Option<String>,
    link: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "moderation_queue.html")]
struct QueuePage {
    page: Page,
    items: Vec<ItemView>,
    state: String,
    kind: String,
    pages: Pagination,
    decided: Option<Decided>,
}

impl QueuePage {
    /// The queue address of page `n` with the current filters.
    fn page_url(&self, n: i64) -> String {
        format!("/mod/queue?state={}&kind={}&page={n}", self.state, self.kind)
    }
}

impl QueuePage {
    fn finding_label(&self, reason: &Reason, detail: &str) -> String {
        if reason.code == "patient_data" { self.page.t(&format!("moderation.finding.{detail}")).to_string() } else { detail.to_string() }
    }
}

#[derive(Deserialize, Default)]
struct DecidedQuery {
    decided: Option<i64>,
}

/// The item just decided, if the address names one that was decided.
async fn decided(state: &AppState, id: Option<i64>) -> AppResult<Option<Decided>> {
    let Some(id) = id else { return Ok(None) };
    let item = match state.store().queue_item(id).await {
        Ok(item) if item.state != "open" => item,
        _ => return Ok(None),
    };
    let link = item.topic_id.map(|t| match item.post_id {
        Some(p) if item.post_status.as_deref() == Some("published") => format!("/t/{t}#post-{p}"),
        _ => format!("/t/{t}"),
    });
    Ok(Some(Decided { key: format!("moderation.done.{}", item.state), title: item.topic_title, link }))
}

/// The post's own HTML with what the checks found marked in its text.
fn rendered_with_findings(item: &QueueItem) -> String {
    let (Some(body), Some(html)) = (&item.post_body, &item.post_html) else { return String::new() };
    let found = checks::patient_data(body);
    let needles: Vec<&str> = found.iter().map(|f| &body[f.range.clone()]).collect();
    checks::mark_in_html(html, &needles)
}

async fn queue(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(q): Query<QueueQuery>,
    Query(just): Query<DecidedQuery>,
) -> AppResult<QueuePage> {
    service::require_moderator(&user)?;
    let filter = queue_filter(&q)?;
    let pages = Pagination::new(q.page, QUEUE_PER_PAGE, state.store().count_queue(&filter).await?);
    let rows = state.store().queue(&filter, pages.per_page, pages.offset()).await?;
    let mut items = Vec::with_capacity(rows.len());
    for item in rows {
        let title = if item.post_position == Some(1) { item.topic_title.as_deref() } else { None };
        let highlighted_html = match &item.post_body {
            Some(body) => service::highlighted(&state, title, body).await?,
            None => String::new(),
        };
        let flags = match item.post_id {
            Some(id) if item.kind == "flagged_post" => state.store().flags_for_post(id).await?,
            _ => Vec::new(),
        };
        let rendered_html = rendered_with_findings(&item);
        items.push(ItemView { reasons: parse_reasons(&item.reasons), highlighted_html, rendered_html, flags, item });
    }
    let decided = decided(&state, just.decided).await?;
    Ok(QueuePage { page, items, state: filter.state, kind: filter.kind.unwrap_or_default(), pages, decided })
}

#[derive(Deserialize, Default)]
struct DecideForm {
    #[serde(default)]
    reason: String,
    body: Option<String>,
}

async fn decide(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let action = QueueAction::parse(&action).ok_or(AppError::NotFound)?;
    let body = form.body.as_deref().filter(|_| action == QueueAction::EditApprove);
    service::act_on_item(&state, &user, id, action, &form.reason, body).await?;
    Ok(Redirect::to(&format!("/mod/queue?decided={id}")).into_response())
}

#[derive(Deserialize, Default)]
struct SanctionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    reason: String,
}

async fn sanction(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<SanctionForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let days: i64 = form
        .days
        .trim()
        .parse()
        .map_err(|_| AppError::BadRequest(crate::error::Msg::new("error.moderation.sanction_days").arg("max", 365)))?;
    service::sanction(&state, &user, id, &form.kind, days, &form.reason).await?;
    Ok(Redirect::to(&format!("/u/{id}")).into_response())
}

#[derive(Deserialize, Default)]
struct TopicActionForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    category: String,
}

async fn topic_action(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path((id, action)): Path<(String, String)>,
    CsrfForm(form): CsrfForm<TopicActionForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    if action == "move" {
        service::move_topic(&state, &user, id, &form.category, &form.reason).await?;
    } else {
        let op = TopicOp::parse(&action).ok_or(AppError::NotFound)?;
        service::topic_op(&state, &user, id, op, &form.reason).await?;
    }
    Ok(Redirect::to(&format!("/t/{id}")).into_response())
}

#[derive(Deserialize, Default)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn hide_post(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    service::hide_post(&state, &user, id, &form.reason).await?;
    let topic_id = state.store().post(id).await?.topic_id;
    Ok(Redirect::to(&format!("/t/{topic_id}#post-{id}")).into_response())
}

#[derive(Deserialize, Default)]
struct FlagForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
}

async fn flag(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<FlagForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let topic_id = state.store().post(id).await?.topic_id;
    service::flag_post(&state, &user, id, &form.reason, &form.note).await?;
    Ok(Redirect::to(&format!("/t/{topic_id}?flagged={id}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "moderation_watched.html")]
struct WatchedPage {
    page: Page,
    words: Vec<WatchedWordRow>,
    error: Option<String>,
    form: WatchedForm,
}

#[derive(Deserialize, Default)]
struct WatchedForm {
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    replacement: String,
}

async fn watched_words(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<WatchedPage> {
    service::require_admin(&user)?;
    let words = state.store().watched_words().await?;
    Ok(WatchedPage { page, words, error: None, form: WatchedForm { action: "hold".into(), ..Default::default() } })
}

async fn add_watched_word(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<WatchedForm>,
) -> AppResult<Response> {
    let replacement = Some(form.replacement.as_str()).filter(|r| !r.trim().is_empty());
    match service::add_watched_word(&state, &user, &form.pattern, &form.action, replacement).await {
        Ok(_) => Ok(Redirect::to("/mod/watched-words").into_response()),
        Err(err @ (AppError::Forbidden(_) | AppError::Internal(_))) => Err(err),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let words = state.store().watched_words().await?;
            crate::web::refill(err, WatchedPage { page, words, error, form })
        }
    }
}

/// The remove button beside each watched word: nothing but the CSRF token.
#[derive(Deserialize)]
struct NoFields {}

async fn remove_watched_word(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(NoFields {}): CsrfForm<NoFields>,
) -> AppResult<Response> {
    service::remove_watched_word(&state, &user, parse_id(&id)?).await?;
    Ok(Redirect::to("/mod/watched-words").into_response())
}

async fn appeal(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(item): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    service::appeal(&state, &user, parse_id(&item)?, &form.reason).await?;
    Ok(Redirect::to("/notifications").into_response())
}

/// The flag reasons for the form on each post, with their i18n keys.
pub fn flag_reasons() -> Vec<(&'static str, String)> {
    FLAG_REASONS.iter().map(|r| (*r, format!("moderation.flag_reason.{r}"))).collect()
}
