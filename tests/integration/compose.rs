//! Previewing a post before it is published, on both databases: the "Xem trước" button of the
//! compose, reply and edit forms (no JavaScript), the fragment the live preview fetches and the
//! API. A preview shows what the published post will show and writes nothing.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, count, field, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";
const BODY: &str = "Khoa Nội áp dụng **bảng kiểm năm đúng** theo Thông tư 43/2018/TT-BYT:\n\n- Đúng người bệnh\n- Đúng thuốc";

/// The rendered preview above a form: bold, a list and the guidance number linked.
fn assert_rendered(html: &str) {
    assert_eq!(text_of(html, ".preview strong").as_deref(), Some("bảng kiểm năm đúng"), "bold is rendered");
    assert_eq!(count(html, ".preview li"), 2, "the list is rendered");
    assert_eq!(count(html, ".preview a[href='/guidance/43-2018-TT-BYT']"), 1, "the guidance number is linked as in a post");
}

async fn drafts_listed(app: &TestApp) -> usize {
    count(&app.get_text("/drafts").await.1, ".draft-item")
}

/// An opening post's id, read from the API.
async fn opening_post(app: &TestApp, topic: i64) -> i64 {
    let (_, json) = app.get_text(&format!("/api/v1/topics/{topic}")).await;
    serde_json::from_str::<Value>(&json).unwrap()["posts"][0]["id"].as_i64().unwrap()
}

/// The compose form's button shows the topic as it will look, keeps everything typed, and
/// neither publishes nor saves a draft.
async fn the_compose_preview_keeps_the_text_and_writes_nothing(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let fields = [
        ("category", CATEGORY),
        ("kind", "discussion"),
        ("title", "Bảng kiểm năm đúng"),
        ("body", BODY),
        ("tags", "an-toan"),
        ("preview", "1"),
    ];
    let res = app.post_form("/new", &fields).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_rendered(&html);
    assert_eq!(field(&html, "title"), "Bảng kiểm năm đúng");
    assert_eq!(field(&html, "body"), BODY);
    assert_eq!(field(&html, "tags"), "an-toan");
    assert_eq!(count(&html, "#category option[selected][value='medication-safety']"), 1);

    assert_eq!(app.store.count_topics(None).await.unwrap(), 0, "nothing was published");
    assert_eq!(drafts_listed(&app).await, 0, "a preview does not save a draft");
}

/// A case study's preview shows its six sections under their labels, as the topic page does.
async fn a_case_study_preview_shows_its_sections(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let fields = [
        ("category", CATEGORY),
        ("kind", "case_study"),
        ("title", "Nhầm thuốc ca đêm"),
        ("body", "Mo\u{302}\u{323}t ca tru\u{31b}\u{323}c."),
        ("context", "Khoa Hồi sức, 30 giường."),
        ("lessons", "Kiểm tra **hai lần** trước khi dùng thuốc."),
        ("preview", "1"),
    ];
    let res = app.post_form("/new", &fields).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, ".preview > .body").as_deref(), Some("Một ca trực."), "shown as NFC, as it will be stored");
    assert_eq!(text_of(&html, ".preview .section-context h3").as_deref(), Some("Bối cảnh"));
    assert_eq!(text_of(&html, ".preview .section-lessons h3").as_deref(), Some("Bài học kinh nghiệm"));
    assert_eq!(text_of(&html, ".preview .section-lessons strong").as_deref(), Some("hai lần"));
    assert_eq!(count(&html, ".preview .case-section"), 2, "empty sections are left out");
    assert_eq!(field(&html, "context"), "Khoa Hồi sức, 30 giường.");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
}

/// The reply and edit forms preview too; the reply is not posted and the post keeps its version.
async fn reply_and_edit_previews_change_nothing(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let res = app
        .post_form(
            "/new",
            &[("category", CATEGORY), ("kind", "discussion"), ("title", "Bảng kiểm năm đúng"), ("body", "Nội dung đầu tiên.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let topic: i64 = res.headers()["location"].to_str().unwrap().trim_start_matches("/t/").parse().unwrap();

    let res = app.post_form(&format!("/t/{topic}/reply"), &[("body", BODY), ("preview", "1")]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_rendered(&html);
    assert_eq!(field(&html, "reply-body"), BODY);
    assert_eq!(app.store.count_topic_posts(topic).await.unwrap(), 1, "the reply was not posted");

    let post = opening_post(&app, topic).await;
    let res = app.post_form(&format!("/posts/{post}/edit"), &[("title", "Bảng kiểm năm đúng"), ("body", BODY), ("preview", "1")]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_rendered(&html);
    assert_eq!(field(&html, "body"), BODY);
    let stored = app.store.post(post).await.unwrap();
    assert_eq!((stored.body.as_str(), stored.revision), ("Nội dung đầu tiên.", 1), "the post keeps its version");
}

/// `POST /preview` (the live preview) needs a signed-in member and the form's CSRF token; what
/// it returns is the sanitizer's output, so script in the text never comes back executable.
async fn the_live_preview_is_for_members_and_sanitized(app: TestApp) {
    let hostile = "**Đậm** <script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))";
    let res = app.post_form("/preview", &[("body", hostile)]).await;
    assert!(res.status().is_client_error(), "a visitor gets {}", res.status());

    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let res = app.client.post(app.url("/preview")).form(&[("body", hostile)]).send().await.unwrap();
    assert_eq!(res.status(), 403, "no CSRF token");
    let res = app.client.post(app.url("/preview")).form(&[("body", hostile), ("csrf", "forged")]).send().await.unwrap();
    assert_eq!(res.status(), 403, "a wrong CSRF token");

    let res = app.post_form("/preview", &[("body", hostile)]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, ".preview strong").as_deref(), Some("Đậm"));
    let lower = html.to_lowercase();
    for bad in ["<script", "onerror", "javascript:"] {
        assert!(!lower.contains(bad), "{bad} came back: {html}");
    }

    let too_long = "ệ".repeat(40_001);
    let res = app.post_form("/preview", &[("body", &too_long)]).await;
    assert!(res.status().is_client_error(), "an over-long text is refused like a post: {}", res.status());
}

/// `POST /api/v1/preview` takes a bearer token and answers the same sanitized HTML as JSON.
async fn the_api_previews_with_a_token(app: TestApp) {
    let res = app.post_json("/api/v1/preview", None, &json!({"body": "**x**"})).await;
    assert_eq!(res.status(), 401);
    let token = app.token_for("minh@bvcr.vn", "Trần Văn Minh", Role::Member).await;
    let body = json!({"kind": "case_study", "body": "Giới thiệu <script>alert(1)</script>", "sections": {"context": "Khoa **Nhi**", "results": "62% → 88%"}});
    let res = app.post_json("/api/v1/preview", Some(&token), &body).await;
    assert_eq!(res.status(), 200);
    let out: Value = res.json().await.unwrap();
    assert!(!out["html"].as_str().unwrap().contains("<script"), "{out}");
    assert_eq!(out["sections"][0]["key"], "context");
    assert!(out["sections"][0]["html"].as_str().unwrap().contains("Khoa <strong>Nhi</strong>"), "{out}");
    assert_eq!(out["sections"][1]["key"], "results");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
}

on_both_databases!(
    the_compose_preview_keeps_the_text_and_writes_nothing,
    a_case_study_preview_shows_its_sections,
    reply_and_edit_previews_change_nothing,
    the_live_preview_is_for_members_and_sanitized,
    the_api_previews_with_a_token,
);
