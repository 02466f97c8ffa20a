//! Signed-out readers are served from the page cache, and it never shows them what they must
//! not see: a post hidden a moment ago, someone else's page, or someone else's CSRF token.
//! `ETag`/`Last-Modified` let browsers revalidate with a `304`. On both databases.

use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde_json::json;

use crate::common::{TestApp, cookie_value};
use goodpractice::accounts::Role;
use goodpractice::store::TopicAction;

const SECRET_REPLY: &str = "Bệnh nhân giường 12 cần theo dõi sát chỉ số đường huyết";

async fn topic_with_reply(app: &TestApp, member: &str) -> (i64, i64) {
    let topic = app
        .api_topic(
            member,
            json!({"kind": "discussion", "title": "Theo dõi đường huyết mao mạch ban đêm",
        "body": "Khoa Nội tiết chia sẻ quy trình đo đường huyết lúc 3 giờ sáng.", "category": "medication-safety"}),
        )
        .await;
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(member), &json!({"body": SECRET_REPLY})).await;
    assert_eq!(res.status(), 201);
    let reply = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap();
    (topic, reply)
}

/// An anonymous browser of its own (no cookies yet).
async fn anonymous_text(app: &TestApp, path: &str) -> String {
    let (client, _) = app.second_browser();
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.text().await.unwrap()
}

async fn a_hidden_post_is_gone_from_the_next_anonymous_request(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let moderator = app.token_for("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    let (topic, reply) = topic_with_reply(&app, &member).await;
    let path = format!("/t/{topic}");

    // Seen twice, so the second came from the cache (same validator).
    let first = app.get(&path).await;
    let etag = first.headers().get(ETAG).expect("an ETag").clone();
    assert!(first.text().await.unwrap().contains(SECRET_REPLY));
    let again = app.get(&path).await;
    assert_eq!(again.headers().get(ETAG), Some(&etag), "served from the cache");
    assert!(again.text().await.unwrap().contains(SECRET_REPLY));

    let res = app
        .post_json(&format!("/api/v1/moderation/posts/{reply}/hide"), Some(&moderator), &json!({"reason": "Lộ thông tin người bệnh"}))
        .await;
    assert_eq!(res.status(), 200, "hidden");
    let after = app.get(&path).await;
    assert_ne!(after.headers().get(ETAG), Some(&etag), "a new page after the change");
    assert!(!after.text().await.unwrap().contains(SECRET_REPLY), "the hidden reply is gone at once");
    assert!(!anonymous_text(&app, &path).await.contains(SECRET_REPLY), "for every reader");
}

async fn a_change_made_by_another_process_reaches_the_cache_through_the_change_log(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let moderator = app.create_user("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    let (topic, reply) = topic_with_reply(&app, &member).await;
    let path = format!("/t/{topic}");
    assert!(anonymous_text(&app, &path).await.contains(SECRET_REPLY));
    assert!(anonymous_text(&app, &path).await.contains(SECRET_REPLY));

    // Written straight to the database, as another server or `goodpractice import` would.
    let action = TopicAction {
        actor_id: moderator,
        action: "hide",
        item_type: "post",
        item_id: reply,
        reason: "Lộ thông tin người bệnh",
        before: None,
        after: None,
    };
    app.store.set_post_status_audited(reply, "rejected", &action, "post_hidden").await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        if !anonymous_text(&app, &path).await.contains(SECRET_REPLY) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the change log emptied the cache within seconds");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// Every CSRF token in a page's forms.
fn tokens_in(html: &str) -> Vec<String> {
    html.match_indices("name=\"csrf\" value=\"")
        .map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

async fn nobody_gets_another_readers_page_or_token(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (topic, _) = topic_with_reply(&app, &member).await;
    app.create_user("hoa@bv.vn", "Phạm Thị Hoa", Role::Member).await;

    for path in ["/".to_string(), format!("/t/{topic}"), "/c/medication-safety".to_string(), "/guidance/43-2018-TT-BYT".to_string()] {
        // Two signed-out browsers, one after the other (the second is served from the cache).
        let (first, first_jar) = app.second_browser();
        let (second, second_jar) = app.second_browser();
        let first_html = first.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        let second_html = second.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
        let first_token = cookie_value(&first_jar, &app.base, "gp_csrf").expect("a token cookie");
        let second_token = cookie_value(&second_jar, &app.base, "gp_csrf").expect("a token cookie");
        assert_ne!(first_token, second_token);
        assert!(tokens_in(&first_html).iter().all(|t| *t == first_token), "{path}: the first reader's own token");
        assert!(tokens_in(&second_html).iter().all(|t| *t == second_token), "{path}: the second reader's own token");
        assert!(!second_html.contains(&first_token), "{path}: never another reader's token");

        // A signed-in reader gets their own page, never the kept one, and the kept one never theirs.
        let res = app.login("hoa@bv.vn", crate::common::PASSWORD).await;
        assert_eq!(res.status(), 303);
        let signed_in = app.get(&path).await;
        assert!(signed_in.headers().get(ETAG).is_none(), "{path}: a signed-in page is not from the cache");
        assert!(signed_in.text().await.unwrap().contains("Phạm Thị Hoa"), "{path}: the signed-in header");
        assert!(!anonymous_text(&app, &path).await.contains("Phạm Thị Hoa"), "{path}: no signed-in page kept");
        let res = app.post_form("/logout", &[]).await;
        assert!(res.status().is_redirection());
    }
}

async fn browsers_revalidate_with_304(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (topic, _) = topic_with_reply(&app, &member).await;
    let path = format!("/t/{topic}");
    let (browser, _) = app.second_browser();
    let first = browser.get(app.url(&path)).send().await.unwrap();
    let etag = first.headers().get(ETAG).expect("an ETag").to_str().unwrap().to_string();
    let modified = first.headers().get(LAST_MODIFIED).expect("a Last-Modified").to_str().unwrap().to_string();

    let by_tag = browser.get(app.url(&path)).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(by_tag.status(), 304);
    assert!(by_tag.bytes().await.unwrap().is_empty());
    let by_date = browser.get(app.url(&path)).header(IF_MODIFIED_SINCE, &modified).send().await.unwrap();
    assert_eq!(by_date.status(), 304);

    // A new reply changes the page: the old validator no longer matches.
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&member), &json!({"body": "Đã áp dụng tại khoa tôi."})).await;
    assert_eq!(res.status(), 201);
    let changed = browser.get(app.url(&path)).header(IF_NONE_MATCH, &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert!(changed.text().await.unwrap().contains("Đã áp dụng tại khoa tôi."));
}

/// When a signed-out reader's copy of `path` was made (the kept page's `Last-Modified`).
async fn kept_since(app: &TestApp, path: &str) -> String {
    let (client, _) = app.second_browser();
    let res = client.get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    res.headers().get(LAST_MODIFIED).expect("a Last-Modified").to_str().unwrap().to_string()
}

/// Drafts saved as people type, previews and bookmarks change nothing signed-out readers see,
/// so they leave the kept pages alone (a busy forum would otherwise empty the cache all day);
/// a reply still renews the page.
async fn private_writes_keep_the_cache_and_public_ones_renew_it(app: TestApp) {
    let member = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (topic, reply) = topic_with_reply(&app, &member).await;
    let path = format!("/t/{topic}");
    // The change-log follower (every second) sees the new topic once and empties the cache.
    let follower_tick = std::time::Duration::from_millis(1_200);
    tokio::time::sleep(follower_tick).await;
    let kept = kept_since(&app, &path).await;

    let put = |path: String, body: serde_json::Value| app.client.put(app.url(&path)).bearer_auth(&member).json(&body).send();
    let bookmark = put(format!("/api/v1/posts/{reply}/bookmark"), json!({})).await.unwrap();
    assert!(bookmark.status().is_success(), "bookmarked: {}", bookmark.status());
    let preview = app.post_json("/api/v1/preview", Some(&member), &json!({"body": "Đang viết dở: đo đường huyết lúc 3 giờ sáng"})).await;
    assert_eq!(preview.status(), 200, "previewed");
    let draft =
        put("/api/v1/drafts".into(), json!({"scope": format!("reply:{topic}"), "fields": {"body": "Khoa tôi cũng đo lúc"}})).await.unwrap();
    assert!(draft.status().is_success(), "draft saved: {}", draft.status());
    // Long enough for the follower to notice a change had any of them logged one, and past the
    // second of `kept`, so a page rendered again would say a later time.
    tokio::time::sleep(follower_tick).await;
    assert_eq!(kept_since(&app, &path).await, kept, "the same kept page after private writes");

    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&member), &json!({"body": "Đã áp dụng tại khoa tôi."})).await;
    assert_eq!(res.status(), 201);
    assert_ne!(kept_since(&app, &path).await, kept, "a reply renews the page");
}

crate::on_both_databases!(
    private_writes_keep_the_cache_and_public_ones_renew_it,
    a_hidden_post_is_gone_from_the_next_anonymous_request,
    a_change_made_by_another_process_reaches_the_cache_through_the_change_log,
    nobody_gets_another_readers_page_or_token,
    browsers_revalidate_with_304,
);
