//! `goodpractice import jsonl FILE`, run as an administrator would against the database of a
//! running app: topics appear on the site with their original dates, a second run adds nothing,
//! bad lines are reported by number and the good ones around them imported.

use std::path::Path;
use std::process::{Command, Output};

use goodpractice::accounts::Role;
use goodpractice::forum::{Status, TopicKind};
use goodpractice::store::{NewTopic, TopicFilter};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::common::{TestApp, count};
use crate::on_both_databases;

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

/// `goodpractice import jsonl FILE` on the app's database, none of the developer's settings.
async fn import(app: &TestApp, file: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database-url", app.database_url(), "import", "jsonl"]).arg(file).args(extra);
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR"] {
        cmd.env_remove(var);
    }
    cmd.env("RUST_LOG", "warn").env("RUST_BACKTRACE", "0");
    tokio::task::spawn_blocking(move || cmd.output().expect("run goodpractice import")).await.unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A JSON Lines file of these lines (raw bytes, so a test can break the encoding).
fn jsonl_file(dir: &tempfile::TempDir, lines: &[Vec<u8>]) -> std::path::PathBuf {
    let path = dir.path().join("nhom-cu.jsonl");
    let mut bytes = Vec::new();
    for line in lines {
        bytes.extend_from_slice(line);
        bytes.push(b'\n');
    }
    std::fs::write(&path, bytes).unwrap();
    path
}

fn line(value: Value) -> Vec<u8> {
    value.to_string().into_bytes()
}

fn nfd(s: &str) -> String {
    s.nfd().collect()
}

/// The id of the visible topic with this title.
async fn topic_id(app: &TestApp, title: &str) -> i64 {
    let topics = app.store.latest_topics(&TopicFilter::default(), 100, 0).await.unwrap();
    topics.iter().find(|t| t.title == title).unwrap_or_else(|| panic!("no topic {title:?}")).id
}

async fn api_topic(app: &TestApp, id: i64) -> Value {
    let res = app.get(&format!("/api/v1/topics/{id}")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Three topics from the old group: one typed on a phone (decomposed), one good practice, one
/// with nothing but a title and a body.
fn old_group_lines() -> Vec<Vec<u8>> {
    vec![
        line(json!({
            "source_id": "fb-1001", "category": "fall-prevention", "kind": "question",
            "title": nfd("Phòng ngừa té ngã cho người bệnh cao tuổi ban đêm?"),
            "body": nfd("Khoa em hay có người bệnh té ngã lúc 2–4 giờ sáng. Các anh chị làm thế nào?"),
            "author_name": nfd("Nguyễn Thị Lan"), "created_at": "2019-03-15", "tags": ["Té ngã", "Điều dưỡng"],
        })),
        line(json!({
            "source_id": 1002, "category": "communication", "kind": "good_practice",
            "title": "Bàn giao ca bằng SBAR tại giường",
            "summary": "Bàn giao tại giường theo SBAR giảm sót thông tin giữa hai ca.",
            "body": "Chúng tôi **bàn giao tại giường** theo SBAR từ năm 2018.",
            "author_name": "Nguyễn Thị Lan", "created_at": "2020-06-01T08:30:00+07:00",
        })),
        line(json!({"title": "Chia sẻ bảng kiểm an toàn phẫu thuật", "body": "Bảng kiểm của bệnh viện chúng tôi."})),
    ]
}

async fn vietnamese_topics_are_imported_with_their_original_dates(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let out = import(&app, &jsonl_file(&dir, &old_group_lines()), &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), "imported: 3\nalready imported: 0\nskipped: 0\n");

    let fall = api_topic(&app, topic_id(&app, "Phòng ngừa té ngã cho người bệnh cao tuổi ban đêm?").await).await;
    assert_eq!(
        (&fall["kind"], &fall["category"], &fall["created_at"]),
        (&json!("question"), &json!("fall-prevention"), &json!("2019-03-15T00:00:00Z"))
    );
    assert_eq!(fall["tags"], json!(["dieu-duong", "te-nga"]));
    let post = &fall["posts"][0];
    assert_eq!(post["author"], "Nguyễn Thị Lan", "the name is stored composed (NFC)");
    assert_eq!(post["body"], "Khoa em hay có người bệnh té ngã lúc 2–4 giờ sáng. Các anh chị làm thế nào?");
    assert_eq!(post["created_at"], "2019-03-15T00:00:00Z");

    let sbar = api_topic(&app, topic_id(&app, "Bàn giao ca bằng SBAR tại giường").await).await;
    assert_eq!((&sbar["kind"], &sbar["created_at"]), (&json!("good_practice"), &json!("2020-06-01T01:30:00Z")));
    assert_eq!(sbar["posts"][0]["author_id"], post["author_id"], "one placeholder account per author name, NFD or NFC");

    let plain = api_topic(&app, topic_id(&app, "Chia sẻ bảng kiểm an toàn phẫu thuật").await).await;
    assert_eq!((&plain["kind"], &plain["category"]), (&json!("discussion"), &json!("quality-management")));
    assert_eq!(plain["posts"][0]["author"], "Thành viên nhóm cũ");

    let (status, home) = app.get_text("/").await;
    assert_eq!(status, 200);
    assert_eq!(count(&home, "li.topic-item"), 3);
    for shown in ["Phòng ngừa té ngã cho người bệnh cao tuổi ban đêm?", "15/03/2019", "Bàn giao ca bằng SBAR tại giường", "01/06/2020"]
    {
        assert!(home.contains(shown), "the home page shows {shown:?}");
    }
}

async fn importing_the_same_file_again_adds_nothing(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = jsonl_file(&dir, &old_group_lines());
    assert!(import(&app, &file, &[]).await.status.success());
    let users = app.store.count_users().await.unwrap();

    let again = import(&app, &file, &[]).await;
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(stdout(&again), "imported: 0\nalready imported: 3\nskipped: 0\n", "a line without source_id is known by its content");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 3);

    let later =
        line(json!({"source_id": "fb-2001", "title": "Một bài mới của chị Lan", "body": "Nội dung.", "author_name": "Nguyễn Thị Lan"}));
    let out = import(&app, &jsonl_file(&dir, &[later]), &[]).await;
    assert_eq!(stdout(&out), "imported: 1\nalready imported: 0\nskipped: 0\n", "{}", stderr(&out));
    assert_eq!(app.store.count_users().await.unwrap(), users, "a later import reuses the author's placeholder account");
}

async fn bad_lines_are_reported_by_number_and_the_good_ones_imported(app: TestApp) {
    let good = |n: u32| {
        line(json!({"source_id": format!("fb-{n}"), "title": format!("Kinh nghiệm số {n} về an toàn"), "body": "Nội dung chia sẻ."}))
    };
    let lines = vec![
        good(1),
        r#"{"title": "Thiếu dấu ngoặc", "body": "x""#.as_bytes().to_vec(),
        line(json!({"body": "Không có tiêu đề", "author_name": "Người Mới Hoàn Toàn"})),
        line(json!({"title": "Danh mục không tồn tại", "body": "Nội dung.", "category": "khong-co"})),
        line(json!({"title": "Ngày viết sai định dạng", "body": "Nội dung.", "created_at": "15/03/2019"})),
        b"{\"title\": \"Sai m\xE3 h\xF3a\", \"body\": \"N\xF4i dung\"}".to_vec(),
        Vec::new(),
        line(json!({"title": "Quá dài ".repeat(30), "body": "Nội dung."})),
        good(9),
    ];
    let dir = tempfile::tempdir().unwrap();
    let out = import(&app, &jsonl_file(&dir, &lines), &[]).await;
    assert!(out.status.success(), "a file that was read exits 0 even with skipped lines: {}", stderr(&out));
    let report = stdout(&out);
    assert!(report.starts_with("imported: 2\nalready imported: 0\nskipped: 7\n"), "{report}");
    for expected in [
        "line 2: invalid JSON: EOF while parsing",
        "line 3: title is missing",
        "line 4: unknown category \"khong-co\"",
        "line 5: created_at \"15/03/2019\" is neither RFC 3339 nor YYYY-MM-DD",
        "line 6: not valid UTF-8",
        "line 7: empty line",
        "line 8: The title must be 5 to 200 characters long (it has 239).",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    topic_id(&app, "Kinh nghiệm số 1 về an toàn").await;
    topic_id(&app, "Kinh nghiệm số 9 về an toàn").await;
    assert_eq!(app.store.count_topics(None).await.unwrap(), 2);
    assert_eq!(app.store.count_users().await.unwrap(), 1, "a skipped line leaves no account behind");
}

/// Another import that wrote the same source meanwhile: that topic is left out of the batch
/// (rolled back to its savepoint) and the others are kept.
async fn a_batch_keeps_its_other_topics_when_one_source_was_imported_meanwhile(app: TestApp) {
    let author = app.create_user("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let category = app.store.categories().await.unwrap()[0].id;
    let topic = |source_id: &'static str| NewTopic {
        category_id: category,
        author_id: author,
        kind: TopicKind::Discussion,
        title: source_id,
        summary: None,
        body: "Nội dung.",
        body_html: "<p>Nội dung.</p>",
        status: Status::Published,
        tags: &[],
        created_at: chrono::Utc::now(),
        source_id: Some(source_id),
        hold: None,
        anonymous: None,
        attachments: &[],
    };
    app.store.create_topic(&topic("fb-1")).await.unwrap();
    let created = app.store.create_topics(&[topic("fb-0"), topic("fb-1"), topic("fb-2")]).await.unwrap();
    assert_eq!(created.iter().map(Option::is_some).collect::<Vec<_>>(), [true, false, true]);
    assert_eq!(app.store.count_topics(None).await.unwrap(), 3);
    assert_eq!(app.store.source_ids().await.unwrap().len(), 3);
}

on_both_databases!(
    vietnamese_topics_are_imported_with_their_original_dates,
    importing_the_same_file_again_adds_nothing,
    bad_lines_are_reported_by_number_and_the_good_ones_imported,
    a_batch_keeps_its_other_topics_when_one_source_was_imported_meanwhile,
);

#[tokio::test]
async fn a_missing_file_is_refused_with_a_clear_message() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let out = import(&app, &dir.path().join("khong-co.jsonl"), &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot open") && stderr(&out).contains("khong-co.jsonl"), "{}", stderr(&out));
    assert!(stderr(&out).contains("No such file or directory"), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
}

#[tokio::test]
async fn an_unknown_default_category_is_refused_before_anything_is_imported() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let out = import(&app, &jsonl_file(&dir, &old_group_lines()), &["--default-category", "chung"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--default-category \"chung\" is not a category (patient-identification,"), "{}", stderr(&out));
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
}
