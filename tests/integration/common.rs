//! `TestApp`: the real application on 127.0.0.1:0 with a fresh database per test (a SQLite file
//! in a temporary folder, or a PostgreSQL schema of its own), driven over HTTP.

use std::sync::Arc;

use goodpractice::accounts::{self, DisplayName, Email, Password, Role};
use goodpractice::config::Config;
use goodpractice::store::Store;
use rand::Rng;
use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use serde_json::Value;
use tokio::sync::oneshot;

pub const PASSWORD: &str = "mật-khẩu-an-toàn-2026";

pub struct TestApp {
    pub base: String,
    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub client: reqwest::Client,
    pub jar: Arc<Jar>,
    /// The same database the app uses, for arranging what HTTP cannot (roles) and checking writes.
    pub store: Store,
    pub backend: &'static str,
    database_url: String,
    _shutdown: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

fn install_crypto() {
    // reqwest and fantoccini both enable a rustls backend in test builds; pick one once.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn require(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

impl TestApp {
    pub async fn sqlite() -> TestApp {
        Self::sqlite_with(|_| {}).await
    }

    pub async fn sqlite_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Self::start(url, dir, "sqlite", adjust).await
    }

    /// A fresh schema in `TEST_DATABASE_URL`; `None` (test skipped) when it is not set, unless
    /// `GP_REQUIRE_POSTGRES=1`, which makes a missing PostgreSQL a failure.
    pub async fn postgres() -> Option<TestApp> {
        Self::postgres_with(|_| {}).await
    }

    pub async fn postgres_with(adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let url = fresh_postgres_url().await?;
        let dir = tempfile::tempdir().expect("temp dir");
        Some(Self::start(url, dir, "postgres", adjust).await)
    }

    /// The app on a database and data folder prepared by the test (e.g. restored from a backup).
    pub async fn on(database_url: String, dir: tempfile::TempDir, backend: &'static str) -> TestApp {
        Self::start(database_url, dir, backend, |_| {}).await
    }

    /// Like `on`, with the configuration adjusted (e.g. a second server on the same database).
    pub async fn on_with(database_url: String, dir: tempfile::TempDir, backend: &'static str, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::start(database_url, dir, backend, adjust).await
    }

    async fn start(database_url: String, dir: tempfile::TempDir, backend: &'static str, adjust: impl FnOnce(&mut Config)) -> TestApp {
        install_crypto();
        let mut config = Config {
            data_dir: dir.path().to_path_buf(),
            database_url: database_url.clone(),
            demo: false,
            posts_per_minute: 1000,
            posts_per_minute_per_address: 100_000,
            // Most tests post as new members; moderation tests turn these rules back on.
            new_user_held_posts: 0,
            new_user_max_links: 1000,
            new_user_max_images: 1000,
            duplicate_window_minutes: 0,
            // The background digest runs on Mondays in Vietnam; a test must not depend on the weekday.
            weekly_digest: false,
            ..Config::default()
        };
        adjust(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(goodpractice::run(config, listener, async move {
            let _ = rx.await;
        }));
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().unwrap();
        let app_store = wait_until_ready(&client, &base, &database_url).await;
        TestApp { base, client, jar, store: app_store, backend, database_url, _shutdown: tx, _dir: dir }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Another browser on the same forum (its own cookies).
    pub fn second_browser(&self) -> (reqwest::Client, Arc<Jar>) {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder().cookie_provider(jar.clone()).redirect(Policy::none()).build().unwrap();
        (client, jar)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    /// The CSRF token this browser holds (set on its first page view).
    pub fn csrf(&self) -> String {
        cookie_value(&self.jar, &self.base, "gp_csrf").expect("visit a page first to get a CSRF cookie")
    }

    /// Submits a form the way a browser does: loads a page first (for the CSRF cookie), then posts
    /// the fields with the token.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if cookie_value(&self.jar, &self.base, "gp_csrf").is_none() {
            self.get("/").await;
        }
        let token = self.csrf();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &token));
        self.client.post(self.url(path)).form(&all).send().await.expect("POST form")
    }

    /// Signs up through the form, then opens the link mailed to `email` and activates the
    /// account; the browser is then signed in. Returns the activation's answer (a redirect).
    pub async fn signup(&self, email: &str, name: &str) -> reqwest::Response {
        let asked = self.post_form("/signup", &[("email", email), ("name", name), ("password", PASSWORD)]).await;
        assert_eq!(asked.status(), 200, "the sign-up form took the request");
        let link = self.mailed_link(email, "/signup/confirm/").await;
        let path = link.strip_prefix(&self.base).expect("a link to this forum");
        assert_eq!(self.get(path).await.status(), 200, "the activation page opens");
        self.post_form(path, &[]).await
    }

    /// The newest link holding `marker` in a mail to `email`, waiting (bounded) for it to be
    /// written: with no SMTP server set, the forum writes each mail as an .eml file under
    /// `<data_dir>/mail/`.
    pub async fn mailed_link(&self, email: &str, marker: &str) -> String {
        let python = "python3";
        for _ in 0..150 {
            let mails = eml_files(&self.data_dir().join("mail"));
            let found = mails.iter().rev().map(|f| parse_mail(python, f)).find_map(|mail| {
                let to_this = mail["to"].as_str().is_some_and(|to| to.to_lowercase().contains(&email.to_lowercase()));
                let text = mail["text"].as_str().unwrap_or_default().to_string();
                to_this.then(|| text.split_whitespace().find(|w| w.contains(marker)).map(str::to_string)).flatten()
            });
            if let Some(link) = found {
                return link;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no mail to {email} with a link holding {marker}");
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.post_form("/login", &[("email", email), ("password", password)]).await
    }

    /// Creates an account directly (any role) and returns its id.
    pub async fn create_user(&self, email: &str, name: &str, role: Role) -> i64 {
        let email = Email::parse(email).unwrap();
        let name = DisplayName::parse(name).unwrap();
        let password = Password::parse(PASSWORD).unwrap();
        accounts::register(&self.store, &email, &name, &password, role).await.unwrap()
    }

    /// A bearer token for a new account with this role.
    pub async fn token_for(&self, email: &str, name: &str, role: Role) -> String {
        self.create_user(email, name, role).await;
        let res = self.post_json("/api/v1/tokens", None, &serde_json::json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string()
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.json_request(reqwest::Method::POST, path, token, body).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.json_request(reqwest::Method::PATCH, path, token, body).await
    }

    async fn json_request(&self, method: reqwest::Method, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        req.send().await.expect("JSON request")
    }

    /// Publishes a topic through the API and returns its id.
    pub async fn api_topic(&self, token: &str, body: Value) -> i64 {
        let res = self.post_json("/api/v1/topics", Some(token), &body).await;
        let status = res.status();
        let json: Value = res.json().await.unwrap();
        assert_eq!(status, 201, "{json}");
        json["id"].as_i64().unwrap()
    }

    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// The app's data folder (search index, SQLite file), for commands run beside it.
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
    }
}

/// The URL of a new, empty schema in `TEST_DATABASE_URL`; `None` (test skipped) when it is not
/// set, unless `GP_REQUIRE_POSTGRES=1`, which makes a missing PostgreSQL a failure.
pub async fn fresh_postgres_url() -> Option<String> {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        assert!(!require("GP_REQUIRE_POSTGRES"), "GP_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set");
        eprintln!("skipping: TEST_DATABASE_URL is not set");
        return None;
    };
    let schema = format!("gp_test_{:016x}", rand::rng().random::<u64>());
    let admin = sqlx::PgPool::connect(&admin_url).await.expect("connect to TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&admin).await.expect("create schema");
    admin.close().await;
    let sep = if admin_url.contains('?') { '&' } else { '?' };
    Some(format!("{admin_url}{sep}options[search_path]={schema}"))
}

/// The mails written as .eml files in `dir` (the forum does so when no SMTP server is set), oldest first.
pub fn eml_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut files: Vec<(std::time::SystemTime, std::path::PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| (e.metadata().unwrap().modified().unwrap(), e.path()))
        .collect();
    files.sort();
    files.into_iter().map(|(_, p)| p).collect()
}

/// The message parsed by Python's `email` package: decoded headers, text and HTML parts.
pub fn parse_mail(python: &str, file: &std::path::Path) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/notify/parse_mail.py");
    let out = std::process::Command::new(python).arg(script).stdin(std::fs::File::open(file).unwrap()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Moves the expiry of every row of `table` (mailed links: `password_resets`, `signup_requests`)
/// a minute into the past, as if their time had run out.
pub async fn expire_all(app: &TestApp, table: &str) {
    let sql = format!("UPDATE {table} SET expires_at = $1");
    let past = chrono::Utc::now() - chrono::Duration::minutes(1);
    match app.backend {
        "sqlite" => {
            let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(past).execute(&pool).await.unwrap();
        }
        _ => {
            let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(past).execute(&pool).await.unwrap();
        }
    }
}

/// Rate limits count hits in fixed clock windows (`window_ms` long, starting on multiples of
/// it). A test that must meet a limit waits for the next window when fewer than `needed_ms` are
/// left, so its hits cannot straddle two windows and be counted apart.
pub async fn within_one_rate_window(window_ms: i64, needed_ms: i64) {
    let now = chrono::Utc::now().timestamp_millis();
    let left = window_ms - now.rem_euclid(window_ms);
    if left < needed_ms {
        tokio::time::sleep(std::time::Duration::from_millis(left as u64 + 50)).await;
    }
}

/// Runs a command to the end with `stdin` piped in (a command that stops before reading it,
/// e.g. on bad arguments, is fine).
pub async fn run_with_stdin(mut cmd: std::process::Command, stdin: &str) -> std::process::Output {
    use std::io::Write;
    use std::process::Stdio;
    let stdin = stdin.to_string();
    tokio::task::spawn_blocking(move || {
        let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start the command");
        let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
        child.wait_with_output().expect("the command finished")
    })
    .await
    .unwrap()
}

pub fn cookie_value(jar: &Jar, base: &str, name: &str) -> Option<String> {
    let header = jar.cookies(&base.parse().unwrap())?;
    header.to_str().ok()?.split("; ").find_map(|pair| pair.strip_prefix(&format!("{name}=")).map(str::to_string))
}

async fn wait_until_ready(client: &reqwest::Client, base: &str, database_url: &str) -> Store {
    for _ in 0..200 {
        if let Ok(res) = client.get(format!("{base}/healthz")).send().await
            && res.status() == 200
        {
            return Store::open(database_url).await.expect("open the test database");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the app did not become ready at {base}");
}

/// Runs each named `async fn(TestApp)` on SQLite and on PostgreSQL (when configured).
#[macro_export]
macro_rules! on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::common::TestApp::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some(app) = $crate::common::TestApp::postgres().await {
                        super::$name(app).await;
                    }
                }
            )*
        }
    };
}

/// Like `on_both_databases!`, with the configuration adjusted by `$adjust`.
#[macro_export]
macro_rules! on_both_with {
    ($adjust:ident: $($name:ident),* $(,)?) => {
        mod $adjust {
            mod sqlite {
                $(
                    #[tokio::test]
                    async fn $name() {
                        super::super::$name($crate::common::TestApp::sqlite_with(super::super::$adjust).await).await;
                    }
                )*
            }
            mod postgres {
                $(
                    #[tokio::test]
                    async fn $name() {
                        if let Some(app) = $crate::common::TestApp::postgres_with(super::super::$adjust).await {
                            super::super::$name(app).await;
                        }
                    }
                )*
            }
        }
    };
}

/// The text of the first element matching a CSS selector, whitespace collapsed.
pub fn text_of(html: &str, selector: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
}

/// How many elements match a CSS selector.
pub fn count(html: &str, selector: &str) -> usize {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).count()
}

/// An attribute of the first element matching a CSS selector.
pub fn attr_of(html: &str, selector: &str, attr: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).next().and_then(|e| e.value().attr(attr)).map(str::to_string)
}

/// What a form field shows: an input's value or a textarea's text.
pub fn field(html: &str, id: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let el = doc.select(&scraper::Selector::parse(&format!("#{id}")).unwrap()).next().unwrap_or_else(|| panic!("no field #{id}"));
    match el.value().name() {
        "textarea" => el.text().collect(),
        _ => el.value().attr("value").unwrap_or_default().to_string(),
    }
}
