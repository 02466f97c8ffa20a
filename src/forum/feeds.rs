//! Atom feeds of the latest topics: the whole forum (`/feed.atom`), a category
//! (`/c/{slug}/feed.atom`) and a tag (`/tag/{slug}/feed.atom`), newest activity first, so a
//! feed reader (or a hospital's intranet) can follow new practices without visiting.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;

use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{TopicFilter, TopicRow};
use crate::web::Page;
use crate::web::atom::{Category, Entry, Feed, MAX_ENTRIES, origin};

use super::pages::Localized;

pub fn router() -> Router<AppState> {
    Router::new().route("/feed.atom", get(latest)).route("/c/{slug}/feed.atom", get(category)).route("/tag/{slug}/feed.atom", get(tag))
}

async fn latest(State(state): State<AppState>, page: Page, headers: HeaderMap) -> AppResult<Response> {
    let title = page.t("feed.latest").to_string();
    feed(&state, &page, &headers, TopicFilter::default(), "/", title).await
}

async fn category(State(state): State<AppState>, page: Page, headers: HeaderMap, Path(slug): Path<String>) -> AppResult<Response> {
    let category = state.store().category_by_slug(&slug).await?;
    let title = page.msg(&Msg::new("feed.category").arg("name", category.name(&page.lang)));
    let filter = TopicFilter { category_id: Some(category.id), tag: None };
    feed(&state, &page, &headers, filter, &format!("/c/{}", category.slug), title).await
}

async fn tag(State(state): State<AppState>, page: Page, headers: HeaderMap, Path(slug): Path<String>) -> AppResult<Response> {
    let title = page.msg(&Msg::new("feed.tag").arg("tag", super::pages::tag_label(state.store(), &slug).await?));
    let filter = TopicFilter { category_id: None, tag: Some(slug.as_str()) };
    if state.store().count_filtered_topics(&filter).await? == 0 {
        return Err(AppError::NotFound); // as the tag page: a tag nobody used does not exist
    }
    feed(&state, &page, &headers, filter, &format!("/tag/{slug}"), title).await
}

/// The feed of the topics matching `filter`, for the page at `path`.
async fn feed(
    state: &AppState,
    page: &Page,
    headers: &HeaderMap,
    filter: TopicFilter<'_>,
    path: &str,
    title: String,
) -> AppResult<Response> {
    let base = origin(headers);
    let topics = state.store().latest_topics(&filter, MAX_ENTRIES, 0).await?;
    let anonymous = page.t("moderation.anonymous.author");
    let page_url = format!("{base}{path}");
    Ok(Feed {
        self_url: format!("{}/feed.atom", page_url.trim_end_matches('/')),
        page_url,
        title: format!("{title} · {}", page.t("site.name")),
        author: page.t("site.name").to_string(),
        updated: topics.iter().map(|t| t.last_posted_at).max().unwrap_or_default(),
        entries: entries(state, &base, topics, anonymous).await?,
    }
    .into_response())
}

/// The entries, each with its topic's tags as categories (labels as people wrote them).
async fn entries(state: &AppState, base: &str, topics: Vec<TopicRow>, anonymous: &str) -> AppResult<Vec<Entry>> {
    let mut out = Vec::with_capacity(topics.len());
    for t in topics {
        let tags = state.store().topic_tags(t.id).await?;
        let categories = tags.into_iter().map(|g| Category { term: g.slug, label: g.label, scheme: format!("{base}/tag/") }).collect();
        out.push(Entry { categories, ..entry(base, t, anonymous) });
    }
    Ok(out)
}

fn entry(base: &str, t: TopicRow, anonymous: &str) -> Entry {
    Entry {
        url: format!("{base}/t/{}", t.id),
        title: t.title,
        published: t.created_at,
        updated: t.last_posted_at,
        // An anonymous case study names nobody, here as everywhere.
        author: if t.anonymous { anonymous.to_string() } else { t.author_name },
        author_url: (!t.anonymous).then(|| format!("{base}/u/{}", t.author_id)),
        summary: t.summary,
        categories: Vec::new(),
    }
}
