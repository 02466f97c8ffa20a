//! Search logic shared by the page and the API: reading the parameters into a
//! `SearchRequest`, running it off the async workers, and turning query errors into messages.

use axum::http::StatusCode;
use chrono::NaiveDate;
use search_index::query::QueryError;
use search_index::{SearchError, SearchRequest, SearchResults, Sort};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::accounts::provinces;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::forum::TopicKind;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = search_index::MAX_LIMIT;
/// Longest query text accepted (characters): far more than anyone types, it keeps a pasted
/// document from being analysed on every request, and it leaves the index's own limit room for
/// the operators a year filter adds.
const MAX_QUERY_CHARS: usize = 500;
/// How deep results can be paged; ranking deeper costs memory and nobody reads that far.
const MAX_DEPTH: usize = 10_000;

/// A search as sent in the query string. Everything is text so that a bad value gets our own
/// message instead of the framework's.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, "phrases", -exclusions and operators: `category:`, `tag:`, `kind:`, `province:`,
    /// `author:`, `guidance:43/2018/TT-BYT`, `before:`/`after:` (YYYY-MM-DD), `in:title`.
    pub q: Option<String>,
    /// Category slug.
    pub category: Option<String>,
    /// Tag slug.
    pub tag: Option<String>,
    /// discussion, question, good_practice or case_study.
    pub kind: Option<String>,
    /// Province code (e.g. 01) or name.
    pub province: Option<String>,
    /// Year of publication, e.g. 2025.
    #[param(value_type = Option<i32>)]
    pub year: Option<String>,
    /// relevance (default) or newest.
    pub sort: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<u32>)]
    pub page: Option<String>,
    /// Hits per page, 1–100 (default 20).
    #[param(value_type = Option<u32>)]
    pub limit: Option<String>,
}

/// A parameter as given: trimmed, and absent when empty.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: usize,
    pub limit: usize,
}

impl Paging {
    /// The API reports a bad page or limit.
    pub fn strict(p: &SearchParams) -> AppResult<Paging> {
        let limit = match given(&p.limit) {
            None => DEFAULT_LIMIT,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=MAX_LIMIT).contains(n))
                .ok_or_else(|| AppError::BadRequest(Msg::new("search.error.bad_limit").arg("max", MAX_LIMIT)))?,
        };
        let max_page = MAX_DEPTH / limit;
        let page = match given(&p.page) {
            None => 1,
            Some(raw) => raw
                .parse()
                .ok()
                .filter(|n| (1..=max_page).contains(n))
                .ok_or_else(|| AppError::BadRequest(Msg::new("search.error.bad_page").arg("max", max_page)))?,
        };
        Ok(Paging { page, limit })
    }

    /// Pages forgive: anything that is not a usable page number means the first page.
    pub fn lenient(p: &SearchParams, limit: usize) -> Paging {
        let page = given(&p.page).and_then(|raw| raw.parse().ok()).unwrap_or(1).clamp(1, MAX_DEPTH / limit);
        Paging { page, limit }
    }
}

pub fn parse_sort(p: &SearchParams) -> AppResult<Sort> {
    match given(&p.sort) {
        None | Some("relevance") => Ok(Sort::Relevance),
        Some("newest") => Ok(Sort::Newest),
        Some(_) => Err(AppError::bad("search.error.bad_sort")),
    }
}

/// The request to run, or `None` when nothing was asked (no words, no filter).
pub fn request(p: &SearchParams, sort: Sort, paging: Paging) -> AppResult<Option<SearchRequest>> {
    let mut query = given(&p.q).unwrap_or("").to_string();
    if query.chars().count() > MAX_QUERY_CHARS {
        return Err(AppError::BadRequest(Msg::new("search.error.query_too_long").arg("max", MAX_QUERY_CHARS)));
    }
    let kind = match given(&p.kind) {
        Some(kind) if TopicKind::parse(kind).is_none() => {
            return Err(AppError::BadRequest(Msg::new("search.error.unknown_kind").arg("value", kind)));
        }
        kind => kind.map(str::to_string),
    };
    if let Some(year) = given(&p.year) {
        query.push_str(&year_operators(year)?);
    }
    // A code, or a province typed by name with or without diacritics.
    let province = given(&p.province).map(|v| provinces::resolve(v).map_or(v, |p| p.code).to_string());
    let request = SearchRequest {
        query,
        category: given(&p.category).map(str::to_string),
        tag: given(&p.tag).map(str::to_string),
        kind,
        province,
        sort,
        offset: (paging.page - 1) * paging.limit,
        limit: paging.limit,
    };
    let asked = !request.query.trim().is_empty()
        || request.category.is_some()
        || request.tag.is_some()
        || request.kind.is_some()
        || request.province.is_some();
    Ok(asked.then_some(request))
}

/// A year filter becomes the query language's own date operators: `after:` includes its day,
/// `before:` excludes its day, both in Vietnam time, like the year facet.
fn year_operators(year: &str) -> AppResult<String> {
    let y: i32 = year
        .parse()
        .ok()
        .filter(|y| (1900..9999).contains(y))
        .ok_or_else(|| AppError::BadRequest(Msg::new("search.error.bad_year").arg("value", year)))?;
    Ok(format!(" after:{y}-01-01 before:{}-01-01", y + 1))
}

/// Runs a search on the index being served.
pub async fn search(state: &AppState, request: SearchRequest) -> AppResult<SearchResults> {
    let Some(index) = state.search().index() else {
        // The first moments after start-up, before the indexer has opened the index: no results
        // yet, and the page says so (`building`); not an error to log or to retry at once.
        if state.search().building().is_some() {
            return Ok(SearchResults::default());
        }
        return Err(AppError::Rejected(StatusCode::SERVICE_UNAVAILABLE, Msg::new("search.error.unavailable")));
    };
    let query = request.query.clone();
    let outcome = tokio::task::spawn_blocking(move || index.search(&request))
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("the search task failed: {err}")))?;
    outcome.map_err(|err| match err {
        SearchError::Query(err) => AppError::BadRequest(explain(&err, &query)),
        other => AppError::Internal(anyhow::Error::new(other).context("search failed")),
    })
}

/// The reader's message for a query the index refused, naming the part of the query at fault.
fn explain(err: &QueryError, query: &str) -> Msg {
    let culprit = |operators: &[&str], bad: fn(&str) -> bool| {
        operator_values(query, operators).find(|v| bad(v)).map_or_else(|| err.message.clone(), str::to_string)
    };
    match err.code {
        "query_too_long" => Msg::new("search.error.query_too_long").arg("max", MAX_QUERY_CHARS),
        "bad_date" => Msg::new("search.error.bad_date")
            .arg("value", culprit(&["before", "after"], |v| NaiveDate::parse_from_str(v, "%Y-%m-%d").is_err())),
        "unknown_kind" => Msg::new("search.error.unknown_kind").arg("value", culprit(&["kind"], |v| TopicKind::parse(v).is_none())),
        _ => Msg::new("search.error.invalid").arg("detail", &err.message),
    }
}

/// Values of `operator:value` words in a query, e.g. the dates of `before:` and `after:`.
fn operator_values<'a>(query: &'a str, operators: &'a [&str]) -> impl Iterator<Item = &'a str> + 'a {
    query.split_whitespace().filter_map(move |word| {
        let (name, value) = word.split_once(':')?;
        let name = name.trim_start_matches('-');
        operators.iter().any(|op| op.eq_ignore_ascii_case(name)).then(|| value.trim_matches('"'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> SearchParams {
        let query = serde_urlencoded::to_string(pairs).unwrap();
        serde_urlencoded::from_str(&query).unwrap()
    }

    #[test]
    fn nothing_asked_means_no_search() {
        let p = params(&[("q", "   ")]);
        assert!(request(&p, Sort::Relevance, Paging { page: 1, limit: 20 }).unwrap().is_none());
        let p = params(&[("category", "fall-prevention")]);
        assert!(request(&p, Sort::Relevance, Paging { page: 1, limit: 20 }).unwrap().is_some());
    }

    #[test]
    fn paging_is_checked_for_the_api_and_forgiven_on_pages() {
        assert_eq!(Paging::strict(&params(&[])).unwrap(), Paging { page: 1, limit: 20 });
        assert_eq!(Paging::strict(&params(&[("page", "3"), ("limit", "100")])).unwrap(), Paging { page: 3, limit: 100 });
        for bad in [("page", "0"), ("page", "x"), ("limit", "101"), ("limit", "0"), ("page", "99999999999999999999")] {
            let err = Paging::strict(&params(&[bad])).unwrap_err();
            assert_eq!(err.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
        }
        assert_eq!(Paging::lenient(&params(&[("page", "-4")]), 20).page, 1);
    }

    #[test]
    fn a_year_becomes_date_operators_and_a_province_name_its_code() {
        let p = params(&[("q", "té ngã"), ("year", "2024"), ("province", "Hà Nội")]);
        let r = request(&p, Sort::Newest, Paging { page: 2, limit: 10 }).unwrap().unwrap();
        assert_eq!(r.query, "té ngã after:2024-01-01 before:2025-01-01");
        assert_eq!((r.province.as_deref(), r.offset, r.limit), (Some("01"), 10, 10));
        assert!(request(&params(&[("year", "last")]), Sort::Relevance, Paging { page: 1, limit: 20 }).is_err());
    }

    #[test]
    fn an_unknown_kind_or_sort_is_refused() {
        let err = request(&params(&[("kind", "gossip")]), Sort::Relevance, Paging { page: 1, limit: 20 }).unwrap_err();
        assert_eq!(err.message().key, "search.error.unknown_kind");
        assert_eq!(parse_sort(&params(&[("sort", "oldest")])).unwrap_err().message().key, "search.error.bad_sort");
    }

    #[test]
    fn query_errors_name_the_offending_text() {
        let err = QueryError { code: "bad_date", message: "bad date".into() };
        let msg = explain(&err, "té ngã after:2024-01-01 before:2024-13-45");
        assert_eq!(msg.args, vec![("value", "2024-13-45".to_string())]);
        let err = QueryError { code: "something_new", message: "it is odd".into() };
        assert_eq!(explain(&err, "x").key, "search.error.invalid");
    }
}
