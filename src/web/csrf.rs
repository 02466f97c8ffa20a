//! CSRF protection for every HTML form: a random token in an HttpOnly, SameSite cookie that each
//! form repeats in a hidden `csrf` field (double submit). A cross-site page can make the browser
//! send the cookie but cannot read it, so it cannot fill in the field.

use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::{AppError, Msg};

pub const COOKIE: &str = "gp_csrf";

/// The token of this browser, for forms on the page being rendered.
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// Gives every browser a token cookie the first time it asks for a page.
pub async fn ensure_token(
    axum::extract::State(state): axum::extract::State<AppState>,
    jar: CookieJar,
    mut req: Request,
    next: Next,
) -> Response {
    if crate::is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let existing = jar.get(COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() >= 32);
    let token = existing.clone().unwrap_or_else(crate::accounts::session::random_token);
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let response = next.run(req).await;
    if existing.is_some() {
        return response;
    }
    let cookie = Cookie::build((COOKIE, token))
        .path("/")
        .http_only(true)
        .secure(state.config().secure_cookies)
        .same_site(SameSite::Lax)
        .permanent()
        .build();
    (CookieJar::new().add(cookie), response).into_response()
}

use axum::response::IntoResponse;

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
        let jar = CookieJar::from_headers(req.headers());
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::BadRequest(Msg::new("error.body_too_large")))?;
        if !percent_decoded_is_utf8(&bytes) {
            return Err(AppError::bad("error.invalid_utf8"));
        }
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::bad("error.form_invalid"))?;
        let expected = jar.get(COOKIE).map(|c| c.value().to_string()).unwrap_or_default();
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
    body.split(|b| *b == b'&')
        .flat_map(|pair| pair.split(|b| *b == b'='))
        .all(|part| {
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
