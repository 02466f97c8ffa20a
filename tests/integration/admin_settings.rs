//! The admin's run-time settings page (issue 17): each setting shows its value in force and
//! where it came from (default, configuration file, environment, or set on the page); a change
//! is audited and takes effect on the next request, without a restart. Both databases.

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use serde_json::json;

use crate::common::{PASSWORD, TestApp, text_of};

/// Sign-up by approval from a configuration file, three posts a minute from the environment.
fn configured(config: &mut Config) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("goodpractice.toml");
    std::fs::write(&file, "approve_new_accounts = true\n").unwrap();
    let loaded = Config::load(Some(&file)).unwrap();
    config.approve_new_accounts = loaded.approve_new_accounts;
    config.sources.file_keys = loaded.sources.file_keys;
    config.apply_env(|key| (key == "GP_POSTS_PER_MINUTE").then(|| "3".to_string())).unwrap();
}

fn setting(page: &str, key: &str, part: &str) -> String {
    text_of(page, &format!("#setting-{key} {part}")).unwrap_or_default()
}

async fn admin_signs_in(app: &TestApp) {
    app.create_user("quantri@bvtn.vn", "Quản Trị Viên", Role::Admin).await;
    assert_eq!(app.login("quantri@bvtn.vn", PASSWORD).await.status(), 303);
}

fn topic(n: usize) -> serde_json::Value {
    json!({"category": "medication-safety", "kind": "discussion", "title": format!("Bàn giao thuốc nguy cơ cao, ca số {n}"), "body": "Khoa em kiểm tra chéo hai người."})
}

async fn settings_show_their_source_and_a_change_takes_effect_at_once(app: TestApp) {
    admin_signs_in(&app).await;
    let (status, page) = app.get_text("/admin/settings").await;
    assert_eq!(status, 200);
    assert!(setting(&page, "signup_mode", ".setting-value").contains("Cần duyệt"));
    assert!(setting(&page, "signup_mode", ".setting-origin").contains("tệp cấu hình goodpractice.toml, khoá approve_new_accounts"));
    assert_eq!(setting(&page, "posts_per_minute", ".setting-value"), "3");
    assert!(setting(&page, "posts_per_minute", ".setting-origin").contains("biến môi trường GP_POSTS_PER_MINUTE"));
    assert!(setting(&page, "posts_per_minute_per_address", ".setting-origin").contains("mặc định"));

    // Three posts a minute, as configured; raised on the page, the fourth goes through.
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    for n in 0..3 {
        app.api_topic(&token, topic(n)).await;
    }
    assert_eq!(app.post_json("/api/v1/topics", Some(&token), &topic(3)).await.status(), 429);
    let res = app.post_form("/admin/settings/posts_per_minute", &[("value", "10"), ("reason", "Hội nghị trực tuyến")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.post_json("/api/v1/topics", Some(&token), &topic(3)).await.status(), 201);
    let page = app.get_text("/admin/settings?done=1").await.1;
    assert_eq!(setting(&page, "posts_per_minute", ".setting-value"), "10");
    assert!(setting(&page, "posts_per_minute", ".setting-origin").contains("Đặt tại trang này (Quản Trị Viên"));
    let audit = app.store.audit_log(None, 10).await.unwrap();
    let row = audit.iter().find(|a| a.action == "set_setting").expect("the change is audited");
    assert_eq!((row.before_text.as_deref(), row.after_text.as_deref()), (Some("posts_per_minute: 3"), Some("posts_per_minute: 10")));
    assert_eq!(row.reason, "Hội nghị trực tuyến");

    // Sign-up closed: a newcomer is told so and nothing is mailed; reopened, it works.
    assert_eq!(app.post_form("/admin/settings/signup_mode", &[("value", "closed")]).await.status(), 303);
    app.post_form("/logout", &[]).await;
    let newcomer = [("email", "moi@bvdk.vn"), ("name", "Người Mới"), ("password", PASSWORD)];
    let refused = app.post_form("/signup", &newcomer).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("không nhận đăng ký mới"));
    assert_eq!(app.login("quantri@bvtn.vn", PASSWORD).await.status(), 303);
    assert_eq!(app.post_form("/admin/settings/signup_mode", &[("value", "open")]).await.status(), 303);
    app.post_form("/logout", &[]).await;
    assert_eq!(app.post_form("/signup", &newcomer).await.status(), 200);
    assert_eq!(app.login("quantri@bvtn.vn", PASSWORD).await.status(), 303);

    // Back to the configured sign-up by approval (the file's): a new account waits in the queue.
    let accounts_waiting = || async {
        let filter = goodpractice::store::QueueFilter { state: "open".into(), kind: Some("account".into()) };
        app.store.queue(&filter, 100, 0).await.unwrap().len()
    };
    assert_eq!(accounts_waiting().await, 0, "nothing waits yet");
    assert_eq!(app.post_form("/admin/settings/signup_mode", &[("reset", "yes")]).await.status(), 303);
    app.post_form("/logout", &[]).await;
    assert_eq!(app.signup("duyet@bvdk.vn", "Người Chờ Duyệt").await.status(), 303);
    assert_eq!(accounts_waiting().await, 1, "made while sign-up needs approval");
    app.post_form("/logout", &[]).await;
    assert_eq!(app.login("quantri@bvtn.vn", PASSWORD).await.status(), 303);

    // Back to the configured value: the environment's again.
    assert_eq!(app.post_form("/admin/settings/posts_per_minute", &[("reset", "yes")]).await.status(), 303);
    let page = app.get_text("/admin/settings").await.1;
    assert_eq!(setting(&page, "posts_per_minute", ".setting-value"), "3");
    assert!(setting(&page, "posts_per_minute", ".setting-origin").contains("GP_POSTS_PER_MINUTE"));
}

async fn bad_settings_are_refused_and_change_nothing(app: TestApp) {
    let audited = app.store.audit_log(None, 100).await.unwrap().len();
    assert_eq!(app.post_form("/admin/settings/posts_per_minute", &[("value", "9")]).await.status(), 401);
    app.create_user("dieuphoi@bv.vn", "Điều Phối", Role::Moderator).await;
    assert_eq!(app.login("dieuphoi@bv.vn", PASSWORD).await.status(), 303);
    assert_eq!(app.get_text("/admin/settings").await.0, 403);
    assert_eq!(app.post_form("/admin/settings/signup_mode", &[("value", "closed")]).await.status(), 403);
    app.post_form("/logout", &[]).await;

    admin_signs_in(&app).await;
    for value in ["0", "-5", "abc", "10001", "", &"9".repeat(10_000)] {
        let res = app.post_form("/admin/settings/posts_per_minute", &[("value", value)]).await;
        assert_eq!(res.status(), 422, "{value:.20}");
        assert!(res.text().await.unwrap().contains("từ 1 đến 10000"));
    }
    let res = app.post_form("/admin/settings/signup_mode", &[("value", "maybe")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("mở, cần duyệt hoặc đóng"));
    assert_eq!(app.post_form("/admin/settings/theme", &[("value", "dark")]).await.status(), 404);
    assert!(app.store.site_settings().await.unwrap().is_empty(), "nothing stored");
    assert_eq!(app.store.audit_log(None, 100).await.unwrap().len(), audited, "nothing audited");
}

crate::on_both_with!(configured: settings_show_their_source_and_a_change_takes_effect_at_once);
crate::on_both_databases!(bad_settings_are_refused_and_change_nothing);
