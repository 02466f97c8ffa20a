//! `GET /api/v1/topics`: visible topics newest first (by when they were started), filtered by
//! category, tag, kind and province, paged by cursor; and `GET /api/v1/tags` with kept counts.

use axum::Json;
use axum::extract::{RawQuery, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{cursor, params};
use crate::app::AppState;
use crate::domain::{TopicKind, provinces};
use crate::error::AppResult;
use crate::store::{ApiTopicFilter, ApiTopicRow, Keyset};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_topics)).routes(routes!(list_tags))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 42, "title": "Bảng kiểm an toàn phẫu thuật", "url": "/t/42", "kind": "good_practice",
    "category": "surgical-safety", "tags": ["bang-kiem"], "created_at": "2025-03-15T08:30:00Z",
    "last_posted_at": "2025-03-16T10:00:00Z", "reply_count": 3}))]
struct TopicItem {
    id: i64,
    title: String,
    /// The topic's page on the site.
    url: String,
    kind: TopicKind,
    /// Category slug.
    category: String,
    /// Tag slugs.
    tags: Vec<String>,
    created_at: DateTime<Utc>,
    last_posted_at: DateTime<Utc>,
    reply_count: i64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"topics": [{"id": 42, "title": "Bảng kiểm an toàn phẫu thuật", "url": "/t/42", "kind": "good_practice",
    "category": "surgical-safety", "tags": ["bang-kiem"], "created_at": "2025-03-15T08:30:00Z",
    "last_posted_at": "2025-03-16T10:00:00Z", "reply_count": 3}], "next_cursor": "MTc0MjAyNzQwMDAwMDAwMDAwMC40Mg.q1bXtm4JkE2c3vGm0lq9Ug"}))]
struct TopicPage {
    topics: Vec<TopicItem>,
    /// Pass as `cursor` for the next page; null on the last page.
    next_cursor: Option<String>,
}

/// The query of `GET /api/v1/topics` (documentation; the handler reads the raw query strictly).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TopicsQuery {
    /// Category slug (GET /api/v1/categories); unknown: 400.
    category: Option<String>,
    /// Tag slug (GET /api/v1/tags); unknown: 400.
    tag: Option<String>,
    /// discussion, question, good_practice or case_study.
    kind: Option<String>,
    /// Province code or name, with or without diacritics (former provinces map to the current
    /// one): the anonymous case study's province, else its author's.
    province: Option<String>,
    /// Topics per page, 1 to 100 (default 20); outside that range: 400 (not clamped).
    limit: Option<String>,
    /// `next_cursor` of the previous page, as given; changed, or from another filter: 400.
    cursor: Option<String>,
}

const PARAMS: [&str; 6] = ["category", "tag", "kind", "province", "limit", "cursor"];

/// Visible topics, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/topics", params(TopicsQuery),
    responses((status = 200, body = TopicPage), (status = 400, description = "An unknown parameter or filter value, a limit outside 1–100, or a cursor that was changed or belongs to other filters; the message says which.")))]
async fn list_topics(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AppResult<Json<TopicPage>> {
    let given = params::parse(raw.as_deref(), &PARAMS)?;
    let limit = params::limit(&given, params::MAX_LIMIT)?;
    let filter = filter(&state, &given).await?;
    let list = list_name(&filter);
    let secret = cursor::key(state.store()).await?;
    let after = match params::get(&given, "cursor") {
        Some(c) => Some(cursor::open(&secret, &list, c).ok_or_else(|| params::bad("error.integrations.bad_cursor", c))?),
        None => None,
    };
    let mut rows = state.store().api_topics(&filter, after, limit + 1).await?;
    let next_cursor = next(&mut rows, limit, |r| Keyset { at: r.created_at, id: r.id }).map(|key| cursor::seal(&secret, &list, key));
    let topics = items(&state, rows).await?;
    Ok(Json(TopicPage { topics, next_cursor }))
}

/// Keeps `limit` rows; the key of the last one when more follow.
pub(super) fn next<T>(rows: &mut Vec<T>, limit: i64, key: impl Fn(&T) -> Keyset) -> Option<Keyset> {
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    more.then(|| rows.last().map(key)).flatten()
}

/// The filters, each checked against what exists.
async fn filter(state: &AppState, given: &[(String, String)]) -> AppResult<ApiTopicFilter> {
    let store = state.store();
    let mut filter = ApiTopicFilter::default();
    if let Some(slug) = params::get(given, "category") {
        let categories = store.categories().await?;
        let found = categories.iter().find(|c| c.slug == slug).ok_or_else(|| params::bad("error.integrations.unknown_category", slug))?;
        filter.category_id = Some(found.id);
    }
    if let Some(slug) = params::get(given, "tag") {
        let id = store.tag_id(&params::tag_slug(slug)).await.map_err(|_| params::bad("error.integrations.unknown_tag", slug))?;
        filter.tag_id = Some(id);
    }
    if let Some(kind) = params::get(given, "kind") {
        let kind = TopicKind::parse(kind).ok_or_else(|| params::bad("error.integrations.unknown_kind", kind))?;
        filter.kind = Some(kind.as_str());
    }
    if let Some(province) = params::get(given, "province") {
        let found = provinces::resolve(province).ok_or_else(|| params::bad("error.integrations.unknown_province", province))?;
        filter.province = Some(found.code);
    }
    Ok(filter)
}

/// What a cursor is bound to: the list and its resolved filters.
fn list_name(f: &ApiTopicFilter) -> String {
    format!("topics?category={:?}&tag={:?}&kind={:?}&province={:?}", f.category_id, f.tag_id, f.kind, f.province)
}

async fn items(state: &AppState, rows: Vec<ApiTopicRow>) -> AppResult<Vec<TopicItem>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let tags = state.store().tag_slugs_of(&ids).await?;
    let items = rows
        .into_iter()
        .map(|r| TopicItem {
            url: format!("/t/{}", r.id),
            kind: TopicKind::parse(&r.kind).unwrap_or(TopicKind::Discussion),
            category: r.category_slug,
            tags: tags.iter().filter(|(id, _)| *id == r.id).map(|(_, slug)| slug.clone()).collect(),
            id: r.id,
            title: r.title,
            created_at: r.created_at,
            last_posted_at: r.last_posted_at,
            reply_count: r.reply_count,
        })
        .collect();
    Ok(items)
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"slug": "kiem-tra-cheo", "label": "kiểm tra chéo", "url": "/tag/kiem-tra-cheo", "topic_count": 12}))]
struct TagItem {
    /// The `/tag/{slug}` address and the `tag` filter.
    slug: String,
    /// As first typed, NFC.
    label: String,
    url: String,
    /// Visible topics with the tag (a kept count).
    topic_count: i64,
}

#[derive(Serialize, ToSchema)]
struct TagList {
    tags: Vec<TagItem>,
}

/// The query of `GET /api/v1/tags` (documentation).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct TagsQuery {
    /// Tags to return, 1 to 1000 (default 20), most used first; outside that range: 400.
    limit: Option<String>,
}

const MAX_TAGS: i64 = 1000;

/// Tags with visible topics, most used first, with their counts.
#[utoipa::path(get, path = "/api/v1/tags", params(TagsQuery),
    responses((status = 200, body = TagList), (status = 400, description = "An unknown parameter or a limit outside 1–1000.")))]
async fn list_tags(State(state): State<AppState>, RawQuery(raw): RawQuery) -> AppResult<Json<TagList>> {
    let given = params::parse(raw.as_deref(), &["limit"])?;
    let limit = params::limit(&given, MAX_TAGS)?;
    let rows = state.store().tags_with_counts(limit).await?;
    let tags = rows.into_iter().map(|(slug, label, n)| TagItem { url: format!("/tag/{slug}"), slug, label, topic_count: n }).collect();
    Ok(Json(TagList { tags }))
}
