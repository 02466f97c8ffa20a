//! Two-factor sign-in (TOTP + recovery codes) through the real pages and API, on both databases.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, count, text_of};
use crate::on_both_databases;
use crate::two_factor_steps::*;

on_both_databases!(
    enrolling_then_signing_in_asks_for_the_code_and_each_code_works_once,
    a_half_signed_in_browser_can_do_nothing_else,
    too_many_wrong_codes_end_the_sign_in_and_hit_the_rate_limit,
    switching_off_needs_the_password_and_a_code,
    an_api_token_needs_the_code_once_two_factor_is_on,
);

async fn enrolling_then_signing_in_asks_for_the_code_and_each_code_works_once(app: TestApp) {
    let enrolled = signed_up_and_enrolled(&app).await;
    password_step(&app).await;
    let (status, form) = app.get_text("/login/two-factor").await;
    assert_eq!(status, 200);
    assert_eq!(viewer_name(&form), None, "not signed in yet");

    let html = answered(code_step(&app, &wrong_code(&enrolled.secret)).await, 401).await;
    assert!(text_of(&html, "p.form-error").unwrap().contains("Mã không đúng hoặc đã được dùng"));
    let next_code = code(&enrolled.secret, 1);
    let res = code_step(&app, &next_code).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/".to_string()));
    assert_eq!(viewer_name(&app.get_text("/").await.1).as_deref(), Some(NAME));

    // The same code again, in a new sign-in: refused (it was spent).
    sign_out(&app).await;
    password_step(&app).await;
    answered(code_step(&app, &next_code).await, 401).await;
    // A recovery code, typed in capitals with a space instead of the dash, works once.
    let recovery = &enrolled.recovery_codes[3];
    let res = code_step(&app, &recovery.to_uppercase().replace('-', " ")).await;
    assert_eq!(res.status(), 303);
    let settings = app.get_text("/settings/two-factor").await.1;
    assert_eq!(text_of(&settings, "#recovery-codes-left").unwrap(), "Số mã khôi phục còn lại: 9");
    sign_out(&app).await;
    password_step(&app).await;
    let html = answered(code_step(&app, recovery).await, 401).await;
    assert!(text_of(&html, "p.form-error").unwrap().contains("đã được dùng"));
    assert_eq!(viewer_name(&app.get_text("/").await.1), None);
}

async fn a_half_signed_in_browser_can_do_nothing_else(app: TestApp) {
    let _ = signed_up_and_enrolled(&app).await;
    password_step(&app).await;
    let res = app.get("/new").await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/login?next=%2Fnew".to_string()));
    let res = app.post_form("/settings/two-factor/disable", &[("password", PASSWORD), ("code", "123456")]).await;
    assert_eq!(res.status(), 401, "no session yet");
    assert!(app.store.has_two_factor(user_id(&app).await).await.unwrap());
    // Another browser without the pending cookie is sent back to the password.
    let (other, _) = app.second_browser();
    let res = other.get(app.url("/login/two-factor")).send().await.unwrap();
    assert_eq!(location(&res), "/login?two_factor_expired=1");
}

async fn user_id(app: &TestApp) -> i64 {
    app.store.user_for_login(EMAIL).await.unwrap().0.id
}

async fn too_many_wrong_codes_end_the_sign_in_and_hit_the_rate_limit(app: TestApp) {
    let enrolled = signed_up_and_enrolled(&app).await;
    password_step(&app).await;
    for _ in 0..5 {
        answered(code_step(&app, &wrong_code(&enrolled.secret)).await, 401).await;
    }
    let res = code_step(&app, &code(&enrolled.secret, 1)).await;
    assert_eq!(location(&res), "/login?two_factor_expired=1", "the half sign-in is gone");
    let html = app.get_text("/login?two_factor_expired=1").await.1;
    assert!(text_of(&html, "p.form-error").unwrap().contains("Vui lòng đăng nhập lại"));
    // Starting over does not reset the count of wrong codes for this member.
    password_step(&app).await;
    let html = answered(code_step(&app, &code(&enrolled.secret, 1)).await, 429).await;
    assert!(text_of(&html, "p.form-error").unwrap().contains("15"));
}

async fn switching_off_needs_the_password_and_a_code(app: TestApp) {
    assert_eq!(app.signup(EMAIL, NAME).await.status(), 303);
    let enrolled = enrol(&app).await;
    let id = user_id(&app).await;
    let html = answered(
        app.post_form("/settings/two-factor/disable", &[("password", "sai-mật-khẩu"), ("code", &code(&enrolled.secret, 1))]).await,
        401,
    )
    .await;
    assert!(text_of(&html, "p.form-error").unwrap().contains("vẫn bật"));
    answered(app.post_form("/settings/two-factor/disable", &[("password", PASSWORD), ("code", &wrong_code(&enrolled.secret))]).await, 401)
        .await;
    assert!(app.store.has_two_factor(id).await.unwrap());
    let res = app.post_form("/settings/two-factor/disable", &[("password", PASSWORD), ("code", &enrolled.recovery_codes[0])]).await;
    assert_eq!(res.status(), 303);
    assert!(!app.store.has_two_factor(id).await.unwrap());
    assert_eq!(app.store.unused_recovery_codes(id).await.unwrap(), 0);
    sign_out(&app).await;
    let res = app.login(EMAIL, PASSWORD).await;
    assert_eq!(location(&res), "/", "signed in with the password alone again");
}

async fn an_api_token_needs_the_code_once_two_factor_is_on(app: TestApp) {
    let enrolled = signed_up_and_enrolled(&app).await;
    let ask = |code: Option<String>| {
        let mut body = json!({"email": EMAIL, "password": PASSWORD});
        if let Some(code) = code {
            body["code"] = Value::String(code);
        }
        let app = &app;
        async move { app.post_json("/api/v1/tokens", None, &body).await }
    };
    let res = ask(None).await;
    assert_eq!(res.status(), 401);
    let problem: Value = res.json().await.unwrap();
    assert_eq!(problem["code"], "error.two_factor.code_required");
    assert!(problem["detail"].as_str().unwrap().contains("xác thực hai lớp"));
    assert_eq!(ask(Some(wrong_code(&enrolled.secret))).await.status(), 401);
    let res = ask(Some(code(&enrolled.secret, 1))).await;
    assert_eq!(res.status(), 201);
    assert!(res.json::<Value>().await.unwrap()["token"].is_string());
}

// --- roles that must use two-factor -------------------------------------------------------

async fn moderators_must_enrol_before_anything_else(app: TestApp) {
    app.create_user("kiem.duyet@bvtn.vn", "Trần Văn Kiểm", Role::Moderator).await;
    let res = app.login("kiem.duyet@bvtn.vn", PASSWORD).await;
    assert_eq!(res.status(), 303);
    for path in ["/", "/mod/queue", "/new", "/settings/profile"] {
        let res = app.get(path).await;
        assert_eq!(location(&res), "/settings/two-factor?required=1", "{path}");
    }
    let html = app.get_text("/settings/two-factor?required=1").await.1;
    assert!(text_of(&html, "p.notice").unwrap().contains("bắt buộc bật xác thực hai lớp"));
    // The API says why, in words.
    let token = app.post_json("/api/v1/tokens", None, &json!({"email": "kiem.duyet@bvtn.vn", "password": PASSWORD})).await;
    let token = token.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let res = app.client.get(app.url("/api/v1/moderation/queue")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    let problem: Value = res.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("Xác thực hai lớp"), "{problem}");

    let secret = text_of(&html, "#two-factor-secret").unwrap();
    assert_eq!(app.post_form("/settings/two-factor/enable", &[("code", &code(&secret, 0))]).await.status(), 200);
    assert_eq!(app.get("/mod/queue").await.status(), 200);
    let settings = app.get_text("/settings/two-factor").await.1;
    assert_eq!(count(&settings, "form[action='/settings/two-factor/disable']"), 0);
    let res = app.post_form("/settings/two-factor/disable", &[("password", PASSWORD), ("code", &code(&secret, 1))]).await;
    assert_eq!(res.status(), 403);
    // Members are not asked.
    app.create_user("thanh.vien@bvtn.vn", "Lê Thị Thành", Role::Member).await;
    sign_out(&app).await;
    let res = app.login("thanh.vien@bvtn.vn", PASSWORD).await;
    assert_eq!(location(&res), "/");
    assert_eq!(app.get("/new").await.status(), 200);
}

fn moderators_need_two_factor(config: &mut goodpractice::config::Config) {
    config.require_two_factor = vec![Role::Moderator, Role::Admin];
}

#[tokio::test]
async fn sqlite_moderators_must_enrol_before_anything_else() {
    moderators_must_enrol_before_anything_else(TestApp::sqlite_with(moderators_need_two_factor).await).await;
}

#[tokio::test]
async fn postgres_moderators_must_enrol_before_anything_else() {
    if let Some(app) = TestApp::postgres_with(moderators_need_two_factor).await {
        moderators_must_enrol_before_anything_else(app).await;
    }
}
