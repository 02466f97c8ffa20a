//! Sign-in through a real OpenID Connect provider: the npm package `oidc-provider`
//! (tests/oidc-provider/provider.mjs, installed by `npm ci --prefix tests/oidc-provider`), started
//! on 127.0.0.1 for each test. The browser (a cookie-keeping client) walks the whole redirect
//! flow: our login → the provider's login form → consent → our callback. Without node or the
//! package the tests are skipped, unless GP_REQUIRE_OIDC=1 (CI), which makes that a failure.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use goodpractice::accounts::Role;
use goodpractice::accounts::oidc::{MinistryAction, MinistryRule, ProviderConfig, ProviderKind};
use goodpractice::config::Config;

use crate::common::{PASSWORD, TestApp, attr_of, text_of};

const CALLBACK: &str = "/auth/oidc/test/callback";

/// The provider process; stopped when the test ends.
struct Provider {
    child: Child,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn required() -> bool {
    std::env::var("GP_REQUIRE_OIDC").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn provider_config(id: &str, issuer: &str, timeout_seconds: u64) -> ProviderConfig {
    ProviderConfig {
        id: id.into(),
        kind: ProviderKind::Oidc,
        name: "Bộ Y tế (thử)".into(),
        issuer: issuer.into(),
        client_id: "goodpractice".into(),
        client_secret: "test-secret-not-for-production".into(),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        button_label: "Đăng nhập bằng tài khoản thử".into(),
        timeout_seconds,
        ministry_email_domains: vec!["boyte.example".into()],
        ministry_rules: vec![MinistryRule { claim: "organization".into(), equals: "Bộ Y tế".into(), action: MinistryAction::Request }],
        authorize_url: String::new(),
        token_url: String::new(),
        userinfo_url: String::new(),
    }
}

/// The same provider used as plain OAuth 2.0 (`kind = "oauth2"`): its endpoints by hand, the ID
/// token it still sends ignored, the account read from `userinfo_url`.
fn plain_oauth_config(id: &str, issuer: &str, userinfo_path: &str) -> ProviderConfig {
    let mut plain = provider_config(id, issuer, 10);
    plain.kind = ProviderKind::OAuth2;
    plain.issuer = String::new();
    plain.client_id = "goodpractice-plain".into();
    plain.authorize_url = format!("{issuer}/auth");
    plain.token_url = format!("{issuer}/token");
    plain.userinfo_url = format!("{issuer}{userinfo_path}");
    plain
}

/// Clients of the test provider whose ID tokens it alters after signing them (provider.mjs);
/// each is configured here as the provider of the same id.
const TAMPERED_CLIENTS: [&str; 6] = ["resigned", "wrong-aud", "wrong-iss", "wrong-nonce", "expired", "other-key"];

/// The test provider through its client `goodpractice-{id}`.
fn tampered_client_config(id: &str, issuer: &str) -> ProviderConfig {
    ProviderConfig { client_id: format!("goodpractice-{id}"), ..provider_config(id, issuer, 10) }
}

/// Starts the provider on `port`, accepting `redirect_uri`; `None` (skip) when it cannot start
/// and GP_REQUIRE_OIDC is not set. Waits at most 20 s for it to answer.
async fn start_provider(port: u16, redirect_uri: &str) -> Option<Provider> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-provider");
    let skip_or_fail = |why: String| {
        assert!(!required(), "GP_REQUIRE_OIDC=1 but the OpenID Connect provider cannot start: {why}");
        eprintln!("skipping: {why} (run `npm ci --prefix tests/oidc-provider`)");
        None
    };
    if !dir.join("node_modules/oidc-provider").exists() {
        return skip_or_fail("tests/oidc-provider/node_modules is missing".into());
    }
    let spawned = Command::new("node")
        .arg("provider.mjs")
        .current_dir(&dir)
        .env("PORT", port.to_string())
        .env("REDIRECT_URI", redirect_uri)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let mut child = match spawned {
        Ok(child) => child,
        Err(err) => return skip_or_fail(format!("node could not run: {err}")),
    };
    let stdout = child.stdout.take().unwrap();
    let provider = Provider { child };
    // Keeps reading its output to the end: a closed pipe would stop the provider at its next notice.
    let (tx, ready) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut tx = Some(tx);
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if line.starts_with("ready ")
                && let Some(tx) = tx.take()
            {
                let _ = tx.send(());
            }
        }
    });
    match tokio::time::timeout(Duration::from_secs(20), ready).await {
        Ok(Ok(())) => Some(provider),
        _ => skip_or_fail("the provider did not print \"ready\" within 20 s".into()),
    }
}

/// The app with provider `test` (and `down`, an address nobody answers on, and the provider's
/// other clients: `hs256`, the plain OAuth ones and the tampered ones), plus the provider.
async fn with_provider(backend: &str, adjust: impl FnOnce(&mut Config)) -> Option<(TestApp, Provider)> {
    let port = free_port();
    let issuer = format!("http://127.0.0.1:{port}");
    let configure = |c: &mut Config| {
        let mut hs256 = provider_config("hs256", &issuer, 10);
        hs256.client_id = "goodpractice-hs256".into();
        hs256.client_secret = "hs256-test-secret-that-is-long-enough-0123456789".into();
        // `noid` reads its "user" from the provider's key set: real JSON, but naming no account.
        let (plain, noid) = (plain_oauth_config("plain", &issuer, "/me"), plain_oauth_config("noid", &issuer, "/jwks"));
        c.auth.oidc = vec![
            provider_config("test", &issuer, 10),
            provider_config("down", &format!("http://127.0.0.1:{}", free_port()), 2),
            hs256,
            plain,
            noid,
        ];
        c.auth.oidc.extend(TAMPERED_CLIENTS.map(|id| tampered_client_config(id, &issuer)));
        adjust(c);
    };
    let app = if backend == "sqlite" { TestApp::sqlite_with(configure).await } else { TestApp::postgres_with(configure).await? };
    let provider = start_provider(port, &app.url(CALLBACK)).await?;
    Some((app, provider))
}

macro_rules! with_provider_on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some((app, provider)) = super::with_provider("sqlite", |_| {}).await {
                        super::$name(app).await;
                        drop(provider);
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some((app, provider)) = super::with_provider("postgres", |_| {}).await {
                        super::$name(app).await;
                        drop(provider);
                    }
                }
            )*
        }
    };
}

with_provider_on_both_databases!(
    first_sign_in_creates_an_account_and_the_next_signs_into_the_same_one,
    an_email_of_a_local_account_is_not_merged_until_the_owner_links_it,
    the_last_way_to_sign_in_cannot_be_unlinked,
    a_state_works_once_in_the_browser_that_started_it,
    a_replayed_code_is_refused_by_the_provider,
    refusing_at_the_provider_or_a_provider_error_leaves_no_account,
    a_provider_that_is_down_or_slow_gets_a_clear_page,
    after_sign_in_only_local_addresses_are_followed,
    a_verified_ministry_email_makes_ministry_staff,
    an_organization_claim_queues_a_ministry_request_a_moderator_approves,
    each_bad_id_token_from_the_provider_is_refused_and_makes_no_account,
    a_link_finished_in_another_signed_in_session_is_refused,
    a_provider_sign_in_with_two_factor_on_still_asks_for_the_code,
    a_plain_oauth2_provider_signs_in_through_its_user_endpoint,
    a_user_endpoint_naming_no_account_gets_a_clear_page_and_no_account,
);

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

fn absolute(base: &str, href: &str) -> String {
    url::Url::parse(base).unwrap().join(href).unwrap().to_string()
}

/// Follows redirects from `res` through the provider's pages (typing `login` into its login form
/// and accepting consent) until the provider sends the browser to our callback; returns that URL.
async fn walk_to_callback(client: &reqwest::Client, app: &TestApp, res: reqwest::Response, login: &str) -> String {
    walk_to(client, app, res, login, CALLBACK).await
}

/// `walk_to_callback` for the provider whose callback is `callback_path`.
async fn walk_to(client: &reqwest::Client, app: &TestApp, mut res: reqwest::Response, login: &str, callback_path: &str) -> String {
    let callback = app.url(callback_path);
    for _ in 0..20 {
        let here = res.url().to_string();
        if res.status().is_redirection() {
            let next = absolute(&here, &location(&res));
            if next.starts_with(&callback) {
                return next;
            }
            res = client.get(&next).send().await.expect("follow a redirect");
            continue;
        }
        assert_eq!(res.status(), 200, "unexpected page at {here}");
        let html = res.text().await.unwrap();
        let action = absolute(&here, &attr_of(&html, "form", "action").expect("a form on the provider's page"));
        let prompt = attr_of(&html, "input[name=prompt]", "value").expect("the provider's prompt");
        let fields: Vec<(&str, &str)> = match prompt.as_str() {
            "login" => vec![("prompt", "login"), ("login", login), ("password", "any")],
            _ => vec![("prompt", "consent")],
        };
        res = client.post(&action).form(&fields).send().await.expect("submit the provider's form");
    }
    panic!("the provider never sent the browser back");
}

/// Signs `login` in at provider `id` (from our login route through the provider's pages) and
/// returns the callback URL the provider sends the browser back to.
async fn callback_from(app: &TestApp, id: &str, login: &str) -> String {
    let start = app.get(&format!("/auth/oidc/{id}/login?next=/")).await;
    assert_eq!(start.status(), 303, "{id}");
    walk_to(&app.client, app, start, login, &format!("/auth/oidc/{id}/callback")).await
}

/// Starts sign-in at our login route and returns the callback URL the provider sends back to.
async fn provider_callback_url(app: &TestApp, client: &reqwest::Client, login: &str, next: &str) -> String {
    let start = client.get(app.url(&format!("/auth/oidc/test/login?next={next}"))).send().await.unwrap();
    assert_eq!(start.status(), 303);
    walk_to_callback(client, app, start, login).await
}

/// The whole sign-in in the app's browser; returns our callback's response.
async fn sign_in_with_provider(app: &TestApp, login: &str) -> reqwest::Response {
    let url = provider_callback_url(app, &app.client, login, "/").await;
    app.client.get(url).send().await.unwrap()
}

async fn users_with_email(app: &TestApp, email: &str) -> Option<i64> {
    app.store.user_id_by_email(email).await.unwrap()
}

async fn signed_in_name(app: &TestApp) -> Option<String> {
    let (_, html) = app.get_text("/").await;
    text_of(&html, "a.viewer")
}

async fn error_message(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    let html = res.text().await.unwrap();
    (status, text_of(&html, ".error-message").unwrap_or(html))
}

async fn logout(app: &TestApp) {
    let res = app.post_form("/logout", &[]).await;
    assert_eq!(res.status(), 303);
}

async fn first_sign_in_creates_an_account_and_the_next_signs_into_the_same_one(app: TestApp) {
    let (_, login_page) = app.get_text("/login").await;
    assert_eq!(attr_of(&login_page, ".sign-in-providers a", "href").unwrap(), "/auth/oidc/test/login?next=%2F");
    assert!(login_page.contains("Đăng nhập bằng tài khoản thử"));

    let res = sign_in_with_provider(&app, "lan").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/");
    let nav = signed_in_name(&app).await.expect("signed in");
    assert!(nav.contains("Nguyễn Thị Lan"), "{nav}");
    let lan = users_with_email(&app, "lan@benhvien.example").await.expect("an account was made");
    assert!(app.store.email_verified(lan).await.unwrap(), "the provider said the email is verified");

    logout(&app).await;
    assert!(signed_in_name(&app).await.is_none());
    let again = sign_in_with_provider(&app, "lan").await;
    assert_eq!(again.status(), 303);
    assert!(signed_in_name(&app).await.expect("signed in again").contains("Nguyễn Thị Lan"));
    assert_eq!(users_with_email(&app, "lan@benhvien.example").await, Some(lan), "the same account");
    assert_eq!(app.store.identities_of(lan).await.unwrap().len(), 1);

    // email_verified = false at the provider: the account's email is not marked verified.
    // (Another browser: this one is still signed in at the provider as lan.)
    let (other, _) = app.second_browser();
    let url = provider_callback_url(&app, &other, "minh", "/").await;
    assert_eq!(other.get(url).send().await.unwrap().status(), 303);
    let minh = users_with_email(&app, "minh@boyte.example").await.unwrap();
    assert!(!app.store.email_verified(minh).await.unwrap());
    // minh's address is in the ministry's domain but not verified: no ministry role.
    assert_eq!(app.store.user_by_id(minh).await.unwrap().role, Role::Member);
    assert_eq!(app.store.user_by_id(lan).await.unwrap().role, Role::Member);
}

/// A verified email in a domain the provider's config trusts makes ministry staff at sign-in.
async fn a_verified_ministry_email_makes_ministry_staff(app: TestApp) {
    assert_eq!(sign_in_with_provider(&app, "ha").await.status(), 303);
    let ha = users_with_email(&app, "ha@boyte.example").await.unwrap();
    assert_eq!(app.store.user_by_id(ha).await.unwrap().role, Role::Ministry);
    let (_, profile) = app.get_text(&format!("/u/{ha}")).await;
    assert_eq!(text_of(&profile, ".badge.role").as_deref(), Some("Cán bộ Bộ Y tế"));
}

async fn an_email_of_a_local_account_is_not_merged_until_the_owner_links_it(app: TestApp) {
    let local = app.create_user("local@benhvien.example", "Lê Văn Local", Role::Member).await;
    let (status, message) = error_message(sign_in_with_provider(&app, "taken").await).await;
    assert_eq!(status, 409);
    assert!(message.contains("đăng nhập bằng mật khẩu trước"), "{message}");
    assert!(signed_in_name(&app).await.is_none());
    assert!(app.store.identities_of(local).await.unwrap().is_empty(), "nothing linked");

    // The owner signs in with the password, then links the provider from the profile settings.
    assert_eq!(app.login("local@benhvien.example", PASSWORD).await.status(), 303);
    let (_, settings) = app.get_text("/settings/profile").await;
    assert_eq!(attr_of(&settings, ".sign-in-providers form", "action").unwrap(), "/auth/oidc/test/link");
    let start = app.post_form("/auth/oidc/test/link", &[]).await;
    assert_eq!(start.status(), 303);
    let callback = walk_to_callback(&app.client, &app, start, "taken").await;
    let done = app.client.get(callback).send().await.unwrap();
    assert_eq!(location(&done), "/settings/profile?linked=1");
    let (_, settings) = app.get_text("/settings/profile?linked=1").await;
    assert!(settings.contains("Đã liên kết tài khoản."));
    assert!(settings.contains("action=\"/auth/oidc/test/unlink\""));

    // From now on the provider signs into the local account.
    logout(&app).await;
    assert_eq!(sign_in_with_provider(&app, "taken").await.status(), 303);
    assert!(signed_in_name(&app).await.unwrap().contains("Lê Văn Local"));
    assert_eq!(app.store.identities_of(local).await.unwrap().len(), 1);

    // The account has a password, so the provider can be unlinked.
    let res = app.post_form("/auth/oidc/test/unlink", &[]).await;
    assert_eq!(location(&res), "/settings/profile?unlinked=1");
    assert!(app.store.identities_of(local).await.unwrap().is_empty());
}

async fn the_last_way_to_sign_in_cannot_be_unlinked(app: TestApp) {
    assert_eq!(sign_in_with_provider(&app, "lan").await.status(), 303);
    let lan = users_with_email(&app, "lan@benhvien.example").await.unwrap();
    let (status, message) = error_message(app.post_form("/auth/oidc/test/unlink", &[]).await).await;
    assert_eq!(status, 409);
    assert!(message.contains("cách đăng nhập duy nhất"), "{message}");
    assert_eq!(app.store.identities_of(lan).await.unwrap().len(), 1);
    // Unlinking a provider that is not linked is "not found"; a form without CSRF is refused.
    assert_eq!(app.post_form("/auth/oidc/down/unlink", &[]).await.status(), 404);
    let no_csrf = app.client.post(app.url("/auth/oidc/test/unlink")).form(&[("x", "y")]).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
}

async fn a_state_works_once_in_the_browser_that_started_it(app: TestApp) {
    // Missing state, unknown state.
    for query in ["?code=abc", "?code=abc&state=", "?code=abc&state=made-up"] {
        let (status, message) = error_message(app.get(&format!("{CALLBACK}{query}")).await).await;
        assert_eq!(status, 400, "{query}");
        assert!(message.contains("không hợp lệ hoặc đã hết hạn"), "{message}");
    }
    // A callback opened in another browser (e.g. a link an attacker sends) is refused and spends the state.
    let url = provider_callback_url(&app, &app.client, "lan", "/").await;
    let (other, _) = app.second_browser();
    let (status, _) = error_message(other.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 400);
    let (status, _) = error_message(app.client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 400, "the state was spent by the refused attempt");
    // A good callback, then the same one again.
    let url = provider_callback_url(&app, &app.client, "lan", "/").await;
    assert_eq!(app.client.get(&url).send().await.unwrap().status(), 303);
    logout(&app).await;
    let (status, _) = error_message(app.client.get(&url).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(signed_in_name(&app).await.is_none());
    // The state of one provider does not work at another's callback.
    let url = provider_callback_url(&app, &app.client, "lan", "/").await;
    let elsewhere = url.replace("/auth/oidc/test/", "/auth/oidc/down/");
    assert_eq!(app.client.get(&elsewhere).send().await.unwrap().status(), 400);
    assert_eq!(app.get("/auth/oidc/nobody/callback?state=x&code=y").await.status(), 404);
}

async fn a_replayed_code_is_refused_by_the_provider(app: TestApp) {
    let first = provider_callback_url(&app, &app.client, "lan", "/").await;
    assert_eq!(app.client.get(&first).send().await.unwrap().status(), 303);
    logout(&app).await;
    // A fresh state of this browser with the code already exchanged.
    let fresh = provider_callback_url(&app, &app.client, "lan", "/").await;
    let code = url::Url::parse(&first).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.to_string();
    let mut replay = url::Url::parse(&fresh).unwrap();
    let state = replay.query_pairs().find(|(k, _)| k == "state").unwrap().1.to_string();
    replay.query_pairs_mut().clear().append_pair("code", &code).append_pair("state", &state);
    let (status, message) = error_message(app.client.get(replay.as_str()).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(message.contains("mã có thể đã được dùng"), "{message}");
    assert!(signed_in_name(&app).await.is_none());
}

async fn refusing_at_the_provider_or_a_provider_error_leaves_no_account(app: TestApp) {
    // The provider's own "cancel" link on its login page answers error=access_denied.
    let start = app.get("/auth/oidc/test/login").await;
    let login_page = app.client.get(location(&start)).send().await.unwrap();
    let mut res = login_page;
    while res.status().is_redirection() {
        let next = absolute(res.url().as_str(), &location(&res));
        res = app.client.get(next).send().await.unwrap();
    }
    let here = res.url().to_string();
    let html = res.text().await.unwrap();
    let abort = absolute(&here, &attr_of(&html, "a[href*=abort]", "href").expect("a cancel link"));
    let mut back = app.client.get(abort).send().await.unwrap();
    let mut callback = absolute(back.url().as_str(), &location(&back));
    while !callback.starts_with(&app.url(CALLBACK)) {
        back = app.client.get(&callback).send().await.unwrap();
        callback = absolute(back.url().as_str(), &location(&back));
    }
    assert!(callback.contains("error=access_denied"), "{callback}");
    let (status, message) = error_message(app.client.get(callback).send().await.unwrap()).await;
    assert_eq!(status, 403);
    assert!(message.contains("không cho phép đăng nhập"), "{message}");
    // Any other error the provider reports.
    let (status, message) = error_message(app.get(&format!("{CALLBACK}?error=server_error&state=x")).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("báo lỗi"), "{message}");
    assert!(users_with_email(&app, "lan@benhvien.example").await.is_none());
    assert!(signed_in_name(&app).await.is_none());
}

async fn a_provider_that_is_down_or_slow_gets_a_clear_page(app: TestApp) {
    let (status, message) = error_message(app.get("/auth/oidc/down/login").await).await;
    assert_eq!(status, 502);
    assert!(message.contains("Không kết nối được"), "{message}");
    assert_eq!(app.get("/auth/oidc/nobody/login").await.status(), 404);
}

async fn after_sign_in_only_local_addresses_are_followed(app: TestApp) {
    for (next, expected) in [("%2Ft%2F5", "/t/5"), ("https%3A%2F%2Fevil.example%2F", "/"), ("%2F%2Fevil.example", "/")] {
        let url = provider_callback_url(&app, &app.client, "lan", next).await;
        let res = app.client.get(url).send().await.unwrap();
        assert_eq!(location(&res), expected, "next={next}");
        logout(&app).await;
    }
}

/// A provider that accepts connections and never answers: the sign-in gives up after the
/// configured time with a clear page instead of hanging.
#[tokio::test]
async fn a_slow_provider_times_out_with_a_clear_page() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let issuer = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let app = TestApp::sqlite_with(|c| c.auth.oidc = vec![provider_config("slow", &issuer, 1)]).await;
    let started = std::time::Instant::now();
    let (status, message) = error_message(app.get("/auth/oidc/slow/login").await).await;
    assert_eq!(status, 504);
    assert!(message.contains("quá chậm"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(10));
}

fn query_of(res: &reqwest::Response) -> (String, std::collections::HashMap<String, String>) {
    let url = url::Url::parse(&location(res)).unwrap();
    let base = format!("{}://{}{}", url.scheme(), url.host_str().unwrap(), url.path());
    (base, url.query_pairs().into_owned().collect())
}

/// The Facebook and Zalo presets send the browser to their own sign-in pages with their own
/// parameters (no discovery, so no network is needed to see this).
#[tokio::test]
async fn facebook_and_zalo_send_the_browser_to_their_sign_in_pages() {
    let mut zalo = provider_config("zalo", "", 5);
    zalo.kind = ProviderKind::Zalo;
    zalo.client_id = "1234567890".into();
    let mut facebook = provider_config("facebook", "", 5);
    facebook.kind = ProviderKind::Facebook;
    let app = TestApp::sqlite_with(|c| c.auth.oidc = vec![zalo, facebook]).await;

    let res = app.get("/auth/oidc/zalo/login").await;
    assert_eq!(res.status(), 303);
    let (base, q) = query_of(&res);
    assert_eq!(base, "https://oauth.zaloapp.com/v4/permission");
    assert_eq!(q["app_id"], "1234567890");
    assert_eq!(q["redirect_uri"], app.url("/auth/oidc/zalo/callback"));
    assert_eq!(q["code_challenge"].len(), 43);
    assert_eq!(q["state"].len(), 43);

    let res = app.get("/auth/oidc/facebook/login").await;
    let (base, q) = query_of(&res);
    assert_eq!(base, "https://www.facebook.com/v19.0/dialog/oauth");
    assert_eq!((q["scope"].as_str(), q["response_type"].as_str()), ("email public_profile", "code"));
    assert_eq!(q["redirect_uri"], app.url("/auth/oidc/facebook/callback"));
}

async fn a_plain_oauth2_provider_signs_in_through_its_user_endpoint(app: TestApp) {
    let start = app.get("/auth/oidc/plain/login?next=/").await;
    assert_eq!(start.status(), 303);
    assert!(!location(&start).contains("nonce="), "plain OAuth sends no nonce");
    let callback = walk_to(&app.client, &app, start, "lan", "/auth/oidc/plain/callback").await;
    let res = app.client.get(&callback).send().await.unwrap();
    assert_eq!(res.status(), 303, "{:?}", error_message(res).await);
    assert!(signed_in_name(&app).await.expect("signed in").contains("Nguyễn Thị Lan"));
    let lan = users_with_email(&app, "lan@benhvien.example").await.expect("an account was made");
    assert!(app.store.email_verified(lan).await.unwrap(), "the user endpoint said email_verified: true");
    assert_eq!(app.store.identity_user("plain", "lan").await.unwrap(), Some(lan), "the subject is the user endpoint's");
}

async fn a_user_endpoint_naming_no_account_gets_a_clear_page_and_no_account(app: TestApp) {
    let callback = callback_from(&app, "noid", "lan").await;
    let (status, message) = error_message(app.client.get(&callback).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(message.contains("Không xác minh được thông tin đăng nhập"), "{message}");
    assert_eq!(users_with_email(&app, "lan@benhvien.example").await, None, "no account");
    assert!(signed_in_name(&app).await.is_none());
}

async fn an_organization_claim_queues_a_ministry_request_a_moderator_approves(app: TestApp) {
    // Arrange: Vy's provider account says organization = "Bộ Y tế"; the rule asks for review.
    assert_eq!(sign_in_with_provider(&app, "vy").await.status(), 303);
    let vy = users_with_email(&app, "vy@cucqlkcb.example").await.expect("an account was made");
    assert_eq!(app.store.user_by_id(vy).await.unwrap().role, Role::Member, "not ministry staff before review");
    let settings = app.get_text("/settings/profile").await.1;
    assert!(text_of(&settings, "#ministry-request-state").unwrap().contains("đang chờ"));
    // A second sign-in does not ask twice.
    logout(&app).await;
    assert_eq!(sign_in_with_provider(&app, "vy").await.status(), 303);
    logout(&app).await;

    // Act: a moderator opens the queue and approves.
    app.create_user("dieu.phoi@benhvien.example", "Điều Phối Viên", Role::Moderator).await;
    assert_eq!(app.login("dieu.phoi@benhvien.example", PASSWORD).await.status(), 303);
    let (status, queue) = app.get_text("/mod/queue?kind=ministry_request").await;
    assert_eq!(status, 200);
    assert_eq!(crate::common::count(&queue, "article.kind-ministry_request"), 1);
    assert_eq!(
        text_of(&queue, "article.kind-ministry_request .ministry-note").unwrap(),
        "Thông tin kèm theo: Bộ Y tế (thử): organization = Bộ Y tế"
    );
    let action = attr_of(&queue, "article.kind-ministry_request form[action$='/approve']", "action").unwrap();
    let res = app.post_form(&action, &[("reason", "Đã xác minh với Cục Quản lý Khám, chữa bệnh")]).await;
    assert_eq!(res.status(), 303);

    // Assert: ministry staff now, the change is in the audit log, and Vy is told.
    assert_eq!(app.store.user_by_id(vy).await.unwrap().role, Role::Ministry);
    let audit = app.get_text("/mod/audit").await.1;
    let doc = scraper::Html::parse_document(&audit);
    let cells = scraper::Selector::parse("td.audit-action").unwrap();
    let actions: Vec<&str> = doc.select(&cells).filter_map(|e| e.value().attr("data-action")).collect();
    assert_eq!(actions, ["grant_role", "approve_ministry"]);
    assert!(audit.contains(&format!("Thành viên #{vy}")), "the member is named in words");
    logout(&app).await;
    assert_eq!(sign_in_with_provider(&app, "vy").await.status(), 303);
    let notes = app.get_text("/notifications").await.1;
    assert!(text_of(&notes, "li.kind-ministry_approved").unwrap().contains("Bạn đã được xác nhận là cán bộ Bộ Y tế"));
    assert!(app.store.ministry_request_state(vy).await.unwrap().as_deref() == Some("approved"));
}

const NOT_VERIFIED: &str = "Không xác minh được thông tin đăng nhập";

/// The provider's clients whose ID tokens are bad, and the words of the page that refuses each:
/// another audience, another issuer, another nonce, long expired, signed with a key the
/// provider does not publish (under its key's id), and signed with the client secret (HS256).
const BAD_ID_TOKENS: [(&str, &str); 6] = [
    ("wrong-aud", NOT_VERIFIED),
    ("wrong-iss", NOT_VERIFIED),
    ("wrong-nonce", NOT_VERIFIED),
    ("expired", "đã hết hạn trước khi đến diễn đàn"),
    ("other-key", NOT_VERIFIED),
    ("hs256", NOT_VERIFIED),
];

/// Issue #6: each bad ID token the real provider is made to send is refused with a page that
/// says so in words, and leaves no account, no session and no state to use again.
async fn each_bad_id_token_from_the_provider_is_refused_and_makes_no_account(app: TestApp) {
    for (id, words) in BAD_ID_TOKENS {
        let callback = callback_from(&app, id, "lan").await;
        let (status, message) = error_message(app.client.get(&callback).send().await.unwrap()).await;
        assert_eq!(status, 400, "{id}: {message}");
        assert!(message.contains(words), "{id}: {message}");
        assert_eq!(users_with_email(&app, "lan@benhvien.example").await, None, "{id}: no half-made account");
        assert_eq!(app.store.identity_user(id, "lan").await.unwrap(), None, "{id}: nothing linked");
        assert!(signed_in_name(&app).await.is_none(), "{id}: not signed in");
        let (status, message) = error_message(app.client.get(&callback).send().await.unwrap()).await;
        assert_eq!(status, 400, "{id}: the state was spent");
        assert!(message.contains("không hợp lệ hoặc đã hết hạn"), "{id}: {message}");
    }
    // The provider's tokens re-signed unchanged are accepted: each refusal was for its one change.
    let res = app.client.get(callback_from(&app, "resigned", "lan").await).send().await.unwrap();
    assert_eq!(res.status(), 303, "{:?}", error_message(res).await);
    assert!(signed_in_name(&app).await.expect("signed in").contains("Nguyễn Thị Lan"));
}

async fn a_link_finished_in_another_signed_in_session_is_refused(app: TestApp) {
    // Minh starts linking the provider account "lan" to his forum account…
    let minh = app.create_user("minh.local@benhvien.example", "Trần Văn Minh", Role::Member).await;
    assert_eq!(app.login("minh.local@benhvien.example", PASSWORD).await.status(), 303);
    let start = app.post_form("/auth/oidc/test/link", &[]).await;
    let callback = walk_to_callback(&app.client, &app, start, "lan").await;
    // …but the provider's answer is opened in another browser, signed in as someone else.
    let (other, other_jar) = app.second_browser();
    let lan_local = app.create_user("khac@benhvien.example", "Người Khác", Role::Member).await;
    other.get(app.url("/")).send().await.unwrap();
    let csrf = crate::common::cookie_value(&other_jar, &app.base, "gp_csrf").unwrap();
    let fields = [("email", "khac@benhvien.example"), ("password", PASSWORD), ("csrf", csrf.as_str())];
    assert_eq!(other.post(app.url("/login")).form(&fields).send().await.unwrap().status(), 303);
    let (status, message) = error_message(other.get(&callback).send().await.unwrap()).await;
    assert_eq!(status, 400);
    assert!(message.contains("không hợp lệ hoặc đã hết hạn"), "{message}");
    assert!(app.store.identities_of(lan_local).await.unwrap().is_empty());
    // The state is spent: Minh's own browser cannot finish it either, and nothing was linked.
    assert_eq!(app.client.get(&callback).send().await.unwrap().status(), 400);
    assert!(app.store.identities_of(minh).await.unwrap().is_empty());
    assert_eq!(users_with_email(&app, "lan@benhvien.example").await, None);
}

async fn a_provider_sign_in_with_two_factor_on_still_asks_for_the_code(app: TestApp) {
    use crate::two_factor_steps::{code, enrol};
    assert_eq!(sign_in_with_provider(&app, "lan").await.status(), 303);
    let enrolled = enrol(&app).await;
    logout(&app).await;
    let res = sign_in_with_provider(&app, "lan").await;
    assert_eq!(location(&res), "/login/two-factor");
    assert!(signed_in_name(&app).await.is_none(), "half signed in only");
    let res = app.post_form("/login/two-factor", &[("code", &code(&enrolled.secret, 1))]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(signed_in_name(&app).await.as_deref(), Some("Nguyễn Thị Lan"));
}
