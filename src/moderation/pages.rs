//! Moderation pages (all usable without JavaScript): the review queue, the audit log and its CSV
//! export, flag/sanction/topic-action forms, and the appeal form on the notifications page (`notify/`).

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::api::{QueueQuery, queue_filter};
use super::checks;
use super::service::{self, FLAG_REASONS, QueueAction, TopicOp};
use super::{Reason, parse_reasons};
use crate::accounts::RequireUser;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::{AuditEntry, FlagRow, QueueItem, WatchedWordRow};
use crate::web::{CsrfForm, Page, PageParam, Pagination};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mod/queue", get(queue))
        .route("/mod/queue/{id}/{action}", post(decide))
        .route("/mod/audit", get(audit))
        .route("/mod/audit.csv", get(audit_csv))
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
        if reason.code == "patient_data" {
            self.page.t(&format!("moderation.finding.{detail}")).to_string()
        } else {
            detail.to_string()
        }
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

const AUDIT_PER_PAGE: i64 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "moderation_audit.html")]
struct AuditPage {
    page: Page,
    entries: Vec<AuditEntry>,
    pages: Pagination,
    base_url: String,
}

impl AuditPage {
    /// The action in words ("Duyệt bài", "Xoá nội dung một phiên bản"); the code itself for an
    /// action this version does not know.
    fn action_words<'a>(&'a self, action: &'a str) -> String {
        let key = format!("moderation.audit_action.{action}");
        let words = self.page.t(&key);
        if words == key { action.to_string() } else { words.to_string() }
    }

    /// What the entry is about when it is not a topic: a member, a watched word.
    fn item_words(&self, e: &AuditEntry) -> String {
        let key = format!("moderation.audit_item.{}", e.item_type);
        let words = self.page.t(&key);
        let kind = if words == key { e.item_type.as_str() } else { words };
        format!("{kind} #{}", e.item_id)
    }
}

async fn audit(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser, Query(p): Query<PageParam>) -> AppResult<AuditPage> {
    service::require_moderator(&user)?;
    let pages = Pagination::new(p.number(), AUDIT_PER_PAGE, state.store().count_audit_log().await?);
    let entries = state.store().audit_log(pages.per_page, pages.offset()).await?;
    Ok(AuditPage { page, entries, pages, base_url: "/mod/audit".into() })
}

/// One CSV field: quoted, quotes doubled, and a leading formula character neutralised so a
/// spreadsheet never runs text a member wrote.
fn csv_field(value: &str) -> String {
    let safe = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

async fn audit_csv(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Response> {
    service::require_moderator(&user)?;
    let mut csv = String::from("id,at,actor_id,actor,action,item_type,item_id,reason,before_text,after_text\r\n");
    let mut offset = 0;
    loop {
        let rows = state.store().audit_log(1000, offset).await?;
        for a in &rows {
            let fields = [
                a.id.to_string(),
                a.at.to_rfc3339(),
                a.actor_id.to_string(),
                a.actor_name.clone(),
                a.action.clone(),
                a.item_type.clone(),
                a.item_id.to_string(),
                a.reason.clone(),
                a.before_text.clone().unwrap_or_default(),
                a.after_text.clone().unwrap_or_default(),
            ];
            csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
            csv.push_str("\r\n");
        }
        if rows.len() < 1000 {
            break;
        }
        offset += 1000;
    }
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\""),
    ];
    Ok((headers, csv).into_response())
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
    let days: i64 = form.days.trim().parse().map_err(|_| AppError::BadRequest(crate::error::Msg::new("error.moderation.sanction_days").arg("max", 365)))?;
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

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("Nguyễn, Lan"), "\"Nguyễn, Lan\"");
    }
}
