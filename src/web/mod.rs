//! The page shell shared by features: the `Page` context every template gets, language choice,
//! CSRF, error pages and static files. It knows no feature.

pub mod atom;
pub mod client_address;
pub mod csrf;
mod error_pages;
pub mod extras;
pub mod hardening;
pub mod i18n;
mod localized;
pub mod markdown;
pub mod page_cache;
mod refused_form;
mod sanction;
pub mod session_cookie;
pub mod upload_limit;
pub mod viewer;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, FixedOffset, Utc};

use crate::app::AppState;
use crate::error::Msg;
use crate::store::User;
pub use csrf::{CsrfForm, CsrfToken, NoFields};
pub use error_pages::{generic_message, render_error_pages};
pub use i18n::Lang;
pub use localized::Localized;
pub use sanction::sanction_message;
pub use viewer::{RequireUser, Viewer};

pub const LANG_COOKIE: &str = "gp_lang";

/// What every page needs: language, signed-in user, CSRF token and where we are.
pub struct Page {
    pub lang: Lang,
    pub viewer: Option<User>,
    pub csrf: String,
    /// Path and query of this request, for the language switch and "sign in to reply" links.
    pub here: String,
    /// The signed-in reader's unread notifications, for the header.
    pub unread: i64,
    state: AppState,
}

impl Page {
    /// The message for `key` in this page's language.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.state.catalogs().get(self.lang, key)
    }

    /// "1 reply" / "2 replies": the plural form of `key` for `n` in this page's language.
    pub fn count(&self, key: &str, n: &i64) -> String {
        self.state.catalogs().plural(self.lang, key, *n)
    }

    pub fn msg(&self, msg: &Msg) -> String {
        self.state.catalogs().format(self.lang, msg)
    }

    /// Date and time in Vietnam (UTC+7), day first as Vietnamese readers expect.
    pub fn datetime(&self, at: &DateTime<Utc>) -> String {
        let vietnam = FixedOffset::east_opt(7 * 3600).expect("valid offset");
        at.with_timezone(&vietnam).format("%d/%m/%Y %H:%M").to_string()
    }

    pub fn date(&self, at: &DateTime<Utc>) -> String {
        let vietnam = FixedOffset::east_opt(7 * 3600).expect("valid offset");
        at.with_timezone(&vietnam).format("%d/%m/%Y").to_string()
    }

    pub fn other_lang(&self) -> Lang {
        if self.lang == Lang::Vi { Lang::En } else { Lang::Vi }
    }

    pub fn is_signed_in(&self) -> bool {
        self.viewer.is_some()
    }

    pub fn viewer_name(&self) -> &str {
        self.viewer.as_ref().map(|u| u.display_name.as_str()).unwrap_or("")
    }

    pub fn viewer_id(&self) -> i64 {
        self.viewer.as_ref().map(|u| u.id).unwrap_or(0)
    }

    /// `here`, URL-encoded, for `?next=` parameters.
    pub fn here_encoded(&self) -> String {
        url::form_urlencoded::byte_serialize(self.here.as_bytes()).collect()
    }
}

pub fn lang_of(jar: &CookieJar) -> Lang {
    jar.get(LANG_COOKIE).and_then(|c| Lang::parse(c.value())).unwrap_or_default()
}

impl Page {
    /// The page context of a request without the unread count (a query): for the error pages'
    /// middleware, which needs it only when a request fails.
    pub(crate) fn uncounted(parts: &Parts, state: &AppState) -> Page {
        let jar = CookieJar::from_headers(&parts.headers);
        let viewer = parts.extensions.get::<Viewer>().and_then(|v| v.user().cloned());
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let here = parts.uri.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/".into());
        Page { lang: lang_of(&jar), viewer, csrf, here, unread: 0, state: state.clone() }
    }
}

impl FromRequestParts<AppState> for Page {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let mut page = Page::uncounted(parts, state);
        // A failed count only hides the badge; the page itself still renders.
        if let Some(user) = &page.viewer {
            page.unread = state.store().unread_count(user.id).await.unwrap_or(0);
        }
        Ok(page)
    }
}

/// Answers a failed form submission with the form again (the reader's input kept, the problem
/// stated) and the error's status; internal errors go to the error page instead.
pub fn refill(err: crate::error::AppError, form_page: impl IntoResponse) -> crate::error::AppResult<Response> {
    match err {
        crate::error::AppError::Internal(_) => Err(err),
        _ => Ok((err.status(), form_page).into_response()),
    }
}

/// Only same-site paths are followed after sign-in or a language switch (no open redirects).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

#[derive(serde::Deserialize)]
struct NextParam {
    next: Option<String>,
}

/// `GET /lang/{code}?next=…` sets the language cookie; a plain link, so it works without JavaScript.
async fn switch_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::Path(code): axum::extract::Path<String>,
    Query(q): Query<NextParam>,
    jar: CookieJar,
) -> Response {
    let lang = Lang::parse(&code).unwrap_or_default();
    let cookie = Cookie::build((LANG_COOKIE, lang.code()))
        .path("/")
        .same_site(SameSite::Lax)
        .secure(state.config().secure_cookies)
        .permanent()
        .build();
    (jar.add(cookie), Redirect::to(&safe_next(q.next.as_deref()))).into_response()
}

async fn stylesheet() -> Response {
    static_asset("text/css; charset=utf-8", include_str!("../../web/static/style.css"))
}

/// The site's icon, from our own origin (`img-src 'self'`); browsers keep it a day.
async fn favicon() -> Response {
    static_asset("image/svg+xml", include_str!("../../web/static/favicon.svg"))
}

/// Browsers that ignore the SVG icon ask for `/favicon.ico`: an empty answer they may cache,
/// rather than an error page on every first visit.
async fn no_ico() -> Response {
    (StatusCode::NO_CONTENT, [(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400"))]).into_response()
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=86400")),
        ],
        body,
    )
        .into_response()
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/lang/{code}", get(switch_language))
        .route("/static/style.css", get(stylesheet))
        .route("/static/favicon.svg", get(favicon))
        .route("/favicon.ico", get(no_ico))
}

/// Page numbers for lists: `?page=N`, 1-based, clamped to what exists.
#[derive(Debug, Clone, Copy)]
pub struct Pagination {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl Pagination {
    pub fn new(requested: Option<i64>, per_page: i64, total: i64) -> Self {
        let last = ((total + per_page - 1) / per_page).max(1);
        let page = requested.unwrap_or(1).clamp(1, last);
        Self { page, per_page, total }
    }

    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }

    pub fn last_page(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }

    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    pub fn has_next(&self) -> bool {
        self.page < self.last_page()
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PageParam {
    pub page: Option<String>,
}

impl PageParam {
    /// A page number; anything that is not a positive number means the first page.
    pub fn number(&self) -> Option<i64> {
        self.page.as_deref().and_then(|p| p.parse().ok())
    }
}

/// A `before` that is not a key: 400, as for any malformed address.
pub fn bad_cursor() -> crate::error::AppError {
    crate::error::AppError::Rejected(StatusCode::BAD_REQUEST, crate::error::Msg::new("error.bad_cursor"))
}

/// `?before=`: the key (an id) a page of a keyset-paged list starts below.
#[derive(serde::Deserialize, Default)]
pub struct BeforeParam {
    pub before: Option<String>,
}

impl BeforeParam {
    /// `None` for the first page; a key that is not a positive whole number is a 400 that says so.
    pub fn cursor(&self) -> Result<Option<i64>, crate::error::AppError> {
        match self.before.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => raw.parse::<i64>().ok().filter(|n| *n > 0).map(Some).ok_or_else(bad_cursor),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(safe_next(Some("/t/5")), "/t/5");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn pages_are_clamped_to_what_exists() {
        let p = Pagination::new(Some(99), 20, 45);
        assert_eq!((p.page, p.last_page(), p.offset()), (3, 3, 40));
        assert_eq!(Pagination::new(Some(-2), 20, 0).page, 1);
    }
}
