//! The topic lists: the home page (latest topics, with the featured ones on its first page), a
//! category's (latest or most helpful first) and a tag's.

use askama::Template;
use askama_web::WebTemplate;

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};

use super::{Localized, TOPICS_PER_PAGE};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::{Category, TopicFilter, TopicRow};
use crate::web::{Page, PageParam, Pagination};

#[derive(Template, WebTemplate)]
#[template(path = "latest.html")]
pub(super) struct LatestPage {
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
    /// What other features add to the first page of the home and category pages (`web::extras`).
    extras_html: String,
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

pub(super) async fn latest(State(state): State<AppState>, page: Page, Query(p): Query<PageParam>) -> AppResult<LatestPage> {
    list_page(&state, page, Listing::Latest, p.number()).await
}

/// A tag's topics. A tag typed into the address as words ("/tag/kiểm tra chéo") goes to its slug.
pub(super) async fn tag(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<Response> {
    let canonical = crate::forum::slugify(&slug);
    if canonical != slug && !canonical.is_empty() {
        return Ok(Redirect::permanent(&format!("/tag/{canonical}")).into_response());
    }
    Ok(list_page(&state, page, Listing::Tag(slug), p.number()).await?.into_response())
}

pub(super) async fn category(
    State(state): State<AppState>,
    page: Page,
    Path(slug): Path<String>,
    Query(p): Query<PageParam>,
) -> AppResult<LatestPage> {
    let category = state.store().category_by_slug(&slug).await?;
    list_page(&state, page, Listing::Category(category), p.number()).await
}

/// A category's topics with the most helpful marks first.
pub(super) async fn category_by_helpful(
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
    let topics = match &listing {
        Listing::CategoryByHelpful(c) => store.helpful_topics(c.id, pages.per_page, pages.offset()).await?,
        _ => store.latest_topics(&filter, pages.per_page, pages.offset()).await?,
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
    let extras_html = match (&category, &home) {
        (Some(c), _) if pages.page == 1 => state.page_extras().listing(state, &page, Some(c.id)).await,
        (None, Some(_)) => state.page_extras().listing(state, &page, None).await,
        _ => String::new(),
    };
    Ok(LatestPage { heading, category, categories, topics, pages, base_url, page, ministry_ids, watch, home, sort_helpful, extras_html })
}
