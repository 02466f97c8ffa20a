//! The Facebook and Zalo presets end to end, with their endpoints pointed (through
//! `authorize_url`/`token_url`/`userinfo_url`) at a stand-in on 127.0.0.1 that insists on each
//! provider's request shape (Zalo's `secret_key` header and `app_id` form, Facebook's secret in
//! the form) and answers as they document. The real Facebook and Zalo are not reachable here.

use std::collections::HashMap;

use axum::Form;
use axum::Router;
use axum::extract::Query;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use goodpractice::accounts::Role;
use goodpractice::accounts::oidc::{ProviderConfig, ProviderKind};
use goodpractice::config::Config;
use serde_json::json;

use crate::common::{TestApp, text_of};

const ZALO_SECRET: &str = "zalo-bí-mật";
const FB_SECRET: &str = "fb-secret";

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// Zalo v4: the secret only as `secret_key`, the app as `app_id`, PKCE's verifier in the form.
async fn zalo_token(headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let shape_ok = headers.get("secret_key").map(|v| v.as_bytes()) == Some(ZALO_SECRET.as_bytes())
        && form.get("app_id").map(String::as_str) == Some("zalo-app")
        && form.get("grant_type").map(String::as_str) == Some("authorization_code")
        && form.get("code_verifier").is_some_and(|v| v.len() == 43)
        && !form.contains_key("client_secret");
    if !shape_ok {
        return answer(StatusCode::OK, json!({"error": -14002, "error_name": "Invalid app id or secret"}));
    }
    match form["code"].as_str() {
        "no-token" => answer(StatusCode::OK, json!({"refresh_token": "r", "expires_in": "3600"})),
        code => answer(StatusCode::OK, json!({"access_token": format!("at-{code}"), "refresh_token": "r", "expires_in": "3600"})),
    }
}

async fn zalo_me(headers: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if q.get("fields").map(String::as_str) != Some("id,name,picture") {
        return answer(StatusCode::OK, json!({"error": 100, "message": "fields"}));
    }
    match header(&headers, "access_token") {
        // Zalo reports its errors with status 200 and no id.
        "at-no-id" => answer(StatusCode::OK, json!({"error": 452, "message": "Access token is invalid"})),
        // Decomposed (NFD) on purpose: the account must get the NFC name.
        "at-good" => answer(
            StatusCode::OK,
            json!({"id": "4316981234567", "name": "Tra\u{302}\u{300}n Va\u{306}n Bi\u{300}nh", "error": 0, "message": "Success"}),
        ),
        _ => answer(StatusCode::OK, json!({"error": 452, "message": "Access token is invalid"})),
    }
}

async fn fb_token(headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    let shape_ok = form.get("client_id").map(String::as_str) == Some("fb-app")
        && form.get("client_secret").map(String::as_str) == Some(FB_SECRET)
        && header(&headers, "authorization").is_empty();
    if !shape_ok {
        return answer(StatusCode::BAD_REQUEST, json!({"error": {"message": "Error validating client secret.", "type": "OAuthException"}}));
    }
    answer(StatusCode::OK, json!({"access_token": "fb-at", "token_type": "bearer", "expires_in": 5183944}))
}

async fn fb_me(headers: HeaderMap) -> Response {
    if header(&headers, "authorization") != "Bearer fb-at" {
        return answer(StatusCode::BAD_REQUEST, json!({"error": {"message": "Invalid OAuth access token."}}));
    }
    answer(StatusCode::OK, json!({"id": "10221234567890", "name": "Phạm Thu Hà", "email": "ha.fb@boyte.example"}))
}

/// Starts the stand-in; returns its base URL.
async fn stand_in() -> String {
    let app = Router::new()
        .route("/zalo/token", post(zalo_token))
        .route("/zalo/me", get(zalo_me))
        .route("/fb/token", post(fb_token))
        .route("/fb/me", get(fb_me));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

fn preset(id: &str, kind: ProviderKind, client_id: &str, secret: &str, base: &str) -> ProviderConfig {
    let text =
        format!("id = \"{id}\"\nclient_id = \"{client_id}\"\nclient_secret = \"{secret}\"\nministry_email_domains = [\"boyte.example\"]");
    let mut p: ProviderConfig = toml::from_str(&text).unwrap();
    p.kind = kind;
    p.token_url = format!("{base}/{id}/token");
    p.userinfo_url = match kind {
        ProviderKind::Zalo => format!("{base}/zalo/me?fields=id,name,picture"),
        _ => format!("{base}/fb/me"),
    };
    p
}

async fn app_with_presets(backend: &str) -> Option<TestApp> {
    let base = stand_in().await;
    let configure = |c: &mut Config| {
        c.auth.oidc = vec![
            preset("zalo", ProviderKind::Zalo, "zalo-app", ZALO_SECRET, &base),
            preset("fb", ProviderKind::Facebook, "fb-app", FB_SECRET, &base),
        ];
    };
    if backend == "sqlite" { Some(TestApp::sqlite_with(configure).await) } else { TestApp::postgres_with(configure).await }
}

/// Starts sign-in at `id` and comes back to the callback with `code`, as the provider would.
async fn come_back_with(app: &TestApp, id: &str, code: &str) -> reqwest::Response {
    let start = app.get(&format!("/auth/oidc/{id}/login?next=/")).await;
    assert_eq!(start.status(), 303);
    let location = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let state = location.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
    app.get(&format!("/auth/oidc/{id}/callback?state={state}&code={code}")).await
}

async fn error_message(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let html = res.text().await.unwrap();
    (status, text_of(&html, ".error-message").unwrap_or(html))
}

async fn signed_in_name(app: &TestApp) -> Option<String> {
    text_of(&app.get_text("/").await.1, "a.viewer")
}

async fn zalo_signs_in_without_an_email_and_hostile_answers_make_no_account(app: TestApp) {
    // Hostile first: a token answer without access_token, then a user answer without an id.
    for code in ["no-token", "no-id"] {
        let (status, message) = error_message(come_back_with(&app, "zalo", code).await).await;
        assert_eq!(status, 400, "{code}");
        assert!(message.contains("Không xác minh được thông tin đăng nhập"), "{code}: {message}");
        assert_eq!(app.store.identity_user("zalo", "4316981234567").await.unwrap(), None);
        assert!(signed_in_name(&app).await.is_none());
    }

    let res = come_back_with(&app, "zalo", "good").await;
    assert_eq!(res.status(), 303, "{:?}", error_message(res).await);
    assert!(signed_in_name(&app).await.expect("signed in").contains("Trần Văn Bình"));
    let user_id = app.store.identity_user("zalo", "4316981234567").await.unwrap().expect("the Zalo id is the subject");
    let user = app.store.user_by_id(user_id).await.unwrap();
    assert_eq!(user.display_name, "Trần Văn Bình", "stored NFC");
    assert!(user.email.ends_with("@zalo.oidc.invalid"), "a placeholder that receives no mail: {}", user.email);
    assert!(!app.store.email_verified(user_id).await.unwrap());
}

async fn facebook_email_is_unverified_and_grants_nothing(app: TestApp) {
    let res = come_back_with(&app, "fb", "fb-code").await;
    assert_eq!(res.status(), 303, "{:?}", error_message(res).await);
    let user_id = app.store.user_id_by_email("ha.fb@boyte.example").await.unwrap().expect("an account with Facebook's email");
    assert!(!app.store.email_verified(user_id).await.unwrap(), "Facebook emails count as unverified");
    let user = app.store.user_by_id(user_id).await.unwrap();
    assert_eq!(user.role, Role::Member, "no ministry grant by an unverified domain");
    assert_eq!(user.display_name, "Phạm Thu Hà");
    assert_eq!(app.store.identity_user("fb", "10221234567890").await.unwrap(), Some(user_id));
}

macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() { super::$name(super::app_with_presets("sqlite").await.unwrap()).await; })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() { if let Some(app) = super::app_with_presets("postgres").await { super::$name(app).await; } })*
        }
    };
}

on_both_databases!(zalo_signs_in_without_an_email_and_hostile_answers_make_no_account, facebook_email_is_unverified_and_grants_nothing);
