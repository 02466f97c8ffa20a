//! Leaving through the API (issue 17): `GET /api/v1/me/export` gives the same JSON as the
//! account page's download, `DELETE /api/v1/me` deletes the account after the email typed again
//! and the password, and answers clearly otherwise. Both databases.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};

async fn bearer(app: &TestApp, method: reqwest::Method, path: &str, token: &str, body: Option<Value>) -> reqwest::Response {
    let mut req = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

async fn a_member_exports_their_data_and_deletes_the_account_through_the_api(app: TestApp) {
    let token = app.token_for("thu@bvnhi.vn", "Võ Thị Thu", Role::Member).await;
    let topic = app.api_topic(&token, json!({"category": "medication-safety", "kind": "discussion", "title": "Kiểm tra chéo thuốc trước giờ phát", "body": "Khoa em kiểm tra chéo hai người."})).await;

    let export = bearer(&app, reqwest::Method::GET, "/api/v1/me/export", &token, None).await;
    assert_eq!(export.status(), 200);
    assert!(export.headers()["cache-control"].to_str().unwrap().contains("no-store"));
    let data: Value = export.json().await.unwrap();
    assert_eq!(data["profile"]["email"], "thu@bvnhi.vn");
    assert_eq!(data["posts"][0]["topic_title"], "Kiểm tra chéo thuốc trước giờ phát");
    assert!(data["drafts"].is_array() && data["bookmarks"].is_array() && data["notifications"].is_array());
    assert_eq!(app.get("/api/v1/me/export").await.status(), 401, "no token, no data");

    // A wrong email or password changes nothing, with a problem document saying which.
    let wrong =
        bearer(&app, reqwest::Method::DELETE, "/api/v1/me", &token, Some(json!({"confirm": "khac@bvnhi.vn", "password": PASSWORD}))).await;
    assert_eq!(wrong.status(), 422);
    assert!(wrong.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("không khớp"));
    let wrong =
        bearer(&app, reqwest::Method::DELETE, "/api/v1/me", &token, Some(json!({"confirm": "thu@bvnhi.vn", "password": "sai"}))).await;
    assert_eq!(wrong.status(), 400);
    let wrong = bearer(&app, reqwest::Method::DELETE, "/api/v1/me", &token, Some(json!({"password": PASSWORD}))).await;
    assert_eq!(wrong.status(), 422, "the confirmation is required");
    assert_eq!(app.store.user_by_id(data["profile"]["id"].as_i64().unwrap()).await.unwrap().email, "thu@bvnhi.vn");

    let gone =
        bearer(&app, reqwest::Method::DELETE, "/api/v1/me", &token, Some(json!({"confirm": "THU@bvnhi.vn", "password": PASSWORD}))).await;
    assert_eq!(gone.status(), 204);
    let (status, page) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(status, 200, "the public post stays");
    assert!(page.contains("Thành viên đã rời") && !page.contains("Võ Thị Thu"));
    // Deleting twice: the token ended with the account.
    let again =
        bearer(&app, reqwest::Method::DELETE, "/api/v1/me", &token, Some(json!({"confirm": "thu@bvnhi.vn", "password": PASSWORD}))).await;
    assert_eq!(again.status(), 401);
    assert!(app.store.audit_log(None, 10).await.unwrap().iter().any(|a| a.action == "delete_account"));
}

crate::on_both_databases!(a_member_exports_their_data_and_deletes_the_account_through_the_api);
