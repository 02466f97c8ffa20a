//! Patient data never becomes public (issue #14). A post with every kind of identifier is held,
//! the author edits it clean, a moderator approves; then every public surface is crawled as an
//! anonymous reader and as another member (pages, API, feeds, search, meta tags, mails from a
//! real SMTP sink, the weekly digest, drafts) and none of the removed text may appear. Also:
//! earlier versions are for moderators, who can redact one (with its bad input).

use std::time::Duration;

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, cookie_value, text_of};
use crate::notify::{SmtpSink, any_python, digest_command, eml_files, parse_mail};

// ---------------------------------------------------------------------------------------------
// The identifiers, and the text that is left once they are removed

/// One of each kind the check knows: name, birth date, phone, citizen ID, insurance card,
/// email, record number, home address and a date of care.
const HELD_TITLE: &str = "Nhầm thuốc ở bệnh nhân Nguyễn Văn Nam";
const HELD_BODY: &str = "Bệnh nhân Nguyễn Văn Nam, sinh ngày 12/03/1958, SĐT 0912 345 678, CCCD 001204012345, \
    thẻ BHYT DN4797912345678, email nam.nguyen58@gmail.com, số hồ sơ 23.004567, nhà số 12 ngõ 45 phố Chùa Bộc, \
    nhập viện ngày 14/02/2024, được phát hiện nhầm thuốc nhờ kiểm tra chéo.";
const HELD_SUMMARY: &str = "Ca của bệnh nhân Nguyễn Văn Nam: kiểm tra chéo phát hiện nhầm thuốc.";
const CLEAN_TITLE: &str = "Nhầm thuốc được phát hiện nhờ kiểm tra chéo";
const CLEAN_BODY: &str = "Một người bệnh nam, 65 tuổi, được phát hiện nhầm thuốc nhờ kiểm tra chéo vòng tay trước khi tiêm.";
const CLEAN_SUMMARY: &str = "Kiểm tra chéo vòng tay trước khi tiêm phát hiện nhầm thuốc.";

/// A reply that was public, then edited to add a relative's name and phone (held), then cleaned.
const REPLY_CLEAN: &str = "Khoa tôi cũng kiểm tra chéo hai người trước khi pha kali.";
const REPLY_HELD: &str = "Người nhà là bà Trần Thị Bưởi, gọi 0987 654 321 khi cần hỏi thêm về kiểm tra chéo.";
const REPLY_CLEANED: &str = "Khoa tôi gọi người nhà khi cần hỏi thêm về kiểm tra chéo.";

/// What must never be served again, in every spelling a page or mail could use.
const REMOVED: [&str; 15] = [
    "Nguyễn Văn Nam",
    "Nguyen Van Nam",
    "12/03/1958",
    "0912 345 678",
    "0912345678",
    "001204012345",
    "DN4797912345678",
    "nam.nguyen58",
    "23.004567",
    "ngõ 45",
    "Chùa Bộc",
    "14/02/2024",
    "Trần Thị Bưởi",
    "0987 654 321",
    "0987654321",
];

fn assert_clean(surface: &str, text: &str) {
    for removed in REMOVED {
        assert!(!text.contains(removed), "{surface} serves removed text {removed:?}:\n{text}");
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

struct Member {
    id: i64,
    token: String,
}

async fn member(app: &TestApp, email: &str, name: &str, role: Role) -> Member {
    let id = app.create_user(email, name, role).await;
    let res = app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": PASSWORD})).await;
    let token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    Member { id, token }
}

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, String) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn api(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Value) -> (u16, Value) {
    let (status, text) = send(app, method, path, Some(token), Some(body)).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// A browser of its own (cookies), signed in as `email` when given.
async fn browser(app: &TestApp, email: Option<&str>) -> (reqwest::Client, String) {
    let (client, jar) = app.second_browser();
    client.get(app.url("/")).send().await.unwrap();
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").unwrap();
    let Some(email) = email else { return (client, csrf) };
    let res = client.post(app.url("/login")).form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 303, "sign-in of {email}");
    (client, cookie_value(&jar, &app.base, "gp_csrf").unwrap())
}

async fn fetch(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let res = client.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

async fn open_item_for(app: &TestApp, moderator: &str, post_id: i64) -> i64 {
    let (status, items) = api(app, reqwest::Method::GET, "/api/v1/moderation/queue", moderator, Value::Null).await;
    assert_eq!(status, 200, "{items}");
    let item = items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["post_id"] == post_id)
        .unwrap_or_else(|| panic!("post {post_id} is not in the queue: {items}"));
    item["id"].as_i64().unwrap()
}

async fn approve(app: &TestApp, moderator: &str, post_id: i64) {
    let item = open_item_for(app, moderator, post_id).await;
    let (status, out) =
        api(app, reqwest::Method::POST, &format!("/api/v1/moderation/queue/{item}/approve"), moderator, json!({"reason": ""})).await;
    assert_eq!(status, 200, "{out}");
}

async fn wait_for(mut ready: impl AsyncFnMut() -> bool, what: &str) {
    for _ in 0..150 {
        if ready().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

fn prompt_mail(sink: &SmtpSink) -> impl FnOnce(&mut Config) + '_ {
    |config: &mut Config| {
        sink.configure(config);
        config.mail_delay_seconds = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// The leak test

struct Story {
    topic: i64,
    post: i64,
    other_topic: i64,
    reply: i64,
    author: Member,
    reader: Member,
    moderator: Member,
    author_draft: i64,
}

/// Held for patient data, edited clean by its author, approved: the story, plus a
/// public reply that was edited to add a relative's name and phone and cleaned the same way.
async fn act_out(app: &TestApp) -> Story {
    let author = member(app, "lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let reader = member(app, "binh@bv.vn", "Trần Văn Bình", Role::Member).await;
    let moderator = member(app, "minh@bv.vn", "Lê Văn Minh", Role::Moderator).await;
    let (status, out) = api(app, reqwest::Method::PUT, "/api/v1/watches/category/medication-safety", &reader.token, Value::Null).await;
    assert_eq!(status, 200, "{out}");

    // A draft with the identifiers, as the compose form's autosave keeps it.
    let draft = json!({"scope": "new:good_practice", "fields": {"title": HELD_TITLE, "body": HELD_BODY}});
    let (status, saved) = api(app, reqwest::Method::PUT, "/api/v1/drafts", &author.token, draft).await;
    assert_eq!(status, 200, "{saved}");
    let author_draft = saved["id"].as_i64().unwrap();

    let topic = json!({"category": "medication-safety", "kind": "good_practice", "title": HELD_TITLE, "body": HELD_BODY,
        "summary": HELD_SUMMARY, "tags": ["kiểm tra chéo"]});
    let (status, created) = api(app, reqwest::Method::POST, "/api/v1/topics", &author.token, topic).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("pending")), "held for patient data: {created}");
    let (topic, post) = (created["id"].as_i64().unwrap(), created["post_id"].as_i64().unwrap());

    let clean = json!({"title": CLEAN_TITLE, "body": CLEAN_BODY, "summary": CLEAN_SUMMARY});
    let (status, out) = api(app, reqwest::Method::PATCH, &format!("/api/v1/posts/{post}"), &author.token, clean).await;
    assert_eq!(status, 200, "{out}");
    approve(app, &moderator.token, post).await;

    // The reply: public, edited to add identifiers (held again), cleaned, approved.
    let other_topic = app
        .api_topic(&reader.token, json!({"category": "medication-safety", "kind": "discussion", "title": "Pha kali an toàn", "body": "Chúng tôi dán nhãn đỏ.", "tags": []}))
        .await;
    let (status, out) =
        api(app, reqwest::Method::POST, &format!("/api/v1/topics/{other_topic}/posts"), &author.token, json!({"body": REPLY_CLEAN})).await;
    assert_eq!((status, out["status"].as_str()), (201, Some("published")), "{out}");
    let reply = out["id"].as_i64().unwrap();
    for body in [REPLY_HELD, REPLY_CLEANED] {
        let (status, out) = api(app, reqwest::Method::PATCH, &format!("/api/v1/posts/{reply}"), &author.token, json!({"body": body})).await;
        assert_eq!(status, 200, "{out}");
    }
    approve(app, &moderator.token, reply).await;
    Story { topic, post, other_topic, reply, author, reader, moderator, author_draft }
}

/// Every page and API answer a reader can reach, with the words of a search query the page
/// repeats back to the reader (the reader's own words are no leak).
fn public_paths(s: &Story) -> Vec<(String, Option<&'static str>)> {
    let paths = vec![
        "/".to_string(),
        format!("/t/{}", s.topic),
        format!("/t/{}", s.other_topic),
        format!("/posts/{}/revisions", s.post),
        format!("/posts/{}/revisions", s.reply),
        format!("/api/v1/topics/{}", s.topic),
        format!("/api/v1/topics/{}", s.other_topic),
        format!("/api/v1/posts/{}/revisions", s.post),
        format!("/api/v1/posts/{}/revisions", s.reply),
        "/feed.atom".to_string(),
        "/c/medication-safety".to_string(),
        "/c/medication-safety/feed.atom".to_string(),
        "/tag/kiem-tra-cheo".to_string(),
        "/tag/kiem-tra-cheo/feed.atom".to_string(),
        format!("/u/{}", s.author.id),
    ];
    let mut paths: Vec<(String, Option<&'static str>)> = paths.into_iter().map(|p| (p, None)).collect();
    for q in
        ["kiểm tra chéo", "kiem tra cheo", "Nguyễn Văn Nam", "nguyen van nam", "0912 345 678", "Chùa Bộc", "Trần Thị Bưởi", "0987654321"]
    {
        let encoded = q.replace(' ', "+");
        paths.push((format!("/search?q={encoded}"), Some(q)));
        paths.push((format!("/api/v1/search?q={encoded}"), Some(q)));
    }
    paths
}

async fn crawl(app: &TestApp, who: &str, client: &reqwest::Client, paths: &[(String, Option<&'static str>)]) {
    for (path, query) in paths {
        let (status, body) = fetch(app, client, path).await;
        assert!(status == 200, "{who} {path}: {status}\n{body}");
        let shown = match query {
            Some(q) => body.replace(q, ""),
            None => body,
        };
        assert_clean(&format!("{who} {path}"), &shown);
    }
}

async fn patient_data_removed_before_approval_is_served_nowhere(app: TestApp, sink: SmtpSink) {
    let s = act_out(&app).await;

    // The search index catches up with the approved text (and only with it).
    wait_for(
        async || send(&app, reqwest::Method::GET, "/api/v1/search?q=vòng+tay+trước+khi+tiêm", None, None).await.1.contains(CLEAN_TITLE),
        "the approved topic in the search index",
    )
    .await;
    wait_for(
        async || send(&app, reqwest::Method::GET, "/api/v1/search?q=gọi+người+nhà", None, None).await.1.contains("Pha kali"),
        "the cleaned reply in the index",
    )
    .await;

    // The moderator still sees what was removed (so the crawl below looks at the right pages).
    let (status, history) =
        api(&app, reqwest::Method::GET, &format!("/api/v1/posts/{}/revisions", s.post), &s.moderator.token, Value::Null).await;
    assert_eq!(status, 200);
    assert!(history.to_string().contains("Nguyễn Văn Nam"), "moderators see the earlier versions: {history}");

    let anonymous = browser(&app, None).await.0;
    let other = browser(&app, Some("binh@bv.vn")).await.0;
    let paths = public_paths(&s);
    crawl(&app, "anonymous", &anonymous, &paths).await;
    crawl(&app, "another member", &other, &paths).await;
    for path in ["/notifications", "/drafts", "/settings/notifications"] {
        let (status, body) = fetch(&app, &other, path).await;
        assert_eq!(status, 200, "{path}");
        assert_clean(&format!("another member {path}"), &body);
    }
    for path in ["/api/v1/notifications", "/api/v1/drafts", &format!("/api/v1/drafts/{}", s.author_draft)] {
        let (_, body) = send(&app, reqwest::Method::GET, path, Some(&s.reader.token), None).await;
        assert_clean(&format!("another member's API {path}"), &body);
    }

    // The reader is told of the approved topic by mail; what the sink received is clean.
    wait_for(async || !sink.messages().is_empty(), "the new-topic mail").await;
    let python = any_python();
    let mails: Vec<Value> = sink.messages().iter().map(|f| parse_mail(&python, f)).collect();
    assert!(mails.iter().any(|m| m["text"].as_str().unwrap_or("").contains(CLEAN_TITLE)), "the mail names the topic: {mails:?}");
    for mail in &mails {
        assert_clean("a notification mail", &mail.to_string());
    }

    // The weekly digest lists the approved practice, with its clean words only.
    let out = digest_command(&app, false);
    assert!(!out.contains("queued for 0 members"), "{out}");
    let digests: Vec<Value> = eml_files(&app.data_dir().join("mail")).iter().map(|f| parse_mail(&python, f)).collect();
    let digest_text = serde_json::to_string(&digests).unwrap();
    assert!(digest_text.contains(CLEAN_TITLE), "the digest lists the practice: {out}\n{digest_text}");
    assert_clean("the digest", &digest_text);
    for mail in sink.messages().iter().map(|f| parse_mail(&python, f)) {
        assert_clean("a mail", &mail.to_string());
    }

    // The topic page's meta tags describe the clean text.
    let (_, html) = fetch(&app, &anonymous, &format!("/t/{}", s.topic)).await;
    assert!(html.contains(&format!("content=\"{CLEAN_SUMMARY}\"")), "og:description from the clean summary");
}

// ---------------------------------------------------------------------------------------------
// Earlier versions and redaction

async fn earlier_versions_are_for_moderators_who_can_redact_them(app: TestApp) {
    let s = act_out(&app).await;
    let path = format!("/posts/{}/revisions", s.post);

    // Readers: the current version, a sentence saying why the others are not shown, no link.
    let (_, html) = app.get_text(&path).await;
    assert!(html.contains(CLEAN_BODY) && html.contains("chỉ điều hành viên xem được"), "{html}");
    let (_, topic_page) = app.get_text(&format!("/t/{}", s.topic)).await;
    assert!(!topic_page.contains(&path), "no 'edited — see versions' link for readers");
    let (_, out) = send(&app, reqwest::Method::GET, &format!("/api/v1/posts/{}/revisions", s.post), None, None).await;
    let out: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((out["revisions"].as_array().unwrap().len(), out["withheld"].as_i64()), (1, Some(1)), "{out}");

    // A moderator sees both, and the link.
    let moderator = browser(&app, Some("minh@bv.vn")).await;
    let (_, html) = fetch(&app, &moderator.0, &path).await;
    assert!(html.contains("Nguyễn Văn Nam"), "{html}");
    let (_, topic_page) = fetch(&app, &moderator.0, &format!("/t/{}", s.topic)).await;
    assert!(topic_page.contains(&path));
    let audit_before = audit_count(&app, &s.moderator.token).await;

    // Bad input: a member, no reason, a version that does not exist, the current version.
    let redact = |revision: i64| format!("/api/v1/posts/{}/revisions/{revision}/redact", s.post);
    let (status, out) = api(&app, reqwest::Method::POST, &redact(1), &s.author.token, json!({"reason": "lộ tên"})).await;
    assert_eq!(status, 403, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("Chỉ điều hành viên"), "{out}");
    let (status, out) = api(&app, reqwest::Method::POST, &redact(1), &s.moderator.token, json!({"reason": "  "})).await;
    assert_eq!(status, 422, "{out}");
    let (status, _) = api(&app, reqwest::Method::POST, &redact(9), &s.moderator.token, json!({"reason": "lộ tên"})).await;
    assert_eq!(status, 404);
    let (status, _) =
        api(&app, reqwest::Method::POST, "/api/v1/posts/999999/revisions/1/redact", &s.moderator.token, json!({"reason": "x"})).await;
    assert_eq!(status, 404);
    let (status, out) = api(&app, reqwest::Method::POST, &redact(2), &s.moderator.token, json!({"reason": "lộ tên"})).await;
    assert_eq!(status, 422, "the current version is edited, not redacted: {out}");
    assert!(out["detail"].as_str().unwrap().contains("phiên bản hiện tại"), "{out}");
    assert_eq!(audit_count(&app, &s.moderator.token).await, audit_before, "nothing written");

    // The form, with its CSRF token: the text is gone for everyone, the notice stays.
    let res = moderator
        .0
        .post(app.url(&format!("{path}/1/redact")))
        .form(&[("reason", "Lộ họ tên và số điện thoại người bệnh"), ("csrf", &moderator.1)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, html) = fetch(&app, &moderator.0, &format!("{path}?redacted=1")).await;
    assert!(!html.contains("Nguyễn Văn Nam") && html.contains("đã bị điều hành viên xoá"), "{html}");
    assert!(text_of(&html, "p[role=status]").unwrap().contains("Đã xoá nội dung phiên bản 1"), "{html}");
    let res = moderator.0.post(app.url(&format!("{path}/1/redact"))).form(&[("reason", "x")]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token, no redaction");

    // Twice: a clear 409, nothing written.
    let (status, out) = api(&app, reqwest::Method::POST, &redact(1), &s.moderator.token, json!({"reason": "lần nữa"})).await;
    assert_eq!(status, 409, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("đã được xoá nội dung từ trước"), "{out}");

    // Audited with who and why, never the removed text.
    let (_, log) = api(&app, reqwest::Method::GET, "/api/v1/moderation/audit", &s.moderator.token, Value::Null).await;
    let entry = log.as_array().unwrap().iter().find(|e| e["action"] == "redact_revision").expect("audit row");
    assert_eq!((entry["actor"].as_str(), entry["reason"].as_str()), (Some("Lê Văn Minh"), Some("Lộ họ tên và số điện thoại người bệnh")));
    assert_eq!(audit_count(&app, &s.moderator.token).await, audit_before + 1);
    let (_, out) = send(&app, reqwest::Method::GET, &format!("/api/v1/posts/{}/revisions", s.post), Some(&s.moderator.token), None).await;
    assert!(!out.contains("Nguyễn Văn Nam") && out.contains("\"redacted\":true"), "{out}");
}

async fn audit_count(app: &TestApp, moderator: &str) -> usize {
    let (_, log) = api(app, reqwest::Method::GET, "/api/v1/moderation/audit", moderator, Value::Null).await;
    log.as_array().unwrap().len()
}

// ---------------------------------------------------------------------------------------------
// Previews warn

async fn previews_name_the_patient_data_and_replace_it_without_javascript(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let typed = "Bệnh nhân Nguyễn Văn Nam, sinh năm 1958, SĐT 0912 345 678, số hồ sơ 23.004567, mổ ngày 3/4.";

    // API: kind, words, character offsets into the text; an empty list when clean.
    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/preview", &author.token, json!({"body": typed})).await;
    assert_eq!(status, 200, "{out}");
    let chars: Vec<char> = typed.chars().collect();
    let found: Vec<(String, String, bool)> = out["patient_data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let (start, end) = (f["start"].as_u64().unwrap() as usize, f["end"].as_u64().unwrap() as usize);
            assert_eq!(chars[start..end].iter().collect::<String>(), f["text"].as_str().unwrap(), "offsets are characters: {f}");
            (f["kind"].as_str().unwrap().to_string(), f["text"].as_str().unwrap().to_string(), f["hint"].as_bool().unwrap())
        })
        .collect();
    let expected = [
        ("patient_name", "Nguyễn Văn Nam", false),
        ("birth_year", "sinh năm 1958", true),
        ("phone", "0912 345 678", false),
        ("medical_record_number", "số hồ sơ 23.004567", false),
        ("patient_date", "ngày 3/4", false),
    ];
    assert_eq!(found, expected.map(|(k, t, h)| (k.to_string(), t.to_string(), h)));
    let (_, clean) = api(&app, reqwest::Method::POST, "/api/v1/preview", &author.token, json!({"body": "Khoa tôi kiểm tra chéo."})).await;
    assert_eq!(clean["patient_data"], json!([]), "{clean}");

    // The form's "Xem trước" button: the words marked, why, and a button per finding.
    let b = browser(&app, Some("lan@bv.vn")).await;
    let form = |extra: (&'static str, &'static str)| {
        vec![("kind", "discussion"), ("category", "medication-safety"), ("title", "Nhầm thuốc"), ("body", typed), extra]
    };
    let send_form = async |fields: Vec<(&str, &str)>| {
        let mut fields = fields;
        fields.push(("csrf", &b.1));
        let form = reqwest::multipart::Form::new();
        let form = fields.into_iter().fold(form, |f, (k, v)| f.text(k.to_string(), v.to_string()));
        let res = b.0.post(app.url("/new")).multipart(form).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    let (status, html) = send_form(form(("preview", "1"))).await;
    assert_eq!(status, 200);
    let warning = text_of(&html, ".patient-data-warning").expect("a warning");
    assert!(warning.contains("Bài viết có thể chứa thông tin nhận dạng người bệnh") && warning.contains("Có thể là mã hồ sơ"), "{warning}");
    assert!(html.contains("<mark>0912 345 678</mark>") && html.contains("<mark>ngày 3/4</mark>"), "the words are marked");
    assert!(warning.contains("Có thể là ngày nhập viện"), "why a date of care is marked: {warning}");
    assert_eq!(
        crate::common::attr_of(&html, "button.replace-finding[data-text='ngày 3/4']", "data-placeholder").as_deref(),
        Some("[ngày]"),
        "a button offers the date's placeholder"
    );
    assert!(html.contains("form=\"compose-form\"") && html.contains("value=\"all\""), "buttons submit the form without JavaScript");

    // "Replace all": the text comes back with placeholders (the year, a hint, stays); nothing is posted.
    let (status, html) = send_form(form(("replace", "all"))).await;
    assert_eq!(status, 200);
    let body = text_of(&html, "textarea[name=body]").unwrap();
    assert_eq!(body, "Bệnh nhân [tên người bệnh], sinh năm 1958, SĐT [số điện thoại], [số hồ sơ], mổ [ngày].");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
    let (status, out) = api(&app, reqwest::Method::GET, "/api/v1/drafts", &author.token, Value::Null).await;
    assert_eq!((status, out.as_array().map(Vec::len)), (200, Some(0)), "a preview writes no draft: {out}");

    // Bad input: 256 KiB (past the body limit) and deep nesting are refused with a sentence.
    let big = "Bệnh nhân Nguyễn Văn Nam. ".repeat(11_000);
    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/preview", &author.token, json!({"body": big})).await;
    assert_eq!(status, 413, "{out}");
    assert!(out["detail"].as_str().is_some_and(|d| !d.is_empty()), "{out}");
    let nested = format!("{}SĐT 0912 345 678", "> ".repeat(5000));
    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/preview", &author.token, json!({"body": nested})).await;
    assert_eq!(status, 422, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("32"), "names the nesting limit: {out}");
}

// ---------------------------------------------------------------------------------------------
// The moderator sees what they judge

async fn the_queue_shows_the_post_as_readers_will_and_says_what_a_decision_did(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    member(&app, "minh@bv.vn", "Lê Văn Minh", Role::Moderator).await;
    let body = "Bệnh nhân **Nguyễn Văn Nam** được gọi theo số 0912 345 678.\n\n- bước 1\n- bước 2";
    let topic = json!({"category": "medication-safety", "kind": "discussion", "title": "Gọi nhầm người bệnh", "body": body, "tags": []});
    let (status, created) = api(&app, reqwest::Method::POST, "/api/v1/topics", &author.token, topic).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("pending")), "{created}");

    let moderator = browser(&app, Some("minh@bv.vn")).await;
    let (_, html) = fetch(&app, &moderator.0, "/mod/queue").await;
    let rendered = scraper::Html::parse_document(&html);
    let select =
        |css: &str| rendered.select(&scraper::Selector::parse(css).unwrap()).map(|e| e.text().collect::<String>()).collect::<Vec<_>>();
    assert_eq!(select(".as-readers-see-it strong"), ["Nguyễn Văn Nam"], "Markdown rendered as readers will see it");
    assert_eq!(select(".as-readers-see-it li"), ["bước 1", "bước 2"]);
    assert_eq!(select(".as-readers-see-it mark"), ["Nguyễn Văn Nam", "0912 345 678"], "findings marked in the rendered post");

    let item = open_item_for(
        &app,
        &{
            let t = member(&app, "hoa@bv.vn", "Hoa", Role::Moderator).await;
            t.token
        },
        created["post_id"].as_i64().unwrap(),
    )
    .await;
    let res = moderator
        .0
        .post(app.url(&format!("/mod/queue/{item}/approve")))
        .form(&[("reason", ""), ("csrf", moderator.1.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let next = res.headers()["location"].to_str().unwrap().to_string();
    let (_, html) = fetch(&app, &moderator.0, &next).await;
    let done = text_of(&html, ".decided").expect("a confirmation");
    assert!(done.contains("Đã duyệt") && done.contains("Gọi nhầm người bệnh"), "{done}");
}

// ---------------------------------------------------------------------------------------------
// Anonymous case studies: the profile's tier and province, one vocabulary (privacy/case_studies.rs)

mod case_studies;
use case_studies::an_anonymous_case_study_takes_tier_and_province_from_the_profile;

// ---------------------------------------------------------------------------------------------
// The check on sentences it was not tuned on: in privacy/heldout_sets.rs

mod heldout_sets;

// ---------------------------------------------------------------------------------------------
// Both databases (the leak test needs its SMTP sink before the app starts)

mod sqlite {
    use super::*;

    #[tokio::test]
    async fn the_queue_shows_the_post_as_readers_will_and_says_what_a_decision_did() {
        super::the_queue_shows_the_post_as_readers_will_and_says_what_a_decision_did(TestApp::sqlite().await).await;
    }

    #[tokio::test]
    async fn patient_data_removed_before_approval_is_served_nowhere() {
        let Some(sink) = SmtpSink::start().await else { return };
        let app = TestApp::sqlite_with(prompt_mail(&sink)).await;
        super::patient_data_removed_before_approval_is_served_nowhere(app, sink).await;
    }

    #[tokio::test]
    async fn earlier_versions_are_for_moderators_who_can_redact_them() {
        super::earlier_versions_are_for_moderators_who_can_redact_them(TestApp::sqlite().await).await;
    }

    #[tokio::test]
    async fn previews_name_the_patient_data_and_replace_it_without_javascript() {
        super::previews_name_the_patient_data_and_replace_it_without_javascript(TestApp::sqlite().await).await;
    }

    #[tokio::test]
    async fn an_anonymous_case_study_takes_tier_and_province_from_the_profile() {
        super::an_anonymous_case_study_takes_tier_and_province_from_the_profile(TestApp::sqlite().await).await;
    }
}

mod postgres {
    use super::*;

    #[tokio::test]
    async fn the_queue_shows_the_post_as_readers_will_and_says_what_a_decision_did() {
        if let Some(app) = TestApp::postgres().await {
            super::the_queue_shows_the_post_as_readers_will_and_says_what_a_decision_did(app).await;
        }
    }

    #[tokio::test]
    async fn patient_data_removed_before_approval_is_served_nowhere() {
        let Some(sink) = SmtpSink::start().await else { return };
        let Some(app) = TestApp::postgres_with(prompt_mail(&sink)).await else { return };
        super::patient_data_removed_before_approval_is_served_nowhere(app, sink).await;
    }

    #[tokio::test]
    async fn earlier_versions_are_for_moderators_who_can_redact_them() {
        if let Some(app) = TestApp::postgres().await {
            super::earlier_versions_are_for_moderators_who_can_redact_them(app).await;
        }
    }

    #[tokio::test]
    async fn previews_name_the_patient_data_and_replace_it_without_javascript() {
        if let Some(app) = TestApp::postgres().await {
            super::previews_name_the_patient_data_and_replace_it_without_javascript(app).await;
        }
    }

    #[tokio::test]
    async fn an_anonymous_case_study_takes_tier_and_province_from_the_profile() {
        if let Some(app) = TestApp::postgres().await {
            super::an_anonymous_case_study_takes_tier_and_province_from_the_profile(app).await;
        }
    }
}
