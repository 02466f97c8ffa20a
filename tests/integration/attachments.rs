//! Attachments over HTTP on both databases: images and PDFs uploaded from the compose and reply
//! forms (no JavaScript) and the API, shown in posts, served with safe headers to those who may
//! see the post; every bad input of the issue refused with a sentence and nothing stored.

use std::io::Write;
use std::path::{Path, PathBuf};

use goodpractice::accounts::Role;
use goodpractice::config::Config;
use image::{GenericImageView, ImageDecoder};
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::common::{TestApp, attr_of, count, text_of};
use crate::{on_both_databases, on_both_with};

const CATEGORY: &str = "patient-identification";

// ---------------------------------------------------------------------------------------------
// Files made by the tests

/// A photo as a phone writes it: JPEG with an EXIF block holding the camera's orientation
/// ("rotate 90°", 6) and a GPS position. 1200 × 800 as stored, 800 × 1200 upright.
fn phone_photo() -> Vec<u8> {
    let picture = image::RgbImage::from_fn(1200, 800, |x, y| image::Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 90).encode_image(&picture).unwrap();
    let tiff = exif_with_gps();
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((tiff.len() + 8) as u16).to_be_bytes());
    app1.extend_from_slice(b"Exif\0\0");
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// A big-endian TIFF: IFD0 with Orientation = 6 and a GPS IFD (21°1'30" N).
fn exif_with_gps() -> Vec<u8> {
    let mut t = b"MM\0\x2A\0\0\0\x08".to_vec();
    let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
        t.extend_from_slice(&tag.to_be_bytes());
        t.extend_from_slice(&kind.to_be_bytes());
        t.extend_from_slice(&count.to_be_bytes());
        t.extend_from_slice(&value);
    };
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x0112, 3, 1, [0, 6, 0, 0]);
    entry(&mut t, 0x8825, 4, 1, 38u32.to_be_bytes());
    t.extend_from_slice(&[0; 4]);
    assert_eq!(t.len(), 38);
    t.extend_from_slice(&2u16.to_be_bytes());
    entry(&mut t, 0x0001, 2, 2, *b"N\0\0\0");
    entry(&mut t, 0x0002, 5, 3, 68u32.to_be_bytes());
    t.extend_from_slice(&[0; 4]);
    assert_eq!(t.len(), 68);
    for (num, den) in [(21u32, 1u32), (1, 1), (30, 1)] {
        t.extend_from_slice(&num.to_be_bytes());
        t.extend_from_slice(&den.to_be_bytes());
    }
    t
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::new_rgb8(width, height).write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// A decompression bomb: a PNG of about a kilobyte that declares 100000 × 100000 pixels
/// (30 GB once decoded).
fn bomb_png() -> Vec<u8> {
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.sum().to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&100_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&vec![0u8; 1 << 20]).unwrap();
    let idat = z.finish().unwrap();
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    assert!(out.len() < 4096, "the bomb is small: {} bytes", out.len());
    out
}

fn plain_pdf() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n\
      trailer << /Root 1 0 R >>\n%%EOF\n"
        .repeat(40)
}

fn pdf_with_javascript() -> Vec<u8> {
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert('x')) >> >> endobj\n\
      trailer << /Root 1 0 R >>\n%%EOF\n"
        .to_vec()
}

// ---------------------------------------------------------------------------------------------
// Helpers

async fn upload(app: &TestApp, token: &str, name: &str, mime: &str, bytes: Vec<u8>) -> (u16, Value) {
    let part = Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap();
    // Browsers send file names as raw UTF-8, not percent-encoded.
    let form = Form::new().percent_encode_noop().part("file", part);
    let res = app.client.post(app.url("/api/v1/uploads")).bearer_auth(token).multipart(form).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Submits a form as a browser does with `enctype="multipart/form-data"`, with the CSRF token.
async fn post_multipart(app: &TestApp, path: &str, fields: &[(&str, &str)], file: Option<(&str, &str, Vec<u8>)>) -> reqwest::Response {
    app.get("/").await;
    let mut form = Form::new().percent_encode_noop().text("csrf", app.csrf());
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form = match file {
        Some((name, mime, bytes)) => form.part("file", Part::bytes(bytes).file_name(name.to_string()).mime_str(mime).unwrap()),
        None => form.part("file", Part::bytes(Vec::new()).file_name("").mime_str("application/octet-stream").unwrap()),
    };
    app.client.post(app.url(path)).multipart(form).send().await.unwrap()
}

async fn compose_with_file(app: &TestApp, title: &str, file: Option<(&str, &str, Vec<u8>)>) -> reqwest::Response {
    let fields = [
        ("category", CATEGORY),
        ("kind", "discussion"),
        ("title", title),
        ("body", "Ảnh chụp bảng kiểm an toàn phẫu thuật tại khoa."),
        ("tags", ""),
    ];
    post_multipart(app, "/new", &fields, file).await
}

fn topic_of(res: &reqwest::Response) -> i64 {
    assert_eq!(res.status(), 303, "the topic was not published");
    let to = res.headers()["location"].to_str().unwrap();
    to.strip_prefix("/t/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
}

async fn get_as_visitor(app: &TestApp, path: &str) -> reqwest::Response {
    let (visitor, _) = app.second_browser();
    visitor.get(app.url(path)).send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Every file under `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(files_under(&path)) } else { out.push(path) }
    }
    out
}

fn attachment_files(app: &TestApp) -> Vec<PathBuf> {
    files_under(&app.data_dir().join("attachments"))
}

async fn attachment_rows(app: &TestApp) -> i64 {
    app.store.count_attachments().await.unwrap()
}

async fn member_token(app: &TestApp) -> String {
    app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await
}

// ---------------------------------------------------------------------------------------------
// Tests

/// The compose form (multipart, no JavaScript) takes a phone photo: the post shows a 480 px
/// thumbnail linked to the full image, which is upright and carries no EXIF or GPS.
async fn a_photo_from_the_compose_form_is_shown_upright_without_exif(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let (status, compose_page) = app.get_text("/new").await;
    assert_eq!(status, 200);
    assert_eq!(attr_of(&compose_page, "form.compose", "enctype").as_deref(), Some("multipart/form-data"));
    assert_eq!(count(&compose_page, "form.compose input[type=file][name=file]"), 1);

    let res = compose_with_file(&app, "Bảng kiểm an toàn phẫu thuật", Some(("Ảnh phòng mổ.jpg", "image/jpeg", phone_photo()))).await;
    let topic = topic_of(&res);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let full = attr_of(&html, "section.post a[href^='/attachments/']", "href").expect("a link to the full image");
    let thumb = attr_of(&html, "section.post a[href^='/attachments/'] img", "src").expect("a thumbnail");
    assert_eq!(thumb, format!("{full}/thumb"));
    assert_eq!(attr_of(&html, "section.post a[href^='/attachments/'] img", "alt").as_deref(), Some("Ảnh phòng mổ.jpg"));

    let res = get_as_visitor(&app, &full).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert!(header(&res, "content-security-policy").contains("sandbox"));
    assert!(header(&res, "cache-control").contains("max-age=31536000"));
    let disposition = header(&res, "content-disposition");
    assert!(
        disposition.starts_with("inline;") && disposition.contains("filename*=UTF-8''%E1%BA%A2nh%20ph%C3%B2ng%20m%E1%BB%95.jpg"),
        "{disposition}"
    );
    let bytes = res.bytes().await.unwrap();
    assert!(!bytes.windows(4).any(|w| w == b"Exif"), "EXIF is gone from the served file");
    let mut decoder = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&bytes)).unwrap();
    assert_eq!(decoder.exif_metadata().unwrap(), None);
    assert_eq!(decoder.dimensions(), (800, 1200), "turned upright by its EXIF orientation");

    let res = get_as_visitor(&app, &thumb).await;
    assert_eq!(header(&res, "content-type"), "image/jpeg");
    let small = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
    assert_eq!(small.dimensions(), (480, 720));
}

/// The reply form takes a file too; a reply without a file still works as before.
async fn a_reply_can_carry_a_pdf_and_replies_without_files_still_work(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let topic = topic_of(&compose_with_file(&app, "Kế hoạch cải tiến chất lượng", None).await);
    let res = post_multipart(
        &app,
        &format!("/t/{topic}/reply"),
        &[("body", "Kế hoạch hành động của khoa.")],
        Some(("Kế hoạch hành động.pdf", "application/pdf", plain_pdf())),
    )
    .await;
    assert_eq!(res.status(), 303);
    let res = post_multipart(&app, &format!("/t/{topic}/reply"), &[("body", "Cảm ơn chị, rất hữu ích.")], None).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let link = text_of(&html, "section.post a[href^='/attachments/']").expect("a download link");
    assert_eq!(link, format!("Kế hoạch hành động.pdf (PDF, {} KB)", plain_pdf().len().div_ceil(1024)));
    assert!(html.contains("Cảm ơn chị, rất hữu ích."));
    let href = attr_of(&html, "section.post a[href^='/attachments/']", "href").unwrap();
    let res = get_as_visitor(&app, &href).await;
    assert_eq!(header(&res, "content-type"), "application/pdf");
    assert_eq!(
        header(&res, "content-disposition"),
        "attachment; filename=\"K_ ho_ch h_nh __ng.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20h%C3%A0nh%20%C4%91%E1%BB%99ng.pdf"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), plain_pdf().as_slice(), "PDFs are served as sent");
}

/// The API answers with the id, URL and a Markdown line; the upload is private until a post shows it.
async fn the_api_uploads_and_the_markdown_shows_the_image(app: TestApp) {
    let token = member_token(&app).await;
    let (status, out) = upload(&app, &token, "áp phích.png", "image/png", png(300, 200)).await;
    assert_eq!(status, 201, "{out}");
    let id = out["id"].as_i64().unwrap();
    assert_eq!(out["url"], format!("/attachments/{id}"));
    assert_eq!(out["thumbnail_url"], format!("/attachments/{id}/thumb"));
    assert_eq!(out["markdown"], format!("![áp phích\\.png](/attachments/{id})"));
    assert_eq!(out["content_type"], "image/png");
    assert_eq!(get_as_visitor(&app, &format!("/attachments/{id}")).await.status(), 404, "not shown in a post yet");

    let body = format!("Áp phích vệ sinh tay năm thời điểm.\n\n{}", out["markdown"].as_str().unwrap());
    let topic =
        app.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": "Áp phích vệ sinh tay", "body": body})).await;
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(attr_of(&html, "section.post img", "src"), Some(format!("/attachments/{id}/thumb")));
    assert_eq!(get_as_visitor(&app, &format!("/attachments/{id}")).await.status(), 200);

    let (status, doc) = app.get_text("/api/openapi.json").await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&doc).unwrap();
    assert!(doc["paths"]["/api/v1/uploads"]["post"]["requestBody"]["content"]["multipart/form-data"].is_object());
}

/// Each bad input of the issue gets a status and a sentence; nothing is stored, no file is left.
async fn bad_uploads_are_refused_and_leave_nothing_behind(app: TestApp) {
    let token = member_token(&app).await;
    let mut fifty_mb = vec![0xFF, 0xD8, 0xFF, 0xE0];
    fifty_mb.resize(50 * 1024 * 1024, 0);
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#.to_vec();
    let cases: Vec<(&str, &str, Vec<u8>, u16, &str)> = vec![
        ("video.jpg", "image/jpeg", fifty_mb, 413, "Tệp quá lớn: tối đa 10.0 MB"),
        ("anh.jpg", "image/jpeg", b"<?php echo shell_exec($_GET['c']); ?>".to_vec(), 415, "Chỉ nhận ảnh JPEG, PNG, WebP, GIF hoặc tệp PDF"),
        ("poster.svg", "image/svg+xml", svg, 415, "Chỉ nhận ảnh JPEG, PNG, WebP, GIF hoặc tệp PDF"),
        ("bom.png", "image/png", bomb_png(), 422, "Ảnh khai báo kích thước quá lớn"),
        ("ke-hoach.pdf", "application/pdf", pdf_with_javascript(), 422, "Tệp PDF này chứa mã JavaScript"),
        ("rong.jpg", "image/jpeg", Vec::new(), 422, "Chưa có tệp nào trong trường \"file\""),
    ];
    for (name, mime, bytes, expected, sentence) in cases {
        let (status, problem) = upload(&app, &token, name, mime, bytes).await;
        assert_eq!(status, expected, "{name}: {problem}");
        assert!(problem["detail"].as_str().unwrap_or_default().contains(sentence), "{name}: {problem}");
    }
    assert_eq!(attachment_rows(&app).await, 0);
    assert_eq!(attachment_files(&app), Vec::<PathBuf>::new());
}

/// Through the page, a refused file keeps the form filled in and says why; a file over the limit
/// gets a readable 413 page, and nothing is stored in either case.
async fn the_compose_form_explains_a_refused_file(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let res = compose_with_file(&app, "Áp phích cho khoa", Some(("poster.svg", "image/svg+xml", b"<svg onload=alert(1)/>".to_vec()))).await;
    assert_eq!(res.status(), 415);
    let html = res.text().await.unwrap();
    assert!(text_of(&html, ".form-error").unwrap().contains("Chỉ nhận ảnh JPEG"), "{html}");
    assert_eq!(attr_of(&html, "#title", "value").as_deref(), Some("Áp phích cho khoa"));

    let mut big = vec![0x89, b'P', b'N', b'G'];
    big.resize(11 * 1024 * 1024, 7);
    let res = compose_with_file(&app, "Ảnh quá lớn", Some(("lon.png", "image/png", big))).await;
    assert_eq!(res.status(), 413);
    let html = res.text().await.unwrap();
    assert!(html.contains("Tệp quá lớn: tối đa 10.0 MB"), "{html}");
    assert_eq!(attachment_rows(&app).await, 0);
    assert!(attachment_files(&app).is_empty());
    let (_, latest) = app.get_text("/").await;
    assert!(!latest.contains("Ảnh quá lớn") && !latest.contains("Áp phích cho khoa"), "no topic was created");
}

/// A refused multipart form (here a stale CSRF token) gives back what was typed, like a URL-encoded
/// one, and stores nothing of its file.
async fn a_refused_form_with_a_file_gives_the_text_back(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let topic = topic_of(&compose_with_file(&app, "Kế hoạch cải tiến chất lượng", None).await);
    let form = Form::new()
        .percent_encode_noop()
        .text("csrf", "a-token-from-another-day-0123456789abcdef")
        .text("body", "Bản kế hoạch viết giữa hai ca trực")
        .part("file", Part::bytes(png(30, 30)).file_name("ke-hoach.png").mime_str("image/png").unwrap());
    let res = app.client.post(app.url(&format!("/t/{topic}/reply"))).multipart(form).send().await.unwrap();
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert_eq!(text_of(&html, ".draft textarea").as_deref(), Some("Bản kế hoạch viết giữa hai ca trực"));
    assert_eq!(attachment_rows(&app).await, 0);
    assert!(attachment_files(&app).is_empty());
}

/// File names are display text: NFC, no path, no control characters; files on disk are named by
/// their hash only, inside the data folder.
async fn file_names_never_become_paths(app: TestApp) {
    let token = member_token(&app).await;
    let decomposed = "a\u{309}nh\\chu\u{323}p/ca\u{301}.jpg";
    for (raw, shown) in [("../../x.jpg", "x.jpg"), ("ảnh\\chụp/ca.jpg", "ca.jpg"), (decomposed, "cá.jpg"), ("..", "tep.png")] {
        let bytes = if raw == ".." { png(10, 10) } else { phone_photo() };
        let (status, out) = upload(&app, &token, raw, "image/jpeg", bytes).await;
        assert_eq!(status, 201, "{raw:?}: {out}");
        assert_eq!(out["file_name"], shown, "{raw:?}");
    }
    let names: Vec<String> = files_under(app.data_dir()).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.contains("x.jpg") || n.contains("ca.jpg")), "{names:?}");
    let stored = attachment_files(&app);
    // The photo (sent three times, stored once) and its thumbnail; the 10 px image is its own thumbnail.
    assert_eq!(stored.len(), 3, "{stored:?}");
    for path in stored {
        let rel = path.strip_prefix(app.data_dir().join("attachments")).unwrap().to_string_lossy().into_owned();
        let (dir, file) = rel.split_once('/').unwrap();
        assert!(dir.len() == 2 && file.len() == 64 && file.starts_with(dir) && file.bytes().all(|b| b.is_ascii_hexdigit()), "{rel}");
    }
}

/// Deleted posts stop serving their attachments to the public.
async fn attachments_of_deleted_posts_are_not_served(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let topic = topic_of(&compose_with_file(&app, "Quy trình bàn giao", Some(("ban-giao.png", "image/png", png(64, 64)))).await);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let full = attr_of(&html, "section.post a[href^='/attachments/']", "href").unwrap();
    assert_eq!(get_as_visitor(&app, &full).await.status(), 200);
    let opening = attr_of(&html, "section.post.opening", "id").unwrap().trim_start_matches("post-").to_string();
    let res = app.post_form(&format!("/posts/{opening}/delete"), &[]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(get_as_visitor(&app, &full).await.status(), 404);
    assert_eq!(get_as_visitor(&app, &format!("{full}/thumb")).await.status(), 404);
}

/// The edit form takes a file like the compose form: the image is added to the post and shown
/// on the topic page to everyone.
async fn an_edit_can_add_an_image_that_the_topic_page_shows(app: TestApp) {
    app.signup("lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let topic = topic_of(&compose_with_file(&app, "Sơ đồ vị trí vòng đeo tay", None).await);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let opening = attr_of(&html, "section.post.opening", "id").unwrap().trim_start_matches("post-").to_string();
    let (_, form) = app.get_text(&format!("/posts/{opening}/edit")).await;
    assert_eq!(attr_of(&form, "form.compose", "enctype").as_deref(), Some("multipart/form-data"));
    assert_eq!(count(&form, "form.compose input[type=file][name=file]"), 1);

    let fields = [("title", "Sơ đồ vị trí vòng đeo tay"), ("body", "Vòng đeo tay đặt ở cổ tay phải, xem sơ đồ.")];
    let res = post_multipart(&app, &format!("/posts/{opening}/edit"), &fields, Some(("sơ đồ.png", "image/png", png(64, 64)))).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let img = "section.post.opening a[href^='/attachments/'] img";
    assert_eq!(attr_of(&html, img, "alt").as_deref(), Some("sơ đồ.png"));
    let full = attr_of(&html, "section.post.opening a[href^='/attachments/']", "href").unwrap();
    assert_eq!(get_as_visitor(&app, &full).await.status(), 200, "the edited post shows it to everyone");
}

/// A post may only show its author's own uploads: another member's (still private) upload or an
/// unknown one refuses the whole post — topic, reply or edit — with a sentence; nothing is written.
async fn posts_showing_someone_elses_or_unknown_attachments_are_refused(app: TestApp) {
    let lan = member_token(&app).await;
    let (status, out) = upload(&app, &lan, "bảng kiểm.png", "image/png", png(40, 40)).await;
    assert_eq!(status, 201, "{out}");
    let lans = out["markdown"].as_str().unwrap().to_string();
    let minh = app.token_for("minh@bvcr.vn", "Trần Văn Minh", Role::Member).await;

    let topic = |body: &str| json!({"category": CATEGORY, "kind": "discussion", "title": "Bảng kiểm của khoa", "body": body});
    let res = app.post_json("/api/v1/topics", Some(&minh), &topic(&format!("Xem ảnh này.\n\n{lans}"))).await;
    assert_eq!(res.status(), 422);
    let problem: Value = res.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("không phải của bạn"), "{problem}");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0, "no topic was written");
    assert_eq!(get_as_visitor(&app, out["url"].as_str().unwrap()).await.status(), 404, "Lan's upload stays private");

    let topic_id = app.api_topic(&minh, topic("Bảng kiểm tự làm của khoa Nhi.")).await;
    let res =
        app.post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(&minh), &json!({"body": "Ảnh: ![x](/attachments/999999)"})).await;
    assert_eq!(res.status(), 422, "an unknown attachment");
    assert_eq!(app.store.count_topic_posts(topic_id).await.unwrap(), 1, "no reply was written");

    let post_id = app.store.topic_posts(topic_id, 1, 0).await.unwrap()[0].id;
    let res = app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(&minh), &json!({"body": format!("Sửa lại.\n\n{lans}")})).await;
    assert_eq!(res.status(), 422);
    let post = app.store.post(post_id).await.unwrap();
    assert_eq!((post.revision, post.body.as_str()), (1, "Bảng kiểm tự làm của khoa Nhi."), "the edit was not written");

    let res = app.post_json(&format!("/api/v1/topics/{topic_id}/posts"), Some(&lan), &json!({"body": format!("Của tôi:\n\n{lans}")})).await;
    assert_eq!(res.status(), 201, "the uploader's own reply shows it");
    assert_eq!(get_as_visitor(&app, out["url"].as_str().unwrap()).await.status(), 200);
}

on_both_databases!(
    an_edit_can_add_an_image_that_the_topic_page_shows,
    posts_showing_someone_elses_or_unknown_attachments_are_refused,
    a_photo_from_the_compose_form_is_shown_upright_without_exif,
    a_reply_can_carry_a_pdf_and_replies_without_files_still_work,
    the_api_uploads_and_the_markdown_shows_the_image,
    bad_uploads_are_refused_and_leave_nothing_behind,
    the_compose_form_explains_a_refused_file,
    file_names_never_become_paths,
    attachments_of_deleted_posts_are_not_served,
    a_refused_form_with_a_file_gives_the_text_back,
);

// ---------------------------------------------------------------------------------------------
// With the shipped moderation rules and a small upload allowance

fn shipped_image_rule(config: &mut Config) {
    config.new_user_max_images = Config::default().new_user_max_images;
    config.uploads_per_hour = 3;
}

/// A new member's uploaded image counts as an image: the post waits for review, and until then
/// only the author (and moderators) can open the attachment.
async fn an_uploaded_image_counts_for_new_members_and_waits_with_the_post(app: TestApp) {
    let token = member_token(&app).await;
    let (_, out) = upload(&app, &token, "poster.png", "image/png", png(40, 40)).await;
    let body = format!("Áp phích của khoa.\n\n{}", out["markdown"].as_str().unwrap());
    let res = app
        .post_json(
            "/api/v1/topics",
            Some(&token),
            &json!({"category": CATEGORY, "kind": "discussion", "title": "Áp phích mới", "body": body}),
        )
        .await;
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "pending", "{created}");
    let url = out["url"].as_str().unwrap();
    assert_eq!(get_as_visitor(&app, url).await.status(), 404);
    app.login("lan@bvbachmai.vn", crate::common::PASSWORD).await;
    assert_eq!(app.get(url).await.status(), 200, "the author sees her pending post's image");
}

/// Uploads are limited per member per hour.
async fn uploads_are_rate_limited(app: TestApp) {
    let token = member_token(&app).await;
    for n in 0..3 {
        assert_eq!(upload(&app, &token, "a.png", "image/png", png(10 + n, 10)).await.0, 201);
    }
    let (status, problem) = upload(&app, &token, "a.png", "image/png", png(20, 10)).await;
    assert_eq!(status, 429);
    assert!(problem["detail"].as_str().unwrap().contains("nhiều tệp trong một giờ"), "{problem}");
}

on_both_with!(shipped_image_rule: an_uploaded_image_counts_for_new_members_and_waits_with_the_post, uploads_are_rate_limited);
