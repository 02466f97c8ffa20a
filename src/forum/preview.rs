//! Markdown preview of a post being written, for the compose, reply and edit forms (their
//! "Xem trước" button, no JavaScript needed), for the live preview of `engagement.js`
//! (`POST /preview`, an HTML fragment) and for API clients (`POST /api/v1/preview`).
//!
//! A preview is rendered exactly as the published post will be: the same Markdown pipeline
//! (pulldown-cmark → ammonia allow-list), guidance numbers and @mentions linked from the same
//! library, a case study's sections under their labels as on the topic page. Nothing is written:
//! no post, no draft, no upload.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::case_study::{Section, Sections};
use super::preview_privacy::{self, FieldFinding};
use super::{Body, TopicKind};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::guidance::linking::{self, Library};
use crate::store::Store;
use crate::web::RequireUser;
use crate::web::{CsrfForm, Page};

/// A post rendered for preview: the whole post, or a case study's introduction and sections.
#[derive(Debug, Default)]
pub struct Preview {
    pub intro_html: String,
    pub sections: Vec<(Section, String)>,
    /// The file chosen in the form was uploaded by the preview and added to the text: the post
    /// will show it without choosing it again.
    pub file_added: bool,
    /// Suspected patient data in what was typed (the check that would hold the post, and hints).
    pub findings: Vec<FieldFinding>,
    /// Each field with findings, as HTML-escaped text with the words marked.
    pub marked: Vec<(&'static str, String)>,
    /// The id of the form the replace buttons submit (they sit outside it, in the preview area).
    pub form_id: &'static str,
}

impl Preview {
    pub fn is_empty(&self) -> bool {
        self.intro_html.trim().is_empty() && self.sections.is_empty()
    }

    /// Whether posting this text would hold it for a moderator.
    pub fn would_hold(&self) -> bool {
        self.findings.iter().any(|f| !f.hint())
    }

    /// The message key of a field's label ("Nội dung", a case study section's title).
    pub fn field_label(field: &str) -> String {
        if field == "body" { "compose.body".to_string() } else { format!("section.{field}") }
    }
}

/// Renders what the author typed. `case_study`: the opening post of a case study, whose sections
/// are shown under their labels. Longer than a post may be: refused with the post's own message.
pub async fn render(store: &Store, case_study: bool, body: &str, sections: &Sections) -> AppResult<Preview> {
    let text = if case_study && !sections.is_empty() { sections.to_markdown(body) } else { body.to_string() };
    let text = crate::text::clean(&text);
    let len = crate::text::char_len(&text);
    if len > Body::MAX {
        return Err(AppError::BadRequest(Msg::new("error.body_length").arg("min", Body::MIN).arg("max", Body::MAX).arg("len", len)));
    }
    let library = Library::load(store).await?.with_mentions(store, &text).await?;
    let no_sections = Sections::default();
    let fields = preview_privacy::fields(body, if case_study { sections } else { &no_sections });
    // Off the request threads and within the renderer's bounds: a hostile preview costs one
    // blocking thread for at most the time budget and never stalls other answers.
    super::markdown::on_blocking_pool(move |deadline| {
        let (intro_html, sections) = if case_study {
            super::service::try_render_sections(&text, &library, deadline)?
        } else {
            (linking::try_render(&text, &library, deadline)?, Vec::new())
        };
        let findings = preview_privacy::find(&fields);
        let marked = marked_fields(&fields, &findings);
        Ok(Preview { intro_html, sections, file_added: false, findings, marked, form_id: "" })
    })
    .await
}

/// Each field that has findings, escaped, with the words found marked.
fn marked_fields(fields: &[(&'static str, String)], findings: &[FieldFinding]) -> Vec<(&'static str, String)> {
    fields
        .iter()
        .filter_map(|(field, text)| {
            let ranges: Vec<std::ops::Range<usize>> =
                findings.iter().filter(|f| f.field == *field).map(|f| byte_range(text, f.start, f.end)).collect();
            (!ranges.is_empty()).then(|| (*field, crate::moderation::checks::highlight_html(text, &ranges)))
        })
        .collect()
}

/// The byte range of characters `start..end` of `text`.
fn byte_range(text: &str, start: usize, end: usize) -> std::ops::Range<usize> {
    let at = |n: usize| text.char_indices().nth(n).map_or(text.len(), |(i, _)| i);
    at(start)..at(end)
}

/// Previews one member may ask for per minute (`previews_per_minute`), counted in the database
/// so every app process shares the count; the live preview asks 0.7 s after typing stops.
pub async fn within_preview_rate(state: &AppState, member_id: i64) -> AppResult<()> {
    let now = chrono::Utc::now().timestamp_millis();
    let window = now - now.rem_euclid(60_000);
    let key = crate::web::session_cookie::token_hash(&format!("preview:{member_id}"));
    let limit = state.config().previews_per_minute;
    if state.store().count_hit(&key, window).await? > limit {
        let seconds = ((window + 60_000 - now) / 1000).max(1);
        return Err(AppError::TooManyRequests(Msg::new("error.preview_rate").arg("limit", limit).arg("seconds", seconds)));
    }
    Ok(())
}

pub fn router() -> Router<AppState> {
    Router::new().route("/preview", post(fragment))
}

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_preview))
}

/// The fields of a compose, reply or edit form that a preview needs (the rest are ignored).
#[derive(Deserialize, Default)]
#[serde(default)]
struct PreviewForm {
    /// `case_study` for a case study's opening post; anything else is rendered as one body.
    kind: String,
    body: String,
    #[serde(flatten)]
    sections: Sections,
}

#[derive(Template, WebTemplate)]
#[template(path = "preview_fragment.html")]
struct Fragment {
    page: Page,
    p: Preview,
}

/// `POST /preview`: the live preview of `engagement.js`, an HTML fragment (signed in, CSRF token).
async fn fragment(
    State(state): State<AppState>,
    page: Page,
    RequireUser(member): RequireUser,
    CsrfForm(form): CsrfForm<PreviewForm>,
) -> AppResult<Fragment> {
    within_preview_rate(&state, member.id).await?;
    let case_study = form.kind == TopicKind::CaseStudy.as_str();
    let p = render(state.store(), case_study, &form.body, &form.sections).await?;
    Ok(Fragment { page, p })
}

#[derive(Deserialize, ToSchema)]
struct PreviewIn {
    /// The kind of topic; `case_study` with `sections` renders them under their labels.
    #[serde(default)]
    kind: Option<TopicKind>,
    /// Markdown (a case study's introduction when `sections` is sent).
    #[serde(default)]
    body: String,
    #[serde(default)]
    sections: Sections,
}

#[derive(Serialize, ToSchema)]
struct SectionOut {
    /// context, problem, causes, intervention, results or lessons.
    key: &'static str,
    html: String,
}

/// Suspected patient data in the previewed text.
#[derive(Serialize, ToSchema)]
struct PatientDataOut {
    /// citizen_id, old_id_number, insurance_card, phone, email, birth_date, patient_name,
    /// medical_record_number, street_address, patient_date; or a hint: birth_year, bed_room.
    kind: &'static str,
    /// The words found.
    text: String,
    /// Character offsets (Unicode scalar values, not bytes or UTF-16 units) into the field after
    /// NFC normalisation and trimming: the submitted text whenever it was already NFC.
    start: usize,
    /// Exclusive end, in characters like `start`.
    end: usize,
    /// `body`, or the case study section the words are in.
    field: &'static str,
    /// A hint is highlighted but would not hold the post (a birth year or bed number alone).
    hint: bool,
}

#[derive(Serialize, ToSchema)]
struct PreviewOut {
    /// The sanitized HTML of the post (a case study's introduction).
    html: String,
    /// A case study's non-empty sections, in order.
    sections: Vec<SectionOut>,
    /// Suspected patient data (empty when none): posting would hold the post for a moderator
    /// unless every entry is a hint.
    patient_data: Vec<PatientDataOut>,
}

/// Render Markdown as the published post would be, without storing anything.
#[utoipa::path(post, path = "/api/v1/preview", request_body = PreviewIn, security(("bearer" = [])),
    responses((status = 200, body = PreviewOut), (status = 401), (status = 422, description = "too long, nested too deeply, renders too large or too slowly"), (status = 429, description = "too many previews this minute")))]
async fn api_preview(
    State(state): State<AppState>,
    RequireUser(member): RequireUser,
    ApiJson(input): ApiJson<PreviewIn>,
) -> AppResult<Json<PreviewOut>> {
    within_preview_rate(&state, member.id).await?;
    let p = render(state.store(), input.kind == Some(TopicKind::CaseStudy), &input.body, &input.sections).await?;
    let sections = p.sections.into_iter().map(|(s, html)| SectionOut { key: s.key(), html }).collect();
    let patient_data = p
        .findings
        .into_iter()
        .map(|f| PatientDataOut { kind: f.kind.as_str(), hint: f.hint(), text: f.text, start: f.start, end: f.end, field: f.field })
        .collect();
    Ok(Json(PreviewOut { html: p.intro_html, sections, patient_data }))
}
