//! Pages without JavaScript: the index, a collection (paged), and the curator's create and edit
//! forms. Item changes are in `item_pages.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::domain::parse_version;
use super::service::{self, CollectionInput, can_curate};
use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{Category, CollectionItemRow, CollectionRow};
use crate::web::{CsrfForm, Lang, Localized, Page, PageParam, Pagination, RequireUser, refill};

/// Items on one page of a collection (a 500-topic collection is ten pages).
pub const ITEMS_PER_PAGE: i64 = 50;
const COLLECTIONS_PER_PAGE: i64 = 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/collections", get(index).post(create))
        .route("/collections/new", get(new_form))
        .route("/collections/{slug}", get(show))
        .route("/collections/{slug}/edit", get(edit_form).post(update))
        .merge(super::item_pages::router())
        .merge(super::reader_pages::router())
}

/// The introduction in the reader's language (the Vietnamese one when no English was written).
pub fn intro_html<'a>(c: &'a CollectionRow, lang: &Lang) -> &'a str {
    match (&c.intro_en_html, lang) {
        (Some(en), Lang::En) => en,
        _ => &c.intro_html,
    }
}

pub fn category_name<'a>(c: &'a CollectionRow, lang: &Lang) -> &'a str {
    if *lang == Lang::En { &c.category_name_en } else { &c.category_name_vi }
}

#[derive(Template, WebTemplate)]
#[template(path = "collections_index.html")]
struct IndexPage {
    page: Page,
    collections: Vec<CollectionRow>,
    pages: Pagination,
    base_url: String,
    curator: bool,
}

async fn index(State(state): State<AppState>, page: Page, Query(p): Query<PageParam>) -> AppResult<IndexPage> {
    let curator = page.viewer.as_ref().is_some_and(can_curate);
    let store = state.store();
    let pages = Pagination::new(p.number(), COLLECTIONS_PER_PAGE, store.count_collections(curator).await?);
    let collections = store.collections(curator, None, pages.per_page, pages.offset()).await?;
    Ok(IndexPage { page, collections, pages, base_url: "/collections".into(), curator })
}

#[derive(Template, WebTemplate)]
#[template(path = "collection.html")]
struct CollectionPage {
    page: Page,
    collection: CollectionRow,
    items: Vec<CollectionItemRow>,
    pages: Pagination,
    base_url: String,
    curator: bool,
    /// The signed-in reader's follow button and the items they have read.
    reader: super::follow::ReaderState,
}

impl CollectionPage {
    fn intro(&self) -> &str {
        intro_html(&self.collection, &self.page.lang)
    }

    fn category(&self) -> &str {
        category_name(&self.collection, &self.page.lang)
    }
}

async fn show(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<CollectionPage> {
    let store = state.store();
    let viewer = page.viewer.as_ref();
    let collection = service::visible(store, &slug, viewer).await?;
    let pages = Pagination::new(p.number(), ITEMS_PER_PAGE, collection.visible_items);
    let items = store.collection_items(collection.id, false, pages.per_page, pages.offset()).await?;
    let reader = super::follow::reader_state(store, viewer, &collection, &items).await?;
    Ok(CollectionPage {
        base_url: format!("/collections/{}", collection.slug),
        curator: viewer.is_some_and(can_curate),
        page,
        collection,
        items,
        pages,
        reader,
    })
}

/// The curator's page: what the collection says, and every item (hidden ones marked) with
/// its remove and move buttons.
#[derive(Template, WebTemplate)]
#[template(path = "collection_edit.html")]
pub(super) struct EditPage {
    pub(super) page: Page,
    pub(super) collection: Option<CollectionRow>,
    pub(super) form: CollectionInput,
    pub(super) version: i64,
    pub(super) categories: Vec<Category>,
    pub(super) error: Option<String>,
    pub(super) items: Vec<CollectionItemRow>,
    pub(super) pages: Pagination,
    pub(super) base_url: String,
}

impl EditPage {
    fn action(&self) -> String {
        match &self.collection {
            Some(c) => format!("/collections/{}/edit", c.slug),
            None => "/collections".into(),
        }
    }

    fn hidden_items(&self) -> usize {
        self.items.iter().filter(|i| !i.visible).count()
    }
}

fn input_of(c: &CollectionRow) -> CollectionInput {
    CollectionInput {
        slug: c.slug.clone(),
        title: c.title.clone(),
        intro: c.intro.clone(),
        intro_en: c.intro_en.clone().unwrap_or_default(),
        category: c.category_slug.clone(),
        status: c.status.clone(),
    }
}

async fn new_form(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<EditPage> {
    service::require_curator(&user)?;
    let form = CollectionInput { status: "draft".into(), ..CollectionInput::default() };
    blank_edit_page(&state, page, form, None).await
}

async fn blank_edit_page(state: &AppState, page: Page, form: CollectionInput, error: Option<String>) -> AppResult<EditPage> {
    Ok(EditPage {
        categories: state.store().categories().await?,
        collection: None,
        version: 0,
        items: Vec::new(),
        pages: Pagination::new(None, ITEMS_PER_PAGE, 0),
        base_url: String::new(),
        form,
        error,
        page,
    })
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<CollectionInput>,
) -> AppResult<Response> {
    match service::create(state.store(), &user, &form).await {
        Ok(slug) => Ok(Redirect::to(&format!("/collections/{slug}/edit")).into_response()),
        Err(err) => {
            service::require_curator(&user)?;
            let error = Some(page.msg(&err.message()));
            refill(err, blank_edit_page(&state, page, form, error).await?)
        }
    }
}

/// The edit page of `collection`, its items paged like the public page.
pub(super) async fn edit_page(state: &AppState, page: Page, collection: CollectionRow, number: Option<i64>) -> AppResult<EditPage> {
    let store = state.store();
    let pages = Pagination::new(number, ITEMS_PER_PAGE, store.count_collection_items(collection.id).await?);
    let items = store.collection_items(collection.id, true, pages.per_page, pages.offset()).await?;
    Ok(EditPage {
        categories: store.categories().await?,
        form: input_of(&collection),
        version: collection.version,
        base_url: format!("/collections/{}/edit", collection.slug),
        collection: Some(collection),
        error: None,
        items,
        pages,
        page,
    })
}

async fn edit_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<EditPage> {
    service::require_curator(&user)?;
    let collection = state.store().collection_by_slug(&slug).await?;
    edit_page(&state, page, collection, p.number()).await
}

#[derive(Deserialize)]
struct EditForm {
    #[serde(flatten)]
    input: CollectionInput,
    #[serde(default)]
    version: String,
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(slug): Path<String>,
    CsrfForm(form): CsrfForm<EditForm>,
) -> AppResult<Response> {
    service::require_curator(&user)?;
    let collection = state.store().collection_by_slug(&slug).await?;
    let result = match parse_version(&form.version) {
        Ok(version) => service::update(state.store(), &user, &collection, Some(version), &form.input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(slug) => Ok(Redirect::to(&format!("/collections/{slug}/edit?saved=1")).into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            // The form comes back as typed, with the version it was sent with: a stale form
            // stays stale until the curator reloads and sees what changed.
            let mut view = edit_page(&state, page, collection, None).await?;
            (view.form, view.error) = (form.input, error);
            view.version = form.version.trim().parse().unwrap_or(view.version);
            refill(err, view)
        }
    }
}
