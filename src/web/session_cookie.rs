//! The session cookie as the shell needs it: its name, the CSRF token bound to it, and the
//! random tokens both are made of. Sessions themselves (sign-in, look-up, sign-out) are
//! `accounts::session`'s.

use axum_extra::extract::CookieJar;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::viewer::Viewer;

pub const COOKIE: &str = "gp_session";

/// The hex SHA-256 of a token: what is stored of session, API and one-time tokens.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes, URL-safe base64.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The CSRF token of a signed-in browser, derived from its session token. Only that browser
/// holds the session token (an HttpOnly cookie, stored here only as a hash), so a `gp_csrf`
/// cookie planted by someone else never matches, and each sign-in brings a new token.
pub fn csrf_token_for(session_token: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(format!("csrf:{session_token}").as_bytes()))
}

/// The session token a signed-in request carries (`None` when signed out or expired).
pub fn signed_in_session_token(req_headers: &axum::http::HeaderMap, viewer: Option<&Viewer>) -> Option<String> {
    if !matches!(viewer, Some(Viewer::SignedIn(_))) {
        return None;
    }
    CookieJar::from_headers(req_headers).get(COOKIE).map(|c| c.value().to_string())
}
