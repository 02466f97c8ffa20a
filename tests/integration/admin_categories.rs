//! The admin's categories page (issue 17): create, rename (the old address redirects, the topics
//! move with it), reorder, archive (readable, no new topics, not offered in the compose form),
//! every change audited; bad input and the wrong people get a clear answer and change nothing.
//! Each runs on SQLite and on PostgreSQL.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, count, field, text_of};

async fn admin_signs_in(app: &TestApp) -> i64 {
    let id = app.create_user("quantri@bvtn.vn", "Quản Trị Viên", Role::Admin).await;
    assert_eq!(app.login("quantri@bvtn.vn", PASSWORD).await.status(), 303);
    id
}

/// The category names in the order the admin page lists them.
fn listed_names(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(".category-admin .category-name").unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>()).collect()
}

async fn category_id(app: &TestApp, slug: &str) -> i64 {
    app.store.categories().await.unwrap().into_iter().find(|c| c.slug == slug).expect("the category").id
}

async fn actions(app: &TestApp) -> Vec<String> {
    app.store.audit_log(None, 100).await.unwrap().into_iter().map(|a| a.action).collect()
}

async fn an_admin_creates_renames_reorders_and_archives_a_category(app: TestApp) {
    admin_signs_in(&app).await;
    let before = app.store.categories().await.unwrap().len();

    // Created at the end of the list, its slug made from the Vietnamese name.
    let res = app
        .post_form(
            "/admin/categories",
            &[
                ("name_vi", "Chăm sóc giảm nhẹ"),
                ("name_en", "Palliative care"),
                ("slug", ""),
                ("description_vi", "Giảm đau, chăm sóc cuối đời."),
                ("description_en", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let (status, page) = app.get_text("/admin/categories?done=created").await;
    assert_eq!(status, 200);
    assert!(text_of(&page, ".notice").unwrap().contains("Đã tạo chuyên mục"));
    assert_eq!(count(&page, ".category-admin"), before + 1);
    assert_eq!(listed_names(&page).last().unwrap(), "Chăm sóc giảm nhẹ");
    let id = category_id(&app, "cham-soc-giam-nhe").await;

    // A member posts there; a signed-out reader has the category page (cached).
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let topic = json!({"category": "cham-soc-giam-nhe", "kind": "discussion", "title": "Giảm đau cho người bệnh ung thư giai đoạn cuối", "body": "Khoa em dùng thang điểm đau mỗi ca trực."});
    app.api_topic(&token, topic).await;
    let (reader, _) = app.second_browser();
    let seen = reader.get(app.url("/c/cham-soc-giam-nhe")).send().await.unwrap().text().await.unwrap();
    assert!(seen.contains("Chăm sóc giảm nhẹ"));
    reader.get(app.url("/")).send().await.unwrap();
    let home = reader.get(app.url("/")).send().await.unwrap();
    assert!(home.headers().contains_key("etag"), "the home page comes from the signed-out cache");
    assert!(home.text().await.unwrap().contains("Chăm sóc giảm nhẹ"));

    // Renamed with a new address: the old one answers 301 (subpages and query too), the topic
    // moved with it, and the signed-out reader sees the new name at once.
    let fields = [
        ("name_vi", "Chăm sóc giảm nhẹ và cuối đời"),
        ("name_en", "Palliative and end-of-life care"),
        ("slug", "giam-nhe"),
        ("description_vi", "Giảm đau."),
        ("description_en", "Pain relief."),
    ];
    assert_eq!(app.post_form(&format!("/admin/categories/{id}"), &fields).await.status(), 303);
    let old = reader.get(app.url("/c/cham-soc-giam-nhe")).send().await.unwrap();
    assert_eq!(old.status(), 301);
    assert_eq!(old.headers()["location"], "/c/giam-nhe");
    let old = reader.get(app.url("/c/cham-soc-giam-nhe/helpful?page=1")).send().await.unwrap();
    assert_eq!(old.headers()["location"], "/c/giam-nhe/helpful?page=1");
    let now = reader.get(app.url("/c/giam-nhe")).send().await.unwrap().text().await.unwrap();
    assert!(now.contains("Chăm sóc giảm nhẹ và cuối đời") && now.contains("Giảm đau cho người bệnh ung thư"));
    let home = reader.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("Chăm sóc giảm nhẹ và cuối đời"), "the cached home page was renewed by the rename");
    assert_eq!(app.get_text("/c/khong-co-chuyen-muc-nay").await.0, 404, "an unknown slug is still a 404");
    let audit = app.store.audit_log(None, 10).await.unwrap();
    let edit = audit.iter().find(|a| a.action == "category_edit" && a.item_id == id).expect("the rename is audited");
    assert!(edit.before_text.as_deref().unwrap().contains("cham-soc-giam-nhe") && edit.after_text.as_deref().unwrap().contains("giam-nhe"));

    // Moved up one place; the first one moved up stays first.
    assert_eq!(app.post_form(&format!("/admin/categories/{id}/move"), &[("direction", "up")]).await.status(), 303);
    let names = listed_names(&app.get_text("/admin/categories").await.1);
    assert_eq!(names[names.len() - 2], "Chăm sóc giảm nhẹ và cuối đời");
    let first = app.store.categories().await.unwrap()[0].id;
    assert_eq!(app.post_form(&format!("/admin/categories/{first}/move"), &[("direction", "up")]).await.status(), 303);
    assert_eq!(app.store.categories().await.unwrap()[0].id, first);

    // Archived: still readable, gone from the compose form, no new topic through the API.
    let res = app.post_form(&format!("/admin/categories/{id}/archive"), &[("archive", "yes"), ("reason", "Gộp vào chuyên mục khác")]).await;
    assert_eq!(res.status(), 303);
    let (status, page) = app.get_text("/c/giam-nhe").await;
    assert_eq!(status, 200);
    assert!(page.contains("Giảm đau cho người bệnh ung thư") && text_of(&page, ".archived-category").is_some());
    let compose = app.get_text("/new").await.1;
    assert!(compose.contains("value=\"medication-safety\"") && !compose.contains("value=\"giam-nhe\""));
    let refused = app
        .post_json(
            "/api/v1/topics",
            Some(&token),
            &json!({"category": "giam-nhe", "kind": "discussion", "title": "Một chủ đề mới về giảm đau", "body": "Nội dung."}),
        )
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.json::<Value>().await.unwrap()["detail"].as_str().unwrap().contains("lưu trữ"));
    assert_eq!(app.post_form(&format!("/admin/categories/{id}/archive"), &[("archive", "yes")]).await.status(), 409);
    assert_eq!(app.post_form(&format!("/admin/categories/{id}/archive"), &[("archive", "no")]).await.status(), 303);
    assert!(!app.store.categories().await.unwrap().iter().any(|c| c.archived));

    // The kept topic count followed; every change is in the audit log.
    assert_eq!(app.store.category_topic_count(id).await.unwrap(), 1);
    let done = actions(&app).await;
    for action in ["category_create", "category_edit", "category_move", "category_archive", "category_unarchive"] {
        assert!(done.iter().any(|a| a == action), "{action} audited");
    }
}

async fn bad_category_input_gets_a_clear_answer_and_changes_nothing(app: TestApp) {
    admin_signs_in(&app).await;
    let before = app.store.categories().await.unwrap();
    let audited = actions(&app).await.len();
    let create = |name_vi: String, name_en: &'static str, slug: &'static str| {
        let app = &app;
        async move { app.post_form("/admin/categories", &[("name_vi", &name_vi), ("name_en", name_en), ("slug", slug)]).await }
    };

    // A clash names the field and the value; the form comes back as typed.
    let res = create("Phòng ngừa té ngã".into(), "Fall prevention", "medication-safety").await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(text_of(&page, ".new-category-error, .form-error").unwrap().contains("/c/medication-safety"));
    assert_eq!(field(&page, "new-name-vi"), "Phòng ngừa té ngã");
    let res = create("AN TOÀN SỬ DỤNG THUỐC".into(), "Drugs", "").await;
    assert_eq!(res.status(), 409);
    assert!(res.text().await.unwrap().contains("Đã có chuyên mục tên tiếng Việt"));
    let res = create("Thuốc".into(), "medication safety", "").await;
    assert_eq!(res.status(), 409);

    // Empty, 10,000 characters, nothing usable for an address.
    let res = create("   ".into(), "Empty", "").await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("Hãy nhập tên tiếng Việt"));
    let res = create("Đ".repeat(10_000), "Long", "").await;
    assert_eq!(res.status(), 422);
    assert!(text_of(&res.text().await.unwrap(), ".form-error").unwrap().contains("tối đa 80 ký tự (đã nhập 10000 ký tự)"));
    assert_eq!(create("???".into(), "Marks", "").await.status(), 422);

    // Renaming onto another category's name; a category that is no longer there.
    let first = &before[0];
    let other = &before[1];
    let res = app
        .post_form(
            &format!("/admin/categories/{}", first.id),
            &[("name_vi", &other.name_vi), ("name_en", "Something new"), ("slug", &first.slug)],
        )
        .await;
    assert_eq!(res.status(), 409);
    let page = res.text().await.unwrap();
    assert!(page.contains(&other.name_vi));
    assert_eq!(field(&page, &format!("c{}-name-en", first.id)), "Something new", "the refused text is kept");
    for path in ["/admin/categories/999999/move", "/admin/categories/abc/move"] {
        let res = app.post_form(path, &[("direction", "up")]).await;
        assert_eq!(res.status(), 404);
        assert!(res.text().await.unwrap().contains("không còn nữa"));
    }
    assert_eq!(app.post_form("/admin/categories/999999", &[("name_vi", "Mới"), ("name_en", "New")]).await.status(), 404);
    assert_eq!(app.post_form("/admin/categories/999999/archive", &[("archive", "yes")]).await.status(), 404);
    assert_eq!(app.post_form(&format!("/admin/categories/{}/move", first.id), &[("direction", "sideways")]).await.status(), 422);

    // Without the form's token nothing is done.
    let res =
        app.client.post(app.url("/admin/categories")).form(&[("name_vi", "Không token"), ("name_en", "No token")]).send().await.unwrap();
    assert_eq!(res.status(), 403);

    let after = app.store.categories().await.unwrap();
    assert_eq!(
        after.iter().map(|c| (&c.slug, &c.name_vi, &c.name_en)).collect::<Vec<_>>(),
        before.iter().map(|c| (&c.slug, &c.name_vi, &c.name_en)).collect::<Vec<_>>()
    );
    assert_eq!(actions(&app).await.len(), audited, "nothing audited");
}

async fn only_admins_manage_categories(app: TestApp) {
    let before = app.store.categories().await.unwrap().len();
    let first = app.store.categories().await.unwrap()[0].id;
    let signed_out = app.get("/admin/categories").await;
    assert_eq!(signed_out.status(), 303);
    assert!(signed_out.headers()["location"].to_str().unwrap().starts_with("/login"));
    assert_eq!(app.post_form("/admin/categories", &[("name_vi", "Ẩn danh"), ("name_en", "Anonymous")]).await.status(), 401);

    for (email, role) in [("dieuphoi@bv.vn", Role::Moderator), ("thanhvien@bv.vn", Role::Member)] {
        app.create_user(email, "Người Thử", role).await;
        assert_eq!(app.login(email, PASSWORD).await.status(), 303);
        let (status, page) = app.get_text("/admin/categories").await;
        assert_eq!(status, 403);
        assert!(page.contains("Chỉ quản trị viên"));
        assert_eq!(
            app.post_form("/admin/categories", &[("name_vi", "Của điều hành viên"), ("name_en", "Moderators'")]).await.status(),
            403
        );
        assert_eq!(app.post_form(&format!("/admin/categories/{first}/archive"), &[("archive", "yes")]).await.status(), 403);
        assert_eq!(app.post_form(&format!("/admin/categories/{first}/move"), &[("direction", "down")]).await.status(), 403);
        app.post_form("/logout", &[]).await;
    }
    let after = app.store.categories().await.unwrap();
    assert_eq!(after.len(), before);
    assert_eq!(after[0].id, first);
    assert!(!after.iter().any(|c| c.archived));
}

crate::on_both_databases!(
    an_admin_creates_renames_reorders_and_archives_a_category,
    bad_category_input_gets_a_clear_answer_and_changes_nothing,
    only_admins_manage_categories,
);
