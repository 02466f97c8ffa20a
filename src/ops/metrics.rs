//! `GET /metrics` in the Prometheus text format (version 0.0.4), written by hand: a few
//! histograms and gauges need no crate.
//!
//! Served to a scraper on the same machine (a loopback peer, not forwarded by a proxy) or to
//! anyone presenting `Authorization: Bearer <metrics_token>` when that is configured.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::app::AppState;
use crate::error::Msg;
use crate::store::{OpsGauges, PoolUse};
use crate::web::i18n::Lang;

/// Upper bounds of the latency buckets, in seconds: a page should take milliseconds on a
/// phone's slow link; the 30 s request timeout is the last bound that matters.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How long the database's numbers are reused: scrapes every few seconds cost one query batch
/// per interval, whatever the number of scrapers.
const GAUGES_FRESH_FOR: Duration = Duration::from_secs(10);

/// Counts and latencies of the requests served since start, per method, route pattern and status.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<SeriesKey, Histogram>>,
    gauges: tokio::sync::Mutex<Option<(Instant, OpsGauges)>>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct SeriesKey {
    route: String,
    method: &'static str,
    status: u16,
}

#[derive(Default, Clone)]
struct Histogram {
    /// Requests at or under each bound (not cumulative here; summed when written).
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

impl Metrics {
    /// Counts one answered request. `route` is a pattern (bounded by the routes), never a path.
    pub fn record(&self, method: &'static str, route: &str, status: u16, took: Duration) {
        let key = SeriesKey { route: route.to_owned(), method, status };
        let mut requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        let series = requests.entry(key).or_default();
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|bound| seconds <= *bound) {
            series.buckets[i] += 1;
        }
        series.count += 1;
        series.sum_seconds += seconds;
    }

    /// The database's gauges, asked again at most every [`GAUGES_FRESH_FOR`]; `None` while the
    /// database does not answer (the rest of the page is still worth scraping).
    async fn gauges(&self, state: &AppState) -> Option<OpsGauges> {
        let mut kept = self.gauges.lock().await;
        if let Some((at, gauges)) = *kept
            && at.elapsed() < GAUGES_FRESH_FOR
        {
            return Some(gauges);
        }
        let gauges = state.store().ops_gauges().await.ok()?;
        *kept = Some((Instant::now(), gauges));
        Some(gauges)
    }

    fn write_requests(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let name = "goodpractice_http_request_duration_seconds";
        describe(out, name, "histogram", "Time to answer HTTP requests, by method, route pattern and status.");
        for (key, h) in &requests {
            let labels = format!("method=\"{}\",route=\"{}\",status=\"{}\"", key.method, escape(&key.route), key.status);
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(h.buckets) {
                cumulative += n;
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{bound}\"}} {cumulative}");
            }
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {}", h.count);
            let _ = writeln!(out, "{name}_sum{{{labels}}} {}", h.sum_seconds);
            let _ = writeln!(out, "{name}_count{{{labels}}} {}", h.count);
        }
    }
}

/// `GET /metrics`.
pub async fn metrics(State(state): State<AppState>, extensions: Extensions, headers: HeaderMap) -> Response {
    let peer = extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if !may_scrape(&state, peer, &headers) {
        return refused(&state, &headers);
    }
    let gauges = state.metrics().gauges(&state).await;
    let mut out = String::with_capacity(16 * 1024);
    state.metrics().write_requests(&mut out);
    write_pool(&mut out, state.store().pool_use());
    gauge(
        &mut out,
        "goodpractice_database_up",
        "1 when the database answered the last query for these numbers.",
        u8::from(gauges.is_some()),
    );
    if let Some(gauges) = &gauges {
        write_database(&mut out, gauges);
    }
    write_search(&mut out, &state, gauges.map(|g| g.latest_change_seq)).await;
    let version = escape(env!("CARGO_PKG_VERSION"));
    describe(&mut out, "goodpractice_build_info", "gauge", "The running version.");
    let _ = writeln!(out, "goodpractice_build_info{{version=\"{version}\",database=\"{}\"}} 1", state.store().backend());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out).into_response()
}

/// A scraper on this machine, or one with the configured token. A request a proxy forwarded is
/// never local, whatever address it arrives from: a proxy on the same machine would otherwise
/// publish the metrics to the internet.
fn may_scrape(state: &AppState, peer: Option<SocketAddr>, headers: &HeaderMap) -> bool {
    let token = &state.config().metrics_token;
    if !token.is_empty() && bearer(headers).is_some_and(|given| bool::from(given.as_bytes().ct_eq(token.as_bytes()))) {
        return true;
    }
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| headers.contains_key(*h));
    let local = peer.is_some_and(|p| p.ip().is_loopback() && !state.config().trusted_proxies.contains(&p.ip()));
    local && !forwarded
}

/// 403 with a plain sentence saying how to get in (a scraper shows the body; no page around it).
fn refused(state: &AppState, headers: &HeaderMap) -> Response {
    let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let lang = if accept.trim_start().starts_with("en") { Lang::En } else { Lang::Vi };
    let text = state.catalogs().format(lang, &Msg::new("error.ops.metrics_forbidden"));
    (StatusCode::FORBIDDEN, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{text}\n")).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

fn write_pool(out: &mut String, pool: PoolUse) {
    describe(out, "goodpractice_db_pool_connections", "gauge", "Database connections open now, by state.");
    let _ = writeln!(out, "goodpractice_db_pool_connections{{state=\"idle\"}} {}", pool.idle);
    let _ = writeln!(out, "goodpractice_db_pool_connections{{state=\"in_use\"}} {}", pool.open.saturating_sub(pool.idle));
    gauge(out, "goodpractice_db_pool_max_connections", "The most connections the pool opens.", pool.max);
}

fn write_database(out: &mut String, g: &OpsGauges) {
    describe(out, "goodpractice_mail_outbox", "gauge", "Mails queued and not sent yet, by kind.");
    let _ = writeln!(out, "goodpractice_mail_outbox{{kind=\"notification\"}} {}", g.mail_queued);
    let _ = writeln!(out, "goodpractice_mail_outbox{{kind=\"digest\"}} {}", g.digest_queued);
    gauge(out, "goodpractice_moderation_queue_open", "Items waiting in the moderation queue.", g.moderation_open);
    gauge(out, "goodpractice_topics_visible", "Topics the public can see (kept counts).", g.topics_visible);
    gauge(out, "goodpractice_uploads_stored", "Uploaded files recorded.", g.uploads);
    gauge(out, "goodpractice_uploads_stored_bytes", "Bytes of the uploaded files recorded (thumbnails not counted).", g.upload_bytes);
    gauge(out, "goodpractice_search_changes_seq", "Newest change-log sequence number.", g.latest_change_seq);
}

/// The index's state, and how far it trails the change log (once an index is open and the
/// log's end is known).
async fn write_search(out: &mut String, state: &AppState, latest: Option<i64>) {
    let status = super::health::search_status(state);
    describe(out, "goodpractice_search_index_state", "gauge", "1 for the search index's current state.");
    for name in ["ready", "building", "failed"] {
        let _ = writeln!(out, "goodpractice_search_index_state{{state=\"{name}\"}} {}", u8::from(status.state == name));
    }
    if let Some(building) = status.building {
        gauge(out, "goodpractice_search_index_build_done", "Topics indexed so far by the build under way.", building.done);
        gauge(out, "goodpractice_search_index_build_total", "Topics the build under way will index.", building.total);
    }
    let Some(index) = state.search().index() else { return };
    // Reads the last commit's payload from the index folder: off the async workers.
    let indexed = tokio::task::spawn_blocking(move || index.last_applied_seq()).await;
    let Ok(Ok(Some(indexed))) = indexed else { return };
    gauge(out, "goodpractice_search_indexed_seq", "Change-log sequence number the search index has applied.", indexed);
    if let Some(latest) = latest {
        gauge(out, "goodpractice_search_index_lag", "Changes logged but not yet in the search index.", (latest - indexed).max(0));
    }
}

fn describe(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    describe(out, name, "gauge", help);
    let _ = writeln!(out, "{name} {value}");
}

/// A label value as the text format wants it: backslash, quote and newline escaped.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_lands_in_its_bucket_and_every_bound_above() {
        let metrics = Metrics::default();
        metrics.record("GET", "/t/{id}", 200, Duration::from_millis(30));
        metrics.record("GET", "/t/{id}", 200, Duration::from_secs(60));
        let mut out = String::new();
        metrics.write_requests(&mut out);
        let line = |le: &str| {
            format!("goodpractice_http_request_duration_seconds_bucket{{method=\"GET\",route=\"/t/{{id}}\",status=\"200\",le=\"{le}\"}}")
        };
        assert!(out.contains(&format!("{} 0\n", line("0.025"))), "{out}");
        assert!(out.contains(&format!("{} 1\n", line("0.05"))), "{out}");
        assert!(out.contains(&format!("{} 1\n", line("30"))), "a minute is over every bound: {out}");
        assert!(out.contains(&format!("{} 2\n", line("+Inf"))), "{out}");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
