//! The integration API (issue 21): topic listings by filter and cursor, tags and categories with
//! counts, members' public profiles and posts; only what the public sees, never an anonymous
//! case study's author, and a clear 400 for tampered cursors and unknown filters.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::TestApp;
use crate::on_both_databases;

fn topic(category: &str, kind: &str, title: &str, tags: &[&str]) -> Value {
    let mut t = json!({"category": category, "kind": kind, "title": title, "body": format!("{title}: chia sẻ kinh nghiệm của khoa."), "tags": tags});
    if kind == "good_practice" {
        t["summary"] = json!("Tóm tắt ngắn gọn về cách làm này.");
    }
    t
}

fn case_study(title: &str, anonymous: Value) -> Value {
    json!({"category": "medication-safety", "kind": "case_study", "title": title, "anonymous": anonymous, "tags": ["nhầm thuốc"],
           "sections": {"context": "Ca đêm ở khoa Nội.", "problem": "Nhầm thuốc.", "causes": "Không đối chiếu.",
                        "intervention": "Đối chiếu hai người.", "results": "Không tái diễn.", "lessons": "Đối chiếu trước khi tiêm."}})
}

const HELD_BODY: &str = "Bệnh nhân Nguyễn Văn Nam, CCCD 001204012345, SĐT 0912 345 678, được phát hiện nhầm thuốc nhờ kiểm tra chéo.";

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}")))
}

async fn ok(app: &TestApp, path: &str) -> Value {
    let (status, body) = get(app, path).await;
    assert_eq!(status, 200, "GET {path}: {body}");
    body
}

fn titles(page: &Value) -> Vec<String> {
    page["topics"].as_array().unwrap().iter().map(|t| t["title"].as_str().unwrap().to_string()).collect()
}

/// Every page of a list, following next_cursor; the titles in order.
async fn walk(app: &TestApp, path: &str) -> Vec<String> {
    let mut all = Vec::new();
    let mut page = ok(app, path).await;
    loop {
        all.extend(titles(&page));
        let Some(cursor) = page["next_cursor"].as_str() else { break };
        let sep = if path.contains('?') { '&' } else { '?' };
        page = ok(app, &format!("{path}{sep}cursor={cursor}")).await;
    }
    all
}

async fn problem(app: &TestApp, path: &str, mentions: &str) {
    let res = app.client.get(app.url(path)).header("Accept-Language", "en").send().await.unwrap();
    let status = res.status().as_u16();
    let content_type = res.headers()["content-type"].to_str().unwrap().to_string();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 400, "GET {path}: {body}");
    assert_eq!(content_type, "application/problem+json");
    let detail = body["detail"].as_str().unwrap();
    assert!(detail.contains(mentions), "GET {path}: {detail:?} should mention {mentions:?}");
}

async fn topics_list_newest_first_by_cursor_with_filters(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let mut made = Vec::new();
    for i in 1..=7 {
        let (category, kind) = if i % 2 == 0 { ("medication-safety", "question") } else { ("infection-control", "good_practice") };
        let tags: &[&str] = if i % 3 == 0 { &["kiểm tra chéo"] } else { &[] };
        let title = format!("Thực hành số {i} về an toàn người bệnh");
        app.api_topic(&token, topic(category, kind, &title, tags)).await;
        made.push(title);
    }
    // Held for patient data: pending, never listed.
    let res = app
        .post_json(
            "/api/v1/topics",
            Some(&token),
            &json!({"category": "medication-safety", "kind": "discussion",
        "title": "Nhầm thuốc ở một người bệnh", "body": HELD_BODY, "tags": ["kiểm tra chéo"]}),
        )
        .await;
    let held: Value = res.json().await.unwrap();
    assert_eq!(held["status"], "pending", "{held}");
    // Deleted: never listed.
    let gone = app.api_topic(&token, topic("medication-safety", "question", "Chủ đề sẽ bị xoá", &[])).await;
    let opening = app.store.opening_post_id(gone).await.unwrap();
    app.store.delete_post(opening).await.unwrap();

    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    let first = ok(&app, "/api/v1/topics?limit=3").await;
    assert_eq!(titles(&first), newest_first[..3]);
    let item = &first["topics"][0];
    assert_eq!(item["url"], format!("/t/{}", item["id"]));
    assert_eq!((item["kind"].as_str(), item["category"].as_str()), (Some("good_practice"), Some("infection-control")));
    assert_eq!(item["reply_count"], 0);
    assert!(item["created_at"].is_string() && item["last_posted_at"].is_string(), "{item}");
    assert_eq!(walk(&app, "/api/v1/topics?limit=3").await, newest_first, "every visible topic once, in order");
    assert_eq!(walk(&app, "/api/v1/topics?limit=100").await, newest_first, "one page");

    // A reply bumps last activity but not the order by creation: a client paging sees each once.
    let second_page_cursor = first["next_cursor"].as_str().unwrap().to_string();
    let oldest = ok(&app, "/api/v1/topics?limit=100").await["topics"].as_array().unwrap().last().unwrap()["id"].as_i64().unwrap();
    let res = app.post_json(&format!("/api/v1/topics/{oldest}/posts"), Some(&token), &json!({"body": "Cảm ơn chị đã chia sẻ."})).await;
    assert_eq!(res.status(), 201);
    let rest = ok(&app, &format!("/api/v1/topics?limit=3&cursor={second_page_cursor}")).await;
    assert_eq!(titles(&rest), newest_first[3..6]);

    let q = walk(&app, "/api/v1/topics?kind=question&limit=2").await;
    assert_eq!(q, ["Thực hành số 6 về an toàn người bệnh", "Thực hành số 4 về an toàn người bệnh", "Thực hành số 2 về an toàn người bệnh"]);
    let tagged = ok(&app, "/api/v1/topics?tag=kiem-tra-cheo").await;
    assert_eq!(titles(&tagged), ["Thực hành số 6 về an toàn người bệnh", "Thực hành số 3 về an toàn người bệnh"]);
    assert_eq!(tagged["topics"][0]["tags"], json!(["kiem-tra-cheo"]));
    assert_eq!(tagged["next_cursor"], Value::Null);
    let by_label = ok(&app, "/api/v1/topics?tag=ki%E1%BB%83m%20tra%20ch%C3%A9o").await;
    assert_eq!(titles(&by_label), titles(&tagged), "the tag as typed, with diacritics");
    let both = ok(&app, "/api/v1/topics?category=infection-control&tag=kiem-tra-cheo&kind=good_practice").await;
    assert_eq!(titles(&both), ["Thực hành số 3 về an toàn người bệnh"]);
    assert_eq!(walk(&app, "/api/v1/topics?category=medication-safety&limit=1").await.len(), 3);
    // An empty value means "any", as when left out.
    assert_eq!(titles(&ok(&app, "/api/v1/topics?category=&kind=&limit=100").await), newest_first);
}

async fn bad_cursors_and_filters_are_a_clear_400(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    for i in 1..=3 {
        app.api_topic(&token, topic("medication-safety", "question", &format!("Câu hỏi số {i} về thuốc"), &["thuốc"])).await;
    }
    let page = ok(&app, "/api/v1/topics?limit=1").await;
    let cursor = page["next_cursor"].as_str().unwrap().to_string();
    let (payload, tag) = cursor.split_once('.').unwrap();
    let mut flipped = payload.to_string();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    for bad in [format!("{flipped}.{tag}"), format!("{payload}.{}", &tag[1..]), "abc".into(), "MTIzLjQ1.AAAAAAAAAAAAAAAAAAAAAA".into()] {
        problem(&app, &format!("/api/v1/topics?limit=1&cursor={bad}"), "cursor").await;
    }
    // A cursor belongs to its filters: another filter's cursor is refused, not silently misread.
    problem(&app, &format!("/api/v1/topics?limit=1&kind=question&cursor={cursor}"), "other filters").await;
    problem(&app, &format!("/api/v1/users/1/posts?cursor={cursor}"), "cursor").await;
    problem(&app, "/api/v1/topics?category=khong-co", "khong-co").await;
    problem(&app, "/api/v1/topics?tag=kh%C3%B4ng-c%C3%B3-th%E1%BA%BB", "không-có-thẻ").await;
    problem(&app, "/api/v1/topics?kind=story", "discussion, question").await;
    problem(&app, "/api/v1/topics?province=Atlantis", "Atlantis").await;
    problem(&app, "/api/v1/topics?sort=oldest", "sort").await;
    problem(&app, "/api/v1/topics?kind=question&kind=discussion", "kind").await;
    for limit in ["0", "101", "-5", "mười", "1.5"] {
        problem(&app, &format!("/api/v1/topics?limit={limit}"), "1 to 100").await;
    }
    problem(&app, "/api/v1/tags?limit=1001", "1 to 1000").await;
    // The same in Vietnamese by default.
    let body: Value = app.get("/api/v1/topics?kind=story").await.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("Không có loại chủ đề"), "{body}");
}

async fn province_filter_uses_the_shown_province_and_profiles_never_name_anonymous_authors(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let res = app
        .post_json(
            "/api/v1/topics",
            Some(&token),
            &case_study("Nhầm thuốc ca đêm ở Huế", json!({"hospital_tier": "basic", "province": "Huế"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let case: Value = res.json().await.unwrap();
    let case_id = case["id"].as_i64().unwrap();
    let named = app.api_topic(&token, topic("infection-control", "good_practice", "Rửa tay năm thời điểm", &[])).await;
    // The author replies in her own anonymous case study (shown as "Ẩn danh") and elsewhere.
    for (topic, body) in [(case_id, "Bổ sung: đã tập huấn lại cho điều dưỡng."), (named, "Cập nhật kết quả sau ba tháng.")]
    {
        let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&token), &json!({"body": body})).await;
        assert_eq!(res.status(), 201);
    }

    // Province: the case study's own (Huế), by name without diacritics or by code.
    let hue = ok(&app, "/api/v1/topics?province=hue").await;
    assert_eq!(titles(&hue), ["Nhầm thuốc ca đêm ở Huế"]);
    let code = goodpractice::domain::provinces::resolve("Huế").unwrap().code;
    assert_eq!(titles(&ok(&app, &format!("/api/v1/topics?province={code}")).await), titles(&hue));
    assert!(titles(&ok(&app, "/api/v1/topics?province=H%C3%A0%20N%E1%BB%99i").await).is_empty());

    let member_id = app.store.topic(named).await.unwrap().author_id;
    let profile = ok(&app, &format!("/api/v1/users/{member_id}")).await;
    assert_eq!(profile["display_name"], "Nguyễn Thị Lan");
    assert!(profile.get("email").is_none(), "{profile}");
    let listed = serde_json::to_string(&profile["posts"]).unwrap();
    assert!(!listed.contains("Nhầm thuốc ca đêm") && !listed.contains("tập huấn lại"), "anonymous case study shown: {listed}");
    let bodies: Vec<&str> = profile["posts"].as_array().unwrap().iter().map(|p| p["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Cập nhật kết quả sau ba tháng.", "Rửa tay năm thời điểm: chia sẻ kinh nghiệm của khoa."]);
    assert_eq!(profile["posts"][1]["opening_post"], true);
    // By handle too, and paged.
    let handle = profile["handle"].as_str().unwrap().to_string();
    let by_handle = ok(&app, &format!("/api/v1/users/@{handle}?limit=1")).await;
    assert_eq!(by_handle["posts"][0]["body"], "Cập nhật kết quả sau ba tháng.");
    let cursor = by_handle["next_cursor"].as_str().unwrap();
    let rest = ok(&app, &format!("/api/v1/users/{handle}/posts?limit=1&cursor={cursor}")).await;
    assert_eq!(rest["posts"][0]["opening_post"], true);
    assert_eq!(rest["next_cursor"], Value::Null);
    // Another member's cursor is not this member's.
    let other = app.create_user("minh@bv.vn", "Trần Văn Minh", Role::Member).await;
    problem(&app, &format!("/api/v1/users/{other}/posts?cursor={cursor}"), "cursor").await;
    let (status, _) = get(&app, "/api/v1/users/khong_co_ai").await;
    assert_eq!(status, 404);
}

async fn tags_and_categories_come_with_kept_counts(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    for (i, tags) in [&["kiểm tra chéo", "thuốc"][..], &["thuốc"], &["thuốc"]].iter().enumerate() {
        app.api_topic(&token, topic("medication-safety", "question", &format!("Câu hỏi số {i} về thuốc"), tags)).await;
    }
    let gone = app.api_topic(&token, topic("medication-safety", "question", "Chủ đề sẽ bị xoá", &["kiểm tra chéo"])).await;
    app.store.delete_post(app.store.opening_post_id(gone).await.unwrap()).await.unwrap();
    let tags = ok(&app, "/api/v1/tags").await;
    assert_eq!(
        tags["tags"],
        json!([{"slug": "thuoc", "label": "thuốc", "url": "/tag/thuoc", "topic_count": 3},
               {"slug": "kiem-tra-cheo", "label": "kiểm tra chéo", "url": "/tag/kiem-tra-cheo", "topic_count": 1}])
    );
    assert_eq!(ok(&app, "/api/v1/tags?limit=1").await["tags"].as_array().unwrap().len(), 1);
    let categories = ok(&app, "/api/v1/categories").await;
    let medication = categories.as_array().unwrap().iter().find(|c| c["slug"] == "medication-safety").unwrap();
    assert_eq!(medication["topic_count"], 3, "the deleted topic is not counted");

    // Documented, with examples, beside POST /api/v1/topics.
    let doc = ok(&app, "/api/openapi.json").await;
    let paths = &doc["paths"];
    assert!(paths["/api/v1/topics"]["post"].is_object(), "creating topics is still documented");
    for path in ["/api/v1/topics", "/api/v1/tags", "/api/v1/users/{username}", "/api/v1/users/{username}/posts"] {
        let responses = &paths[path]["get"]["responses"];
        assert!(responses["200"].is_object() && responses["400"].is_object(), "{path}: {responses}");
    }
    assert!(doc["components"]["schemas"]["TopicPage"]["example"]["topics"].is_array(), "an example page");
}

on_both_databases!(
    topics_list_newest_first_by_cursor_with_filters,
    bad_cursors_and_filters_are_a_clear_400,
    province_filter_uses_the_shown_province_and_profiles_never_name_anonymous_authors,
    tags_and_categories_come_with_kept_counts,
);

async fn every_api_get_answers_if_none_match_with_304(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let id = app.api_topic(&token, topic("medication-safety", "question", "Câu hỏi về nhãn thuốc", &[])).await;
    for path in ["/api/v1/topics", "/api/v1/categories", "/api/v1/tags", &format!("/api/v1/topics/{id}"), "/api/v1/guidance/43-2018-TT-BYT"]
    {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let etag = res.headers()["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with("W/\""), "{path}: {etag}");
        let again = app.client.get(app.url(path)).header("If-None-Match", &etag).send().await.unwrap();
        assert_eq!(again.status(), 304, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());
        let stale = app.client.get(app.url(path)).header("If-None-Match", "W/\"0000\"").send().await.unwrap();
        assert_eq!(stale.status(), 200, "{path}");
    }
    // A change changes the tag.
    let before = app.get("/api/v1/topics").await.headers()["etag"].clone();
    app.api_topic(&token, topic("medication-safety", "question", "Một câu hỏi mới về thuốc", &[])).await;
    let res = app.client.get(app.url("/api/v1/topics")).header("If-None-Match", before).send().await.unwrap();
    assert_eq!(res.status(), 200);
}

mod etag {
    use super::*;
    on_both_databases!(every_api_get_answers_if_none_match_with_304);
}
