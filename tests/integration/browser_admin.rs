//! In a real browser at phone width (390 px, see `browser.rs`): an admin creates a category,
//! is told clearly when its name is taken, renames it (the old address leads to the new one)
//! and moves it up the list, with no page scrolling sideways.

use goodpractice::accounts::Role;

use crate::browser::{Browser, PHONE};
use crate::common::{PASSWORD, TestApp};

async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.type_into("#email", email).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    b.find("header.site a.viewer").await;
}

/// Waits (bounded) for the page the last click led to: its address holds `marker`.
async fn arrived(b: &Browser, marker: &str) {
    for _ in 0..150 {
        if b.url().await.contains(marker) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the browser did not reach a page with {marker:?}: {}", b.url().await);
}

async fn listed(b: &Browser) -> Vec<String> {
    let names = b.js("return Array.from(document.querySelectorAll('.category-admin .category-name')).map(e => e.textContent);").await;
    names.as_array().unwrap().iter().map(|n| n.as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn on_a_phone_an_admin_creates_renames_and_reorders_a_category() {
    let app = TestApp::sqlite().await;
    let Some(b) = Browser::start(PHONE).await else { return };
    app.create_user("quantri@bvtn.vn", "Quản Trị Viên", Role::Admin).await;
    sign_in(&b, &app, "quantri@bvtn.vn").await;

    b.goto(&app.url("/admin/categories")).await;
    assert_eq!(b.text("main h1").await, "Quản lý chuyên mục");
    b.assert_no_horizontal_scroll("the categories page").await;

    // A name already taken: the form says which and keeps what was typed.
    b.type_into("#new-name-vi", "An toàn sử dụng thuốc").await;
    b.type_into("#new-name-en", "Drugs again").await;
    b.click("form.new-category button[type=submit]").await;
    assert!(b.text(".form-error").await.contains("Đã có chuyên mục tên tiếng Việt “An toàn sử dụng thuốc”"));
    assert_eq!(b.js("return document.getElementById('new-name-en').value;").await, "Drugs again");
    b.assert_no_horizontal_scroll("the refused form").await;

    // Created, at the end of the list.
    b.type_into("#new-name-vi", "Chăm sóc giảm nhẹ").await;
    b.type_into("#new-name-en", "Palliative care").await;
    b.click("form.new-category button[type=submit]").await;
    arrived(&b, "done=created").await;
    assert!(b.text(".notice").await.contains("Đã tạo chuyên mục"));
    assert_eq!(listed(&b).await.last().unwrap(), "Chăm sóc giảm nhẹ");
    let id = app.store.categories().await.unwrap().into_iter().find(|c| c.slug == "cham-soc-giam-nhe").unwrap().id;

    // Renamed with a new address through its "edit" section.
    b.click(&format!("#category-{id} summary")).await;
    b.type_into(&format!("#c{id}-name-vi"), "Chăm sóc cuối đời").await;
    b.type_into(&format!("#c{id}-slug"), "cuoi-doi").await;
    b.assert_no_horizontal_scroll("an open edit form").await;
    b.click(&format!("#category-{id} details form button[type=submit]")).await;
    arrived(&b, "done=saved").await;
    assert!(b.text(".notice").await.contains("Đã lưu chuyên mục"));
    b.goto(&app.url("/c/cham-soc-giam-nhe")).await;
    assert!(b.url().await.ends_with("/c/cuoi-doi"), "the old address leads to the new one: {}", b.url().await);
    assert_eq!(b.text("main h1").await, "Chăm sóc cuối đời");

    // Moved up one place.
    b.goto(&app.url("/admin/categories")).await;
    b.click(&format!("#category-{id} button[value=up]")).await;
    arrived(&b, "done=moved").await;
    assert!(b.text(".notice").await.contains("Đã đổi thứ tự"));
    let names = listed(&b).await;
    assert_eq!(names[names.len() - 2], "Chăm sóc cuối đời");
    b.assert_no_horizontal_scroll("the categories page after the changes").await;
    b.finish().await;
}
