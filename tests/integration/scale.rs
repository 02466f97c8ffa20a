//! The scale benchmark's generator at a tiny size (2,000 posts) on both databases: it writes
//! what it says it wrote, the forum it makes is served like any other, and the app can go on
//! writing after it (identity sequences moved past the generated ids).

use std::collections::HashMap;

use goodpractice::accounts::Role;
use goodpractice::scale::{self, Corpus, Plan};
use serde_json::{Value, json};

use crate::common::TestApp;

const POSTS: u64 = 2_000;

fn corpus() -> Corpus {
    let relevance = concat!(env!("CARGO_MANIFEST_DIR"), "/search-index/eval/corpus.jsonl");
    Corpus::load(&[relevance]).expect("the relevance corpus and the demo content load")
}

async fn the_generator_writes_the_forum_it_claims(app: TestApp) {
    let admin = app.create_user("quan-tri@benhvien.vn", "Quản trị Viên", Role::Admin).await;
    let before: HashMap<_, _> = app.store.bulk_counts().await.unwrap().into_iter().collect();

    let plan = Plan { posts: POSTS, seed: 7 };
    let report = scale::generate(&app.store, &plan, corpus()).await.unwrap();

    // Every table grew by exactly what the report claims, and the claims are the plan's.
    let after: HashMap<_, _> = app.store.bulk_counts().await.unwrap().into_iter().collect();
    for (table, rows) in &report.rows {
        assert_eq!((after[table] - before[table]) as u64, *rows, "rows written to {table}");
    }
    assert_eq!(report.posts, POSTS);
    assert_eq!(report.topics, POSTS / 4);
    assert_eq!(report.rows_of("post_revisions"), POSTS, "every post has its first revision");
    assert_eq!(report.rows_of("audit_log"), POSTS);
    assert_eq!(report.rows_of("search_changes"), POSTS / 4);
    assert_eq!(report.rows_of("users"), plan.members());
    assert!(report.rows_of("notifications") >= scale::READER_NOTIFICATIONS, "the admin who existed before is a heavy reader");
    assert_eq!(report.most_cited_by, POSTS / 4 / 8);

    // The long topic has its 500 replies, in Vietnamese, and is served.
    let topic: Value = app.get(&format!("/api/v1/topics/{}", report.long_topic)).await.json().await.unwrap();
    let posts = topic["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 500, "501 posts, of which the API returns its limit of 500");
    assert!(posts.iter().any(|p| p["body"].as_str().unwrap().contains("người bệnh")), "real Vietnamese text");

    // The counts kept by the database's triggers followed the bulk inserts exactly.
    assert_eq!(
        app.store.kept_topic_counts().await.unwrap(),
        app.store.counted_topic_counts().await.unwrap(),
        "kept topic counts equal a fresh COUNT(*) after generation"
    );

    // Categories count the generated topics; the pages that list them answer.
    let categories: Value = app.get("/api/v1/categories").await.json().await.unwrap();
    let listed: i64 = categories.as_array().unwrap().iter().map(|c| c["topic_count"].as_i64().unwrap()).sum();
    assert_eq!(listed as u64, POSTS / 4);
    for path in [
        "/".to_string(),
        format!("/tag/{}", report.top_tag),
        format!("/u/{}", report.busiest_author),
        format!("/guidance/{}", report.most_cited.replace('/', "-")),
    ] {
        assert_eq!(app.get(&path).await.status(), 200, "{path}");
    }

    // The open moderation queue has its planned size (20 items: one page of the API).
    let token = app.token_for("dieu-phoi@benhvien.vn", "Điều phối Viên", Role::Moderator).await;
    let queue: Value =
        app.client.get(format!("{}/api/v1/moderation/queue", app.base)).bearer_auth(&token).send().await.unwrap().json().await.unwrap();
    assert_eq!(queue.as_array().unwrap().len() as u64, plan.open_queue_items(), "{queue}");

    // The forum goes on: a new topic gets a fresh id after the generated ones.
    let author = app.token_for("thanh-vien-moi@benhvien.vn", "Thành viên Mới", Role::Member).await;
    let id = app
        .api_topic(
            &author,
            json!({"title": "Bàn giao ca bằng bảng kiểm SBAR", "body": "Khoa chúng tôi dùng SBAR khi bàn giao ca.",
        "category": "communication", "kind": "discussion"}),
        )
        .await;
    assert!(id > report.long_topic + report.topics as i64 - 1, "topic {id} after the generated ones");
    assert!(admin > 0);

    // A second run refuses to fill a forum that has topics.
    assert!(scale::generate(&app.store, &plan, corpus()).await.is_err());
}

/// A server that starts on a forum whose search index is missing (a new data folder, a lost
/// disk) serves search while it builds the index: every answer is a 200 (the page says the
/// index is being built, the API carries `building`), never a 503, and then finds everything.
async fn a_server_without_its_index_answers_search_while_building_it(app: TestApp) {
    let plan = Plan { posts: POSTS, seed: 11 };
    scale::generate(&app.store, &plan, corpus()).await.unwrap();
    let url = app.database_url().to_string();
    let fresh = match app.backend {
        "sqlite" => TestApp::sqlite_with(move |c| c.database_url = url).await,
        _ => TestApp::postgres_with(move |c| c.database_url = url).await.expect("PostgreSQL, as for the first server"),
    };

    let mut seen_building = Vec::new();
    let mut complete = None;
    for _ in 0..600 {
        let api = fresh.get("/api/v1/search?q=nguoi+benh").await;
        assert_eq!(api.status(), 200, "the search API while the index is built");
        let body: Value = api.json().await.unwrap();
        let page = fresh.get("/search?q=ng%C6%B0%E1%BB%9Di+b%E1%BB%87nh").await;
        assert_eq!(page.status(), 200, "the search page while the index is built");
        match body.get("building") {
            Some(building) => {
                let (done, total) = (building["done"].as_u64().unwrap(), building["total"].as_u64().unwrap());
                let starting = (done, total) == (0, 0);
                assert!(starting || done <= total && total == plan.topics(), "{building}");
                seen_building.push(done);
            }
            None if body["total"].as_u64().unwrap() > 0 => {
                complete = Some(body["total"].as_u64().unwrap());
                break;
            }
            None => {}
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let found = complete.expect("the index was built within a minute");
    assert!(found > plan.topics() / 4, "most topics mention người bệnh: {found} of {}", plan.topics());
    assert!(seen_building.windows(2).all(|w| w[0] <= w[1]), "progress only grows: {seen_building:?}");
    let (status, html) = fresh.get_text("/search?q=ng%C6%B0%E1%BB%9Di+b%E1%BB%87nh").await;
    assert_eq!(status, 200);
    assert!(!html.contains("đang được xây dựng") && !html.contains("đang khởi động"), "no note once the index is complete");
    assert!(html.contains("search-results"), "results listed");
}

/// On a Monday morning in Vietnam the weekly digest is queued once; the mail task's next rounds
/// (every half second) neither queue nor log it again — even when nobody wanted it, which used
/// to be "queued" and logged on every round.
async fn the_weekly_digest_is_queued_once_per_week(app: TestApp) {
    use goodpractice::notify::outbox::DigestSchedule;
    let monday_9am_in_vietnam = chrono::DateTime::parse_from_rfc3339("2026-12-07T02:00:00Z").unwrap().to_utc();
    let later_that_monday = monday_9am_in_vietnam + chrono::Duration::hours(5);
    let sunday = monday_9am_in_vietnam - chrono::Duration::days(1);

    let mut schedule = DigestSchedule::default();
    assert_eq!(schedule.tick(&app.store, sunday).await.unwrap(), None, "not due on Sunday");
    assert_eq!(schedule.tick(&app.store, monday_9am_in_vietnam).await.unwrap(), Some(0), "due, and nobody to send it to");
    assert_eq!(schedule.tick(&app.store, monday_9am_in_vietnam).await.unwrap(), None, "done for this week");
    assert_eq!(schedule.tick(&app.store, later_that_monday).await.unwrap(), None);

    // Another process (a restart) finds the week queued by someone else and does nothing either.
    app.create_user("lan.nguyen@benhvien.vn", "Nguyễn Thị Lan", Role::Member).await;
    let mut other = DigestSchedule::default();
    assert_eq!(other.tick(&app.store, later_that_monday).await.unwrap(), Some(1), "a member who wants it");
    let mut restarted = DigestSchedule::default();
    assert_eq!(restarted.tick(&app.store, later_that_monday).await.unwrap(), None, "already queued this week");
    let next_monday = monday_9am_in_vietnam + chrono::Duration::days(7);
    assert_eq!(restarted.tick(&app.store, next_monday).await.unwrap(), Some(1), "a new week");
}

crate::on_both_databases!(
    the_generator_writes_the_forum_it_claims,
    a_server_without_its_index_answers_search_while_building_it,
    the_weekly_digest_is_queued_once_per_week,
);
