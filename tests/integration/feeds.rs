//! Atom feeds of the latest topics, per category and per tag, read by a real feed parser:
//! valid Atom with ids, titles, `updated`, self links and authors; only what the public may see.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, count};
use crate::on_both_databases;

const SECRET_NAME: &str = "Đỗ Thị Kín";

async fn parse(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"), "{path}");
    let bytes = res.bytes().await.unwrap();
    assert!(!String::from_utf8_lossy(&bytes).contains(SECRET_NAME), "{path} names the anonymous author");
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{path} is not a valid feed: {e}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect()
}

fn fall_practice() -> Value {
    json!({"category": "fall-prevention", "kind": "good_practice", "title": "Biển cảnh báo té ngã đầu giường",
           "summary": "Dán biển cảnh báo cho người bệnh nguy cơ cao.", "body": "Khoa Nội làm từ năm 2024.", "tags": ["té ngã"]})
}

async fn feeds_list_what_is_published_with_authors_and_links(app: TestApp) {
    let member = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let fall = app.api_topic(&member, fall_practice()).await;
    let secret = app.token_for("kin@bv.vn", SECRET_NAME, Role::Member).await;
    app.api_topic(
        &secret,
        json!({"category": "medication-safety", "kind": "case_study", "title": "Nhầm thuốc giữa hai giường",
        "sections": {"context": "Ca đêm.", "problem": "Nhầm thuốc.", "causes": "Không đối chiếu.", "intervention": "Đối chiếu.",
                     "results": "Không tái diễn.", "lessons": "Luôn đối chiếu."},
        "anonymous": {"hospital_tier": "district", "province": "01"}}),
    )
    .await;
    // Held for review (a citizen ID number): nobody but moderators and its author sees it.
    let res = app
        .post_json(
            "/api/v1/topics",
            Some(&member),
            &json!({"category": "communication", "kind": "discussion",
        "title": "Bàn giao ca có giấy tờ", "body": "Người bệnh CCCD 001203004567 chuyển khoa."}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");

    let latest = parse(&app, "/feed.atom").await;
    assert_eq!(latest.feed_type, feed_rs::model::FeedType::Atom);
    assert!(latest.title.as_ref().unwrap().content.starts_with("Chủ đề mới nhất"));
    assert!(latest.updated.is_some());
    assert!(latest.links.iter().any(|l| l.rel.as_deref() == Some("self") && l.href.ends_with("/feed.atom")));
    let shown = titles(&latest);
    assert!(shown.contains(&"Biển cảnh báo té ngã đầu giường".to_string()), "{shown:?}");
    assert!(!shown.contains(&"Bàn giao ca có giấy tờ".to_string()), "a held topic is not in the feed");
    let fall_entry = latest.entries.iter().find(|e| e.id.ends_with(&format!("/t/{fall}"))).expect("the practice's entry");
    assert_eq!(fall_entry.authors[0].name, "Nguyễn Thị Lan");
    assert_eq!(fall_entry.summary.as_ref().unwrap().content, "Dán biển cảnh báo cho người bệnh nguy cơ cao.");
    let anonymous = latest.entries.iter().find(|e| e.title.as_ref().unwrap().content == "Nhầm thuốc giữa hai giường").unwrap();
    assert_eq!(anonymous.authors[0].name, "Ẩn danh");
    assert!(anonymous.authors[0].uri.is_none());

    let category = parse(&app, "/c/fall-prevention/feed.atom").await;
    assert_eq!(titles(&category), ["Biển cảnh báo té ngã đầu giường"]);
    assert!(category.id.ends_with("/c/fall-prevention"), "{}", category.id);
    let tag = parse(&app, "/tag/te-nga/feed.atom").await;
    assert_eq!(titles(&tag), ["Biển cảnh báo té ngã đầu giường"]);

    assert_eq!(app.get("/c/khong-co/feed.atom").await.status(), 404);
    assert_eq!(app.get("/tag/khong-ai-dung/feed.atom").await.status(), 404);
    let (_, home) = app.get_text("/").await;
    assert_eq!(count(&home, r#"link[rel=alternate][type="application/atom+xml"][href="/feed.atom"]"#), 1, "readers can discover it");
    let (_, page) = app.get_text("/c/fall-prevention").await;
    assert_eq!(count(&page, r#".feed-link a[href="/c/fall-prevention/feed.atom"]"#), 1);
}

on_both_databases!(feeds_list_what_is_published_with_authors_and_links);
