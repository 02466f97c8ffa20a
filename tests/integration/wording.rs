//! The words a reader sees, on both databases: counts in the right plural form in English, one
//! Vietnamese word for moderator, no "New New reply", guidance dates day first on Vietnamese
//! pages and typed either way, an impossible date named with everything typed kept, and a
//! document saved without a display number shown by its number.

use goodpractice::accounts::Role;
use serde_json::json;

use crate::common::{TestApp, count, field, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";

fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

async fn topic_with_replies(app: &TestApp, token: &str, title: &str, replies: usize) -> i64 {
    let body = json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": "Khoa chúng tôi dán nhãn thuốc nguy cơ cao."});
    let topic = app.api_topic(token, body).await;
    for i in 0..replies {
        let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(token), &json!({"body": format!("Trả lời số {i}.")})).await;
        assert!(res.status().is_success(), "reply: {}", res.status());
    }
    topic
}

/// The topic list counts replies as English speaks ("1 reply", "0 replies") and Vietnamese
/// ("1 trả lời").
async fn reply_counts_take_the_plural_form(app: TestApp) {
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    for (title, replies) in [("Không trả lời nào", 0), ("Một trả lời", 1), ("Hai trả lời", 2)] {
        topic_with_replies(&app, &token, title, replies).await;
    }
    let (_, vi) = app.get_text("/").await;
    let meta = texts(&vi, "li.topic-item .meta");
    assert!(meta.iter().any(|m| m.contains("1 trả lời")), "{meta:?}");

    app.get("/lang/en?next=/").await;
    let (_, en) = app.get_text("/").await;
    let meta = texts(&en, "li.topic-item .meta").join(" | ");
    for wanted in ["0 replies", "1 reply ·", "2 replies"] {
        assert!(meta.contains(wanted), "{wanted} in {meta}");
    }
    assert!(!meta.contains("1 replies"), "{meta}");
}

/// A notification reads "Unread · New reply in your topic", never "New New reply".
async fn an_unread_reply_is_not_new_twice(app: TestApp) {
    let author = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let topic = topic_with_replies(&app, &author, "Dán nhãn thuốc nguy cơ cao", 0).await;
    let other = app.token_for("minh@bvcr.vn", "Trần Văn Minh", Role::Member).await;
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&other), &json!({"body": "Cảm ơn chị."})).await;
    assert!(res.status().is_success());
    app.login("lan@bvbachmai.vn", crate::common::PASSWORD).await;
    app.get("/lang/en?next=/").await;
    let (_, html) = app.get_text("/notifications").await;
    let item = text_of(&html, "li.notification.unread").expect("an unread notification");
    assert!(item.starts_with("Unread New reply in your topic"), "{item}");
    assert!(!item.contains("New New"), "{item}");
    app.get("/lang/vi?next=/").await;
    let (_, html) = app.get_text("/notifications").await;
    assert!(text_of(&html, "li.notification.unread").unwrap().starts_with("Chưa đọc Có trả lời mới"), "{html}");
}

/// Moderators are "điều hành viên" everywhere: the Vietnamese catalog has no other word, and a
/// member's flag is answered with it.
async fn moderators_have_one_name(app: TestApp) {
    let catalog = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/web/i18n/vi.toml")).unwrap();
    for other in ["điều phối viên", "người điều hành", "Nhật ký điều phối"] {
        assert!(!catalog.contains(other), "{other} is still in vi.toml");
    }
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let topic = topic_with_replies(&app, &token, "Dán nhãn thuốc nguy cơ cao", 0).await;
    app.signup("minh@bvcr.vn", "Trần Văn Minh").await;
    let (_, page) = app.get_text(&format!("/t/{topic}")).await;
    assert!(page.contains("điều hành viên"), "the flag form names moderators");
    assert!(!page.contains("điều phối viên"));
}

fn guidance_fields<'a>(display: &'a str, issued: &'a str, effective: &'a str) -> Vec<(&'static str, &'a str)> {
    vec![
        ("number", "31/2021/TT-BYT"),
        ("display_number", display),
        ("kind", "circular"),
        ("issuer", "Bộ Y tế"),
        ("title_vi", "Quy định hoạt động điều dưỡng trong bệnh viện"),
        ("title_en", ""),
        ("issued_on", issued),
        ("effective_on", effective),
        ("status", "in_force"),
        ("official_url", ""),
        ("summary", ""),
        ("amends", ""),
        ("supersedes", ""),
    ]
}

/// Staff type dates day first or year first; "31/02/2024" is named as a day not in the calendar
/// with the form given back as typed and nothing stored; Vietnamese pages show 26/12/2018.
async fn guidance_dates_are_typed_and_read_day_first(app: TestApp) {
    app.create_user("bo@moh.gov.vn", "Trần Văn Bộ", Role::Ministry).await;
    app.login("bo@moh.gov.vn", crate::common::PASSWORD).await;
    let before = app.store.list_guidance(None, None).await.unwrap().len();

    let res = app.post_form("/guidance/new", &guidance_fields("31/2021/TT-BYT", "31/02/2024", "")).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let error = text_of(&html, ".form-error").unwrap();
    assert!(error.contains("“31/02/2024” không có trong lịch") && error.contains("tháng 02/2024 chỉ có 29 ngày"), "{error}");
    assert_eq!(field(&html, "issued_on"), "31/02/2024", "what was typed comes back");
    assert!(text_of(&html, "#title_vi").unwrap().starts_with("Quy định hoạt động điều dưỡng"));
    assert_eq!(app.store.list_guidance(None, None).await.unwrap().len(), before, "nothing stored");

    let res = app.post_form("/guidance/new", &guidance_fields("31/2021/TT-BYT", "26/12/2018", "2019-03-01")).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text("/guidance/31-2021-TT-BYT").await;
    let facts = texts(&html, "dl.facts dd");
    assert!(facts.contains(&"26/12/2018".to_string()) && facts.contains(&"01/03/2019".to_string()), "{facts:?}");
    app.get("/lang/en?next=/").await;
    let (_, html) = app.get_text("/guidance/31-2021-TT-BYT").await;
    assert!(texts(&html, "dl.facts dd").contains(&"2018-12-26".to_string()));
}

/// A document saved with the display number left empty is headed and linked by its number.
async fn a_document_without_display_number_shows_its_number(app: TestApp) {
    app.create_user("bo@moh.gov.vn", "Trần Văn Bộ", Role::Ministry).await;
    app.login("bo@moh.gov.vn", crate::common::PASSWORD).await;
    let res = app.post_form("/guidance/new", &guidance_fields("", "2018", "")).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text("/guidance/31-2021-TT-BYT").await;
    assert_eq!(text_of(&html, "h1 .doc-number").as_deref(), Some("31/2021/TT-BYT"));
    let (_, list) = app.get_text("/guidance").await;
    assert_eq!(count(&list, "a.doc-number[href='/guidance/31-2021-TT-BYT']"), 1);
    assert!(texts(&list, "a.doc-number").iter().all(|t| !t.is_empty()), "no empty link in the library");
    assert_eq!(text_of(&list, "a.doc-number[href='/guidance/31-2021-TT-BYT']").as_deref(), Some("31/2021/TT-BYT"));
}

on_both_databases!(
    reply_counts_take_the_plural_form,
    an_unread_reply_is_not_new_twice,
    moderators_have_one_name,
    guidance_dates_are_typed_and_read_day_first,
    a_document_without_display_number_shows_its_number,
);
