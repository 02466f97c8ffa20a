//! What an outside review found (issue 19), each finding as a test that failed before the fix:
//! sign-in limits under parallel guessing and behind a shared hospital address, personal answers
//! kept out of caches, HSTS, CSRF bound to the session, hidden posts answering as missing ones,
//! and NUL or broken UTF-8 in the address answered 400 on both databases.

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use goodpractice::store::AttemptClaim;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, cookie_value, text_of};
use crate::{on_both_databases, on_both_with};

const EMAIL: &str = "lan@bvbachmai.vn";
const NAME: &str = "Nguyễn Thị Lan";

async fn token_request(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": password})).await
}

/// The problem document of a refused API call: (status, code, detail).
async fn problem(res: reqwest::Response) -> (u16, String, String) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (status, body["code"].as_str().unwrap_or("").to_string(), body["detail"].as_str().unwrap_or("").to_string())
}

// ---------------------------------------------------------------------------------------------
// Sign-in limits

/// `attempts` sign-ins sent at once for one account, the right password last; returns how many
/// were answered with something other than 429 (each of those had its password checked).
async fn parallel_guesses(app: &TestApp, email: &str, attempts: usize) -> (usize, u16) {
    let mut tasks = Vec::new();
    for i in 0..attempts {
        let password = if i + 1 == attempts { PASSWORD.to_string() } else { format!("đoán-mò-{i}") };
        let (client, url, email) = (app.client.clone(), app.url("/api/v1/tokens"), email.to_string());
        tasks.push(tokio::spawn(async move {
            let body = json!({"email": email, "password": password});
            client.post(url).json(&body).send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    let checked = statuses.iter().filter(|s| **s != 429).count();
    assert!(statuses.iter().all(|s| [201, 401, 429].contains(s)), "{statuses:?}");
    (checked, *statuses.last().unwrap())
}

async fn parallel_guesses_never_get_past_the_account_limit(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    app.create_user("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;

    let (checked_of_20, _) = parallel_guesses(&app, EMAIL, 20).await;
    let (checked_of_100, last) = parallel_guesses(&app, "minh@bvtn.vn", 100).await;

    // Five free failures per account (login_failures_allowed), however the requests interleave.
    assert!(checked_of_20 <= 5, "{checked_of_20} of 20 parallel sign-ins had their password checked");
    assert!(checked_of_100 <= 5, "{checked_of_100} of 100 parallel sign-ins had their password checked");
    assert_eq!(last, 429, "the right password sent after 99 guesses must wait like any other");
}

async fn the_wait_is_stated_and_a_right_password_resets_the_count(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    for _ in 0..4 {
        assert_eq!(token_request(&app, EMAIL, "sai-mật-khẩu").await.status(), 401);
    }
    assert_eq!(token_request(&app, EMAIL, PASSWORD).await.status(), 201, "four failures are free");
    for _ in 0..5 {
        assert_eq!(token_request(&app, EMAIL, "sai-mật-khẩu").await.status(), 401, "the count started again");
    }

    let (status, code, detail) = problem(token_request(&app, EMAIL, PASSWORD).await).await;

    assert_eq!((status, code.as_str()), (429, "error.login_rate"));
    assert_eq!(
        detail,
        "Tài khoản này đã đăng nhập sai 5 lần liên tiếp. Để chống dò mật khẩu, lần thử tiếp theo phải chờ 1 phút. \
         (Sau 5 lần sai, mỗi lần sai thêm thời gian chờ tăng gấp đôi, tối đa 15 phút; đăng nhập đúng thì bộ đếm trở về 0.)"
    );
}

async fn one_account_under_attack_leaves_colleagues_on_the_same_address_alone(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    app.create_user("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;
    // 30 colleagues mistype once each from the hospital's one address, and one account is attacked.
    for i in 0..30 {
        assert_eq!(token_request(&app, &format!("nhanvien{i}@bvbachmai.vn"), "gõ-nhầm").await.status(), 401);
    }
    for _ in 0..8 {
        token_request(&app, EMAIL, "đoán-mò").await;
    }

    assert_eq!(token_request(&app, EMAIL, PASSWORD).await.status(), 429, "the attacked account waits");
    assert_eq!(token_request(&app, "minh@bvtn.vn", PASSWORD).await.status(), 201, "a colleague signs in");
}

fn small_address_limit(config: &mut Config) {
    config.login_failures_per_address = 12;
}

async fn the_address_limit_is_stated_when_it_is_met(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    // The count is per 15-minute clock window; thirteen sign-ins fit well inside 90 s.
    crate::common::within_one_rate_window(15 * 60_000, 90_000).await;
    for i in 0..12 {
        assert_eq!(token_request(&app, &format!("nhanvien{i}@bvbachmai.vn"), "gõ-nhầm").await.status(), 401);
    }

    let res = app
        .client
        .post(app.url("/api/v1/tokens"))
        .header("Accept-Language", "en")
        .json(&json!({"email": EMAIL, "password": PASSWORD}))
        .send()
        .await
        .unwrap();

    let (status, code, detail) = problem(res).await;
    assert_eq!((status, code.as_str()), (429, "error.login_address_rate"));
    assert!(detail.starts_with("Too many failed sign-ins from this network address (the limit is 12 in 15 minutes"), "{detail}");
    // The page says the same in Vietnamese.
    app.get("/login").await;
    let html = app.login(EMAIL, PASSWORD).await.text().await.unwrap();
    let shown = text_of(&html, "p.form-error").unwrap();
    assert!(shown.starts_with("Có quá nhiều lần đăng nhập sai từ địa chỉ mạng này (giới hạn 12 lần trong 15 phút"), "{shown}");
}

/// The backoff itself, with the clock in the test's hands: 1, 2, 4, 8, then 15 minutes.
async fn the_wait_doubles_up_to_fifteen_minutes(app: TestApp) {
    let minute = 60_000i64;
    let wait = |n: i64| if n < 5 { 0 } else { (minute << (n - 5).min(10)).min(15 * minute) };
    let mut now = 1_000_000_000_000i64;
    let mut waits = Vec::new();
    for failures in 1..=10 {
        assert_eq!(app.store.claim_login_attempt("k", now, 0, wait).await.unwrap(), AttemptClaim::Allowed { failures });
        if failures < 5 {
            now += 1;
            continue;
        }
        // One millisecond later: refused, told when the next attempt may start.
        match app.store.claim_login_attempt("k", now + 1, 0, wait).await.unwrap() {
            AttemptClaim::Refused { failures: counted, next_attempt_ms } => {
                assert_eq!(counted, failures, "a refused attempt is not counted");
                waits.push((next_attempt_ms - now) / minute);
                now = next_attempt_ms;
            }
            allowed => panic!("after {failures} failures: {allowed:?}"),
        }
    }
    assert_eq!(waits, [1, 2, 4, 8, 15, 15]);
    // Failures not seen for a day are forgotten; a right password forgets them at once.
    let a_day_later = now + 24 * 60 * minute;
    assert_eq!(
        app.store.claim_login_attempt("k", a_day_later, a_day_later - 1, wait).await.unwrap(),
        AttemptClaim::Allowed { failures: 1 }
    );
    app.store.reset_login_attempts("k").await.unwrap();
    assert_eq!(app.store.claim_login_attempt("k", a_day_later, 0, wait).await.unwrap(), AttemptClaim::Allowed { failures: 1 });
}

// ---------------------------------------------------------------------------------------------
// Personal answers and transport

fn cache_headers(res: &reqwest::Response) -> (String, String) {
    let get = |name: &str| res.headers().get_all(name).iter().map(|v| v.to_str().unwrap().to_string()).collect::<Vec<_>>().join(", ");
    (get("cache-control"), get("vary"))
}

fn assert_private(res: &reqwest::Response, what: &str) {
    let (cache, vary) = cache_headers(res);
    assert_eq!(cache, "private, no-store", "{what}");
    assert!(vary.split(',').any(|v| v.trim().eq_ignore_ascii_case("cookie")), "{what}: Vary {vary:?}");
}

async fn personal_pages_and_answers_are_never_cached(app: TestApp) {
    let token = app.token_for("mod@bvtn.vn", "Trần Kiểm Duyệt", Role::Moderator).await;
    app.get("/login").await;
    assert_eq!(app.login("mod@bvtn.vn", PASSWORD).await.status(), 303);

    for path in ["/", "/settings/profile", "/notifications", "/drafts", "/bookmarks", "/mod/queue", "/mod/audit.csv"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_private(&res, path);
    }
    for path in ["/api/v1/notifications", "/api/v1/drafts", "/api/v1/categories"] {
        let res = app.client.get(app.url(path)).bearer_auth(&token).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_private(&res, path);
    }
    let answer = token_request(&app, "mod@bvtn.vn", PASSWORD).await;
    assert_eq!(answer.status(), 201);
    assert_private(&answer, "the token answer");
    let refused = app.client.get(app.url("/api/v1/notifications")).bearer_auth("not-a-token").send().await.unwrap();
    assert_private(&refused, "an answer to a wrong token");

    // Anonymous answers are left to the anonymous page cache.
    let (anonymous, _) = app.second_browser();
    let (cache, _) = cache_headers(&anonymous.get(app.url("/")).send().await.unwrap());
    assert!(!cache.contains("private"), "{cache}");
    let (cache, _) = cache_headers(&app.get("/static/style.css").await);
    assert_eq!(cache, "public, max-age=86400", "the stylesheet is the same for everyone");
}

fn https(config: &mut Config) {
    config.secure_cookies = true;
}

async fn hsts_is_sent_over_https(app: TestApp) {
    for path in ["/", "/healthz", "/api/v1/categories", "/no-such-page"] {
        let res = app.get(path).await;
        assert_eq!(res.headers().get("strict-transport-security").map(|v| v.to_str().unwrap()), Some("max-age=31536000"), "{path}");
    }
}

async fn no_hsts_over_plain_http(app: TestApp) {
    assert!(app.get("/").await.headers().get("strict-transport-security").is_none());
}

// ---------------------------------------------------------------------------------------------
// CSRF

/// Changes the display name through the settings form with this token; returns the status.
async fn rename_with(app: &TestApp, token: &str, name: &str, extra: Option<(&str, &str)>) -> u16 {
    let fields = [("display_name", name), ("csrf", token)];
    let mut req = app.client.post(app.url("/settings/profile")).form(&fields);
    if let Some((header, value)) = extra {
        req = req.header(header, value);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn display_name(app: &TestApp) -> String {
    app.store.user_for_login(EMAIL).await.unwrap().0.display_name
}

async fn a_planted_csrf_cookie_with_a_matching_field_is_refused(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    app.get("/login").await;
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 303);
    // A sibling site or a network on plain HTTP overwrites the cookie with a value it knows.
    let planted = "attacker-chosen-token-0123456789-abcdefghijkl";
    app.jar.add_cookie_str(&format!("gp_csrf={planted}; Path=/"), &app.base.parse().unwrap());

    let status = rename_with(&app, planted, "Kẻ Tấn Công", None).await;

    assert_eq!(status, 403);
    assert_eq!(display_name(&app).await, NAME, "nothing changed");
    // The next page puts the session's own token back, and forms work again.
    app.get("/settings/profile").await;
    assert_ne!(app.csrf(), planted);
    assert_eq!(rename_with(&app, &app.csrf(), "Nguyễn Thị Lan (Điều dưỡng)", None).await, 303);
    assert_eq!(display_name(&app).await, "Nguyễn Thị Lan (Điều dưỡng)");
}

async fn the_csrf_token_changes_at_sign_in(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    app.get("/login").await;
    let before = app.csrf();

    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 303);

    let after = cookie_value(&app.jar, &app.base, "gp_csrf").unwrap();
    assert_ne!(before, after, "a token seen before sign-in is worthless after it");
    assert_eq!(rename_with(&app, &before, "Kẻ Tấn Công", None).await, 403);
    // A second sign-in (another session) brings yet another token.
    let (other, other_jar) = app.second_browser();
    other.get(app.url("/login")).send().await.unwrap();
    let anonymous = cookie_value(&other_jar, &app.base, "gp_csrf").unwrap();
    let fields = [("email", EMAIL), ("password", PASSWORD), ("csrf", anonymous.as_str())];
    assert_eq!(other.post(app.url("/login")).form(&fields).send().await.unwrap().status(), 303);
    assert_ne!(cookie_value(&other_jar, &app.base, "gp_csrf").unwrap(), after);
    assert_eq!(display_name(&app).await, NAME);
}

async fn a_form_the_browser_says_came_from_another_site_is_refused(app: TestApp) {
    app.create_user(EMAIL, NAME, Role::Member).await;
    app.get("/login").await;
    assert_eq!(app.login(EMAIL, PASSWORD).await.status(), 303);
    let token = app.csrf();
    assert_eq!(rename_with(&app, &token, "Từ Trang Khác", Some(("Sec-Fetch-Site", "cross-site"))).await, 403);
    assert_eq!(rename_with(&app, &token, "Từ Trang Khác", Some(("Sec-Fetch-Site", "same-site"))).await, 403);
    assert_eq!(display_name(&app).await, NAME);
    assert_eq!(rename_with(&app, &token, "Nguyễn Thị Lan", Some(("Sec-Fetch-Site", "same-origin"))).await, 303);
}

// ---------------------------------------------------------------------------------------------
// Hidden posts

fn first_posts_held(config: &mut Config) {
    config.new_user_held_posts = 2;
}

/// Every action on a post the viewer may not see answers as it does for a post that never existed.
async fn a_hidden_post_answers_as_a_missing_one_whatever_the_action(app: TestApp) {
    let moderator = app.token_for("mod@bvtn.vn", "Trần Kiểm Duyệt", Role::Moderator).await;
    let author = app.token_for(EMAIL, NAME, Role::Member).await;
    let other = app.token_for("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;
    let public = app.api_topic(&moderator, json!({"category": "medication-safety", "kind": "question", "title": "Dán nhãn thuốc nguy cơ cao thế nào?", "body": "Khoa các anh chị làm ra sao?"})).await;
    let held_topic = app.api_topic(&author, json!({"category": "medication-safety", "kind": "discussion", "title": "Bảng kiểm bàn giao thuốc", "body": "Bản nháp đầu tiên của khoa."})).await;
    let res = app.post_json(&format!("/api/v1/topics/{public}/posts"), Some(&author), &json!({"body": "Khoa tôi dùng nhãn đỏ."})).await;
    let reply: Value = res.json().await.unwrap();
    assert_eq!(reply["status"], "pending", "{reply}");
    let held_reply = reply["id"].as_i64().unwrap();
    let opening = app.store.topic_posts(held_topic, 10, 0).await.unwrap();
    assert_eq!(opening.first().map(|p| p.status.as_str()), Some("pending"), "the held topic's opening post");
    let held_opening = opening[0].id;
    let missing = 987_654;

    let post_actions = |id: i64| {
        vec![
            (reqwest::Method::PATCH, format!("/api/v1/posts/{id}"), Some(json!({"body": "Sửa bài của người khác."}))),
            (reqwest::Method::PUT, format!("/api/v1/posts/{id}/helpful"), None),
            (reqwest::Method::DELETE, format!("/api/v1/posts/{id}/helpful"), None),
            (reqwest::Method::PUT, format!("/api/v1/posts/{id}/bookmark"), None),
            (reqwest::Method::DELETE, format!("/api/v1/posts/{id}/bookmark"), None),
            (reqwest::Method::POST, format!("/api/v1/posts/{id}/flags"), Some(json!({"reason": "spam"}))),
        ]
    };
    let topic_actions = |id: i64| {
        vec![
            (reqwest::Method::GET, format!("/api/v1/topics/{id}"), None),
            (reqwest::Method::POST, format!("/api/v1/topics/{id}/posts"), Some(json!({"body": "Trả lời chủ đề ẩn."}))),
            (reqwest::Method::PUT, format!("/api/v1/topics/{id}/bookmark"), None),
            (reqwest::Method::DELETE, format!("/api/v1/topics/{id}/bookmark"), None),
        ]
    };
    let answer = |method: reqwest::Method, path: String, body: Option<Value>| {
        let mut req = app.client.request(method, app.url(&path)).bearer_auth(&other);
        if let Some(body) = body {
            req = req.json(&body);
        }
        async move { problem(req.send().await.unwrap()).await }
    };
    for (hidden, is_post) in [(held_opening, true), (held_reply, true), (held_topic, false)] {
        let (for_hidden, for_missing) =
            if is_post { (post_actions(hidden), post_actions(missing)) } else { (topic_actions(hidden), topic_actions(missing)) };
        for ((method, path, body), (m2, missing_path, b2)) in for_hidden.into_iter().zip(for_missing) {
            let seen = answer(method.clone(), path.clone(), body).await;
            let unseen = answer(m2, missing_path, b2).await;
            assert_eq!(seen.0, 404, "{method} {path}: {seen:?}");
            assert_eq!(seen, unseen, "{method} {path} must answer exactly as for a missing post");
        }
    }

    // The pages too.
    app.get("/login").await;
    assert_eq!(app.login("minh@bvtn.vn", PASSWORD).await.status(), 303);
    for path in [format!("/posts/{held_reply}/edit"), format!("/posts/{held_reply}/revisions"), format!("/t/{held_topic}")] {
        assert_eq!(app.get(&path).await.status(), 404, "{path}");
    }
    for path in [format!("/posts/{held_reply}/helpful"), format!("/posts/{held_reply}/bookmark"), format!("/posts/{held_reply}/edit")] {
        assert_eq!(app.post_form(&path, &[("body", "Sửa bài của người khác."), ("reason", "spam")]).await.status(), 404, "POST {path}");
    }
    // The author still sees and edits their own held post.
    let res = app
        .patch_json(&format!("/api/v1/posts/{held_reply}"), Some(&author), &json!({"body": "Khoa tôi dùng nhãn đỏ và hai người kiểm tra."}))
        .await;
    assert_eq!(res.status(), 200);
}

// ---------------------------------------------------------------------------------------------
// Invalid text in the address

async fn nul_and_broken_utf8_in_the_address_are_a_400_on_both_databases(app: TestApp) {
    let token = app.token_for(EMAIL, NAME, Role::Member).await;
    let pages = [
        "/criteria/a%00b",
        "/tag/a%00b/feed.atom",
        "/tag/a%00b",
        "/search?q=x&tag=a%00b",
        "/search?q=ng%C6%B0%E1%BB%9Di%00",
        "/tag/%FF%FE",
        "/c/a%01b",
        "/guidance/43%00-2018",
    ];
    for path in pages {
        let res = app.get(path).await;
        assert_eq!(res.status(), 400, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains("Địa chỉ trang có ký tự không hợp lệ"), "{path}: {html}");
    }
    for (method, path) in [
        (reqwest::Method::PUT, "/api/v1/watches/tag/a%00b"),
        (reqwest::Method::DELETE, "/api/v1/watches/tag/a%00b"),
        (reqwest::Method::GET, "/api/v1/search?q=a%00b"),
        (reqwest::Method::GET, "/api/v1/guidance/43%00"),
        (reqwest::Method::GET, "/api/v1/topics/1%00"),
    ] {
        let res =
            app.client.request(method.clone(), app.url(path)).bearer_auth(&token).header("Accept-Language", "en").send().await.unwrap();
        let (status, code, detail) = problem(res).await;
        assert_eq!((status, code.as_str()), (400, "error.invalid_address_text"), "{method} {path}");
        assert!(detail.contains("NUL"), "{detail}");
    }
    // Vietnamese in the address, with and without diacritics, is still fine.
    assert_ne!(app.get("/search?q=ng%C6%B0%E1%BB%9Di+b%E1%BB%87nh").await.status(), StatusCode::BAD_REQUEST);
    assert_ne!(app.get("/search?q=nguoi+benh").await.status(), StatusCode::BAD_REQUEST);
}

on_both_databases!(
    parallel_guesses_never_get_past_the_account_limit,
    the_wait_is_stated_and_a_right_password_resets_the_count,
    one_account_under_attack_leaves_colleagues_on_the_same_address_alone,
    the_wait_doubles_up_to_fifteen_minutes,
    personal_pages_and_answers_are_never_cached,
    no_hsts_over_plain_http,
    a_planted_csrf_cookie_with_a_matching_field_is_refused,
    the_csrf_token_changes_at_sign_in,
    a_form_the_browser_says_came_from_another_site_is_refused,
    nul_and_broken_utf8_in_the_address_are_a_400_on_both_databases,
);
on_both_with!(small_address_limit: the_address_limit_is_stated_when_it_is_met);
on_both_with!(https: hsts_is_sent_over_https);
on_both_with!(first_posts_held: a_hidden_post_answers_as_a_missing_one_whatever_the_action);
