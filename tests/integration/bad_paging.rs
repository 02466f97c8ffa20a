//! Hostile paging in the address of every paged page and endpoint: a page far past the end, a
//! negative page, a `before` cursor that is not a key, a huge limit, a sort that does not exist.
//! Each gets a page (clamped, or empty) or a 4xx with a sentence a person reads, never a 5xx.

use serde_json::json;

use crate::common::TestApp;
use goodpractice::accounts::Role;

const HOSTILE: [&str; 8] =
    ["page=99999999", "page=-1", "page=0", "page=abc", "before=garbage", "before=-5", "limit=100000", "sort=nonexistent"];

async fn signed_in_moderator(app: &TestApp) -> String {
    app.create_user("minh@bv.vn", "Trần Văn Minh", Role::Moderator).await;
    let res = app.login("minh@bv.vn", crate::common::PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in");
    app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Moderator).await
}

async fn hostile_paging_is_a_page_or_a_clear_4xx(app: TestApp) {
    let token = signed_in_moderator(&app).await;
    let topic = app
        .api_topic(
            &token,
            json!({"kind": "discussion", "title": "Bàn giao người bệnh giữa các ca trực",
        "body": "Phiếu bàn giao SBAR tại khoa Hồi sức.", "tags": ["bàn giao ca"], "category": "medication-safety"}),
        )
        .await;
    let pages = [
        "/".to_string(),
        "/c/medication-safety".into(),
        "/c/medication-safety/helpful".into(),
        "/tag/ban-giao-ca".into(),
        format!("/t/{topic}"),
        "/guidance/43-2018-TT-BYT".into(),
        "/search?q=b%C3%A0n+giao".into(),
        "/notifications".into(),
        "/mod/queue".into(),
        "/mod/audit".into(),
    ];
    let apis = [
        "/api/v1/categories",
        "/api/v1/search?q=ban+giao",
        "/api/v1/moderation/queue",
        "/api/v1/moderation/audit",
        "/api/v1/notifications",
    ];
    for path in pages.iter().map(String::as_str).chain(apis) {
        for hostile in HOSTILE {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = format!("{path}{sep}{hostile}");
            let started = std::time::Instant::now();
            let res = app.client.get(app.url(&url)).bearer_auth(&token).send().await.unwrap();
            let status = res.status();
            let body = res.text().await.unwrap();
            assert!(status.is_success() || status.is_client_error(), "{url}: {status}");
            if status.is_client_error() {
                let said = if path.starts_with("/api/") { body.contains("\"detail\"") } else { body.contains("<p") };
                assert!(said, "{url}: {status} says why: {body}");
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(5), "{url}: answered without a long scan");
        }
    }
}

async fn a_cursor_that_is_not_a_key_is_a_400_that_says_so(app: TestApp) {
    let token = signed_in_moderator(&app).await;
    for before in ["garbage", "-5", "0", "1e9", "12abc"] {
        let (status, html) = app.get_text(&format!("/mod/audit?before={before}")).await;
        assert_eq!(status, 400, "before={before}");
        assert!(html.contains("Vị trí trang (before) không hợp lệ"), "before={before}: {html}");
    }
    for before in ["garbage", "-5", "0"] {
        let res = app.client.get(app.url(&format!("/api/v1/moderation/audit?before={before}"))).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 400, "API before={before}");
    }
    // A key past the oldest entry is an empty page, not an error.
    let (status, html) = app.get_text("/mod/audit?before=1").await;
    assert_eq!(status, 200);
    assert!(html.contains("Chưa có thao tác nào."), "{html}");
}

/// The audit log pages by key: each page's "older" link leads on, no entry is shown twice or
/// skipped, and the CSV export holds every entry.
async fn the_audit_log_pages_by_key_and_exports_every_entry(app: TestApp) {
    let token = signed_in_moderator(&app).await;
    let moderator = app.create_user("hung@bv.vn", "Lê Văn Hùng", Role::Moderator).await;
    for i in 0..120 {
        app.store.add_watched_word(moderator, &format!("từ cấm {i}"), "hold", None).await.unwrap();
    }
    let mut seen = Vec::new();
    let mut path = "/mod/audit".to_string();
    loop {
        let (status, html) = app.get_text(&path).await;
        assert_eq!(status, 200, "{path}");
        // Each row names its item in words: "Từ theo dõi #12".
        seen.extend(html.match_indices("Từ theo dõi #").map(|(i, m)| {
            let rest = &html[i + m.len()..];
            rest[..rest.find('<').unwrap()].trim().to_string()
        }));
        match crate::common::attr_of(&html, "a[rel=next]", "href") {
            Some(next) => path = next,
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 120, "every entry once across the pages");
    assert_eq!(unique.len(), 120);

    let csv = app.get("/mod/audit.csv").await;
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    let entries = app.store.audit_log(None, 1_000_000).await.unwrap().len();
    assert!(entries >= 120);
    assert_eq!(text.lines().count(), 1 + entries, "a header line and one line per entry");
    assert_eq!(text.matches("\"watched_word\"").count(), 120);
    // Compressed as a browser asks, the stream still ends cleanly (the compressor polls the
    // body once more after its end; the export stream must stay ended).
    let gzip = app.client.get(app.url("/mod/audit.csv")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzip.headers()["content-encoding"], "gzip");
    let bytes = gzip.bytes().await.expect("the whole compressed file arrives");
    assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    let _ = token;
}

crate::on_both_databases!(
    hostile_paging_is_a_page_or_a_clear_4xx,
    a_cursor_that_is_not_a_key_is_a_400_that_says_so,
    the_audit_log_pages_by_key_and_exports_every_entry,
);
