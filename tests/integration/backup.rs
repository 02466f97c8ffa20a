//! `goodpractice backup` and `restore`, run as an operator would, on both databases: a backup
//! taken while members keep posting restores into a fresh place with every post acknowledged
//! before it started, searchable, with its uploads; damaged, foreign or newer backups and
//! non-empty targets are refused with a sentence and change nothing.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use goodpractice::accounts::Role;
use rand::Rng;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::on_both_databases;

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

/// Runs the binary on a database and data folder; (success, stdout, stderr).
async fn goodpractice(database_url: &str, data_dir: &Path, args: &[&str]) -> (bool, String, String) {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database-url", database_url, "--data-dir", &data_dir.display().to_string()]).args(args);
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR"] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn");
    let out = crate::common::run_with_stdin(cmd, "").await;
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// An empty place to restore into: a SQLite file in a new folder, or a new PostgreSQL database
/// (searched through the same schema name the backed-up forum used).
struct Place {
    dir: tempfile::TempDir,
    url: String,
    backend: &'static str,
    database: Option<String>,
}

impl Place {
    async fn new(app: &TestApp) -> Place {
        let dir = tempfile::tempdir().unwrap();
        if app.backend == "sqlite" {
            let url = format!("sqlite://{}", dir.path().join("restored.db").display());
            return Place { dir, url, backend: "sqlite", database: None };
        }
        let admin_url = std::env::var("TEST_DATABASE_URL").unwrap();
        let database = format!("gp_restore_{:012x}", rand::rng().random::<u64>() >> 16);
        let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}"))).execute(&admin).await.unwrap();
        admin.close().await;
        let (base, query) = app.database_url().split_once('?').unwrap();
        let url = format!("{}/{database}?{query}", base.rsplit_once('/').unwrap().0);
        Place { dir, url, backend: "postgres", database: Some(database) }
    }

    /// Nothing was written: no SQLite file, no table in the database, no uploads.
    async fn is_untouched(&self) -> bool {
        let no_uploads = !self.dir.path().join("attachments").exists();
        match &self.database {
            None => no_uploads && !self.dir.path().join("restored.db").exists(),
            Some(_) => {
                let base = self.url.split('?').next().unwrap();
                let pool = sqlx::PgPool::connect(base).await.unwrap();
                let sql = "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema')";
                let tables: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
                pool.close().await;
                no_uploads && tables == 0
            }
        }
    }

    async fn restore(&self, from: &Path) -> (bool, String, String) {
        goodpractice(&self.url, self.dir.path(), &["restore", "--from", &from.display().to_string()]).await
    }

    fn dropper(&self) -> Dropper {
        Dropper(self.database.clone())
    }
}

/// Drops a restore test's PostgreSQL database at the end (the schemas of other tests live in
/// `gp_test`, which CI makes afresh; these are databases of their own).
struct Dropper(Option<String>);

impl Dropper {
    async fn drop_database(&self) {
        if let Some(database) = &self.0 {
            let admin = sqlx::PgPool::connect(&std::env::var("TEST_DATABASE_URL").unwrap()).await.unwrap();
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))).execute(&admin).await;
            admin.close().await;
        }
    }
}

async fn backup(app: &TestApp, to: &Path) -> (bool, String, String) {
    goodpractice(app.database_url(), app.data_dir(), &["backup", "--to", &to.display().to_string()]).await
}

fn png() -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(64, 48, image::Rgb([30, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A public topic showing an uploaded photo; (topic id, attachment id).
async fn topic_with_photo(app: &TestApp, token: &str) -> (i64, i64) {
    let part = Part::bytes(png()).file_name("bang-kiem.png").mime_str("image/png").unwrap();
    let res =
        app.client.post(app.url("/api/v1/uploads")).bearer_auth(token).multipart(Form::new().part("file", part)).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let up: Value = res.json().await.unwrap();
    let body = format!("Bảng kiểm treo ở đầu giường.\n\n{}", up["markdown"].as_str().unwrap());
    let topic = app.api_topic(token, json!({"category": "patient-identification", "kind": "discussion", "title": "Ảnh bảng kiểm nhận diện người bệnh", "body": body})).await;
    (topic, up["id"].as_i64().unwrap())
}

/// Members posting without pause until `stop`; every 201 is recorded as (topic id, its word).
fn keep_posting(app: &TestApp, token: String, stop: Arc<AtomicBool>, acked: Arc<Mutex<Vec<(i64, String)>>>) -> tokio::task::JoinHandle<()> {
    let (client, base) = (app.client.clone(), app.base.clone());
    tokio::spawn(async move {
        let mut n = 0u32;
        while !stop.load(Ordering::SeqCst) {
            n += 1;
            let word = format!("saoluu{n}x");
            let body = json!({"category": "infection-control", "kind": "discussion", "title": format!("Vệ sinh tay ca trực {word}"), "body": format!("Ghi chép buổi giao ban về vệ sinh tay, mã {word}.")});
            let res = client.post(format!("{base}/api/v1/topics")).bearer_auth(&token).json(&body).send().await.unwrap();
            if res.status() == 201 {
                let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
                acked.lock().unwrap().push((id, word));
            }
        }
    })
}

async fn search_finds(app: &TestApp, word: &str, id: i64) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let res = app.get(&format!("/api/v1/search?q={word}")).await;
        if res.status() == 200 {
            let json: Value = res.json().await.unwrap();
            if json["hits"].as_array().unwrap().iter().any(|h| h["topic_id"].as_i64() == Some(id)) {
                return true;
            }
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_backup_taken_while_members_post_restores_every_acknowledged_post(app: TestApp) {
    let token = app.token_for("lan@bvtinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (photo_topic, photo) = topic_with_photo(&app, &token).await;
    let (stop, acked) = (Arc::new(AtomicBool::new(false)), Arc::new(Mutex::new(Vec::new())));
    let writer = keep_posting(&app, token, stop.clone(), acked.clone());
    while acked.lock().unwrap().len() < 5 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let before: Vec<(i64, String)> = acked.lock().unwrap().clone();
    let folder = tempfile::tempdir().unwrap();
    let to = folder.path().join("backup-1");
    let (ok, out, err) = backup(&app, &to).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    assert!(ok, "backup failed: {err}");
    assert!(out.contains("backup written to"), "{out}");
    let written_during = acked.lock().unwrap().len() - before.len();

    let manifest: Value = serde_json::from_str(&std::fs::read_to_string(to.join("manifest.json")).unwrap()).unwrap();
    assert!(manifest["counts"]["topics"].as_i64().unwrap() > before.len() as i64, "{manifest}");
    let place = Place::new(&app).await;
    let (ok, out, err) = place.restore(&to).await;
    assert!(ok, "restore failed: {err}");
    assert!(out.contains("search index rebuilt"), "{out}");

    let dropper = place.dropper();
    let restored = TestApp::on(place.url, place.dir, place.backend).await;
    for (id, word) in &before {
        assert_eq!(restored.get(&format!("/api/v1/topics/{id}")).await.status(), 200, "topic {id} acknowledged before the backup");
        assert!(search_finds(&restored, word, *id).await, "topic {id} ({word}) is not searchable after the restore");
    }
    assert_eq!(restored.get(&format!("/t/{photo_topic}")).await.status(), 200);
    assert_eq!(restored.get(&format!("/attachments/{photo}")).await.status(), 200, "the uploaded photo came back");
    eprintln!("{}: {} topics acknowledged before the backup, {written_during} while it ran", app.backend, before.len());
    dropper.drop_database().await;
}

/// Writes a copy of a backup folder with `damage` done to it.
fn damaged_copy(backup: &Path, damage: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walk(backup) {
        let target = dir.path().join(entry.strip_prefix(backup).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, target).unwrap();
    }
    damage(dir.path());
    dir
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

fn database_file(dir: &Path) -> PathBuf {
    ["database.sqlite", "database.pgdump"].iter().map(|f| dir.join(f)).find(|p| p.exists()).unwrap()
}

fn edit_manifest(dir: &Path, edit: impl FnOnce(&mut Value)) {
    let path = dir.join("manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut manifest);
    std::fs::write(path, manifest.to_string()).unwrap();
}

async fn damaged_foreign_or_newer_backups_and_busy_places_are_refused(app: TestApp) {
    let token = app.token_for("minh@bvhuyen.vn", "Trần Văn Minh", Role::Member).await;
    topic_with_photo(&app, &token).await;
    let folder = tempfile::tempdir().unwrap();
    let good = folder.path().join("good");
    assert!(backup(&app, &good).await.0);

    let (ok, _, err) = backup(&app, &good).await;
    assert!(!ok && err.contains("is not empty"), "a second backup into the same folder: {err}");

    let flip = |dir: &Path| {
        let file = database_file(dir);
        let mut bytes = std::fs::read(&file).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x55;
        std::fs::write(file, bytes).unwrap();
    };
    let cut = |dir: &Path| {
        let file = database_file(dir);
        let bytes = std::fs::read(&file).unwrap();
        std::fs::write(file, &bytes[..bytes.len() / 3]).unwrap();
    };
    let cases: Vec<(&str, tempfile::TempDir, &str)> = vec![
        ("one byte changed", damaged_copy(&good, flip), "does not match its checksum"),
        ("cut short", damaged_copy(&good, cut), "cut short"),
        ("no manifest", damaged_copy(&good, |d| std::fs::remove_file(d.join("manifest.json")).unwrap()), "no manifest.json"),
        ("newer schema", damaged_copy(&good, |d| edit_manifest(d, |m| m["schema_version"] = json!(99_999))), "newer goodpractice"),
        (
            "other database",
            damaged_copy(&good, |d| {
                edit_manifest(d, |m| m["database"] = json!(if app.backend == "sqlite" { "postgres" } else { "sqlite" }))
            }),
            "restore it into the same kind",
        ),
        (
            "escaping path",
            damaged_copy(&good, |d| edit_manifest(d, |m| m["files"][0]["path"] = json!("../../etc/passwd"))),
            "outside the backup",
        ),
    ];
    let place = Place::new(&app).await;
    for (what, backup, expected) in &cases {
        let (ok, _, err) = place.restore(backup.path()).await;
        assert!(!ok, "{what}: the restore must be refused");
        assert!(err.contains(expected), "{what}: {err:?} should say {expected:?}");
        assert!(place.is_untouched().await, "{what}: nothing may be written");
    }

    let (ok, _, err) = goodpractice(app.database_url(), app.data_dir(), &["restore", "--from", &good.display().to_string()]).await;
    assert!(!ok, "restoring over the running forum must be refused");
    assert!(err.contains("already"), "{err}");
    assert_eq!(app.get("/").await.status(), 200, "the forum still serves");
    place.dropper().drop_database().await;
}

on_both_databases!(
    a_backup_taken_while_members_post_restores_every_acknowledged_post,
    damaged_foreign_or_newer_backups_and_busy_places_are_refused
);
