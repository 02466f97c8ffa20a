//! Tags keep the words people typed: "kiểm tra chéo" shows as typed on the topic's chips, the tag
//! page, the tag feed and in the API, while the slug "kiem-tra-cheo" stays its URL and the key
//! searches match, typed with or without diacritics. Imports go through the same tag code.

use std::time::{Duration, Instant};

use goodpractice::accounts::Role;
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::common::{TestApp, attr_of, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";

async fn topic_with_tags(app: &TestApp, token: &str, title: &str, tags: &[&str]) -> i64 {
    let body = "Hai điều dưỡng cùng kiểm tra thuốc nguy cơ cao trước khi dùng cho người bệnh.";
    app.api_topic(token, json!({"category": CATEGORY, "kind": "good_practice", "title": title, "summary": "Kiểm tra chéo thuốc nguy cơ cao.", "body": body, "tags": tags})).await
}

async fn api_topic(app: &TestApp, id: i64) -> Value {
    app.get(&format!("/api/v1/topics/{id}")).await.json().await.unwrap()
}

/// Searches the API until it finds `id` (the indexer follows the change log a few times a second).
async fn search_finds(app: &TestApp, query: &str, id: i64) {
    let url = format!("/api/v1/search?{}", url::form_urlencoded::Serializer::new(String::new()).append_pair("q", query).finish());
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let json: Value = app.get(&url).await.json().await.unwrap();
        let hits: Vec<i64> = json["hits"].as_array().map(|h| h.iter().filter_map(|h| h["topic_id"].as_i64()).collect()).unwrap_or_default();
        if hits.contains(&id) {
            return;
        }
        assert!(Instant::now() < deadline, "{query:?} did not find topic {id}: {json}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Typed with diacritics (and decomposed, as phones send it): shown so everywhere, linked and
/// matched by slug; a later spelling without diacritics joins the same tag and keeps its label.
async fn a_tag_shows_as_first_typed(app: TestApp) {
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let typed: String = "Kiểm tra chéo".nfd().collect();
    let first = topic_with_tags(&app, &token, "Kiểm tra chéo thuốc nguy cơ cao", &[&typed, "#an toàn người bệnh"]).await;
    let second = topic_with_tags(&app, &token, "Kiem tra cheo o khoa Noi", &["kiem tra cheo"]).await;

    let (_, page) = app.get_text(&format!("/t/{second}")).await;
    assert_eq!(text_of(&page, "a.tag[href=\"/tag/kiem-tra-cheo\"]").as_deref(), Some("#Kiểm tra chéo"));
    let typed = app.get("/tag/Ki%E1%BB%83m%20tra%20ch%C3%A9o").await;
    assert_eq!(
        (typed.status().as_u16(), typed.headers()["location"].to_str().unwrap()),
        (308, "/tag/kiem-tra-cheo"),
        "words typed in the address"
    );
    let (status, tag_page) = app.get_text("/tag/kiem-tra-cheo").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&tag_page, "main h1").as_deref(), Some("#Kiểm tra chéo"));
    assert!(text_of(&tag_page, "head > title").unwrap().starts_with("#Kiểm tra chéo"));

    let json = api_topic(&app, first).await;
    assert_eq!(json["tags"], json!(["an-toan-nguoi-benh", "kiem-tra-cheo"]), "slugs stay as they were");
    assert_eq!(json["tag_labels"], json!(["an toàn người bệnh", "Kiểm tra chéo"]));
    assert_eq!(api_topic(&app, second).await["tag_labels"], json!(["Kiểm tra chéo"]));

    let bytes = app.get("/tag/kiem-tra-cheo/feed.atom").await.bytes().await.unwrap();
    let feed = feed_rs::parser::parse(&bytes[..]).unwrap();
    assert!(feed.title.unwrap().content.contains("#Kiểm tra chéo"));
    let labels: Vec<Option<String>> = feed.entries[0].categories.iter().map(|c| c.label.clone()).collect();
    assert!(labels.contains(&Some("Kiểm tra chéo".to_string())), "{labels:?}");

    for query in ["tag:kiem-tra-cheo", "tag:kiểm-tra-chéo", "tag:Kiểm-Tra-Chéo"] {
        search_finds(&app, query, first).await;
    }
    let (_, results) = app.get_text("/search?tag=kiem-tra-cheo").await;
    assert!(text_of(&results, "a.tag").unwrap().contains("#Kiểm tra chéo"), "the chosen tag filter reads as typed");
    let (_, results) = app.get_text("/search?q=thu%E1%BB%91c").await;
    assert!(results.contains("#Kiểm tra chéo") && !results.contains("#kiem-tra-cheo"), "tag facets read as typed");
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    assert!(doc.to_string().contains("tag_labels"), "the API document describes tag_labels");
}

/// A tag first typed as a bare slug (as every tag from before labels is) takes the first label
/// someone types with more than the slug; after that the label stays.
async fn a_slug_only_tag_takes_the_first_real_label(app: TestApp) {
    let token = app.token_for("hoa@bvchoray.vn", "Trần Thị Hoa", Role::Member).await;
    let old = topic_with_tags(&app, &token, "Phong ngua te nga", &["te-nga"]).await;
    assert_eq!(api_topic(&app, old).await["tag_labels"], json!(["te-nga"]));

    topic_with_tags(&app, &token, "Phòng ngừa té ngã ban đêm", &["Té ngã"]).await;
    topic_with_tags(&app, &token, "Té ngã ở người cao tuổi", &["té  NGÃ"]).await;

    assert_eq!(api_topic(&app, old).await["tag_labels"], json!(["Té ngã"]));
    let (_, page) = app.get_text(&format!("/t/{old}")).await;
    assert_eq!(attr_of(&page, "a.tag", "href").as_deref(), Some("/tag/te-nga"));
    assert_eq!(text_of(&page, "a.tag").as_deref(), Some("#Té ngã"));
}

/// `import jsonl` goes through the same tag code: the label as written in the file.
async fn imported_tags_keep_their_labels(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nhom-cu.jsonl");
    let line = json!({"source_id": "fb-1", "title": "Bàn giao ca bằng bảng kiểm", "body": "Khoa Hồi sức dùng bảng kiểm khi bàn giao ca.",
        "category": CATEGORY, "tags": ["Bàn giao ca"]});
    std::fs::write(&file, format!("{line}\n")).unwrap();
    let source = goodpractice::import::jsonl::Source::open(&file).unwrap();
    let options = goodpractice::import::Options { default_category: CATEGORY.to_string() };
    goodpractice::import::jsonl::import(&app.store, source, options).await.unwrap();

    let (status, tag_page) = app.get_text("/tag/ban-giao-ca").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&tag_page, "main h1").as_deref(), Some("#Bàn giao ca"));
}

on_both_databases!(a_tag_shows_as_first_typed, a_slug_only_tag_takes_the_first_real_label, imported_tags_keep_their_labels);
