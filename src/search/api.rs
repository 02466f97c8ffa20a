//! `GET /api/v1/search`.

use axum::Json;
use axum::extract::{Query, State};
use chrono::{DateTime, Utc};
use search_index::{FacetCount, Facets, Hit, SearchResults};

use super::guidance_hits::{GuidanceHit, matching_guidance};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::service::{self, Paging, SearchParams};
use crate::app::AppState;
use crate::error::AppResult;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(search))
}

#[derive(Serialize, ToSchema)]
struct SearchOut {
    /// Matching topics in all pages.
    total: usize,
    hits: Vec<HitOut>,
    facets: FacetsOut,
    /// No topic has every word of the query, so these are the topics with most of them.
    relaxed: bool,
    /// Documents of the guidance library whose number, title or summary match (first page only).
    guidance: Vec<GuidanceHit>,
    /// Present while the index is being built: the results cover only the topics indexed so far.
    #[serde(skip_serializing_if = "Option::is_none")]
    building: Option<super::Building>,
}

#[derive(Serialize, ToSchema)]
struct HitOut {
    topic_id: i64,
    /// The topic's opening post.
    post_id: i64,
    title: String,
    /// A passage with the matched words in `<mark>`; everything else is HTML-escaped.
    snippet_html: String,
    url: String,
    category: String,
    kind: String,
    created_at: DateTime<Utc>,
}

/// Counts over all matching topics, largest first.
#[derive(Serialize, ToSchema)]
struct FacetsOut {
    category: Vec<FacetOut>,
    kind: Vec<FacetOut>,
    /// Province codes.
    province: Vec<FacetOut>,
    tag: Vec<FacetOut>,
    year: Vec<FacetOut>,
}

#[derive(Serialize, ToSchema)]
struct FacetOut {
    value: String,
    count: u64,
}

/// Search published topics. Words match with or without Vietnamese diacritics.
#[utoipa::path(get, path = "/api/v1/search", params(SearchParams),
    responses((status = 200, body = SearchOut), (status = 422, description = "The query or a parameter is not valid"),
              (status = 503, description = "The index is still opening")))]
async fn search(State(state): State<AppState>, Query(params): Query<SearchParams>) -> AppResult<Json<SearchOut>> {
    let sort = service::parse_sort(&params)?;
    let paging = Paging::strict(&params)?;
    let results = match service::request(&params, sort, paging)? {
        Some(request) => service::search(&state, request).await?,
        None => SearchResults::default(),
    };
    let mut out = SearchOut::from(results);
    out.building = state.search().building();
    if paging.page == 1 {
        out.guidance = matching_guidance(&state, params.q.as_deref().unwrap_or_default()).await?;
    }
    Ok(Json(out))
}

impl From<SearchResults> for SearchOut {
    fn from(r: SearchResults) -> Self {
        Self {
            total: r.total,
            hits: r.hits.into_iter().map(HitOut::from).collect(),
            facets: r.facets.into(),
            relaxed: r.relaxed,
            guidance: Vec::new(),
            building: None,
        }
    }
}

impl From<Hit> for HitOut {
    fn from(h: Hit) -> Self {
        Self {
            url: format!("/t/{}", h.topic_id),
            topic_id: h.topic_id,
            post_id: h.post_id,
            title: h.title,
            snippet_html: h.snippet_html,
            category: h.category,
            kind: h.kind,
            created_at: DateTime::from_timestamp(h.created_at, 0).unwrap_or_default(),
        }
    }
}

impl From<Facets> for FacetsOut {
    fn from(f: Facets) -> Self {
        let out = |counts: Vec<FacetCount>| counts.into_iter().map(|c| FacetOut { value: c.value, count: c.count }).collect();
        Self { category: out(f.category), kind: out(f.kind), province: out(f.province), tag: out(f.tag), year: out(f.year) }
    }
}
