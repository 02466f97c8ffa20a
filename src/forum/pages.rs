//! Forum pages: latest, category, topic, compose, reply, edit, delete, revisions.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::case_study::{Section, Sections};
use super::preview::{self, Preview};
use super::preview_privacy::{Replace, replace_in_form};
use super::service::{self, TopicInput};
use super::{Status, TopicKind};
use crate::accounts::RequireUser;
use crate::app::AppState;
use crate::attachments::{FilePart, UploadForm};
use crate::engagement::drafts::{self, Scope};
use crate::error::{AppError, AppResult};
use crate::store::{Category, PostRow, TopicFilter, TopicRow};
use crate::web::{CsrfForm, Lang, Page, PageParam, Pagination, refill};

mod edit;

const TOPICS_PER_PAGE: i64 = 20;
const POSTS_PER_PAGE: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(latest))
        .route("/c/{slug}", get(category))
        .route("/c/{slug}/helpful", get(category_by_helpful))
        .route("/tag/{slug}", get(tag))
        .route("/t/{id}", get(topic))
        .route("/t/{id}/reply", post(reply))
        .route("/new", get(compose_form).post(compose))
        .route("/posts/{id}/edit", get(edit::edit_form).post(edit::edit))
        .route("/posts/{id}/delete", post(delete))
}

/// Names in the reader's language, for templates.
pub trait Localized {
    fn name(&self, lang: &Lang) -> &str;
}

impl Localized for Category {
    fn name(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.name_en } else { &self.name_vi }
    }
}

impl Localized for TopicRow {
    fn name(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.category_name_en } else { &self.category_name_vi }
    }
}

impl Category {
    pub fn description(&self, lang: &Lang) -> &str {
        if *lang == Lang::En { &self.description_en } else { &self.description_vi }
    }
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "latest.html")]
struct LatestPage {
    page: Page,
    heading: String,
    category: Option<Category>,
    categories: Vec<Category>,
    topics: Vec<TopicRow>,
    pages: Pagination,
    base_url: String,
    /// Authors with the ministry role, for their badge.
    ministry_ids: Vec<i64>,
    /// Watch this category or tag (signed-in readers).
    watch: Option<crate::notify::watch::WatchButton>,
    /// The home page's featured good practices and recent case studies (first page of `/` only).
    home: Option<crate::engagement::Home>,
    /// A category listed by helpful marks (`/c/{slug}/helpful`).
    sort_helpful: bool,
}

impl LatestPage {
    fn is_ministry(&self, author_id: &i64) -> bool {
        self.ministry_ids.contains(author_id)
    }

    /// The Atom feed of this listing (see `feeds.rs`).
    fn feed_url(&self) -> String {
        let listing = if self.sort_helpful { self.base_url.trim_end_matches("/helpful") } else { &self.base_url };
        format!("{}/feed.atom", listing.trim_end_matches('/'))
    }
}

/// How a tag is written for people (its slug when nobody typed more).
pub async fn tag_label(store: &crate::store::Store, slug: &str) -> AppResult<String> {
    Ok(store.tag_by_slug(slug).await?.map_or_else(|| slug.to_string(), |t| t.label))
}

/// What a topic list shows: everything, one category, or one tag.
enum Listing {
    Latest,
    Category(Category),
    CategoryByHelpful(Category),
    Tag(String),
}

async fn latest(State(state): State<AppState>, page: Page, Query(p): Query<PageParam>) -> AppResult<LatestPage> {
    list_page(&state, page, Listing::Latest, p.number()).await
}

/// A tag's topics. A tag typed into the address as words ("/tag/kiểm tra chéo") goes to its slug.
async fn tag(State(state): State<AppState>, page: Page, Path(slug): Path<String>, Query(p): Query<PageParam>) -> AppResult<Response> {
    let canonical = super::domain::slugify(&slug);
    if canonical != slug && !canonical.is_empty() {
        return Ok(Redirect::permanent(&format!("/tag/{canonical}")).into_response());
    }
    Ok(list_page(&state, page, Listing::Tag(slug), p.number()).await?.into_response())
}

async fn category(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<LatestPage> {
    let category = state.store().category_by_slug(&slug).await?;
    list_page(&state, page, Listing::Category(category), p.number()).await
}

/// A category's topics with the most helpful marks first.
async fn category_by_helpful(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<LatestPage> {
    let category = state.store().category_by_slug(&slug).await?;
    list_page(&state, page, Listing::CategoryByHelpful(category), p.number()).await
}

async fn list_page(state: &AppState, page: Page, listing: Listing, number: Option<i64>) -> AppResult<LatestPage> {
    let store = state.store();
    let filter = match &listing {
        Listing::Latest => TopicFilter::default(),
        Listing::Category(c) | Listing::CategoryByHelpful(c) => TopicFilter { category_id: Some(c.id), tag: None },
        Listing::Tag(slug) => TopicFilter { category_id: None, tag: Some(slug.as_str()) },
    };
    let pages = Pagination::new(number, TOPICS_PER_PAGE, store.count_filtered_topics(&filter).await?);
    let sort_helpful = matches!(listing, Listing::CategoryByHelpful(_));
    let topics = if sort_helpful {
        store.helpful_topics(&filter, pages.per_page, pages.offset()).await?
    } else {
        store.latest_topics(&filter, pages.per_page, pages.offset()).await?
    };
    if topics.is_empty() && matches!(listing, Listing::Tag(_)) {
        return Err(AppError::NotFound);
    }
    let (heading, base_url) = match &listing {
        Listing::Latest => (page.t("latest.heading").to_string(), "/".to_string()),
        Listing::Category(c) => (c.name(&page.lang).to_string(), format!("/c/{}", c.slug)),
        Listing::CategoryByHelpful(c) => (c.name(&page.lang).to_string(), format!("/c/{}/helpful", c.slug)),
        Listing::Tag(slug) => (format!("#{}", tag_label(store, slug).await?), format!("/tag/{slug}")),
    };
    use crate::notify::watch::{Target, button};
    let viewer = page.viewer.as_ref();
    let watch = match &listing {
        Listing::Latest => None,
        Listing::Category(c) | Listing::CategoryByHelpful(c) => button(store, viewer, Target::Category, c.id).await?,
        Listing::Tag(slug) => button(store, viewer, Target::Tag, store.tag_id(slug).await?).await?,
    };
    let home = match listing {
        Listing::Latest if pages.page == 1 => Some(crate::engagement::home(store).await?),
        _ => None,
    };
    let category = match listing {
        Listing::Category(c) | Listing::CategoryByHelpful(c) => Some(c),
        _ => None,
    };
    let ministry_ids = store.ministry_staff_ids().await?;
    let categories = store.categories().await?;
    Ok(LatestPage { heading, category, categories, topics, pages, base_url, page, ministry_ids, watch, home, sort_helpful })
}

/// Characters of a topic's text in link previews.
const PREVIEW_CHARS: usize = 200;

/// A post as shown on the topic page.
struct PostView {
    row: PostRow,
    can_edit: bool,
    /// The opening post of a case study is shown as an introduction and labelled sections.
    is_case_study: bool,
    intro_html: String,
    sections: Vec<(Section, String)>,
    /// Why a pending post waits for review (shown to its author and moderators).
    pending_reasons: Vec<crate::moderation::Reason>,
    /// Signed in, not the author, and the post is public: the flag form is shown.
    can_flag: bool,
    /// Written by the author of an anonymous case study: shown as "Ẩn danh".
    anonymous: bool,
}

impl PostView {
    fn is_deleted(&self) -> bool {
        self.row.deleted_at.is_some()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "topic.html")]
struct TopicPage {
    page: Page,
    topic: TopicRow,
    tags: Vec<crate::store::TagRow>,
    posts: Vec<PostView>,
    pages: Pagination,
    base_url: String,
    is_pending: bool,
    reply_body: String,
    reply_error: Option<String>,
    guidance: TopicGuidance,
    is_moderator: bool,
    flag_reasons: Vec<(&'static str, String)>,
    /// The post just flagged by this reader, for a confirmation.
    flagged: Option<i64>,
    /// Watch this topic (signed-in readers).
    watch: Option<crate::notify::watch::WatchButton>,
    categories: Vec<Category>,
    /// Brought over from the old Facebook group (`goodpractice import facebook`).
    imported_from_facebook: bool,
    /// Helpful marks, bookmarks, the share box, featured (see `engagement`).
    engagement: crate::engagement::TopicEngagement,
    /// The reply box holds a draft saved earlier.
    reply_draft: bool,
    /// The reply as it will look ("Xem trước").
    preview: Option<Preview>,
}

impl TopicPage {
    fn is_ministry(&self, user_id: &i64) -> bool {
        self.guidance.ministry_ids.contains(user_id)
    }

    fn citations_of(&self, post_id: &i64) -> Vec<&crate::store::PostCitation> {
        self.guidance.citations.iter().filter(|c| c.post_id == *post_id).collect()
    }

    fn is_official(&self, post_id: &i64) -> bool {
        self.guidance.official.as_ref().is_some_and(|o| o.row.id == *post_id)
    }
}

/// What the guidance feature adds to a topic page: official answer, documents cited, criteria,
/// ministry badges.
struct TopicGuidance {
    official: Option<PostView>,
    can_mark_official: bool,
    citations: Vec<crate::store::PostCitation>,
    ministry_ids: Vec<i64>,
    criteria: Vec<crate::store::Criterion>,
    can_tag_criteria: bool,
}

impl TopicGuidance {
    fn criteria_codes(&self) -> String {
        self.criteria.iter().map(|c| c.code.as_str()).collect::<Vec<_>>().join(", ")
    }
}

async fn topic_guidance(store: &crate::store::Store, topic: &TopicRow, viewer: Option<&crate::store::User>) -> AppResult<TopicGuidance> {
    let editor = viewer.is_some_and(crate::guidance::service::can_edit);
    let official = match store.official_answer(topic.id).await? {
        Some(post_id) => store.post(post_id).await.ok().filter(|p| p.deleted_at.is_none() && p.status == Status::Published),
        None => None,
    };
    let official = official.map(|row| PostView {
        row,
        can_edit: false,
        is_case_study: false,
        intro_html: String::new(),
        sections: Vec::new(),
        pending_reasons: Vec::new(),
        can_flag: false,
        anonymous: false,
    });
    Ok(TopicGuidance {
        official,
        can_mark_official: editor && topic.kind == TopicKind::Question,
        citations: store.topic_citations(topic.id).await?,
        ministry_ids: store.ministry_staff_ids().await?,
        criteria: store.topic_criteria(topic.id).await?,
        can_tag_criteria: editor || viewer.is_some_and(|u| u.id == topic.author_id || u.role.can_moderate()),
    })
}

impl TopicPage {
    /// What a link preview (Zalo, Facebook) shows under the title: the good practice's summary,
    /// or the start of the opening post as plain text. Never the author: anonymous case studies
    /// are shared too.
    fn preview_text(&self) -> String {
        let source = match (&self.topic.summary, self.posts.iter().find(|p| p.row.position == 1)) {
            (Some(summary), _) => summary.clone(),
            (None, Some(opening)) => opening.row.body.replace(['#', '*', '_', '>', '`', '[', ']'], " "),
            (None, None) => String::new(),
        };
        let line = crate::text::clean_line(&source);
        match line.char_indices().nth(PREVIEW_CHARS) {
            Some((cut, _)) => format!("{}…", line[..cut].trim_end()),
            None => line,
        }
    }

    /// Where the reply form's draft is kept.
    fn draft_scope(&self) -> String {
        Scope::Reply(self.topic.id).key()
    }

    fn just_flagged(&self, post_id: &i64) -> bool {
        self.flagged == Some(*post_id)
    }

    /// "Ẩn danh · Tuyến tỉnh · Hà Nội": all the public learns of an anonymous author.
    fn anonymous_line(&self) -> String {
        anonymous_line(&self.page, &self.topic)
    }

    fn reason_text(&self, reason: &crate::moderation::Reason) -> String {
        let label = self.page.t(&reason.label_key()).to_string();
        if reason.details.is_empty() {
            return label;
        }
        let details: Vec<String> = reason
            .details
            .iter()
            .map(|d| if reason.code == "patient_data" { self.page.t(&format!("moderation.finding.{d}")).to_string() } else { d.clone() })
            .collect();
        format!("{label}: {}", details.join(", "))
    }
}

/// The public author line of an anonymous topic.
pub fn anonymous_line(page: &Page, topic: &TopicRow) -> String {
    let mut parts = vec![page.t("moderation.anonymous.author").to_string()];
    if let Some(tier) = &topic.hospital_tier {
        parts.push(page.t(&format!("guidance.tier.{tier}")).to_string());
    }
    if let Some(p) = topic.anon_province.as_deref().and_then(crate::accounts::provinces::by_code) {
        parts.push(p.name.to_string());
    }
    parts.join(" · ")
}

#[derive(Deserialize, Default)]
struct FlaggedParam {
    flagged: Option<i64>,
}

async fn topic(
    State(state): State<AppState>,
    page: Page,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    Query(p): Query<PageParam>,
    Query(f): Query<FlaggedParam>,
) -> AppResult<TopicPage> {
    let id = parse_id(&id)?;
    // A reply saved as a draft (on this or another device) is back in the reply box.
    let draft = match &page.viewer {
        Some(user) => drafts::load(state.store(), user.id, &Scope::Reply(id)).await?,
        None => None,
    };
    let reply_body = draft.as_ref().map(|d| d.fields.get("body").to_string()).unwrap_or_default();
    let mut view = topic_page(&state, page, id, p.number(), reply_body, None).await?;
    view.flagged = f.flagged;
    view.reply_draft = draft.is_some();
    set_share_links(&state, &headers, &mut view);
    Ok(view)
}

/// The share box's links, absolute (`public_url` or the reader's Host).
fn set_share_links(state: &AppState, headers: &axum::http::HeaderMap, view: &mut TopicPage) {
    let site = crate::engagement::share::site_base(state, headers);
    view.engagement.share = crate::engagement::ShareLinks::for_url(format!("{site}/t/{}", view.topic.id));
}

async fn topic_page(
    state: &AppState,
    page: Page,
    id: i64,
    number: Option<i64>,
    reply_body: String,
    reply_error: Option<String>,
) -> AppResult<TopicPage> {
    let store = state.store();
    let topic = service::visible_topic(store, id, page.viewer.as_ref()).await?;
    let pages = Pagination::new(number, POSTS_PER_PAGE, store.count_topic_posts(id).await?);
    let rows = store.topic_posts(id, pages.per_page, pages.offset()).await?;
    let viewer = page.viewer.as_ref();
    // Case studies are rendered section by section here, so their numbers are linked here too.
    let library = match topic.kind {
        TopicKind::CaseStudy => {
            let opening = rows.iter().find(|r| r.position == 1).map(|r| r.body.as_str()).unwrap_or("");
            crate::guidance::linking::Library::load(store).await?.with_mentions(store, opening).await?
        }
        _ => crate::guidance::linking::Library::default(),
    };
    let mut posts = Vec::new();
    let is_moderator = viewer.is_some_and(|u| u.role.can_moderate());
    for mut row in rows {
        if !(row.status == Status::Published || viewer.is_some_and(|u| u.id == row.author_id || u.role.can_moderate())) {
            continue;
        }
        let can_edit = row.deleted_at.is_none() && viewer.is_some_and(|u| u.id == row.author_id || u.role.can_moderate());
        let can_flag = row.deleted_at.is_none() && row.status == Status::Published && viewer.is_some_and(|u| u.id != row.author_id);
        let is_case_study = row.position == 1 && topic.kind == TopicKind::CaseStudy;
        let (intro_html, sections) =
            if is_case_study { service::render_sections(&row.body, &library) } else { (String::new(), Vec::new()) };
        let pending_reasons = match row.status {
            Status::Pending => {
                store.open_item_for_post(row.id).await?.map(|i| crate::moderation::parse_reasons(&i.reasons)).unwrap_or_default()
            }
            _ => Vec::new(),
        };
        // The author of an anonymous case study is hidden from everyone but moderators.
        let anonymous = topic.anonymous && row.author_id == topic.author_id;
        if anonymous && !is_moderator {
            (row.author_id, row.author_name, row.author_job_title, row.author_hospital) = (0, String::new(), String::new(), String::new());
        }
        posts.push(PostView { row, can_edit, is_case_study, intro_html, sections, pending_reasons, can_flag, anonymous });
    }
    let categories = if is_moderator { store.categories().await? } else { Vec::new() };
    let mut guidance = topic_guidance(store, &topic, viewer).await?;
    if let Some(official) = guidance.official.as_mut().filter(|o| topic.anonymous && o.row.author_id == topic.author_id && !is_moderator) {
        // An official answer by the anonymous author must not name them either.
        official.anonymous = true;
        (official.row.author_id, official.row.author_name, official.row.author_job_title, official.row.author_hospital) =
            (0, String::new(), String::new(), String::new());
    }
    let imported_from_facebook = store.topic_source_id(id).await?.is_some_and(|s| s.starts_with(crate::import::facebook::SOURCE_PREFIX));
    let watch = crate::notify::watch::button(store, viewer, crate::notify::watch::Target::Topic, topic.id).await?;
    let engagement = crate::engagement::for_topic(store, &topic, viewer, "").await?;
    Ok(TopicPage {
        watch,
        engagement,
        reply_draft: false,
        preview: None,
        imported_from_facebook,
        guidance,
        is_moderator,
        flag_reasons: crate::moderation::flag_reasons(),
        flagged: None,
        categories,
        tags: store.topic_tags(id).await?,
        is_pending: topic.status == Status::Pending,
        base_url: format!("/t/{id}"),
        topic,
        posts,
        pages,
        reply_body,
        reply_error,
        page,
    })
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    body: String,
    /// Set by the "Xem trước" button.
    #[serde(default)]
    preview: String,
    /// Set by a preview's replace button (see [`ComposeForm`]).
    #[serde(default)]
    replace: String,
}

async fn reply(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    upload: UploadForm<ReplyForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let mut form = upload.form;
    if let Some(which) = Replace::parse(&form.replace) {
        let mut no_sections = Sections::default();
        replace_in_form(&mut form.body, &mut no_sections, &which, |k| page.t(k.placeholder_key()).to_string());
    }
    if !form.preview.is_empty() || !form.replace.is_empty() {
        let shown = preview_of(&state, user.id, false, &form.body, &Sections::default(), upload.file.is_some(), "reply-form").await;
        return reply_again(&state, page, &headers, id, form.body, shown).await;
    }
    let replied = match attach(&state, &user, upload.file, &mut form.body).await {
        Ok(()) => service::reply(&state, &user, id, &form.body, Some(addr.ip())).await,
        Err(err) => Err(err),
    };
    match replied {
        Ok((post_id, _)) => {
            let last = state.store().count_topic_posts(id).await?;
            let page_no = (last + POSTS_PER_PAGE - 1) / POSTS_PER_PAGE;
            Ok(Redirect::to(&format!("/t/{id}?page={page_no}#post-{post_id}")).into_response())
        }
        Err(err @ (AppError::NotFound | AppError::Internal(_))) => Err(err),
        Err(err) => reply_again(&state, page, &headers, id, form.body, Err(err)).await,
    }
}

/// The topic's last page with the reply box holding `body`, and the preview asked for or the
/// problem stated.
async fn reply_again(
    state: &AppState,
    page: Page,
    headers: &axum::http::HeaderMap,
    id: i64,
    body: String,
    shown: AppResult<Preview>,
) -> AppResult<Response> {
    let (preview, err) = match shown {
        Ok(p) => (Some(p), None),
        Err(err) => (None, Some(err)),
    };
    let error = err.as_ref().map(|e| page.msg(&e.message()));
    let mut view = topic_page(state, page, id, Some(i64::MAX), body, error).await?;
    view.preview = preview;
    set_share_links(state, headers, &mut view);
    match err {
        Some(err) => refill(err, view),
        None => Ok(view.into_response()),
    }
}

/// The preview of a form's text; `file_chosen`: a file was chosen, which a preview does not keep.
/// `form_id`: the form the preview's replace buttons submit.
async fn preview_of(
    state: &AppState,
    member_id: i64,
    case_study: bool,
    body: &str,
    sections: &Sections,
    file_chosen: bool,
    form_id: &'static str,
) -> AppResult<Preview> {
    preview::within_preview_rate(state, member_id).await?;
    let mut shown = preview::render(state.store(), case_study, body, sections).await?;
    shown.file_not_kept = file_chosen;
    shown.form_id = form_id;
    Ok(shown)
}

#[derive(Template, WebTemplate)]
#[template(path = "compose.html")]
struct ComposePage {
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
    fn provinces(&self) -> &'static [crate::accounts::provinces::Province] {
        crate::accounts::provinces::all()
    }

    fn section_fields(&self) -> Vec<(Section, &str)> {
        Section::ALL.into_iter().map(|s| (s, self.form.section(s))).collect()
    }

    /// Where this form's draft is kept: one per kind of topic.
    fn draft_scope(&self) -> String {
        format!("new:{}", self.form.kind)
    }
}

#[derive(Deserialize, Default)]
struct ComposeForm {
    #[serde(default)]
    category: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    tags: String,
    /// Guidance document numbers the author links, separated by commas or lines.
    #[serde(default)]
    guidance: String,
    #[serde(default)]
    context: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    causes: String,
    #[serde(default)]
    intervention: String,
    #[serde(default)]
    results: String,
    #[serde(default)]
    lessons: String,
    /// "on" when a case study's author asks to stay anonymous.
    #[serde(default)]
    anonymous: String,
    #[serde(default)]
    hospital_tier: String,
    #[serde(default)]
    anon_province: String,
    /// Set by the "Xem trước" button: the form comes back with a preview; nothing is posted.
    #[serde(default)]
    preview: String,
    /// Set by a preview's replace button: `all` or one finding's `field:start:end`; the
    /// suspected patient data is replaced by placeholders and the form comes back with a preview.
    #[serde(default)]
    replace: String,
}

impl ComposeForm {
    fn section(&self, s: Section) -> &str {
        match s {
            Section::Context => &self.context,
            Section::Problem => &self.problem,
            Section::Causes => &self.causes,
            Section::Intervention => &self.intervention,
            Section::Results => &self.results,
            Section::Lessons => &self.lessons,
        }
    }

    fn sections(&self) -> Sections {
        Sections {
            context: self.context.clone(),
            problem: self.problem.clone(),
            causes: self.causes.clone(),
            intervention: self.intervention.clone(),
            results: self.results.clone(),
            lessons: self.lessons.clone(),
        }
    }

    /// A saved draft fills the form field by field (the same names the form posts).
    fn from_draft(draft: &drafts::Draft) -> Option<ComposeForm> {
        serde_urlencoded::from_str(&draft.fields.to_form()).ok()
    }

    fn wants_preview(&self) -> bool {
        !self.preview.is_empty() || !self.replace.is_empty()
    }

    /// Replaces the suspected patient data a preview's button chose with placeholders in the
    /// page's language.
    fn replace_patient_data(&mut self, page: &Page) {
        let Some(which) = Replace::parse(&self.replace) else { return };
        let mut sections = self.sections();
        replace_in_form(&mut self.body, &mut sections, &which, |k| page.t(k.placeholder_key()).to_string());
        let body = std::mem::take(&mut self.body);
        *self = std::mem::take(self).with_sections(body, sections);
    }

    fn with_sections(mut self, intro: String, s: Sections) -> Self {
        self.body = intro;
        (self.context, self.problem, self.causes) = (s.context, s.problem, s.causes);
        (self.intervention, self.results, self.lessons) = (s.intervention, s.results, s.lessons);
        self
    }
}

#[derive(Deserialize, Default)]
struct ComposeQuery {
    category: Option<String>,
    kind: Option<String>,
}

async fn compose_form(
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
        categories: state.store().categories().await?,
        kinds: TopicKind::ALL,
        form,
        draft_saved_at,
        preview: None,
    })
}

async fn compose(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    RequireUser(user): RequireUser,
    upload: UploadForm<ComposeForm>,
) -> AppResult<Response> {
    let mut form = upload.form;
    if form.wants_preview() {
        form.replace_patient_data(&page);
        let case_study = form.kind == TopicKind::CaseStudy.as_str();
        return match preview_of(&state, user.id, case_study, &form.body, &form.sections(), upload.file.is_some(), "compose-form").await {
            Ok(shown) => Ok(compose_page(&state, page, form, None, Some(shown)).await?.into_response()),
            Err(err) => compose_again(&state, page, form, err).await,
        };
    }
    if let Err(err) = attach(&state, &user, upload.file, &mut form.body).await {
        return compose_again(&state, page, form, err).await;
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
        .then(|| service::Anonymity { hospital_tier: form.hospital_tier.clone(), province: form.anon_province.clone() });
    match service::create_topic(&state, &user, &input, anonymity.as_ref(), Some(addr.ip())).await {
        Ok(created) => Ok(Redirect::to(&format!("/t/{}", created.topic_id)).into_response()),
        Err(err) => compose_again(&state, page, form, err).await,
    }
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
    let categories = state.store().categories().await?;
    Ok(ComposePage { page, error, categories, kinds: TopicKind::ALL, form, draft_saved_at: None, preview })
}

/// Stores the file chosen in a form (if any) and adds its Markdown line to the body, so the post
/// shows it. Refused files leave the body as it was; an upload that succeeded stays in the body
/// even if the post itself is refused, so sending the form again does not upload it twice.
async fn attach(state: &AppState, user: &crate::store::User, file: Option<FilePart>, body: &mut String) -> AppResult<()> {
    let Some(file) = file else { return Ok(()) };
    let stored = crate::attachments::service::upload_for_member(state, user, &file.name, file.bytes).await?;
    let separator = if body.trim().is_empty() { "" } else { "\n\n" };
    body.push_str(separator);
    body.push_str(&stored.markdown);
    Ok(())
}

#[derive(Deserialize)]
struct DeleteForm {}

async fn delete(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<DeleteForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let post = state.store().post(id).await?;
    let topic_id = service::delete_post(&state, &user, id).await?;
    let target = if post.position == 1 { "/".to_string() } else { format!("/t/{topic_id}") };
    Ok(Redirect::to(&target).into_response())
}
