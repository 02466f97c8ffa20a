//! Pages and forms: save a draft (plain button or the autosave script), my drafts, helpful
//! marks and bookmarks on posts, my bookmarks.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::bookmarks::{self, Target};
use super::drafts::{self, Draft, DraftFields, Scope};
use super::helpful;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::BookmarkRow;
use crate::web::{CsrfForm, NoFields, Page, RequireUser, safe_next};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/drafts", get(my_drafts).post(save_draft))
        .route("/drafts/{id}/delete", post(delete_draft))
        .route("/posts/{id}/helpful", post(helpful_mark))
        .route("/posts/{id}/bookmark", post(bookmark))
        .route("/bookmarks", get(my_bookmarks))
        .route("/static/engagement.js", get(script))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

/// The autosave script sends this header; it gets a short status line instead of a redirect.
const AUTOSAVE_HEADER: &str = "x-draft-autosave";

/// `POST /drafts`: the compose, reply or edit form, sent to be kept rather than posted. The
/// form's `draft_scope` says where it belongs (`new:<kind>`, `reply:<topic id>`, `edit:<post id>`).
async fn save_draft(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    headers: HeaderMap,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let scope_field = form.iter().find(|(k, _)| k == "draft_scope").map(|(_, v)| v.as_str()).unwrap_or("");
    let scope = Scope::parse(scope_field).ok_or_else(|| AppError::bad("draft.scope_unknown"))?;
    let fields = DraftFields::from_pairs(form.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    drafts::save(state.store(), &user, &scope, &fields).await?;
    if headers.contains_key(AUTOSAVE_HEADER) {
        let now = page.datetime(&chrono::Utc::now());
        return Ok(format!("{} {}", page.t("draft.autosaved"), &now[11..]).into_response());
    }
    let back = match scope {
        Scope::NewTopic(kind) => format!("/new?kind={}&draft=saved", kind.as_str()),
        Scope::Reply(id) => format!("/t/{id}?draft=saved#reply"),
        Scope::EditPost(id) => format!("/posts/{id}/edit?draft=saved"),
    };
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "drafts.html")]
struct DraftsPage {
    page: Page,
    drafts: Vec<Draft>,
}

impl DraftsPage {
    /// "Chủ đề mới · Tình huống" or "Trả lời: <topic title>".
    fn place(&self, draft: &Draft) -> String {
        match draft.scope {
            Some(Scope::NewTopic(kind)) => format!("{} · {}", self.page.t("draft.new_topic"), self.page.t(kind.label_key())),
            Some(Scope::Reply(_)) => format!("{}: {}", self.page.t("draft.reply_to"), draft.row.topic_title),
            Some(Scope::EditPost(_)) => format!("{}: {}", self.page.t("draft.edit.place"), draft.row.topic_title),
            None => String::new(),
        }
    }

    fn resume_url(&self, draft: &Draft) -> String {
        draft.scope.map(|s| s.resume_url()).unwrap_or_else(|| "/drafts".into())
    }
}

async fn my_drafts(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<DraftsPage> {
    Ok(DraftsPage { drafts: drafts::list(state.store(), user.id).await?, page })
}

async fn delete_draft(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    state.store().delete_draft(user.id, parse_id(&id)?).await?;
    Ok(Redirect::to("/drafts").into_response())
}

/// A helpful or bookmark button: `undo=1` takes it back; `back` is the page it was on.
#[derive(Deserialize, Default)]
struct ToggleForm {
    #[serde(default)]
    undo: String,
    #[serde(default)]
    back: String,
}

impl ToggleForm {
    fn undo(&self) -> bool {
        self.undo == "1"
    }

    /// Back to the post on the page the button was on (same-site paths only).
    fn redirect(&self, post_id: i64) -> Response {
        let back = safe_next(Some(self.back.as_str()).filter(|b| !b.is_empty()));
        let back = back.split('#').next().unwrap_or("/");
        Redirect::to(&format!("{back}#post-{post_id}")).into_response()
    }
}

async fn helpful_mark(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> AppResult<Response> {
    let post_id = parse_id(&id)?;
    if form.undo() {
        helpful::unmark(state.store(), &user, post_id).await?;
    } else {
        helpful::mark(state.store(), &user, post_id).await?;
    }
    Ok(form.redirect(post_id))
}

async fn bookmark(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ToggleForm>,
) -> AppResult<Response> {
    let target = Target::Post(parse_id(&id)?);
    let post_id = if form.undo() {
        bookmarks::remove(state.store(), &user, target).await?
    } else {
        bookmarks::add(state.store(), &user, target).await?
    };
    Ok(form.redirect(post_id))
}

#[derive(Template, WebTemplate)]
#[template(path = "bookmarks.html")]
struct BookmarksPage {
    page: Page,
    bookmarks: Vec<BookmarkRow>,
}

async fn my_bookmarks(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<BookmarksPage> {
    Ok(BookmarksPage { bookmarks: state.store().bookmarks(user.id).await?, page })
}

/// The progressive-enhancement script: draft autosave and the share box's copy button.
async fn script() -> Response {
    let headers = [
        (axum::http::header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
    ];
    (headers, include_str!("../../web/static/engagement.js")).into_response()
}
