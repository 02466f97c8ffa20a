//! In a real browser at phone size (see `browser.rs`): composing never loses work. Switching the
//! kind keeps what was typed, the preview button lands on the preview with the chosen photo in
//! it, and the topic published afterwards shows that photo without choosing it again.

use crate::browser::{AUTHOR, Browser, PHONE, TITLE, attach_photo, publish, see_photo, sign_up, ward_photo};
use crate::common::TestApp;

const INTRO: &str = "Khoa Nội tổng hợp, 60 giường, nhiều người bệnh trên 75 tuổi.";

#[tokio::test]
async fn on_a_phone_switching_kind_and_previewing_keep_the_work() {
    let app = TestApp::sqlite().await;
    let Some(b) = Browser::start(PHONE).await else { return };
    sign_up(&b, &app, AUTHOR).await;

    // Typed as a discussion, then switched to a case study: title, category and text stay.
    b.click_link("//header", "Viết bài mới").await;
    b.find("select#category").await.select_by_value("fall-prevention").await.expect("choose the category");
    b.type_into("#title", TITLE).await;
    b.type_into("textarea#body", INTRO).await;
    b.click(".kinds button[value=case_study]").await;
    b.find("textarea#lessons").await;
    assert_eq!(b.text(".kinds button.current").await, "Nghiên cứu trường hợp");
    assert_eq!(b.js("return document.getElementById('title').value;").await, TITLE);
    assert_eq!(b.js("return document.getElementById('body').value;").await, INTRO);
    assert_eq!(b.js("return document.getElementById('category').value;").await, "fall-prevention");
    assert!(b.text("#hint-problem").await.contains("Thông tư 43/2018/TT-BYT"));

    // A photo chosen, then "Xem trước": the page opens on the preview, which shows the photo.
    b.type_into("textarea#lessons", "Đánh giá nguy cơ té ngã ngay khi nhập viện.").await;
    let (_dir, photo) = ward_photo();
    attach_photo(&b, &photo).await;
    b.click("form.compose button[name=preview]").await;
    b.find(".preview img").await;
    assert!(b.url().await.ends_with("/new#preview-heading"), "{}", b.url().await);
    let top = b.js("return document.getElementById('preview-heading').getBoundingClientRect().top;").await;
    let top = top.as_f64().expect("a position");
    assert!((0.0..200.0).contains(&top), "the preview heading is at the top of the screen, not {top}px down");
    assert!(b.js("return window.scrollY;").await.as_f64().unwrap() > 0.0, "the page scrolled to the preview");
    assert!(b.text(".preview .file-added").await.contains("không cần chọn lại"));

    // Posted without choosing the photo again: the topic shows it.
    publish(&b).await;
    see_photo(&b, "tay-vin-nha-ve-sinh.png").await;
    b.finish().await;
}
