//! Lists of topics: demo content, categories and tags.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, count, text_of};
use crate::on_both_databases;

async fn demo_content_fills_every_category_with_vietnamese_posts(app: TestApp) {
    let categories: Vec<Value> = app.get("/api/v1/categories").await.json().await.unwrap();
    assert_eq!(categories.len(), 11);
    for c in &categories {
        assert!(c["topic_count"].as_i64().unwrap() >= 2, "{} has too few demo topics", c["slug"]);
    }
    let total: i64 = categories.iter().map(|c| c["topic_count"].as_i64().unwrap()).sum();
    assert!(total >= 30, "only {total} demo topics");
    let (_, home) = app.get_text("/").await;
    assert_eq!(count(&home, "li.topic-item"), 20);
    assert!(home.contains("người bệnh"), "demo posts are in Vietnamese");
}

async fn a_category_page_lists_only_its_topics(app: TestApp) {
    let token = app.token_for("mai@bv.vn", "Võ Thị Mai", Role::Member).await;
    post(&app, &token, "infection-control", "Vệ sinh tay trước khi tiếp xúc người bệnh", &[]).await;
    post(&app, &token, "fall-prevention", "Đánh giá nguy cơ té ngã bằng thang Morse", &[]).await;
    let (status, html) = app.get_text("/c/infection-control").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "h1").unwrap(), "Kiểm soát nhiễm khuẩn");
    assert!(html.contains("Vệ sinh tay trước khi tiếp xúc người bệnh"));
    assert!(!html.contains("thang Morse"));
    assert_eq!(app.get("/c/khong-ton-tai").await.status(), 404);
}

async fn a_tag_page_lists_the_topics_carrying_that_tag(app: TestApp) {
    let token = app.token_for("huong@bv.vn", "Phạm Thu Hương", Role::Member).await;
    let tagged = post(&app, &token, "medication-safety", "Kali clorid đậm đặc cất riêng tủ khoá", &["Thuốc nguy cơ cao"]).await;
    post(&app, &token, "medication-safety", "Đối chiếu thuốc khi chuyển khoa", &["bàn giao"]).await;
    let (_, topic) = app.get_text(&format!("/t/{tagged}")).await;
    assert!(topic.contains(r#"href="/tag/thuoc-nguy-co-cao""#), "the tag links to its page");
    let (status, html) = app.get_text("/tag/thuoc-nguy-co-cao").await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, "li.topic-item"), 1);
    assert!(html.contains("Kali clorid đậm đặc cất riêng tủ khoá"));
    assert_eq!(app.get("/tag/khong-co-the-nay").await.status(), 404);
}

async fn post(app: &TestApp, token: &str, category: &str, title: &str, tags: &[&str]) -> i64 {
    let body = json!({"category": category, "kind": "discussion", "title": title,
                      "body": "Chia sẻ kinh nghiệm của khoa chúng tôi.", "tags": tags});
    app.api_topic(token, body).await
}

on_both_databases!(a_category_page_lists_only_its_topics, a_tag_page_lists_the_topics_carrying_that_tag);

mod with_demo {
    #[tokio::test]
    async fn sqlite() {
        let app = crate::common::TestApp::sqlite_with(|c| c.demo = true).await;
        super::demo_content_fills_every_category_with_vietnamese_posts(app).await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(app) = crate::common::TestApp::postgres_with(|c| c.demo = true).await {
            super::demo_content_fills_every_category_with_vietnamese_posts(app).await;
        }
    }
}
