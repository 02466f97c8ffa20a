//! Composing a topic: the form (filled from a saved draft), its preview, and posting it.

use askama::Template;
use askama_web::WebTemplate;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{ComposeForm, attach, preview_of};
use crate::app::AppState;
use crate::attachments::UploadForm;
use crate::engagement::drafts::{self, Scope};
use crate::error::{AppError, AppResult};
use crate::forum::TopicKind;
use crate::forum::case_study::Section;
use crate::forum::preview::Preview;
use crate::forum::service::{Anonymity, TopicInput};
use crate::posting::pipeline;
use crate::store::Category;
use crate::web::Localized;
use crate::web::RequireUser;
use crate::web::{Page, refill};

#[derive(Template, WebTemplate)]
#[template(path = "compose.html")]
pub(super) struct ComposePage {
    page: Page,
    error: Option<String>,
    categories: Vec<Category>,
    kinds: [TopicKind; 4],
    form: ComposeForm,
    /// When the form was filled from a saved draft: the time it was saved.
    draft_saved_at: Option<String>,
    /// The topic as it will look ("Xem trước").
    preview: Option<Preview>,
}

impl ComposePage {
    fn provinces(&self) -> &'static [crate::domain::provinces::Province] {
        crate::domain::provinces::all()
    }

    fn section_fields(&self) -> Vec<(Section, &str)> {
        Section::ALL.into_iter().map(|s| (s, self.form.section(s))).collect()
    }

    /// A case study's anonymity choice, kept hidden while the form is another kind of topic so
    /// that switching back finds it as it was.
    fn kept_hidden(&self) -> Vec<(&'static str, &str)> {
        let f = &self.form;
        [("anonymous", f.anonymous.as_str()), ("hospital_tier", &f.hospital_tier), ("anon_province", &f.anon_province)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .collect()
    }

    /// Where this form's draft is kept: one per kind of topic.
    fn draft_scope(&self) -> String {
        format!("new:{}", self.form.kind)
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ComposeQuery {
    category: Option<String>,
    kind: Option<String>,
}

pub(super) async fn compose_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(q): Query<ComposeQuery>,
) -> AppResult<ComposePage> {
    let kind = q.kind.and_then(|k| TopicKind::parse(&k)).unwrap_or(TopicKind::Discussion);
    let scope = Scope::NewTopic(kind);
    let draft = drafts::load(state.store(), user.id, &scope).await?;
    let mut form = draft.as_ref().and_then(ComposeForm::from_draft).unwrap_or_default();
    form.kind = kind.as_str().to_string();
    if let Some(category) = q.category.filter(|c| !c.is_empty()) {
        form.category = category;
    }
    // An anonymous case study names the author's tier and province unless they choose others.
    if form.hospital_tier.is_empty() {
        form.hospital_tier = state.store().hospital_tier(user.id).await?.unwrap_or_default();
    }
    if form.anon_province.is_empty() {
        form.anon_province = user.province_code.clone().unwrap_or_default();
    }
    let draft_saved_at = draft.map(|d| page.datetime(&d.row.updated_at));
    Ok(ComposePage {
        page,
        error: None,
        categories: state.store().open_categories().await?,
        kinds: TopicKind::ALL,
        form,
        draft_saved_at,
        preview: None,
    })
}

pub(super) async fn compose(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    RequireUser(user): RequireUser,
    upload: UploadForm<ComposeForm>,
) -> AppResult<Response> {
    let mut form = upload.form;
    // A chosen file is stored first, whatever the button: a preview or a switch of kind keeps it
    // in the text, so it is never to be chosen again.
    let file_added = upload.file.is_some();
    if let Err(err) = attach(&state, &user, upload.file, &mut form.body).await {
        return compose_again(&state, page, form, err).await;
    }
    if !form.switch_kind.is_empty() {
        let Some(kind) = TopicKind::parse(&form.switch_kind) else {
            return compose_again(&state, page, form, AppError::bad("error.kind_unknown")).await;
        };
        let form = switch_kind(&state, &user, form, kind).await?;
        return Ok(compose_page(&state, page, form, None, None).await?.into_response());
    }
    if form.wants_preview() {
        form.replace_patient_data(&page);
        let case_study = form.kind == TopicKind::CaseStudy.as_str();
        return match preview_of(&state, user.id, case_study, &form.body, &form.sections(), file_added, "compose-form").await {
            Ok(shown) => Ok(compose_page(&state, page, form, None, Some(shown)).await?.into_response()),
            Err(err) => compose_again(&state, page, form, err).await,
        };
    }
    let input = TopicInput {
        category: form.category.clone(),
        kind: form.kind.clone(),
        title: form.title.clone(),
        summary: Some(form.summary.clone()),
        body: form.body.clone(),
        sections: Some(form.sections()),
        tags: form.tags.split(',').map(str::to_string).collect(),
        guidance: crate::guidance::linking::split_chosen(&form.guidance),
    };
    let anonymity = (form.anonymous == "on" && form.kind == "case_study")
        .then(|| Anonymity { hospital_tier: form.hospital_tier.clone(), province: form.anon_province.clone() });
    match pipeline::create_topic(&state, &user, &input, anonymity.as_ref(), Some(addr.ip())).await {
        Ok(created) => Ok(Redirect::to(&format!("/t/{}", created.topic_id)).into_response()),
        Err(err) => compose_again(&state, page, form, err).await,
    }
}

/// The form as another kind of topic. A draft autosaved under the old kind moves with it (when
/// the new kind has none of its own), so the drafts list never holds the text under a kind the
/// member left.
async fn switch_kind(state: &AppState, user: &crate::store::User, form: ComposeForm, kind: TopicKind) -> AppResult<ComposeForm> {
    let old = TopicKind::parse(&form.kind).map(Scope::NewTopic);
    let form = form.switch_to(kind);
    let new = Scope::NewTopic(kind);
    let Some(old) = old.filter(|o| *o != new) else { return Ok(form) };
    if drafts::load(state.store(), user.id, &old).await?.is_some() && drafts::load(state.store(), user.id, &new).await?.is_none() {
        let fields = drafts::DraftFields::from_pairs(form.draft_pairs())?;
        drafts::save(state.store(), user, &new, &fields).await?;
        drafts::forget(state.store(), user.id, &old).await?;
    }
    Ok(form)
}

/// The compose form again with the reader's input and the problem stated.
async fn compose_again(state: &AppState, page: Page, form: ComposeForm, err: AppError) -> AppResult<Response> {
    let error = Some(page.msg(&err.message()));
    refill(err, compose_page(state, page, form, error, None).await?)
}

/// The compose form holding what was typed, with a problem or a preview.
async fn compose_page(
    state: &AppState,
    page: Page,
    form: ComposeForm,
    error: Option<String>,
    preview: Option<Preview>,
) -> AppResult<ComposePage> {
    let categories = state.store().open_categories().await?;
    Ok(ComposePage { page, error, categories, kinds: TopicKind::ALL, form, draft_saved_at: None, preview })
}
