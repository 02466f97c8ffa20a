//! `goodpractice import facebook PATH`, run as an operator would against the app's database, on
//! the fixtures in tests/fixtures/facebook (written by tests/fixtures/facebook/generate.py with
//! Facebook's encoding fault): the Vietnamese comes out exactly, comments become replies, re-runs
//! and overlapping exports add nothing, bad input is reported and never half-imported.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use goodpractice::accounts::Role;
use goodpractice::store::TopicFilter;
use serde_json::{Value, json};

use crate::common::{TestApp, text_of};
use crate::on_both_databases;

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facebook").join(name)
}

/// `goodpractice import facebook PATH` on the app's database, none of the developer's settings.
async fn import(app: &TestApp, path: &Path, extra: &[&str]) -> Output {
    import_into(app.database_url(), app.data_dir(), path, extra).await
}

async fn import_into(database_url: &str, data_dir: &Path, path: &Path, extra: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["--database-url", database_url, "import", "facebook"]).arg(path).args(extra);
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR"] {
        cmd.env_remove(var);
    }
    // Photos become attachments under the app's data folder, never the developer's.
    cmd.env("GP_DATA_DIR", data_dir);
    cmd.env("RUST_LOG", "warn").env("RUST_BACKTRACE", "0");
    tokio::task::spawn_blocking(move || cmd.output().expect("run goodpractice import facebook")).await.unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Imports and checks the command succeeded; its report.
async fn import_ok(app: &TestApp, path: &Path) -> String {
    let out = import(app, path, &[]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

async fn topic(app: &TestApp, title: &str) -> Value {
    let topics = app.store.latest_topics(&TopicFilter::default(), 100, 0).await.unwrap();
    let id = topics
        .iter()
        .find(|t| t.title == title)
        .unwrap_or_else(|| panic!("no topic {title:?} among {:?}", topics.iter().map(|t| &t.title).collect::<Vec<_>>()))
        .id;
    let res = app.get(&format!("/api/v1/topics/{id}")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

const FALLS: &str = "Thầy cô ơi, phòng ngừa té ngã ban đêm cho người bệnh cao tuổi thế nào ạ? 🙏";

async fn a_download_your_information_export_is_imported_with_its_vietnamese_repaired(app: TestApp) {
    let report = import_ok(&app, &fixture("dyi-2019")).await;
    assert!(report.starts_with("imported: 2\nalready imported: 0\n0 new replies on 0 existing topics\nskipped: 1\n"), "{report}");
    for expected in [
        "groups/your_posts_in_groups.json #3: the post has no timestamp",
        "comments from your_comments_in_groups.json: 6\n  placed by guess under their post's topic (queued for moderators to check): 1\n",
        "media missing from the export: 1\n  photos_and_videos/nhom/anh-khong-co.jpg\n",
        "groups/your_posts_in_groups.json: unknown key \"extra_2019_key\" passed over",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    let falls = topic(&app, FALLS).await;
    assert_eq!(
        (&falls["created_at"], &falls["category"]),
        (&json!("2019-03-15T02:30:00Z"), &json!("fall-prevention")),
        "the category is suggested from the text"
    );
    let post = &falls["posts"][0];
    assert_eq!(post["author"], "Nguyễn Thị Lan");
    let body = post["body"].as_str().unwrap();
    let (text, photo) = body.split_once("\n\n![").unwrap_or_else(|| panic!("the photo in the export is attached: {body}"));
    assert_eq!(text, format!("{FALLS}\nKhoa em hay có ca té lúc 2–4 giờ sáng."));
    assert!(photo.starts_with("bang\\-kiem\\-te\\-nga\\.jpg](/attachments/") && photo.ends_with(')'), "{body}");

    let sbar = topic(&app, "Bàn giao ca bằng SBAR tại giường: chia sẻ mẫu của khoa Nội 💉👩‍⚕️").await;
    assert_eq!(sbar["posts"][0]["author_id"], post["author_id"], "one placeholder per author");
    assert_eq!(sbar["category"], "communication");
    assert!(report.contains("categories suggested from the text: 2"), "{report}");
    assert!(sbar["posts"][0]["body"].as_str().unwrap().ends_with("<https://example.org/sbar-mau.pdf>"), "{}", sbar["posts"][0]["body"]);
}

async fn photos_in_the_export_become_attachments_shown_in_the_topic(app: TestApp) {
    let report = import_ok(&app, &fixture("dyi-2019")).await;
    assert!(report.contains("photos imported as attachments: 1\nphotos in the export but refused: 0\n"), "{report}");
    let falls = topic(&app, FALLS).await;
    let (status, page) = app.get_text(&format!("/t/{}", falls["id"])).await;
    assert_eq!(status, 200);
    let doc = scraper::Html::parse_document(&page);
    let link = scraper::Selector::parse("section.post a[href^='/attachments/'] img").unwrap();
    let thumb = doc.select(&link).next().expect("the photo shows in the topic").value().attr("src").unwrap().to_string();
    let (visitor, _) = app.second_browser();
    let res = visitor.get(app.url(&thumb)).send().await.unwrap();
    assert_eq!(res.status(), 200, "a visitor sees the imported photo");
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    let full = visitor.get(app.url(thumb.trim_end_matches("/thumb"))).send().await.unwrap().bytes().await.unwrap();
    let original = std::fs::read(fixture("dyi-2019/photos_and_videos/nhom/bang-kiem-te-nga.jpg")).unwrap();
    let (a, b) = (image::load_from_memory(&full).unwrap(), image::load_from_memory(&original).unwrap());
    assert_eq!((a.width(), a.height()), (b.width(), b.height()), "re-encoded, same picture size");

    let again = import_ok(&app, &fixture("dyi-2019")).await;
    assert!(again.contains("imported: 0\nalready imported: 2\n"), "{again}");
    assert_eq!(app.store.count_attachments().await.unwrap(), 1, "a second run stores no photo twice");
}

async fn a_graph_dump_brings_comments_as_replies_and_leaves_real_latin1_alone(app: TestApp) {
    let report = import_ok(&app, &fixture("graph")).await;
    assert!(report.starts_with("imported: 2\nalready imported: 0\n0 new replies on 0 existing topics\nskipped: 1\n"), "{report}");
    assert!(report.contains("item 2: feed.json #2: the post has no timestamp"), "{report}");
    assert!(report.contains("feed.json: unknown key \"summary\" passed over"), "{report}");
    assert!(!report.contains("\"paging\""), "paging is a known key: {report}");
    assert!(report.contains("media missing from the export: 1\n  https://scontent.example/quy-trinh.jpg"), "{report}");

    let blood = topic(&app, "Chia sẻ quy trình xác định người bệnh bằng 2 thông tin trước khi truyền máu 🩸").await;
    assert_eq!(blood["created_at"], "2016-05-01T03:00:00Z");
    let posts = blood["posts"].as_array().unwrap();
    let seen: Vec<(&str, &str, &str)> =
        posts.iter().map(|p| (p["author"].as_str().unwrap(), p["body"].as_str().unwrap(), p["created_at"].as_str().unwrap())).collect();
    assert_eq!(
        seen[1..],
        [
            ("Nguyễn Thị Lan", "Rất hữu ích, cảm ơn anh! 👍", "2016-05-01T11:00:00Z"),
            ("Đỗ Quang Huy", "Khoa em áp dụng từ 2015.", "2016-05-01T10:53:20Z"),
        ]
    );
    assert_eq!(seen[0].0, "Phạm Minh Tuấn");

    let cafe = topic(&app, CAFE).await;
    assert_eq!(cafe["posts"][0]["body"], "Giờ nghỉ ở quán café gần viện — nói chuyện báo cáo sự cố không đổ lỗi");
    assert_eq!(cafe["posts"][0]["author"], "René Dupont", "real Latin-1 is not mojibake");

    let (status, page) = app.get_text(&format!("/t/{}", blood["id"])).await;
    assert_eq!(status, 200);
    assert!(page.contains("Rất hữu ích, cảm ơn anh! 👍"), "the replies show on the topic page");
    assert_eq!(text_of(&page, ".imported-facebook").as_deref(), Some("Bài viết được chuyển từ nhóm Facebook cũ."));
}

async fn importing_twice_and_overlapping_exports_add_nothing(app: TestApp) {
    let first = import_ok(&app, &fixture("dyi-2022")).await;
    assert!(first.starts_with("imported: 2\nalready imported: 0\n0 new replies on 0 existing topics\nskipped: 0\n"), "{first}");
    let overlapping = import_ok(&app, &fixture("dyi-2024")).await;
    assert!(
        overlapping.starts_with("imported: 1\nalready imported: 1\n0 new replies on 0 existing topics\nskipped: 0\n"),
        "another member's export shares one post: {overlapping}"
    );
    let again = import_ok(&app, &fixture("dyi-2024")).await;
    assert!(again.starts_with("imported: 0\nalready imported: 2\n0 new replies on 0 existing topics\n"), "{again}");
    let graph_twice = (import_ok(&app, &fixture("graph")).await, import_ok(&app, &fixture("graph")).await);
    assert!(graph_twice.1.starts_with("imported: 0\nalready imported: 2\n0 new replies on 0 existing topics\n"), "{}", graph_twice.1);
    assert_eq!(app.store.count_topics(None).await.unwrap(), 5);
    let blood = topic(&app, "Chia sẻ quy trình xác định người bệnh bằng 2 thông tin trước khi truyền máu 🩸").await;
    assert_eq!(blood["posts"].as_array().unwrap().len(), 3, "comments are not imported twice either");
}

async fn a_dry_run_reports_without_writing(app: TestApp) {
    let out = import(&app, &fixture("dyi-2019"), &["--dry-run"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    for expected in [
        "dry run: nothing was written\ndatabase: 0 posts and 0 comments imported before\ntopics: 2 new, 0 already imported\n\
         replies: 0 new, 0 already imported (0 new replies on 0 existing topics)\nper year (new / already imported):\n\
         \x20 2019: topics 1 / 0, replies 0 / 0\n  2020: topics 1 / 0, replies 0 / 0\n",
        "authors of new topics and replies: 1\n  Nguyễn Thị Lan: 2\n",
        "categories suggested from the text:\n  communication: 1\n  fall-prevention: 1\n",
        "media missing from the export: 1\n  photos_and_videos/nhom/anh-khong-co.jpg\n",
        "skipped: 1\n  item 3: groups/your_posts_in_groups.json #3: the post has no timestamp",
        "comments from your_comments_in_groups.json: 6 (imported before: 0;",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
    assert_eq!(app.store.count_users().await.unwrap(), 0);
}

/// A dry run against a database that is not there yet (no SQLite file; on PostgreSQL an empty
/// schema, or no such database) says everything would be new, and creates nothing.
async fn a_dry_run_without_a_database_yet_says_everything_is_new_and_creates_nothing(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let missing: Vec<String> = if app.backend == "sqlite" {
        vec![format!("sqlite://{}", dir.path().join("nowhere/gp.db").display())]
    } else {
        let empty_schema = crate::common::fresh_postgres_url().await.unwrap();
        let admin = std::env::var("TEST_DATABASE_URL").unwrap();
        let (server, _) = admin.rsplit_once('/').unwrap();
        vec![empty_schema, format!("{server}/gp_no_such_database")]
    };
    for url in &missing {
        let out = import_into(url, dir.path(), &fixture("dyi-2019"), &["--dry-run"]).await;
        assert!(out.status.success(), "{}", stderr(&out));
        let report = stdout(&out);
        assert!(
            report.starts_with(
                "dry run: nothing was written\ndatabase: no database yet, everything would be new\ntopics: 2 new, 0 already imported\n"
            ),
            "{report}"
        );
    }
    assert!(!dir.path().join("nowhere").exists(), "no SQLite file or folder is created");
    if app.backend == "postgres" {
        let schema = sqlx::PgPool::connect(&missing[0]).await.unwrap();
        let tables: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            .fetch_one(&schema)
            .await
            .unwrap();
        assert_eq!(tables, 0, "no migration ran on the empty schema");
    }
}

const BLOOD: &str = "Chia sẻ quy trình xác định người bệnh bằng 2 thông tin trước khi truyền máu 🩸";

/// The group's feed dumped again later: the same posts, the first with two comments written
/// since, one with an id and one without (as older dumps give them).
fn later_graph_feed() -> String {
    let mut feed: Value = serde_json::from_str(&std::fs::read_to_string(fixture("graph/feed.json")).unwrap()).unwrap();
    let comments = feed["data"][0]["comments"]["data"].as_array_mut().unwrap();
    comments.push(json!({"id": "1001_3", "from": {"name": "Võ Thị Mai"}, "message": "Bệnh viện tỉnh em cũng làm vậy từ 2017 👏", "created_time": "2016-05-03T08:00:00+0000"}));
    comments.push(
        json!({"from": {"name": "Hoang Van Nam"}, "message": "Cho em xin mau phieu voi a", "created_time": "2016-05-04T09:30:00+0000"}),
    );
    serde_json::to_string_pretty(&feed).unwrap()
}

fn folder_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

/// (author, body) of each post of the topic, opening post first.
async fn posts_of(app: &TestApp, title: &str) -> Vec<(String, String)> {
    let topic = topic(app, title).await;
    topic["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["author"].as_str().unwrap().to_string(), p["body"].as_str().unwrap().to_string()))
        .collect()
}

async fn a_later_export_adds_only_the_comments_written_since(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    let later = folder_with(&[("feed.json", &later_graph_feed())]);

    let out = import(&app, later.path(), &["--dry-run"]).await;
    let dry = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let expected = "database: 2 posts and 2 comments imported before\ntopics: 0 new, 2 already imported\n\
                    replies: 2 new, 2 already imported (2 new replies on 1 existing topics)\nper year (new / already imported):\n\
                    \x20 2016: topics 0 / 1, replies 2 / 2\n  2017: topics 0 / 1, replies 0 / 0\n";
    assert!(dry.contains(expected), "{expected:?} in\n{dry}");
    assert_eq!(posts_of(&app, BLOOD).await.len(), 3, "a dry run writes nothing");

    let report = import_ok(&app, later.path()).await;
    assert!(report.starts_with("imported: 0\nalready imported: 2\n2 new replies on 1 existing topics\nskipped: 1\n"), "{report}");
    let posts = posts_of(&app, BLOOD).await;
    assert_eq!(
        posts[3..],
        [
            ("Võ Thị Mai".to_string(), "Bệnh viện tỉnh em cũng làm vậy từ 2017 👏".to_string()),
            ("Hoang Van Nam".to_string(), "Cho em xin mau phieu voi a".to_string()),
        ],
        "the new comments follow the old ones"
    );
    let blood = topic(&app, BLOOD).await;
    let (status, page) = app.get_text(&format!("/t/{}", blood["id"])).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bệnh viện tỉnh em cũng làm vậy từ 2017 👏"), "the new comment shows on the topic page");

    let again = import_ok(&app, later.path()).await;
    assert!(again.starts_with("imported: 0\nalready imported: 2\n0 new replies on 0 existing topics\n"), "{again}");
    assert_eq!(posts_of(&app, BLOOD).await.len(), 5, "nothing is added twice");
    let out = import(&app, later.path(), &["--dry-run"]).await;
    assert!(stdout(&out).contains("replies: 0 new, 4 already imported (0 new replies on 0 existing topics)\n"), "{}", stdout(&out));
}

const CAFE: &str = "Giờ nghỉ ở quán café gần viện — nói chuyện báo cáo sự cố không đổ lỗi";

/// A later dump whose new comments fall under two posts imported before: the report counts the
/// replies and the topics they went to; each topic gets its own, in the dump's order.
async fn new_comments_on_several_imported_posts_are_counted_per_topic(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    let mut feed: Value = serde_json::from_str(&later_graph_feed()).unwrap();
    feed["data"][2]["comments"] = json!({"data": [
        {"id": "1003_1", "from": {"name": "Lê Thu Hà"}, "message": "Quán này gần khoa Hồi sức, lần sau em rủ cả khoa ☕", "created_time": "2017-01-03T01:00:00+0000"},
    ]});
    let later = folder_with(&[("feed.json", &feed.to_string())]);

    let report = import_ok(&app, later.path()).await;
    assert!(report.starts_with("imported: 0\nalready imported: 2\n3 new replies on 2 existing topics\n"), "{report}");
    let cafe = posts_of(&app, CAFE).await;
    assert_eq!(cafe[1..], [("Lê Thu Hà".to_string(), "Quán này gần khoa Hồi sức, lần sau em rủ cả khoa ☕".to_string())]);
    let authors: Vec<String> = posts_of(&app, BLOOD).await.into_iter().map(|(a, _)| a).collect();
    assert_eq!(authors[3..], ["Võ Thị Mai", "Hoang Van Nam"], "after the old comments, in the dump's order");

    let again = import_ok(&app, later.path()).await;
    assert!(again.starts_with("imported: 0\nalready imported: 2\n0 new replies on 0 existing topics\n"), "{again}");
    assert_eq!((posts_of(&app, BLOOD).await.len(), posts_of(&app, CAFE).await.len()), (5, 2), "re-running adds nothing");
}

/// (author, body, date) of each post of the topic, opening post first.
async fn dated_posts_of(app: &TestApp, title: &str) -> Vec<(String, String, String)> {
    let topic = topic(app, title).await;
    let field = |p: &Value, k: &str| p[k].as_str().unwrap().to_string();
    topic["posts"].as_array().unwrap().iter().map(|p| (field(p, "author"), field(p, "body"), field(p, "created_at"))).collect()
}

/// The open moderation items of this kind.
async fn open_items(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let res = app.client.get(app.url(&format!("/api/v1/moderation/queue?kind={kind}"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// The comments of your_comments_in_groups.json name only their post's author: one is placed
/// when that author has exactly one imported post in the two weeks before it, with its own
/// date and author, and queued for moderators; the others are listed with the reason.
async fn comments_of_a_members_export_are_placed_only_when_their_post_is_clear(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    import_ok(&app, &fixture("dyi-2022")).await;
    let report = import_ok(&app, &fixture("dyi-2019")).await;
    for expected in [
        "comments from your_comments_in_groups.json: 6\n  placed by guess under their post's topic (queued for moderators to check): 2\n\
         \x20 imported before: 0\n  not placed: 4\n",
        "groups/your_comments_in_groups.json #1: no candidate: no imported post by Trần Văn Bình in the 14 days before it\n",
        "groups/your_comments_in_groups.json #4: several candidates: Trần Văn Bình has several imported posts in the 14 days before it\n",
        "groups/your_comments_in_groups.json #5: no author named: the title names no post author (“Nguyễn Thị Lan replied to Trần Văn Bình's comment.”)\n",
        "groups/your_comments_in_groups.json #6: no candidate: no imported post by Pham Minh Tuan in the 14 days before it\n",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    let lan = "Nguyễn Thị Lan".to_string();
    let falls = dated_posts_of(&app, FALLS).await;
    assert_eq!(
        falls[1..],
        [(
            lan.clone(),
            "Cập nhật: khoa em đã thêm đèn ngủ ở hành lang, tuần này chưa có ca té nào ạ.".to_string(),
            "2019-03-17T02:30:00Z".to_string()
        )]
    );
    let blood = dated_posts_of(&app, BLOOD).await;
    assert_eq!(blood.len(), 4, "after the dump's two comments");
    assert_eq!(
        blood[3],
        (
            lan,
            "Em đã gửi quy trình này cho khoa Sản rồi ạ.\n\n<https://example.org/quy-trinh-khoa-san>".to_string(),
            "2016-05-02T03:00:00Z".to_string()
        )
    );

    let token = app.token_for("mod@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let mut queued: Vec<String> =
        open_items(&app, &token, "imported_comment").await.iter().map(|i| i["topic_title"].as_str().unwrap().to_string()).collect();
    queued.sort();
    assert_eq!(queued, [BLOOD, FALLS]);
    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    app.create_user("kiem.duyet@bv.vn", "Lê Kiểm Duyệt", Role::Moderator).await;
    assert_eq!(app.login("kiem.duyet@bv.vn", crate::common::PASSWORD).await.status(), 303);
    let (status, page) = app.get_text("/mod/queue?kind=imported_comment").await;
    assert_eq!(status, 200);
    assert_eq!(crate::common::count(&page, "article.kind-imported_comment"), 2, "{page}");
    assert_eq!(
        text_of(&page, "article.kind-imported_comment .badge").as_deref(),
        Some("Bình luận chuyển từ nhóm cũ, được đặt vào bài theo phỏng đoán: cần kiểm tra")
    );

    let again = import_ok(&app, &fixture("dyi-2019")).await;
    assert!(
        again.contains(
            "placed by guess under their post's topic (queued for moderators to check): 0\n  imported before: 2\n  not placed: 4\n"
        ),
        "{again}"
    );
    assert_eq!((dated_posts_of(&app, FALLS).await.len(), dated_posts_of(&app, BLOOD).await.len()), (2, 4), "re-running adds nothing");
    assert_eq!(open_items(&app, &token, "imported_comment").await.len(), 2);
}

/// Hostile comments: one too long for a reply, one without a time, one not an object; each is
/// listed with its reason and nothing of them is written.
async fn comments_that_cannot_be_replies_are_listed_not_written(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    let on_tuan = |text: &str| {
        json!({"timestamp": 1_462_158_000, "title": "Lan đã bình luận về bài viết của Phạm Minh Tuấn.",
        "data": [{"comment": {"timestamp": 1_462_158_000, "comment": text, "author": "Nguyễn Thị Lan"}}]})
    };
    let file = json!({"group_comments_v2": [on_tuan(&"Dài quá ".repeat(6_000)), {"title": "Lan commented on her own post.", "data": []}, "chuỗi"]});
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("groups")).unwrap();
    std::fs::write(dir.path().join("groups/your_comments_in_groups.json"), file.to_string()).unwrap();
    let report = import_ok(&app, dir.path()).await;
    for expected in [
        "skipped: 2\n  item 2: groups/your_comments_in_groups.json #2: the comment has no timestamp\n  item 3: groups/your_comments_in_groups.json #3: not an object\n",
        "comments from your_comments_in_groups.json: 1\n",
        "not placed: 1\n    item 1: groups/your_comments_in_groups.json #1: not imported: The body must be ",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    assert_eq!(posts_of(&app, BLOOD).await.len(), 3, "nothing written");
}

/// A moderator who finds a guessed comment under the wrong post rejects it: it no longer shows.
async fn a_misplaced_comment_rejected_by_a_moderator_leaves_the_topic(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    import_ok(&app, &fixture("dyi-2019")).await;
    let token = app.token_for("mod@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let items = open_items(&app, &token, "imported_comment").await;
    let blood = items.iter().find(|i| i["topic_title"] == BLOOD).expect("the comment under the blood post is queued");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/moderation/queue/{}/reject", blood["id"])))
        .bearer_auth(&token)
        .json(&json!({"reason": "Không phải bài này"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let (status, page) = app.get_text(&format!("/t/{}", topic(&app, BLOOD).await["id"])).await;
    assert_eq!(status, 200);
    assert!(!page.contains("Em đã gửi quy trình này cho khoa Sản rồi ạ."), "the rejected comment is hidden");
    assert!(page.contains("Rất hữu ích, cảm ơn anh! 👍"));
}

/// Two dumps of the same feed in one folder, read in one run: the second one's new comments
/// join the topic the first one created, in the same batch.
async fn two_dumps_read_in_one_run_merge_their_comments(app: TestApp) {
    let original = std::fs::read_to_string(fixture("graph/feed.json")).unwrap();
    let both = folder_with(&[("feed-2016.json", &original), ("feed-2017.json", &later_graph_feed())]);
    let report = import_ok(&app, both.path()).await;
    assert!(report.starts_with("imported: 2\nalready imported: 2\n2 new replies on 1 existing topics\n"), "{report}");
    let posts = posts_of(&app, BLOOD).await;
    let authors: Vec<&str> = posts.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(authors, ["Phạm Minh Tuấn", "Nguyễn Thị Lan", "Đỗ Quang Huy", "Võ Thị Mai", "Hoang Van Nam"]);
    assert_eq!(app.store.count_topics(None).await.unwrap(), 2);
}

/// Replies imported before they remembered their source (before migration 0011) are recognised
/// by their post, date and text: importing a later export adds only the new comments.
async fn replies_imported_before_they_remembered_their_source_are_not_added_again(app: TestApp) {
    import_ok(&app, &fixture("graph")).await;
    let forget = "UPDATE posts SET source_id = NULL";
    if app.backend == "sqlite" {
        sqlx::query(forget).execute(&sqlx::SqlitePool::connect(app.database_url()).await.unwrap()).await.unwrap();
    } else {
        sqlx::query(forget).execute(&sqlx::PgPool::connect(app.database_url()).await.unwrap()).await.unwrap();
    }
    let later = folder_with(&[("feed.json", &later_graph_feed())]);
    let report = import_ok(&app, later.path()).await;
    assert!(report.contains("2 new replies on 1 existing topics\n"), "{report}");
    assert_eq!(posts_of(&app, BLOOD).await.len(), 5);
}

on_both_databases!(
    a_dry_run_without_a_database_yet_says_everything_is_new_and_creates_nothing,
    a_later_export_adds_only_the_comments_written_since,
    comments_of_a_members_export_are_placed_only_when_their_post_is_clear,
    a_misplaced_comment_rejected_by_a_moderator_leaves_the_topic,
    comments_that_cannot_be_replies_are_listed_not_written,
    new_comments_on_several_imported_posts_are_counted_per_topic,
    two_dumps_read_in_one_run_merge_their_comments,
    replies_imported_before_they_remembered_their_source_are_not_added_again,
    a_download_your_information_export_is_imported_with_its_vietnamese_repaired,
    a_graph_dump_brings_comments_as_replies_and_leaves_real_latin1_alone,
    importing_twice_and_overlapping_exports_add_nothing,
    a_dry_run_reports_without_writing,
    unclear_categories_wait_in_the_moderation_queue,
    photos_in_the_export_become_attachments_shown_in_the_topic,
    photos_in_a_zip_are_checked_like_uploads,
);

/// In a .zip, photos are read in place: a real one is attached, a disguised SVG is refused and
/// listed, a media path that climbs out of the export is never opened (listed as missing).
async fn photos_in_a_zip_are_checked_like_uploads(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let post = json!({"group_posts_v2": [{
        "timestamp": 1_600_000_000, "title": "Lan posted in Nhom.",
        "data": [{"post": "Poster huong dan rua tay tai khoa Noi"}],
        "attachments": [{"data": [
            {"media": {"uri": "photos_and_videos/nhom/bang-kiem-te-nga.jpg"}},
            {"media": {"uri": "photos_and_videos/nhom/poster.jpg"}},
            {"media": {"uri": "../../etc/passwd"}}
        ]}]
    }]});
    let photo = std::fs::read(fixture("dyi-2019/photos_and_videos/nhom/bang-kiem-te-nga.jpg")).unwrap();
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let zip = zip_file(
        &dir,
        &[
            ("facebook-lan/groups/your_posts_in_groups.json", post.to_string().as_bytes()),
            ("facebook-lan/photos_and_videos/nhom/bang-kiem-te-nga.jpg", &photo),
            ("facebook-lan/photos_and_videos/nhom/poster.jpg", svg),
        ],
    );
    let report = import_ok(&app, &zip).await;
    for expected in [
        "imported: 1\n",
        "media missing from the export: 1\n  ../../etc/passwd\n",
        "photos imported as attachments: 1\n",
        "photos in the export but refused: 1\n  photos_and_videos/nhom/poster.jpg: Only JPEG, PNG, WebP or GIF images and PDF files are accepted.",
    ] {
        assert!(report.contains(expected), "{expected:?} in\n{report}");
    }
    assert_eq!(app.store.count_attachments().await.unwrap(), 1);
    let topic = topic(&app, "Poster huong dan rua tay tai khoa Noi").await;
    let body = topic["posts"][0]["body"].as_str().unwrap();
    assert_eq!(body.matches("](/attachments/").count(), 1, "{body}");
}

/// A zip of these (name, bytes) entries, names written as given.
fn zip_file(dir: &tempfile::TempDir, entries: &[(&str, &[u8])]) -> PathBuf {
    let path = dir.path().join("facebook-export.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    path
}

#[tokio::test]
async fn a_zip_is_read_in_place_and_entries_that_climb_out_are_refused() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let posts = std::fs::read(fixture("dyi-2022/your_activity_across_facebook/groups/group_posts_and_comments.json")).unwrap();
    let evil =
        br#"{"group_posts_v2": [{"timestamp": 1600000000, "title": "X posted in Y.", "data": [{"post": "Evil post from outside"}]}]}"#;
    let zip = zip_file(
        &dir,
        &[
            ("facebook-binh/your_activity_across_facebook/groups/group_posts_and_comments.json", &posts),
            ("../groups/your_posts_in_groups.json", evil),
            ("/tmp/groups/your_posts_in_groups.json", evil),
        ],
    );
    let report = import_ok(&app, &zip).await;
    assert!(report.starts_with("imported: 2\n"), "{report}");
    assert!(report.contains("../groups/your_posts_in_groups.json: the entry's path leads outside the export"), "{report}");
    assert!(report.contains("/tmp/groups/your_posts_in_groups.json: the entry's path leads outside the export"), "{report}");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 2);
    assert!(!dir.path().parent().unwrap().join("groups").exists(), "nothing is extracted");
}

#[tokio::test]
async fn a_truncated_file_keeps_the_whole_posts_before_the_break() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read_to_string(fixture("graph/feed.json")).unwrap();
    let cut = full.find("1234567890_1003").unwrap();
    std::fs::write(dir.path().join("feed.json"), &full[..cut]).unwrap();
    let report = import_ok(&app, dir.path()).await;
    assert!(report.starts_with("imported: 1\nalready imported: 0\n0 new replies on 0 existing topics\nskipped: 1\n"), "{report}");
    assert!(report.contains("feed.json: invalid JSON (EOF while parsing"), "{report}");
    assert!(report.contains("the posts before this point were read, nothing after it"), "{report}");
    let blood = topic(&app, "Chia sẻ quy trình xác định người bệnh bằng 2 thông tin trước khi truyền máu 🩸").await;
    assert_eq!(blood["posts"].as_array().unwrap().len(), 3, "a post comes with all its comments");
}

#[tokio::test]
async fn a_path_that_does_not_exist_is_refused_with_a_clear_message() {
    let app = TestApp::sqlite().await;
    let out = import(&app, Path::new("/nonexistent/facebook-export.zip"), &[]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("cannot open /nonexistent/facebook-export.zip"), "{}", stderr(&out));
}

#[tokio::test]
async fn a_not_json_file_is_reported_not_half_imported() {
    let app = TestApp::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.json"), "Đây không phải JSON").unwrap();
    let report = import_ok(&app, dir.path()).await;
    assert!(report.starts_with("imported: 0\n") && report.contains("notes.json: invalid JSON"), "{report}");
}

#[tokio::test]
async fn posts_without_a_clear_category_go_to_the_default_category() {
    let app = TestApp::sqlite().await;
    let out = import(&app, &fixture("dyi-2024"), &["--default-category", "training"]).await;
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("categories suggested from the text: 1"), "{}", stdout(&out));
    let new_year = topic(&app, "Chúc mừng năm mới cả nhà! 🎉 Chúc mọi người nhiều sức khỏe.").await;
    assert_eq!(new_year["category"], "training", "no keyword: --default-category");
    let surgery = topic(&app, "Đảm bảo an toàn phẫu thuật: bảng kiểm 3 bước của bệnh viện tỉnh 🏥").await;
    assert_eq!(surgery["category"], "safe-surgery");

    let out = import(&app, &fixture("dyi-2022"), &["--default-category", "khong-co"]).await;
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--default-category \"khong-co\" is not a category"), "{}", stderr(&out));
}

/// A topic whose category is only a guess waits in the moderation queue; a moderator moves it
/// (the existing move action) and closes the item; the topic stays published throughout.
async fn unclear_categories_wait_in_the_moderation_queue(app: TestApp) {
    let report = import_ok(&app, &fixture("dyi-2024")).await;
    assert!(report.contains("categories to check (no clear keyword; queued for moderators when imported): 1"), "{report}");
    let token = app.token_for("mod@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let queue = |query: &'static str| {
        let (app, token) = (&app, token.clone());
        async move {
            let res = app.client.get(app.url(&format!("/api/v1/moderation/queue{query}"))).bearer_auth(&token).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.json::<Vec<Value>>().await.unwrap()
        }
    };
    let items = queue("?kind=imported_category").await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["topic_title"], "Chúc mừng năm mới cả nhà! 🎉 Chúc mọi người nhiều sức khỏe.");
    let res = app
        .client
        .post(app.url(&format!("/api/v1/moderation/queue/{}/approve", items[0]["id"])))
        .bearer_auth(&token)
        .json(&json!({"reason": "Danh mục đúng"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert!(queue("?kind=imported_category").await.is_empty());
    let new_year = topic(&app, "Chúc mừng năm mới cả nhà! 🎉 Chúc mọi người nhiều sức khỏe.").await;
    assert_eq!(new_year["posts"].as_array().unwrap().len(), 1, "still published and visible");
}
