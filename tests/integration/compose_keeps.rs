//! Composing never loses work, on both databases: switching the kind of topic keeps what was
//! typed (a case study's sections travel as headed parts of the text and come back), a preview
//! keeps the chosen photo, the no-JavaScript preview lands on the preview, and the six sections
//! of a case study carry hints in Vietnamese and English.

use reqwest::multipart::{Form, Part};

use crate::common::{TestApp, attr_of, count, field, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "fall-prevention";
const TITLE: &str = "Giảm té ngã ở người bệnh cao tuổi";
const BODY: &str = "Khoa Nội tổng hợp, 60 giường, nhiều người bệnh trên 75 tuổi.";

/// Submits the compose form as a browser does (multipart, CSRF token, an empty file part when
/// no file is chosen).
async fn post_compose(app: &TestApp, fields: &[(&str, &str)], file: Option<(&str, Vec<u8>)>) -> reqwest::Response {
    app.get("/").await;
    let mut form = Form::new().percent_encode_noop().text("csrf", app.csrf());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = match file {
        Some((name, bytes)) => form.part("file", Part::bytes(bytes).file_name(name.to_string()).mime_str("image/png").unwrap()),
        None => form.part("file", Part::bytes(Vec::new()).file_name("").mime_str("application/octet-stream").unwrap()),
    };
    app.client.post(app.url("/new")).multipart(form).send().await.unwrap()
}

fn png() -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(64, 48).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn drafts_listed(app: &TestApp) -> usize {
    count(&app.get_text("/drafts").await.1, ".draft-item")
}

/// A discussion switched to a case study keeps title, category, tags and text; the case study's
/// sections, switched to a question, become headed parts of its text, and come back into their
/// fields when switched to a case study again. Nothing is published on the way.
async fn switching_the_kind_keeps_what_was_typed(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("tags", "té ngã")];
    let res = post_compose(&app, &[&typed[..], &[("switch_kind", "case_study")]].concat(), None).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, ".kinds button.current").as_deref(), Some("Nghiên cứu trường hợp"));
    assert_eq!(attr_of(&html, "input[name=kind]", "value").as_deref(), Some("case_study"));
    assert_eq!(field(&html, "title"), TITLE);
    assert_eq!(field(&html, "body"), BODY, "the text is the case study's introduction");
    assert_eq!(field(&html, "tags"), "té ngã");
    assert_eq!(count(&html, "#category option[selected][value='fall-prevention']"), 1);
    assert_eq!(count(&html, "textarea#lessons"), 1);

    let case_study = [
        ("category", CATEGORY),
        ("kind", "case_study"),
        ("title", TITLE),
        ("body", BODY),
        ("context", "Ca đêm có 2 điều dưỡng."),
        ("lessons", "Đánh giá nguy cơ té ngã khi nhập viện."),
        ("anonymous", "on"),
        ("switch_kind", "question"),
    ];
    let html = post_compose(&app, &case_study, None).await.text().await.unwrap();
    assert_eq!(text_of(&html, ".kinds button.current").as_deref(), Some("Câu hỏi"));
    let body = field(&html, "body");
    assert!(body.starts_with(BODY), "{body}");
    assert!(body.contains("## Bối cảnh\n\nCa đêm có 2 điều dưỡng."), "{body}");
    assert!(body.contains("## Bài học kinh nghiệm\n\nĐánh giá nguy cơ té ngã khi nhập viện."), "{body}");
    assert_eq!(attr_of(&html, "input[type=hidden][name=anonymous]", "value").as_deref(), Some("on"), "kept for switching back");

    let back = [
        ("category", CATEGORY),
        ("kind", "question"),
        ("title", TITLE),
        ("body", &body),
        ("anonymous", "on"),
        ("switch_kind", "case_study"),
    ];
    let html = post_compose(&app, &back, None).await.text().await.unwrap();
    assert_eq!(field(&html, "body"), BODY);
    assert_eq!(field(&html, "context"), "Ca đêm có 2 điều dưỡng.");
    assert_eq!(field(&html, "lessons"), "Đánh giá nguy cơ té ngã khi nhập viện.");
    assert_eq!(count(&html, "input[name=anonymous][type=checkbox][checked]"), 1, "the anonymity choice came back");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0, "switching publishes nothing");
}

/// A draft autosaved while writing a discussion follows the switch to a case study: the drafts
/// list holds it once, under the new kind, and the form of that kind opens with it.
async fn the_draft_follows_a_switch_of_kind(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    let res =
        app.post_form("/drafts", &[("draft_scope", "new:discussion"), ("category", CATEGORY), ("title", TITLE), ("body", BODY)]).await;
    assert_eq!(res.status(), 303);
    let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("switch_kind", "case_study")];
    assert_eq!(post_compose(&app, &typed, None).await.status(), 200);

    assert_eq!(drafts_listed(&app).await, 1);
    let (_, html) = app.get_text("/new?kind=case_study").await;
    assert_eq!(field(&html, "title"), TITLE);
    let (_, html) = app.get_text("/new?kind=discussion").await;
    assert_eq!(field(&html, "title"), "", "no copy left under the kind she left");
}

/// A kind that does not exist is a 422 that says which kinds there are, with the text kept.
async fn an_unknown_kind_is_refused_with_the_text_kept(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    for bad in ["poem", "case_study'--", "<script>"] {
        let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("switch_kind", bad)];
        let res = post_compose(&app, &typed, None).await;
        assert_eq!(res.status(), 422, "{bad}");
        let html = res.text().await.unwrap();
        assert!(text_of(&html, ".form-error").unwrap().contains("Loại bài viết không hợp lệ"), "{html}");
        assert_eq!(field(&html, "body"), BODY);
    }
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);
}

/// "Xem trước" with a photo chosen uploads it and adds its line to the text: the preview shows
/// it, says so, and posting the form as it came back publishes the photo without choosing it again.
async fn a_preview_keeps_the_chosen_photo(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("preview", "1")];
    let res = post_compose(&app, &typed, Some(("Thanh vịn.png", png()))).await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let thumb = attr_of(&html, ".preview img", "src").expect("the photo is in the preview");
    assert!(thumb.starts_with("/attachments/") && thumb.ends_with("/thumb"), "{thumb}");
    assert!(text_of(&html, ".preview .file-added").unwrap().contains("không cần chọn lại"));
    let body = field(&html, "body");
    assert!(body.starts_with(BODY) && body.contains("](/attachments/"), "{body}");

    let posted = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", &body)];
    let res = post_compose(&app, &posted, None).await;
    assert_eq!(res.status(), 303);
    let topic = res.headers()["location"].to_str().unwrap().to_string();
    let (_, page) = app.get_text(&topic).await;
    assert_eq!(attr_of(&page, "section.post img", "src"), Some(thumb.clone()));
    let (visitor, _) = app.second_browser();
    assert_eq!(visitor.get(app.url(&thumb)).send().await.unwrap().status(), 200, "public with the post");
}

/// A refused file on preview says why and keeps the text; nothing is stored.
async fn a_refused_file_on_preview_keeps_the_text(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("preview", "1")];
    let res = post_compose(&app, &typed, Some(("anh.png", b"<svg onload=alert(1)/>".to_vec()))).await;
    assert_eq!(res.status(), 415);
    let html = res.text().await.unwrap();
    assert!(text_of(&html, ".form-error").unwrap().contains("Chỉ nhận ảnh JPEG"), "{html}");
    assert_eq!(field(&html, "body"), BODY);
    assert_eq!(app.store.count_attachments().await.unwrap(), 0);
}

/// Without JavaScript the preview button sends the form to an address ending in the preview's
/// anchor, so the page opens on the preview (the browser test checks the scrolling); the reply
/// and edit forms too. The case study's sections each carry a hint, in both languages, tied to
/// their field.
async fn the_preview_lands_on_itself_and_sections_have_hints(app: TestApp) {
    app.signup("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan").await;
    let (_, html) = app.get_text("/new?kind=case_study").await;
    assert_eq!(attr_of(&html, "button[name=preview]", "formaction").as_deref(), Some("/new#preview-heading"));
    let typed = [("category", CATEGORY), ("kind", "discussion"), ("title", TITLE), ("body", BODY), ("preview", "1")];
    let html = post_compose(&app, &typed, None).await.text().await.unwrap();
    assert_eq!(count(&html, "#preview-heading"), 1, "the anchor exists on the answer");

    let (_, html) = app.get_text("/new?kind=case_study").await;
    assert_eq!(count(&html, "p.section-hint"), 6);
    assert_eq!(attr_of(&html, "textarea#problem", "aria-describedby").as_deref(), Some("hint-problem"));
    assert!(text_of(&html, "#hint-problem").unwrap().contains("Thông tư 43/2018/TT-BYT"));
    assert!(text_of(&html, "#hint-context").unwrap().contains("Không ghi tên"));
    app.get("/lang/en?next=/").await;
    let (_, html) = app.get_text("/new?kind=case_study").await;
    assert!(text_of(&html, "#hint-problem").unwrap().contains("Circular 43/2018/TT-BYT"));
    assert!(text_of(&html, "#hint-lessons").unwrap().contains("colleagues"));
}

on_both_databases!(
    switching_the_kind_keeps_what_was_typed,
    the_draft_follows_a_switch_of_kind,
    an_unknown_kind_is_refused_with_the_text_kept,
    a_preview_keeps_the_chosen_photo,
    a_refused_file_on_preview_keeps_the_text,
    the_preview_lands_on_itself_and_sections_have_hints,
);
