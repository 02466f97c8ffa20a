//! Accounts people can trust (issue 17): password reset by mail (through a real SMTP sink),
//! password change, password strength, the sessions and tokens page and API, and suspension
//! taking effect on credentials already handed out. Each runs on SQLite and on PostgreSQL.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, count, text_of};
use crate::notify::{SmtpSink, parse_mail, wait_for};

const NEW_PASSWORD: &str = "giao ca kiểm tra chéo lúc 7 giờ";

/// The app with its mail going to a fresh SMTP sink (`None`: no aiosmtpd, test skipped).
async fn with_sink(postgres: bool) -> Option<(TestApp, SmtpSink)> {
    let sink = SmtpSink::start().await?;
    let app =
        if postgres { TestApp::postgres_with(|c| sink.configure(c)).await? } else { TestApp::sqlite_with(|c| sink.configure(c)).await };
    Some((app, sink))
}

macro_rules! with_mail_on_both_databases {
    ($($name:ident),* $(,)?) => {
        mod mail_sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some((app, sink)) = super::with_sink(false).await {
                        super::$name(app, sink).await;
                    }
                }
            )*
        }
        mod mail_postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    if let Some((app, sink)) = super::with_sink(true).await {
                        super::$name(app, sink).await;
                    }
                }
            )*
        }
    };
}

/// The reset link in the `n`th mail (1-based) once it has arrived, and the parsed mail.
async fn reset_mail(sink: &SmtpSink, n: usize) -> (String, Value) {
    wait_for(async || sink.messages().len() >= n, "the reset mail at the SMTP sink").await;
    let mail = parse_mail(&sink.python, &sink.messages()[n - 1]);
    let text = mail["text"].as_str().unwrap();
    let link = text.split_whitespace().find(|w| w.contains("/password/reset/")).expect("a reset link in the mail").to_string();
    (link, mail)
}

/// The path of a link (`http://host/path` → `/path`).
fn path_of(link: &str) -> String {
    let after_scheme = link.split_once("://").unwrap().1;
    format!("/{}", after_scheme.split_once('/').unwrap().1)
}

async fn token(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.post_json("/api/v1/tokens", None, &json!({"email": email, "password": password})).await
}

async fn bearer_get(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// Password reset by mail

async fn a_reset_link_works_once_and_ends_every_session_and_token(app: TestApp, sink: SmtpSink) {
    app.create_user("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    assert_eq!(app.login("lan@bvbachmai.vn", PASSWORD).await.status(), 303);
    let old_token: String =
        token(&app, "lan@bvbachmai.vn", PASSWORD).await.json::<Value>().await.unwrap()["token"].as_str().unwrap().into();

    let (other, other_jar) = app.second_browser();
    other.get(app.url("/password/forgot")).send().await.unwrap();
    let csrf = crate::common::cookie_value(&other_jar, &app.base, "gp_csrf").unwrap();
    let ask = |email: &'static str| other.post(app.url("/password/forgot")).form(&[("email", email), ("csrf", csrf.as_str())]).send();
    let known = ask("Lan@BVBachMai.vn").await.unwrap();
    assert_eq!(known.status(), 200);
    let known_text = text_of(&known.text().await.unwrap(), "#reset-sent").unwrap();
    let unknown = ask("khong-co@bvbachmai.vn").await.unwrap();
    assert_eq!(unknown.status(), 200);
    assert_eq!(text_of(&unknown.text().await.unwrap(), "#reset-sent").unwrap(), known_text, "the same answer for an unknown address");
    assert!(known_text.contains("Nếu có tài khoản dùng email này"), "{known_text}");

    let (link, mail) = reset_mail(&sink, 1).await;
    assert!(mail["to"].as_str().unwrap().contains("lan@bvbachmai.vn"));
    assert_eq!(mail["subject"], "Đặt lại mật khẩu Thực hành tốt");
    assert_eq!(mail["list_unsubscribe"], "None", "account mail has no unsubscribe header");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.messages().len(), 1, "no mail for the unknown address");
    let path = path_of(&link);

    // The form, then hostile passwords: each refused with a sentence, the link still good.
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, "input[name=password]"), 1);
    let weak = app.post_form(&path, &[("password", "12345678")]).await;
    assert_eq!(weak.status(), 422);
    assert!(text_of(&weak.text().await.unwrap(), ".form-error").unwrap().contains("mật khẩu phổ biến"));
    let own_name = app.post_form(&path, &[("password", "nguyenthilan")]).await;
    assert_eq!(own_name.status(), 422);
    assert!(text_of(&own_name.text().await.unwrap(), ".form-error").unwrap().contains("tên hoặc email của bạn"));
    let huge = "ê".repeat(10_000);
    let long = app.post_form(&path, &[("password", &huge)]).await;
    assert_eq!(long.status(), 422);
    assert!(text_of(&long.text().await.unwrap(), ".form-error").unwrap().contains("200"));

    let done = app.post_form(&path, &[("password", NEW_PASSWORD)]).await;
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()["location"], "/login?password_reset=1");

    // Used: the link, the old session, the old token and the old password are all worthless.
    let (status, page) = app.get_text(&path).await;
    assert_eq!(status, 400);
    assert!(text_of(&page, ".form-error").unwrap().contains("không dùng được"));
    assert_eq!(app.post_form(&path, &[("password", "một mật khẩu khác hẳn 2027")]).await.status(), 400);
    assert_eq!(app.get("/settings/profile").await.status(), 303, "the old session ended");
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &old_token).await.status(), 401);
    assert_eq!(token(&app, "lan@bvbachmai.vn", PASSWORD).await.status(), 401);
    assert_eq!(token(&app, "lan@bvbachmai.vn", NEW_PASSWORD).await.status(), 201);
}

async fn older_expired_and_forged_links_are_refused_and_change_nothing(app: TestApp, sink: SmtpSink) {
    app.create_user("binh@bvcr.vn", "Trần Bình", Role::Member).await;
    async fn forgot(app: &TestApp) -> reqwest::Response {
        app.post_json("/api/v1/password/forgot", None, &json!({"email": "binh@bvcr.vn"})).await
    }
    assert_eq!(forgot(&app).await.status(), 202);
    let (first, _) = reset_mail(&sink, 1).await;
    assert_eq!(forgot(&app).await.status(), 202);
    let (second, _) = reset_mail(&sink, 2).await;
    let token_of = |link: &str| link.rsplit('/').next().unwrap().to_string();

    // A newer link replaces the older one.
    let res = app.post_json("/api/v1/password/reset", None, &json!({"token": token_of(&first), "password": NEW_PASSWORD})).await;
    assert_eq!(res.status(), 400);
    assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("liên kết mới hơn"));

    // An hour later the newer one has expired too.
    crate::common::expire_all(&app, "password_resets").await;
    let res = app.post_json("/api/v1/password/reset", None, &json!({"token": token_of(&second), "password": NEW_PASSWORD})).await;
    assert_eq!(res.status(), 400);

    // Forged, empty and absurdly long tokens.
    for forged in ["", "abc", &"A".repeat(5_000), "../../etc/passwd"] {
        let res = app.post_json("/api/v1/password/reset", None, &json!({"token": forged, "password": NEW_PASSWORD})).await;
        assert_eq!(res.status(), 400, "{forged:.20}");
    }
    assert_eq!(app.get_text("/password/reset/forged-token").await.0, 400);
    assert_eq!(token(&app, "binh@bvcr.vn", PASSWORD).await.status(), 201, "the password did not change");

    // A sign-in with the password makes a link sent before it worthless.
    assert_eq!(forgot(&app).await.status(), 202);
    let (third, _) = reset_mail(&sink, 3).await;
    assert_eq!(app.login("binh@bvcr.vn", PASSWORD).await.status(), 303);
    let res = app.post_json("/api/v1/password/reset", None, &json!({"token": token_of(&third), "password": NEW_PASSWORD})).await;
    assert_eq!(res.status(), 400);
}

async fn the_api_resets_with_the_mailed_token_and_limits_requests_per_address(app: TestApp, sink: SmtpSink) {
    app.create_user("mai@bvtn.vn", "Mai Anh", Role::Member).await;
    for email in ["mai@bvtn.vn", "khong-ai@bvtn.vn"] {
        let res = app.post_json("/api/v1/password/forgot", None, &json!({"email": email})).await;
        assert_eq!(res.status(), 202, "{email}");
    }
    let (link, _) = reset_mail(&sink, 1).await;
    let reset_token = link.rsplit('/').next().unwrap();
    let weak = app.post_json("/api/v1/password/reset", None, &json!({"token": reset_token, "password": "password1"})).await;
    assert_eq!(weak.status(), 422);
    let res = app.post_json("/api/v1/password/reset", None, &json!({"token": reset_token, "password": NEW_PASSWORD})).await;
    assert_eq!(res.status(), 204);
    assert_eq!(token(&app, "mai@bvtn.vn", NEW_PASSWORD).await.status(), 201);

    // Three requests per email per hour (one made above), known or not; the fourth is a 429.
    for _ in 0..2 {
        assert_eq!(app.post_json("/api/v1/password/forgot", None, &json!({"email": "khong-ai@bvtn.vn"})).await.status(), 202);
    }
    let res = app.post_json("/api/v1/password/forgot", None, &json!({"email": "khong-ai@bvtn.vn"})).await;
    assert_eq!(res.status(), 429);
    assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("3 lần"));
    let bad = app.post_json("/api/v1/password/forgot", None, &json!({"email": "không phải email"})).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("email không hợp lệ"));
}

with_mail_on_both_databases!(
    a_reset_link_works_once_and_ends_every_session_and_token,
    older_expired_and_forged_links_are_refused_and_change_nothing,
    the_api_resets_with_the_mailed_token_and_limits_requests_per_address,
);

// ---------------------------------------------------------------------------------------------
// Password change and strength

async fn changing_the_password_asks_the_current_one_and_signs_out_other_devices(app: TestApp) {
    app.create_user("hoa@bvdk.vn", "Lê Thị Hoa", Role::Member).await;
    assert_eq!(app.login("hoa@bvdk.vn", PASSWORD).await.status(), 303);
    let (phone, phone_jar) = app.second_browser();
    phone.get(app.url("/login")).send().await.unwrap();
    let csrf = crate::common::cookie_value(&phone_jar, &app.base, "gp_csrf").unwrap();
    let signed =
        phone.post(app.url("/login")).form(&[("email", "hoa@bvdk.vn"), ("password", PASSWORD), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(signed.status(), 303);
    assert_eq!(phone.get(app.url("/settings/profile")).send().await.unwrap().status(), 200);

    let wrong = app.post_form("/settings/password", &[("current_password", "sai-mat-khau"), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(text_of(&wrong.text().await.unwrap(), ".form-error").unwrap(), "Mật khẩu hiện tại không đúng.");
    let weak = app.post_form("/settings/password", &[("current_password", PASSWORD), ("new_password", "hoa@bvdk.vn")]).await;
    assert_eq!(weak.status(), 422);
    assert_eq!(phone.get(app.url("/settings/profile")).send().await.unwrap().status(), 200, "nothing changed yet");

    let ok = app.post_form("/settings/password", &[("current_password", PASSWORD), ("new_password", NEW_PASSWORD)]).await;
    assert_eq!(ok.status(), 303);
    let (status, page) = app.get_text("/settings/password?changed=1").await;
    assert_eq!(status, 200, "this browser stays signed in");
    assert!(text_of(&page, "#password-changed").is_some());
    assert_eq!(phone.get(app.url("/settings/profile")).send().await.unwrap().status(), 303, "the other device is signed out");
    assert_eq!(token(&app, "hoa@bvdk.vn", NEW_PASSWORD).await.status(), 201);
}

async fn sign_up_refuses_guessable_passwords_with_the_reason(app: TestApp) {
    let cases = [
        ("12345678", "danh sách mật khẩu phổ biến"),
        ("nguyenvannam", "tên hoặc email của bạn"),
        ("nguyễnvănnam", "tên hoặc email của bạn"),
        ("zxcvbnm,./", "dãy phím"),
    ];
    for (password, why) in cases {
        let res = app.post_form("/signup", &[("email", "nam@bvtw.vn"), ("name", "Nguyễn Văn Nam"), ("password", password)]).await;
        assert_eq!(res.status(), 422, "{password}");
        assert!(text_of(&res.text().await.unwrap(), ".form-error").unwrap().contains(why), "{password}");
    }
    assert_eq!(app.store.count_users().await.unwrap(), 0, "no account was made");
    let res = app.post_form("/signup", &[("email", "nam@bvtw.vn"), ("name", "Nguyễn Văn Nam"), ("password", NEW_PASSWORD)]).await;
    assert_eq!(res.status(), 200, "a strong password is taken (the account waits for the mailed link)");
}

// ---------------------------------------------------------------------------------------------
// Sessions and tokens

async fn the_sessions_page_lists_devices_and_tokens_and_ends_each(app: TestApp) {
    app.create_user("tam@bvqy.vn", "Phạm Tâm", Role::Member).await;
    assert_eq!(app.login("tam@bvqy.vn", PASSWORD).await.status(), 303);
    let (phone, phone_jar) = app.second_browser();
    phone.get(app.url("/login")).send().await.unwrap();
    let csrf = crate::common::cookie_value(&phone_jar, &app.base, "gp_csrf").unwrap();
    let android = "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36";
    phone
        .post(app.url("/login"))
        .header("user-agent", android)
        .form(&[("email", "tam@bvqy.vn"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    phone.get(app.url("/")).header("user-agent", android).send().await.unwrap();
    let made =
        app.post_json("/api/v1/tokens", None, &json!({"email": "tam@bvqy.vn", "password": PASSWORD, "label": "Bảng tin khoa"})).await;
    let api_token: String = made.json::<Value>().await.unwrap()["token"].as_str().unwrap().into();

    let (status, page) = app.get_text("/settings/sessions").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, ".device"), 2);
    assert!(text_of(&page, ".device").unwrap().contains("Thiết bị này"), "this browser first");
    assert!(page.contains("Chrome · Android"));
    assert!(text_of(&page, ".token").unwrap().contains("Bảng tin khoa"));

    // End the phone's session from here.
    let doc = scraper::Html::parse_document(&page);
    let forms: Vec<String> =
        doc.select(&scraper::Selector::parse(".device form").unwrap()).map(|f| f.value().attr("action").unwrap().to_string()).collect();
    assert_eq!(forms.len(), 2);
    assert_eq!(app.post_form(&forms[1], &[]).await.status(), 303);
    assert_eq!(phone.get(app.url("/settings/profile")).send().await.unwrap().status(), 303, "the phone is signed out");
    assert_eq!(app.post_form(&forms[1], &[]).await.status(), 404, "ending it twice");
    assert_eq!(app.post_form("/settings/sessions/not-a-session/end", &[]).await.status(), 404);

    // Revoke the token from the page.
    let revoke = scraper::Html::parse_document(&app.get_text("/settings/sessions").await.1)
        .select(&scraper::Selector::parse(".token form").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("action")
        .unwrap()
        .to_string();
    assert_eq!(app.post_form(&revoke, &[]).await.status(), 303);
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &api_token).await.status(), 401);
    assert_eq!(app.post_form(&revoke, &[]).await.status(), 404);
    // Forms need the CSRF token.
    let no_csrf = app.client.post(app.url("/settings/sessions/end-others")).form(&[("x", "1")]).send().await.unwrap();
    assert_eq!(no_csrf.status(), 403);
}

async fn tokens_are_listed_expire_and_are_revoked_through_the_api(app: TestApp) {
    app.create_user("an@bvhue.vn", "Hồ An", Role::Member).await;
    app.create_user("khac@bvhue.vn", "Người Khác", Role::Member).await;
    let made: Value = app
        .post_json("/api/v1/tokens", None, &json!({"email": "an@bvhue.vn", "password": PASSWORD, "label": "máy trạm"}))
        .await
        .json()
        .await
        .unwrap();
    let first = made["token"].as_str().unwrap().to_string();
    let expires = chrono::DateTime::parse_from_rfc3339(made["expires_at"].as_str().unwrap()).unwrap();
    let days = (expires.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_hours() as f64 / 24.0;
    assert!((89.9..=90.0).contains(&days), "default 90 days, got {days}");
    let short: Value = app
        .post_json("/api/v1/tokens", None, &json!({"email": "an@bvhue.vn", "password": PASSWORD, "expires_in_days": 1}))
        .await
        .json()
        .await
        .unwrap();
    let second = short["token"].as_str().unwrap().to_string();
    for bad in [json!(0), json!(366), json!(-5)] {
        let res =
            app.post_json("/api/v1/tokens", None, &json!({"email": "an@bvhue.vn", "password": PASSWORD, "expires_in_days": bad})).await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    let long_label =
        app.post_json("/api/v1/tokens", None, &json!({"email": "an@bvhue.vn", "password": PASSWORD, "label": "x".repeat(81)})).await;
    assert_eq!(long_label.status(), 422);

    let list: Vec<Value> = bearer_get(&app, "/api/v1/tokens", &first).await.json().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["label"], "máy trạm");
    assert!(list[1]["last_used_at"].is_string(), "the listing itself used it");
    assert!(list.iter().all(|t| t.get("token").is_none()), "a token is shown once, when made");

    let other: Value =
        app.post_json("/api/v1/tokens", None, &json!({"email": "khac@bvhue.vn", "password": PASSWORD})).await.json().await.unwrap();
    let delete = |id: i64, who: String| {
        let app = &app;
        async move { app.client.delete(app.url(&format!("/api/v1/tokens/{id}"))).bearer_auth(who).send().await.unwrap() }
    };
    assert_eq!(delete(other["id"].as_i64().unwrap(), first.clone()).await.status(), 404, "another member's token");
    assert_eq!(delete(short["id"].as_i64().unwrap(), first.clone()).await.status(), 204);
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &second).await.status(), 401);
    assert_eq!(delete(short["id"].as_i64().unwrap(), first.clone()).await.status(), 404, "revoking twice");
    assert_eq!(delete(made["id"].as_i64().unwrap(), first.clone()).await.status(), 204, "a token may revoke itself");
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &first).await.status(), 401);
}

// ---------------------------------------------------------------------------------------------
// Suspension and silencing

async fn a_suspension_stops_existing_sessions_and_tokens_at_once(app: TestApp) {
    let moderator = app.token_for("dieuphoi@bv.vn", "Điều Phối", Role::Moderator).await;
    let author = app.token_for("tacgia@bv.vn", "Tác Giả", Role::Member).await;
    let topic = app.api_topic(&author, json!({"category": "medication-safety", "kind": "discussion", "title": "Dán nhãn thuốc nguy cơ cao", "body": "Khoa em dán nhãn đỏ cho kali clorid."})).await;
    let id = app.create_user("vu@bv.vn", "Đỗ Vũ", Role::Member).await;
    let member: String = token(&app, "vu@bv.vn", PASSWORD).await.json::<Value>().await.unwrap()["token"].as_str().unwrap().into();
    assert_eq!(app.login("vu@bv.vn", PASSWORD).await.status(), 303);
    let reply =
        app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&author), &json!({"body": "Nhãn đỏ, để riêng một ngăn."})).await;
    let post_id = reply.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    // Silenced: may act privately, may not post.
    let sanction = |kind: &'static str| {
        let (app, moderator) = (&app, moderator.clone());
        async move {
            let body = json!({"kind": kind, "days": 3, "reason": "Đăng thông tin người bệnh"});
            app.post_json(&format!("/api/v1/moderation/users/{id}/sanctions"), Some(&moderator), &body).await
        }
    };
    assert!(sanction("silence").await.status().is_success());
    let draft = json!({"scope": "new:discussion", "title": "Nháp", "body": "Nội dung nháp"});
    let put = |path: String, body: Value| {
        let app = &app;
        let member = member.clone();
        async move { app.client.put(app.url(&path)).bearer_auth(member).json(&body).send().await.unwrap() }
    };
    assert!(put("/api/v1/drafts".into(), draft.clone()).await.status().is_success(), "a silenced member keeps drafts");
    let posted = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&member), &json!({"body": "Trả lời"})).await;
    assert_eq!(posted.status(), 403);

    // Suspended: the same token and session may do nothing, and are told why.
    assert!(sanction("suspend").await.status().is_success());
    for (path, body) in [
        ("/api/v1/drafts".to_string(), draft),
        (format!("/api/v1/posts/{post_id}/helpful"), json!({})),
        (format!("/api/v1/topics/{topic}/bookmark"), json!({})),
    ] {
        let res = put(path.clone(), body).await;
        assert_eq!(res.status(), 403, "{path}");
        assert!(res.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("Đăng thông tin người bệnh"), "{path}");
    }
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &member).await.status(), 403);
    let profile = app.post_form("/settings/profile", &[("display_name", "Tên Mới")]).await;
    assert_eq!(profile.status(), 403);
    assert_eq!(app.store.user_by_id(id).await.unwrap().display_name, "Đỗ Vũ", "nothing written");
    let ministry = app.post_form("/settings/ministry-request", &[("note", "Chuyên viên Cục QLKCB")]).await;
    assert_eq!(ministry.status(), 403);
}

// ---------------------------------------------------------------------------------------------
// The admin's users page

async fn admin_signs_in(app: &TestApp, email: &str, name: &str) -> i64 {
    let id = app.create_user(email, name, Role::Admin).await;
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
    id
}

async fn an_admin_finds_members_and_changes_roles_but_never_the_last_admin(app: TestApp) {
    let admin = admin_signs_in(&app, "quantri@bvtn.vn", "Quản Trị Viên").await;
    let lan = app.create_user("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    app.create_user("binh@bvcr.vn", "Trần Bình", Role::Member).await;

    // Found by name without diacritics, by email, by role.
    let (status, page) = app.get_text("/admin/users?q=nguyen+thi").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, ".admin-user"), 1);
    assert!(text_of(&page, ".admin-user").unwrap().contains("lan@bvbachmai.vn"));
    assert!(text_of(&page, ".sign-in-methods").unwrap().contains("mật khẩu"));
    assert_eq!(count(&app.get_text("/admin/users?q=BVCR").await.1, ".admin-user"), 1);
    assert_eq!(count(&app.get_text("/admin/users?role=admin").await.1, ".admin-user"), 1);
    assert_eq!(app.get_text("/admin/users?role=vua").await.0, 422);

    // A role change is audited and takes effect on the member's next request.
    let res = app.post_form(&format!("/admin/users/{lan}/role"), &[("role", "moderator"), ("reason", "Trưởng nhóm ATNB")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.user_by_id(lan).await.unwrap().role, Role::Moderator);
    let audit = app.store.audit_log(None, 10).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "set_role" && a.item_id == lan && a.after_text.as_deref() == Some("moderator")));

    // The last admin cannot be demoted (not even by themselves); nothing changes.
    let res = app.post_form(&format!("/admin/users/{admin}/role"), &[("role", "member"), ("reason", "")]).await;
    assert_eq!(res.status(), 409);
    assert!(text_of(&res.text().await.unwrap(), "main").unwrap().contains("quản trị viên cuối cùng"));
    assert_eq!(app.store.user_by_id(admin).await.unwrap().role, Role::Admin);
    assert_eq!(app.post_form("/admin/users/999999/role", &[("role", "member")]).await.status(), 404);
    assert_eq!(app.post_form(&format!("/admin/users/{lan}/role"), &[("role", "superuser")]).await.status(), 422);
    // Two-factor reset for a member who lost their phone: audited, and only when it is on.
    app.store.begin_two_factor(lan, "JBSWY3DPEHPK3PXP").await.unwrap();
    app.store.enable_two_factor(lan, 1, &[]).await.unwrap();
    assert!(text_of(&app.get_text("/admin/users?q=lan@").await.1, ".sign-in-methods").unwrap().contains("hai bước"));
    let reset = format!("/admin/users/{lan}/two-factor/reset");
    assert_eq!(app.post_form(&reset, &[("reason", "Mất điện thoại")]).await.status(), 303);
    assert!(!app.store.has_two_factor(lan).await.unwrap());
    assert_eq!(app.post_form(&reset, &[("reason", "lần hai")]).await.status(), 409);
    let audit = app.store.audit_log(None, 10).await.unwrap();
    assert!(audit.iter().any(|a| a.action == "reset_two_factor" && a.item_id == lan && a.reason == "Mất điện thoại"));
    // With a second admin, the first may step down.
    assert_eq!(app.post_form(&format!("/admin/users/{lan}/role"), &[("role", "admin")]).await.status(), 303);
    assert_eq!(app.post_form(&format!("/admin/users/{admin}/role"), &[("role", "member")]).await.status(), 303);
    assert_eq!(app.get_text("/admin/users").await.0, 403, "no longer an admin");
}

async fn only_admins_reach_the_users_page(app: TestApp) {
    app.create_user("dieuphoi@bv.vn", "Điều Phối", Role::Moderator).await;
    let target = app.create_user("x@bv.vn", "Thành Viên", Role::Member).await;
    assert_eq!(app.get_text("/admin/users").await.0, 303, "signed out: to the sign-in page");
    assert_eq!(app.login("dieuphoi@bv.vn", PASSWORD).await.status(), 303);
    let (status, page) = app.get_text("/admin/users").await;
    assert_eq!(status, 403);
    assert!(page.contains("Chỉ quản trị viên"));
    assert_eq!(app.post_form(&format!("/admin/users/{target}/role"), &[("role", "admin")]).await.status(), 403);
    assert_eq!(app.store.user_by_id(target).await.unwrap().role, Role::Member);
}

// ---------------------------------------------------------------------------------------------
// Leaving

async fn a_member_downloads_their_data_then_leaves_and_their_posts_stay_under_a_neutral_name(app: TestApp) {
    let id = app.create_user("thu@bvnhi.vn", "Võ Thị Thu", Role::Member).await;
    let token: String = token(&app, "thu@bvnhi.vn", PASSWORD).await.json::<Value>().await.unwrap()["token"].as_str().unwrap().into();
    let topic = app.api_topic(&token, json!({"category": "medication-safety", "kind": "discussion", "title": "Kiểm tra chéo thuốc trước giờ phát", "body": "Khoa em kiểm tra chéo hai người."})).await;
    assert_eq!(app.login("thu@bvnhi.vn", PASSWORD).await.status(), 303);

    let export = app.get("/settings/account/export").await;
    assert_eq!(export.status(), 200);
    assert!(export.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let data: Value = export.json().await.unwrap();
    assert_eq!(data["profile"]["email"], "thu@bvnhi.vn");
    assert_eq!(data["posts"][0]["topic_title"], "Kiểm tra chéo thuốc trước giờ phát");
    assert!(data["drafts"].is_array() && data["bookmarks"].is_array() && data["notifications"].is_array());

    // A wrong confirmation or password changes nothing.
    let wrong = app.post_form("/settings/account/delete", &[("confirm", "khac@bvnhi.vn"), ("password", PASSWORD)]).await;
    assert_eq!(wrong.status(), 422);
    let wrong = app.post_form("/settings/account/delete", &[("confirm", "thu@bvnhi.vn"), ("password", "sai")]).await;
    assert_eq!(wrong.status(), 400);
    assert_eq!(app.store.user_by_id(id).await.unwrap().email, "thu@bvnhi.vn");

    let gone = app.post_form("/settings/account/delete", &[("confirm", "THU@bvnhi.vn"), ("password", PASSWORD)]).await;
    assert_eq!(gone.status(), 303);
    let left = app.store.user_by_id(id).await.unwrap();
    assert_eq!(left.display_name, "Thành viên đã rời");
    assert!(!left.email.contains("thu@"), "the email is erased");
    let (status, page) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(status, 200, "the public post stays");
    assert!(page.contains("Thành viên đã rời") && !page.contains("Võ Thị Thu"));
    let audit = app.store.audit_log(None, 10).await.unwrap();
    let row = audit.iter().find(|a| a.action == "delete_account").expect("the deletion is audited");
    assert!(row.before_text.is_none() && row.after_text.is_none() && row.reason.is_empty(), "no personal data in the audit log");

    // Deleting twice; signing in again; the old token.
    assert_eq!(app.post_form("/settings/account/delete", &[("confirm", "thu@bvnhi.vn"), ("password", PASSWORD)]).await.status(), 401);
    assert!(matches!(app.store.delete_account(id).await, Err(goodpractice::store::StoreError::NotFound)), "deleting twice changes nothing");
    assert_eq!(app.login("thu@bvnhi.vn", PASSWORD).await.status(), 401);
    assert_eq!(bearer_get(&app, "/api/v1/tokens", &token).await.status(), 401);
}

crate::on_both_databases!(
    a_member_downloads_their_data_then_leaves_and_their_posts_stay_under_a_neutral_name,
    an_admin_finds_members_and_changes_roles_but_never_the_last_admin,
    only_admins_reach_the_users_page,
    changing_the_password_asks_the_current_one_and_signs_out_other_devices,
    sign_up_refuses_guessable_passwords_with_the_reason,
    the_sessions_page_lists_devices_and_tokens_and_ends_each,
    tokens_are_listed_expire_and_are_revoked_through_the_api,
    a_suspension_stops_existing_sessions_and_tokens_at_once,
);
