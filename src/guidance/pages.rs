//! Library pages: the list, a document (with what cites it and where), create/edit forms for
//! ministry staff, the Atom feed; the quality criteria pages; official-answer and criteria forms
//! on topics.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::domain::{self, DocStatus, GuidanceInput, Kind, kind_label, slug_of, status_label};
use super::view::{self, Relations};
use super::{feed, service};
use crate::app::AppState;
use crate::domain::provinces;
use crate::error::{AppError, AppResult};
use crate::store::{CitingTopic, Criterion, GuidanceRow};
use crate::web::RequireUser;
use crate::web::{CsrfForm, Lang, Page, refill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/guidance", get(library))
        .route("/guidance/new", get(new_form).post(create))
        .route("/guidance/{*rest}", get(document_get).post(document_post))
        .route("/criteria", get(criteria_list).post(criteria_save))
        .route("/criteria/{code}", get(criterion_page))
        .route("/t/{id}/official-answer", axum::routing::post(super::official_pages::endorse))
        .route("/t/{id}/official-answer/withdraw", axum::routing::post(super::official_pages::withdraw))
        .route("/t/{id}/criteria", axum::routing::post(tag_criteria))
}

/// Template helpers shared by the library templates.
pub trait DocLabels {
    fn slug(&self) -> String;
    fn kind_key(&self) -> &'static str;
    fn status_key(&self) -> &'static str;
    fn title(&self, lang: &Lang) -> &str;
}

impl DocLabels for GuidanceRow {
    fn slug(&self) -> String {
        slug_of(&self.number)
    }
    fn kind_key(&self) -> &'static str {
        kind_label(&self.kind)
    }
    fn status_key(&self) -> &'static str {
        status_label(&self.status)
    }
    fn title(&self, lang: &Lang) -> &str {
        if *lang == Lang::En && !self.title_en.is_empty() { &self.title_en } else { &self.title_vi }
    }
}

impl Criterion {
    pub fn title(&self, lang: &Lang) -> &str {
        if *lang == Lang::En && !self.title_en.is_empty() { &self.title_en } else { &self.title_vi }
    }
}

fn viewer_can_edit(page: &Page) -> bool {
    page.viewer.as_ref().is_some_and(service::can_edit)
}

#[derive(Template, WebTemplate)]
#[template(path = "guidance_list.html")]
struct LibraryPage {
    page: Page,
    docs: Vec<GuidanceRow>,
    kinds: &'static [Kind],
    statuses: &'static [DocStatus],
    filter: LibraryQuery,
    can_edit: bool,
    /// Only for ministry staff and admins: (number, citing posts).
    cited_unknown: Vec<(String, i64)>,
}

#[derive(Deserialize, Default)]
struct LibraryQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
}

async fn library(State(state): State<AppState>, page: Page, Query(filter): Query<LibraryQuery>) -> AppResult<LibraryPage> {
    let store = state.store();
    let docs = view::search_library(store, Some(&filter.kind), Some(&filter.status), Some(&filter.q)).await?;
    let can_edit = viewer_can_edit(&page);
    let cited_unknown = if can_edit { store.cited_unknown_numbers().await? } else { Vec::new() };
    Ok(LibraryPage { page, docs, kinds: Kind::ALL, statuses: DocStatus::ALL, filter, can_edit, cited_unknown })
}

#[derive(Template, WebTemplate)]
#[template(path = "guidance_doc.html")]
struct DocumentPage {
    page: Page,
    doc: GuidanceRow,
    relations: Relations,
    citing: Vec<CitingTopic>,
    /// Every visible topic citing it (a kept count; `citing` lists the first of them).
    citing_count: i64,
    by_province: Vec<(String, i64)>,
    by_tier: Vec<(String, i64)>,
    can_edit: bool,
    ministry_ids: Vec<i64>,
    /// Watch this document: told of every new practice that cites it (signed-in readers).
    watch: Option<crate::notify::watch::WatchButton>,
}

impl DocumentPage {
    fn is_ministry(&self, author_id: &i64) -> bool {
        self.ministry_ids.contains(author_id)
    }
}

async fn document_get(State(state): State<AppState>, page: Page, headers: HeaderMap, Path(rest): Path<String>) -> AppResult<Response> {
    if let Some(segment) = rest.strip_suffix("/feed.atom") {
        let number = canonical_or_redirect(&state, segment, "/feed.atom").await?;
        return match number {
            Ok(number) => feed::document_feed(state.store(), &headers, &number, page.t("moderation.anonymous.author")).await,
            Err(redirect) => Ok(redirect),
        };
    }
    if let Some(segment) = rest.strip_suffix("/citing.csv") {
        return match canonical_or_redirect(&state, segment, "/citing.csv").await? {
            Ok(number) => citing_csv(&state, &number).await,
            Err(redirect) => Ok(redirect),
        };
    }
    if let Some(segment) = rest.strip_suffix("/edit") {
        return match canonical_or_redirect(&state, segment, "/edit").await? {
            Ok(number) => edit_form(&state, page, &number).await,
            Err(redirect) => Ok(redirect),
        };
    }
    match canonical_or_redirect(&state, &rest, "").await? {
        Ok(number) => Ok(document_page(&state, page, &number).await?.into_response()),
        Err(redirect) => Ok(redirect),
    }
}

/// The practices citing a document as a CSV file (UTF-8 with a BOM, for Excel), streamed.
async fn citing_csv(state: &AppState, number: &str) -> AppResult<Response> {
    let doc = state.store().guidance_by_number(number).await?;
    if doc.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    Ok(crate::integrations::citing::csv_response(state, doc.id, &super::domain::slug_of(number)))
}

/// The canonical number for a path, or a permanent redirect to the canonical path when the
/// number was typed another way (`/guidance/43/2018/tt-byt`, `/guidance/Thông tư 43/2018`).
async fn canonical_or_redirect(state: &AppState, segment: &str, suffix: &str) -> AppResult<Result<String, Response>> {
    Ok(match service::locate(state.store(), segment).await? {
        Ok(number) => Ok(number),
        Err(slug) => Err(Redirect::permanent(&format!("/guidance/{slug}{suffix}")).into_response()),
    })
}

async fn document_page(state: &AppState, page: Page, number: &str) -> AppResult<DocumentPage> {
    let store = state.store();
    let doc = store.guidance_by_number(number).await?;
    if doc.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    let province_name = |code: Option<String>| {
        code.and_then(|c| provinces::by_code(&c).map(|p| p.name.to_string()))
            .unwrap_or_else(|| page.t("guidance.unknown_place").to_string())
    };
    let by_province = store.citing_authors_by_province(doc.id).await?.into_iter().map(|(c, n)| (province_name(c), n)).collect();
    let tier_name = |tier: Option<String>| page.t(&format!("guidance.tier.{}", tier.as_deref().unwrap_or("unknown"))).to_string();
    let by_tier = store.citing_authors_by_tier(doc.id).await?.into_iter().map(|(t, n)| (tier_name(t), n)).collect();
    let watch = crate::notify::watch::button(store, page.viewer.as_ref(), crate::notify::watch::Target::Guidance, doc.id).await?;
    Ok(DocumentPage {
        watch,
        relations: view::relations(store, doc.id).await?,
        citing: view::citing_topics(store, doc.id).await?,
        citing_count: store.guidance_topic_count(doc.id).await?,
        by_province,
        by_tier,
        can_edit: viewer_can_edit(&page),
        ministry_ids: store.ministry_staff_ids().await?,
        doc,
        page,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "guidance_form.html")]
struct FormPage {
    page: Page,
    /// None when creating.
    number: Option<String>,
    form: GuidanceForm,
    kinds: &'static [Kind],
    statuses: &'static [DocStatus],
    error: Option<String>,
}

/// The create/edit form's fields as text, so a refused form comes back as typed.
#[derive(Deserialize, Default, Clone)]
struct GuidanceForm {
    #[serde(default)]
    number: String,
    #[serde(default)]
    display_number: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    title_vi: String,
    #[serde(default)]
    title_en: String,
    #[serde(default)]
    issued_on: String,
    #[serde(default)]
    effective_on: String,
    #[serde(default)]
    dates_verified: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    official_url: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    amends: String,
    #[serde(default)]
    supersedes: String,
    /// "withdraw" on the edit page's withdraw button.
    #[serde(default)]
    action: String,
}

impl GuidanceForm {
    fn input(&self, creating: bool) -> GuidanceInput {
        let list = |s: &str| Some(super::linking::split_chosen(s));
        GuidanceInput {
            number: creating.then(|| self.number.clone()),
            display_number: Some(self.display_number.clone()),
            kind: Some(self.kind.clone()),
            issuer: Some(self.issuer.clone()),
            title_vi: Some(self.title_vi.clone()),
            title_en: Some(self.title_en.clone()),
            issued_on: Some(self.issued_on.clone()),
            effective_on: Some(self.effective_on.clone()),
            dates_verified: Some(self.dates_verified.is_some()),
            status: Some(self.status.clone()),
            official_url: Some(self.official_url.clone()),
            summary: Some(self.summary.clone()),
            amends: list(&self.amends),
            supersedes: list(&self.supersedes),
        }
    }

    async fn of(state: &AppState, doc: &GuidanceRow) -> AppResult<Self> {
        let relations = view::relations(state.store(), doc.id).await?;
        let numbers = |list: &[crate::store::RelatedDoc]| list.iter().map(|r| r.number.clone()).collect::<Vec<_>>().join(", ");
        Ok(Self {
            number: doc.number.clone(),
            display_number: doc.display_number.clone(),
            kind: doc.kind.clone(),
            issuer: doc.issuer.clone(),
            title_vi: doc.title_vi.clone(),
            title_en: doc.title_en.clone(),
            issued_on: doc.issued_on.clone().unwrap_or_default(),
            effective_on: doc.effective_on.clone().unwrap_or_default(),
            dates_verified: doc.dates_verified.then(|| "on".into()),
            status: doc.status.clone(),
            official_url: doc.official_url.clone(),
            summary: doc.summary.clone(),
            amends: numbers(&relations.amends),
            supersedes: numbers(&relations.supersedes),
            action: String::new(),
        })
    }
}

impl FormPage {
    fn action(&self) -> String {
        match &self.number {
            Some(number) => format!("/guidance/{}/edit", slug_of(number)),
            None => "/guidance/new".into(),
        }
    }
}

fn form_page(page: Page, number: Option<String>, form: GuidanceForm, error: Option<String>) -> FormPage {
    FormPage { page, number, form, kinds: Kind::ALL, statuses: DocStatus::ALL, error }
}

async fn new_form(page: Page, RequireUser(user): RequireUser) -> AppResult<FormPage> {
    service::require_editor(&user)?;
    let form = GuidanceForm { kind: "circular".into(), status: "in_force".into(), ..Default::default() };
    Ok(form_page(page, None, form, None))
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<GuidanceForm>,
) -> AppResult<Response> {
    match service::create(state.store(), &user, &form.input(true)).await {
        Ok(row) => Ok(Redirect::to(&format!("/guidance/{}", row.slug())).into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, form_page(page, None, form, error))
        }
    }
}

async fn edit_form(state: &AppState, page: Page, number: &str) -> AppResult<Response> {
    let user = page.viewer.clone().ok_or(AppError::LoginRequired)?;
    service::require_editor(&user)?;
    let doc = state.store().guidance_by_number(number).await?;
    if doc.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    let form = GuidanceForm::of(state, &doc).await?;
    Ok(form_page(page, Some(doc.number.clone()), form, None).into_response())
}

/// `POST /guidance/{slug}/edit`: save the edit form, or withdraw the document.
async fn document_post(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(rest): Path<String>,
    CsrfForm(form): CsrfForm<GuidanceForm>,
) -> AppResult<Response> {
    let segment = rest.strip_suffix("/edit").ok_or(AppError::NotFound)?;
    let number = domain::number_from_slug(segment).ok_or(AppError::NotFound)?;
    if form.action == "withdraw" {
        service::withdraw(state.store(), &user, &number).await?;
        return Ok(Redirect::to("/guidance").into_response());
    }
    match service::update(state.store(), &user, &number, &form.input(false)).await {
        Ok(row) => Ok(Redirect::to(&format!("/guidance/{}", row.slug())).into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, form_page(page, Some(number), form, error))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "criteria_list.html")]
struct CriteriaPage {
    page: Page,
    criteria: Vec<Criterion>,
    can_edit: bool,
    form: CriterionForm,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
struct CriterionForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    title_vi: String,
    #[serde(default)]
    title_en: String,
}

async fn criteria_list(State(state): State<AppState>, page: Page) -> AppResult<CriteriaPage> {
    let can_edit = viewer_can_edit(&page);
    Ok(CriteriaPage { page, criteria: state.store().criteria().await?, can_edit, form: CriterionForm::default(), error: None })
}

/// Adds a criterion or confirms/corrects one (ministry staff and admins).
async fn criteria_save(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<CriterionForm>,
) -> AppResult<Response> {
    service::require_editor(&user)?;
    match super::criteria::save(state.store(), &form.code, &form.title_vi, &form.title_en).await {
        Ok(code) => Ok(Redirect::to(&format!("/criteria/{code}")).into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let criteria = state.store().criteria().await?;
            refill(err, CriteriaPage { page, criteria, can_edit: true, form, error })
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "criteria_one.html")]
struct CriterionPage {
    page: Page,
    criterion: Criterion,
    topics: Vec<CitingTopic>,
    ministry_ids: Vec<i64>,
}

impl CriterionPage {
    fn is_ministry(&self, author_id: &i64) -> bool {
        self.ministry_ids.contains(author_id)
    }
}

async fn criterion_page(State(state): State<AppState>, page: Page, Path(code): Path<String>) -> AppResult<CriterionPage> {
    let criterion = state.store().criterion(&code.trim().to_uppercase()).await?;
    let topics = state.store().topics_for_criterion(criterion.id, view::CITING_LIMIT).await?;
    let ministry_ids = state.store().ministry_staff_ids().await?;
    Ok(CriterionPage { page, criterion, topics, ministry_ids })
}

#[derive(Deserialize)]
struct TagCriteriaForm {
    #[serde(default)]
    criteria: String,
}

async fn tag_criteria(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<TagCriteriaForm>,
) -> AppResult<Redirect> {
    let topic_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    super::criteria::tag_topic(state.store(), &user, topic_id, &form.criteria).await?;
    Ok(Redirect::to(&format!("/t/{topic_id}")))
}
