//! Every request: an id (taken from a sane incoming `x-request-id` or made here, sent back on
//! every answer), one access-log line at INFO, and its count and latency in `/metrics`.
//!
//! The access line holds the method, the route *pattern* (`/t/{id}`), the status, the latency and
//! the id: never the path as sent, its query string, cookies, addresses or bodies. Paths and
//! queries carry search words, handles and emails; the pattern says what an operator needs.
//! Switch the lines off with `RUST_LOG=info,goodpractice::access=off`.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

use crate::app::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest incoming id kept (tracing systems use 16–40 characters).
const MAX_ID_LEN: usize = 64;

/// The route label of a request no route matched (a 404): its path is not logged.
pub const UNMATCHED: &str = "unmatched";

/// Middleware (outermost): gives the request an id, runs it inside a span carrying the id (so
/// whatever the handlers log names it), then logs one access line and records the metrics.
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request_id(req.headers());
    let method = method_label(req.method());
    let route = req.extensions().get::<MatchedPath>().map_or(UNMATCHED, |m| m.as_str()).to_owned();
    let span = tracing::info_span!("request", id = %id);
    let mut response = next.run(req).instrument(span).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics().record(method, &route, status, elapsed);
    let ms = (elapsed.as_secs_f64() * 10_000.0).round() / 10.0;
    tracing::info!(target: "goodpractice::access", method, route, status, ms, request_id = %id, "request");
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// The incoming `x-request-id` when it is one short run of visible ASCII (no spaces, quotes or
/// backslashes that would break a log line); otherwise a fresh random one.
pub fn request_id(headers: &HeaderMap) -> String {
    let mut incoming = headers.get_all(&REQUEST_ID).iter();
    match (incoming.next(), incoming.next()) {
        (Some(value), None) if is_sane_id(value.as_bytes()) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
        _ => hex::encode(rand::random::<[u8; 16]>()),
    }
}

fn is_sane_id(id: &[u8]) -> bool {
    (1..=MAX_ID_LEN).contains(&id.len()) && id.iter().all(|&b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// The method as a label: the common ones by name, anything else as `OTHER`, so a client
/// inventing methods cannot add series to `/metrics`.
pub fn method_label(method: &Method) -> &'static str {
    const KNOWN: [Method; 7] = [Method::GET, Method::HEAD, Method::POST, Method::PUT, Method::PATCH, Method::DELETE, Method::OPTIONS];
    KNOWN.iter().find(|m| *m == method).map_or("OTHER", Method::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_id(values: &[&[u8]]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append(REQUEST_ID, HeaderValue::from_bytes(v).unwrap());
        }
        headers
    }

    fn is_generated(id: &str) -> bool {
        id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
    }

    #[test]
    fn a_sane_incoming_id_is_kept() {
        for id in ["abc-123", "Root=1-5759e988-bd862e3fe1be46a9", "0f8fad5b-d9cb-469f-a165-70867728950e", &"x".repeat(MAX_ID_LEN)] {
            assert_eq!(request_id(&with_id(&[id.as_bytes()])), id);
        }
    }

    #[test]
    fn a_missing_or_hostile_id_is_replaced() {
        let long = "x".repeat(MAX_ID_LEN + 1);
        let cases: [&[&[u8]]; 7] = [&[], &[b""], &[long.as_bytes()], &[b"a b"], &[b"a\tb"], &[b"say\"hi\""], &[b"one", b"two"]];
        for case in cases {
            let id = request_id(&with_id(case));
            assert!(is_generated(&id), "{case:?} gave {id:?}");
        }
        assert!(is_generated(&request_id(&with_id(&["bệnh-nhân".as_bytes()]))), "non-ASCII is replaced");
        assert_ne!(request_id(&HeaderMap::new()), request_id(&HeaderMap::new()), "each request gets its own");
    }

    #[test]
    fn invented_methods_share_one_label() {
        assert_eq!(method_label(&Method::POST), "POST");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "OTHER");
    }
}
