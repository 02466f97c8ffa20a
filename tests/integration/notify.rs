//! Following and being told (issue #8): watches, in-app notifications, @mentions, removed posts,
//! mail through a real SMTP sink (Python aiosmtpd started here) or the .eml folder, the weekly
//! digest command, and one-click unsubscribe. Each runs on SQLite and on PostgreSQL.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, attr_of, count, text_of};

// ---------------------------------------------------------------------------------------------
// Helpers

struct Member {
    id: i64,
    token: String,
}

async fn member(app: &TestApp, email: &str, name: &str) -> Member {
    member_with_role(app, email, name, Role::Member).await
}

async fn member_with_role(app: &TestApp, email: &str, name: &str, role: Role) -> Member {
    let id = app.create_user(email, name, role).await;
    let res = app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": PASSWORD})).await;
    assert_eq!(res.status(), 201);
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    Member { id, token }
}

fn topic(category: &str, kind: &str, title: &str, body: &str, tags: &[&str]) -> Value {
    let mut t = json!({"category": category, "kind": kind, "title": title, "body": body, "tags": tags});
    if kind == "good_practice" {
        t["summary"] = json!("Tóm tắt: cách làm đơn giản, áp dụng được ngay ở khoa.");
    }
    t
}

fn discussion(title: &str) -> Value {
    topic("medication-safety", "discussion", title, "Khoa tôi dán **nhãn đỏ** cho kali clorid đậm đặc.", &[])
}

async fn reply(app: &TestApp, who: &Member, topic_id: i64, body: &str) -> i64 {
    let res = app.post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(&who.token), &json!({"body": body})).await;
    let status = res.status();
    let json: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{json}");
    json["id"].as_i64().unwrap()
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, who: &Member) -> reqwest::Response {
    app.client.request(method, app.url(path)).bearer_auth(&who.token).send().await.unwrap()
}

async fn watch(app: &TestApp, who: &Member, kind: &str, target: &str) {
    let res = send(app, reqwest::Method::PUT, &format!("/api/v1/watches/{kind}/{target}"), who).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn notifications(app: &TestApp, who: &Member) -> Vec<Value> {
    let res = send(app, reqwest::Method::GET, "/api/v1/notifications", who).await;
    assert_eq!(res.status(), 200);
    res.json::<Vec<Value>>().await.unwrap()
}

/// (kind, topic title) of each notification, oldest first.
async fn told(app: &TestApp, who: &Member) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = notifications(app, who)
        .await
        .iter()
        .map(|n| (n["kind"].as_str().unwrap().to_string(), n["topic_title"].as_str().unwrap_or("").to_string()))
        .collect();
    list.reverse();
    list
}

fn pair(kind: &str, title: &str) -> (String, String) {
    (kind.to_string(), title.to_string())
}

async fn put_settings(app: &TestApp, who: &Member, change: impl FnOnce(&mut Value)) -> reqwest::Response {
    let mut settings: Value = send(app, reqwest::Method::GET, "/api/v1/notification-settings", who).await.json().await.unwrap();
    change(&mut settings);
    app.client.put(app.url("/api/v1/notification-settings")).bearer_auth(&who.token).json(&settings).send().await.unwrap()
}

/// A test app whose notification mail goes out at once (no delay); the harness already turns
/// the digest scheduler off, so only what the test does is mailed.
fn prompt_mail(config: &mut Config) {
    config.mail_delay_seconds = 0;
}

pub(crate) async fn wait_for(mut ready: impl AsyncFnMut() -> bool, what: &str) {
    for _ in 0..100 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// The mail state of every notification of a member, oldest first.
async fn mail_states(app: &TestApp, user_id: i64) -> Vec<String> {
    let sql = "SELECT mail_state FROM notifications WHERE user_id = $1 ORDER BY id";
    match app.backend {
        "sqlite" => {
            let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
            sqlx::query_scalar(sql).bind(user_id).fetch_all(&pool).await.unwrap()
        }
        _ => {
            let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
            sqlx::query_scalar(sql).bind(user_id).fetch_all(&pool).await.unwrap()
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Python: the SMTP sink and the mail parser

fn require_smtp() -> bool {
    std::env::var("GP_REQUIRE_SMTP").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// A Python 3 that has aiosmtpd (Debian's python3-aiosmtpd lives in /usr/bin/python3).
fn python_with_aiosmtpd() -> Option<String> {
    for python in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(python).args(["-c", "import aiosmtpd"]).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
        if ok {
            return Some(python.to_string());
        }
    }
    assert!(!require_smtp(), "GP_REQUIRE_SMTP=1 but no python3 with aiosmtpd (apt-get install python3-aiosmtpd)");
    eprintln!("skipping: no python3 with aiosmtpd");
    None
}

/// `python3 -m aiosmtpd` on a free loopback port, storing every message in a Maildir.
pub(crate) struct SmtpSink {
    child: Child,
    port: u16,
    maildir: tempfile::TempDir,
    pub(crate) python: String,
}

impl SmtpSink {
    pub(crate) async fn start() -> Option<SmtpSink> {
        let python = python_with_aiosmtpd()?;
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let maildir = tempfile::tempdir().unwrap();
        let child = Command::new(&python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(maildir.path().join("box"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        // Owned by the sink at once, so it is stopped (Drop) on every path, the panic below included.
        let sink = SmtpSink { child, port, maildir, python };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Some(sink);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("aiosmtpd did not start on port {}", sink.port);
    }

    pub(crate) fn configure(&self, config: &mut Config) {
        config.smtp_host = "127.0.0.1".into();
        config.smtp_port = self.port;
        config.smtp_tls = "none".into();
        config.mail_from = "Thực hành tốt <no-reply@goodpractice.test>".into();
    }

    /// Received messages, oldest first.
    pub(crate) fn messages(&self) -> Vec<PathBuf> {
        eml_files(&self.maildir.path().join("box").join("new"))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) use crate::common::{eml_files, parse_mail};

/// Any Python 3 parses mail (the standard library is enough).
pub(crate) fn any_python() -> String {
    python_with_aiosmtpd().unwrap_or_else(|| "python3".into())
}

// ---------------------------------------------------------------------------------------------
// Watching, replies, mentions

async fn watching_a_category_from_its_page_tells_of_new_topics_until_stopped(app: TestApp) {
    // The watcher uses the site in a browser; the author posts through the API.
    app.signup("lan@bv-bachmai.vn", "Nguyễn Thị Lan").await;
    let author = member(&app, "binh@bv-choray.vn", "Trần Văn Bình").await;
    let (_, page) = app.get_text("/c/medication-safety").await;
    assert_eq!(text_of(&page, "form.watch-form button").as_deref(), Some("Theo dõi"));
    let id = attr_of(&page, "form.watch-form input[name=id]", "value").unwrap();

    let res = app.post_form("/watch", &[("kind", "category"), ("id", &id), ("action", "watch"), ("next", "/c/medication-safety")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/c/medication-safety");
    let (_, page) = app.get_text("/c/medication-safety").await;
    assert_eq!(text_of(&page, "form.watch-form button").as_deref(), Some("Bỏ theo dõi"));

    app.api_topic(&author.token, discussion("Dán nhãn thuốc nguy cơ cao")).await;
    let (_, page) = app.get_text("/").await;
    assert_eq!(text_of(&page, ".notifications-link .unread-count").as_deref(), Some("1"), "unread count in the header");
    let (_, list) = app.get_text("/notifications").await;
    let item = text_of(&list, "li.notification.unread").unwrap();
    assert!(
        item.contains("Có chủ đề mới ở mục bạn theo dõi") && item.contains("Dán nhãn thuốc nguy cơ cao") && item.contains("Trần Văn Bình"),
        "{item}"
    );

    // Opening it goes to the post and marks it read; the header count is gone.
    let href = attr_of(&list, "li.notification a", "href").unwrap();
    let res = app.get(&href).await;
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"].to_str().unwrap().starts_with("/t/"));
    let (_, page) = app.get_text("/").await;
    assert_eq!(count(&page, ".notifications-link .unread-count"), 0);

    app.post_form("/watch", &[("kind", "category"), ("id", &id), ("action", "stop"), ("next", "/c/medication-safety")]).await;
    app.api_topic(&author.token, discussion("Bảng kiểm bàn giao thuốc")).await;
    let (_, list) = app.get_text("/notifications").await;
    assert_eq!(count(&list, "li.notification"), 1, "nothing new after stopping");
}

async fn watching_a_tag_and_a_guidance_document_through_the_api(app: TestApp) {
    let watcher = member(&app, "thu@bv-hue.vn", "Lê Thị Thu").await;
    let author = member(&app, "minh@bv-dn.vn", "Phạm Minh").await;
    app.api_topic(
        &author.token,
        topic("infection-control", "discussion", "Vệ sinh tay 5 thời điểm", "Tỉ lệ tuân thủ tăng.", &["vệ sinh tay"]),
    )
    .await;
    watch(&app, &watcher, "tag", "ve-sinh-tay").await;
    watch(&app, &watcher, "guidance", "43-2018-TT-BYT").await;
    let res = send(&app, reqwest::Method::PUT, "/api/v1/watches/tag/khong-co-the-nay", &watcher).await;
    assert_eq!(res.status(), 404);
    let res = send(&app, reqwest::Method::PUT, "/api/v1/watches/user/1", &watcher).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Chỉ có thể theo dõi"));

    let tagged = app
        .api_topic(&author.token, topic("infection-control", "discussion", "Đo tuân thủ vệ sinh tay", "Quan sát ẩn.", &["vệ sinh tay"]))
        .await;
    reply(&app, &author, tagged, "Theo Thông tư 43/2018/TT-BYT, sự cố này phải báo cáo.").await;

    assert_eq!(
        told(&app, &watcher).await,
        [pair("watched_topic", "Đo tuân thủ vệ sinh tay"), pair("guidance_citation", "Đo tuân thủ vệ sinh tay")]
    );
    let kinds: Vec<String> = notifications(&app, &watcher).await.iter().map(|n| n["kind"].as_str().unwrap().into()).collect();
    assert_eq!(kinds.len(), 2, "one notification per post");
    let watches: Vec<Value> = send(&app, reqwest::Method::GET, "/api/v1/watches", &watcher).await.json().await.unwrap();
    assert_eq!(watches.len(), 2);
}

async fn replies_reach_the_author_and_earlier_repliers_unless_they_opt_out(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let first = member(&app, "binh@bv.vn", "Trần Bình").await;
    let second = member(&app, "hoa@bv.vn", "Đỗ Hoà").await;
    let quiet = member(&app, "an@bv.vn", "Vũ An").await;
    let id = app.api_topic(&author.token, discussion("Phòng ngừa té ngã ban đêm")).await;
    let title = "Phòng ngừa té ngã ban đêm";

    // The quiet member does not want replying to watch topics.
    let res = put_settings(&app, &quiet, |s| s["watch_on_reply"] = json!(false)).await;
    assert_eq!(res.status(), 200);
    reply(&app, &quiet, id, "Khoa tôi dùng chuông báo giường.").await;
    reply(&app, &first, id, "Chúng tôi bật đèn ngủ.").await;
    reply(&app, &second, id, "Còn dùng thanh chắn giường nữa.").await;

    assert_eq!(told(&app, &author).await, vec![pair("reply", title); 3]);
    assert_eq!(told(&app, &first).await, [pair("watched_reply", title)], "replying watched the topic");
    assert!(told(&app, &quiet).await.is_empty(), "watch_on_reply off");

    // Stopping watching is remembered: replying again does not watch again.
    let res = send(&app, reqwest::Method::DELETE, &format!("/api/v1/watches/topic/{id}"), &first).await;
    assert_eq!(res.json::<Value>().await.unwrap()["level"], "muted");
    reply(&app, &first, id, "Cập nhật: đã giảm 40% té ngã.").await;
    reply(&app, &second, id, "Tuyệt vời!").await;
    assert_eq!(told(&app, &first).await.len(), 1);
    assert_eq!(told(&app, &author).await.len(), 5);
}

async fn a_mention_links_the_profile_and_tells_the_member(app: TestApp) {
    let lan = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let author = member(&app, "binh@bv.vn", "Trần Bình").await;
    let settings: Value = send(&app, reqwest::Method::GET, "/api/v1/notification-settings", &lan).await.json().await.unwrap();
    assert_eq!(settings["handle"], "nguyen_thi_lan", "handle derived from the Vietnamese name");

    let id = app.api_topic(&author.token, discussion("Bàn giao ca bằng SBAR")).await;
    reply(&app, &author, id, "Chị @nguyen_thi_lan xem giúp mẫu này. Gửi cả @khong_ai_ca nữa.").await;
    let (_, page) = app.get_text(&format!("/t/{id}")).await;
    assert_eq!(attr_of(&page, &format!("a[href='/u/{}']", lan.id), "href"), Some(format!("/u/{}", lan.id)));
    assert_eq!(text_of(&page, &format!(".post a[href='/u/{}']", lan.id)).as_deref(), Some("@nguyen_thi_lan"));
    assert!(page.contains("@khong_ai_ca") && count(&page, "a[href^='/u/'][href$='khong_ai_ca']") == 0, "unknown handles stay text");
    assert_eq!(told(&app, &lan).await, [pair("mention", "Bàn giao ca bằng SBAR")]);

    // A new handle from settings, then mentions use it; a taken one is refused with a sentence.
    let res = put_settings(&app, &lan, |s| s["handle"] = json!("@Lân_HSCC")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["handle"], "lan_hscc");
    let res = put_settings(&app, &author, |s| s["handle"] = json!("lan_hscc")).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("@lan_hscc đã có người dùng"));
    let res = put_settings(&app, &author, |s| s["handle"] = json!("a b")).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Tên gọi cần 3–30 ký tự"));
    reply(&app, &author, id, "Cảm ơn @lan_hscc!").await;
    assert_eq!(told(&app, &lan).await.len(), 2);
}

async fn a_notification_for_a_removed_post_says_so_and_is_not_mailed(app: TestApp) {
    let watcher = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let author = member(&app, "binh@bv.vn", "Trần Bình").await;
    let moderator = member_with_role(&app, "mod@bv.vn", "Điều phối viên", Role::Moderator).await;
    let id = app.api_topic(&watcher.token, discussion("Quy trình tiêm an toàn")).await;
    let post = reply(&app, &author, id, "Nội dung sẽ bị ẩn vì có thông tin bệnh nhân.").await;
    let res = app
        .post_json(&format!("/api/v1/moderation/posts/{post}/hide"), Some(&moderator.token), &json!({"reason": "Có thông tin người bệnh"}))
        .await;
    assert_eq!(res.status(), 200);

    let list = notifications(&app, &watcher).await;
    assert_eq!(list[0]["kind"], "reply");
    assert!(list[0]["topic_title"].is_null(), "nothing of the removed post is shown: {}", list[0]);
    // Signed in as the watcher in the browser, the link explains instead of showing the post.
    app.login("lan@bv.vn", PASSWORD).await;
    let (status, page) = app.get_text(list[0]["url"].as_str().unwrap()).await;
    assert_eq!(status, 410);
    assert_eq!(text_of(&page, "h1").as_deref(), Some("Bài viết này đã bị gỡ"));
    assert!(!page.contains("thông tin bệnh nhân"));
    let (_, list_page) = app.get_text("/notifications").await;
    assert!(text_of(&list_page, "li.notification").unwrap().contains("bài viết đã bị gỡ"));
}

/// The removed post's mail is dropped (it waits `mail_delay_seconds`, and the post was hidden
/// meanwhile); a public reply in the same run is mailed, here to the .eml folder (no SMTP).
async fn removed_posts_are_not_mailed_and_mail_falls_back_to_a_folder(app: TestApp) {
    let watcher = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let author = member(&app, "binh@bv.vn", "Trần Bình").await;
    let moderator = member_with_role(&app, "mod@bv.vn", "Điều phối viên", Role::Moderator).await;
    let id = app.api_topic(&watcher.token, discussion("Quy trình tiêm an toàn")).await;
    let hidden = reply(&app, &author, id, "Bài này sẽ bị ẩn ngay.").await;
    let res =
        app.post_json(&format!("/api/v1/moderation/posts/{hidden}/hide"), Some(&moderator.token), &json!({"reason": "Sai chủ đề"})).await;
    assert_eq!(res.status(), 200);
    reply(&app, &author, id, "Bài này vẫn công khai.").await;

    wait_for(
        async || {
            let s = mail_states(&app, watcher.id).await;
            s.len() == 2 && !s.contains(&"queued".to_string())
        },
        "the mail task",
    )
    .await;
    assert_eq!(mail_states(&app, watcher.id).await, ["dropped", "sent"]);
    let public_notification = notifications(&app, &watcher).await[0]["id"].as_i64().unwrap();

    let python = any_python();
    let mails: Vec<Value> = eml_files(&app.data_dir().join("mail")).iter().map(|f| parse_mail(&python, f)).collect();
    let to_watcher: Vec<&Value> = mails.iter().filter(|m| m["to"].as_str().unwrap().contains("lan@bv.vn")).collect();
    assert_eq!(to_watcher.len(), 1, "one mail, for the public reply only");
    assert_eq!(to_watcher[0]["subject"], "Trả lời mới trong chủ đề của bạn: “Quy trình tiêm an toàn”");
    assert!(to_watcher[0]["text"].as_str().unwrap().contains(&format!("/notifications/{public_notification}/open")));
    // The hidden reply's author is told of the decision by mail too.
    let to_author: Vec<&Value> = mails.iter().filter(|m| m["to"].as_str().unwrap().contains("binh@bv.vn")).collect();
    assert_eq!(to_author.len(), 1);
    assert!(to_author[0]["text"].as_str().unwrap().contains("Sai chủ đề"));
}

// ---------------------------------------------------------------------------------------------
// Mail through a real SMTP server

async fn mail_reaches_a_real_smtp_server_in_the_members_language_with_one_click_unsubscribe(app: TestApp, sink: SmtpSink) {
    let lan = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let mai = member(&app, "mai@bv.vn", "Mai Anh").await;
    let author = member(&app, "binh@bv.vn", "Trần Bình").await;
    assert_eq!(put_settings(&app, &mai, |s| s["language"] = json!("en")).await.status(), 200);
    let id = app.api_topic(&lan.token, discussion("Dán nhãn thuốc nguy cơ cao")).await;
    watch(&app, &mai, "topic", &id.to_string()).await;
    reply(&app, &author, id, "Khoa em dán nhãn đỏ.").await;

    wait_for(async || sink.messages().len() == 2, "two mails at the SMTP sink").await;
    let mails: Vec<Value> = sink.messages().iter().map(|f| parse_mail(&sink.python, f)).collect();
    let vi = mails.iter().find(|m| m["to"].as_str().unwrap().contains("lan@bv.vn")).expect("mail to the author");
    let en = mails.iter().find(|m| m["to"].as_str().unwrap().contains("mai@bv.vn")).expect("mail to the watcher");

    assert_eq!(vi["subject"], "Trả lời mới trong chủ đề của bạn: “Dán nhãn thuốc nguy cơ cao”");
    assert!(vi["to"].as_str().unwrap().contains("Nguyễn Thị Lan"));
    assert_eq!(vi["from"], "Thực hành tốt <no-reply@goodpractice.test>");
    assert_eq!(vi["content_language"], "vi");
    let text = vi["text"].as_str().unwrap();
    assert!(text.starts_with("Chào Nguyễn Thị Lan,"), "{text}");
    assert!(text.contains("Trần Bình đã trả lời chủ đề “Dán nhãn thuốc nguy cơ cao” của bạn."), "{text}");
    assert!(vi["html"].as_str().unwrap().contains(&format!("<a href=\"{}/notifications/", app.base)));
    assert_eq!(en["subject"], "New reply in “Dán nhãn thuốc nguy cơ cao”");
    assert!(en["text"].as_str().unwrap().starts_with("Hello Mai Anh,"));

    // RFC 8058: the header names a one-click address; GET only asks, POST unsubscribes.
    assert_eq!(vi["list_unsubscribe_post"], "List-Unsubscribe=One-Click");
    let url = vi["list_unsubscribe"].as_str().unwrap().trim_matches(['<', '>']).to_string();
    assert!(url.starts_with(&format!("{}/unsubscribe/{}.", app.base, lan.id)), "{url}");
    assert!(text.contains(&url), "the link is in the text too");
    let mail_program = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = mail_program.get(&url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert_eq!(text_of(&page, "main form button").as_deref(), Some("Huỷ nhận mọi email"));
    let settings: Value = send(&app, reqwest::Method::GET, "/api/v1/notification-settings", &lan).await.json().await.unwrap();
    assert_eq!(settings["email_replies"], true, "a GET changes nothing");

    let res = mail_program
        .post(&url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("Đã huỷ"));
    let settings: Value = send(&app, reqwest::Method::GET, "/api/v1/notification-settings", &lan).await.json().await.unwrap();
    for key in ["email_replies", "email_mentions", "email_watched", "email_moderation", "digest"] {
        assert_eq!(settings[key], false, "{key}");
    }

    // Settings off: the notification is still there in the app, but no mail goes out.
    reply(&app, &author, id, "Thêm một trả lời nữa.").await;
    wait_for(async || mail_states(&app, lan.id).await.last().map(String::as_str) == Some("off"), "the second notification").await;
    wait_for(async || sink.messages().len() == 3, "the watcher's second mail").await;
    assert_eq!(told(&app, &lan).await.len(), 2);
    let to_lan = sink.messages().iter().filter(|f| parse_mail(&sink.python, f)["to"].as_str().unwrap().contains("lan@bv.vn")).count();
    assert_eq!(to_lan, 1);
}

// ---------------------------------------------------------------------------------------------
// Unsubscribe links that are not ours

async fn a_tampered_or_foreign_unsubscribe_link_is_a_clear_400_and_changes_nothing(app: TestApp) {
    let lan = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let other = member(&app, "binh@bv.vn", "Trần Bình").await;
    let key = goodpractice::notify::token::key(&app.store).await.unwrap();
    let good = goodpractice::notify::token::sign(&key, lan.id);
    let signature = good.split_once('.').unwrap().1.to_string();
    let mut flipped = good.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'a' { 'b' } else { 'a' });
    let bad = [
        flipped,
        format!("{}.{signature}", other.id),
        goodpractice::notify::token::sign(b"another forum's key", lan.id),
        goodpractice::notify::token::sign(&key, 987_654),
        "khong-phai-ma".to_string(),
    ];
    let anonymous = reqwest::Client::new();
    for token in &bad {
        let url = app.url(&format!("/unsubscribe/{token}"));
        for res in
            [anonymous.get(&url).send().await.unwrap(), anonymous.post(&url).body("List-Unsubscribe=One-Click").send().await.unwrap()]
        {
            assert_eq!(res.status(), 400, "{token}");
            let page = res.text().await.unwrap();
            assert!(page.contains("Liên kết huỷ nhận email này không hợp lệ"), "{token}: {page}");
        }
    }
    for who in [&lan, &other] {
        let settings: Value = send(&app, reqwest::Method::GET, "/api/v1/notification-settings", who).await.json().await.unwrap();
        assert_eq!((settings["email_replies"].clone(), settings["digest"].clone()), (json!(true), json!(true)), "nothing changed");
    }
    let res = anonymous.post(app.url(&format!("/unsubscribe/{good}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let settings: Value = send(&app, reqwest::Method::GET, "/api/v1/notification-settings", &lan).await.json().await.unwrap();
    assert_eq!(settings["digest"], false);
}

// ---------------------------------------------------------------------------------------------
// The weekly digest command

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

pub(crate) fn digest_command(app: &TestApp, dry_run: bool) -> String {
    let mut cmd = Command::new(BIN);
    cmd.args(["digest", "send"]);
    if dry_run {
        cmd.arg("--dry-run");
    }
    for var in ["GP_CONFIG", "GP_DATABASE_URL", "GP_SMTP_HOST", "GP_BIND", "GP_PUBLIC_URL"] {
        cmd.env_remove(var);
    }
    cmd.env("DATABASE_URL", app.database_url()).env("GP_DATA_DIR", app.data_dir()).env("RUST_LOG", "warn");
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

async fn the_digest_command_mails_the_weeks_best_practices_to_members_who_want_it(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let reader = member(&app, "binh@bv.vn", "Trần Bình").await;
    let no_digest = member(&app, "an@bv.vn", "Vũ An").await;
    assert_eq!(put_settings(&app, &no_digest, |s| s["digest"] = json!(false)).await.status(), 200);
    let practice = app
        .api_topic(
            &author.token,
            topic(
                "safe-surgery",
                "good_practice",
                "Bảng kiểm an toàn phẫu thuật",
                "Ba bước: trước gây mê, trước rạch da, trước khi rời phòng.",
                &[],
            ),
        )
        .await;
    let case = app
        .api_topic(
            &author.token,
            topic("medication-safety", "case_study", "Sự cố nhầm thuốc ở khoa Nhi", "Một liều kali bị pha nhầm; phát hiện kịp.", &[]),
        )
        .await;
    let chat = app.api_topic(&author.token, discussion("Hỏi về lịch trực Tết")).await;
    for n in 0..2 {
        reply(&app, &reader, practice, &format!("Khoa em áp dụng được, lần {n}.")).await;
    }
    for n in 0..4 {
        reply(&app, &reader, chat, &format!("Trả lời {n}")).await;
    }
    let _ = case;
    // Found helpful by two colleagues, though nobody replied: it leads the digest.
    let bundle = app
        .api_topic(
            &author.token,
            topic(
                "infection-control",
                "good_practice",
                "Gói dự phòng viêm phổi thở máy",
                "Nằm đầu cao 30 độ, vệ sinh răng miệng mỗi 6 giờ.",
                &[],
            ),
        )
        .await;
    let opening: Value = app.get(&format!("/api/v1/topics/{bundle}")).await.json().await.unwrap();
    let opening_post = opening["posts"][0]["id"].as_i64().expect("the opening post's id");
    for marker in [&reader, &no_digest] {
        app.store.mark_helpful(opening_post, marker.id).await.unwrap();
    }

    let dry = digest_command(&app, true);
    let place = |title: &str| dry.find(title).unwrap_or_else(|| panic!("{title} missing: {dry}"));
    let (helpful, discussed, quiet) =
        (place("Gói dự phòng viêm phổi thở máy"), place("Bảng kiểm an toàn phẫu thuật"), place("Sự cố nhầm thuốc ở khoa Nhi"));
    assert!(helpful < discussed && discussed < quiet, "most helpful first, then most discussed: {dry}");
    assert!(!dry.contains("lịch trực"), "discussions are not practices: {dry}");
    assert!(dry.contains("dry run"));
    let python = any_python();
    let digests = |app: &TestApp| -> Vec<Value> {
        eml_files(&app.data_dir().join("mail"))
            .iter()
            .map(|f| parse_mail(&python, f))
            .filter(|m| m["subject"].as_str().unwrap().starts_with("Bản tin"))
            .collect()
    };
    assert!(digests(&app).is_empty(), "a dry run sends nothing");

    let out = digest_command(&app, false);
    assert!(out.contains("queued for 2 members"), "{out}");
    let mails = digests(&app);
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| !m["to"].as_str().unwrap().contains("<an@bv.vn>")), "digest off");
    let text = mails[0]["text"].as_str().unwrap();
    assert!(text.contains("1. Gói dự phòng viêm phổi thở máy (Thực hành tốt · "), "{text}");
    assert!(text.contains("2. Bảng kiểm an toàn phẫu thuật (Thực hành tốt · "), "{text}");
    assert!(text.contains("· 2 trả lời)") && text.contains("3. Sự cố nhầm thuốc ở khoa Nhi (Nghiên cứu trường hợp · "), "{text}");
    assert!(text.contains(&format!("/t/{practice}")) && !text.contains("lịch trực"));
    assert_eq!(mails[0]["list_unsubscribe_post"], "List-Unsubscribe=One-Click");

    let again = digest_command(&app, false);
    assert!(again.contains("queued for 0 members"), "once a day: {again}");
    assert_eq!(digests(&app).len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Settings page and held posts

async fn the_settings_page_saves_choices_and_refuses_a_bad_handle_with_a_sentence(app: TestApp) {
    app.signup("lan@bv.vn", "Nguyễn Thị Lan").await;
    let (_, page) = app.get_text("/settings/notifications").await;
    assert_eq!(attr_of(&page, "input[name=handle]", "value").as_deref(), Some("nguyen_thi_lan"));
    assert_eq!(count(&page, "input[type=checkbox][checked]"), 6, "everything on by default");

    let res = app.post_form("/settings/notifications", &[("handle", "@Lan_HSCC"), ("digest", "on"), ("language", "en")]).await;
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert_eq!(text_of(&page, "p.notice").as_deref(), Some("Đã lưu cài đặt thông báo."));
    assert_eq!(attr_of(&page, "input[name=handle]", "value").as_deref(), Some("lan_hscc"));
    assert_eq!(count(&page, "input[type=checkbox][checked]"), 1);
    assert_eq!(attr_of(&page, "option[selected]", "value").as_deref(), Some("en"));

    let res = app.post_form("/settings/notifications", &[("handle", "lan anh!"), ("language", "vi")]).await;
    assert_eq!(res.status(), 422);
    let page = res.text().await.unwrap();
    assert!(text_of(&page, "p.form-error").unwrap().contains("Tên gọi cần 3–30 ký tự"));
    assert_eq!(attr_of(&page, "input[name=handle]", "value").as_deref(), Some("lan anh!"), "what was typed is kept");

    // Without the CSRF field nothing is saved.
    let res = app.client.post(app.url("/settings/notifications")).form(&[("handle", "ke_gian"), ("language", "vi")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let (_, page) = app.get_text("/settings/notifications").await;
    assert_eq!(attr_of(&page, "input[name=handle]", "value").as_deref(), Some("lan_hscc"));
}

/// A reply held for review reaches watchers only when a moderator approves it.
async fn a_held_reply_is_told_when_approved(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan").await;
    let moderator = member_with_role(&app, "mod@bv.vn", "Điều phối viên", Role::Moderator).await;
    let id = app.api_topic(&moderator.token, discussion("Báo cáo sự cố tự nguyện")).await;
    watch(&app, &author, "topic", &id.to_string()).await;
    let newcomer = member(&app, "moi@bv.vn", "Thành Viên Mới").await;
    reply(&app, &newcomer, id, "Bài đầu tiên của tôi, chờ duyệt.").await;
    assert!(told(&app, &author).await.is_empty(), "held: nobody is told yet");

    let queue: Value = send(&app, reqwest::Method::GET, "/api/v1/moderation/queue", &moderator).await.json().await.unwrap();
    let item = queue[0]["id"].as_i64().unwrap_or_else(|| panic!("{queue}"));
    let res = app.post_json(&format!("/api/v1/moderation/queue/{item}/approve"), Some(&moderator.token), &json!({"reason": ""})).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(told(&app, &author).await, [pair("watched_reply", "Báo cáo sự cố tự nguyện")]);
    assert_eq!(told(&app, &moderator).await, [pair("reply", "Báo cáo sự cố tự nguyện")]);
}

fn hold_first_posts(config: &mut Config) {
    config.new_user_held_posts = 1;
}

#[tokio::test]
async fn held_reply_sqlite() {
    a_held_reply_is_told_when_approved(TestApp::sqlite_with(hold_first_posts).await).await;
}

#[tokio::test]
async fn held_reply_postgres() {
    if let Some(app) = TestApp::postgres_with(hold_first_posts).await {
        a_held_reply_is_told_when_approved(app).await;
    }
}

crate::on_both_databases!(
    watching_a_category_from_its_page_tells_of_new_topics_until_stopped,
    watching_a_tag_and_a_guidance_document_through_the_api,
    replies_reach_the_author_and_earlier_repliers_unless_they_opt_out,
    a_mention_links_the_profile_and_tells_the_member,
    a_notification_for_a_removed_post_says_so_and_is_not_mailed,
    a_tampered_or_foreign_unsubscribe_link_is_a_clear_400_and_changes_nothing,
    the_settings_page_saves_choices_and_refuses_a_bad_handle_with_a_sentence,
);

/// Runs each test on both databases with mail sent at once and no digest scheduler.
macro_rules! with_prompt_mail {
    ($($name:ident),* $(,)?) => {
        mod prompt_mail_sqlite {
            $( #[tokio::test] async fn $name() {
                super::$name(TestApp::sqlite_with(super::prompt_mail).await).await;
            } )*
            use crate::common::TestApp;
        }
        mod prompt_mail_postgres {
            $( #[tokio::test] async fn $name() {
                if let Some(app) = TestApp::postgres_with(super::prompt_mail).await { super::$name(app).await; }
            } )*
            use crate::common::TestApp;
        }
    };
}

with_prompt_mail!(the_digest_command_mails_the_weeks_best_practices_to_members_who_want_it);

/// A short delay: long enough for the test to hide a post before its mail is due.
fn short_delay(config: &mut Config) {
    config.mail_delay_seconds = 2;
}

#[tokio::test]
async fn removed_posts_are_not_mailed_sqlite() {
    removed_posts_are_not_mailed_and_mail_falls_back_to_a_folder(TestApp::sqlite_with(short_delay).await).await;
}

#[tokio::test]
async fn removed_posts_are_not_mailed_postgres() {
    if let Some(app) = TestApp::postgres_with(short_delay).await {
        removed_posts_are_not_mailed_and_mail_falls_back_to_a_folder(app).await;
    }
}

#[tokio::test]
async fn smtp_mail_sqlite() {
    let Some(sink) = SmtpSink::start().await else { return };
    let app = TestApp::sqlite_with(|c| {
        prompt_mail(c);
        sink.configure(c)
    })
    .await;
    mail_reaches_a_real_smtp_server_in_the_members_language_with_one_click_unsubscribe(app, sink).await;
}

#[tokio::test]
async fn smtp_mail_postgres() {
    let Some(sink) = SmtpSink::start().await else { return };
    if let Some(app) = TestApp::postgres_with(|c| {
        prompt_mail(c);
        sink.configure(c)
    })
    .await
    {
        mail_reaches_a_real_smtp_server_in_the_members_language_with_one_click_unsubscribe(app, sink).await;
    }
}
