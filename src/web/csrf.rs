//! CSRF protection for every HTML form. Signed out, it is a double submit: a random token in an
//! HttpOnly, SameSite cookie that each form repeats in a hidden `csrf` field. Signed in, the token
//! is bound to the session (derived from the session token, `session_cookie::csrf_token_for`),
//! so it changes at every sign-in and a `gp_csrf` cookie planted by someone else (a sibling
//! subdomain, a network on plain HTTP) is worth nothing. Forms a browser says come from another
//! site (`Sec-Fetch-Site: cross-site` or `same-site`) are refused whatever their token.

use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_TYPE, SET_COOKIE};
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::{AppError, Msg};
use crate::web::Viewer;
use crate::web::session_cookie::{csrf_token_for, random_token, signed_in_session_token};

pub const COOKIE: &str = "gp_csrf";

/// The token of this browser, for forms on the page being rendered.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// The `gp_csrf` cookie holding `token`.
pub fn cookie(state: &AppState, token: String) -> Cookie<'static> {
    Cookie::build((COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.config().secure_cookies)
        .same_site(SameSite::Lax)
        .permanent()
        .build()
}

/// The token forms must carry: the session's for a signed-in browser, else its cookie's.
fn expected_token(headers: &HeaderMap, viewer: Option<&Viewer>) -> Option<String> {
    if let Some(session) = signed_in_session_token(headers, viewer) {
        return Some(csrf_token_for(&session));
    }
    CookieJar::from_headers(headers).get(COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() >= 32)
}

/// Gives every browser its token for the page's forms, and keeps the `gp_csrf` cookie equal to
/// it (a signed-in browser whose cookie was replaced gets the session's token back).
pub async fn ensure_token(
    axum::extract::State(state): axum::extract::State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    if crate::is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let in_cookie = jar.get(COOKIE).map(|c| c.value().to_string());
    let token = expected_token(req.headers(), req.extensions().get::<Viewer>()).unwrap_or_else(random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let response = next.run(req).await;
    if in_cookie.as_deref() == Some(token.as_str()) || sets_csrf_cookie(&response) {
        return response;
    }
    (CookieJar::new().add(cookie(&state, token)), response).into_response()
}

/// Whether the handler already set the cookie (signing in or out), which then stands.
fn sets_csrf_cookie(response: &Response) -> bool {
    let prefix = format!("{COOKIE}=");
    response.headers().get_all(SET_COOKIE).iter().any(|v| v.to_str().is_ok_and(|v| v.starts_with(&prefix)))
}

/// A browser that says the form comes from another site (`Sec-Fetch-Site`, which pages cannot
/// forge). Absent (older browsers, other clients): the token alone decides.
fn from_another_site(headers: &HeaderMap) -> bool {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("");
    site.eq_ignore_ascii_case("cross-site") || site.eq_ignore_ascii_case("same-site")
}

use axum::response::IntoResponse;

/// The fields of a form that is only a button: `CsrfForm<NoFields>` checks its token.
#[derive(serde::Deserialize)]
pub struct NoFields {}

/// A URL-encoded form whose `csrf` field matches the browser's token, decoded into `T`.
/// Invalid UTF-8 is refused rather than silently replaced.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let is_form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(AppError::BadRequest(Msg::new("error.form_content_type")));
        }
        let expected = expected_token(req.headers(), req.extensions().get::<Viewer>()).unwrap_or_default();
        if from_another_site(req.headers()) {
            return Err(AppError::Forbidden(Msg::new("error.csrf")));
        }
        let bytes =
            axum::body::Bytes::from_request(req, state).await.map_err(|_| AppError::BadRequest(Msg::new("error.body_too_large")))?;
        if !percent_decoded_is_utf8(&bytes) {
            return Err(AppError::bad("error.invalid_utf8"));
        }
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::bad("error.form_invalid"))?;
        let matches = !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(field.csrf.as_bytes()));
        if !matches {
            return Err(AppError::Forbidden(Msg::new("error.csrf")));
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::bad("error.form_invalid"))?;
        Ok(CsrfForm(form))
    }
}

/// True when every key and value of a URL-encoded body decodes to valid UTF-8.
fn percent_decoded_is_utf8(body: &[u8]) -> bool {
    body.split(|b| *b == b'&').flat_map(|pair| pair.split(|b| *b == b'=')).all(|part| {
        let decoded: Vec<u8> = percent_encoding::percent_decode(part).collect();
        std::str::from_utf8(&decoded).is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::percent_decoded_is_utf8;

    #[test]
    fn invalid_utf8_in_a_form_is_detected() {
        assert!(percent_decoded_is_utf8(b"title=Ng%C6%B0%E1%BB%9Di+b%E1%BB%87nh&csrf=x"));
        assert!(!percent_decoded_is_utf8(b"title=%FF%FE&csrf=x"));
    }
}
