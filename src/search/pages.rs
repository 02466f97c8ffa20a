//! `GET /search`: results, facets, sorting and pages as plain links, so it works without JavaScript.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::DateTime;
use search_index::{FacetCount, Hit, SearchRequest, SearchResults, Sort};

use super::guidance_hits::{GuidanceHit, matching_guidance};

use super::service::{self, Paging, SearchParams, given};
use crate::accounts::provinces;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::forum::{Localized, TopicKind};
use crate::store::{Category, Store};
use crate::web::{Page, Pagination, refill};

const PER_PAGE: usize = 20;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

#[derive(Template, WebTemplate)]
#[template(path = "search.html")]
struct SearchPage {
    page: Page,
    q: String,
    /// Filters and sort kept as hidden fields, so a new query stays within them.
    hidden: Vec<(&'static str, String)>,
    asked: bool,
    error: Option<String>,
    found: String,
    /// Said when no topic had every word and the closest ones are shown instead.
    relaxed: Option<String>,
    /// Said while the index is being built (results so far are incomplete), with progress.
    building: Option<String>,
    no_results: String,
    hits: Vec<HitView>,
    /// Official documents of the guidance library matching the words (first page only).
    guidance: Vec<GuidanceHit>,
    facets: Vec<FacetGroup>,
    active: Vec<Link>,
    sorts: Vec<Link>,
    pages: Pagination,
    prev_url: Option<String>,
    next_url: Option<String>,
}

struct HitView {
    url: String,
    title: String,
    /// Escaped by the index, with `<mark>` around matches: the only text marked safe.
    snippet_html: String,
    kind: String,
    kind_label: String,
    category_url: String,
    category_name: String,
    date: String,
    datetime: String,
}

struct FacetGroup {
    heading: String,
    links: Vec<Link>,
}

/// A link that changes the search: a facet value, a filter to remove, a sort order.
struct Link {
    label: String,
    url: String,
    current: bool,
    count: u64,
}

/// What filter values are called: category names, and tag labels for the tags on the page.
struct Names {
    categories: Vec<Category>,
    tags: HashMap<String, String>,
}

impl Names {
    async fn load(store: &Store, params: &SearchParams, results: &SearchResults) -> AppResult<Self> {
        let mut slugs: Vec<&str> = results.facets.tag.iter().map(|c| c.value.as_str()).collect();
        slugs.extend(given(&params.tag));
        let tags = store.tags_by_slugs(&slugs).await?.into_iter().map(|t| (t.slug, t.label)).collect();
        Ok(Self { categories: store.categories().await?, tags })
    }
}

async fn search(State(state): State<AppState>, page: Page, Query(params): Query<SearchParams>) -> AppResult<Response> {
    let sort = service::parse_sort(&params).unwrap_or_default();
    let paging = Paging::lenient(&params, PER_PAGE);
    let mut view = SearchPage::new(page, &params, sort);
    view.building = state.search().building().map(|b| match b.total {
        0 => view.page.msg(&Msg::new("search.error.unavailable")),
        _ => view.page.msg(&Msg::new("search.building").arg("done", b.done).arg("total", b.total).arg("percent", b.percent())),
    });
    match run(&state, &params, sort, paging).await {
        Ok(None) => {}
        Ok(Some((results, pages))) => {
            let names = Names::load(state.store(), &params, &results).await?;
            if pages.page == 1 {
                view.guidance = matching_guidance(&state, params.q.as_deref().unwrap_or_default()).await?;
            }
            view.show(&params, results, pages, &names);
        }
        Err(err @ AppError::Internal(_)) => return Err(err),
        Err(err) => {
            view.error = Some(view.page.msg(&err.message()));
            return refill(err, view);
        }
    }
    Ok(view.into_response())
}

/// The results and the page they are on; a page past the end shows the last one instead.
async fn run(state: &AppState, params: &SearchParams, sort: Sort, paging: Paging) -> AppResult<Option<(SearchResults, Pagination)>> {
    let Some(request) = service::request(params, sort, paging)? else { return Ok(None) };
    let results = service::search(state, request.clone()).await?;
    let pages = Pagination::new(Some(paging.page as i64), PER_PAGE as i64, results.total as i64);
    if pages.page as usize == paging.page {
        return Ok(Some((results, pages)));
    }
    let request = SearchRequest { offset: pages.offset() as usize, ..request };
    Ok(Some((service::search(state, request).await?, pages)))
}

/// The filters a search can carry besides its words.
#[derive(Clone, Copy)]
enum Field {
    Category,
    Kind,
    Province,
    Tag,
    Year,
}

impl Field {
    const ALL: [Field; 5] = [Field::Category, Field::Kind, Field::Province, Field::Tag, Field::Year];

    fn param(self) -> &'static str {
        match self {
            Field::Category => "category",
            Field::Kind => "kind",
            Field::Province => "province",
            Field::Tag => "tag",
            Field::Year => "year",
        }
    }

    fn heading_key(self) -> &'static str {
        match self {
            Field::Category => "search.facet_category",
            Field::Kind => "search.facet_kind",
            Field::Province => "search.facet_province",
            Field::Tag => "search.facet_tag",
            Field::Year => "search.facet_year",
        }
    }

    fn slot(self, p: &mut SearchParams) -> &mut Option<String> {
        match self {
            Field::Category => &mut p.category,
            Field::Kind => &mut p.kind,
            Field::Province => &mut p.province,
            Field::Tag => &mut p.tag,
            Field::Year => &mut p.year,
        }
    }

    fn get(self, p: &SearchParams) -> Option<&str> {
        given(match self {
            Field::Category => &p.category,
            Field::Kind => &p.kind,
            Field::Province => &p.province,
            Field::Tag => &p.tag,
            Field::Year => &p.year,
        })
    }

    fn facet(self, results: &SearchResults) -> &[FacetCount] {
        let f = &results.facets;
        match self {
            Field::Category => &f.category,
            Field::Kind => &f.kind,
            Field::Province => &f.province,
            Field::Tag => &f.tag,
            Field::Year => &f.year,
        }
    }
}

/// `/search?…` for these parameters (the page number only when past the first).
fn url(p: &SearchParams) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in [
        ("q", &p.q),
        ("category", &p.category),
        ("kind", &p.kind),
        ("province", &p.province),
        ("tag", &p.tag),
        ("year", &p.year),
        ("sort", &p.sort),
        ("page", &p.page),
    ] {
        // Defaults are left out, so equal searches have equal URLs.
        let default = match name {
            "sort" => Some("relevance"),
            "page" => Some("1"),
            _ => None,
        };
        if let Some(v) = given(value).filter(|v| Some(*v) != default) {
            query.append_pair(name, v);
        }
    }
    format!("/search?{}", query.finish())
}

/// The same search changed by `change`, from its first page.
fn changed(p: &SearchParams, change: impl FnOnce(&mut SearchParams)) -> String {
    let mut next = p.clone();
    next.page = None;
    change(&mut next);
    url(&next)
}

impl SearchPage {
    fn new(page: Page, params: &SearchParams, sort: Sort) -> Self {
        let hidden = Field::ALL
            .into_iter()
            .filter_map(|f| f.get(params).map(|v| (f.param(), v.to_string())))
            .chain((sort == Sort::Newest).then(|| ("sort", "newest".to_string())))
            .collect();
        let sorts = [(Sort::Relevance, "relevance", "search.sort_relevance"), (Sort::Newest, "newest", "search.sort_newest")]
            .into_iter()
            .map(|(s, value, key)| Link {
                label: page.t(key).to_string(),
                url: changed(params, |p| p.sort = Some(value.to_string())),
                current: s == sort,
                count: 0,
            })
            .collect();
        Self {
            q: given(&params.q).unwrap_or("").to_string(),
            hidden,
            asked: false,
            error: None,
            found: String::new(),
            relaxed: None,
            building: None,
            guidance: Vec::new(),
            no_results: String::new(),
            hits: Vec::new(),
            facets: Vec::new(),
            active: Vec::new(),
            sorts,
            pages: Pagination::new(None, PER_PAGE as i64, 0),
            prev_url: None,
            next_url: None,
            page,
        }
    }

    fn show(&mut self, params: &SearchParams, results: SearchResults, pages: Pagination, names: &Names) {
        self.asked = true;
        self.found = self.page.count("phone.plural.results", &(results.total as i64));
        self.relaxed = results.relaxed.then(|| self.page.msg(&Msg::new("search.relaxed").arg("q", &self.q)));
        self.no_results = if self.q.is_empty() {
            self.page.t("search.no_results_filtered").to_string()
        } else {
            self.page.msg(&Msg::new("search.no_results").arg("q", &self.q))
        };
        self.active = Field::ALL
            .into_iter()
            .filter_map(|f| {
                let value = f.get(params)?;
                let label = format!("{}: {}", self.page.t(f.heading_key()), self.label(f, value, names));
                Some(Link { label, url: changed(params, |p| *f.slot(p) = None), current: true, count: 0 })
            })
            .collect();
        self.facets = Field::ALL
            .into_iter()
            .map(|f| FacetGroup { heading: self.page.t(f.heading_key()).to_string(), links: self.facet_links(f, params, &results, names) })
            .filter(|g| !g.links.is_empty())
            .collect();
        self.hits = results.hits.into_iter().map(|h| self.hit(h, names)).collect();
        let page_url = |n: i64| {
            let mut p = params.clone();
            p.page = Some(n.to_string());
            url(&p)
        };
        self.prev_url = pages.has_prev().then(|| page_url(pages.page - 1));
        self.next_url = pages.has_next().then(|| page_url(pages.page + 1));
        self.pages = pages;
    }

    /// Each value links to the search narrowed to it; the chosen one links back out.
    fn facet_links(&self, f: Field, params: &SearchParams, results: &SearchResults, names: &Names) -> Vec<Link> {
        f.facet(results)
            .iter()
            .map(|c| {
                let current = f.get(params) == Some(c.value.as_str());
                let value = (!current).then(|| c.value.clone());
                Link { label: self.label(f, &c.value, names), url: changed(params, |p| *f.slot(p) = value), current, count: c.count }
            })
            .collect()
    }

    /// A filter value as a reader knows it: names rather than slugs and codes.
    fn label(&self, f: Field, value: &str, names: &Names) -> String {
        match f {
            Field::Category => names.categories.iter().find(|c| c.slug == value).map_or(value, |c| c.name(&self.page.lang)).to_string(),
            Field::Kind => TopicKind::parse(value).map_or(value, |k| self.page.t(k.label_key())).to_string(),
            Field::Province => provinces::resolve(value).map_or(value, |p| p.name).to_string(),
            Field::Tag => format!("#{}", names.tags.get(value).map_or(value, String::as_str)),
            Field::Year => value.to_string(),
        }
    }

    fn hit(&self, h: Hit, names: &Names) -> HitView {
        let at = DateTime::from_timestamp(h.created_at, 0).unwrap_or_default();
        HitView {
            url: format!("/t/{}", h.topic_id),
            title: h.title,
            snippet_html: h.snippet_html,
            kind_label: self.label(Field::Kind, &h.kind, names),
            category_name: self.label(Field::Category, &h.category, names),
            category_url: format!("/c/{}", h.category),
            kind: h.kind,
            date: self.page.date(&at),
            datetime: at.to_rfc3339(),
        }
    }
}
