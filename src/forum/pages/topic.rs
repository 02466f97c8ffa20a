//! A topic page: its posts (case studies by section), what guidance, moderation and engagement
//! add to it, and the reply box.

use askama::Template;
use askama_web::WebTemplate;

use axum::extract::{Path, Query, State};
use serde::Deserialize;

use super::{Localized, POSTS_PER_PAGE, parse_id};
use crate::app::AppState;
use crate::engagement::drafts::{self, Scope};
use crate::error::AppResult;
use crate::forum::case_study::Section;
use crate::forum::preview::Preview;
use crate::forum::service;
use crate::forum::{Status, TopicKind};
use crate::store::{Category, PostRow, TopicRow};
use crate::web::{Page, PageParam, Pagination};

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
pub struct TopicPage {
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
    pub preview: Option<Preview>,
    /// What other features add under the title (`web::extras`: collections).
    extras_html: String,
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
    /// Who endorsed the official answer (ministry staff) and when.
    endorsement: Option<crate::store::Endorsement>,
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
    let endorsement = store.official_endorsement(topic.id).await?;
    let official = match &endorsement {
        Some(e) => store.post(e.post_id).await.ok().filter(|p| p.deleted_at.is_none() && p.status == Status::Published),
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
        endorsement,
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
    if let Some(p) = topic.anon_province.as_deref().and_then(crate::domain::provinces::by_code) {
        parts.push(p.name.to_string());
    }
    parts.join(" · ")
}

#[derive(Deserialize, Default)]
pub(super) struct FlaggedParam {
    flagged: Option<i64>,
}

pub(super) async fn topic(
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
pub fn set_share_links(state: &AppState, headers: &axum::http::HeaderMap, view: &mut TopicPage) {
    let site = crate::engagement::share::site_base(state, headers);
    view.engagement.share = crate::engagement::ShareLinks::for_url(format!("{site}/t/{}", view.topic.id));
}

pub async fn topic_page(
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
    let imported_from_facebook = store.topic_source_id(id).await?.is_some_and(|s| s.starts_with(crate::domain::FACEBOOK_SOURCE_PREFIX));
    let watch = crate::notify::watch::button(store, viewer, crate::notify::watch::Target::Topic, topic.id).await?;
    let engagement = crate::engagement::for_topic(store, &topic, viewer, "").await?;
    let extras_html = state.page_extras().topic(state, &page, topic.id).await;
    Ok(TopicPage {
        extras_html,
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
