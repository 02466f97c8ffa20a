//! The pages and the API send what a member writes through one pipeline (`posting::pipeline`):
//! the same text held by the same checks waits in the review queue the same way whichever way
//! it came, and a moderator's edit of someone else's post is audited the same way. Both
//! databases.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";
const TITLE: &str = "Nhầm thuốc ở khoa Nội";
/// A 12-digit citizen ID: the patient-data check holds the text for review.
const HELD_BODY: &str = "Số CCCD 001204012345 ghi trên phiếu lĩnh thuốc bị nhầm.";
const CLEAN_BODY: &str = "Khoa tôi dán nhãn đỏ cho kali clorid đậm đặc và kiểm tra chéo trước khi pha.";

on_both_databases!(
    a_held_topic_and_reply_wait_in_the_queue_the_same_way_from_the_form_and_the_api,
    a_moderators_edit_is_audited_the_same_way_from_the_form_and_the_api,
);

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let res = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.unwrap()
}

/// What a queue entry says about a held text, without what differs by nature (ids, times).
fn queue_entry(item: &Value) -> Value {
    json!([item["kind"], item["state"], item["author"], item["topic_title"], item["reasons"], item["highlighted_html"]])
}

/// What an audit entry says, without ids and times.
fn audit_entry(entry: &Value) -> Value {
    json!([entry["actor"], entry["action"], entry["item_type"], entry["reason"], entry["before_text"], entry["after_text"]])
}

/// The open queue's entries for the given posts, in that order.
async fn entries_for(app: &TestApp, moderator: &str, posts: [i64; 2]) -> Vec<Value> {
    let queue = get_json(app, "/api/v1/moderation/queue", moderator).await;
    let items = queue.as_array().unwrap();
    posts.iter().map(|p| items.iter().find(|i| i["post_id"] == *p).unwrap_or_else(|| panic!("post {p} queued: {queue}")).clone()).collect()
}

/// The id of the topic a form's redirect names (`/t/7`, `/t/7?page=1#post-9`), and the post
/// after `#post-` when there is one.
fn redirected_to(res: &reqwest::Response) -> (i64, Option<i64>) {
    assert_eq!(res.status(), 303, "the form is accepted");
    let location = res.headers()["location"].to_str().unwrap();
    let rest = location.strip_prefix("/t/").unwrap();
    let topic = rest.split(['?', '#']).next().unwrap().parse().unwrap();
    let post = location.split_once("#post-").map(|(_, p)| p.parse().unwrap());
    (topic, post)
}

async fn opening_post(app: &TestApp, topic: i64) -> i64 {
    app.store.topic_posts(topic, 1, 0).await.unwrap()[0].id
}

async fn a_held_topic_and_reply_wait_in_the_queue_the_same_way_from_the_form_and_the_api(app: TestApp) {
    // Arrange: a member with a token who is also signed in in the browser; a clean topic to reply to.
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let moderator = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    assert_eq!(app.login("lan@bv.vn", PASSWORD).await.status(), 303);
    let open =
        app.api_topic(&member, json!({"category": CATEGORY, "kind": "discussion", "title": "Dán nhãn kali", "body": CLEAN_BODY})).await;

    // Act: the same topic and the same reply, once through the API and once through the forms.
    let topic = json!({"category": CATEGORY, "kind": "discussion", "title": TITLE, "body": HELD_BODY});
    let res = app.post_json("/api/v1/topics", Some(&member), &topic).await;
    let api_topic: Value = res.json().await.unwrap();
    assert_eq!(api_topic["status"], "pending", "{api_topic}");
    let fields = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", HELD_BODY), ("tags", "")];
    let (form_topic, _) = redirected_to(&app.post_form("/new", &fields).await);
    let res = app.post_json(&format!("/api/v1/topics/{open}/posts"), Some(&member), &json!({"body": HELD_BODY})).await;
    let api_reply: Value = res.json().await.unwrap();
    assert_eq!(api_reply["status"], "pending", "{api_reply}");
    let (_, form_reply) = redirected_to(&app.post_form(&format!("/t/{open}/reply"), &[("body", HELD_BODY)]).await);

    // Assert: four held texts, and each pair reads the same in the moderators' queue.
    let api_opening = opening_post(&app, api_topic["id"].as_i64().unwrap()).await;
    let topics = entries_for(&app, &moderator, [api_opening, opening_post(&app, form_topic).await]).await;
    assert_eq!(topics[0]["reasons"][0]["code"], "patient_data", "{}", topics[0]);
    assert_eq!(queue_entry(&topics[0]), queue_entry(&topics[1]));
    let replies = entries_for(&app, &moderator, [api_reply["id"].as_i64().unwrap(), form_reply.expect("the post in the redirect")]).await;
    assert_eq!(replies[0]["kind"], "held_post", "{}", replies[0]);
    assert_eq!(queue_entry(&replies[0]), queue_entry(&replies[1]));
    let public = app.get(&format!("/api/v1/topics/{form_topic}")).await;
    assert_eq!(public.status(), 404, "a held topic from the form is not admitted to exist either");
}

async fn a_moderators_edit_is_audited_the_same_way_from_the_form_and_the_api(app: TestApp) {
    // Arrange: two published topics by a member; a moderator with a token and a browser session.
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let moderator = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    assert_eq!(app.login("minh@bv.vn", PASSWORD).await.status(), 303);
    let topic = |title: &str| json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": CLEAN_BODY});
    let first = opening_post(&app, app.api_topic(&member, topic("Dán nhãn kali")).await).await;
    let second = opening_post(&app, app.api_topic(&member, topic("Kiểm tra chéo")).await).await;
    let edited = "Khoa tôi dán nhãn đỏ cho kali clorid đậm đặc.";

    // Act: the same change to each, once through the API and once through the edit form.
    let res = app.patch_json(&format!("/api/v1/posts/{first}"), Some(&moderator), &json!({"body": edited})).await;
    assert_eq!(res.status(), 200);
    let res = app.post_form(&format!("/posts/{second}/edit"), &[("title", "Kiểm tra chéo"), ("body", edited)]).await;
    assert_eq!(res.status(), 303, "the edit form is accepted");

    // Assert: two audit entries that say the same, and both posts show the new text.
    let log = get_json(&app, "/api/v1/moderation/audit", &moderator).await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    let entry = |post: i64| log.iter().find(|e| e["item_id"] == post).unwrap_or_else(|| panic!("edit of {post} audited: {log:?}"));
    assert_eq!(audit_entry(entry(first)), json!(["Trần Văn Minh", "edit", "post", "", CLEAN_BODY, edited]));
    assert_eq!(audit_entry(entry(first)), audit_entry(entry(second)));
    for post in [first, second] {
        assert_eq!(app.store.post(post).await.unwrap().body, edited);
    }
}
