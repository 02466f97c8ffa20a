//! The sweep of unused uploads, run as an administrator would (`goodpractice attachments sweep`)
//! on both databases: an old upload no post shows is gone (row and file); one a post shows, a
//! fresh one, one a draft shows and a file another attachment still uses all stay.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime};

use goodpractice::accounts::Role;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};
use crate::on_both_databases;

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");
const DAY_AND_AN_HOUR: Duration = Duration::from_secs(25 * 60 * 60);

/// A PNG whose bytes differ by `shade`, so each upload has a file of its own; wider than a
/// thumbnail, so it has a thumbnail file too.
fn png(shade: u8) -> Vec<u8> {
    let picture = image::RgbImage::from_pixel(640, 480, image::Rgb([shade, 120, 200]));
    let mut out = std::io::Cursor::new(Vec::new());
    picture.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

struct Uploaded {
    id: i64,
    markdown: String,
}

async fn upload(app: &TestApp, token: &str, name: &str, bytes: Vec<u8>) -> Uploaded {
    let part = Part::bytes(bytes).file_name(name.to_string()).mime_str("image/png").unwrap();
    let form = Form::new().percent_encode_noop().part("file", part);
    let res = app.client.post(app.url("/api/v1/uploads")).bearer_auth(token).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 201);
    let out: Value = res.json().await.unwrap();
    Uploaded { id: out["id"].as_i64().unwrap(), markdown: out["markdown"].as_str().unwrap().to_string() }
}

/// Makes an upload look as if it was made 25 hours ago: its row and its files.
async fn age(app: &TestApp, id: i64) {
    let sql = "UPDATE attachments SET created_at = $1 WHERE id = $2";
    let then = chrono::Utc::now() - chrono::Duration::hours(25);
    if app.backend == "sqlite" {
        let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(then).bind(id).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(then).bind(id).execute(&pool).await.unwrap();
    }
    for path in files_of(app, id).await {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(SystemTime::now() - DAY_AND_AN_HOUR).unwrap();
    }
}

/// The files (full image and thumbnail) of an attachment.
async fn files_of(app: &TestApp, id: i64) -> Vec<PathBuf> {
    let row = app.store.attachment(id).await.unwrap();
    [Some(row.sha256), row.thumb_sha256].into_iter().flatten().map(|h| app.data_dir().join("attachments").join(&h[..2]).join(h)).collect()
}

/// `goodpractice attachments sweep` on the test's database and data folder; its standard output.
async fn sweep(app: &TestApp) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database-url", app.database_url(), "--data-dir", &app.data_dir().display().to_string(), "attachments", "sweep"]);
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR", "GP_UNUSED_UPLOAD_HOURS"] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn");
    let out = crate::common::run_with_stdin(cmd, "").await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the uploader's browser (signed in, see `member`) gets for the attachment.
async fn status_for_uploader(app: &TestApp, id: i64) -> u16 {
    app.get(&format!("/attachments/{id}")).await.status().as_u16()
}

/// A member with an API token, signed in with the app's browser too.
async fn member(app: &TestApp, email: &str, name: &str) -> String {
    let token = app.token_for(email, name, Role::Member).await;
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
    token
}

/// Old and unlinked: gone, file too. Linked, fresh, or a copy of a linked file: kept.
async fn old_unused_uploads_are_swept_and_the_rest_stays(app: TestApp) {
    let token = member(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let forgotten = upload(&app, &token, "ảnh quên.png", png(1)).await;
    let shown = upload(&app, &token, "bảng kiểm.png", png(2)).await;
    let copy_of_shown = upload(&app, &token, "bang kiem ban sao.png", png(2)).await;
    let fresh = upload(&app, &token, "ảnh mới.png", png(3)).await;
    let body = format!("Bảng kiểm an toàn phẫu thuật của khoa.\n\n{}", shown.markdown);
    app.api_topic(
        &token,
        json!({"category": "patient-identification", "kind": "discussion", "title": "Bảng kiểm an toàn phẫu thuật", "body": body}),
    )
    .await;
    for old in [&forgotten, &shown, &copy_of_shown] {
        age(&app, old.id).await;
    }
    let (forgotten_files, shown_files, fresh_files) =
        (files_of(&app, forgotten.id).await, files_of(&app, shown.id).await, files_of(&app, fresh.id).await);

    let report = sweep(&app).await;

    assert!(report.contains("2 attachments and 2 files removed"), "{report}");
    assert_eq!(status_for_uploader(&app, forgotten.id).await, 404);
    assert_eq!(status_for_uploader(&app, copy_of_shown.id).await, 404);
    assert!(forgotten_files.iter().all(|f| !f.exists()), "the forgotten upload's files are removed");
    assert_eq!(status_for_uploader(&app, shown.id).await, 200);
    assert_eq!(status_for_uploader(&app, fresh.id).await, 200);
    assert!(shown_files.iter().chain(&fresh_files).all(|f| f.exists()), "files still in use stay");
    assert_eq!(app.store.count_attachments().await.unwrap(), 2);
    assert!(sweep(&app).await.contains("0 attachments and 0 files removed"), "a second sweep finds nothing");
}

/// An old upload that a draft of its uploader shows is kept: the member may still post it.
async fn an_upload_in_a_draft_is_kept(app: TestApp) {
    let token = member(&app, "hoa@bvchoray.vn", "Tran Thi Hoa").await;
    let drafted = upload(&app, &token, "phac do.png", png(4)).await;
    let draft = json!({"scope": "new:discussion", "fields": {"body": format!("Phác đồ xử trí té ngã:\n\n{}", drafted.markdown)}});
    let res = app.client.put(app.url("/api/v1/drafts")).bearer_auth(&token).json(&draft).send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    age(&app, drafted.id).await;

    let report = sweep(&app).await;

    assert!(report.contains("0 attachments and 0 files removed, 1 kept for drafts"), "{report}");
    assert_eq!(status_for_uploader(&app, drafted.id).await, 200);
}

on_both_databases!(old_unused_uploads_are_swept_and_the_rest_stays, an_upload_in_a_draft_is_kept);
