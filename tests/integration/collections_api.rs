//! The collections API (issue 22) on both databases: curators create and change collections
//! with a bearer token, readers get `{slug, title, intro_html, curator, items: [...]}`; members,
//! stale versions, slug clashes and bad fields get problem documents and change nothing.

use goodpractice::accounts::Role;
use goodpractice::store::CollectionChange;
use serde_json::{Value, json};

use crate::collections::topic;
use crate::common::TestApp;
use crate::on_both_databases;

async fn call(app: &TestApp, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>) -> (u16, Value) {
    let mut req = app.client.request(method, app.url(path));
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn new_collection(title: &str, slug: &str, status: &str) -> Value {
    json!({"title": title, "slug": slug, "intro": "Đọc theo thứ tự: **đánh giá** trước.", "intro_en": "Read in order.", "category": "fall-prevention", "status": status})
}

async fn curators_use_the_api_and_readers_read_it(app: TestApp) {
    use reqwest::Method;
    let ministry = app.token_for("can-bo@moh.gov.vn", "Lê Cán Bộ", Role::Ministry).await;
    let member = app.token_for("thanh-vien@bv.vn", "Phạm Thành Viên", Role::Member).await;
    let t1 = topic(&app, &member, "Đánh giá nguy cơ té ngã").await;
    let t2 = topic(&app, &member, "Chuông gọi trong tầm tay").await;

    let (status, _) = call(&app, Method::POST, "/api/v1/collections", None, Some(new_collection("Té ngã", "te-nga", "published"))).await;
    assert_eq!(status, 401);
    let (status, problem) =
        call(&app, Method::POST, "/api/v1/collections", Some(&member), Some(new_collection("Té ngã", "te-nga", "published"))).await;
    assert_eq!(status, 403);
    assert!(problem["detail"].as_str().unwrap_or_default().contains("Chỉ điều hành viên"), "{problem}");

    let (status, created) =
        call(&app, Method::POST, "/api/v1/collections", Some(&ministry), Some(new_collection("Phòng ngừa té ngã", "te-nga", "published")))
            .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        (created["slug"].as_str(), created["version"].as_i64(), created["curator"].as_str()),
        (Some("te-nga"), Some(1), Some("Lê Cán Bộ"))
    );
    assert!(created["intro_html"].as_str().unwrap().contains("<strong>đánh giá</strong>"));

    let (status, _) =
        call(&app, Method::POST, "/api/v1/collections", Some(&ministry), Some(new_collection("Trùng", "te-nga", "draft"))).await;
    assert_eq!(status, 409, "a slug clash");
    let mut bad = new_collection("Sai trạng thái", "sai", "public");
    let (status, _) = call(&app, Method::POST, "/api/v1/collections", Some(&ministry), Some(bad.clone())).await;
    assert_eq!(status, 422);
    bad["status"] = json!("draft");
    bad["extra"] = json!(1);
    assert_eq!(call(&app, Method::POST, "/api/v1/collections", Some(&ministry), Some(bad)).await.0, 422, "unknown fields are refused");

    // Items (arranged through the store, as the curator's forms would), one later hidden.
    let row = app.store.collection_by_slug("te-nga").await.unwrap();
    for (topic_id, note) in [(t1, "Bắt đầu *ở đây*."), (t2, "")] {
        let change = CollectionChange { actor_id: row.author_id, collection_id: row.id, version: None };
        app.store.add_collection_item(change, topic_id, note, &format!("<p>{note}</p>")).await.unwrap();
    }
    let (status, one) = call(&app, Method::GET, "/api/v1/collections/te-nga", None, None).await;
    assert_eq!(status, 200);
    let items = one["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["topic_id"].as_i64(), Some(t1));
    assert_eq!(items[0]["title"], "Đánh giá nguy cơ té ngã");
    assert_eq!(items[0]["url"], format!("/t/{t1}"));
    assert!(items[0]["note_html"].as_str().unwrap().contains("Bắt đầu"));
    let version = one["version"].as_i64().unwrap();
    assert_eq!(call(&app, Method::GET, "/api/v1/collections/te-nga?page=2", None, None).await.1["items"], json!([]), "past the last page");
    for bad in ["AAA", "0", "-3", "99999999999999999999"] {
        assert_eq!(call(&app, Method::GET, &format!("/api/v1/collections/te-nga?page={bad}"), None, None).await.0, 422, "page={bad}");
    }

    // PATCH with the version read; then again with that same (now stale) version.
    let patch = json!({"version": version, "title": "Phòng ngừa té ngã cho người cao tuổi"});
    let (status, patched) = call(&app, Method::PATCH, "/api/v1/collections/te-nga", Some(&ministry), Some(patch.clone())).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["title"], "Phòng ngừa té ngã cho người cao tuổi");
    assert_eq!(patched["version"].as_i64(), Some(version + 1));
    let stale = json!({"version": version, "title": "Tên cũ"});
    let (status, problem) = call(&app, Method::PATCH, "/api/v1/collections/te-nga", Some(&ministry), Some(stale)).await;
    assert_eq!(status, 409);
    assert!(problem["detail"].as_str().unwrap().contains("chưa có gì được lưu"), "{problem}");
    assert_eq!(call(&app, Method::GET, "/api/v1/collections/te-nga", None, None).await.1["title"], "Phòng ngừa té ngã cho người cao tuổi");
    let (status, _) =
        call(&app, Method::PATCH, "/api/v1/collections/te-nga", Some(&member), Some(json!({"version": version + 1, "title": "Của tôi"})))
            .await;
    assert_eq!(status, 403);
    assert_eq!(call(&app, Method::PATCH, "/api/v1/collections/khong-co", Some(&ministry), Some(json!({"version": 1}))).await.0, 404);

    // A draft: listed and readable by curators only.
    call(&app, Method::POST, "/api/v1/collections", Some(&ministry), Some(new_collection("Bản nháp", "ban-nhap", "draft"))).await;
    let (_, list) = call(&app, Method::GET, "/api/v1/collections", None, None).await;
    let slugs: Vec<&str> = list.as_array().unwrap().iter().map(|c| c["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["te-nga"]);
    assert_eq!(list[0]["items_count"], 2);
    assert_eq!(call(&app, Method::GET, "/api/v1/collections/ban-nhap", None, None).await.0, 404);
    assert_eq!(call(&app, Method::GET, "/api/v1/collections/ban-nhap", Some(&member), None).await.0, 404);
    assert_eq!(call(&app, Method::GET, "/api/v1/collections/ban-nhap", Some(&ministry), None).await.0, 200);
}

on_both_databases!(curators_use_the_api_and_readers_read_it);
