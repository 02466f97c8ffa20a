//! Rendered pages for signed-out readers, kept in memory (`page_cache_mb`), with `ETag`,
//! `Last-Modified` and `304 Not Modified`.
//!
//! What is cached: a `GET` of the home page, a category, a topic, a tag or a guidance document
//! by a reader with no session (no session cookie, no `Authorization`, no cookie but the CSRF
//! and language ones), answered `200` HTML with no `Set-Cookie` and nothing private. The key is
//! the language and the path with its query.
//!
//! The CSRF token: a signed-out page may hold a form with the reader's own double-submit token.
//! A page is kept with the token replaced by a placeholder and each reader gets their own token
//! put back, so nobody ever receives another reader's token (which would let a site forge their
//! forms). Pages with no token are also kept gzip-compressed, served as they are.
//!
//! Invalidation through the change log: every write in this process (any request that is not
//! `GET`/`HEAD`/`OPTIONS` and not refused with a 4xx, except the private writes of
//! [`writes_only_private_things`]) empties the cache once it has answered, so the next request after a
//! hide never sees the hidden post; a task follows the change log (`search_changes`) every
//! second for writes made by other processes (imports, other servers). A page rendered while a
//! write was under way is stored under the old generation and never served.

use std::collections::{HashMap, VecDeque};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::CookieJar;
use chrono::{DateTime, SubsecRound, Utc};

use crate::app::AppState;
use crate::web::Viewer;
use crate::web::csrf::{COOKIE as CSRF_COOKIE, CsrfToken};

/// Stands for the reader's CSRF token in a kept page (NUL never occurs in rendered text).
const TOKEN_SLOT: &str = "\u{0}csrf\u{0}";
/// A page larger than this share of the budget is not kept.
const LARGEST_SHARE: usize = 8;

/// One kept page.
struct Entry {
    generation: u64,
    /// The page with every occurrence of the token replaced by [`TOKEN_SLOT`].
    html: String,
    has_token: bool,
    /// The page gzip-compressed, for pages with no token.
    gzip: Option<Bytes>,
    headers: HeaderMap,
    hash: u64,
    modified: DateTime<Utc>,
}

impl Entry {
    fn size(&self, key: &str) -> usize {
        key.len() + self.html.len() + self.gzip.as_ref().map_or(0, Bytes::len) + 256
    }

    /// Weak, since the same page goes out gzip-compressed or not; a page with a token names it.
    fn etag(&self, token: &str) -> String {
        if self.has_token { format!("W/\"{:016x}-{:016x}\"", self.hash, hash_of(token)) } else { format!("W/\"{:016x}\"", self.hash) }
    }
}

fn hash_of(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

#[derive(Default)]
struct Pages {
    generation: u64,
    entries: HashMap<String, Arc<Entry>>,
    /// Keys in the order they were stored, for evicting the oldest first.
    order: VecDeque<String>,
    bytes: usize,
}

/// The cache, shared by every request of the process.
pub struct PageCache {
    budget: usize,
    pages: Mutex<Pages>,
}

impl PageCache {
    pub fn new(budget_bytes: usize) -> Self {
        Self { budget: budget_bytes, pages: Mutex::new(Pages::default()) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pages> {
        // A panic while holding the lock leaves plain data; the next user empties it to be safe.
        self.pages.lock().unwrap_or_else(|poisoned| {
            let mut pages = poisoned.into_inner();
            *pages = Pages { generation: pages.generation + 1, ..Pages::default() };
            pages
        })
    }

    /// Forgets every page: something changed.
    pub fn invalidate(&self) {
        let mut pages = self.lock();
        let generation = pages.generation + 1;
        *pages = Pages { generation, ..Pages::default() };
    }

    fn generation(&self) -> u64 {
        self.lock().generation
    }

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let pages = self.lock();
        pages.entries.get(key).filter(|e| e.generation == pages.generation).cloned()
    }

    /// Keeps a page rendered at `generation`, unless something changed since.
    fn insert(&self, key: String, entry: Arc<Entry>) {
        let size = entry.size(&key);
        if size > self.budget / LARGEST_SHARE {
            return;
        }
        let mut pages = self.lock();
        if entry.generation != pages.generation {
            return;
        }
        if let Some(old) = pages.entries.insert(key.clone(), entry) {
            pages.bytes -= old.size(&key);
        } else {
            pages.order.push_back(key);
        }
        pages.bytes += size;
        while pages.bytes > self.budget {
            let Some(oldest) = pages.order.pop_front() else {
                break;
            };
            if let Some(gone) = pages.entries.remove(&oldest) {
                pages.bytes -= gone.size(&oldest);
            }
        }
    }

    /// How many pages are kept (for tests and logs).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Writes that change nothing a signed-out reader's page shows: a draft saved as someone types
/// (every few seconds per writer), a preview, signing in and out, bookmarks, watching, one's own
/// notifications and security settings. Emptying the cache for each of them would empty it
/// all day on a busy forum. Anything not listed empties it (a profile's name shows on posts).
fn writes_only_private_things(path: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "/drafts",
        "/api/v1/drafts",
        "/preview",
        "/api/v1/preview",
        "/api/v1/uploads",
        "/login",
        "/logout",
        "/password/",
        "/api/v1/password/",
        "/signup",
        "/watch",
        "/api/v1/watches",
        "/notifications/read-all",
        "/api/v1/notifications",
        "/api/v1/notification-settings",
        "/settings/notifications",
        "/settings/password",
        "/settings/sessions/",
        "/settings/tokens/",
        "/api/v1/tokens",
        "/settings/two-factor/",
    ];
    let bookmark = path.ends_with("/bookmark") && ["/posts/", "/api/v1/posts/", "/api/v1/topics/"].iter().any(|p| path.starts_with(p));
    bookmark || PREFIXES.iter().any(|p| path.starts_with(p))
}

/// The key of a request whose answer may be kept, if it may.
fn cache_key(req: &Request) -> Option<String> {
    if req.method() != Method::GET || req.headers().contains_key(header::AUTHORIZATION) {
        return None;
    }
    if !matches!(req.extensions().get::<Viewer>(), Some(Viewer::Anonymous)) {
        return None;
    }
    let jar = CookieJar::from_headers(req.headers());
    if jar.iter().any(|c| c.name() != CSRF_COOKIE && c.name() != super::LANG_COOKIE) {
        return None;
    }
    let path = req.uri().path();
    let listed = path == "/" || ["/c/", "/t/", "/tag/", "/guidance/"].iter().any(|p| path.starts_with(p));
    if !listed || path.ends_with(".atom") {
        return None;
    }
    let target = req.uri().path_and_query().map_or(path, |p| p.as_str());
    Some(format!("{}|{target}", super::lang_of(&jar).code()))
}

/// Whether a handler's answer may be kept.
fn keepable(response: &Response) -> bool {
    let headers = response.headers();
    let html = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"));
    let private =
        headers.get(header::CACHE_CONTROL).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("private") || v.contains("no-store"));
    response.status() == StatusCode::OK
        && html
        && !private
        && !headers.contains_key(header::SET_COOKIE)
        && !headers.contains_key(header::CONTENT_ENCODING)
}

fn gzip(html: &str) -> Option<Bytes> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(html.len() / 4), flate2::Compression::default());
    encoder.write_all(html.as_bytes()).ok()?;
    encoder.finish().ok().map(Bytes::from)
}

/// A page as rendered for the reader holding `token`, ready to keep.
fn entry_of(generation: u64, body: &str, token: &str, mut headers: HeaderMap) -> Entry {
    let has_token = token.len() >= 16 && body.contains(token);
    let html = if has_token { body.replace(token, TOKEN_SLOT) } else { body.to_string() };
    let gzip = if has_token { None } else { gzip(&html) };
    headers.remove(header::CONTENT_LENGTH);
    Entry { generation, hash: hash_of(&html), html, has_token, gzip, headers, modified: Utc::now().trunc_subsecs(0) }
}

/// What the reader's browser already has (`If-None-Match`, `If-Modified-Since`).
struct Conditions {
    none_match: Option<String>,
    modified_since: Option<DateTime<Utc>>,
    gzip: bool,
}

impl Conditions {
    fn of(headers: &HeaderMap) -> Self {
        let text = |name| headers.get(name).and_then(|v: &HeaderValue| v.to_str().ok()).map(str::to_string);
        let modified_since =
            text(header::IF_MODIFIED_SINCE).and_then(|v| DateTime::parse_from_rfc2822(&v).ok()).map(|d| d.with_timezone(&Utc));
        let gzip = text(header::ACCEPT_ENCODING).is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
        Self { none_match: text(header::IF_NONE_MATCH), modified_since, gzip }
    }

    fn unchanged(&self, etag: &str, modified: DateTime<Utc>) -> bool {
        match &self.none_match {
            // The weak comparison of RFC 9110: W/ prefixes do not matter.
            Some(tags) => tags.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == etag.trim_start_matches("W/")),
            None => self.modified_since.is_some_and(|since| modified <= since),
        }
    }
}

/// The answer to one reader from a kept page.
fn respond(entry: &Entry, token: &str, conditions: &Conditions) -> Response {
    let etag = entry.etag(token);
    let last_modified = entry.modified.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    let mut response = if conditions.unchanged(&etag, entry.modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else if let (Some(gzip), true) = (&entry.gzip, conditions.gzip) {
        let mut response = (entry.headers.clone(), Body::from(gzip.clone())).into_response();
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else if entry.has_token {
        (entry.headers.clone(), Body::from(entry.html.replace(TOKEN_SLOT, token))).into_response()
    } else {
        (entry.headers.clone(), Body::from(entry.html.clone())).into_response()
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    // Browsers may keep it but ask again each time (a 304 when nothing changed).
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&last_modified) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    response
}

/// The middleware: serves kept pages, keeps new ones, and empties the cache after every write.
pub async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = state.pages();
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let private = writes_only_private_things(req.uri().path());
        let response = next.run(req).await;
        // A refused write (4xx) wrote nothing; anything else may have changed what pages show.
        if !response.status().is_client_error() && !private {
            cache.invalidate();
        }
        return response;
    }
    let key = match cache_key(&req) {
        Some(key) if cache.budget > 0 => key,
        _ => return next.run(req).await,
    };
    let token = req.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
    let conditions = Conditions::of(req.headers());
    if let Some(entry) = cache.get(&key) {
        return respond(&entry, &token, &conditions);
    }
    let generation = cache.generation();
    let response = next.run(req).await;
    if !keepable(&response) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Rendered pages say their size; one of unknown size or too large goes out as it is.
    let limit = cache.budget / LARGEST_SHARE;
    if body.size_hint().exact().is_none_or(|n| n as usize > limit) {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, limit).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    let entry = Arc::new(entry_of(generation, text, &token, parts.headers));
    cache.insert(key, entry.clone());
    respond(&entry, &token, &conditions)
}

/// Follows the change log for writes made by other processes: any new change empties the cache.
pub fn follow_changes(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut seen: Option<i64> = None;
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tick.tick().await;
            match state.store().max_search_change_seq().await {
                Ok(latest) => {
                    if seen.is_some_and(|s| s != latest) {
                        state.pages().invalidate();
                    }
                    seen = Some(latest);
                }
                // A failing database shows elsewhere; forget everything to be safe.
                Err(_) => state.pages().invalidate(),
            }
        }
    })
}
