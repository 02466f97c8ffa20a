//! Moderation over HTTP on both databases: auto-checks hold posts with reasons, the review queue
//! (two moderators, bad input), flags, sanctions, appeals, topic actions, anonymous case studies
//! and the append-only audit log. What a member, a moderator and the public see is asserted.

use std::time::{Duration, Instant};

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, cookie_value, count, text_of};
use crate::{on_both_databases, on_both_with};

// ---------------------------------------------------------------------------------------------
// Helpers

const CITIZEN_ID: &str = "001204012345";

fn discussion(title: &str, body: &str) -> Value {
    json!({"category": "medication-safety", "kind": "discussion", "title": title, "body": body, "tags": []})
}

fn with_patient_data() -> Value {
    discussion("Nhầm thuốc ở khoa Nội", &format!("Số CCCD {CITIZEN_ID} ghi trên phiếu lĩnh thuốc bị nhầm."))
}

fn clean_topic(title: &str) -> Value {
    discussion(title, "Khoa tôi dán nhãn đỏ cho kali clorid đậm đặc và kiểm tra chéo trước khi pha.")
}

/// Sends a topic; returns (status, JSON).
async fn post_topic(app: &TestApp, token: &str, topic: &Value) -> (u16, Value) {
    let res = app.post_json("/api/v1/topics", Some(token), topic).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn get_json(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    let mut req = app.client.get(app.url(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
    let res = app.post_json(path, token, &body).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn queue(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let (status, json) = get_json(app, &format!("/api/v1/moderation/queue{query}"), Some(token)).await;
    assert_eq!(status, 200, "{json}");
    json.as_array().unwrap().clone()
}

async fn decide(app: &TestApp, token: &str, item: i64, action: &str, reason: &str) -> (u16, Value) {
    post(app, &format!("/api/v1/moderation/queue/{item}/{action}"), Some(token), json!({"reason": reason})).await
}

async fn audit(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, json) = get_json(app, "/api/v1/moderation/audit", Some(token)).await;
    assert_eq!(status, 200, "{json}");
    json.as_array().unwrap().clone()
}

/// A member, two moderators and an admin, each with an API token.
struct Cast {
    member: String,
    mod1: String,
    mod2: String,
    admin: String,
}

async fn cast(app: &TestApp) -> Cast {
    Cast {
        member: app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await,
        mod1: app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await,
        mod2: app.token_for("hoa@bv.vn", "Lê Thị Hoa", Role::Moderator).await,
        admin: app.token_for("quan@bv.vn", "Phạm Quản Trị", Role::Admin).await,
    }
}

/// A topic held for patient data: (topic id, queue item id).
async fn held_topic(app: &TestApp, c: &Cast) -> (i64, i64) {
    let (status, created) = post_topic(app, &c.member, &with_patient_data()).await;
    assert_eq!((status, created["status"].as_str()), (201, Some("pending")), "{created}");
    let topic = created["id"].as_i64().unwrap();
    let items = queue(app, &c.mod1, "").await;
    let item = items.iter().find(|i| i["topic_id"] == topic).expect("the held topic is in the queue");
    (topic, item["id"].as_i64().unwrap())
}

async fn public_status(app: &TestApp, topic: i64) -> u16 {
    get_json(app, &format!("/api/v1/topics/{topic}"), None).await.0
}

/// A browser of its own, signed in as `email`.
async fn browser(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    let (client, jar) = app.second_browser();
    client.get(app.url("/")).send().await.unwrap();
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").unwrap();
    let res = client.post(app.url("/login")).form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 303, "sign-in of {email}");
    // Signing in brings a new token, bound to the session.
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").unwrap();
    (client, csrf)
}

async fn form(app: &TestApp, browser: &(reqwest::Client, String), path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let mut all = fields.to_vec();
    all.push(("csrf", &browser.1));
    browser.0.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn page(app: &TestApp, browser: &(reqwest::Client, String), path: &str) -> (u16, String) {
    let res = browser.0.get(app.url(path)).send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The shipped new-member limits (the test harness relaxes them for other tests).
fn new_member_rules(config: &mut Config) {
    let d = Config::default();
    config.new_user_held_posts = d.new_user_held_posts;
    config.new_user_max_links = d.new_user_max_links;
    config.new_user_max_images = d.new_user_max_images;
}

/// The shipped duplicate window.
fn duplicate_rule(config: &mut Config) {
    config.duplicate_window_minutes = Config::default().duplicate_window_minutes;
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_for_login(email).await.unwrap().0.id
}

on_both_databases!(
    patient_data_holds_a_topic_until_a_moderator_approves_it,
    a_second_moderator_is_told_the_item_was_already_handled,
    bad_decisions_are_refused_and_change_nothing,
    watched_words_block_hold_and_replace,
    flags_hide_a_post_once_they_weigh_enough,
    flag_bad_input_is_refused,
    sanctions_silence_and_suspend_with_reason_and_date,
    a_rejection_can_be_appealed_once_to_another_moderator,
    topic_actions_lock_pin_move_and_hide_are_audited,
    duplicate_topics_are_merged_and_posts_deleted_with_a_reason,
    an_edit_that_adds_patient_data_is_held_again,
    admins_keep_the_watched_words_on_a_page,
    the_queue_page_is_paged_oldest_first,
    the_audit_log_refuses_update_and_delete,
    the_audit_log_page_and_csv_are_for_moderators,
    the_queue_page_works_without_javascript,
    an_anonymous_case_study_never_shows_its_author,
);

on_both_with!(new_member_rules: new_members_first_posts_links_and_images_are_held);
on_both_with!(duplicate_rule: a_duplicate_post_is_held);
on_both_with!(address_rule: one_address_may_post_only_so_often);
on_both_with!(proxy_rule: behind_a_trusted_proxy_each_client_address_has_its_own_limit);
on_both_with!(account_rule: new_accounts_wait_for_approval_when_configured);

fn account_rule(config: &mut Config) {
    config.approve_new_accounts = true;
}

async fn new_accounts_wait_for_approval_when_configured(app: TestApp) {
    let moderator = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    for (email, name) in [("moi@bv.vn", "Thành Viên Mới"), ("la@bv.vn", "Người Lạ")] {
        // Through the form and the mailed link; each activation signs this browser in as the newcomer.
        assert_eq!(app.signup(email, name).await.status(), 303, "{email}");
    }
    let newcomer = browser(&app, "moi@bv.vn").await;
    let res = form(
        &app,
        &newcomer,
        "/new",
        &[("category", "medication-safety"), ("kind", "discussion"), ("title", "Xin chào diễn đàn"), ("body", "Tôi là điều dưỡng mới.")],
    )
    .await;
    assert_eq!(res.status(), 403, "not before approval");
    assert!(res.text().await.unwrap().contains("chờ điều hành viên duyệt"));

    let items = queue(&app, &moderator, "?kind=account").await;
    let names: Vec<&str> = items.iter().map(|i| i["author"].as_str().unwrap()).collect();
    assert_eq!(names, ["Thành Viên Mới", "Người Lạ"]);
    assert_eq!(decide(&app, &moderator, items[0]["id"].as_i64().unwrap(), "approve", "").await.0, 200);
    assert_eq!(decide(&app, &moderator, items[1]["id"].as_i64().unwrap(), "reject", "Không phải nhân viên y tế").await.0, 200);
    assert_eq!(decide(&app, &moderator, items[1]["id"].as_i64().unwrap(), "edit_approve", "").await.0, 409);

    let res = form(
        &app,
        &newcomer,
        "/new",
        &[("category", "medication-safety"), ("kind", "discussion"), ("title", "Xin chào diễn đàn"), ("body", "Tôi là điều dưỡng mới.")],
    )
    .await;
    assert_eq!(res.status(), 303, "approved: may post");
    let stranger = browser(&app, "la@bv.vn").await;
    let res = form(
        &app,
        &stranger,
        "/new",
        &[("category", "medication-safety"), ("kind", "discussion"), ("title", "Quảng cáo"), ("body", "Mua thuốc giá rẻ.")],
    )
    .await;
    assert_eq!(res.status(), 403, "refused: may not post");
    let (_, html) = page(&app, &stranger, "/notifications").await;
    assert!(html.contains("Không phải nhân viên y tế"), "the reason reaches the refused member");
}

fn address_rule(config: &mut Config) {
    config.posts_per_minute_per_address = 2;
}

// ---------------------------------------------------------------------------------------------
// Auto-checks and the queue

async fn patient_data_holds_a_topic_until_a_moderator_approves_it(app: TestApp) {
    let c = cast(&app).await;
    let (topic, item) = held_topic(&app, &c).await;

    assert_eq!(public_status(&app, topic).await, 404, "a held topic is not admitted to exist");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0, "nor counted in listings");
    let author = browser(&app, "lan@bv.vn").await;
    let (status, html) = page(&app, &author, &format!("/t/{topic}")).await;
    assert_eq!(status, 200);
    let notice = text_of(&html, ".awaiting-review").expect("the author sees the post waits for review");
    assert!(notice.contains("Có thể chứa thông tin nhận dạng người bệnh"), "{notice}");

    let items = queue(&app, &c.mod1, "?kind=held_post").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["reasons"][0]["code"], "patient_data", "{}", items[0]);
    let marked = items[0]["highlighted_html"].as_str().unwrap();
    assert!(marked.contains(&format!("<mark>{CITIZEN_ID}</mark>")), "{marked}");

    let (status, decided) = decide(&app, &c.mod1, item, "approve", "").await;
    assert_eq!((status, decided["state"].as_str()), (200, Some("approved")), "{decided}");
    assert_eq!(public_status(&app, topic).await, 200);
    assert_eq!(app.store.count_topics(None).await.unwrap(), 1);
    assert!(queue(&app, &c.mod1, "").await.is_empty());

    let (_, notes) = get_json(&app, "/api/v1/notifications", Some(&c.member)).await;
    assert_eq!(notes[0]["kind"], "post_approved", "{notes}");
    let log = audit(&app, &c.mod1).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!((log[0]["action"].as_str(), log[0]["actor"].as_str()), (Some("approve"), Some("Trần Văn Minh")));
}

async fn a_second_moderator_is_told_the_item_was_already_handled(app: TestApp) {
    let c = cast(&app).await;
    let (_, item) = held_topic(&app, &c).await;

    let (first, second) = tokio::join!(decide(&app, &c.mod1, item, "approve", ""), decide(&app, &c.mod2, item, "reject", "Lộ thông tin"));

    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "exactly one wins: {first:?} {second:?}");
    let loser = if first.0 == 409 { &first.1 } else { &second.1 };
    let winner = if first.0 == 200 { "Trần Văn Minh" } else { "Lê Thị Hoa" };
    assert!(loser["detail"].as_str().unwrap().contains(winner), "{loser}");
    assert_eq!(audit(&app, &c.admin).await.len(), 1, "only the decision that happened is logged");
    let (status, again) = decide(&app, &c.mod2, item, "approve", "").await;
    assert_eq!(status, 409, "{again}");
}

async fn bad_decisions_are_refused_and_change_nothing(app: TestApp) {
    let c = cast(&app).await;
    let (topic, item) = held_topic(&app, &c).await;

    assert_eq!(decide(&app, &c.mod1, 999_999, "approve", "").await.0, 404, "missing item");
    assert_eq!(decide(&app, &c.mod1, item, "obliterate", "").await.0, 404, "unknown action");
    assert_eq!(post(&app, "/api/v1/moderation/queue/abc/approve", Some(&c.mod1), json!({})).await.0, 404);
    let (status, body) = decide(&app, &c.mod1, item, "reject", "").await;
    assert_eq!(status, 422, "a rejection needs a reason: {body}");
    let (status, body) = decide(&app, &c.mod1, item, "reject", &"ý".repeat(501)).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("500"), "{body}");
    let (status, _) = get_json(&app, "/api/v1/moderation/queue?state=bogus", Some(&c.mod1)).await;
    assert_eq!(status, 422);

    assert_eq!(queue(&app, &c.mod1, "").await.len(), 1, "the item is still open");
    assert_eq!(public_status(&app, topic).await, 404);
    assert!(audit(&app, &c.mod1).await.is_empty(), "nothing happened, so nothing is logged");

    // Wrong type: an appeal cannot be edited-and-approved.
    decide(&app, &c.mod1, item, "reject", "Lộ số CCCD").await;
    let (status, appeal) =
        post(&app, &format!("/api/v1/moderation/items/{item}/appeal"), Some(&c.member), json!({"reason": "Tôi đã xoá số"})).await;
    assert_eq!(status, 201, "{appeal}");
    let appeal = appeal["id"].as_i64().unwrap();
    let res = post(&app, &format!("/api/v1/moderation/queue/{appeal}/edit_approve"), Some(&c.mod2), json!({"body": "Sửa"})).await;
    assert_eq!(res.0, 422, "{:?}", res.1);
    assert_eq!(audit(&app, &c.mod1).await.len(), 1);
}

async fn watched_words_block_hold_and_replace(app: TestApp) {
    let c = cast(&app).await;
    let add = |pattern: &'static str, action: &'static str, replacement: Option<&'static str>| {
        let body = json!({"pattern": pattern, "action": action, "replacement": replacement});
        let admin = c.admin.clone();
        let app = &app;
        async move { post(app, "/api/v1/moderation/watched-words", Some(&admin), body).await.0 }
    };
    assert_eq!(add("thuốc lá điện tử", "block", None).await, 201);
    assert_eq!(add("khuyến mãi", "hold", None).await, 201);
    assert_eq!(add("ngu dốt", "replace", Some("chưa hiểu")).await, 201);
    assert_eq!(add("khuyến mãi", "hold", None).await, 409, "a pattern is watched once");
    assert_eq!(add("   ", "block", None).await, 422, "an empty pattern");
    assert_eq!(add("th*c", "block", None).await, 422, "a wildcard inside a word");
    assert_eq!(add("thuốc giả", "ban", None).await, 422, "an unknown action");
    assert_eq!(add("thuốc giả", "replace", None).await, 422, "replace needs a replacement");
    let (status, _) = post(&app, "/api/v1/moderation/watched-words", Some(&c.member), json!({"pattern": "x", "action": "block"})).await;
    assert_eq!(status, 403, "only admins manage the list");

    let (status, body) = post_topic(&app, &c.member, &discussion("Bán thuốc lá điện tử", "Liên hệ tôi.")).await;
    assert_eq!(status, 422, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("thuốc lá điện tử"), "{body}");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);

    let (status, held) = post_topic(&app, &c.member, &discussion("Chương trình khuyến mãi", "Mua hai tặng một.")).await;
    assert_eq!((status, held["status"].as_str()), (201, Some("pending")));
    let items = queue(&app, &c.mod1, "").await;
    assert_eq!(items[0]["reasons"][0]["code"], "watched_word");

    let (status, replaced) = post_topic(&app, &c.member, &discussion("Góp ý đồng nghiệp", "Đừng gọi đồng nghiệp là ngu dốt.")).await;
    assert_eq!((status, replaced["status"].as_str()), (201, Some("published")));
    let (_, topic) = get_json(&app, &format!("/api/v1/topics/{}", replaced["id"]), None).await;
    assert_eq!(topic["posts"][0]["body"], "Đừng gọi đồng nghiệp là chưa hiểu.");

    // Stopping the watch: admins only, audited with what the word was, then posts pass.
    let (_, added) =
        post(&app, "/api/v1/moderation/watched-words", Some(&c.admin), json!({"pattern": "hàng xách tay", "action": "block"})).await;
    let remove = |token: String| {
        let app = &app;
        let path = format!("/api/v1/moderation/watched-words/{}", added["id"]);
        async move { app.client.delete(app.url(&path)).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(remove(c.mod1.clone()).await, 403);
    assert_eq!(remove(c.admin.clone()).await, 204);
    assert_eq!(remove(c.admin.clone()).await, 404);
    let (status, _) = post_topic(&app, &c.member, &discussion("Thuốc nhập khẩu", "Không dùng hàng xách tay trong khoa.")).await;
    assert_eq!(status, 201, "the removed word no longer blocks");
    let log = audit(&app, &c.mod1).await;
    assert_eq!((log[0]["action"].as_str(), log[0]["before_text"].as_str()), (Some("unwatch_word"), Some("hàng xách tay → block")));
}

async fn the_queue_page_is_paged_oldest_first(app: TestApp) {
    let c = cast(&app).await;
    for n in 1..=31 {
        let topic = discussion(&format!("Sự cố số {n} ở khoa Nội"), &format!("Số CCCD {CITIZEN_ID} trong sự cố {n}."));
        assert_eq!(post_topic(&app, &c.member, &topic).await.1["status"], "pending");
    }
    let moderator = browser(&app, "minh@bv.vn").await;
    let (_, first) = page(&app, &moderator, "/mod/queue?kind=held_post").await;
    assert_eq!(count(&first, ".queue-item"), 30);
    assert_eq!(text_of(&first, ".queue-item header a").as_deref(), Some("Sự cố số 1 ở khoa Nội"), "oldest first");
    let next = crate::common::attr_of(&first, "a[rel=next]", "href").unwrap();
    assert_eq!(next, "/mod/queue?state=open&kind=held_post&page=2", "filters kept");
    let (_, second) = page(&app, &moderator, &next).await;
    assert_eq!(count(&second, ".queue-item"), 1);
    assert_eq!(queue(&app, &c.mod1, "?page=2").await.len(), 0, "the API pages by 50");
}

async fn admins_keep_the_watched_words_on_a_page(app: TestApp) {
    let c = cast(&app).await;
    let admin = browser(&app, "quan@bv.vn").await;
    let res = form(&app, &admin, "/mod/watched-words", &[("pattern", "thuốc  giả"), ("action", "block"), ("replacement", "")]).await;
    assert_eq!(res.status(), 303);
    let (status, html) = page(&app, &admin, "/mod/watched-words").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, ".watched-word td:first-child").as_deref(), Some("thuốc giả"), "stored with single spaces");
    assert_eq!(text_of(&html, ".watched-word td:nth-child(2)").as_deref(), Some("Chặn"));

    let res = form(&app, &admin, "/mod/watched-words", &[("pattern", "th*c"), ("action", "hold"), ("replacement", "")]).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(text_of(&html, ".form-error").unwrap().contains('*'));
    assert_eq!(count(&html, "input[name=pattern][value='th*c']"), 1, "the typed pattern is kept");

    let (status, body) = post_topic(&app, &c.member, &discussion("Cảnh báo", "Bán thuốc giả qua mạng.")).await;
    assert_eq!(status, 422, "{body}");
    let moderator = browser(&app, "minh@bv.vn").await;
    assert_eq!(page(&app, &moderator, "/mod/watched-words").await.0, 403, "admins only");
    assert_eq!(form(&app, &moderator, "/mod/watched-words", &[("pattern", "x"), ("action", "block")]).await.status(), 403);

    // Removing it: the button beside the word, admins only, with the form's token.
    let remove = crate::common::attr_of(&html_of(&app, &admin, "/mod/watched-words").await, ".watched-word form", "action").unwrap();
    assert_eq!(form(&app, &moderator, &remove, &[]).await.status(), 403, "admins only");
    let forged = admin.0.post(app.url(&remove)).form(&[("csrf", "forged")]).send().await.unwrap();
    assert_eq!(forged.status(), 403, "a forged token removes nothing");
    assert_eq!(form(&app, &admin, &remove, &[]).await.status(), 303);
    assert_eq!(count(&html_of(&app, &admin, "/mod/watched-words").await, ".watched-word"), 0);
    assert_eq!(form(&app, &admin, &remove, &[]).await.status(), 404, "already removed");
    let (status, body) = post_topic(&app, &c.member, &discussion("Cảnh báo", "Bán thuốc giả qua mạng.")).await;
    assert_eq!((status, body["status"].as_str()), (201, Some("published")), "the word no longer blocks");
}

async fn html_of(app: &TestApp, browser: &(reqwest::Client, String), path: &str) -> String {
    let (status, html) = page(app, browser, path).await;
    assert_eq!(status, 200, "{path}");
    html
}

async fn new_members_first_posts_links_and_images_are_held(app: TestApp) {
    let c = cast(&app).await;
    let (_, first) =
        post_topic(&app, &c.member, &discussion("Bảng kiểm an toàn phẫu thuật", "Chúng tôi đọc to bảng kiểm trước khi rạch da.")).await;
    assert_eq!(first["status"], "pending");
    assert_eq!(queue(&app, &c.mod1, "").await[0]["reasons"][0]["code"], "new_user");
    let moderator_topic = post_topic(&app, &c.mod1, &clean_topic("Moderators are not held")).await.1;
    assert_eq!(moderator_topic["status"], "published");

    for item in queue(&app, &c.mod1, "").await {
        decide(&app, &c.mod1, item["id"].as_i64().unwrap(), "approve", "").await;
    }
    let (_, second) = post_topic(
        &app,
        &c.member,
        &discussion("Bàn giao ca bằng SBAR", "Bàn giao theo bốn phần: tình huống, bối cảnh, đánh giá, đề xuất."),
    )
    .await;
    assert_eq!(second["status"], "pending", "the first two posts are reviewed");
    let item = queue(&app, &c.mod1, "").await[0]["id"].as_i64().unwrap();
    decide(&app, &c.mod1, item, "approve", "").await;

    let (_, third) = post_topic(
        &app,
        &c.member,
        &discussion("Rửa tay đúng năm thời điểm", "Trước và sau khi tiếp xúc người bệnh, trước thủ thuật vô khuẩn."),
    )
    .await;
    assert_eq!(third["status"], "published");
    let links = "Xem [một](https://moh.gov.vn/a), [hai](https://moh.gov.vn/b) và [ba](https://moh.gov.vn/c).";
    let (_, linked) = post_topic(&app, &c.member, &discussion("Ba tài liệu tham khảo", links)).await;
    assert_eq!(linked["status"], "pending");
    let (_, image) = post_topic(&app, &c.member, &discussion("Áp phích vệ sinh tay", "![Áp phích](https://moh.gov.vn/poster.png)")).await;
    assert_eq!(image["status"], "pending");
    let codes: Vec<String> = queue(&app, &c.mod1, "").await.iter().map(|i| i["reasons"][0]["code"].as_str().unwrap().to_string()).collect();
    assert_eq!(codes, ["links", "images"]);
}

async fn a_duplicate_post_is_held(app: TestApp) {
    let c = cast(&app).await;
    let topic = post_topic(&app, &c.mod1, &clean_topic("Phòng ngừa té ngã")).await.1["id"].as_i64().unwrap();
    let body = json!({"body": "Chúng tôi dùng vòng tay màu vàng cho người bệnh nguy cơ té ngã cao."});
    let (s1, first) = post(&app, &format!("/api/v1/topics/{topic}/posts"), Some(&c.member), body.clone()).await;
    let (s2, second) = post(&app, &format!("/api/v1/topics/{topic}/posts"), Some(&c.member), body).await;
    assert_eq!((s1, first["status"].as_str()), (201, Some("published")), "{first}");
    assert_eq!((s2, second["status"].as_str()), (201, Some("pending")), "{second}");
    assert_eq!(queue(&app, &c.mod1, "").await[0]["reasons"][0]["code"], "duplicate");
}

async fn an_edit_that_adds_patient_data_is_held_again(app: TestApp) {
    let c = cast(&app).await;
    let (_, created) = post_topic(&app, &c.member, &clean_topic("Kiểm tra chéo thuốc")).await;
    let (topic, post_id) = (created["id"].as_i64().unwrap(), created["post_id"].as_i64().unwrap());
    assert_eq!(public_status(&app, topic).await, 200);

    let edit = json!({"body": format!("Bổ sung: người bệnh có CCCD {CITIZEN_ID}.")});
    let res = app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(&c.member), &edit).await;
    assert_eq!(res.status(), 200);
    assert_eq!(public_status(&app, topic).await, 404, "the edited post waits for review again");
    let again = json!({"body": format!("Người bệnh có CCCD {CITIZEN_ID}, gọi 0912 345 678.")});
    assert_eq!(app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(&c.member), &again).await.status(), 200);
    let items = queue(&app, &c.mod1, "").await;
    assert_eq!((items.len(), items[0]["post_id"].as_i64()), (1, Some(post_id)), "a post waits in the queue once");
    let codes = items[0]["reasons"][0]["details"].as_array().unwrap();
    assert!(codes.iter().any(|d| d == "phone"), "the reasons follow the latest text: {codes:?}");
    decide(&app, &c.mod1, items[0]["id"].as_i64().unwrap(), "approve", "").await;
    assert_eq!(public_status(&app, topic).await, 200);
}

async fn one_address_may_post_only_so_often(app: TestApp) {
    let c = cast(&app).await;
    let other = app.token_for("tu@bv.vn", "Đỗ Văn Tú", Role::Member).await;
    assert_eq!(post_topic(&app, &c.member, &clean_topic("Bài thứ nhất")).await.0, 201);
    assert_eq!(post_topic(&app, &other, &discussion("Bài thứ hai", "Một nội dung khác hẳn.")).await.0, 201);
    let (status, refused) = post_topic(&app, &c.mod1, &discussion("Bài thứ ba", "Cùng địa chỉ mạng.")).await;
    assert_eq!(status, 429, "a third post from the same address within a minute: {refused}");
    let forged = post_topic_from(&app, &c.mod1, "203.0.113.9", &discussion("Bài thứ tư", "Giả địa chỉ khác.")).await;
    assert_eq!(forged, 429, "X-Forwarded-For from a peer that is not a trusted proxy is ignored");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 2);
}

/// Sends a topic as if through a reverse proxy that saw the client at `client`; returns the status.
async fn post_topic_from(app: &TestApp, token: &str, client: &str, topic: &Value) -> u16 {
    let req = app.client.post(app.url("/api/v1/topics")).bearer_auth(token).header("x-forwarded-for", client).json(topic);
    req.send().await.unwrap().status().as_u16()
}

fn proxy_rule(config: &mut Config) {
    address_rule(config);
    config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
}

/// Behind a proxy every request comes from the proxy; its X-Forwarded-For tells the hospitals apart.
async fn behind_a_trusted_proxy_each_client_address_has_its_own_limit(app: TestApp) {
    let c = cast(&app).await;
    let topic = |n: i32| discussion(&format!("Bài số {n} qua proxy"), &format!("Nội dung riêng số {n}."));
    assert_eq!(post_topic_from(&app, &c.member, "203.0.113.7", &topic(1)).await, 201);
    assert_eq!(post_topic_from(&app, &c.mod1, "203.0.113.7", &topic(2)).await, 201);
    assert_eq!(post_topic_from(&app, &c.mod2, "203.0.113.7", &topic(3)).await, 429, "the third from one hospital");
    assert_eq!(post_topic_from(&app, &c.mod2, "198.51.100.4", &topic(4)).await, 201, "another hospital has its own count");
    let spoofed = post_topic_from(&app, &c.admin, "1.2.3.4, 203.0.113.7", &topic(5)).await;
    assert_eq!(spoofed, 429, "an address the client wrote before the proxy's own entry proves nothing");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 3);
}

// ---------------------------------------------------------------------------------------------
// Flags

async fn flags_hide_a_post_once_they_weigh_enough(app: TestApp) {
    let c = cast(&app).await;
    let (_, created) = post_topic(&app, &c.member, &clean_topic("Quy trình truyền máu")).await;
    let (topic, post_id) = (created["id"].as_i64().unwrap(), created["post_id"].as_i64().unwrap());
    let flaggers =
        [app.token_for("a@bv.vn", "Thành viên A", Role::Member).await, app.token_for("b@bv.vn", "Thành viên B", Role::Member).await];
    let flag = |token: String, reason: &'static str| {
        let app = &app;
        async move {
            post(app, &format!("/api/v1/posts/{post_id}/flags"), Some(&token), json!({"reason": reason, "note": "Có tên người bệnh"})).await
        }
    };

    let hits = |r: &Value| r["hits"].as_array().unwrap().iter().filter(|h| h["topic_id"].as_i64() == Some(topic)).count();
    search_until(&app, "truyền máu", |r| hits(r) == 1).await;
    let (status, first) = flag(flaggers[0].clone(), "patient_privacy").await;
    assert_eq!((status, first["hidden"].as_bool()), (201, Some(false)));
    assert_eq!(flag(flaggers[0].clone(), "spam").await.0, 409, "one flag per member per post");
    flag(flaggers[1].clone(), "spam").await;
    assert_eq!(public_status(&app, topic).await, 200, "two light flags do not hide it");

    let html_flagger = {
        app.create_user("c@bv.vn", "Thành viên C", Role::Member).await;
        browser(&app, "c@bv.vn").await
    };
    let res = form(&app, &html_flagger, &format!("/posts/{post_id}/flag"), &[("reason", "inappropriate"), ("note", "")]).await;
    assert_eq!(res.status(), 303, "the no-JS form flags too");
    assert_eq!(public_status(&app, topic).await, 404, "three flags hide the post until reviewed");
    search_until(&app, "truyền máu", |r| hits(r) == 0).await;

    let items = queue(&app, &c.mod1, "?kind=flagged_post").await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["flags"].as_array().unwrap().len(), 3);
    decide(&app, &c.mod1, items[0]["id"].as_i64().unwrap(), "approve", "Không có thông tin người bệnh").await;
    assert_eq!(public_status(&app, topic).await, 200, "approved: visible again");
    search_until(&app, "truyền máu", |r| hits(r) == 1).await;
}

async fn flag_bad_input_is_refused(app: TestApp) {
    let c = cast(&app).await;
    let (_, created) = post_topic(&app, &c.member, &clean_topic("Quy trình truyền máu")).await;
    let post_id = created["post_id"].as_i64().unwrap();
    let path = format!("/api/v1/posts/{post_id}/flags");

    let (status, own) = post(&app, &path, Some(&c.member), json!({"reason": "spam"})).await;
    assert_eq!(status, 422, "not one's own post: {own}");
    assert_eq!(post(&app, &path, Some(&c.mod1), json!({"reason": "because"})).await.0, 422);
    assert_eq!(post(&app, &path, Some(&c.mod1), json!({"reason": "spam", "note": "x".repeat(501)})).await.0, 422);
    assert_eq!(post(&app, &path, None, json!({"reason": "spam"})).await.0, 401);
    assert_eq!(post(&app, "/api/v1/posts/999999/flags", Some(&c.mod1), json!({"reason": "spam"})).await.0, 404);
    assert!(queue(&app, &c.mod1, "").await.is_empty(), "no flag was stored");
}

// ---------------------------------------------------------------------------------------------
// Sanctions and appeals

async fn sanctions_silence_and_suspend_with_reason_and_date(app: TestApp) {
    let c = cast(&app).await;
    let lan = user_id(&app, "lan@bv.vn").await;
    let binh = app.create_user("binh@bv.vn", "Võ Văn Bình", Role::Member).await;
    let admin_id = user_id(&app, "quan@bv.vn").await;
    let sanction = |user: i64, token: String, kind: &'static str, days: i64, reason: &'static str| {
        let app = &app;
        async move {
            post(
                app,
                &format!("/api/v1/moderation/users/{user}/sanctions"),
                Some(&token),
                json!({"kind": kind, "days": days, "reason": reason}),
            )
            .await
        }
    };

    assert_eq!(sanction(admin_id, c.mod1.clone(), "suspend", 7, "Thử").await.0, 403, "a moderator cannot sanction an admin");
    assert_eq!(sanction(binh, c.member.clone(), "silence", 7, "Thử").await.0, 403, "members cannot sanction");
    assert_eq!(sanction(binh, c.mod1.clone(), "silence", 0, "Thử").await.0, 422);
    assert_eq!(sanction(binh, c.mod1.clone(), "ban", 7, "Thử").await.0, 422);
    assert_eq!(sanction(binh, c.mod1.clone(), "silence", 7, "").await.0, 422);
    assert_eq!(sanction(999_999, c.mod1.clone(), "silence", 7, "Thử").await.0, 404);
    assert!(audit(&app, &c.admin).await.is_empty(), "refused sanctions are not logged");

    let (status, silenced) = sanction(lan, c.mod1.clone(), "silence", 3, "Đăng quảng cáo nhiều lần").await;
    assert_eq!(status, 201, "{silenced}");
    let (status, refused) = post_topic(&app, &c.member, &clean_topic("Thử đăng khi bị cấm")).await;
    assert_eq!(status, 403);
    let detail = refused["detail"].as_str().unwrap();
    assert!(detail.contains("Đăng quảng cáo nhiều lần") && detail.contains('/'), "why and until when: {detail}");
    let lan_browser = browser(&app, "lan@bv.vn").await;
    let (_, html) = page(&app, &lan_browser, "/notifications").await;
    let notice = text_of(&html, ".notice.sanction").expect("the member sees the sanction");
    assert!(notice.contains("Đăng quảng cáo nhiều lần") && notice.contains("đến"), "{notice}");

    assert_eq!(sanction(binh, c.mod1.clone(), "suspend", 30, "Xúc phạm đồng nghiệp").await.0, 201);
    let res = app.post_json("/api/v1/tokens", None, &json!({"email": "binh@bv.vn", "password": PASSWORD})).await;
    assert_eq!(res.status(), 403);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("Xúc phạm đồng nghiệp"), "{body}");
    let log = audit(&app, &c.admin).await;
    assert_eq!(log.iter().map(|e| e["action"].as_str().unwrap()).collect::<Vec<_>>(), ["suspend", "silence"]);
}

async fn a_rejection_can_be_appealed_once_to_another_moderator(app: TestApp) {
    let c = cast(&app).await;
    let other = app.token_for("tu@bv.vn", "Đỗ Văn Tú", Role::Member).await;
    let (topic, item) = held_topic(&app, &c).await;
    assert_eq!(decide(&app, &c.mod1, item, "reject", "Có số CCCD của người bệnh").await.0, 200);
    let (_, notes) = get_json(&app, "/api/v1/notifications", Some(&c.member)).await;
    assert_eq!((notes[0]["kind"].as_str(), notes[0]["reason"].as_str()), (Some("post_rejected"), Some("Có số CCCD của người bệnh")));

    let appeal_path = format!("/api/v1/moderation/items/{item}/appeal");
    assert_eq!(post(&app, &appeal_path, Some(&other), json!({"reason": "Không phải bài của tôi"})).await.0, 404);
    let (status, appeal) = post(&app, &appeal_path, Some(&c.member), json!({"reason": "Đó là số giả, không phải của người bệnh"})).await;
    assert_eq!(status, 201, "{appeal}");
    assert_eq!(post(&app, &appeal_path, Some(&c.member), json!({"reason": "Lần nữa"})).await.0, 409, "appeal once");
    let appeal = appeal["id"].as_i64().unwrap();

    let (status, own) = decide(&app, &c.mod1, appeal, "approve", "").await;
    assert_eq!(status, 403, "the moderator who decided cannot judge the appeal: {own}");
    assert_eq!(decide(&app, &c.mod2, appeal, "approve", "Số minh hoạ").await.0, 200);
    assert_eq!(public_status(&app, topic).await, 200);
    let (_, notes) = get_json(&app, "/api/v1/notifications", Some(&c.member)).await;
    assert_eq!(notes[0]["kind"], "appeal_granted");

    let author = browser(&app, "lan@bv.vn").await;
    let (_, html) = page(&app, &author, "/notifications").await;
    assert!(html.contains("Có số CCCD của người bệnh"), "the reason reaches the author");
    assert_eq!(count(&html, "form[action$='/appeal']"), 0, "nothing left to appeal");
}

// ---------------------------------------------------------------------------------------------
// Topic actions and the audit log

async fn topic_actions_lock_pin_move_and_hide_are_audited(app: TestApp) {
    let c = cast(&app).await;
    let older = post_topic(&app, &c.member, &clean_topic("Chủ đề cũ hơn")).await.1["id"].as_i64().unwrap();
    let newer = post_topic(&app, &c.member, &clean_topic("Chủ đề mới hơn")).await.1["id"].as_i64().unwrap();
    let act = |topic: i64, action: &'static str, body: Value| {
        let app = &app;
        let token = c.mod1.clone();
        async move { post(app, &format!("/api/v1/moderation/topics/{topic}/{action}"), Some(&token), body).await.0 }
    };
    let reply = |token: String| {
        let app = &app;
        async move {
            post(app, &format!("/api/v1/topics/{older}/posts"), Some(&token), json!({"body": "Cảm ơn chị đã chia sẻ."})).await
        }
    };

    assert_eq!(act(older, "lock", json!({"reason": "Đã đủ ý"})).await, 200);
    let (status, locked) = reply(c.member.clone()).await;
    assert_eq!(status, 403, "{locked}");
    assert_eq!(act(older, "unlock", json!({})).await, 200);
    assert_eq!(reply(c.member.clone()).await.0, 201);

    // The reply made the older topic the latest; pinning puts the other one first.
    assert_eq!(act(newer, "pin", json!({})).await, 200);
    let (_, home) = app.get_text("/").await;
    assert_eq!(text_of(&home, ".topic-item .topic-title").as_deref(), Some("Chủ đề mới hơn"), "pinned first");
    assert_eq!(act(newer, "move", json!({"category": "infection-control"})).await, 200);
    assert_eq!(get_json(&app, &format!("/api/v1/topics/{newer}"), None).await.1["category"], "infection-control");
    assert_eq!(act(newer, "move", json!({"category": "no-such-category"})).await, 422);
    assert_eq!(act(999_999, "lock", json!({})).await, 404);
    assert_eq!(act(older, "explode", json!({})).await, 404);

    let (_, topic) = get_json(&app, &format!("/api/v1/topics/{older}"), None).await;
    let reply_id = topic["posts"][1]["id"].as_i64().unwrap();
    let (status, _) = post(&app, &format!("/api/v1/moderation/posts/{reply_id}/hide"), Some(&c.mod1), json!({"reason": "Lạc đề"})).await;
    assert_eq!(status, 200);
    let (_, topic) = get_json(&app, &format!("/api/v1/topics/{older}"), None).await;
    assert_eq!(topic["posts"].as_array().unwrap().len(), 1, "the hidden reply is gone for the public");

    let (_, notes) = get_json(&app, "/api/v1/notifications", Some(&c.member)).await;
    assert_eq!((notes[0]["kind"].as_str(), notes[0]["reason"].as_str()), (Some("post_hidden"), Some("Lạc đề")));

    let opening = topic["posts"][0]["id"].as_i64().unwrap();
    let res = app
        .patch_json(&format!("/api/v1/posts/{opening}"), Some(&c.mod1), &json!({"body": "Nội dung đã được điều phối viên rút gọn."}))
        .await;
    assert_eq!(res.status(), 200);
    let (_, own_edit) = post_topic(&app, &c.mod1, &clean_topic("Chủ đề của điều phối viên")).await;
    let own = own_edit["post_id"].as_i64().unwrap();
    app.patch_json(&format!("/api/v1/posts/{own}"), Some(&c.mod1), &json!({"body": "Sửa bài của chính mình."})).await;

    let log = audit(&app, &c.mod1).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["edit", "hide", "move", "pin", "unlock", "lock"], "editing one's own post is not a moderator action");
    assert_eq!(log[0]["after_text"], "Nội dung đã được điều phối viên rút gọn.");
    assert_eq!(act(older, "lock", json!({})).await, 200);
    let (status, _) = post(&app, &format!("/api/v1/moderation/topics/{older}/unlock"), Some(&c.member), json!({})).await;
    assert_eq!(status, 403);
}

async fn duplicate_topics_are_merged_and_posts_deleted_with_a_reason(app: TestApp) {
    let c = cast(&app).await;
    let original = post_topic(&app, &c.member, &clean_topic("Dán nhãn thuốc nguy cơ cao")).await.1["id"].as_i64().unwrap();
    let duplicate = post_topic(&app, &c.member, &clean_topic("Dán nhãn thuốc nguy cơ cao (đăng lại)")).await.1["id"].as_i64().unwrap();
    post(&app, &format!("/api/v1/topics/{duplicate}/posts"), Some(&c.mod1), json!({"body": "Trả lời ở chủ đề trùng."})).await;
    let merge = |from: i64, body: Value| {
        let app = &app;
        let token = c.mod1.clone();
        async move { post(app, &format!("/api/v1/moderation/topics/{from}/merge"), Some(&token), body).await }
    };

    assert_eq!(merge(duplicate, json!({"into": duplicate})).await.0, 422, "not into itself");
    assert_eq!(merge(duplicate, json!({})).await.0, 422, "into is required");
    assert_eq!(merge(duplicate, json!({"into": 999_999})).await.0, 404);
    let (status, body) = merge(duplicate, json!({"into": original, "reason": "Trùng chủ đề"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(public_status(&app, duplicate).await, 404);
    let (_, merged) = get_json(&app, &format!("/api/v1/topics/{original}"), None).await;
    let bodies: Vec<&str> = merged["posts"].as_array().unwrap().iter().map(|p| p["body"].as_str().unwrap()).collect();
    assert_eq!(bodies.len(), 3, "{merged}");
    assert_eq!(bodies[2], "Trả lời ở chủ đề trùng.");

    let reply = merged["posts"][2]["id"].as_i64().unwrap();
    let path = format!("/api/v1/moderation/posts/{reply}/delete");
    assert_eq!(post(&app, &path, Some(&c.mod1), json!({"reason": ""})).await.0, 422, "a deletion needs a reason");
    assert_eq!(post(&app, &path, Some(&c.member), json!({"reason": "Thử"})).await.0, 403);
    assert_eq!(post(&app, &path, Some(&c.mod1), json!({"reason": "Lạc đề"})).await.0, 200);
    assert_eq!(post(&app, &path, Some(&c.mod1), json!({"reason": "Lạc đề"})).await.0, 404, "already deleted");
    let log = audit(&app, &c.mod1).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["delete", "merge"]);
    assert_eq!(log[0]["before_text"], "Trả lời ở chủ đề trùng.");
}

async fn the_audit_log_refuses_update_and_delete(app: TestApp) {
    let c = cast(&app).await;
    let (_, item) = held_topic(&app, &c).await;
    decide(&app, &c.mod1, item, "approve", "Ổn").await;

    let (update, delete) = if app.backend == "sqlite" {
        let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
        let u = sqlx::query("UPDATE audit_log SET reason = 'sửa'").execute(&pool).await;
        let d = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
        (u.map(|_| ()), d.map(|_| ()))
    } else {
        let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
        let u = sqlx::query("UPDATE audit_log SET reason = 'sửa'").execute(&pool).await;
        let d = sqlx::query("DELETE FROM audit_log").execute(&pool).await;
        (u.map(|_| ()), d.map(|_| ()))
    };
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    let log = audit(&app, &c.mod1).await;
    assert_eq!((log.len(), log[0]["reason"].as_str()), (1, Some("Ổn")));
}

async fn the_audit_log_page_and_csv_are_for_moderators(app: TestApp) {
    let c = cast(&app).await;
    let (_, item) = held_topic(&app, &c).await;
    decide(&app, &c.mod1, item, "reject", "=cmd|' /C calc'!A0").await;

    let moderator = browser(&app, "minh@bv.vn").await;
    let (status, html) = page(&app, &moderator, "/mod/audit").await;
    assert_eq!(status, 200);
    // The action in words, the post's title linking to it (not "queue_item #1").
    assert_eq!(text_of(&html, ".audit-row .audit-action").as_deref(), Some("Từ chối bài"));
    assert_eq!(text_of(&html, ".audit-row .audit-item a").as_deref(), Some("Nhầm thuốc ở khoa Nội"));
    assert!(crate::common::attr_of(&html, ".audit-row .audit-item a", "href").unwrap().starts_with("/t/"));
    let res = moderator.0.get(app.url("/mod/audit.csv")).send().await.unwrap();
    assert_eq!(res.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    let csv = res.text().await.unwrap();
    assert!(csv.starts_with("id,at,actor_id,actor,action"), "{csv}");
    assert!(csv.contains("\"Trần Văn Minh\",\"reject\""), "{csv}");
    assert!(csv.contains("\"'=cmd"), "a formula is neutralised: {csv}");

    let member = browser(&app, "lan@bv.vn").await;
    assert_eq!(page(&app, &member, "/mod/audit").await.0, 403);
    assert_eq!(member.0.get(app.url("/mod/audit.csv")).send().await.unwrap().status(), 403);
    assert_eq!(get_json(&app, "/api/v1/moderation/audit", Some(&c.member)).await.0, 403);
}

async fn the_queue_page_works_without_javascript(app: TestApp) {
    let c = cast(&app).await;
    let (topic, item) = held_topic(&app, &c).await;
    let moderator = browser(&app, "minh@bv.vn").await;

    let (status, html) = page(&app, &moderator, "/mod/queue").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, ".queue-item mark").as_deref(), Some(CITIZEN_ID));
    assert!(text_of(&html, ".reason-patient_data").unwrap().contains("thông tin nhận dạng người bệnh"));
    let res = form(&app, &moderator, &format!("/mod/queue/{item}/reject"), &[("reason", &"ý".repeat(501))]).await;
    assert_eq!(res.status(), 422, "a long reason is refused on the page too");
    let res =
        form(&app, &moderator, &format!("/mod/queue/{item}/edit_approve"), &[("reason", "Đã xoá số"), ("body", "Số CCCD đã được xoá.")])
            .await;
    assert_eq!(res.status(), 303);
    let (_, published) = get_json(&app, &format!("/api/v1/topics/{topic}"), None).await;
    assert_eq!(published["posts"][0]["body"], "Số CCCD đã được xoá.");
    let log = audit(&app, &c.mod1).await;
    assert_eq!(log[0]["action"], "edit_approve");
    assert!(log[0]["before_text"].as_str().unwrap().contains(CITIZEN_ID));
    assert_eq!(log[0]["after_text"], "Số CCCD đã được xoá.");

    let second = browser(&app, "hoa@bv.vn").await;
    let res = form(&app, &second, &format!("/mod/queue/{item}/approve"), &[("reason", "")]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("Trần Văn Minh"), "the page names who handled it");
    let member = browser(&app, "lan@bv.vn").await;
    assert_eq!(page(&app, &member, "/mod/queue").await.0, 403);
}

// ---------------------------------------------------------------------------------------------
// Anonymous case studies

const SECRET_NAME: &str = "Hoàng Bí Mật";

async fn an_anonymous_case_study_never_shows_its_author(app: TestApp) {
    let author = app.token_for("bimat@bv.vn", SECRET_NAME, Role::Member).await;
    let moderator = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    let mut study = json!({
        "category": "medication-safety", "kind": "case_study", "title": "Sự cố nhầm thuốc ở khoa Hồi sức",
        "sections": {"context": "Ca đêm có hai điều dưỡng. Khoa báo cáo theo Thông tư 43/2018/TT-BYT.", "problem": "Tiêm nhầm thuốc giữa hai giường.",
                     "causes": "Không đối chiếu.", "intervention": "Đối chiếu hai thông tin.", "results": "Không tái diễn.",
                     "lessons": "Luôn đối chiếu."},
        "anonymous": {"hospital_tier": "basic", "province": "01"}
    });
    let (status, created) = post_topic(&app, &author, &study).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, reply) = post(&app, &format!("/api/v1/topics/{id}/posts"), Some(&author), json!({"body": "Bổ sung: đã tập huấn lại."})).await;
    assert_eq!(reply["status"], "published");

    let (_, html) = app.get_text(&format!("/t/{id}")).await;
    assert!(!html.contains(SECRET_NAME) && !html.contains("bimat"), "the topic page hides the author");
    assert_eq!(text_of(&html, ".author.anonymous").as_deref(), Some("Ẩn danh · Cấp cơ bản · Thành phố Hà Nội"));
    let (_, api) = get_json(&app, &format!("/api/v1/topics/{id}"), None).await;
    assert!(!api.to_string().contains(SECRET_NAME), "{api}");
    assert_eq!(api["posts"][0]["author"], "Ẩn danh");
    let (_, home) = app.get_text("/").await;
    assert!(!home.contains(SECRET_NAME));
    let author_id = user_id(&app, "bimat@bv.vn").await;
    let (_, profile) = app.get_text(&format!("/u/{author_id}")).await;
    assert!(!profile.contains("Sự cố nhầm thuốc"), "the profile does not list it");
    let post_id = created["post_id"].as_i64().unwrap();
    let (_, revisions) = app.get_text(&format!("/posts/{post_id}/revisions")).await;
    assert!(!revisions.contains(SECRET_NAME), "nor do revisions");

    // Nor does the guidance page that lists the practices citing the circular.
    let (_, guidance) = app.get_text("/guidance/43-2018-TT-BYT").await;
    assert!(guidance.contains("Sự cố nhầm thuốc ở khoa Hồi sức"), "the case study is listed as citing it");
    assert!(!guidance.contains(SECRET_NAME) && !guidance.contains(&format!("/u/{author_id}\"")), "{guidance}");

    let found = search_until(&app, "nhầm thuốc hồi sức", |r| r["total"].as_u64() == Some(1)).await;
    assert!(!found.to_string().contains(SECRET_NAME), "{found}");
    let by_author = search_until(&app, &format!("author:\"{SECRET_NAME}\""), |_| true).await;
    assert_eq!(by_author["total"], 0, "{by_author}");

    let (_, seen_by_moderator) = get_json(&app, &format!("/api/v1/topics/{id}"), Some(&moderator)).await;
    assert_eq!(seen_by_moderator["posts"][0]["author"], SECRET_NAME, "moderators see who wrote it");

    study["kind"] = json!("discussion");
    study["body"] = json!("Thảo luận");
    assert_eq!(post_topic(&app, &author, &study).await.0, 422, "only case studies can be anonymous");
    study["kind"] = json!("case_study");
    study["anonymous"]["hospital_tier"] = json!("village");
    assert_eq!(post_topic(&app, &author, &study).await.0, 422);
}

async fn search_until(app: &TestApp, q: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    let query: String = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", q).finish();
    loop {
        let (status, json) = get_json(app, &format!("/api/v1/search?{query}"), None).await;
        if status == 200 && done(&json) {
            return json;
        }
        assert!(Instant::now() < deadline, "search {q:?}: {status} {json}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
