//! Claiming imported history (issue 17): a member asks to be recognised as a placeholder author
//! of the Facebook import; a moderator approves and the posts move to the member (audited,
//! kept counts and public pages follow), or rejects. A second claim, a claim of a real member
//! and a claim by a suspended member are refused clearly. Both databases.

use goodpractice::accounts::Role;
use goodpractice::forum::{Status, TopicKind};
use goodpractice::store::NewTopic;

use crate::common::{PASSWORD, TestApp, count, text_of};

/// A placeholder author with one imported topic; returns (placeholder id, topic id).
async fn imported_author(app: &TestApp, name: &str, title: &str) -> (i64, i64) {
    let email = goodpractice::import::placeholder_email(name);
    let author = app.store.placeholder_user(&email, name).await.unwrap().expect("a placeholder");
    let category = app.store.categories().await.unwrap()[0].id;
    let topic = NewTopic {
        category_id: category,
        author_id: author,
        kind: TopicKind::Discussion,
        title,
        summary: None,
        body: "Nội dung nhập từ nhóm cũ.",
        body_html: "<p>Nội dung nhập từ nhóm cũ.</p>",
        status: Status::Published,
        tags: &[],
        created_at: chrono::Utc::now(),
        source_id: Some(title),
        hold: None,
        anonymous: None,
        attachments: &[],
    };
    let (topic_id, _) = app.store.create_topic(&topic).await.unwrap();
    (author, topic_id)
}

async fn sign_in(app: &TestApp, email: &str, name: &str, role: Role) -> i64 {
    app.post_form("/logout", &[]).await;
    let id = app.create_user(email, name, role).await;
    assert_eq!(app.login(email, PASSWORD).await.status(), 303);
    id
}

async fn a_moderator_approves_a_claim_and_the_posts_move_to_the_member(app: TestApp) {
    let (placeholder, topic) = imported_author(&app, "Hoa Nguyen", "Bảng kiểm bàn giao ca của khoa Nội").await;
    let hoa = sign_in(&app, "hoa@bvdk.vn", "Nguyễn Thị Hoa", Role::Member).await;
    let profile = app.get_text(&format!("/u/{placeholder}")).await.1;
    assert_eq!(crate::common::attr_of(&profile, "a.claim-link", "href").unwrap(), format!("/claims/{placeholder}"));
    let (status, page) = app.get_text(&format!("/claims/{placeholder}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Hoa Nguyen"));
    let res =
        app.post_form(&format!("/claims/{placeholder}"), &[("message", "Em là Hoa, điều dưỡng khoa Nội, đã đăng bài này năm 2021.")]).await;
    assert_eq!(res.status(), 303);
    assert!(text_of(&app.get_text(&format!("/claims/{placeholder}?sent=1")).await.1, ".notice").unwrap().contains("Đã gửi yêu cầu"));

    // A second claim of the same author waits for nobody: refused, whoever sends it.
    sign_in(&app, "hoa2@bvdk.vn", "Hoa Khác", Role::Member).await;
    let res = app.post_form(&format!("/claims/{placeholder}"), &[("message", "Cũng là em.")]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("đang chờ điều hành viên"));

    // A member cannot decide; a moderator approves.
    assert_eq!(app.get_text("/admin/claims").await.0, 403);
    sign_in(&app, "dieuphoi@bv.vn", "Điều Phối", Role::Moderator).await;
    let (status, page) = app.get_text("/admin/claims").await;
    assert_eq!(status, 200);
    assert_eq!(count(&page, ".claim-item"), 1);
    assert!(text_of(&page, ".claim-message").unwrap().contains("điều dưỡng khoa Nội"));
    let claim = app.store.open_claims().await.unwrap()[0].id;
    let res = app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "approve"), ("reason", "Đã gọi điện xác minh")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "reject")]).await.status(), 409, "decided once");

    // The topic is the member's now, on the public page and in the audit log.
    let (_, page) = app.get_text(&format!("/t/{topic}")).await;
    assert!(page.contains("Nguyễn Thị Hoa") && !page.contains("Hoa Nguyen"));
    let profile = app.get_text(&format!("/u/{hoa}")).await.1;
    assert!(profile.contains("Bảng kiểm bàn giao ca của khoa Nội"));
    let audit = app.store.audit_log(None, 10).await.unwrap();
    let row = audit.iter().find(|a| a.action == "claim_approve").expect("audited");
    assert_eq!((row.item_id, row.after_text.clone()), (placeholder, Some(hoa.to_string())));

    // Merged away: a later import writes to the member; no further claim.
    let again = app.store.placeholder_user(&goodpractice::import::placeholder_email("Hoa Nguyen"), "Hoa Nguyen").await.unwrap();
    assert_eq!(again, Some(hoa));
    sign_in(&app, "hoa3@bvdk.vn", "Hoa Ba", Role::Member).await;
    let res = app.post_form(&format!("/claims/{placeholder}"), &[("message", "Em nữa.")]).await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("đã được chuyển"));
}

async fn bad_claims_are_refused_and_change_nothing(app: TestApp) {
    let (placeholder, topic) = imported_author(&app, "Lan Tran", "Quy trình tiêm an toàn").await;
    let real = app.create_user("that@bvdk.vn", "Thành Viên Thật", Role::Member).await;
    assert_eq!(app.post_form(&format!("/claims/{placeholder}"), &[("message", "Ẩn danh")]).await.status(), 401);

    let lan = sign_in(&app, "lan@bvdk.vn", "Trần Thị Lan", Role::Member).await;
    let res = app.post_form(&format!("/claims/{real}"), &[("message", "Đây là tôi.")]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("thành viên thật"));
    let res = app.post_form(&format!("/claims/{placeholder}"), &[("message", "   ")]).await;
    assert_eq!(res.status(), 422);
    let res = app.post_form(&format!("/claims/{placeholder}"), &[("message", &"x".repeat(10_000))]).await;
    assert_eq!(res.status(), 422);
    assert_eq!(app.post_form("/claims/999999", &[("message", "Tôi")]).await.status(), 404);

    // A suspended member's claim is refused with the suspension's reason.
    let moderator = app.create_user("dieuphoi@bv.vn", "Điều Phối", Role::Moderator).await;
    let until = chrono::Utc::now() + chrono::Duration::days(7);
    let sanction =
        goodpractice::store::NewSanction { user_id: lan, kind: "suspend", until, reason: "Đăng quảng cáo", by_id: moderator };
    app.store.add_sanction(&sanction).await.unwrap();
    let refused = app.post_form(&format!("/claims/{placeholder}"), &[("message", "Đây là tôi.")]).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("Đăng quảng cáo"), "the suspension's reason is given");
    assert!(app.store.open_claims().await.unwrap().is_empty(), "no claim recorded");

    // A claim rejected: nothing moves, and the author can be claimed again.
    sign_in(&app, "binh@bvdk.vn", "Lê Văn Bình", Role::Member).await;
    assert_eq!(app.post_form(&format!("/claims/{placeholder}"), &[("message", "Bài của tôi.")]).await.status(), 303);
    let claim = app.store.open_claims().await.unwrap()[0].id;
    assert_eq!(app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "reject")]).await.status(), 403, "members cannot decide");
    sign_in(&app, "quantri@bv.vn", "Quản Trị", Role::Admin).await;
    assert_eq!(app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "maybe")]).await.status(), 422);
    let res = app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "reject"), ("reason", "Không xác minh được")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.post_form(&format!("/admin/claims/{claim}"), &[("decision", "approve")]).await.status(), 409);
    assert_eq!(app.post_form("/admin/claims/999999", &[("decision", "approve")]).await.status(), 404);
    assert!(app.get_text(&format!("/t/{topic}")).await.1.contains("Lan Tran"), "the topic stays the imported author's");
    assert!(app.store.audit_log(None, 10).await.unwrap().iter().any(|a| a.action == "claim_reject" && a.reason == "Không xác minh được"));
    assert!(app.store.is_claimable_placeholder(placeholder).await.unwrap());
}

crate::on_both_databases!(a_moderator_approves_a_claim_and_the_posts_move_to_the_member, bad_claims_are_refused_and_change_nothing);
