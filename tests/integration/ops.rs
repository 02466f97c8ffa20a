//! What an operator sees: request ids on every answer, `/healthz`, `/readyz`, and `/metrics`
//! read with a Prometheus text-format parser, served only to this machine or with the token.

use std::time::Duration;

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use openmetrics_parser::prometheus::parse_prometheus;
use openmetrics_parser::{MetricsExposition, PrometheusType, PrometheusValue};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::two_factor_steps::{code, code_step, enrol, password_step, sign_out, signed_up_and_enrolled};
use crate::{on_both_databases, on_both_with};

const TOKEN: &str = "scrape-token-for-the-tests-0123";

type Exposition = MetricsExposition<PrometheusType, PrometheusValue>;

fn request_id(res: &reqwest::Response) -> String {
    let value = res.headers().get("x-request-id").unwrap_or_else(|| panic!("{} has no x-request-id", res.url()));
    value.to_str().unwrap().to_string()
}

fn is_generated(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

async fn get_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = app.client.get(app.url(path));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

async fn every_answer_carries_a_request_id_and_echoes_a_sane_one(app: TestApp) {
    for path in ["/", "/no-such-page", "/healthz", "/api/v1/topics/999999"] {
        assert!(is_generated(&request_id(&app.get(path).await)), "{path}");
    }
    let refused = app.client.post(app.url("/settings/profile")).form(&[("display_name", "X")]).send().await.unwrap();
    assert!(refused.status().is_client_error());
    assert!(is_generated(&request_id(&refused)), "a refused form too");

    let kept = get_with(&app, "/", &[("x-request-id", "lb-7f3a-42")]).await;
    assert_eq!(request_id(&kept), "lb-7f3a-42");
    for hostile in ["x".repeat(65).as_str(), "two words", "tab\there", "quote\"d"] {
        let res = get_with(&app, "/", &[("x-request-id", hostile)]).await;
        assert!(is_generated(&request_id(&res)), "{hostile:?} was not replaced");
    }
}

async fn readiness_reports_the_database_and_the_search_index(app: TestApp) {
    let (status, body) = app.get_text("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    // The index opens moments after start.
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        let res = app.get("/readyz").await;
        last = (res.status().as_u16(), res.json().await.unwrap());
        if last.0 == 200 {
            break;
        }
        assert_eq!(last.0, 503, "{last:?}");
        assert_eq!(last.1["search"]["state"], "building", "{last:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last, (200, json!({"ready": true, "database": "ok", "search": {"state": "ready"}})));
}

/// A file where the index folder should be: the indexer cannot open the index, and says so.
#[tokio::test]
async fn readiness_fails_while_the_search_index_cannot_be_opened() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("search"), "not a folder").unwrap();
    let url = format!("sqlite://{}", dir.path().join("test.db").display());
    let app = TestApp::on(url, dir, "sqlite").await;
    let mut last = (0, Value::Null);
    for _ in 0..100 {
        let res = app.get("/readyz").await;
        last = (res.status().as_u16(), res.json().await.unwrap());
        if last.1["search"]["state"] == "failed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(last.0, 503, "{last:?}");
    assert_eq!((&last.1["ready"], &last.1["database"], &last.1["search"]["state"]), (&json!(false), &json!("ok"), &json!("failed")));
    assert_eq!(sample(&scrape(&app, &[]).await, "goodpractice_search_index_state", &[("state", "failed")]), Some(1.0));
    assert_eq!(app.get("/healthz").await.status(), 200, "alive all the same");
}

async fn scrape(app: &TestApp, headers: &[(&str, &str)]) -> Exposition {
    let res = get_with(app, "/metrics", headers).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = res.text().await.unwrap();
    parse_prometheus(&text).unwrap_or_else(|e| panic!("not the Prometheus text format ({e:?}):\n{text}"))
}

/// The value of a gauge, or the count of a histogram series, with these labels.
fn sample(metrics: &Exposition, family: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let family = metrics.families.get(family).unwrap_or_else(|| panic!("no {family} in {:?}", metrics.families.keys()));
    let found = family.iter_samples().find(|s| {
        let set = s.get_labelset().unwrap();
        labels.iter().all(|(name, value)| set.get_label_value(name) == Some(*value))
    })?;
    Some(match &found.value {
        PrometheusValue::Gauge(n) => n.as_f64(),
        PrometheusValue::Histogram(h) => h.count.expect("a histogram has a count") as f64,
        other => panic!("{family:?}: unexpected {other:?}"),
    })
}

fn route_label_values(metrics: &Exposition) -> Vec<String> {
    let family = &metrics.families["goodpractice_http_request_duration_seconds"];
    family.iter_samples().map(|s| s.get_labelset().unwrap().get_label_value("route").unwrap().to_string()).collect()
}

async fn metrics_count_requests_by_route_and_status(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let body = json!({"category": "medication-safety", "kind": "discussion", "title": "Dán nhãn thuốc nguy cơ cao",
                      "body": "Khoa tôi dán nhãn đỏ cho kali clorid.", "tags": []});
    let topic = app.api_topic(&token, body).await;
    assert_eq!(app.get(&format!("/t/{topic}")).await.status(), 200);
    assert_eq!(app.get("/search?q=lan%40bv.vn+secret-word").await.status(), 200);
    assert_eq!(app.get("/no-such-page/lan@bv.vn").await.status(), 404);

    let metrics = scrape(&app, &[]).await;
    let requests = "goodpractice_http_request_duration_seconds";
    assert_eq!(sample(&metrics, requests, &[("method", "GET"), ("route", "/t/{id}"), ("status", "200")]), Some(1.0));
    assert_eq!(sample(&metrics, requests, &[("method", "GET"), ("route", "/search"), ("status", "200")]), Some(1.0));
    assert_eq!(sample(&metrics, requests, &[("method", "POST"), ("route", "/api/v1/topics"), ("status", "201")]), Some(1.0));
    assert_eq!(sample(&metrics, requests, &[("route", "unmatched"), ("status", "404")]), Some(1.0));
    let routes = route_label_values(&metrics);
    assert!(routes.iter().all(|r| !r.contains("bv.vn") && !r.contains("secret") && !r.contains('?')), "{routes:?}");

    assert_eq!(sample(&metrics, "goodpractice_database_up", &[]), Some(1.0));
    assert_eq!(sample(&metrics, "goodpractice_topics_visible", &[]), Some(1.0));
    assert_eq!(sample(&metrics, "goodpractice_moderation_queue_open", &[]), Some(0.0));
    assert_eq!(sample(&metrics, "goodpractice_mail_outbox", &[("kind", "digest")]), Some(0.0));
    assert_eq!(sample(&metrics, "goodpractice_uploads_stored", &[]), Some(0.0));
    let max = sample(&metrics, "goodpractice_db_pool_max_connections", &[]).unwrap();
    assert!(max >= 1.0, "{max}");
    let logged = sample(&metrics, "goodpractice_search_changes_seq", &[]).unwrap();
    assert!(logged >= 1.0, "the topic was logged for the index: {logged}");
    // The indexer follows the log within moments; its lag falls to zero.
    let mut lag = None;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        lag = sample(&scrape(&app, &[]).await, "goodpractice_search_index_lag", &[]);
        if lag == Some(0.0) {
            break;
        }
    }
    assert_eq!(lag, Some(0.0));
}

fn behind_proxy_with_token(config: &mut Config) {
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
    config.metrics_token = TOKEN.into();
}

async fn metrics_need_the_token_when_forwarded_by_a_proxy(app: TestApp) {
    let forwarded = ("x-forwarded-for", "203.0.113.9");
    for headers in
        [vec![forwarded], vec![forwarded, ("authorization", "Bearer wrong-token-of-enough-length")], vec![("forwarded", "for=1.2.3.4")]]
    {
        let res = get_with(&app, "/metrics", &headers).await;
        assert_eq!(res.status(), 403, "{headers:?}");
        let text = get_with(&app, "/metrics", &[forwarded, ("accept-language", "en")]).await.text().await.unwrap();
        assert!(text.contains("GP_METRICS_TOKEN"), "says how to get in: {text}");
    }
    let bearer = format!("Bearer {TOKEN}");
    let metrics = scrape(&app, &[forwarded, ("authorization", &bearer)]).await;
    assert!(metrics.families.contains_key("goodpractice_db_pool_connections"));
    // Straight from this machine (the proxy's own address, not forwarded): no token needed... unless
    // that address is a trusted proxy, whose requests come from elsewhere.
    assert_eq!(app.get("/metrics").await.status(), 403, "127.0.0.1 is the proxy here");
}

async fn forwarded_requests_are_refused_without_a_token_configured(app: TestApp) {
    assert_eq!(app.get("/metrics").await.status(), 200, "a scraper on this machine");
    let res = get_with(&app, "/metrics", &[("x-forwarded-for", "203.0.113.9")]).await;
    assert_eq!(res.status(), 403, "a proxy on this machine must not publish the metrics");
    let res = get_with(&app, "/metrics", &[("authorization", "Bearer anything-at-all-long-enough")]).await;
    assert_eq!(res.status(), 200, "no token configured: the bearer header neither helps nor hurts locally");
}

// ---------------------------------------------------------------------------------------------
// TOTP secrets encrypted at rest

const TOTP_KEY: &str = "8f1e0c5a9b2d47e6a3c1f0b9d8e7a6c5b4a3928170f6e5d4c3b2a19080706050";
const SEALED: &str = "enc1:";

/// `goodpractice::run` on the app's database with this TOTP key; the error it stops with.
async fn start_error(app: &TestApp, totp_key: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().to_path_buf(),
        database_url: app.database_url().to_string(),
        demo: false,
        weekly_digest: false,
        totp_key: totp_key.into(),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let run = goodpractice::run(config, listener, std::future::pending());
    let ended = tokio::time::timeout(Duration::from_secs(30), run).await.expect("the server should refuse to start");
    format!("{:#}", ended.expect_err("the server should refuse to start"))
}

async fn totp_secrets_are_sealed_with_the_key_and_the_server_refuses_to_start_without_it(app: TestApp) {
    let enrolled = signed_up_and_enrolled(&app).await;
    let member = app.store.clear_totp_secrets(SEALED).await.unwrap();
    assert_eq!(member.len(), 1, "in clear without a key");
    let member_id = member[0].0;

    let keyed = TestApp::on_with(app.database_url().to_string(), tempfile::tempdir().unwrap(), app.backend, |c| {
        c.totp_key = TOTP_KEY.into();
    })
    .await;
    let stored = keyed.store.two_factor_of(member_id).await.unwrap().unwrap().secret;
    assert!(stored.starts_with(SEALED) && !stored.contains(&enrolled.secret), "sealed at start: {stored}");
    password_step(&keyed).await;
    assert_eq!(code_step(&keyed, &code(&enrolled.secret, 1)).await.status(), 303, "the sealed secret still signs in");

    sign_out(&keyed).await;
    assert_eq!(keyed.signup("hoa@bvtn.vn", "Trần Văn Hoà").await.status(), 303);
    let second = enrol(&keyed).await;
    assert!(keyed.store.clear_totp_secrets(SEALED).await.unwrap().is_empty(), "a new enrolment is stored sealed");
    assert!(!second.secret.is_empty());

    let missing = start_error(&app, "").await;
    assert!(missing.contains("no TOTP key is configured") && missing.contains("GP_TOTP_KEY"), "{missing}");
    let wrong = start_error(&app, &TOTP_KEY.replace('8', "9")).await;
    assert!(wrong.contains("does not decrypt"), "{wrong}");
}

on_both_databases!(
    totp_secrets_are_sealed_with_the_key_and_the_server_refuses_to_start_without_it,
    every_answer_carries_a_request_id_and_echoes_a_sane_one,
    readiness_reports_the_database_and_the_search_index,
    metrics_count_requests_by_route_and_status,
    forwarded_requests_are_refused_without_a_token_configured
);
on_both_with!(behind_proxy_with_token: metrics_need_the_token_when_forwarded_by_a_proxy);
