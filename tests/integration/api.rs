//! The JSON API contract (tokens, categories, topics of every kind, replies, edits, the OpenAPI
//! document) and how it answers bad input: an RFC 9457 problem in the reader's language, and
//! nothing written.

use goodpractice::accounts::{self, DisplayName, Email, Password, Role};
use reqwest::header::{ACCEPT_LANGUAGE, CONTENT_TYPE};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::common::{PASSWORD, TestApp};
use crate::on_both_databases;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A discussion that passes every check; tests change one field at a time.
fn discussion(title: &str, body: &str) -> Value {
    json!({"category": "medication-safety", "kind": "discussion", "title": title, "body": body, "tags": []})
}

fn valid_topic() -> Value {
    discussion("Dán nhãn thuốc nguy cơ cao", "Khoa tôi dán **nhãn đỏ** cho kali clorid đậm đặc.")
}

/// The same JSON with one field replaced.
fn with(mut topic: Value, field: &str, value: Value) -> Value {
    topic[field] = value;
    topic
}

fn without(mut topic: Value, field: &str) -> Value {
    topic.as_object_mut().unwrap().remove(field);
    topic
}

async fn member(app: &TestApp) -> String {
    app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await
}

/// Reads a response that must be a problem document with this status; returns its `detail`.
async fn problem(res: reqwest::Response, status: u16) -> String {
    let got = res.status().as_u16();
    let content_type = res.headers().get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    assert_eq!(content_type.as_deref(), Some("application/problem+json"), "{text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    assert_eq!(body["status"], status, "{body}");
    assert_eq!(body["type"], "about:blank", "{body}");
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()), "{body}");
    assert!(body["code"].as_str().is_some_and(|c| c.starts_with("error.")), "{body}");
    body["detail"].as_str().expect("a detail").to_string()
}

async fn get_json(app: &TestApp, path: &str) -> Value {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

async fn topic(app: &TestApp, id: i64) -> Value {
    get_json(app, &format!("/api/v1/topics/{id}")).await
}

async fn topic_count(app: &TestApp) -> i64 {
    app.store.count_topics(None).await.unwrap()
}

/// Sends a topic that must be refused with `status` and a detail containing each of `mentions`,
/// and checks nothing was stored.
async fn assert_topic_refused(app: &TestApp, topic: Value, status: u16, mentions: &[&str]) {
    let token = member(app).await;
    let res = app.post_json("/api/v1/topics", Some(&token), &topic).await;
    let detail = problem(res, status).await;
    for mention in mentions {
        assert!(detail.contains(mention), "detail {detail:?} should mention {mention:?}");
    }
    assert_eq!(topic_count(app).await, 0, "a refused topic must not be stored");
}

/// A one-line text of exactly `len` characters that cleaning leaves as it is.
fn title_of_length(len: usize) -> String {
    let start = "Phòng ngừa té ngã ";
    format!("{start}{}", "ệ".repeat(len - start.chars().count()))
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": password})).await
}

/// Sends raw bytes as a new topic with this content type.
async fn post_raw(app: &TestApp, token: &str, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/topics"))
        .bearer_auth(token)
        .header(CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .expect("POST raw")
}

async fn reply(app: &TestApp, token: &str, topic_id: i64, body: &str) -> reqwest::Response {
    app.post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(token), &json!({"body": body})).await
}

async fn edit(app: &TestApp, token: &str, post_id: i64, body: Value) -> reqwest::Response {
    app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(token), &body).await
}

fn sections() -> Value {
    json!({
        "context": "Khoa Nội tổng hợp có 40 giường, 12 điều dưỡng.",
        "problem": "Hai lần suýt phát nhầm thuốc cho người bệnh **cùng tên** trong tháng 3.",
        "causes": "Không đối chiếu vòng tay nhận diện trước khi phát thuốc.",
        "intervention": "Áp dụng hai thông tin nhận diện: họ tên và ngày sinh.",
        "results": "| Tháng | Sự cố |\n|---|---|\n| 3 | 2 |\n| 6 | 0 |",
        "lessons": "Kiểm tra chéo mỗi lần phát thuốc."
    })
}

// ---------------------------------------------------------------------------------------------
// Tokens and categories

async fn a_token_is_issued_for_the_right_password(app: TestApp) {
    let id = app.create_user("Lan.Nguyen@BV.vn", "Nguyễn Thị Lan", Role::Member).await;
    let res = sign_in(&app, "lan.nguyen@bv.vn", PASSWORD).await;
    assert_eq!(res.status(), 201);
    let body: Value = res.json().await.unwrap();
    assert!(body["token"].as_str().is_some_and(|t| t.len() >= 32), "{body}");
    assert_eq!(body["user_id"].as_i64(), Some(id));
    assert_eq!((&body["display_name"], &body["role"]), (&json!("Nguyễn Thị Lan"), &json!("member")));
}

async fn wrong_password_and_unknown_email_get_the_same_401(app: TestApp) {
    app.create_user("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let wrong = sign_in(&app, "lan@bv.vn", "sai-mật-khẩu").await;
    let unknown = sign_in(&app, "ai-do@bv.vn", PASSWORD).await;
    let (wrong, unknown) = (problem(wrong, 401).await, problem(unknown, 401).await);
    assert_eq!(wrong, unknown);
    assert!(wrong.contains("mật khẩu"), "{wrong}");
}

async fn repeated_sign_in_failures_lock_the_email_even_for_the_right_password(app: TestApp) {
    app.create_user("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    for _ in 0..5 {
        problem(sign_in(&app, "LAN@bv.vn", "sai-mật-khẩu").await, 401).await;
    }
    let detail = problem(sign_in(&app, "lan@bv.vn", "sai-mật-khẩu").await, 429).await;
    assert!(detail.contains("15 phút"), "{detail}");
    problem(sign_in(&app, "lan@bv.vn", PASSWORD).await, 429).await;
}

async fn categories_list_the_standard_ones(app: TestApp) {
    let categories = get_json(&app, "/api/v1/categories").await;
    let slugs: Vec<&str> = categories.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs.len(), 11, "{slugs:?}");
    let expected = ["medication-safety", "infection-control", "patient-identification", "safe-surgery", "fall-prevention"];
    for slug in expected.into_iter().chain(["incident-reporting"]) {
        assert!(slugs.contains(&slug), "{slug} missing from {slugs:?}");
    }
    assert!(categories.as_array().unwrap().iter().all(|c| c["name"].as_str().is_some_and(|n| !n.is_empty())));
}

// ---------------------------------------------------------------------------------------------
// Topics of each kind, replies, edits

async fn a_discussion_comes_back_as_sent_with_rendered_markdown(app: TestApp) {
    let token = member(&app).await;
    let res = app.post_json("/api/v1/topics", Some(&token), &with(valid_topic(), "tags", json!(["Thuốc nguy cơ cao"]))).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    let id = created["id"].as_i64().unwrap();
    assert_eq!((&created["status"], created["url"].as_str()), (&json!("published"), Some(format!("/t/{id}").as_str())));
    let t = topic(&app, id).await;
    assert_eq!(t["title"], "Dán nhãn thuốc nguy cơ cao");
    assert_eq!((&t["kind"], &t["category"], &t["status"]), (&json!("discussion"), &json!("medication-safety"), &json!("published")));
    assert_eq!(t["tags"], json!(["thuoc-nguy-co-cao"]));
    assert_eq!((t["posts"][0]["id"].as_i64(), &t["posts"][0]["author"]), (created["post_id"].as_i64(), &json!("Nguyễn Thị Lan")));
    assert!(t["posts"][0]["body_html"].as_str().unwrap().contains("<strong>nhãn đỏ</strong>"), "{t}");
}

async fn a_question_is_published_as_a_question(app: TestApp) {
    let token = member(&app).await;
    let q = json!({"category": "infection-control", "kind": "question", "title": "Tần suất thay dây truyền dịch?",
        "body": "Khoa mình đang thay *mỗi 72 giờ*, các anh chị thay thế nào?", "tags": ["nhiễm khuẩn"]});
    let t = topic(&app, app.api_topic(&token, q).await).await;
    assert_eq!(t["title"], "Tần suất thay dây truyền dịch?");
    assert_eq!((&t["kind"], &t["category"]), (&json!("question"), &json!("infection-control")));
    assert!(t["posts"][0]["body_html"].as_str().unwrap().contains("<em>mỗi 72 giờ</em>"), "{t}");
}

async fn a_good_practice_keeps_its_summary(app: TestApp) {
    let token = member(&app).await;
    let gp = json!({"category": "fall-prevention", "kind": "good_practice", "title": "Đánh giá nguy cơ té ngã khi nhập viện",
        "summary": "Dùng thang Morse cho mọi người bệnh trên 65 tuổi ngay khi nhập khoa.",
        "body": "## Cách làm\n\n1. Đánh giá trong 2 giờ đầu\n2. Gắn biển cảnh báo", "tags": []});
    let t = topic(&app, app.api_topic(&token, gp).await).await;
    assert_eq!((&t["kind"], &t["category"]), (&json!("good_practice"), &json!("fall-prevention")));
    assert_eq!(t["summary"], "Dùng thang Morse cho mọi người bệnh trên 65 tuổi ngay khi nhập khoa.");
    assert!(t["posts"][0]["body_html"].as_str().unwrap().contains("<li>Đánh giá trong 2 giờ đầu</li>"), "{t}");
}

async fn a_case_study_sent_as_sections_returns_the_same_sections(app: TestApp) {
    let token = member(&app).await;
    let cs = json!({"category": "patient-identification", "kind": "case_study", "title": "Nhầm người bệnh cùng tên",
        "body": "Chia sẻ từ Khoa Nội.", "sections": sections(), "tags": []});
    let t = topic(&app, app.api_topic(&token, cs).await).await;
    assert_eq!((&t["kind"], &t["category"]), (&json!("case_study"), &json!("patient-identification")));
    assert_eq!(t["sections"], sections());
    let html = t["posts"][0]["body_html"].as_str().unwrap();
    assert!(html.contains("<h2>Bối cảnh</h2>") && html.contains("<td>0</td>"), "{html}");
}

async fn a_case_study_written_with_headings_has_sections(app: TestApp) {
    let token = member(&app).await;
    let body = "Mở đầu.\n\n## Bối cảnh\nKhoa Ngoại.\n\n## Vấn đề\nSót gạc.\n\n## Phân tích nguyên nhân\nKhông đếm gạc.\n\n\
                ## Giải pháp can thiệp\nBảng kiểm WHO.\n\n## Kết quả\nKhông còn sót gạc.\n\n## Bài học kinh nghiệm\nĐếm hai lần.";
    let cs = json!({"category": "safe-surgery", "kind": "case_study", "title": "Sót gạc sau mổ", "body": body, "tags": []});
    let t = topic(&app, app.api_topic(&token, cs).await).await;
    assert_eq!(
        t["sections"],
        json!({"context": "Khoa Ngoại.", "problem": "Sót gạc.", "causes": "Không đếm gạc.",
        "intervention": "Bảng kiểm WHO.", "results": "Không còn sót gạc.", "lessons": "Đếm hai lần."})
    );
}

async fn case_study_headings_are_recognised_without_diacritics_and_in_english(app: TestApp) {
    let token = member(&app).await;
    let body = "# Boi canh\nKhoa Hồi sức.\n## Van de\nLoét tì đè.\n### Root causes\nÍt xoay trở.\n\
                ## Intervention\nLịch xoay 2 giờ.\n## Results\nGiảm 60%.\n## Lessons learned\nCần nhắc việc.";
    let cs = json!({"category": "incident-reporting", "kind": "case_study", "title": "Loét tì đè ở Hồi sức",
        "body": body, "tags": []});
    let t = topic(&app, app.api_topic(&token, cs).await).await;
    assert_eq!(
        t["sections"],
        json!({"context": "Khoa Hồi sức.", "problem": "Loét tì đè.", "causes": "Ít xoay trở.",
        "intervention": "Lịch xoay 2 giờ.", "results": "Giảm 60%.", "lessons": "Cần nhắc việc."})
    );
}

async fn a_reply_then_an_edit_show_in_the_topic(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, valid_topic()).await;
    let res = reply(&app, &token, id, "Bên mình còn **khoá tủ** thuốc nguy cơ cao.").await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "published");
    let reply_id = created["id"].as_i64().unwrap();

    let res = edit(&app, &token, reply_id, json!({"body": "Bên mình còn **khoá tủ** và ghi sổ bàn giao."})).await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!((edited["id"].as_i64(), edited["revision"].as_i64()), (Some(reply_id), Some(2)));
    assert!(edited["body_html"].as_str().unwrap().contains("ghi sổ bàn giao"));

    let posts = topic(&app, id).await["posts"].clone();
    assert_eq!(posts.as_array().unwrap().len(), 2);
    assert_eq!((&posts[1]["body"], posts[1]["revision"].as_i64()), (&json!("Bên mình còn **khoá tủ** và ghi sổ bàn giao."), Some(2)));
    assert!(posts[1]["updated_at"].is_string(), "{posts}");
}

async fn editing_the_opening_post_can_change_the_title(app: TestApp) {
    let token = member(&app).await;
    let created: Value = app.post_json("/api/v1/topics", Some(&token), &valid_topic()).await.json().await.unwrap();
    let res = edit(
        &app,
        &token,
        created["post_id"].as_i64().unwrap(),
        json!({"title": "Dán nhãn đỏ thuốc nguy cơ cao", "body": "Nhãn đỏ và **hai người kiểm tra**."}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let t = topic(&app, created["id"].as_i64().unwrap()).await;
    assert_eq!(t["title"], "Dán nhãn đỏ thuốc nguy cơ cao");
    assert_eq!((t["posts"][0]["revision"].as_i64(), &t["posts"][0]["body"]), (Some(2), &json!("Nhãn đỏ và **hai người kiểm tra**.")));
}

async fn deleted_replies_are_left_out(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, valid_topic()).await;
    let first: Value = reply(&app, &token, id, "Trả lời sẽ bị xoá.").await.json().await.unwrap();
    reply(&app, &token, id, "Trả lời còn lại.").await;
    app.store.delete_post(first["id"].as_i64().unwrap()).await.unwrap();
    let posts = topic(&app, id).await["posts"].clone();
    let bodies: Vec<&str> = posts.as_array().unwrap().iter().map(|p| p["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Khoa tôi dán **nhãn đỏ** cho kali clorid đậm đặc.", "Trả lời còn lại."]);
}

async fn limits_are_inclusive(app: TestApp) {
    let token = member(&app).await;
    let title = title_of_length(200);
    let tags = json!(["một", "hai", "ba", "bốn", "năm"]);
    let id = app.api_topic(&token, with(discussion(&title, &"ệ".repeat(40_000)), "tags", tags)).await;
    let t = topic(&app, id).await;
    assert_eq!(t["title"].as_str().unwrap().chars().count(), 200);
    assert_eq!(t["posts"][0]["body"].as_str().unwrap().chars().count(), 40_000);
    assert_eq!(t["tags"].as_array().unwrap().len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Unicode

async fn decomposed_vietnamese_is_stored_and_returned_composed(app: TestApp) {
    let token = member(&app).await;
    let title: String = "Người bệnh té ngã ở buồng vệ sinh".nfd().collect();
    let body: String = "Người bệnh lớn tuổi cần được đỡ khi đi vệ sinh.".nfd().collect();
    assert_ne!(title, "Người bệnh té ngã ở buồng vệ sinh");
    let id = app.api_topic(&token, discussion(&title, &body)).await;
    let t = topic(&app, id).await;
    assert_eq!(t["title"], "Người bệnh té ngã ở buồng vệ sinh");
    assert_eq!(t["posts"][0]["body"], "Người bệnh lớn tuổi cần được đỡ khi đi vệ sinh.");
    assert!(t["posts"][0]["body_html"].as_str().unwrap().contains("Người bệnh lớn tuổi"));
}

async fn decomposed_replies_and_edits_are_stored_composed(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, valid_topic()).await;
    let created: Value = reply(&app, &token, id, &"Điều dưỡng trưởng".nfd().collect::<String>()).await.json().await.unwrap();
    assert_eq!(topic(&app, id).await["posts"][1]["body"], "Điều dưỡng trưởng");
    edit(&app, &token, created["id"].as_i64().unwrap(), json!({"body": "Người bệnh".nfd().collect::<String>()})).await;
    assert_eq!(topic(&app, id).await["posts"][1]["body"], "Người bệnh");
}

// ---------------------------------------------------------------------------------------------
// Hostile input: a 4xx problem that says what is wrong, and nothing stored

async fn an_empty_title_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "title", json!("")), 422, &["Tiêu đề", "(hiện có 0)"]).await;
}

async fn a_title_of_201_characters_is_refused(app: TestApp) {
    let detail = ["Tiêu đề", "200", "201"];
    assert_topic_refused(&app, with(valid_topic(), "title", json!(title_of_length(201))), 422, &detail).await;
}

async fn a_whitespace_only_body_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "body", json!("  \n\t  \r\n ")), 422, &["Nội dung", "(hiện có 0)"]).await;
}

async fn a_body_over_40000_characters_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "body", json!("ệ".repeat(40_001))), 422, &["Nội dung", "40000", "40001"]).await;
}

async fn an_unknown_category_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "category", json!("khong-co-that")), 422, &["Chuyên mục"]).await;
}

async fn an_unknown_kind_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "kind", json!("poll")), 422, &["Loại bài viết"]).await;
}

async fn a_good_practice_without_summary_is_refused(app: TestApp) {
    assert_topic_refused(&app, with(valid_topic(), "kind", json!("good_practice")), 422, &["tóm tắt"]).await;
}

async fn a_too_short_summary_is_refused(app: TestApp) {
    let gp = with(with(valid_topic(), "kind", json!("good_practice")), "summary", json!("Ngắn."));
    assert_topic_refused(&app, gp, 422, &["Tóm tắt"]).await;
}

async fn six_tags_are_refused(app: TestApp) {
    let tags = json!(["thuốc", "nhãn", "kali", "điều dưỡng", "dược", "an toàn"]);
    assert_topic_refused(&app, with(valid_topic(), "tags", tags), 422, &["5 thẻ"]).await;
}

async fn malformed_json_is_a_400(app: TestApp) {
    let token = member(&app).await;
    let unclosed = r#"{"title": "Thiếu ngoặc""#.as_bytes().to_vec();
    let detail = problem(post_raw(&app, &token, "application/json", unclosed).await, 400).await;
    assert!(detail.contains("JSON"), "{detail}");
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_missing_field_is_a_422_naming_it(app: TestApp) {
    assert_topic_refused(&app, without(valid_topic(), "title"), 422, &["thiếu hoặc sai trường", "title"]).await;
}

async fn a_wrongly_typed_field_is_a_422_naming_it(app: TestApp) {
    let not_a_list = with(valid_topic(), "tags", json!("không phải danh sách"));
    assert_topic_refused(&app, not_a_list, 422, &["thiếu hoặc sai trường", "tags"]).await;
}

async fn text_plain_is_a_415(app: TestApp) {
    let token = member(&app).await;
    let body = serde_json::to_vec(&valid_topic()).unwrap();
    let detail = problem(post_raw(&app, &token, "text/plain; charset=utf-8", body).await, 415).await;
    assert!(detail.contains("application/json"), "{detail}");
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_body_over_256_kib_is_a_413(app: TestApp) {
    let token = member(&app).await;
    let body = serde_json::to_vec(&with(valid_topic(), "body", json!("a".repeat(300 * 1024)))).unwrap();
    let detail = problem(post_raw(&app, &token, "application/json", body).await, 413).await;
    assert!(detail.contains("quá lớn"), "{detail}");
    assert_eq!(topic_count(&app).await, 0);
}

async fn invalid_utf8_is_a_4xx_not_a_500(app: TestApp) {
    let token = member(&app).await;
    let mut body = br#"{"category":"medication-safety","kind":"discussion","title":"Ti"#.to_vec();
    body.extend_from_slice(b"\xff\xfe");
    body.extend_from_slice(br#"u de bai viet","body":"Noi dung","tags":[]}"#);
    let res = post_raw(&app, &token, "application/json", body).await;
    let status = res.status().as_u16();
    assert!((400..500).contains(&status), "got {status}");
    let detail = problem(res, status).await;
    assert!(detail.contains("JSON"), "{detail}");
    assert_eq!(topic_count(&app).await, 0);
}

async fn no_token_is_a_401(app: TestApp) {
    let detail = problem(app.post_json("/api/v1/topics", None, &valid_topic()).await, 401).await;
    assert!(detail.contains("đăng nhập"), "{detail}");
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_forged_token_is_a_401(app: TestApp) {
    member(&app).await;
    let forged = "Z".repeat(43);
    problem(app.post_json("/api/v1/topics", Some(&forged), &valid_topic()).await, 401).await;
    let no_token_after_scheme = app.client.post(app.url("/api/v1/topics")).header("Authorization", "Bearer");
    let malformed = no_token_after_scheme.json(&valid_topic()).send().await.unwrap();
    problem(malformed, 401).await;
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_page_session_cookie_does_not_authenticate_the_api(app: TestApp) {
    assert!(app.signup("lan@bv.vn", "Nguyễn Thị Lan").await.status().is_redirection(), "signed in through the form");
    problem(app.post_json("/api/v1/topics", None, &valid_topic()).await, 401).await;
    assert_eq!(topic_count(&app).await, 0);
}

async fn problems_are_in_english_on_request(app: TestApp) {
    let english = app.client.post(app.url("/api/v1/topics")).header(ACCEPT_LANGUAGE, "en-US,en;q=0.9");
    let res = english.json(&valid_topic()).send().await.unwrap();
    assert_eq!(problem(res, 401).await, "You need to sign in to do this.");
}

async fn replying_to_a_missing_topic_is_a_404(app: TestApp) {
    let token = member(&app).await;
    problem(reply(&app, &token, 424_242, "Trả lời vào chỗ trống.").await, 404).await;
    let res = app.post_json("/api/v1/topics/abc/posts", Some(&token), &json!({"body": "Trả lời."})).await;
    problem(res, 404).await;
}

async fn an_invalid_reply_is_refused_and_not_stored(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, valid_topic()).await;
    let detail = problem(reply(&app, &token, id, " ").await, 422).await;
    assert!(detail.contains("Nội dung"), "{detail}");
    assert_eq!(app.store.count_topic_posts(id).await.unwrap(), 1);
}

async fn topic_ids_that_are_not_numbers_are_404_problems(app: TestApp) {
    for path in ["/api/v1/topics/abc", "/api/v1/topics/99999999999999999999", "/api/v1/topics/-1", "/api/v1/topics/424242"] {
        let detail = problem(app.get(path).await, 404).await;
        assert!(detail.contains("Không tìm thấy"), "{path}: {detail}");
    }
}

async fn unknown_api_paths_and_methods_are_problems(app: TestApp) {
    problem(app.get("/api/v1/khong-co").await, 404).await;
    let res = app.client.delete(app.url("/api/v1/categories")).send().await.unwrap();
    problem(res, 405).await;
}

// ---------------------------------------------------------------------------------------------
// Who may edit

async fn a_member_may_not_edit_someone_elses_post(app: TestApp) {
    let author = member(&app).await;
    let created: Value = app.post_json("/api/v1/topics", Some(&author), &valid_topic()).await.json().await.unwrap();
    let other = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Member).await;
    let res = edit(&app, &other, created["post_id"].as_i64().unwrap(), json!({"body": "Sửa trộm bài người khác."})).await;
    let detail = problem(res, 403).await;
    assert!(detail.contains("của chính mình"), "{detail}");
    let t = topic(&app, created["id"].as_i64().unwrap()).await;
    assert_eq!((&t["posts"][0]["body"], t["posts"][0]["revision"].as_i64()), (&valid_topic()["body"], Some(1)));
}

async fn a_moderator_may_edit_a_members_post(app: TestApp) {
    let author = member(&app).await;
    let id = app.api_topic(&author, valid_topic()).await;
    let created: Value = reply(&app, &author, id, "Số điện thoại riêng của tôi là 0912…").await.json().await.unwrap();
    let moderator = app.token_for("kiemduyet@bv.vn", "Lê Thu Hà", Role::Moderator).await;
    let res = edit(&app, &moderator, created["id"].as_i64().unwrap(), json!({"body": "[Đã ẩn thông tin cá nhân]"})).await;
    assert_eq!(res.status(), 200);
    let posts = topic(&app, id).await["posts"].clone();
    assert_eq!((&posts[1]["body"], posts[1]["revision"].as_i64()), (&json!("[Đã ẩn thông tin cá nhân]"), Some(2)));
}

async fn an_admin_may_edit_a_members_post(app: TestApp) {
    let author = member(&app).await;
    let created: Value = app.post_json("/api/v1/topics", Some(&author), &valid_topic()).await.json().await.unwrap();
    let admin = app.token_for("quantri@bv.vn", "Phạm Quản Trị", Role::Admin).await;
    let correction = json!({"body": "Nội dung đã được quản trị viên chỉnh sửa."});
    assert_eq!(edit(&app, &admin, created["post_id"].as_i64().unwrap(), correction).await.status(), 200);
    let t = topic(&app, created["id"].as_i64().unwrap()).await;
    assert_eq!(t["posts"][0]["body"], "Nội dung đã được quản trị viên chỉnh sửa.");
}

async fn editing_a_missing_post_is_a_404(app: TestApp) {
    let token = member(&app).await;
    problem(edit(&app, &token, 424_242, json!({"body": "Không có bài này."})).await, 404).await;
}

// ---------------------------------------------------------------------------------------------
// Accounts and the OpenAPI document

async fn an_email_in_another_letter_case_cannot_get_a_second_account(app: TestApp) {
    app.create_user("lan.nguyen@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let email = Email::parse("LAN.Nguyen@BV.VN").unwrap();
    let name = DisplayName::parse("Lan giả mạo").unwrap();
    let err = accounts::register(&app.store, &email, &name, &Password::parse("mật-khẩu-khác-123").unwrap(), Role::Member)
        .await
        .expect_err("a second account for the same email");
    assert_eq!((err.status().as_u16(), err.message().key), (409, "error.email_taken"));
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}

async fn the_openapi_document_lists_the_api(app: TestApp) {
    let doc = get_json(&app, "/api/openapi.json").await;
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with('3')), "{}", doc["openapi"]);
    let paths = ["/api/v1/tokens", "/api/v1/categories", "/api/v1/topics", "/api/v1/topics/{id}", "/api/v1/topics/{id}/posts"];
    for path in paths.into_iter().chain(["/api/v1/posts/{id}"]) {
        assert!(doc["paths"][path].is_object(), "{path} missing from the OpenAPI document");
    }
    assert!(doc["paths"]["/api/v1/posts/{id}"]["patch"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

on_both_databases!(
    a_token_is_issued_for_the_right_password,
    wrong_password_and_unknown_email_get_the_same_401,
    repeated_sign_in_failures_lock_the_email_even_for_the_right_password,
    categories_list_the_standard_ones,
    a_discussion_comes_back_as_sent_with_rendered_markdown,
    a_question_is_published_as_a_question,
    a_good_practice_keeps_its_summary,
    a_case_study_sent_as_sections_returns_the_same_sections,
    a_case_study_written_with_headings_has_sections,
    case_study_headings_are_recognised_without_diacritics_and_in_english,
    a_reply_then_an_edit_show_in_the_topic,
    editing_the_opening_post_can_change_the_title,
    deleted_replies_are_left_out,
    limits_are_inclusive,
    decomposed_vietnamese_is_stored_and_returned_composed,
    decomposed_replies_and_edits_are_stored_composed,
    an_empty_title_is_refused,
    a_title_of_201_characters_is_refused,
    a_whitespace_only_body_is_refused,
    a_body_over_40000_characters_is_refused,
    an_unknown_category_is_refused,
    an_unknown_kind_is_refused,
    a_good_practice_without_summary_is_refused,
    a_too_short_summary_is_refused,
    six_tags_are_refused,
    malformed_json_is_a_400,
    a_missing_field_is_a_422_naming_it,
    a_wrongly_typed_field_is_a_422_naming_it,
    text_plain_is_a_415,
    a_body_over_256_kib_is_a_413,
    invalid_utf8_is_a_4xx_not_a_500,
    no_token_is_a_401,
    a_forged_token_is_a_401,
    a_page_session_cookie_does_not_authenticate_the_api,
    problems_are_in_english_on_request,
    replying_to_a_missing_topic_is_a_404,
    an_invalid_reply_is_refused_and_not_stored,
    topic_ids_that_are_not_numbers_are_404_problems,
    unknown_api_paths_and_methods_are_problems,
    a_member_may_not_edit_someone_elses_post,
    a_moderator_may_edit_a_members_post,
    an_admin_may_edit_a_members_post,
    editing_a_missing_post_is_a_404,
    an_email_in_another_letter_case_cannot_get_a_second_account,
    the_openapi_document_lists_the_api,
);

// ---------------------------------------------------------------------------------------------
// The posting rate limit (its own configuration, so not through `on_both_databases!`)

async fn posting_too_fast_is_a_429_and_the_post_is_not_stored(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, valid_topic()).await;
    assert_eq!(reply(&app, &token, id, "Bài thứ hai trong phút này.").await.status(), 201);

    let detail = problem(reply(&app, &token, id, "Bài thứ ba: quá nhanh.").await, 429).await;
    assert!(detail.contains("quá nhanh"), "{detail}");
    problem(app.post_json("/api/v1/topics", Some(&token), &discussion("Chủ đề thứ hai", "Cũng quá nhanh.")).await, 429).await;

    assert_eq!(app.store.count_topic_posts(id).await.unwrap(), 2);
    assert_eq!(topic_count(&app).await, 1);
    let other = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Member).await;
    assert_eq!(reply(&app, &other, id, "Người khác vẫn đăng được.").await.status(), 201);
}

mod rate_limited {
    fn two_per_minute(c: &mut goodpractice::config::Config) {
        c.posts_per_minute = 2;
    }

    #[tokio::test]
    async fn sqlite_posting_too_fast_is_a_429_and_the_post_is_not_stored() {
        let app = crate::common::TestApp::sqlite_with(two_per_minute).await;
        super::posting_too_fast_is_a_429_and_the_post_is_not_stored(app).await;
    }

    #[tokio::test]
    async fn postgres_posting_too_fast_is_a_429_and_the_post_is_not_stored() {
        if let Some(app) = crate::common::TestApp::postgres_with(two_per_minute).await {
            super::posting_too_fast_is_a_429_and_the_post_is_not_stored(app).await;
        }
    }
}
