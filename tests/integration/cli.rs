//! The `goodpractice` binary: `user create`, `migrate` and `serve`, run as an administrator would
//! (a data folder or a database URL, the password piped on standard input).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use goodpractice::store::Store;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};
use crate::on_both_databases;

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

/// The command with none of the developer's `GP_*`/`DATABASE_URL` settings, so only what the
/// test passes counts. Logs (which go to standard output) are kept to warnings.
fn goodpractice(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args);
    let settings = ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR", "GP_BIND", "GP_DEMO", "GP_LOG_JSON"];
    for var in settings {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn").env("RUST_BACKTRACE", "0");
    cmd
}

/// `user create` with the database chosen by `db_args` (`--data-dir DIR` or `--database-url URL`).
fn user_create(db_args: &[&str], email: &str, name: &str, role: &str) -> Command {
    let mut cmd = goodpractice(db_args);
    cmd.args(["user", "create", "--email", email, "--name", name, "--role", role, "--password-stdin"]);
    cmd
}

/// `user create` on the SQLite database of the data folder `dir`.
fn user_create_in(dir: &Path, email: &str, name: &str, role: &str) -> Command {
    user_create(&["--data-dir", &dir.display().to_string()], email, name, role)
}

async fn run(cmd: Command, stdin: &str) -> Output {
    crate::common::run_with_stdin(cmd, stdin).await
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The database `--data-dir DIR` uses.
async fn store_in(dir: &Path) -> Store {
    Store::open(&format!("sqlite://{}", dir.join("goodpractice.db").display())).await.unwrap()
}

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap()
}

/// A `goodpractice serve` process on a free port; killed when dropped.
struct Server {
    child: Child,
    base: String,
    /// What it prints after the address line (its log).
    lines: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the server and waits for the address line it prints.
    fn start(data_dir: &Path, extra: &[&str]) -> Server {
        Self::start_logging(data_dir, extra, "warn")
    }

    /// Starts the server logging at `level` (`RUST_LOG`).
    fn start_logging(data_dir: &Path, extra: &[&str], level: &str) -> Server {
        let mut cmd = goodpractice(&["serve", "--bind", "127.0.0.1:0", "--data-dir", &data_dir.display().to_string()]);
        cmd.env("RUST_LOG", level);
        let mut child = cmd.args(extra).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start goodpractice serve");
        let out = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        // Keeps reading after the address line so the server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut server = Server { child, base: String::new(), lines: rx };
        loop {
            match server.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) => {
                    if let Some(base) = line.strip_prefix("goodpractice: ") {
                        server.base = base.trim().to_string();
                        return server;
                    }
                }
                Err(e) => panic!("serve printed no address ({e}); exit status {:?}", server.child.try_wait()),
            }
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        http().get(format!("{}{path}", self.base)).send().await.expect("GET from goodpractice serve")
    }

    /// The first line printed from now on that contains `text`.
    fn line_with(&self, text: &str) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(10)) {
                Ok(line) if line.contains(text) => return line,
                Ok(_) => {}
                Err(e) => panic!("no line with {text:?} ({e})"),
            }
        }
    }

    /// Sends SIGTERM and returns how the process ended.
    fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not stop within 10 s of SIGTERM");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// On the database of a running app (SQLite and PostgreSQL)

async fn user_create_makes_an_admin_who_can_get_an_api_token(app: TestApp) {
    let cmd = user_create(&["--database-url", app.database_url()], "QuanTri@BV.vn", "Phạm Quản Trị", "admin");
    let out = run(cmd, &format!("{PASSWORD}\n")).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("<QuanTri@BV.vn> with role admin"), "{}", stdout(&out));

    let res = app.post_json("/api/v1/tokens", None, &json!({"email": "quantri@bv.vn", "password": PASSWORD})).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert_eq!((&body["role"], &body["display_name"]), (&json!("admin"), &json!("Phạm Quản Trị")));
}

async fn migrate_uses_database_url_from_the_environment(app: TestApp) {
    let mut cmd = goodpractice(&["migrate"]);
    cmd.env("DATABASE_URL", app.database_url());
    let out = run(cmd, "").await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("migrations applied ({})\n", app.backend));
    assert_eq!(app.get("/healthz").await.status(), 200, "the running app is unaffected");
}

on_both_databases!(user_create_makes_an_admin_who_can_get_an_api_token, migrate_uses_database_url_from_the_environment);

// ---------------------------------------------------------------------------------------------
// `user create` refusals (SQLite data folder)

#[tokio::test]
async fn a_windows_line_ending_after_the_password_is_not_part_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(user_create_in(dir.path(), "lan@bv.vn", "Nguyễn Thị Lan", "member"), &format!("{PASSWORD}\r\n")).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let (user, hash) = store_in(dir.path()).await.user_for_login("lan@bv.vn").await.unwrap();
    assert_eq!((user.display_name.as_str(), user.role), ("Nguyễn Thị Lan", goodpractice::accounts::Role::Member));
    assert!(goodpractice::accounts::password::verify(PASSWORD, &hash.unwrap()));
}

/// Runs `user create` in a fresh data folder; returns the output and how many users exist after.
async fn create_in_fresh_dir(email: &str, role: &str, password: &str) -> (Output, i64) {
    let dir = tempfile::tempdir().unwrap();
    let out = run(user_create_in(dir.path(), email, "Nguyễn Thị Lan", role), password).await;
    let users = store_in(dir.path()).await.count_users().await.unwrap();
    (out, users)
}

#[tokio::test]
async fn an_unknown_role_is_refused_with_the_roles_listed() {
    let (out, users) = create_in_fresh_dir("lan@bv.vn", "superuser", PASSWORD).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("unknown role \"superuser\" (member, moderator, ministry or admin)"), "{}", stderr(&out));
    assert_eq!(users, 0);
}

#[tokio::test]
async fn a_short_password_is_refused_with_the_rule() {
    let (out, users) = create_in_fresh_dir("lan@bv.vn", "member", "ngan\n").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("password: The password must be 8 to 200 characters long."), "{}", stderr(&out));
    assert_eq!(users, 0);
}

#[tokio::test]
async fn an_invalid_email_is_refused() {
    let (out, users) = create_in_fresh_dir("lan-at-bv.vn", "member", PASSWORD).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("email: That email address is not valid."), "{}", stderr(&out));
    assert_eq!(users, 0);
}

#[tokio::test]
async fn the_password_must_come_from_stdin() {
    let out = run(goodpractice(&["user", "create", "--email", "lan@bv.vn", "--name", "Nguyễn Thị Lan"]), PASSWORD).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--password-stdin"), "{}", stderr(&out));
}

#[tokio::test]
async fn an_email_taken_in_another_letter_case_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(user_create_in(dir.path(), "lan@bv.vn", "Nguyễn Thị Lan", "member"), PASSWORD).await.status.success());
    let out = run(user_create_in(dir.path(), "LAN@BV.VN", "Lan thứ hai", "admin"), PASSWORD).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already used by another account"), "{}", stderr(&out));
    assert_eq!(store_in(dir.path()).await.count_users().await.unwrap(), 1);
}

// ---------------------------------------------------------------------------------------------
// `migrate` and `serve`

#[tokio::test]
async fn migrate_prepares_a_fresh_data_folder_and_can_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("du-lieu");
    for _ in 0..2 {
        let out = run(goodpractice(&["migrate", "--data-dir", &data.display().to_string()]), "").await;
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), "migrations applied (sqlite)\n");
    }
    assert!(data.join("goodpractice.db").is_file());
}

#[tokio::test]
async fn serve_without_demo_answers_with_an_empty_forum() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--no-demo"]);
    let health = server.get("/healthz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");

    let missing = server.get("/api/v1/topics/1").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.headers()["content-type"], "application/problem+json");
    let categories: Vec<Value> = server.get("/api/v1/categories").await.json().await.unwrap();
    assert_eq!(categories.len(), 11);
    assert!(categories.iter().all(|c| c["topic_count"] == 0), "{categories:?}");
}

#[tokio::test]
async fn serve_loads_demo_content_into_an_empty_forum() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &[]);
    let categories: Vec<Value> = server.get("/api/v1/categories").await.json().await.unwrap();
    let topics: i64 = categories.iter().map(|c| c["topic_count"].as_i64().unwrap()).sum();
    assert!(topics >= 30, "only {topics} demo topics");
    assert_eq!(server.get("/api/v1/topics/1").await.status(), 200);
}

#[tokio::test]
async fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--no-demo"]);
    assert_eq!(server.get("/healthz").await.status(), 200);
    assert!(server.terminate().success());
}

/// One access line per request at the default level, with the request id and the route pattern;
/// nothing of what the reader asked for (query, path values) nor who they are.
#[tokio::test]
async fn serve_logs_one_access_line_per_request_without_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_logging(dir.path(), &["--no-demo"], "info");
    let url = format!("{}/search?q=lan%40bv.vn+ma-benh-nhan-4471", server.base);
    let res = http().get(url).header("x-request-id", "access-log-test-1").header("cookie", "gp_lang=en").send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-request-id"], "access-log-test-1");
    let line = server.line_with("access-log-test-1");
    for part in ["goodpractice::access", "method=\"GET\"", "route=\"/search\"", "status=200", "ms="] {
        assert!(line.contains(part), "{part:?} missing from {line}");
    }
    for secret in ["bv.vn", "4471", "q=", "gp_lang", "127.0.0.1"] {
        assert!(!line.contains(secret), "{secret:?} leaked into {line}");
    }
    let missing = server.get("/u/lan@bv.vn/4471").await;
    let id = missing.headers()["x-request-id"].to_str().unwrap().to_string();
    let line = server.line_with(&id);
    assert!(line.contains("route=\"unmatched\"") && line.contains("status=404"), "{line}");
    assert!(!line.contains("bv.vn") && !line.contains("4471"), "a path no route knows is not logged: {line}");
}

#[tokio::test]
async fn serve_refuses_a_bind_that_is_not_an_address() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path().display().to_string();
    let out = run(goodpractice(&["serve", "--no-demo", "--bind", "localhost-8080", "--data-dir", &dir]), "").await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--bind is not an address: localhost-8080"), "{}", stderr(&out));
}
