//! The edit form of a post: the stored version or the member's draft of a new one, a file to
//! add (the author only), the preview button, and saving the new version.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{ComposeForm, attach, preview_of};
use crate::app::AppState;
use crate::attachments::{FilePart, UploadForm};
use crate::engagement::drafts::{self, Scope};
use crate::error::{AppError, AppResult};
use crate::forum::TopicKind;
use crate::forum::case_study::{self, Section};
use crate::forum::parse_id;
use crate::forum::preview::Preview;
use crate::forum::service::{self, EditInput};
use crate::posting::pipeline;
use crate::store::{PostRow, TopicRow};
use crate::web::RequireUser;
use crate::web::{Page, refill};

#[derive(Template, WebTemplate)]
#[template(path = "edit.html")]
pub(super) struct EditPage {
    page: Page,
    error: Option<String>,
    post_id: i64,
    topic: TopicRow,
    opening: bool,
    form: ComposeForm,
    /// Only a post's author adds files to it (an upload belongs to whoever sent it).
    can_attach: bool,
    /// When the form was filled from a saved draft: the time it was saved.
    draft_saved_at: Option<String>,
    /// The new version as it will look ("Xem trước").
    preview: Option<Preview>,
}

impl EditPage {
    fn new(page: Page, post: &PostRow, topic: TopicRow, form: ComposeForm) -> EditPage {
        let can_attach = page.viewer.as_ref().is_some_and(|u| u.id == post.author_id);
        let opening = post.position == 1;
        EditPage { page, error: None, post_id: post.id, topic, opening, form, can_attach, draft_saved_at: None, preview: None }
    }

    fn is_case_study(&self) -> bool {
        self.opening && self.topic.kind == TopicKind::CaseStudy
    }

    fn is_good_practice(&self) -> bool {
        self.opening && self.topic.kind == TopicKind::GoodPractice
    }

    fn section_fields(&self) -> Vec<(Section, &str)> {
        Section::ALL.into_iter().map(|s| (s, self.form.section(s))).collect()
    }

    /// Where this form's draft is kept: one per post being edited.
    fn draft_scope(&self) -> String {
        Scope::EditPost(self.post_id).key()
    }
}

/// The edit form: the post as stored, or the member's draft of a new version of it.
pub(super) async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
) -> AppResult<EditPage> {
    let id = parse_id(&id)?;
    let post = service::editable_post(state.store(), &user, id).await?;
    let topic = state.store().topic(post.topic_id).await?;
    let draft = drafts::load(state.store(), user.id, &Scope::EditPost(id)).await?;
    let form = match draft.as_ref().and_then(ComposeForm::from_draft) {
        Some(form) => form,
        None => stored_version(&post, &topic),
    };
    let mut view = EditPage::new(page, &post, topic, form);
    view.draft_saved_at = draft.map(|d| view.page.datetime(&d.row.updated_at));
    Ok(view)
}

/// The form fields of a post as stored (a case study's opening post split into its sections).
fn stored_version(post: &PostRow, topic: &TopicRow) -> ComposeForm {
    let form = ComposeForm {
        title: topic.title.clone(),
        summary: topic.summary.clone().unwrap_or_default(),
        body: post.body.clone(),
        ..Default::default()
    };
    if post.position == 1 && topic.kind == TopicKind::CaseStudy {
        let (intro, sections) = case_study::split(&post.body);
        return form.with_sections(intro, sections);
    }
    form
}

pub(super) async fn edit(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    upload: UploadForm<ComposeForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let post = service::editable_post(state.store(), &user, id).await?;
    let topic = state.store().topic(post.topic_id).await?;
    let mut form = upload.form;
    let view = EditPage::new(page, &post, topic, ComposeForm::default());
    // The chosen file is stored first, so a preview shows it and keeps it in the text.
    let file_added = upload.file.is_some();
    if let Err(err) = attach_to_edit(&state, &user, &view, upload.file, &mut form.body).await {
        return edit_again(EditPage { form, ..view }, Err(err));
    }
    if form.wants_preview() {
        form.replace_patient_data(&view.page);
        let shown = preview_of(&state, user.id, view.is_case_study(), &form.body, &form.sections(), file_added, "edit-form").await;
        return edit_again(EditPage { form, ..view }, shown);
    }
    let edited = pipeline::edit_post(&state, &user, id, &edit_input(&form)).await;
    match edited {
        Ok(()) => Ok(Redirect::to(&format!("/t/{}#post-{id}", post.topic_id)).into_response()),
        Err(err @ (AppError::NotFound | AppError::Forbidden(_) | AppError::Internal(_))) => Err(err),
        Err(err) => edit_again(EditPage { form, ..view }, Err(err)),
    }
}

fn edit_input(form: &ComposeForm) -> EditInput {
    EditInput {
        body: form.body.clone(),
        title: Some(form.title.clone()),
        summary: Some(form.summary.clone()),
        sections: Some(form.sections()),
    }
}

/// A file chosen in the edit form, added to the post's text; only the author may add one.
async fn attach_to_edit(
    state: &AppState,
    user: &crate::store::User,
    view: &EditPage,
    file: Option<FilePart>,
    body: &mut String,
) -> AppResult<()> {
    if file.is_some() && !view.can_attach {
        return Err(AppError::bad("error.attachment.not_author"));
    }
    attach(state, user, file, body).await
}

/// The edit form again with what was typed, and the preview asked for or the problem stated.
fn edit_again(mut view: EditPage, shown: AppResult<Preview>) -> AppResult<Response> {
    match shown {
        Ok(p) => {
            view.preview = Some(p);
            Ok(view.into_response())
        }
        Err(err) => {
            view.error = Some(view.page.msg(&err.message()));
            refill(err, view)
        }
    }
}
