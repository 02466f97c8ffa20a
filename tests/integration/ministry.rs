//! "Request ministry staff status" from the settings page, decided by a moderator in the queue.

use goodpractice::accounts::Role;

use crate::common::{PASSWORD, TestApp, attr_of, count, text_of};
use crate::on_both_databases;

on_both_databases!(
    a_member_asks_once_and_a_moderator_approves,
    a_rejected_request_leaves_the_role_and_may_be_sent_again,
    empty_long_or_unneeded_requests_are_refused_with_a_reason,
);

const MEMBER: &str = "thu.ha@bvbachmai.vn";

async fn member_signed_in(app: &TestApp) -> i64 {
    assert_eq!(app.signup(MEMBER, "Phạm Thu Hà").await.status(), 303);
    app.store.user_for_login(MEMBER).await.unwrap().0.id
}

async fn request(app: &TestApp, note: &str) -> reqwest::Response {
    app.post_form("/settings/ministry-request", &[("note", note)]).await
}

/// Signs the browser in as a (new) moderator and returns the queue's ministry requests page.
async fn as_moderator(app: &TestApp) -> String {
    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    app.create_user("kiem.duyet@bvbachmai.vn", "Trần Kiểm Duyệt", Role::Moderator).await;
    assert_eq!(app.login("kiem.duyet@bvbachmai.vn", PASSWORD).await.status(), 303);
    let (status, html) = app.get_text("/mod/queue?kind=ministry_request").await;
    assert_eq!(status, 200);
    html
}

async fn decide(app: &TestApp, queue: &str, action: &str, reason: &str) {
    let form = attr_of(queue, &format!("article.kind-ministry_request form[action$='/{action}']"), "action").unwrap();
    assert_eq!(app.post_form(&form, &[("reason", reason)]).await.status(), 303);
}

async fn a_member_asks_once_and_a_moderator_approves(app: TestApp) {
    let id = member_signed_in(&app).await;
    let res = request(&app, "Chuyên viên, Cục Quản lý Khám, chữa bệnh").await;
    assert_eq!(res.headers()["location"], "/settings/profile?ministry_requested=1");
    let settings = app.get_text("/settings/profile?ministry_requested=1").await.1;
    assert!(text_of(&settings, "p.notice").unwrap().contains("Đã gửi đề nghị"));
    assert_eq!(count(&settings, "form[action='/settings/ministry-request']"), 0, "no second button while one waits");
    let again = request(&app, "Gửi lại").await;
    assert_eq!(again.status(), 409);
    assert!(text_of(&again.text().await.unwrap(), "p.form-error").unwrap().contains("đang chờ"));

    let queue = as_moderator(&app).await;
    assert_eq!(count(&queue, "article.kind-ministry_request"), 1);
    assert!(text_of(&queue, ".ministry-note").unwrap().ends_with("Chuyên viên, Cục Quản lý Khám, chữa bệnh"));
    decide(&app, &queue, "approve", "").await;
    assert_eq!(app.store.user_by_id(id).await.unwrap().role, Role::Ministry);
    let audit = app.get_text("/mod/audit").await.1;
    assert_eq!(count(&audit, "tr.audit-row"), 2);
    assert_eq!(attr_of(&audit, "td.audit-action", "data-action").unwrap(), "grant_role");
    assert_eq!(text_of(&audit, "td.audit-action").unwrap(), "Cấp vai trò", "the action in words");
    // A decided request cannot be decided again.
    let html = app.get_text("/mod/queue?kind=ministry_request").await.1;
    assert_eq!(count(&html, "article.kind-ministry_request"), 0);
}

async fn a_rejected_request_leaves_the_role_and_may_be_sent_again(app: TestApp) {
    let id = member_signed_in(&app).await;
    assert_eq!(request(&app, "Can bo Bo Y te").await.status(), 303);
    let queue = as_moderator(&app).await;
    decide(&app, &queue, "reject", "Chưa đủ thông tin để xác minh").await;
    assert_eq!(app.store.user_by_id(id).await.unwrap().role, Role::Member);
    let audit = app.get_text("/mod/audit").await.1;
    assert_eq!(attr_of(&audit, "td.audit-action", "data-action").unwrap(), "reject_ministry");
    assert_eq!(text_of(&audit, "td.audit-action").unwrap(), "Từ chối yêu cầu cán bộ Bộ Y tế", "the action in words");
    assert_eq!(count(&audit, "tr.audit-row"), 1, "no role change recorded");

    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
    assert_eq!(app.login(MEMBER, PASSWORD).await.status(), 303);
    let notes = app.get_text("/notifications").await.1;
    assert!(text_of(&notes, "li.kind-ministry_rejected").unwrap().contains("không được chấp nhận"));
    let settings = app.get_text("/settings/profile").await.1;
    assert!(text_of(&settings, "#ministry-request-state").unwrap().contains("không được chấp nhận"));
    assert_eq!(request(&app, "Chuyên viên Vụ Kế hoạch – Tài chính, Bộ Y tế").await.status(), 303);
}

async fn empty_long_or_unneeded_requests_are_refused_with_a_reason(app: TestApp) {
    let id = member_signed_in(&app).await;
    let empty = request(&app, "   ").await;
    assert_eq!(empty.status(), 422);
    assert!(text_of(&empty.text().await.unwrap(), "p.form-error").unwrap().contains("chức vụ và đơn vị"));
    let long = request(&app, &"Bộ Y tế ".repeat(80)).await;
    assert_eq!(long.status(), 422);
    assert_eq!(app.store.ministry_request_state(id).await.unwrap(), None, "nothing queued");
    // Without the CSRF token nothing happens either.
    let res = app.client.post(app.url("/settings/ministry-request")).form(&[("note", "Bộ Y tế")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(app.store.ministry_request_state(id).await.unwrap(), None);
    // Someone who already has a role of their own has nothing to ask.
    app.store.set_role(id, Role::Ministry).await.unwrap();
    let settings = app.get_text("/settings/profile").await.1;
    assert_eq!(count(&settings, "form[action='/settings/ministry-request']"), 0);
    let res = request(&app, "Bộ Y tế").await;
    assert_eq!(res.status(), 422);
    assert!(text_of(&res.text().await.unwrap(), "p.form-error").unwrap().contains("đã có vai trò riêng"));
}
