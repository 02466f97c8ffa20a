//! Drafts, helpful marks, bookmarks, the share box and the home page over HTTP on both
//! databases, asserting what members see: the text they typed back on another device, counts
//! on posts, their saved list, and readable refusals for hostile input.

use std::sync::Arc;

use goodpractice::accounts::Role;
use reqwest::cookie::Jar;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, attr_of, cookie_value, count, field, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";
/// "Tế ngã ở người bệnh" as some phones send it: decomposed (NFD).
const TITLE_NFD: &str = "Te\u{302}\u{301} nga\u{303} o\u{31b}\u{309} ngu\u{31b}o\u{31b}\u{300}i be\u{302}\u{323}nh";
const TITLE_NFC: &str = "Tế ngã ở người bệnh";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A browser of its own (cookies, no redirects followed) on the test app.
struct Browser {
    base: String,
    client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        let (client, jar) = app.second_browser();
        Browser { base: app.base.clone(), client, jar }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    /// Posts a form with this browser's CSRF token (loading a page first to get one).
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if cookie_value(&self.jar, &self.base, "gp_csrf").is_none() {
            self.get("/").await;
        }
        let token = cookie_value(&self.jar, &self.base, "gp_csrf").unwrap();
        let mut all = fields.to_vec();
        all.push(("csrf", &token));
        self.client.post(format!("{}{path}", self.base)).form(&all).send().await.unwrap()
    }

    async fn login(&self, email: &str) {
        let res = self.post("/login", &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), 303, "sign-in of {email}");
    }
}

/// A member with an API token, signed in on a browser of their own.
async fn member(app: &TestApp, email: &str, name: &str, role: Role) -> (Browser, String) {
    let token = app.token_for(email, name, role).await;
    let browser = Browser::new(app);
    browser.login(email).await;
    (browser, token)
}

fn topic(title: &str, body: &str) -> Value {
    json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": body, "tags": []})
}

async fn api(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

fn error_message(html: &str) -> String {
    text_of(html, "p.error-message").unwrap_or_default()
}

async fn reply(app: &TestApp, token: &str, topic_id: i64, body: &str) -> i64 {
    let (status, json) =
        api(app, reqwest::Method::POST, &format!("/api/v1/topics/{topic_id}/posts"), token, Some(json!({"body": body}))).await;
    assert_eq!(status, 201, "{json}");
    json["id"].as_i64().unwrap()
}

async fn opening_post(app: &TestApp, topic_id: i64) -> i64 {
    let (status, json) = api(app, reqwest::Method::GET, &format!("/api/v1/topics/{topic_id}"), "none", None).await;
    assert_eq!(status, 200, "{json}");
    json["posts"][0]["id"].as_i64().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Drafts

/// A case study saved with the plain button on one device is in the form on another, as NFC;
/// it is listed under "My drafts"; publishing it deletes it.
async fn a_draft_follows_the_member_and_goes_when_posted(app: TestApp) {
    let (phone, _) = member(&app, "lan@benhvien.vn", "Điều dưỡng Lan", Role::Member).await;
    let res = phone
        .post(
            "/drafts",
            &[
                ("draft_scope", "new:case_study"),
                ("kind", "case_study"),
                ("category", CATEGORY),
                ("title", TITLE_NFD),
                ("context", "Khoa Nội, ca đêm."),
                ("problem", ""),
            ],
        )
        .await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/new?kind=case_study&draft=saved".to_string()));

    let desktop = Browser::new(&app);
    desktop.login("lan@benhvien.vn").await;
    let (status, html) = desktop.get("/new?kind=case_study").await;
    assert_eq!(status, 200);
    assert_eq!(field(&html, "title"), TITLE_NFC, "the title comes back composed (NFC)");
    assert_eq!(field(&html, "context"), "Khoa Nội, ca đêm.");
    assert!(text_of(&html, ".draft-restored").unwrap().contains("bản nháp"), "the form says it was filled from a draft");
    let (_, other_kind) = desktop.get("/new?kind=question").await;
    assert_eq!(field(&other_kind, "title"), "", "a draft belongs to the kind of topic it was written for");

    let (_, list) = desktop.get("/drafts").await;
    assert_eq!(count(&list, ".draft-item"), 1);
    assert!(text_of(&list, ".draft-item").unwrap().contains(TITLE_NFC));

    let sections: Vec<(&str, &str)> = vec![
        ("kind", "case_study"),
        ("category", CATEGORY),
        ("title", TITLE_NFC),
        ("context", "Khoa Nội, ca đêm."),
        ("problem", "Người bệnh 80 tuổi tự đi vệ sinh và bị ngã."),
        ("causes", "Chuông gọi xa giường."),
        ("intervention", "Đặt chuông trong tầm tay, đánh giá nguy cơ ngã khi nhập viện."),
        ("results", "Số ca ngã giảm."),
        ("lessons", "Đánh giá nguy cơ sớm."),
        ("body", ""),
        ("tags", ""),
        ("guidance", ""),
    ];
    let res = desktop.post("/new", &sections).await;
    assert_eq!(res.status(), 303, "the case study is published");
    let (_, list) = desktop.get("/drafts").await;
    assert_eq!(count(&list, ".draft-item"), 0, "posting deleted the draft");
    assert_eq!(text_of(&list, "li.empty").unwrap(), "Bạn chưa có bản nháp nào.");
}

/// The autosave script's request gets a short status line; a reply draft is back in the reply
/// box on the topic page and goes when the reply is posted.
async fn reply_drafts_autosave_and_come_back(app: TestApp) {
    let (author, token) = member(&app, "an@benhvien.vn", "Bác sĩ An", Role::Member).await;
    let topic_id = app.api_topic(&token, topic("Kiểm tra chéo thuốc nguy cơ cao", "Khoa tôi kiểm tra chéo kali clorid.")).await;
    let (reader, _) = member(&app, "binh@benhvien.vn", "Dược sĩ Bình", Role::Member).await;
    let token = {
        reader.get("/").await;
        cookie_value(&reader.jar, &reader.base, "gp_csrf").unwrap()
    };
    let scope = format!("reply:{topic_id}");
    let res = reader
        .client
        .post(format!("{}/drafts", reader.base))
        .header("X-Draft-Autosave", "1")
        .form(&[("csrf", token.as_str()), ("draft_scope", scope.as_str()), ("body", "Chúng tôi dán nhãn đỏ cho ")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let line = res.text().await.unwrap();
    assert!(line.starts_with("Đã lưu nháp lúc "), "{line}");

    let (_, html) = reader.get(&format!("/t/{topic_id}")).await;
    assert_eq!(field(&html, "reply-body"), "Chúng tôi dán nhãn đỏ cho");
    assert_eq!(text_of(&html, ".draft-restored").unwrap(), "Đây là bản nháp bạn đã lưu trước đó. Bản nháp của tôi");
    let (_, authors_view) = author.get(&format!("/t/{topic_id}")).await;
    assert_eq!(field(&authors_view, "reply-body"), "", "nobody else sees the draft");

    let res = reader.post(&format!("/t/{topic_id}/reply"), &[("body", "Chúng tôi dán nhãn đỏ cho kali clorid đậm đặc.")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = reader.get(&format!("/t/{topic_id}")).await;
    assert_eq!(field(&html, "reply-body"), "", "posting the reply deleted its draft");
}

/// The edit form keeps a draft of the new version too: saved on the phone (the plain button),
/// it fills the edit form on the desktop; saving the edit deletes it. Nobody else may keep a
/// draft of someone's post.
async fn an_edit_draft_follows_the_member_to_another_device(app: TestApp) {
    let (phone, token) = member(&app, "an@benhvien.vn", "Bác sĩ An", Role::Member).await;
    let topic_id = app.api_topic(&token, topic("Kiểm tra chéo thuốc nguy cơ cao", "Khoa tôi kiểm tra chéo kali clorid.")).await;
    let post = opening_post(&app, topic_id).await;
    let (_, form) = phone.get(&format!("/posts/{post}/edit")).await;
    assert_eq!(attr_of(&form, "form.compose", "data-draft-url").as_deref(), Some("/drafts"), "the edit form autosaves");
    assert_eq!(attr_of(&form, "form.compose input[name=draft_scope]", "value"), Some(format!("edit:{post}")));
    let new_body = "Khoa tôi kiểm tra che\u{301}o kali clorid và insulin.";
    let fields =
        [("draft_scope", format!("edit:{post}")), ("title", "Kiểm tra chéo thuốc nguy cơ cao".into()), ("body", new_body.to_string())];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = phone.post("/drafts", &fields).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, format!("/posts/{post}/edit?draft=saved")));

    let desktop = Browser::new(&app);
    desktop.login("an@benhvien.vn").await;
    let (status, html) = desktop.get(&format!("/posts/{post}/edit")).await;
    assert_eq!(status, 200);
    assert_eq!(field(&html, "body"), "Khoa tôi kiểm tra chéo kali clorid và insulin.", "the draft, as NFC");
    assert!(text_of(&html, ".draft-restored").unwrap().contains("bản nháp"));
    let (_, list) = desktop.get("/drafts").await;
    assert!(text_of(&list, ".draft-item .meta").unwrap().starts_with("Sửa bài: Kiểm tra chéo thuốc nguy cơ cao ·"));
    let (_, topic_page) = app.get_text(&format!("/t/{topic_id}")).await;
    assert!(!topic_page.contains("insulin"), "a draft is not the post");

    let (other, _) = member(&app, "binh@benhvien.vn", "Dược sĩ Bình", Role::Member).await;
    let res = other.post("/drafts", &[("draft_scope", &format!("edit:{post}")), ("body", "Sửa bài của người khác")]).await;
    assert_eq!(res.status(), 403, "only those who may edit a post keep a draft of it");

    let res = desktop
        .post(&format!("/posts/{post}/edit"), &[("title", "Kiểm tra chéo thuốc nguy cơ cao"), ("body", &field(&html, "body"))])
        .await;
    assert_eq!(res.status(), 303);
    let (_, html) = phone.get(&format!("/posts/{post}/edit")).await;
    assert_eq!(count(&html, ".draft-restored"), 0, "saving the edit deleted its draft");
    assert_eq!(field(&html, "body"), "Khoa tôi kiểm tra chéo kali clorid và insulin.");
    let (_, list) = phone.get("/drafts").await;
    assert_eq!(count(&list, ".draft-item"), 0);
}

/// Oversized drafts, other members' drafts, drafts for hidden topics, unknown places and a
/// missing CSRF token are refused with a sentence, and nothing is stored or deleted.
async fn hostile_drafts_are_refused(app: TestApp) {
    let (lan, lan_token) = member(&app, "lan@benhvien.vn", "Lan", Role::Member).await;
    let (mallory, mallory_token) = member(&app, "mallory@benhvien.vn", "Mallory", Role::Member).await;

    let ten_mb = "a".repeat(10 * 1024 * 1024);
    let res = lan.post("/drafts", &[("draft_scope", "new:discussion"), ("body", &ten_mb)]).await;
    let status = res.status().as_u16();
    let html = res.text().await.unwrap();
    assert!(status == 413 || status == 422, "{status}");
    assert!(!error_message(&html).is_empty(), "a 10 MB draft gets a sentence, not a blank page");

    let just_over = "a".repeat(50_001);
    let res = lan.post("/drafts", &[("draft_scope", "new:discussion"), ("body", &just_over)]).await;
    assert_eq!(res.status(), 413);
    assert_eq!(error_message(&res.text().await.unwrap()), "Bản nháp quá dài: tối đa 50000 ký tự. Hãy rút gọn hoặc chia thành nhiều bài.");
    let (status, json) = api(
        &app,
        reqwest::Method::PUT,
        "/api/v1/drafts",
        &lan_token,
        Some(json!({"scope": "new:discussion", "fields": {"body": just_over}})),
    )
    .await;
    assert_eq!(status, 413, "{json}");

    let res = lan.post("/drafts", &[("draft_scope", "edit:bảy"), ("body", "x")]).await;
    assert_eq!(res.status(), 422);

    let (status, saved) = api(
        &app,
        reqwest::Method::PUT,
        "/api/v1/drafts",
        &lan_token,
        Some(json!({"scope": "new:question", "fields": {"title": "Hỏi về bảng kiểm", "csrf": "x"}})),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["fields"], json!({"title": "Hỏi về bảng kiểm"}));
    let id = saved["id"].as_i64().unwrap();
    let (status, _) = api(&app, reqwest::Method::GET, &format!("/api/v1/drafts/{id}"), &mallory_token, None).await;
    assert_eq!(status, 404, "another member's draft is not admitted to exist");
    let (status, _) = api(&app, reqwest::Method::DELETE, &format!("/api/v1/drafts/{id}"), &mallory_token, None).await;
    assert_eq!(status, 404);
    let res = mallory.post(&format!("/drafts/{id}/delete"), &[]).await;
    assert_eq!(res.status(), 404);
    let (_, mallorys_list) = mallory.get("/drafts").await;
    assert_eq!(count(&mallorys_list, ".draft-item"), 0);
    let (status, still) = api(&app, reqwest::Method::GET, &format!("/api/v1/drafts/{id}"), &lan_token, None).await;
    assert_eq!((status, still["fields"]["title"].as_str()), (200, Some("Hỏi về bảng kiểm")));

    let res = lan.client.post(format!("{}/drafts/{id}/delete", lan.base)).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    let res =
        lan.client.post(format!("{}/drafts", lan.base)).form(&[("draft_scope", "new:discussion"), ("body", "x")]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");

    let held = app.api_topic(&mallory_token, topic("Nhầm thuốc", "Người bệnh có số CCCD 001204012345 bị phát nhầm thuốc.")).await;
    let (status, _) = api(
        &app,
        reqwest::Method::PUT,
        "/api/v1/drafts",
        &lan_token,
        Some(json!({"scope": format!("reply:{held}"), "fields": {"body": "x"}})),
    )
    .await;
    assert_eq!(status, 404, "a reply draft for a topic Lan cannot see");
    let (status, _) =
        api(&app, reqwest::Method::PUT, "/api/v1/drafts", &lan_token, Some(json!({"scope": "reply:999999", "fields": {"body": "x"}})))
            .await;
    assert_eq!(status, 404);

    let res = lan.post(&format!("/drafts/{id}/delete"), &[]).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/drafts".to_string()));
    let (status, list) = api(&app, reqwest::Method::GET, "/api/v1/drafts", &lan_token, None).await;
    assert_eq!((status, list), (200, json!([])));
}

// ---------------------------------------------------------------------------------------------
// Helpful marks

fn helpful_text(html: &str, post_id: i64) -> String {
    text_of(html, &format!("#helpful-{post_id}")).unwrap_or_default()
}

/// Marks count once per member, never on one's own post, can be taken back, and only on
/// public posts; the count is on the page and in the API.
async fn helpful_marks_count_once_and_only_on_public_posts(app: TestApp) {
    let (author, author_token) = member(&app, "an@benhvien.vn", "An", Role::Member).await;
    let (reader, reader_token) = member(&app, "binh@benhvien.vn", "Bình", Role::Member).await;
    let topic_id =
        app.api_topic(&author_token, topic("Bảng kiểm an toàn phẫu thuật", "Chúng tôi đọc to bảng kiểm trước khi rạch da.")).await;
    let post_id = opening_post(&app, topic_id).await;
    let back = format!("/t/{topic_id}");

    for _ in 0..2 {
        let res = reader.post(&format!("/posts/{post_id}/helpful"), &[("back", &back)]).await;
        assert_eq!((res.status().as_u16(), location(&res)), (303, format!("/t/{topic_id}#post-{post_id}")));
    }
    let (_, html) = reader.get(&back).await;
    assert_eq!(helpful_text(&html, post_id), "Hữu ích: 1", "marking twice counts once");
    assert!(html.contains("Bỏ đánh dấu hữu ích"));

    let res = author.post(&format!("/posts/{post_id}/helpful"), &[("back", &back)]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(error_message(&res.text().await.unwrap()), "Bạn không thể đánh dấu bài của chính mình là hữu ích.");
    let (_, authors_view) = author.get(&back).await;
    assert!(!authors_view.contains("Đánh dấu hữu ích"), "no button on one's own post");

    let (status, json) = api(&app, reqwest::Method::PUT, &format!("/api/v1/posts/{post_id}/helpful"), &reader_token, None).await;
    assert_eq!((status, json["helpful_count"].as_i64(), json["marked"].as_bool()), (200, Some(1), Some(true)));
    let (_, topic_json) = api(&app, reqwest::Method::GET, &format!("/api/v1/topics/{topic_id}"), "none", None).await;
    assert_eq!(topic_json["posts"][0]["helpful_count"], 1);

    let res = reader.post(&format!("/posts/{post_id}/helpful"), &[("back", &back), ("undo", "1")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = reader.get(&back).await;
    assert_eq!(helpful_text(&html, post_id), "Hữu ích: 0");

    let held = app.api_topic(&author_token, topic("Nhầm thuốc", "Người bệnh có số CCCD 001204012345 bị phát nhầm thuốc.")).await;
    let held_post = opening_post_any(&app, held).await;
    let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/posts/{held_post}/helpful"), &reader_token, None).await;
    assert_eq!(status, 404, "a pending post is not admitted to exist");
    let reply_id = reply(&app, &author_token, topic_id, "Thêm: ghi giờ bắt đầu vào phiếu.").await;
    let res = author.post(&format!("/posts/{reply_id}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    let res = reader.post(&format!("/posts/{reply_id}/helpful"), &[("back", &back)]).await;
    assert_eq!(res.status(), 404, "a deleted post cannot be marked");
    let (status, _) = api(&app, reqwest::Method::PUT, "/api/v1/posts/abc/helpful", &reader_token, None).await;
    assert_eq!(status, 404);
    let res = reader.client.post(format!("{}/posts/{post_id}/helpful", reader.base)).form(&[("back", "/")]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
}

/// The opening post's id straight from the database (the API hides pending topics).
async fn opening_post_any(app: &TestApp, topic_id: i64) -> i64 {
    app.store.opening_post_id(topic_id).await.unwrap()
}

/// "Most helpful" lists a category by marks; the plain listing stays newest first.
async fn most_helpful_sort_on_category_pages(app: TestApp) {
    let (_, author_token) = member(&app, "an@benhvien.vn", "An", Role::Member).await;
    let older = app.api_topic(&author_token, topic("Nhãn thuốc nguy cơ cao", "Dán nhãn đỏ cho thuốc nguy cơ cao.")).await;
    let newer = app.api_topic(&author_token, topic("Giờ giao ban dược", "Giao ban dược lâm sàng mỗi sáng.")).await;
    for n in 0..2 {
        let token = app.token_for(&format!("reader{n}@benhvien.vn"), &format!("Người đọc {n}"), Role::Member).await;
        let post = opening_post(&app, older).await;
        let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/posts/{post}/helpful"), &token, None).await;
        assert_eq!(status, 200);
    }
    let titles = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        doc.select(&scraper::Selector::parse("ol.topics .topic-title").unwrap()).map(|e| e.text().collect()).collect()
    };
    let (_, latest) = app.get_text(&format!("/c/{CATEGORY}")).await;
    assert_eq!(titles(&latest), vec!["Giờ giao ban dược", "Nhãn thuốc nguy cơ cao"]);
    let (status, helpful) = app.get_text(&format!("/c/{CATEGORY}/helpful")).await;
    assert_eq!(status, 200);
    assert_eq!(titles(&helpful), vec!["Nhãn thuốc nguy cơ cao", "Giờ giao ban dược"]);
    assert_eq!(text_of(&helpful, ".topic-item .helpful-count").unwrap(), "Hữu ích: 2");
    assert_eq!(text_of(&helpful, "nav.sort [aria-current]").unwrap(), "Hữu ích nhất");
    app.get("/lang/en?next=/").await;
    let (_, english) = app.get_text(&format!("/c/{CATEGORY}/helpful")).await;
    assert_eq!(text_of(&english, "nav.sort [aria-current]").unwrap(), "Most helpful");
    assert_eq!(text_of(&english, ".topic-item .helpful-count").unwrap(), "Helpful: 2");
    let _ = newer;
}

/// A guidance document lists the practices citing it most helpful first, then newest.
async fn guidance_pages_list_citing_practices_most_helpful_first(app: TestApp) {
    let (_, author_token) = member(&app, "an@benhvien.vn", "An", Role::Member).await;
    let (_, reader_token) = member(&app, "binh@benhvien.vn", "Bình", Role::Member).await;
    let older = app.api_topic(&author_token, topic("Báo cáo sự cố tự nguyện", "Theo 43/2018/TT-BYT, khoa tôi báo cáo trong 24 giờ.")).await;
    let _newer = app.api_topic(&author_token, topic("Học từ sự cố", "Theo 43/2018/TT-BYT.")).await;
    let citing = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        doc.select(&scraper::Selector::parse(".citing .topic-title").unwrap()).map(|e| e.text().collect()).collect()
    };
    let (_, before) = app.get_text("/guidance/43-2018-TT-BYT").await;
    assert_eq!(citing(&before), vec!["Học từ sự cố", "Báo cáo sự cố tự nguyện"], "no marks yet: newest first");
    let post = opening_post(&app, older).await;
    let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/posts/{post}/helpful"), &reader_token, None).await;
    assert_eq!(status, 200);
    let (_, after) = app.get_text("/guidance/43-2018-TT-BYT").await;
    assert_eq!(citing(&after), vec!["Báo cáo sự cố tự nguyện", "Học từ sự cố"]);
    assert_eq!(text_of(&after, ".citing .hint").unwrap(), "Bài được đánh dấu hữu ích nhiều nhất trước, rồi đến bài mới nhất.");
}

// ---------------------------------------------------------------------------------------------
// Bookmarks

async fn bookmarks_list_what_is_still_public(app: TestApp) {
    let (author, author_token) = member(&app, "an@benhvien.vn", "An", Role::Member).await;
    let (reader, reader_token) = member(&app, "binh@benhvien.vn", "Bình", Role::Member).await;
    let topic_id =
        app.api_topic(&author_token, topic("Xác định người bệnh bằng hai yếu tố", "Họ tên và ngày sinh trước mỗi thủ thuật.")).await;
    let reply_id = reply(&app, &author_token, topic_id, "Khoa tôi thêm mã vạch trên vòng tay.").await;
    let opening = opening_post(&app, topic_id).await;
    let back = format!("/t/{topic_id}");

    let res = reader.post(&format!("/posts/{opening}/bookmark"), &[("back", &back)]).await;
    assert_eq!(res.status(), 303);
    let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/posts/{reply_id}/bookmark"), &reader_token, None).await;
    assert_eq!(status, 204);
    let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/topics/{topic_id}/bookmark"), &reader_token, None).await;
    assert_eq!(status, 204, "bookmarking again changes nothing");

    let (_, html) = reader.get("/bookmarks").await;
    assert_eq!(count(&html, ".bookmark-item"), 2);
    let kinds: Vec<String> = {
        let doc = scraper::Html::parse_document(&html);
        doc.select(&scraper::Selector::parse(".bookmark-item .meta").unwrap())
            .map(|e| e.text().collect::<String>().split(" · ").next().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds, vec!["Bài trả lời", "Chủ đề"], "newest first: the reply, then the topic");
    let (_, topic_html) = reader.get(&back).await;
    assert!(text_of(&topic_html, &format!("#post-{opening} .post-actions")).unwrap().contains("Bỏ lưu"));
    assert!(text_of(&topic_html, &format!("#post-{reply_id} .post-actions")).unwrap().contains("Bỏ lưu"));
    let (_, list) = api(&app, reqwest::Method::GET, "/api/v1/bookmarks", &reader_token, None).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(items.iter().any(|b| b["is_topic"] == true && b["topic_title"] == "Xác định người bệnh bằng hai yếu tố"));

    let res = author.post(&format!("/posts/{reply_id}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = reader.get("/bookmarks").await;
    assert_eq!(count(&html, ".bookmark-item"), 1, "a deleted reply leaves the list");

    let held = app.api_topic(&author_token, topic("Nhầm thuốc", "Người bệnh có số CCCD 001204012345 bị phát nhầm thuốc.")).await;
    let (status, _) = api(&app, reqwest::Method::PUT, &format!("/api/v1/topics/{held}/bookmark"), &reader_token, None).await;
    assert_eq!(status, 404, "what Bình cannot see is not admitted to exist");
    let (status, _) = api(&app, reqwest::Method::PUT, "/api/v1/topics/999999/bookmark", &reader_token, None).await;
    assert_eq!(status, 404);

    let res = reader.post(&format!("/posts/{opening}/bookmark"), &[("back", "/bookmarks"), ("undo", "1")]).await;
    assert_eq!(location(&res), format!("/bookmarks#post-{opening}"));
    let (_, html) = reader.get("/bookmarks").await;
    assert_eq!(text_of(&html, "li.empty").unwrap(), "Bạn chưa lưu chủ đề hay bài viết nào.");
    let (status, _) = app.get_text("/bookmarks").await;
    assert_eq!(status, 303, "signed out: to the sign-in page");
}

// ---------------------------------------------------------------------------------------------
// Share box and home page

async fn the_share_box_links_out_without_third_party_scripts(app: TestApp) {
    let token = app.token_for("an@benhvien.vn", "An", Role::Member).await;
    let topic_id = app.api_topic(&token, topic("Rửa tay năm thời điểm", "Khoa tôi đặt cồn ở mỗi giường.")).await;
    let (status, html) = app.get_text(&format!("/t/{topic_id}")).await;
    assert_eq!(status, 200);
    let short = format!("{}/t/{topic_id}", app.base);
    assert_eq!(field(&html, "share-url"), short);
    let encoded: String = url::form_urlencoded::byte_serialize(short.as_bytes()).collect();
    let links: Vec<(String, String)> = {
        let doc = scraper::Html::parse_document(&html);
        doc.select(&scraper::Selector::parse(".share a").unwrap())
            .map(|a| (a.text().collect(), a.value().attr("href").unwrap().to_string()))
            .collect()
    };
    assert_eq!(links[0].0, "Chia sẻ qua Zalo");
    assert!(links[0].1.starts_with("https://button-share.zalo.me/share_external?d="), "{}", links[0].1);
    assert_eq!(links[1], ("Chia sẻ lên Facebook".to_string(), format!("https://www.facebook.com/sharer/sharer.php?u={encoded}")));
    let doc = scraper::Html::parse_document(&html);
    let scripts: Vec<&str> = doc.select(&scraper::Selector::parse("script").unwrap()).filter_map(|s| s.value().attr("src")).collect();
    assert_eq!(scripts, vec!["/static/engagement.js"], "only our own script");
    let res = app.get("/static/engagement.js").await;
    assert_eq!(res.headers()["content-type"], "text/javascript; charset=utf-8");
    assert!(res.text().await.unwrap().contains("X-Draft-Autosave"));
}

async fn the_home_page_leads_with_featured_practices_and_case_studies(app: TestApp) {
    let member_token = app.token_for("an@benhvien.vn", "An", Role::Member).await;
    let (moderator, moderator_token) = member(&app, "mod@benhvien.vn", "Điều phối viên", Role::Moderator).await;
    let (plain, _) = member(&app, "binh@benhvien.vn", "Bình", Role::Member).await;
    let practice = app
        .api_topic(&member_token, json!({"category": CATEGORY, "kind": "good_practice", "title": "Nhãn đỏ cho kali clorid", "summary": "Dán nhãn đỏ và kiểm tra chéo.", "body": "Chi tiết cách làm ở khoa Hồi sức.", "tags": []}))
        .await;
    let case = app
        .api_topic(&member_token, json!({"category": CATEGORY, "kind": "case_study", "title": "Ngã khi đi vệ sinh ban đêm", "body": "", "tags": [],
            "sections": {"context": "Khoa Nội.", "problem": "Người bệnh ngã.", "causes": "Chuông xa.", "intervention": "Đặt chuông gần.", "results": "Giảm ngã.", "lessons": "Đánh giá sớm."}}))
        .await;

    let (_, home) = app.get_text("/").await;
    assert_eq!(count(&home, ".home-featured"), 0, "nothing featured yet");
    assert_eq!(text_of(&home, ".home-case-studies .topic-title").unwrap(), "Ngã khi đi vệ sinh ban đêm");

    let res = plain.post(&format!("/mod/topics/{practice}/feature"), &[("reason", "")]).await;
    assert_eq!(res.status(), 403, "members cannot feature");
    let res = moderator.post(&format!("/mod/topics/{practice}/feature"), &[("reason", "Thực hành dễ áp dụng")]).await;
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_text("/").await;
    assert_eq!(text_of(&home, ".home-featured h2").unwrap(), "Thực hành tốt nổi bật");
    assert_eq!(text_of(&home, ".home-featured .topic-title").unwrap(), "Nhãn đỏ cho kali clorid");
    let (_, topic_html) = app.get_text(&format!("/t/{practice}")).await;
    assert_eq!(text_of(&topic_html, ".badge.featured").unwrap(), "Nổi bật");
    let (_, audit) = moderator.get("/mod/audit").await;
    assert!(text_of(&audit, ".audit-row").unwrap().contains("Đưa lên trang chủ"), "featuring is in the audit log, in words");

    let res = moderator.post(&format!("/mod/topics/{practice}/unfeature"), &[("reason", "")]).await;
    assert_eq!(res.status(), 303);
    let (_, home) = app.get_text("/").await;
    assert_eq!(count(&home, ".home-featured"), 0);

    let (status, json) = api(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/moderation/topics/{case}/feature"),
        &moderator_token,
        Some(json!({"reason": ""})),
    )
    .await;
    assert!(status < 300, "{status} {json}");
    let (_, home) = app.get_text("/").await;
    assert_eq!(text_of(&home, ".home-featured .topic-title").unwrap(), "Ngã khi đi vệ sinh ban đêm", "featured through the API too");
}

on_both_databases!(
    a_draft_follows_the_member_and_goes_when_posted,
    reply_drafts_autosave_and_come_back,
    an_edit_draft_follows_the_member_to_another_device,
    hostile_drafts_are_refused,
    helpful_marks_count_once_and_only_on_public_posts,
    most_helpful_sort_on_category_pages,
    guidance_pages_list_citing_practices_most_helpful_first,
    bookmarks_list_what_is_still_public,
    the_share_box_links_out_without_third_party_scripts,
    the_home_page_leads_with_featured_practices_and_case_studies,
);
