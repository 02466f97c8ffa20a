//! "Trả lời chính thức của Bộ Y tế" on both databases: endorsing a member's reply asks first (a
//! page of its own, no JavaScript needed), then shows who endorsed it and when; the endorsement
//! can be withdrawn, also after asking; both are in the audit log; members cannot do either.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, count, text_of};
use crate::on_both_databases;

/// A member's question with a member's reply; returns (topic, reply).
async fn question_with_reply(app: &TestApp) -> (i64, i64) {
    let asker = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let question = json!({"category": "medication-safety", "kind": "question", "title": "Sự cố nào phải báo cáo bắt buộc?", "body": "Xin hỏi các anh chị."});
    let topic = app.api_topic(&asker, question).await;
    let replier = app.token_for("minh@bvcr.vn", "Trần Văn Minh", Role::Member).await;
    let body = json!({"body": "Theo Thông tư 43/2018/TT-BYT, sự cố nghiêm trọng phải báo cáo bắt buộc."});
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&replier), &body).await;
    (topic, res.json::<Value>().await.unwrap()["id"].as_i64().unwrap())
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.store.audit_log(None, 50).await.unwrap().into_iter().map(|e| e.action).collect()
}

/// The text of an element as read (text nodes joined as they are, whitespace collapsed).
fn as_read(html: &str, selector: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel).next().map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" "))
}

fn today_in_vietnam() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(7)).format("%d/%m/%Y").to_string()
}

async fn endorse_ask_confirm_show_withdraw(app: TestApp) {
    let (topic, reply) = question_with_reply(&app).await;
    app.create_user("bo@moh.gov.vn", "Phạm Thị Bộ", Role::Ministry).await;
    app.login("bo@moh.gov.vn", PASSWORD).await;
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(count(&html, &format!("form[action='/t/{topic}/official-answer'] input[name=post_id][value='{reply}']")), 1);

    // The button asks first: a page naming the reply and the endorser; nothing changes.
    let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", &reply.to_string())]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, "h1").as_deref(), Some("Xác nhận trả lời chính thức của Bộ Y tế"));
    assert!(text_of(&html, ".official-excerpt").unwrap().contains("Trần Văn Minh"), "{html}");
    assert!(as_read(&html, ".official-endorsement-preview").unwrap().contains("Được Phạm Thị Bộ, Bộ Y tế, xác nhận ngày"));
    assert_eq!(count(&html, "form.official-confirm input[name=confirm][value=yes]"), 1);
    assert_eq!(app.store.official_answer(topic).await.unwrap(), None, "asking changes nothing");

    // Confirmed: the answer says who endorsed it and when, and the audit log has it.
    let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", &reply.to_string()), ("confirm", "yes")]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let line = as_read(&html, "#official-answer .official-endorsement").expect("the endorsement line");
    assert_eq!(line, format!("Được Phạm Thị Bộ, Bộ Y tế, xác nhận ngày {}.", today_in_vietnam()));
    assert!(text_of(&html, "#official-answer .author").unwrap().contains("Trần Văn Minh"), "the reply keeps its author");
    assert_eq!(audit_actions(&app).await.first().map(String::as_str), Some("endorse_official_answer"));

    // A reader sees the same line; English says it in English.
    let (visitor, _) = app.second_browser();
    let public = visitor.get(app.url(&format!("/t/{topic}"))).send().await.unwrap().text().await.unwrap();
    assert!(as_read(&public, ".official-endorsement").unwrap().starts_with("Được Phạm Thị Bộ, Bộ Y tế"));
    assert_eq!(count(&public, ".official-answer form"), 0, "no withdraw button for readers");
    let en = visitor.get(app.url(&format!("/t/{topic}"))).header("cookie", "gp_lang=en").send().await.unwrap().text().await.unwrap();
    assert!(as_read(&en, ".official-endorsement").unwrap().starts_with("Endorsed by Phạm Thị Bộ, Ministry of Health, on"), "{en}");

    // Withdrawing asks too, then removes it, audited.
    let res = app.post_form(&format!("/t/{topic}/official-answer/withdraw"), &[]).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, "h1").as_deref(), Some("Rút xác nhận trả lời chính thức"));
    assert!(app.store.official_answer(topic).await.unwrap().is_some());
    let res = app.post_form(&format!("/t/{topic}/official-answer/withdraw"), &[("confirm", "yes")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.official_answer(topic).await.unwrap(), None);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(count(&html, "#official-answer"), 0);
    assert_eq!(count(&html, &format!("#post-{reply}")), 1, "the reply stays in the topic");
    assert!(html.contains("sự cố nghiêm trọng phải báo cáo bắt buộc"));
    assert_eq!(audit_actions(&app).await.first().map(String::as_str), Some("withdraw_official_answer"));
    let res = app.post_form(&format!("/t/{topic}/official-answer/withdraw"), &[("confirm", "yes")]).await;
    assert_eq!(res.status(), 404, "nothing left to withdraw");
}

/// Members cannot endorse or withdraw, even with `confirm=yes`; hostile ids are refused with
/// a sentence and nothing is written.
async fn only_ministry_staff_endorse_and_bad_ids_are_refused(app: TestApp) {
    let (topic, reply) = question_with_reply(&app).await;
    app.signup("hoa@bv.vn", "Lê Thị Hoa").await;
    for confirm in ["", "yes"] {
        let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", &reply.to_string()), ("confirm", confirm)]).await;
        assert_eq!(res.status(), 403, "confirm={confirm}");
        let res = app.post_form(&format!("/t/{topic}/official-answer/withdraw"), &[("confirm", confirm)]).await;
        assert_eq!(res.status(), 403, "withdraw confirm={confirm}");
    }
    app.create_user("bo@moh.gov.vn", "Phạm Thị Bộ", Role::Ministry).await;
    app.login("bo@moh.gov.vn", PASSWORD).await;
    for bad in ["abc", "-1", "99999999", "1 OR 1=1", ""] {
        let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", bad), ("confirm", "yes")]).await;
        assert_eq!(res.status(), 422, "{bad}");
        assert!(text_of(&res.text().await.unwrap(), "main").unwrap_or_default().contains("trả lời"), "{bad}: a sentence");
    }
    assert_eq!(app.store.official_answer(topic).await.unwrap(), None);
    assert!(!audit_actions(&app).await.iter().any(|a| a.contains("official")));
}

on_both_databases!(endorse_ask_confirm_show_withdraw, only_ministry_staff_endorse_and_bad_ids_are_refused);
