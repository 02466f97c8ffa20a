//! Several servers on one database (issue 18): background jobs run under a lease only one
//! process holds at a time, each server keeps its own search index (`index_dir`) and all see
//! the same uploads (`uploads_dir`).

use std::time::{Duration, Instant};

use goodpractice::domain::Role;
use goodpractice::store::JobLease;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::TestApp;

const CATEGORY: &str = "patient-identification";

/// Two holders of one job: only one gets the lease, renews it, and the other gets it once it
/// has lapsed (a killed server) or been given up (a clean stop).
async fn only_one_holder_gets_a_lease_until_it_lapses(app: TestApp) {
    let store = &app.store;
    let (now, second) = (1_800_000_000_000_i64, 1000);
    assert!(store.take_lease("test_job", "server-a", now, now + 5 * second).await.unwrap(), "a free lease is taken");
    assert!(!store.take_lease("test_job", "server-b", now + second, now + 6 * second).await.unwrap(), "B must wait");
    assert!(store.take_lease("test_job", "server-a", now + 2 * second, now + 7 * second).await.unwrap(), "A renews its own");
    assert!(!store.take_lease("test_job", "server-b", now + 6 * second, now + 11 * second).await.unwrap(), "A's renewal still runs");
    assert_eq!(store.lease_holder("test_job").await.unwrap(), Some(("server-a".to_string(), now + 7 * second)));
    assert!(store.take_lease("test_job", "server-b", now + 8 * second, now + 13 * second).await.unwrap(), "A's lease lapsed");
    assert!(!store.take_lease("test_job", "server-a", now + 9 * second, now + 14 * second).await.unwrap(), "now A must wait");
    assert!(store.take_lease("other_job", "server-a", now + 9 * second, now + 14 * second).await.unwrap(), "leases are per job");

    // The same with real clocks, and a clean stop hands over at once.
    let (a, b) = (JobLease::new("clock_job", Duration::from_millis(400)), JobLease::new("clock_job", Duration::from_millis(400)));
    assert_ne!(a.holder(), b.holder(), "each process task has its own holder id");
    assert!(a.hold(store).await.unwrap());
    assert!(!b.hold(store).await.unwrap());
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(b.hold(store).await.unwrap(), "B takes over once A stops renewing");
    b.release(store).await;
    assert!(a.hold(store).await.unwrap(), "a given-up lease is free at once");
}

/// Two holders racing for a free lease at the same instant: exactly one wins.
async fn racing_holders_get_one_lease(app: TestApp) {
    for round in 0..10 {
        let name = format!("race_{round}");
        let now = chrono::Utc::now().timestamp_millis();
        let takes = (0..4).map(|n| {
            let (store, name) = (app.store.clone(), name.clone());
            tokio::spawn(async move { store.take_lease(&name, &format!("holder-{n}"), now, now + 60_000).await.unwrap() })
        });
        let won: Vec<bool> = futures_join(takes).await;
        assert_eq!(won.iter().filter(|w| **w).count(), 1, "round {round}: {won:?}");
    }
}

async fn futures_join(tasks: impl Iterator<Item = tokio::task::JoinHandle<bool>>) -> Vec<bool> {
    let mut out = Vec::new();
    for task in tasks.collect::<Vec<_>>() {
        out.push(task.await.unwrap());
    }
    out
}

/// Server A holds the mail job; B, started beside it on the same database, does not take it;
/// when A stops, B takes the job over within seconds. (The SQLite file lives in a folder of
/// its own, so it outlives A's data folder.)
async fn a_stopped_server_hands_its_jobs_to_the_other(backend: &'static str) {
    let db_dir = tempfile::tempdir().unwrap();
    let url = match backend {
        "sqlite" => format!("sqlite://{}", db_dir.path().join("shared.db").display()),
        _ => match crate::common::fresh_postgres_url().await {
            Some(url) => url,
            None => return,
        },
    };
    let first = TestApp::on(url.clone(), tempfile::tempdir().unwrap(), backend).await;
    let a_holder = wait_for_holder(&first, None).await;
    let second = TestApp::on(url, tempfile::tempdir().unwrap(), backend).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(wait_for_holder(&second, None).await, a_holder, "B left the mail job to A while A runs");
    drop(first);
    let started = Instant::now();
    let b_holder = wait_for_holder(&second, Some(&a_holder)).await;
    assert_ne!(b_holder, a_holder);
    assert!(started.elapsed() < Duration::from_secs(8), "took {:?}", started.elapsed());
    // B keeps renewing it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let (holder, until) = second.store.lease_holder("mail").await.unwrap().unwrap();
    assert_eq!(holder, b_holder);
    assert!(until > chrono::Utc::now().timestamp_millis(), "B's lease is current");
}

/// The mail lease's holder once someone holds it (other than `not`), waiting up to 8 s.
async fn wait_for_holder(app: &TestApp, not: Option<&str>) -> String {
    let deadline = Instant::now() + Duration::from_secs(8);
    loop {
        if let Some((holder, _)) = app.store.lease_holder("mail").await.unwrap()
            && Some(holder.as_str()) != not
        {
            return holder;
        }
        assert!(Instant::now() < deadline, "no server took the mail job (other than {not:?})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(64, 48).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn search_finds(app: &TestApp, words: &str, topic: i64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let res = app.get(&format!("/api/v1/search?q={}", urlencoding(words))).await;
        if res.status() == 200 {
            let json: Value = res.json().await.unwrap();
            if json["hits"].as_array().unwrap().iter().any(|h| h["topic_id"] == topic) {
                return;
            }
        }
        assert!(Instant::now() < deadline, "{} did not find topic {topic} for {words:?} within 5 s", app.base);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A photo uploaded through A is served by B (one shared uploads folder); a post made through A
/// is found by search on both, each from its own index folder.
async fn two_servers_share_uploads_and_keep_their_own_index(backend: &'static str) {
    let adjust_a = |c: &mut goodpractice::config::Config| {
        c.index_dir = c.data_dir.join("index-a");
        c.uploads_dir = c.data_dir.join("shared-uploads");
    };
    let a = match backend {
        "sqlite" => TestApp::sqlite_with(adjust_a).await,
        _ => match TestApp::postgres_with(adjust_a).await {
            Some(app) => app,
            None => return,
        },
    };
    let shared = a.data_dir().join("shared-uploads");
    let b = TestApp::on_with(a.database_url().to_string(), tempfile::tempdir().unwrap(), a.backend, |c| {
        c.index_dir = c.data_dir.join("index-b");
        c.uploads_dir = shared.clone();
    })
    .await;

    let token = a.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let photo = png();
    let part = Part::bytes(photo.clone()).file_name("bảng kiểm.png").mime_str("image/png").unwrap();
    let res = a
        .client
        .post(a.url("/api/v1/uploads"))
        .bearer_auth(&token)
        .multipart(Form::new().percent_encode_noop().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let upload: Value = res.json().await.unwrap();
    let body = format!("Bảng kiểm nhận diện người bệnh trước khi tiêm.\n\n{}", upload["markdown"].as_str().unwrap());
    let title = "Nhận diện người bệnh bằng vòng đeo tay";
    let topic = a.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": body})).await;

    let served = b.get(upload["url"].as_str().unwrap()).await;
    assert_eq!(served.status(), 200, "B serves the photo uploaded through A");
    assert!(!served.bytes().await.unwrap().is_empty());
    for server in [&a, &b] {
        search_finds(server, "nhan dien nguoi benh vong deo tay", topic).await;
        search_finds(server, "vòng đeo tay", topic).await;
    }
    assert!(a.data_dir().join("index-a").join("CURRENT").is_file(), "A's index is in its index_dir");
    assert!(b.data_dir().join("index-b").join("CURRENT").is_file(), "B's index is in its index_dir");
    assert!(!a.data_dir().join("search").exists() && !b.data_dir().join("search").exists(), "no index in the default place");
    assert!(!b.data_dir().join("attachments").exists(), "B wrote no upload of its own");
}

/// Tests that start their own pair of servers, on each database.
macro_rules! on_both_backends {
    ($($name:ident),*) => {
        $(mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name("sqlite").await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name("postgres").await;
            }
        })*
    };
}

on_both_backends!(two_servers_share_uploads_and_keep_their_own_index, a_stopped_server_hands_its_jobs_to_the_other);
crate::on_both_databases!(only_one_holder_gets_a_lease_until_it_lapses, racing_holders_get_one_lease);
