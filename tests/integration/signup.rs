//! Sign-up by mailed link (issue 17): the form answers the same for a new email and for one
//! that has an account, the account is made only by the mailed link (once), and sign-ups are
//! limited per client address and per email. Mail is written as .eml files (no SMTP server set)
//! and read with Python's own mail parser. Each test runs on SQLite and on PostgreSQL.

use goodpractice::config::Config;
use serde_json::Value;

use crate::common::{PASSWORD, TestApp, text_of};
use crate::notify::{any_python, eml_files, parse_mail};

async fn ask(app: &TestApp, email: &str, name: &str, password: &str) -> reqwest::Response {
    app.post_form("/signup", &[("email", email), ("name", name), ("password", password)]).await
}

/// The answer's status and its HTML.
async fn answer(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn viewer_name(html: &str) -> Option<String> {
    text_of(html, "header.site .viewer")
}

/// Every mail written so far, parsed (oldest first).
fn mails(app: &TestApp) -> Vec<Value> {
    let python = any_python();
    eml_files(&app.data_dir().join("mail")).iter().map(|f| parse_mail(&python, f)).collect()
}

fn path_of<'a>(app: &TestApp, link: &'a str) -> &'a str {
    link.strip_prefix(&app.base).expect("a link to this forum")
}

async fn a_new_member_activates_the_mailed_link_once_and_is_signed_in(app: TestApp) {
    app.get("/signup?next=/guidance").await;
    let fields = [("email", "lan@bvbachmai.vn"), ("name", "Nguyễn Thị Lan"), ("password", PASSWORD), ("next", "/guidance")];
    let (status, html) = answer(app.post_form("/signup", &fields).await).await;
    assert_eq!(status, 200);
    assert!(text_of(&html, "#signup-sent").unwrap().contains("lan@bvbachmai.vn"), "the page names where the mail went");
    assert_eq!(viewer_name(&html), None, "not signed in before the link is used");
    assert_eq!(app.store.count_users().await.unwrap(), 0, "no account before the link is used");

    let link = app.mailed_link("lan@bvbachmai.vn", "/signup/confirm/").await;
    let mail = mails(&app).pop().unwrap();
    assert_eq!(mail["subject"], "Kích hoạt tài khoản Thực hành tốt");
    assert!(mail["text"].as_str().unwrap().contains("Nguyễn Thị Lan"));
    let path = path_of(&app, &link);

    // Opening the link (as a mail scanner would) makes nothing; the button does.
    let (status, html) = answer(app.get(path).await).await;
    assert_eq!(status, 200);
    assert!(text_of(&html, "#signup-account").unwrap().contains("lan@bvbachmai.vn"));
    assert_eq!(app.store.count_users().await.unwrap(), 0);
    let res = app.post_form(path, &[]).await;
    assert_eq!((res.status().as_u16(), res.headers()["location"].to_str().unwrap()), (303, "/guidance"));
    assert_eq!(viewer_name(&app.get_text("/").await.1).as_deref(), Some("Nguyễn Thị Lan"));
    assert_eq!(app.store.count_users().await.unwrap(), 1);

    // The link works once.
    let (status, html) = answer(app.get(path).await).await;
    assert_eq!(status, 400);
    assert!(text_of(&html, "p.form-error").unwrap().starts_with("Liên kết kích hoạt này không dùng được"), "{html}");
    assert_eq!(app.post_form(path, &[]).await.status(), 400);
    assert_eq!(app.store.count_users().await.unwrap(), 1);

    // The password chosen on the form is the one that signs in.
    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    assert_eq!(app.login("lan@bvbachmai.vn", PASSWORD).await.status(), 303);
}

async fn a_taken_email_gets_the_same_answer_and_its_owner_a_mail(app: TestApp) {
    app.create_user("lan@bvbachmai.vn", "Nguyễn Thị Lan", goodpractice::accounts::Role::Member).await;
    let (taken_status, taken) = answer(ask(&app, "LAN@BVBachMai.VN", "Lan giả", PASSWORD).await).await;
    let (new_status, new) = answer(ask(&app, "minh@bvtn.vn", "Lê Văn Minh", PASSWORD).await).await;
    assert_eq!((taken_status, new_status), (200, 200));
    let sent = |html: &str, email: &str| text_of(html, "#signup-sent").unwrap().replace(email, "…");
    assert_eq!(sent(&taken, "LAN@BVBachMai.VN"), sent(&new, "minh@bvtn.vn"), "the same words for a taken and a new email");

    let reset = app.mailed_link("lan@bvbachmai.vn", "/password/forgot").await;
    assert_eq!(path_of(&app, &reset), "/password/forgot");
    app.mailed_link("minh@bvtn.vn", "/signup/confirm/").await;
    let to_owner = mails(&app).into_iter().find(|m| m["to"].as_str().unwrap().contains("LAN@")).unwrap();
    assert_eq!(to_owner["subject"], "Bạn đã có tài khoản Thực hành tốt");
    assert!(!to_owner["text"].as_str().unwrap().contains("/signup/confirm/"), "no activation link for a taken email");
    assert_eq!(app.store.count_users().await.unwrap(), 1, "nothing made for the taken email, nothing yet for the new one");
}

async fn a_link_whose_email_got_an_account_meanwhile_makes_no_second_one(app: TestApp) {
    assert_eq!(ask(&app, "hoa@bvqy.vn", "Trần Thị Hoa", PASSWORD).await.status(), 200);
    let link = app.mailed_link("hoa@bvqy.vn", "/signup/confirm/").await;
    // An admin makes the account from the command line before the link is used.
    app.create_user("Hoa@BVQY.vn", "Trần Thị Hoa", goodpractice::accounts::Role::Member).await;
    let (status, html) = answer(app.post_form(path_of(&app, &link), &[]).await).await;
    assert_eq!(status, 409);
    assert!(text_of(&html, "p.form-error").unwrap().starts_with("Email này vừa được dùng cho một tài khoản khác"));
    assert_eq!(viewer_name(&html), None);
    assert_eq!(app.store.count_users().await.unwrap(), 1);
}

async fn expired_forged_and_overlong_links_are_refused_and_make_nothing(app: TestApp) {
    assert_eq!(ask(&app, "tam@bvqy.vn", "Phạm Tâm", PASSWORD).await.status(), 200);
    let link = app.mailed_link("tam@bvqy.vn", "/signup/confirm/").await;
    crate::common::expire_all(&app, "signup_requests").await;
    let path = path_of(&app, &link).to_string();
    let forged = format!("/signup/confirm/{}", "x".repeat(43));
    let overlong = format!("/signup/confirm/{}", "a".repeat(5_000));
    for path in [&path, &forged, &overlong] {
        let (status, html) = answer(app.get(path).await).await;
        assert_eq!(status, 400, "{}", &path[..40]);
        assert!(text_of(&html, "p.form-error").is_some());
        assert_eq!(app.post_form(path, &[]).await.status(), 400);
    }
    assert_eq!(app.store.count_users().await.unwrap(), 0);
}

async fn bad_forms_are_answered_with_the_reason_and_mail_nothing(app: TestApp) {
    let long = "mật khẩu rất dài ".repeat(700);
    let cases = [
        ("khong-phai-email", "Nguyễn Văn Nam", PASSWORD),
        ("nam@bvtw.vn", "", PASSWORD),
        ("nam@bvtw.vn", "Nguyễn Văn Nam", "ngắn"),
        ("nam@bvtw.vn", "Nguyễn Văn Nam", long.as_str()),
        ("nam@bvtw.vn", "Nguyễn Văn Nam", "12345678"),
    ];
    for (email, name, password) in cases {
        let (status, html) = answer(ask(&app, email, name, password).await).await;
        assert!(status == 400 || status == 422, "{email} / {name}: {status}");
        assert!(text_of(&html, "p.form-error").is_some_and(|e| !e.is_empty()), "a reason is shown");
        assert_eq!(text_of(&html, "#signup-sent"), None);
    }
    // Without the form's token nothing is taken either.
    let res = app.client.post(app.url("/signup")).form(&[("email", "nam@bvtw.vn"), ("name", "Nam"), ("password", PASSWORD)]).send().await;
    assert_eq!(res.unwrap().status(), 403);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(mails(&app).is_empty(), "nothing mailed");
}

fn small_signup_limits(config: &mut Config) {
    config.signups_per_address = 5;
    config.signups_per_email = 2;
}

async fn sign_ups_are_limited_per_email_and_per_address(app: TestApp) {
    crate::common::within_one_rate_window(3_600_000, 120_000).await;
    for _ in 0..2 {
        assert_eq!(ask(&app, "vy@bvdn.vn", "Đỗ Vy", PASSWORD).await.status(), 200);
    }
    let (status, html) = answer(ask(&app, "vy@bvdn.vn", "Đỗ Vy", PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!(text_of(&html, "p.form-error").unwrap().starts_with("Email này đã được đăng ký 2 lần trong giờ này"), "{html}");
    // The address has asked three times; two more are taken, the sixth is refused.
    for email in ["an@bvdn.vn", "binh@bvdn.vn"] {
        assert_eq!(ask(&app, email, "Người mới", PASSWORD).await.status(), 200, "{email}");
    }
    let (status, html) = answer(ask(&app, "chi@bvdn.vn", "Người mới", PASSWORD).await).await;
    assert_eq!(status, 429);
    assert!(text_of(&html, "p.form-error").unwrap().starts_with("Có quá nhiều lượt đăng ký từ địa chỉ mạng này (5 lần mỗi giờ)"), "{html}");
}

crate::on_both_databases!(
    a_new_member_activates_the_mailed_link_once_and_is_signed_in,
    a_taken_email_gets_the_same_answer_and_its_owner_a_mail,
    a_link_whose_email_got_an_account_meanwhile_makes_no_second_one,
    expired_forged_and_overlong_links_are_refused_and_make_nothing,
    bad_forms_are_answered_with_the_reason_and_mail_nothing,
);

crate::on_both_with!(small_signup_limits: sign_ups_are_limited_per_email_and_per_address);
