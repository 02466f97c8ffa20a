//! The practices citing a guidance document in the API (counts by province, tier, category and
//! year; topics by cursor) and as a CSV download from the document's page that Excel opens with
//! its Vietnamese intact; only what the public sees, never an anonymous case study's author.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};
use crate::on_both_databases;

const DOC: &str = "/api/v1/guidance/43-2018-TT-BYT";

async fn member(app: &TestApp, email: &str, name: &str, province: Option<&'static str>, tier: Option<&str>) -> (i64, String) {
    let id = app.create_user(email, name, Role::Member).await;
    let profile = goodpractice::store::ProfileUpdate {
        display_name: name,
        job_title: "Điều dưỡng",
        hospital: "",
        department: "",
        province_code: province,
    };
    app.store.update_profile(id, &profile).await.unwrap();
    app.store.set_hospital_tier(id, tier).await.unwrap();
    let res = app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": PASSWORD})).await;
    (id, res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string())
}

fn topic(category: &str, kind: &str, title: &str, body: &str) -> Value {
    json!({"category": category, "kind": kind, "title": title, "body": body, "summary": "Tóm tắt ngắn gọn về cách làm này.", "tags": []})
}

/// Four visible citing topics (one through a reply, one an anonymous case study in Huế) and one
/// held for review; returns the anonymous author's name.
async fn arrange(app: &TestApp) -> &'static str {
    let (_, lan) = member(app, "lan@bv.vn", "Nguyễn Thị Lan", Some("01"), Some("specialised")).await;
    let (_, minh) = member(app, "minh@bv.vn", "Trần Văn Minh", None, None).await;
    app.api_topic(&lan, topic("infection-control", "good_practice", "Báo cáo sự cố tự nguyện ở khoa Nội", "Theo Thông tư 43/2018/TT-BYT."))
        .await;
    app.api_topic(&minh, topic("medication-safety", "question", "Báo cáo nhầm thuốc thế nào?", "Thông tư 43/2018/TT-BYT nói gì?")).await;
    let case = json!({"category": "medication-safety", "kind": "case_study", "title": "Nhầm thuốc ca đêm, báo cáo theo thông tư",
        "anonymous": {"hospital_tier": "basic", "province": "Huế"},
        "sections": {"context": "Ca đêm.", "problem": "Nhầm thuốc.", "causes": "Không đối chiếu.", "intervention": "Báo cáo theo 43/2018/TT-BYT.",
                     "results": "Không tái diễn.", "lessons": "Đối chiếu."}});
    app.api_topic(&lan, case).await;
    let later = app.api_topic(&minh, topic("medication-safety", "discussion", "Họp giao ban về sự cố", "Khoa tôi họp mỗi tuần.")).await;
    let res =
        app.post_json(&format!("/api/v1/topics/{later}/posts"), Some(&lan), &json!({"body": "Nên đối chiếu với 43/2018/TT-BYT."})).await;
    assert_eq!(res.status(), 201);
    let held = json!({"category": "medication-safety", "kind": "discussion", "title": "Bệnh nhân Nguyễn Văn Nam bị nhầm thuốc",
        "body": "Bệnh nhân Nguyễn Văn Nam, CCCD 001204012345, báo cáo theo 43/2018/TT-BYT.", "tags": []});
    let res = app.post_json("/api/v1/topics", Some(&minh), &held).await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "pending");
    "Nguyễn Thị Lan"
}

fn count_of(list: &Value, value: Value) -> i64 {
    list.as_array().unwrap().iter().find(|c| c["value"] == value).map(|c| c["count"].as_i64().unwrap()).unwrap_or(0)
}

async fn guidance_api_counts_and_pages_the_citing_practices(app: TestApp) {
    arrange(&app).await;
    let doc: Value = app.get(DOC).await.json().await.unwrap();
    let citing = &doc["citing"];
    assert_eq!(citing["total"], 4, "{citing}");
    let hue = goodpractice::domain::provinces::resolve("Huế").unwrap().code;
    assert_eq!(count_of(&citing["by_province"], json!("01")), 1, "{citing}");
    assert_eq!(count_of(&citing["by_province"], json!(hue)), 1, "the anonymous case study's own province: {citing}");
    assert_eq!(count_of(&citing["by_province"], Value::Null), 2, "{citing}");
    let hanoi = citing["by_province"].as_array().unwrap().iter().find(|c| c["value"] == "01").unwrap();
    assert!(hanoi["label"].as_str().unwrap().ends_with("Hà Nội"), "{hanoi}");
    assert_eq!(count_of(&citing["by_tier"], json!("specialised")), 1);
    assert_eq!(count_of(&citing["by_tier"], json!("basic")), 1);
    assert_eq!(citing["by_category"], json!([{"value": "medication-safety", "count": 3}, {"value": "infection-control", "count": 1}]));
    let year = chrono::Utc::now().format("%Y").to_string();
    assert_eq!(citing["by_year"], json!([{"value": year, "count": 4}]));
    let titles: Vec<&str> = citing["topics"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Họp giao ban về sự cố",
            "Nhầm thuốc ca đêm, báo cáo theo thông tư",
            "Báo cáo nhầm thuốc thế nào?",
            "Báo cáo sự cố tự nguyện ở khoa Nội"
        ]
    );
    assert_eq!(citing["next_cursor"], Value::Null);
    assert!(!citing.to_string().contains("Nguyễn Thị Lan") && !citing.to_string().contains("author"), "no authors: {citing}");
    // The list of documents stays as it was (no citing member).
    let library: Value = app.get("/api/v1/guidance").await.json().await.unwrap();
    assert!(library[0].get("citing").is_none());

    // Later pages by cursor; a cursor of another list is refused.
    let first: Value = app.get(&format!("{DOC}/citing?limit=3")).await.json().await.unwrap();
    assert_eq!(first["topics"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest: Value = app.get(&format!("{DOC}/citing?limit=3&cursor={cursor}")).await.json().await.unwrap();
    assert_eq!(rest["topics"][0]["title"], "Báo cáo sự cố tự nguyện ở khoa Nội");
    assert_eq!(rest["next_cursor"], Value::Null);
    let res = app.get(&format!("/api/v1/guidance/5316-QD-BYT/citing?cursor={cursor}")).await;
    assert_eq!(res.status(), 400);
    let res = app.get(&format!("/api/v1/topics?cursor={cursor}")).await;
    assert_eq!(res.status(), 400);
    assert_eq!(app.get("/api/v1/guidance/99-2099-TT-BYT/citing").await.status(), 404);
}

async fn the_document_page_offers_the_citing_practices_as_a_csv_for_excel(app: TestApp) {
    let anonymous_author = arrange(&app).await;
    let (status, html) = app.get_text("/guidance/43-2018-TT-BYT").await;
    assert_eq!(status, 200);
    assert!(html.contains("href=\"/guidance/43-2018-TT-BYT/citing.csv\""), "a download link on the page");

    let res = app.get("/guidance/43-2018-TT-BYT/citing.csv").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"].to_str().unwrap().to_string();
    assert_eq!(disposition, "attachment; filename=\"citing-43-2018-TT-BYT.csv\"");
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a UTF-8 byte order mark, so Excel reads Vietnamese");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(lines[0].starts_with("id,title,url,kind,category,province_code,province,hospital_tier,year"), "{}", lines[0]);
    assert_eq!(lines.len(), 5, "a header and the four visible citing practices: {text}");
    assert!(lines[2].contains("\"Nhầm thuốc ca đêm, báo cáo theo thông tư\"") && lines[2].contains("\"basic\""), "{}", lines[2]);
    assert!(lines.iter().any(|l| l.contains("Hà Nội\"") && l.contains("\"specialised\"")), "{text}");
    assert!(!text.contains(anonymous_author) && !text.contains("Nguyễn Văn Nam"), "no authors, nothing held: {text}");
    // Other spellings of the number lead to the same file; an unknown number is a 404.
    let res = app.get("/guidance/43/2018/tt-byt/citing.csv").await;
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (308, "/guidance/43-2018-TT-BYT/citing.csv"));
    assert_eq!(app.get("/guidance/99-2099-TT-BYT/citing.csv").await.status(), 404);
}

on_both_databases!(guidance_api_counts_and_pages_the_citing_practices, the_document_page_offers_the_citing_practices_as_a_csv_for_excel);
