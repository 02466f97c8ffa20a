//! What readers do with a collection beyond reading it: follow it (a new item notifies them),
//! its Atom feed, and the print view with every item's opening post on one page.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::service;
use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{CollectionOpening, CollectionRow};
use crate::web::atom::{Entry, Feed, MAX_ENTRIES, origin};
use crate::web::{CsrfForm, Page, RequireUser};

/// Items of the print view (a collection past this prints its first 500).
const PRINT_MAX: i64 = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/collections/{slug}/follow", post(follow))
        .route("/collections/{slug}/feed.atom", get(feed))
        .route("/collections/{slug}/print", get(print))
}

#[derive(Deserialize, Default)]
struct FollowForm {
    #[serde(default)]
    undo: String,
}

/// Follow (or, with `undo=1`, stop following) a published collection.
async fn follow(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> AppResult<Response> {
    let collection = service::visible(state.store(), &slug, None).await?;
    state.store().set_collection_follow(collection.id, user.id, form.undo != "1").await?;
    Ok(Redirect::to(&format!("/collections/{slug}#follow")).into_response())
}

/// The collection's newest items first, as an Atom feed (published collections only).
async fn feed(State(state): State<AppState>, headers: HeaderMap, Path(slug): Path<String>) -> AppResult<Response> {
    let store = state.store();
    let collection = service::visible(store, &slug, None).await?;
    let base = origin(&headers);
    let items = store.collection_recent_items(collection.id, MAX_ENTRIES).await?;
    let entries = items
        .into_iter()
        .map(|i| Entry {
            url: format!("{base}/t/{}", i.topic_id),
            title: i.title,
            published: i.added_at,
            updated: i.added_at,
            author: collection.author_name.clone(),
            author_url: None,
            summary: (!i.note.is_empty()).then_some(i.note),
            categories: Vec::new(),
        })
        .collect();
    let feed = Feed {
        page_url: format!("{base}/collections/{slug}"),
        self_url: format!("{base}/collections/{slug}/feed.atom"),
        title: collection.title.clone(),
        author: collection.author_name.clone(),
        updated: collection.updated_at,
        entries,
    };
    Ok(feed.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "collection_print.html")]
struct PrintPage {
    page: Page,
    collection: CollectionRow,
    items: Vec<CollectionOpening>,
}

impl PrintPage {
    fn intro(&self) -> &str {
        super::pages::intro_html(&self.collection, &self.page.lang)
    }
}

/// One page with every visible item's opening post, for a ward meeting.
async fn print(State(state): State<AppState>, page: Page, Path(slug): Path<String>) -> AppResult<PrintPage> {
    let collection = service::visible(state.store(), &slug, page.viewer.as_ref()).await?;
    let items = state.store().collection_openings(collection.id, PRINT_MAX).await?;
    Ok(PrintPage { page, collection, items })
}
