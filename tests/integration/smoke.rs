//! The forum answers: health check, categories, a first topic through the API and its page.

use goodpractice::accounts::Role;
use serde_json::json;

use crate::common::{TestApp, text_of};
use crate::on_both_databases;

async fn the_liveness_check_answers_while_the_process_runs(app: TestApp) {
    let (status, body) = app.get_text("/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
}

async fn a_topic_posted_through_the_api_shows_on_its_page(app: TestApp) {
    let token = app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let id = app
        .api_topic(
            &token,
            json!({"category": "medication-safety", "kind": "discussion",
            "title": "Dán nhãn thuốc nguy cơ cao", "body": "Khoa tôi dán **nhãn đỏ** cho kali clorid.", "tags": []}),
        )
        .await;
    let (status, html) = app.get_text(&format!("/t/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "h1").unwrap(), "Dán nhãn thuốc nguy cơ cao");
    assert!(html.contains("<strong>nhãn đỏ</strong>"));
}

on_both_databases!(the_liveness_check_answers_while_the_process_runs, a_topic_posted_through_the_api_shows_on_its_page);
