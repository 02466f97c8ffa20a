//! The search index survives what happens to real processes: `kill -9` in the middle of heavy
//! writing, an index folder that is corrupt, of an older schema version or missing at start, and
//! (PostgreSQL) several `serve` processes that each keep their own index of one change log.
//!
//! Everything here runs the real binary as child processes on port 0, killed when dropped. What
//! the index must hold is read from the database itself: a request in flight when a server is
//! killed may or may not have committed, so the writer's own bookkeeping cannot say.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::redirect::Policy;
use serde_json::{Value, json};

use crate::common::{PASSWORD, cookie_value};

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");
/// A word every test topic's body holds and nothing else does: the search that lists them all.
const MARKER: &str = "kiemthuxyz";
/// How long the index may take to reach the database after a restart.
const CONVERGE: Duration = Duration::from_secs(15);
/// How long a change may take to travel from one `serve` process to another's index.
const ACROSS_PROCESSES: Duration = Duration::from_secs(2);
const WRITERS: usize = 4;

// ---------------------------------------------------------------------------------------------
// The database the child processes share, and the test's own view of it

/// A database for the children: a SQLite file in a data folder, or a fresh PostgreSQL schema.
struct Database {
    /// `DATABASE_URL` of every child process.
    url: String,
    backend: &'static str,
    pool: Pool,
}

enum Pool {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Database {
    /// SQLite in `dir` (created by the first command that opens it).
    fn sqlite(dir: &Path) -> (String, &'static str) {
        (format!("sqlite://{}", dir.join("goodpractice.db").display()), "sqlite")
    }

    /// A fresh schema in `TEST_DATABASE_URL` (see `common::fresh_postgres_url`).
    async fn postgres_url() -> Option<(String, &'static str)> {
        Some((crate::common::fresh_postgres_url().await?, "postgres"))
    }

    /// Prepares the database with a member account (the way an operator would: `user create`),
    /// then connects the test to it.
    async fn with_member((url, backend): (String, &'static str), data_dir: &Path, email: &str) -> Database {
        let mut cmd = goodpractice(&url, data_dir);
        cmd.args(["user", "create", "--email", email, "--name", "Nguyễn Thị Kiểm Thử", "--role", "member", "--password-stdin"]);
        let out = run_to_end(cmd, &format!("{PASSWORD}\n")).await;
        assert!(out.status.success(), "user create failed: {}", String::from_utf8_lossy(&out.stderr));
        let pool = if backend == "postgres" {
            Pool::Postgres(sqlx::PgPool::connect(&url).await.expect("connect to the test schema"))
        } else {
            Pool::Sqlite(sqlx::SqlitePool::connect(&url).await.expect("open the SQLite file"))
        };
        Database { url, backend, pool }
    }

    async fn ids(&self, sql: &'static str) -> BTreeSet<i64> {
        let ids: Vec<i64> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar(sql).fetch_all(p).await,
            Pool::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await,
        }
        .expect("read topics from the database");
        ids.into_iter().collect()
    }

    /// Topics the public can see: exactly what a search for the marker must find.
    async fn published(&self) -> BTreeSet<i64> {
        self.ids(
            "SELECT t.id FROM topics t WHERE t.status = 'published' AND t.deleted_at IS NULL AND EXISTS \
             (SELECT 1 FROM posts p WHERE p.topic_id = t.id AND p.position = 1 AND p.status = 'published' AND p.deleted_at IS NULL)",
        )
        .await
    }

    /// The change log as (seq, topic id), for failure messages.
    async fn change_log(&self) -> Vec<(i64, i64)> {
        let sql = "SELECT seq, entity_id FROM search_changes ORDER BY seq";
        match &self.pool {
            Pool::Sqlite(p) => sqlx::query_as(sql).fetch_all(p).await,
            Pool::Postgres(p) => sqlx::query_as(sql).fetch_all(p).await,
        }
        .expect("read the change log")
    }

    async fn deleted(&self) -> BTreeSet<i64> {
        self.ids("SELECT id FROM topics WHERE deleted_at IS NOT NULL").await
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// The binary with none of the developer's settings: no `GP_*` variable, no `DATABASE_URL`, no
/// `RUST_LOG` (so the log shows what an operator sees by default), and no colours in the log.
fn goodpractice(database_url: &str, data_dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("GP_") || key == "DATABASE_URL" || key == "RUST_LOG" {
            cmd.env_remove(key.as_ref());
        }
    }
    cmd.env("GP_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("GP_POSTS_PER_MINUTE", "1000000")
        .env("GP_POSTS_PER_MINUTE_PER_ADDRESS", "1000000")
        // The writers post many near-identical topics as a new member; moderation would hold them.
        .env("GP_NEW_USER_HELD_POSTS", "0")
        .env("GP_DUPLICATE_WINDOW_MINUTES", "0")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "1");
    cmd
}

async fn run_to_end(cmd: Command, stdin: &str) -> std::process::Output {
    crate::common::run_with_stdin(cmd, stdin).await
}

/// A `goodpractice serve --no-demo` process; SIGKILLed when dropped.
struct Server {
    child: Child,
    base: String,
    data_dir: PathBuf,
    /// Every line it wrote on standard output and standard error so far.
    log: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(db: &Database, data_dir: &Path) -> Server {
        let mut cmd = goodpractice(&db.url, data_dir);
        cmd.args(["serve", "--no-demo", "--bind", "127.0.0.1:0"]);
        let data_dir = data_dir.to_path_buf();
        tokio::task::spawn_blocking(move || Server::spawn(cmd, data_dir)).await.unwrap()
    }

    fn spawn(mut cmd: Command, data_dir: PathBuf) -> Server {
        let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start goodpractice serve");
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        // Both pipes are read to the end, so the server never blocks on a full one.
        collect_lines(child.stdout.take().unwrap(), log.clone(), Some(tx));
        collect_lines(child.stderr.take().unwrap(), log.clone(), None);
        let mut server = Server { child, base: String::new(), data_dir, log };
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(base) => server.base = base,
            Err(e) => panic!("serve printed no address ({e}); exit {:?}; log:\n{}", server.child.try_wait(), server.log_text()),
        }
        server
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn log_text(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `kill -9`: no shutdown, no final commit.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        let status = self.child.wait().expect("wait for the killed server");
        assert!(!status.success(), "a killed server does not exit cleanly: {status:?}");
    }

    /// SIGTERM, then waits (bounded) for a clean exit.
    async fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve ended with {status:?} on SIGTERM; log:\n{}", self.log_text());
                return;
            }
            assert!(Instant::now() < deadline, "serve did not stop within 15 s of SIGTERM");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits (bounded) until the log holds a line containing `text`; returns that line.
    async fn wait_for_log(&self, text: &str) -> String {
        let deadline = Instant::now() + CONVERGE;
        loop {
            if let Some(line) = self.log.lock().unwrap().iter().find(|l| l.contains(text)) {
                return line.clone();
            }
            assert!(Instant::now() < deadline, "no log line with {text:?} within {CONVERGE:?}; log:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads a pipe line by line into `log` (ANSI colours stripped); the first `goodpractice: ADDR`
/// line's address goes to `address`.
fn collect_lines(pipe: impl Read + Send + 'static, log: Arc<Mutex<Vec<String>>>, address: Option<mpsc::Sender<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let line = strip_ansi(&line);
            if let (Some(tx), Some(base)) = (&address, line.strip_prefix("goodpractice: ")) {
                let _ = tx.send(base.trim().to_string());
            }
            log.lock().unwrap().push(line);
        }
    });
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters… final letter
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// A member writing through the API (topics, edits) and the site's forms (deletes)

fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap()
}

/// A member signed in on one server: an API token and a browser session for the forms.
#[derive(Clone)]
struct Member {
    base: String,
    token: String,
    browser: reqwest::Client,
    csrf: String,
}

impl Member {
    async fn sign_in(server: &Server, email: &str) -> Member {
        let res = http().post(server.url("/api/v1/tokens")).json(&json!({"email": email, "password": PASSWORD})).send().await;
        let Ok(res) = res else {
            // Let the pipes deliver the last words of a server that died.
            tokio::time::sleep(Duration::from_secs(1)).await;
            panic!("no answer from {} ({res:?}); its log:\n{}", server.base, server.log_text());
        };
        assert_eq!(res.status(), 201, "token for {email}");
        let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();

        let jar = Arc::new(reqwest::cookie::Jar::default());
        let browser = reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .redirect(Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        browser.get(server.url("/login")).send().await.unwrap();
        let csrf = cookie_value(&jar, &server.base, "gp_csrf").expect("a CSRF cookie from the login page");
        let res =
            browser.post(server.url("/login")).form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)]).send().await.unwrap();
        assert_eq!(res.status(), 303, "sign-in of {email}");
        // Signing in brings a new token, bound to the session.
        let csrf = cookie_value(&jar, &server.base, "gp_csrf").expect("a CSRF cookie for the session");
        Member { base: server.base.clone(), token, browser, csrf }
    }

    /// Publishes topic number `n`; (topic id, opening post id) on 201.
    async fn publish(&self, n: usize) -> Result<(i64, i64), Failure> {
        let topic = json!({
            "category": "fall-prevention", "kind": "discussion",
            "title": format!("Đợt kiểm thử số {n}: phòng ngừa té ngã cho người bệnh cao tuổi"),
            "body": format!("Ghi chép đợt-kiểm-thử {MARKER} số {n}. Điều dưỡng hạ thấp giường bệnh và kiểm tra chuông gọi mỗi ca."),
        });
        let res = http().post(format!("{}/api/v1/topics", self.base)).bearer_auth(&self.token).json(&topic).send().await?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if status != 201 {
            return Err(Failure::Status(format!("publish: {status} {body}")));
        }
        Ok((body["id"].as_i64().unwrap(), body["post_id"].as_i64().unwrap()))
    }

    /// Edits an opening post; the marker stays, a new word `word` arrives.
    async fn edit(&self, post_id: i64, word: &str) -> Result<(), Failure> {
        let edit = json!({"body": format!("Bản sửa đợt-kiểm-thử {MARKER}: thêm {word} cho khoa Nội.")});
        let res = http().patch(format!("{}/api/v1/posts/{post_id}", self.base)).bearer_auth(&self.token).json(&edit).send().await?;
        match res.status().as_u16() {
            200 => Ok(()),
            other => Err(Failure::Status(format!("edit post {post_id}: {other} {}", res.text().await.unwrap_or_default()))),
        }
    }

    /// Deletes a topic the way the site offers: the delete form of its opening post.
    async fn delete(&self, post_id: i64) -> Result<(), Failure> {
        let res = self.browser.post(format!("{}/posts/{post_id}/delete", self.base)).form(&[("csrf", self.csrf.as_str())]).send().await?;
        match res.status().as_u16() {
            303 => Ok(()),
            other => Err(Failure::Status(format!("delete post {post_id}: {other}"))),
        }
    }
}

#[derive(Debug)]
enum Failure {
    /// No answer: the server is gone (expected once it is killed).
    Connection,
    /// An answer that is not the success expected: a bug whenever the server is up.
    Status(String),
}

impl From<reqwest::Error> for Failure {
    fn from(_: reqwest::Error) -> Self {
        Failure::Connection
    }
}

/// What the writers saw succeed.
#[derive(Default)]
struct Tally {
    /// topic id → opening post id, for every 201.
    published: BTreeMap<i64, i64>,
    /// Topics whose delete form answered 303.
    deleted: BTreeSet<i64>,
    /// Topics a delete was sent for, answered or not (one cut off by the kill may have committed).
    delete_sent: BTreeSet<i64>,
    /// Answers that were not the expected success.
    unexpected: Vec<String>,
}

/// Several writers publishing, editing and deleting as fast as they can until `stop`, or until
/// the server stops answering.
struct Writing {
    stop: Arc<AtomicBool>,
    published: Arc<AtomicUsize>,
    tally: Arc<Mutex<Tally>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Writing {
    fn start(member: &Member, numbering: Arc<AtomicUsize>) -> Writing {
        let stop = Arc::new(AtomicBool::new(false));
        let published = Arc::new(AtomicUsize::new(0));
        let tally = Arc::new(Mutex::new(Tally::default()));
        let tasks = (0..WRITERS)
            .map(|_| {
                let (member, stop, published, tally, numbering) =
                    (member.clone(), stop.clone(), published.clone(), tally.clone(), numbering.clone());
                tokio::spawn(async move { write_until_stopped(member, stop, published, tally, numbering).await })
            })
            .collect();
        Writing { stop, published, tally, tasks }
    }

    /// Waits (bounded) until at least `n` topics were published in this round.
    async fn wait_for(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.published.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the writers published only {} topics in 60 s", self.published.load(Ordering::SeqCst));
            let unexpected = self.tally.lock().unwrap().unexpected.clone();
            assert!(unexpected.is_empty(), "writes failed while the server was up: {unexpected:?}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn finish(self) -> Tally {
        self.stop.store(true, Ordering::SeqCst);
        for task in self.tasks {
            tokio::time::timeout(Duration::from_secs(30), task).await.expect("a writer did not stop").expect("a writer panicked");
        }
        Arc::try_unwrap(self.tally).ok().expect("writers are done").into_inner().unwrap()
    }
}

async fn write_until_stopped(
    member: Member,
    stop: Arc<AtomicBool>,
    published: Arc<AtomicUsize>,
    tally: Arc<Mutex<Tally>>,
    numbering: Arc<AtomicUsize>,
) {
    let mut mine: Vec<(i64, i64)> = Vec::new();
    let record = |result: Result<(), Failure>| -> bool {
        match result {
            Ok(()) => true,
            Err(Failure::Connection) => false,
            Err(Failure::Status(s)) => {
                tally.lock().unwrap().unexpected.push(s);
                true
            }
        }
    };
    while !stop.load(Ordering::SeqCst) {
        let n = numbering.fetch_add(1, Ordering::SeqCst);
        match member.publish(n).await {
            Ok((topic, post)) => {
                tally.lock().unwrap().published.insert(topic, post);
                published.fetch_add(1, Ordering::SeqCst);
                mine.push((topic, post));
            }
            Err(e) => {
                if !record(Err(e)) {
                    return;
                }
                continue;
            }
        }
        // Every third topic deletes an earlier one; every fifth edits the newest.
        if n % 3 == 2 && mine.len() >= 2 {
            let (topic, post) = mine.remove(mine.len() / 2);
            tally.lock().unwrap().delete_sent.insert(topic);
            let result = member.delete(post).await;
            if result.is_ok() {
                tally.lock().unwrap().deleted.insert(topic);
            }
            if !record(result) {
                return;
            }
        }
        if n % 5 == 4 {
            let &(_, post) = mine.last().unwrap();
            if !record(member.edit(post, &format!("suaxyz{n}")).await) {
                return;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Searching

/// Every topic a search for `q` finds, across all pages, with the `total` reported; `None` while
/// the server does not answer 200 (e.g. 503 while the index opens).
async fn find_all(server: &Server, q: &str) -> Option<(Vec<i64>, u64)> {
    let mut ids = Vec::new();
    for page in 1..=100 {
        let url = server.url(&format!("/api/v1/search?q={q}&limit=100&page={page}"));
        let res = http().get(url).send().await.ok()?;
        if res.status() != 200 {
            return None;
        }
        let json: Value = res.json().await.ok()?;
        let total = json["total"].as_u64().unwrap();
        let hits = json["hits"].as_array().unwrap();
        ids.extend(hits.iter().map(|h| h["topic_id"].as_i64().unwrap()));
        if hits.len() < 100 {
            return Some((ids, total));
        }
    }
    panic!("more than 100 pages of results for {q:?}");
}

/// Polls until the search for the marker finds exactly the published topics of the database,
/// each once, with the same `total`, and no deleted topic.
async fn converges(server: &Server, db: &Database, patience: Duration) {
    let started = Instant::now();
    loop {
        let expected = db.published().await;
        let found = find_all(server, MARKER).await;
        if let Some((ids, total)) = &found {
            let set: BTreeSet<i64> = ids.iter().copied().collect();
            if set == expected && ids.len() == expected.len() && *total == expected.len() as u64 {
                let deleted = db.deleted().await;
                assert!(set.is_disjoint(&deleted), "deleted topics found: {:?}", set.intersection(&deleted).collect::<Vec<_>>());
                return;
            }
        }
        if started.elapsed() > patience {
            let describe = match &found {
                None => "no answer".to_string(),
                Some((ids, total)) => {
                    let set: BTreeSet<i64> = ids.iter().copied().collect();
                    let wrong: BTreeSet<i64> = expected.symmetric_difference(&set).copied().collect();
                    let log = db.change_log().await;
                    let max = log.last().map_or(0, |c| c.0);
                    let changes: Vec<_> = log.into_iter().filter(|(_, id)| wrong.contains(id)).collect();
                    format!(
                        "total {total}, {} hits; missing {:?}; not published {:?}; duplicates: {}\n\
                         their changes (seq, topic): {changes:?}; last seq {max}; index payload {:?}",
                        ids.len(),
                        expected.difference(&set).collect::<Vec<_>>(),
                        set.difference(&expected).collect::<Vec<_>>(),
                        ids.len() - set.len(),
                        std::fs::read_to_string(search_dir(&server.data_dir).join("CURRENT"))
                            .ok()
                            .and_then(|g| std::fs::read_to_string(search_dir(&server.data_dir).join(g.trim()).join("meta.json")).ok())
                            .and_then(|m| serde_json::from_str::<Value>(&m).ok())
                            .map(|m| m["payload"].clone()),
                    )
                }
            };
            panic!(
                "{}: the index did not reach the {} published topics within {patience:?}: {describe}\nserver log:\n{}",
                db.backend,
                expected.len(),
                server.log_text()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Polls `server`'s search for `q` every 100 ms until `done` holds; returns how long it took.
/// Fails once `patience` has passed.
async fn search_within(server: &Server, q: &str, patience: Duration, done: impl Fn(&[i64]) -> bool) -> Duration {
    try_search_within(server, q, patience, done).await.unwrap_or_else(|e| panic!("{e}"))
}

async fn try_search_within(server: &Server, q: &str, patience: Duration, done: impl Fn(&[i64]) -> bool) -> Result<Duration, String> {
    let started = Instant::now();
    loop {
        let found = find_all(server, q).await;
        if found.as_ref().is_some_and(|(ids, _)| done(ids)) {
            return Ok(started.elapsed());
        }
        if started.elapsed() >= patience {
            return Err(format!("search {q:?} on {} not there within {patience:?}: {found:?}", server.base));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 1. kill -9 in the middle of heavy writing

/// `postgres`: a fresh schema; `None` for SQLite in the data folder (the default set-up).
async fn killed_mid_writing_then_the_index_converges_to_the_database(postgres: Option<(String, &'static str)>) {
    let data = tempfile::tempdir().unwrap();
    let database = postgres.unwrap_or_else(|| Database::sqlite(data.path()));
    let db = Database::with_member(database, data.path(), "kiemthu@bv.vn").await;
    let numbering = Arc::new(AtomicUsize::new(0));
    let mut server = Server::start(&db, data.path()).await;
    let mut seen_published = BTreeMap::new();
    let mut seen_deleted = BTreeSet::new();
    let mut delete_sent = BTreeSet::new();

    for round in 1..=2 {
        let member = Member::sign_in(&server, "kiemthu@bv.vn").await;
        let writing = Writing::start(&member, numbering.clone());
        // A varying moment after a steady stream has started, with every writer mid-request.
        writing.wait_for(40 + rand::rng().random_range(0..40)).await;
        tokio::time::sleep(Duration::from_millis(rand::rng().random_range(0..300))).await;
        server.kill();
        let tally = writing.finish().await;
        assert!(tally.unexpected.is_empty(), "round {round}: writes failed while the server was up: {:?}", tally.unexpected);
        seen_published.extend(tally.published);
        seen_deleted.extend(tally.deleted);
        delete_sent.extend(tally.delete_sent);

        // The same data folder, a new port.
        server = Server::start(&db, data.path()).await;
        let member = Member::sign_in(&server, "kiemthu@bv.vn").await;
        let mut after = Vec::new();
        for _ in 0..4 {
            after.push(member.publish(numbering.fetch_add(1, Ordering::SeqCst)).await.expect("publish after the restart"));
        }
        member.delete(after[0].1).await.expect("delete after the restart");
        seen_deleted.insert(after[0].0);
        delete_sent.insert(after[0].0);
        seen_published.extend(after);
        converges(&server, &db, CONVERGE).await;

        // What a writer saw succeed was durable, and the database agrees with the index.
        let published = db.published().await;
        let acknowledged: BTreeSet<i64> = seen_published.keys().copied().filter(|id| !delete_sent.contains(id)).collect();
        assert!(
            acknowledged.is_subset(&published),
            "acknowledged topics lost: {:?}",
            acknowledged.difference(&published).collect::<Vec<_>>()
        );
        assert!(seen_deleted.is_disjoint(&published), "acknowledged deletes undone");
        assert!(published.len() >= 20 * round, "round {round}: only {} topics published", published.len());
        eprintln!(
            "{} round {round}: {} topics acknowledged, {} deletes acknowledged; the database shows {} published",
            db.backend,
            seen_published.len(),
            seen_deleted.len(),
            published.len()
        );
        // The payload let it resume: a kill does not make the index unusable.
        assert!(!server.log_text().contains("was unusable"), "round {round}: the index was rebuilt after kill -9:\n{}", server.log_text());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_mid_writing_sqlite() {
    killed_mid_writing_then_the_index_converges_to_the_database(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn killed_mid_writing_postgres() {
    if let Some(database) = Database::postgres_url().await {
        killed_mid_writing_then_the_index_converges_to_the_database(Some(database)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 2. An index that is corrupt, of another schema version, or missing when the server starts
//    (tests/integration/search.rs covers junk in a fresh folder and a folder deleted while
//    running; these start over an index that held real content.)

fn search_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search")
}

/// The folder of the generation `CURRENT` names.
fn current_generation(data_dir: &Path) -> PathBuf {
    let current = std::fs::read_to_string(search_dir(data_dir).join("CURRENT")).expect("search/CURRENT");
    search_dir(data_dir).join(current.trim())
}

/// The index's data files: everything but tantivy's bookkeeping (meta.json, .managed.json, locks).
fn segment_files(generation: &Path) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = std::fs::read_dir(generation)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.') && n != "meta.json"))
        .collect();
    assert!(!files.is_empty(), "no segment files in {}", generation.display());
    files
}

/// Overwrites every segment file with junk of the same length, as a bad disk might.
fn overwrite_segments_with_junk(data_dir: &Path) {
    for file in segment_files(&current_generation(data_dir)) {
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        let junk: Vec<u8> = (0..len.max(16)).map(|i| (i * 7 + 13) as u8).collect();
        std::fs::write(&file, junk).unwrap();
    }
}

/// Flips bytes in the middle of every segment file, leaving the files' footers (tantivy's
/// version and checksum, about a hundred bytes) intact.
fn flip_bytes_inside_segments(data_dir: &Path) {
    for file in segment_files(&current_generation(data_dir)) {
        let mut bytes = std::fs::read(&file).unwrap();
        let end = bytes.len().saturating_sub(256);
        for b in bytes[..end].iter_mut().step_by(3) {
            *b ^= 0x5a;
        }
        std::fs::write(&file, bytes).unwrap();
    }
}

/// Rewrites the commit payload in meta.json to claim an older schema version.
fn claim_an_older_schema_version(data_dir: &Path) -> u64 {
    let path = current_generation(data_dir).join("meta.json");
    let mut meta: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut payload: Value = serde_json::from_str(meta["payload"].as_str().expect("a commit payload")).unwrap();
    let ours = payload["schema"].as_u64().expect("a schema version in the payload");
    assert!(payload["seq"].as_i64().is_some(), "a change-log position in the payload: {payload}");
    let older = ours.checked_sub(1).unwrap_or(ours + 1);
    payload["schema"] = json!(older);
    meta["payload"] = json!(payload.to_string());
    std::fs::write(&path, serde_json::to_string(&meta).unwrap()).unwrap();
    older
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_or_missing_index_is_rebuilt_at_start_with_a_log_line() {
    let data = tempfile::tempdir().unwrap();
    let db = Database::with_member(Database::sqlite(data.path()), data.path(), "kiemthu@bv.vn").await;
    let server = Server::start(&db, data.path()).await;
    let member = Member::sign_in(&server, "kiemthu@bv.vn").await;
    let mut posts = Vec::new();
    for n in 0..12 {
        posts.push(member.publish(n).await.unwrap());
    }
    member.delete(posts[3].1).await.unwrap();
    member.edit(posts[5].1, "suaxyz5").await.unwrap();
    converges(&server, &db, CONVERGE).await;
    server.stop().await;

    type Damage = fn(&Path) -> String;
    let cases: &[(&str, Damage, &[&str])] = &[
        (
            "segment files overwritten with junk",
            |d| {
                overwrite_segments_with_junk(d);
                String::new()
            },
            &["search index was unusable and has been replaced", "search index built from the database"],
        ),
        (
            "bytes flipped inside the segment files",
            |d| {
                flip_bytes_inside_segments(d);
                "checksum mismatch".into()
            },
            &["search index was unusable and has been replaced", "search index built from the database"],
        ),
        (
            "meta.json of an older schema version",
            |d| format!("schema version {}", claim_an_older_schema_version(d)),
            &["search index was unusable and has been replaced", "search index built from the database"],
        ),
        (
            "the whole search folder deleted",
            |d| {
                std::fs::remove_dir_all(search_dir(d)).unwrap();
                String::new()
            },
            &["search index created", "search index built from the database"],
        ),
        (
            "CURRENT names a generation that is gone",
            |d| {
                std::fs::remove_dir_all(current_generation(d)).unwrap();
                String::new()
            },
            &["search index created", "search index built from the database"],
        ),
        (
            "CURRENT unreadable",
            |d| {
                std::fs::write(search_dir(d).join("CURRENT"), b"\xff\xfe").unwrap();
                String::new()
            },
            &["CURRENT file is unreadable", "search index built from the database"],
        ),
    ];
    for (n, (case, damage, lines)) in cases.iter().enumerate() {
        let reason = damage(data.path());
        let server = Server::start(&db, data.path()).await;
        for line in *lines {
            server.wait_for_log(line).await;
        }
        assert!(server.log_text().contains(&reason), "{case}: the log names the reason {reason:?}:\n{}", server.log_text());
        converges(&server, &db, CONVERGE).await;
        // …and it keeps following the change log.
        let member = Member::sign_in(&server, "kiemthu@bv.vn").await;
        let word = format!("moixyz{n}");
        member.edit(posts[0].1, &word).await.unwrap();
        search_within(&server, &word, CONVERGE, |ids| ids == [posts[0].0]).await;
        assert!(!server.log_text().contains("panicked"), "{case}:\n{}", server.log_text());
        server.stop().await;
    }
}

// ---------------------------------------------------------------------------------------------
// 3. PostgreSQL: two `serve` processes, each with its own index, follow one change log

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_see_each_others_changes_within_two_seconds() {
    let Some(database) = Database::postgres_url().await else { return };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db = Database::with_member(database, dir_a.path(), "kiemthu@bv.vn").await;
    // Started together, as replicas are: both prepare the same fresh database at once.
    let (a, b) = tokio::join!(Server::start(&db, dir_a.path()), Server::start(&db, dir_b.path()));
    let (on_a, on_b) = (Member::sign_in(&a, "kiemthu@bv.vn").await, Member::sign_in(&b, "kiemthu@bv.vn").await);
    // Both indexes are open before the clock starts.
    search_within(&a, MARKER, CONVERGE, |_| true).await;
    search_within(&b, MARKER, CONVERGE, |_| true).await;

    let (topic, post) = on_a.publish(1).await.unwrap();
    let took = search_within(&b, MARKER, ACROSS_PROCESSES, |ids| ids == [topic]).await;
    assert!(took < ACROSS_PROCESSES, "published on A, found on B after {took:?}");

    on_b.edit(post, "capnhatxyz").await.unwrap();
    let took = search_within(&a, "capnhatxyz", ACROSS_PROCESSES, |ids| ids == [topic]).await;
    assert!(took < ACROSS_PROCESSES, "edited on B, found on A after {took:?}");

    on_a.delete(post).await.unwrap();
    let took = search_within(&b, MARKER, ACROSS_PROCESSES, |ids| ids.is_empty()).await;
    assert!(took < ACROSS_PROCESSES, "deleted on A, gone from B after {took:?}");
    let took = search_within(&b, "capnhatxyz", ACROSS_PROCESSES, |ids| ids.is_empty()).await;
    assert!(took < ACROSS_PROCESSES, "deleted on A, its edit still found on B after {took:?}");
}

/// PostgreSQL numbers a change when it is written and shows it at commit, so a change can appear
/// in the log after a higher-numbered one. An index built from scratch while such a change is
/// still uncommitted (a server starting with no index, or `goodpractice reindex`) must still apply
/// it when it commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_committed_after_a_rebuild_began_is_not_lost() {
    let Some(database) = Database::postgres_url().await else { return };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let db = Database::with_member(database, dir_a.path(), "kiemthu@bv.vn").await;
    let Pool::Postgres(pool) = &db.pool else { unreachable!() };
    let a = Server::start(&db, dir_a.path()).await;
    let on_a = Member::sign_in(&a, "kiemthu@bv.vn").await;
    let (slow, _) = on_a.publish(1).await.unwrap();
    search_within(&a, MARKER, CONVERGE, |ids| ids == [slow]).await;

    // A slow writer (as another process would): it edits the title and logs the change, but has
    // not committed yet when a later change commits.
    let mut tx = pool.begin().await.unwrap();
    sqlx::query("UPDATE topics SET title = 'Tiêu đề đã sửa chamxyz' WHERE id = $1").bind(slow).execute(&mut *tx).await.unwrap();
    sqlx::query("INSERT INTO search_changes (entity, entity_id, changed_at) VALUES ('topic', $1, now())")
        .bind(slow)
        .execute(&mut *tx)
        .await
        .unwrap();
    let (later, _) = on_a.publish(2).await.unwrap();
    search_within(&a, MARKER, CONVERGE, |ids| ids.contains(&later)).await;

    // B starts with no index and builds it from the database while the edit is uncommitted…
    let b = Server::start(&db, dir_b.path()).await;
    b.wait_for_log("search index built from the database").await;
    search_within(&b, MARKER, CONVERGE, |ids| ids.contains(&later)).await;
    // …and `reindex` builds a new generation for A, which A switches to.
    let mut reindex = goodpractice(&db.url, dir_a.path());
    reindex.arg("reindex");
    let out = run_to_end(reindex, "").await;
    assert!(out.status.success(), "reindex: {}", String::from_utf8_lossy(&out.stderr));
    a.wait_for_log("now serving a rebuilt search index").await;

    tx.commit().await.unwrap();
    let mut missed = Vec::new();
    for (name, server) in [("A after reindex", &a), ("B built at start", &b)] {
        if let Err(e) = try_search_within(server, "chamxyz", ACROSS_PROCESSES, |ids| ids == [slow]).await {
            missed.push(format!("{name}: {e}"));
        }
    }
    assert!(missed.is_empty(), "the late edit was lost:\n{}", missed.join("\n"));
    // A restart resumes from a position that still covers it.
    drop(b);
    let b = Server::start(&db, dir_b.path()).await;
    search_within(&b, "chamxyz", CONVERGE, |ids| ids == [slow]).await;
    converges(&b, &db, CONVERGE).await;
}
