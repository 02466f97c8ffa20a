//! Request and response rules that hold for every route, pages and API alike:
//!
//! - text in the address (path and query) must be UTF-8 without NUL or other control characters:
//!   a 400 that says so, before any handler or database sees it (PostgreSQL refuses NUL in text,
//!   which would otherwise surface as a 500 deep inside a query);
//! - everything personal (a request carrying a session cookie or a bearer token, or an answer
//!   that signs someone in) is `Cache-Control: private, no-store` with `Vary: Cookie`, so no
//!   shared cache or back button keeps one member's page for another. Anonymous answers are left
//!   to their handlers (and the anonymous page cache);
//! - `Strict-Transport-Security` when the site is served over HTTPS (`secure_cookies`).

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, COOKIE, SET_COOKIE, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::app::AppState;
use crate::error::AppError;

/// One year, the value browsers' preload lists expect as a minimum.
pub const HSTS: &str = "max-age=31536000";
pub const PRIVATE: &str = "private, no-store";

/// Middleware: refuses an address whose path or query decodes to invalid text.
pub async fn reject_invalid_text(req: Request, next: Next) -> Response {
    let path_ok = is_clean_text(req.uri().path().as_bytes(), false);
    let query_ok = req.uri().query().is_none_or(|q| is_clean_text(q.as_bytes(), true));
    if !(path_ok && query_ok) {
        return AppError::Rejected(axum::http::StatusCode::BAD_REQUEST, crate::error::Msg::new("error.invalid_address_text"))
            .into_response();
    }
    next.run(req).await
}

/// Whether `raw` (percent-encoded; in a query `+` is a space) decodes to UTF-8 with no NUL and no
/// control characters. A query may hold tabs and line breaks (a pasted search); a path may not.
fn is_clean_text(raw: &[u8], in_query: bool) -> bool {
    let decoded: Vec<u8> = percent_encoding::percent_decode(raw).collect();
    let Ok(text) = std::str::from_utf8(&decoded) else { return false };
    text.chars().all(|c| !c.is_control() || (in_query && matches!(c, '\t' | '\n' | '\r')))
}

/// Middleware: the caching and transport headers described above.
pub async fn personal_and_transport_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let personal_request = carries_credentials(req.headers()) && !is_public_asset(req.uri().path());
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    if personal_request || signs_in(headers) {
        mark_private(headers);
    }
    if state.config().secure_cookies {
        headers.insert(axum::http::header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    response
}

/// `Cache-Control: private, no-store` (unless the handler already said `no-store`, which no cache
/// may keep either) and `Vary: Cookie` (added to any `Vary` already there).
pub fn mark_private(headers: &mut HeaderMap) {
    let no_store = headers.get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("no-store"));
    if !no_store {
        headers.insert(CACHE_CONTROL, HeaderValue::from_static(PRIVATE));
    }
    let varies_by_cookie =
        headers.get_all(VARY).iter().any(|v| v.to_str().is_ok_and(|v| v.split(',').any(|h| h.trim().eq_ignore_ascii_case("cookie"))));
    if !varies_by_cookie {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}

/// A bearer token, or a session cookie (even an expired one: the answer may still differ).
fn carries_credentials(headers: &HeaderMap) -> bool {
    if headers.contains_key(AUTHORIZATION) {
        return true;
    }
    let session = format!("{}=", crate::web::session_cookie::COOKIE);
    headers.get_all(COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| v.split(';').any(|c| c.trim_start().starts_with(&session))))
}

/// The stylesheet and icons are the same for everyone and may be cached as their handlers say.
fn is_public_asset(path: &str) -> bool {
    path.starts_with("/static/") || path == "/favicon.ico"
}

/// An answer that starts a session (its cookie must never sit in a shared cache).
fn signs_in(headers: &HeaderMap) -> bool {
    let session = format!("{}=", crate::web::session_cookie::COOKIE);
    headers.get_all(SET_COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| v.starts_with(&session)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_controls_and_invalid_utf8_are_not_clean_text() {
        for bad in ["/criteria/a%00b", "/tag/a%01b", "/x/%FF", "/x/%C3", "/t/a%0Ab"] {
            assert!(!is_clean_text(bad.as_bytes(), false), "{bad}");
        }
        assert!(!is_clean_text(b"q=x&tag=a%00b", true));
        assert!(!is_clean_text(b"q=%E1%BB", true));
    }

    #[test]
    fn vietnamese_with_or_without_diacritics_is_clean_text() {
        assert!(is_clean_text("/tag/kiểm tra chéo".as_bytes(), false));
        assert!(is_clean_text(b"/tag/ki%E1%BB%83m-tra", false));
        assert!(is_clean_text(b"q=nguoi+benh&tag=te-nga", true));
        assert!(is_clean_text(b"q=d%C3%B2ng%0Athu%E1%BB%91c%09x", true), "a pasted line break in a search");
    }
}
