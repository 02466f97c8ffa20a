//! What the compose, reply and edit forms share: the topic form's fields, the preview of what
//! was typed, and a chosen file stored and added to the body.

use serde::Deserialize;

use crate::app::AppState;
use crate::attachments::FilePart;
use crate::engagement::drafts;
use crate::error::AppResult;
use crate::forum::TopicKind;
use crate::forum::case_study::{Section, Sections};
use crate::forum::preview::{self, Preview};
use crate::forum::preview_privacy::{Replace, replace_in_form};
use crate::web::Page;

/// The preview of a form's text; `file_added`: the file chosen in the form was uploaded by this
/// preview and its line added to the text, so the post will show it without choosing it again.
/// `form_id`: the form the preview's replace buttons submit.
pub(super) async fn preview_of(
    state: &AppState,
    member_id: i64,
    case_study: bool,
    body: &str,
    sections: &Sections,
    file_added: bool,
    form_id: &'static str,
) -> AppResult<Preview> {
    preview::within_preview_rate(state, member_id).await?;
    let mut shown = preview::render(state.store(), case_study, body, sections).await?;
    shown.file_added = file_added;
    shown.form_id = form_id;
    Ok(shown)
}

#[derive(Deserialize, Default)]
pub(super) struct ComposeForm {
    #[serde(default)]
    pub(super) category: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) title: String,
    #[serde(default)]
    pub(super) summary: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) tags: String,
    /// Guidance document numbers the author links, separated by commas or lines.
    #[serde(default)]
    pub(super) guidance: String,
    #[serde(default)]
    pub(super) context: String,
    #[serde(default)]
    pub(super) problem: String,
    #[serde(default)]
    pub(super) causes: String,
    #[serde(default)]
    pub(super) intervention: String,
    #[serde(default)]
    pub(super) results: String,
    #[serde(default)]
    pub(super) lessons: String,
    /// "on" when a case study's author asks to stay anonymous.
    #[serde(default)]
    pub(super) anonymous: String,
    #[serde(default)]
    pub(super) hospital_tier: String,
    #[serde(default)]
    pub(super) anon_province: String,
    /// Set by the "Xem trước" button: the form comes back with a preview; nothing is posted.
    #[serde(default)]
    pub(super) preview: String,
    /// Set by a preview's replace button: `all` or one finding's `field:start:end`; the
    /// suspected patient data is replaced by placeholders and the form comes back with a preview.
    #[serde(default)]
    pub(super) replace: String,
    /// Set by the compose form's kind buttons: the form comes back as that kind of topic,
    /// holding everything typed; nothing is posted.
    #[serde(default)]
    pub(super) switch_kind: String,
}

impl ComposeForm {
    pub(super) fn section(&self, s: Section) -> &str {
        match s {
            Section::Context => &self.context,
            Section::Problem => &self.problem,
            Section::Causes => &self.causes,
            Section::Intervention => &self.intervention,
            Section::Results => &self.results,
            Section::Lessons => &self.lessons,
        }
    }

    pub(super) fn sections(&self) -> Sections {
        Sections {
            context: self.context.clone(),
            problem: self.problem.clone(),
            causes: self.causes.clone(),
            intervention: self.intervention.clone(),
            results: self.results.clone(),
            lessons: self.lessons.clone(),
        }
    }

    /// The fields a draft keeps, by the names the form posts.
    pub(super) fn draft_pairs(&self) -> Vec<(&'static str, &str)> {
        let mut pairs = vec![
            ("category", self.category.as_str()),
            ("title", &self.title),
            ("summary", &self.summary),
            ("body", &self.body),
            ("tags", &self.tags),
            ("guidance", &self.guidance),
            ("anonymous", &self.anonymous),
            ("hospital_tier", &self.hospital_tier),
            ("anon_province", &self.anon_province),
        ];
        pairs.extend(Section::ALL.into_iter().map(|s| (s.key(), self.section(s))));
        pairs
    }

    /// A saved draft fills the form field by field (the same names the form posts).
    pub(super) fn from_draft(draft: &drafts::Draft) -> Option<ComposeForm> {
        serde_urlencoded::from_str(&draft.fields.to_form()).ok()
    }

    pub(super) fn wants_preview(&self) -> bool {
        !self.preview.is_empty() || !self.replace.is_empty()
    }

    /// Replaces the suspected patient data a preview's button chose with placeholders in the
    /// page's language.
    pub(super) fn replace_patient_data(&mut self, page: &Page) {
        let Some(which) = Replace::parse(&self.replace) else { return };
        let mut sections = self.sections();
        replace_in_form(&mut self.body, &mut sections, &which, |k| page.t(k.placeholder_key()).to_string());
        let body = std::mem::take(&mut self.body);
        *self = std::mem::take(self).with_sections(body, sections);
    }

    /// The form as another kind of topic, nothing typed lost: a case study's sections become
    /// headed parts of the text (the headings bring them back when switching to a case study
    /// again), and a text with such headings is split into the sections. The summary and the
    /// anonymity choice stay in the form (hidden) for the kinds that have them.
    pub(super) fn switch_to(mut self, kind: TopicKind) -> Self {
        let was_case_study = self.kind == TopicKind::CaseStudy.as_str();
        self.kind = kind.as_str().to_string();
        match (was_case_study, kind == TopicKind::CaseStudy) {
            (true, false) => {
                let body = self.sections().to_markdown(&self.body);
                self.with_sections(body, Sections::default())
            }
            (false, true) => {
                let (intro, sections) = crate::forum::case_study::split(&self.body);
                self.with_sections(intro, sections)
            }
            _ => self,
        }
    }

    pub(super) fn with_sections(mut self, intro: String, s: Sections) -> Self {
        self.body = intro;
        (self.context, self.problem, self.causes) = (s.context, s.problem, s.causes);
        (self.intervention, self.results, self.lessons) = (s.intervention, s.results, s.lessons);
        self
    }
}

/// Stores the file chosen in a form (if any) and adds its Markdown line to the body, so the post
/// shows it. Refused files leave the body as it was; an upload that succeeded stays in the body
/// even if the post itself is refused, so sending the form again does not upload it twice.
pub(super) async fn attach(state: &AppState, user: &crate::store::User, file: Option<FilePart>, body: &mut String) -> AppResult<()> {
    let Some(file) = file else { return Ok(()) };
    let stored = crate::attachments::service::upload_for_member(state, user, &file.name, file.bytes).await?;
    let separator = if body.trim().is_empty() { "" } else { "\n\n" };
    body.push_str(separator);
    body.push_str(&stored.markdown);
    Ok(())
}
