//! The HTML site through its forms, as a browser without JavaScript uses it: accounts, composing
//! each kind of topic, replies, edits and revisions, deletion, CSRF, expired sessions, permissions,
//! profiles, language, pagination and the awkward bytes browsers sometimes send.

use goodpractice::accounts::Role;
use reqwest::header::{CONTENT_SECURITY_POLICY, CONTENT_TYPE};
use scraper::{Html, Selector};
use serde_json::{Value, json};
use unicode_normalization::UnicodeNormalization;

use crate::common::{PASSWORD, TestApp, count, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "patient-identification";
const CSRF_MESSAGE: &str = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Vui lòng tải lại trang rồi gửi lại.";
/// A well-formed token this browser was never given (what a cross-site page would have to guess).
const FORGED_TOKEN: &str = "bWFkZS11cC1ieS1hbm90aGVyLXNpdGUtMTIzNDU2Nzg5MA";

// ---------------------------------------------------------------------------------------------
// Helpers: a browser filling in forms and reading what is on the page.

fn location(res: &reqwest::Response) -> String {
    let value = res.headers().get("location").unwrap_or_else(|| panic!("expected a redirect, got {}", res.status()));
    value.to_str().unwrap().to_string()
}

/// GETs a page that must answer 200 and returns its HTML.
async fn page(app: &TestApp, path: &str) -> String {
    let (status, html) = app.get_text(path).await;
    assert_eq!(status, 200, "GET {path}: {}", text_of(&html, "p.error-message").unwrap_or_default());
    html
}

/// Reads a response that must have `status` and returns its HTML.
async fn answered(res: reqwest::Response, status: u16) -> String {
    let got = res.status();
    let html = res.text().await.unwrap();
    let shown = text_of(&html, "p.error-message").or_else(|| text_of(&html, "p.form-error")).unwrap_or_default();
    assert_eq!(got, status, "{shown}");
    html
}

async fn sign_up(app: &TestApp, email: &str, name: &str) {
    let res = app.signup(email, name).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/".to_string()), "sign-up of {email}");
}

async fn sign_out(app: &TestApp) {
    let res = app.post_form("/logout", &[]).await;
    assert_eq!(res.status(), 303);
}

fn viewer_name(html: &str) -> Option<String> {
    text_of(html, "header.site .viewer")
}

/// The signed-in reader's id, from the link to their profile in the header.
fn viewer_id(html: &str) -> i64 {
    let doc = Html::parse_document(html);
    let link = doc.select(&Selector::parse("header.site .viewer").unwrap()).next().expect("signed in");
    link.value().attr("href").unwrap().trim_start_matches("/u/").parse().unwrap()
}

/// What a form field shows: an input's value or a textarea's text, exactly.
fn field(html: &str, id: &str) -> String {
    let doc = Html::parse_document(html);
    let el = doc.select(&Selector::parse(&format!("#{id}")).unwrap()).next().unwrap_or_else(|| panic!("no field #{id}"));
    match el.value().name() {
        "textarea" => el.text().collect(),
        _ => el.value().attr("value").unwrap_or_default().to_string(),
    }
}

fn attr(html: &str, selector: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let el = doc.select(&Selector::parse(selector).unwrap()).next()?;
    el.value().attr(name).map(str::to_string)
}

fn texts(html: &str, selector: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse(selector).unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// The ids of the posts shown on a topic page, in order.
fn post_ids(html: &str) -> Vec<i64> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("section.post").unwrap();
    doc.select(&sel).map(|e| e.value().attr("id").unwrap().trim_start_matches("post-").parse().unwrap()).collect()
}

/// The `dd` that follows the `dt` with this text on a profile.
fn definition(html: &str, term: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let sel = Selector::parse("dl > dt, dl > dd").unwrap();
    let items: Vec<(String, String)> =
        doc.select(&sel).map(|e| (e.value().name().to_string(), e.text().collect::<String>().trim().to_string())).collect();
    items.windows(2).find(|w| w[0].0 == "dt" && w[0].1 == term).map(|w| w[1].1.clone())
}

fn topic_id_in(res: &reqwest::Response) -> i64 {
    assert_eq!(res.status(), 303, "the topic was not published");
    let to = location(res);
    to.strip_prefix("/t/").and_then(|id| id.parse().ok()).unwrap_or_else(|| panic!("redirected to {to}"))
}

async fn compose(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form("/new", fields).await
}

/// Publishes a discussion through the form and returns the topic id.
async fn publish(app: &TestApp, title: &str, body: &str) -> i64 {
    let res = compose(app, &[("category", CATEGORY), ("kind", "discussion"), ("title", title), ("body", body), ("tags", "")]).await;
    topic_id_in(&res)
}

/// Signs up Lan and has her publish a discussion; returns (topic id, opening post id).
async fn lan_with_a_topic(app: &TestApp) -> (i64, i64) {
    sign_up(app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let id = publish(app, "Đeo vòng tay nhận diện cho mọi người bệnh nội trú", "Khoa Nội dùng vòng tay hai thông tin.").await;
    let opening = post_ids(&page(app, &format!("/t/{id}")).await)[0];
    (id, opening)
}

async fn reply(app: &TestApp, topic: i64, body: &str) -> reqwest::Response {
    app.post_form(&format!("/t/{topic}/reply"), &[("body", body)]).await
}

/// Posts a form with the `csrf` field left out (`None`) or set to `token`; the browser does hold
/// a real token cookie.
async fn post_with_token(app: &TestApp, path: &str, fields: &[(&str, &str)], token: Option<&str>) -> reqwest::Response {
    app.get("/").await;
    let mut all = fields.to_vec();
    all.extend(token.map(|t| ("csrf", t)));
    app.client.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn assert_csrf_refused(res: reqwest::Response) {
    let html = answered(res, 403).await;
    assert_eq!(text_of(&html, "p.error-message").unwrap(), CSRF_MESSAGE);
}

async fn topic_count(app: &TestApp) -> i64 {
    app.store.count_topics(None).await.unwrap()
}

async fn post_count(app: &TestApp, topic: i64) -> i64 {
    app.store.count_topic_posts(topic).await.unwrap()
}

/// The browser keeps a session cookie the server no longer knows (deleted, or from a reset).
fn replace_session_cookie(app: &TestApp) {
    let url: reqwest::Url = app.base.parse().unwrap();
    app.jar.add_cookie_str("gp_session=c2Vzc2lvbi10aGF0LXdhcy1kZWxldGVkLW9uLXRoZS1zZXJ2ZXI; Path=/", &url);
}

/// Every session in the database ends an hour ago (the cookie itself is still in the browser).
async fn expire_sessions_in_database(app: &TestApp) {
    let past = chrono::Utc::now() - chrono::Duration::hours(1);
    let sql = "UPDATE sessions SET expires_at = $1";
    if app.backend == "postgres" {
        let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(past).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(past).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

async fn api_topic_json(app: &TestApp, id: i64) -> Value {
    let res = app.get(&format!("/api/v1/topics/{id}")).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

// ---------------------------------------------------------------------------------------------
// Accounts

async fn signing_up_shows_the_name_in_the_header(app: TestApp) {
    let form = page(&app, "/signup").await;
    assert_eq!(viewer_name(&form), None);

    sign_up(&app, "hoa.tran@bvcr.vn", "Trần Thị Hoa").await;

    assert_eq!(viewer_name(&page(&app, "/").await).as_deref(), Some("Trần Thị Hoa"));
}

async fn wrong_password_and_unknown_email_get_the_same_answer(app: TestApp) {
    app.create_user("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;

    let wrong_password = answered(app.login("minh@bvtn.vn", "không-phải-mật-khẩu").await, 401).await;
    let unknown_email = answered(app.login("ai.do@bvtn.vn", "không-phải-mật-khẩu").await, 401).await;

    for html in [&wrong_password, &unknown_email] {
        assert_eq!(text_of(html, "p.form-error").as_deref(), Some("Email hoặc mật khẩu không đúng."));
        assert_eq!(viewer_name(html), None);
    }
    assert_eq!(field(&wrong_password, "password"), "", "a password is never sent back");
}

async fn sign_in_is_refused_after_five_failures(app: TestApp) {
    app.create_user("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;
    for _ in 0..5 {
        answered(app.login("minh@bvtn.vn", "đoán-mò-lần-nữa").await, 401).await;
    }

    let res = app.login("minh@bvtn.vn", PASSWORD).await;

    let html = answered(res, 429).await;
    assert_eq!(
        text_of(&html, "p.form-error").as_deref(),
        Some(
            "Tài khoản này đã đăng nhập sai 5 lần liên tiếp. Để chống dò mật khẩu, lần thử tiếp theo phải chờ 1 phút. (Sau 5 lần sai, mỗi lần sai thêm thời gian chờ tăng gấp đôi, tối đa 15 phút; đăng nhập đúng thì bộ đếm trở về 0.)"
        )
    );
    assert_eq!(viewer_name(&page(&app, "/").await), None);
}

async fn sign_in_returns_to_the_page_that_asked_for_it(app: TestApp) {
    app.create_user("minh@bvtn.vn", "Lê Văn Minh", Role::Member).await;
    let wanted = format!("/new?kind=case_study&category={CATEGORY}");

    let to_login = location(&app.get(&wanted).await);
    assert_eq!(to_login, format!("/login?next=%2Fnew%3Fkind%3Dcase_study%26category%3D{CATEGORY}"));
    let login_form = page(&app, &to_login).await;
    let next = attr(&login_form, "input[name=next]", "value").unwrap();
    assert_eq!(next, wanted);
    let res = app.post_form("/login", &[("email", "minh@bvtn.vn"), ("password", PASSWORD), ("next", &next)]).await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, wanted.clone()));
    let form = page(&app, &wanted).await;
    assert_eq!(viewer_name(&form).as_deref(), Some("Lê Văn Minh"));
    assert_eq!(attr(&form, "input[name=kind]", "value").as_deref(), Some("case_study"));
    assert_eq!(attr(&form, "#category option[selected]", "value").as_deref(), Some(CATEGORY));
    assert_eq!(
        count(&form, "textarea#context, textarea#problem, textarea#causes, textarea#intervention, textarea#results, textarea#lessons"),
        6
    );
}

async fn signing_out_ends_the_session_on_the_server(app: TestApp) {
    sign_up(&app, "hoa.tran@bvcr.vn", "Trần Thị Hoa").await;
    let old_session = crate::common::cookie_value(&app.jar, &app.base, "gp_session").unwrap();

    sign_out(&app).await;

    assert_eq!(viewer_name(&page(&app, "/").await), None);
    let url: reqwest::Url = app.base.parse().unwrap();
    app.jar.add_cookie_str(&format!("gp_session={old_session}; Path=/"), &url);
    let res = app.get("/new").await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/login?next=%2Fnew".to_string()));
}

async fn only_your_own_profile_offers_settings_and_sign_out(app: TestApp) {
    sign_up(&app, "thu.le@bvtw.vn", "Lê Minh Thư").await;
    let home = page(&app, "/").await;
    let own_profile = crate::common::attr_of(&home, "header.site a.viewer", "href").expect("the name links to the profile");
    let other = app.create_user("khac@bvtw.vn", "Người Khác", Role::Member).await;

    let mine = page(&app, &own_profile).await;
    let theirs = page(&app, &format!("/u/{other}")).await;

    assert_eq!(count(&mine, "form[action=\"/logout\"] button"), 1);
    assert_eq!(count(&mine, "a[href=\"/settings/profile\"]"), 1);
    assert_eq!(count(&theirs, "form[action=\"/logout\"]"), 0);
    assert_eq!(count(&theirs, "a[href=\"/settings/profile\"]"), 0);
}

// ---------------------------------------------------------------------------------------------
// Composing, replying, editing, deleting

async fn discussions_and_questions_are_published_from_the_form(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let kinds = [
        ("discussion", "Thảo luận", "Bàn giao ca có cần đọc lại y lệnh?", "Khoa tôi đọc lại **từng y lệnh** khi bàn giao."),
        ("question", "Câu hỏi", "Có nên dùng mã vạch khi phát thuốc không?", "Bệnh viện tuyến tỉnh đã ai triển khai chưa?"),
    ];
    for (kind, badge, title, body) in kinds {
        let res =
            compose(&app, &[("category", CATEGORY), ("kind", kind), ("title", title), ("body", body), ("tags", "bàn giao, Điều dưỡng")])
                .await;
        let html = page(&app, &format!("/t/{}", topic_id_in(&res))).await;

        assert_eq!(text_of(&html, "h1").as_deref(), Some(title));
        assert_eq!(text_of(&html, "article.topic .meta .badge").as_deref(), Some(badge));
        // Chips show the tags as typed and link to them by slug.
        assert_eq!(texts(&html, "article.topic .tag"), ["#bàn giao", "#Điều dưỡng"]);
        assert_eq!(count(&html, "article.topic a.tag[href=\"/tag/ban-giao\"], article.topic a.tag[href=\"/tag/dieu-duong\"]"), 2);
        assert_eq!(count(&html, ".post"), 1);
    }
    let latest = page(&app, "/").await;
    assert_eq!(texts(&latest, "li.topic-item a.topic-title"), [kinds[1].2, kinds[0].2]);
    assert_eq!(texts(&latest, "li.topic-item .badge"), [kinds[1].1, kinds[0].1]);
}

async fn a_case_study_shows_its_six_sections_under_their_labels(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let sections = [
        ("context", "Bối cảnh", "Khoa Nội tổng hợp có 40 giường, 12 điều dưỡng."),
        ("problem", "Vấn đề", "Ba lần nhầm người bệnh khi phát thuốc trong quý I."),
        ("causes", "Phân tích nguyên nhân", "Không đối chiếu vòng tay; hai người bệnh trùng tên."),
        ("intervention", "Giải pháp can thiệp / kế hoạch hành động", "Đối chiếu hai thông tin trước mỗi lần dùng thuốc."),
        ("results", "Kết quả (chỉ số trước và sau)", "| Chỉ số | Trước | Sau |\n|---|---|---|\n| Nhầm người bệnh | 3 | 0 |"),
        ("lessons", "Bài học kinh nghiệm", "Kiểm tra chéo giữa hai điều dưỡng."),
    ];
    let mut fields = vec![
        ("category", CATEGORY),
        ("kind", "case_study"),
        ("title", "Giảm nhầm lẫn người bệnh tại Khoa Nội"),
        ("body", "Một năm triển khai vòng tay nhận diện."),
        ("tags", ""),
    ];
    fields.extend(sections.iter().map(|(key, _, text)| (*key, *text)));

    let res = compose(&app, &fields).await;

    let html = page(&app, &format!("/t/{}", topic_id_in(&res))).await;
    assert_eq!(text_of(&html, "article.topic .meta .badge").as_deref(), Some("Nghiên cứu trường hợp"));
    assert_eq!(text_of(&html, ".post.opening > .body").as_deref(), Some("Một năm triển khai vòng tay nhận diện."));
    let labels: Vec<&str> = sections.iter().map(|(_, label, _)| *label).collect();
    assert_eq!(texts(&html, "section.case-section > h2"), labels);
    for (key, label, text) in &sections[..5] {
        assert_eq!(text_of(&html, &format!("section.case-section.section-{key} > h2")).as_deref(), Some(*label));
        if *key != "results" {
            assert_eq!(text_of(&html, &format!("section.section-{key} .body")).as_deref(), Some(*text));
        }
    }
    assert_eq!(texts(&html, "section.section-results table td"), ["Nhầm người bệnh", "3", "0"]);
    assert_eq!(text_of(&html, "section.section-lessons .body").as_deref(), Some("Kiểm tra chéo giữa hai điều dưỡng."));
}

async fn a_good_practice_shows_its_summary(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let summary = "Bảng kiểm an toàn phẫu thuật giúp không còn sót gạc sau mổ.";

    let res = compose(
        &app,
        &[
            ("category", "safe-surgery"),
            ("kind", "good_practice"),
            ("title", "Bảng kiểm an toàn phẫu thuật"),
            ("summary", summary),
            ("body", "Chúng tôi đọc to bảng kiểm ở ba thời điểm."),
            ("tags", ""),
        ],
    )
    .await;

    let html = page(&app, &format!("/t/{}", topic_id_in(&res))).await;
    assert_eq!(text_of(&html, "article.topic .meta .badge").as_deref(), Some("Thực hành tốt"));
    assert_eq!(text_of(&html, "article.topic p.summary"), Some(format!("Tóm tắt: {summary}")));
    assert_eq!(text_of(&html, ".post .body").as_deref(), Some("Chúng tôi đọc to bảng kiểm ở ba thời điểm."));
    assert_eq!(text_of(&page(&app, "/").await, "li.topic-item .summary").as_deref(), Some(summary));
}

async fn a_too_short_title_keeps_the_typed_text_and_writes_nothing(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let body = "Ca trực đêm qua:\n\n- Đọc lại y lệnh <b>hai lần</b>\n- Ghi \"đã kiểm tra\" & ký tên";

    let res = compose(&app, &[("category", CATEGORY), ("kind", "discussion"), ("title", "Ngắn"), ("body", body), ("tags", "ca đêm")]).await;

    let html = answered(res, 422).await;
    assert_eq!(text_of(&html, "p.form-error").as_deref(), Some("Tiêu đề phải dài từ 5 đến 200 ký tự (hiện có 4)."));
    assert_eq!((field(&html, "title"), field(&html, "body"), field(&html, "tags")), ("Ngắn".into(), body.into(), "ca đêm".into()));
    assert_eq!(attr(&html, "#category option[selected]", "value").as_deref(), Some(CATEGORY));
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_case_study_without_category_keeps_every_section(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let sections = [
        ("context", "Bối cảnh khoa"),
        ("problem", "Vấn đề té ngã"),
        ("causes", "Sàn trơn"),
        ("intervention", "Biển cảnh báo"),
        ("results", "Giảm 50%"),
        ("lessons", "Làm sớm hơn"),
    ];
    let mut fields =
        vec![("category", ""), ("kind", "case_study"), ("title", "Phòng ngừa té ngã ở người cao tuổi"), ("body", ""), ("tags", "")];
    fields.extend(sections);

    let html = answered(compose(&app, &fields).await, 422).await;

    assert_eq!(text_of(&html, "p.form-error").as_deref(), Some("Chuyên mục không tồn tại."));
    for (key, text) in sections {
        assert_eq!(field(&html, key), text);
    }
    assert_eq!(topic_count(&app).await, 0);
}

async fn a_reply_appears_under_the_topic(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;

    let res = reply(&app, topic, "Khoa Ngoại cũng làm vậy, *rất hiệu quả*.").await;

    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with(&format!("/t/{topic}?page=1#post-")), "{to}");
    let html = page(&app, &to).await;
    let ids = post_ids(&html);
    assert_eq!(ids.len(), 2);
    assert_eq!(to.rsplit("#post-").next().unwrap(), ids[1].to_string());
    assert_eq!(texts(&html, &format!("#post-{} .body", ids[1])), ["Khoa Ngoại cũng làm vậy, rất hiệu quả."]);
    assert!(html.contains("<em>rất hiệu quả</em>"));
}

async fn an_edit_keeps_the_old_text_as_a_revision(app: TestApp) {
    let (topic, post) = lan_with_a_topic(&app).await;
    let form = page(&app, &format!("/posts/{post}/edit")).await;
    assert_eq!(field(&form, "body"), "Khoa Nội dùng vòng tay hai thông tin.");

    let res = app
        .post_form(
            &format!("/posts/{post}/edit"),
            &[("title", &field(&form, "title")), ("body", "Khoa Nội dùng vòng tay hai thông tin: họ tên và năm sinh.")],
        )
        .await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, format!("/t/{topic}#post-{post}")));
    let html = page(&app, &format!("/t/{topic}")).await;
    assert_eq!(text_of(&html, ".post .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin: họ tên và năm sinh."));
    let link = format!(".post-actions a[href=\"/posts/{post}/revisions\"]");
    assert_eq!(text_of(&html, &link).as_deref(), Some("Đã sửa — xem các phiên bản (1)"));
    let revisions = page(&app, &format!("/posts/{post}/revisions")).await;
    assert_eq!(count(&revisions, "section.revision"), 2);
    assert_eq!(text_of(&revisions, "#rev-1 .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin."));
    assert_eq!(text_of(&revisions, "#rev-2 .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin: họ tên và năm sinh."));
}

async fn a_deleted_reply_leaves_a_placeholder(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;
    reply(&app, topic, "Xin lỗi, tôi đăng nhầm chủ đề.").await;
    let reply_id = post_ids(&page(&app, &format!("/t/{topic}")).await)[1];

    let res = app.post_form(&format!("/posts/{reply_id}/delete"), &[]).await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, format!("/t/{topic}")));
    let html = page(&app, &format!("/t/{topic}")).await;
    assert_eq!(text_of(&html, &format!("#post-{reply_id} p.deleted")).as_deref(), Some("Bài viết này đã bị xoá."));
    assert!(!html.contains("Xin lỗi, tôi đăng nhầm chủ đề."));
    assert_eq!(text_of(&html, ".post.opening .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin."));
    assert_eq!(app.get(&format!("/posts/{reply_id}/revisions")).await.status(), 404);
}

async fn deleting_the_opening_post_hides_the_topic(app: TestApp) {
    let (topic, opening) = lan_with_a_topic(&app).await;

    let res = app.post_form(&format!("/posts/{opening}/delete"), &[]).await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, "/".to_string()));
    let html = answered(app.get(&format!("/t/{topic}")).await, 404).await;
    assert!(text_of(&html, "p.error-message").unwrap().starts_with("Không tìm thấy trang"));
    let (other, _) = app.second_browser();
    assert_eq!(other.get(app.url(&format!("/t/{topic}"))).send().await.unwrap().status(), 404);
    assert_eq!(count(&page(&app, "/").await, "li.topic-item"), 0);
    assert_eq!(app.get(&format!("/posts/{opening}/revisions")).await.status(), 404);
}

// ---------------------------------------------------------------------------------------------
// CSRF

async fn sign_up_without_a_valid_csrf_token_is_refused(app: TestApp) {
    let fields = [("email", "hoa.tran@bvcr.vn"), ("name", "Trần Thị Hoa"), ("password", PASSWORD)];

    assert_csrf_refused(post_with_token(&app, "/signup", &fields, None).await).await;
    assert_csrf_refused(post_with_token(&app, "/signup", &fields, Some(FORGED_TOKEN)).await).await;

    assert_eq!(app.store.count_users().await.unwrap(), 0);
    assert_eq!(viewer_name(&page(&app, "/").await), None);
}

async fn a_reply_without_a_valid_csrf_token_is_refused(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;
    let path = format!("/t/{topic}/reply");

    assert_csrf_refused(post_with_token(&app, &path, &[("body", "Trả lời giả mạo")], None).await).await;
    assert_csrf_refused(post_with_token(&app, &path, &[("body", "Trả lời giả mạo")], Some(FORGED_TOKEN)).await).await;

    assert_eq!(post_count(&app, topic).await, 1);
    assert!(!page(&app, &format!("/t/{topic}")).await.contains("Trả lời giả mạo"));
}

async fn a_new_topic_without_a_valid_csrf_token_is_refused(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let fields =
        [("category", CATEGORY), ("kind", "discussion"), ("title", "Bài đăng giả mạo từ trang khác"), ("body", "Nội dung giả mạo")];

    assert_csrf_refused(post_with_token(&app, "/new", &fields, None).await).await;
    assert_csrf_refused(post_with_token(&app, "/new", &fields, Some(FORGED_TOKEN)).await).await;

    assert_eq!(topic_count(&app).await, 0);
}

// ---------------------------------------------------------------------------------------------
// Sessions that ended, and other people's posts

async fn an_expired_session_sends_pages_to_sign_in(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    replace_session_cookie(&app);

    let res = app.get("/new?kind=question").await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, "/login?next=%2Fnew%3Fkind%3Dquestion".to_string()));
    assert_eq!(viewer_name(&page(&app, "/").await), None);
}

async fn an_expired_session_cannot_reply(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;
    expire_sessions_in_database(&app).await;

    let res = reply(&app, topic, "Gửi sau khi phiên đã hết hạn").await;

    let html = answered(res, 401).await;
    assert_eq!(text_of(&html, "p.error-message").as_deref(), Some("Phiên đăng nhập của bạn đã hết hạn. Vui lòng đăng nhập lại."));
    assert_eq!(text_of(&html, ".draft textarea").as_deref(), Some("Gửi sau khi phiên đã hết hạn"), "the typed reply is given back");
    assert_eq!(post_count(&app, topic).await, 1);
    let res = app.get("/settings/profile").await;
    assert_eq!(location(&res), "/login?next=%2Fsettings%2Fprofile");
}

async fn someone_elses_post_cannot_be_edited(app: TestApp) {
    let (topic, post) = lan_with_a_topic(&app).await;
    sign_out(&app).await;
    sign_up(&app, "minh@bvtn.vn", "Lê Văn Minh").await;
    let html = page(&app, &format!("/t/{topic}")).await;
    assert_eq!(count(&html, &format!("a[href=\"/posts/{post}/edit\"]")), 0);

    let form = answered(app.get(&format!("/posts/{post}/edit")).await, 403).await;
    let edit = app.post_form(&format!("/posts/{post}/edit"), &[("title", "Tiêu đề bị sửa trộm"), ("body", "Nội dung bị sửa trộm")]).await;
    let delete = app.post_form(&format!("/posts/{post}/delete"), &[]).await;

    let message = "Bạn chỉ có thể sửa hoặc xoá bài viết của chính mình.";
    assert_eq!(text_of(&form, "p.error-message").as_deref(), Some(message));
    assert_eq!(text_of(&answered(edit, 403).await, "p.error-message").as_deref(), Some(message));
    assert_eq!(text_of(&answered(delete, 403).await, "p.error-message").as_deref(), Some(message));
    let html = page(&app, &format!("/t/{topic}")).await;
    assert_eq!(text_of(&html, "h1").as_deref(), Some("Đeo vòng tay nhận diện cho mọi người bệnh nội trú"));
    assert_eq!(text_of(&html, ".post .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin."));
}

async fn a_moderator_may_edit_someone_elses_post(app: TestApp) {
    let (topic, post) = lan_with_a_topic(&app).await;
    sign_out(&app).await;
    app.create_user("dieuhanh@thuchanhtot.vn", "Phạm Điều Hành", Role::Moderator).await;
    assert_eq!(app.login("dieuhanh@thuchanhtot.vn", PASSWORD).await.status(), 303);

    let form = page(&app, &format!("/posts/{post}/edit")).await;
    let res = app
        .post_form(
            &format!("/posts/{post}/edit"),
            &[("title", &field(&form, "title")), ("body", "Khoa Nội dùng vòng tay hai thông tin. (Đã ẩn số điện thoại người bệnh.)")],
        )
        .await;

    assert_eq!(res.status(), 303);
    let html = page(&app, &format!("/t/{topic}")).await;
    assert_eq!(text_of(&html, ".post .body").as_deref(), Some("Khoa Nội dùng vòng tay hai thông tin. (Đã ẩn số điện thoại người bệnh.)"));
    assert_eq!(text_of(&html, ".post .author").as_deref(), Some("Nguyễn Thị Lan"));
    let revisions = page(&app, &format!("/posts/{post}/revisions")).await;
    assert!(text_of(&revisions, "#rev-2 .meta").unwrap().starts_with("Phạm Điều Hành"));
}

// ---------------------------------------------------------------------------------------------
// Profile

async fn a_former_province_name_is_saved_as_the_current_province(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let fields = [
        ("display_name", "Nguyễn Thị Lan"),
        ("job_title", "Điều dưỡng trưởng khoa"),
        ("hospital", "Bệnh viện Đa khoa Bắc Quang"),
        ("department", "Khoa Nội"),
        ("province", "Hà Giang"),
    ];

    let res = app.post_form("/settings/profile", &fields).await;

    assert_eq!((res.status().as_u16(), location(&res)), (303, "/settings/profile?saved=1".to_string()));
    let settings = page(&app, "/settings/profile?saved=1").await;
    assert_eq!(text_of(&settings, "p.notice").as_deref(), Some("Đã lưu hồ sơ."));
    assert_eq!(text_of(&settings, "#province option[selected]").as_deref(), Some("Tỉnh Tuyên Quang"));
    let profile = page(&app, &format!("/u/{}", viewer_id(&settings))).await;
    assert_eq!(definition(&profile, "Tỉnh / thành phố").as_deref(), Some("Tỉnh Tuyên Quang"));
    assert_eq!(definition(&profile, "Chức danh").as_deref(), Some("Điều dưỡng trưởng khoa"));
    assert_eq!(definition(&profile, "Bệnh viện / đơn vị").as_deref(), Some("Bệnh viện Đa khoa Bắc Quang"));
}

async fn an_unknown_province_is_refused_with_the_typed_values_kept(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let fields = [
        ("display_name", "Nguyễn Thị Lan"),
        ("job_title", "Điều dưỡng"),
        ("hospital", "Bệnh viện Sài Gòn Mới"),
        ("department", "Khoa Cấp cứu"),
        ("province", "Tỉnh Không Có Thật"),
    ];

    let html = answered(app.post_form("/settings/profile", &fields).await, 422).await;

    assert_eq!(text_of(&html, "p.form-error").as_deref(), Some("Không nhận ra tỉnh / thành phố này."));
    assert_eq!((field(&html, "hospital"), field(&html, "department")), ("Bệnh viện Sài Gòn Mới".into(), "Khoa Cấp cứu".into()));
    let profile = page(&app, &format!("/u/{}", viewer_id(&html))).await;
    assert_eq!(definition(&profile, "Bệnh viện / đơn vị"), None, "nothing was saved");
}

// ---------------------------------------------------------------------------------------------
// Language, pagination, addresses that do not exist

async fn the_language_switch_changes_labels_and_back(app: TestApp) {
    let vietnamese = page(&app, "/").await;
    assert_eq!(text_of(&vietnamese, "h1").as_deref(), Some("Bài mới nhất"));

    let res = app.get(&attr(&vietnamese, "a[lang=en]", "href").unwrap()).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/".to_string()));

    let english = page(&app, "/").await;
    assert_eq!(attr(&english, "html", "lang").as_deref(), Some("en"));
    assert_eq!(text_of(&english, "h1").as_deref(), Some("Latest topics"));
    assert_eq!(text_of(&english, "a.button[href=\"/signup\"]").as_deref(), Some("Sign up"));
    let missing = answered(app.get("/t/999999").await, 404).await;
    assert!(text_of(&missing, "p.error-message").unwrap().starts_with("The page or content you asked for does not exist"));

    let back = app.get(&attr(&english, "a[lang=vi]", "href").unwrap()).await;
    assert_eq!(location(&back), "/");
    assert_eq!(text_of(&page(&app, "/").await, "h1").as_deref(), Some("Bài mới nhất"));
}

async fn twenty_five_topics_make_two_pages(app: TestApp) {
    let titles = twenty_five_topics(&app).await;

    let first = page(&app, "/").await;
    let second = page(&app, &attr(&first, "a[rel=next]", "href").unwrap()).await;

    assert_eq!(text_of(&first, ".pager span").as_deref(), Some("Trang 1 / 2"));
    assert_eq!(count(&first, "li.topic-item"), 20);
    assert_eq!(text_of(&second, ".pager span").as_deref(), Some("Trang 2 / 2"));
    assert_eq!((count(&second, "a[rel=next]"), attr(&second, "a[rel=prev]", "href")), (0, Some("/?page=1".into())));
    let mut shown = texts(&first, "li.topic-item a.topic-title");
    let rest = texts(&second, "li.topic-item a.topic-title");
    assert_eq!(rest, titles[..5].iter().rev().cloned().collect::<Vec<_>>(), "page 2 lists the five oldest");
    shown.extend(rest);
    shown.sort();
    let mut all = titles.clone();
    all.sort();
    assert_eq!(shown, all);
}

async fn odd_page_numbers_show_a_page_not_an_error(app: TestApp) {
    twenty_five_topics(&app).await;
    let cases = [("abc", 1, 20), ("999", 2, 5), ("-3", 1, 20), ("0", 1, 20), ("99999999999999999999999", 1, 20), ("2.5", 1, 20)];
    for (number, shown, items) in cases {
        let html = page(&app, &format!("/?page={number}")).await;
        assert_eq!(text_of(&html, ".pager span"), Some(format!("Trang {shown} / 2")), "?page={number}");
        assert_eq!(count(&html, "li.topic-item"), items, "?page={number}");
    }
    let category = page(&app, &format!("/c/{CATEGORY}?page=abc")).await;
    assert_eq!(count(&category, "li.topic-item"), 20);
}

/// 25 topics through the API, oldest first; returns their titles in that order.
async fn twenty_five_topics(app: &TestApp) -> Vec<String> {
    let token = app.token_for("lan@bvbachmai.vn", "Nguyễn Thị Lan", Role::Member).await;
    let mut titles = Vec::new();
    for n in 1..=25 {
        let title = format!("Kinh nghiệm an toàn người bệnh số {n}");
        app.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": "Nội dung chia sẻ."})).await;
        titles.push(title);
    }
    titles
}

async fn unknown_addresses_show_a_not_found_page(app: TestApp) {
    for path in ["/t/abc", "/t/999999", "/t/-1", "/t/1.5", "/posts/xyz/revisions", "/u/999999", "/u/abc", "/c/khong-co", "/trang-khong-co"]
    {
        let res = app.get(path).await;
        let is_html = res.headers().get(CONTENT_TYPE).is_some_and(|v| v.to_str().unwrap().starts_with("text/html"));
        let csp = res.headers().get(CONTENT_SECURITY_POLICY).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let html = answered(res, 404).await;
        assert!(is_html, "{path}: not an HTML page");
        assert!(csp.contains("script-src 'self'") && csp.contains("object-src 'none'"), "{path}: {csp}");
        assert!(text_of(&html, "p.error-message").unwrap().starts_with("Không tìm thấy trang"), "{path}");
    }
}

// ---------------------------------------------------------------------------------------------
// Bytes as they arrive

async fn invalid_utf8_in_a_form_is_refused_and_nothing_written(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;
    let token = app.csrf();
    let encoded = format!("category={CATEGORY}&kind=discussion&title=%FF%FE+Ti%C3%AAu+%C4%91%E1%BB%81&body=N%E1%BB%99i+dung&csrf={token}");
    let mut raw = format!("category={CATEGORY}&kind=discussion&title=").into_bytes();
    raw.extend_from_slice(b"Ti\xeau \xff\xfe de&body=Noi+dung&csrf=");
    raw.extend_from_slice(token.as_bytes());
    let reply_body = format!("body=Tr%E1%BA%A3+l%E1%BB%9Di+%C0%80&csrf={token}");

    for (path, body) in
        [("/new".to_string(), encoded.into_bytes()), ("/new".to_string(), raw), (format!("/t/{topic}/reply"), reply_body.into_bytes())]
    {
        let res =
            app.client.post(app.url(&path)).header(CONTENT_TYPE, "application/x-www-form-urlencoded").body(body).send().await.unwrap();
        let status = res.status();
        let html = res.text().await.unwrap();
        assert!(status.is_client_error(), "{path}: {status}");
        assert!(text_of(&html, "p.error-message").unwrap().contains("không phải UTF-8"), "{path}");
    }
    assert_eq!((topic_count(&app).await, post_count(&app, topic).await), (1, 1));
}

async fn a_decomposed_title_is_stored_composed(app: TestApp) {
    sign_up(&app, "lan@bvbachmai.vn", "Nguyễn Thị Lan").await;
    let title = "Phòng ngừa té ngã cho người bệnh cao tuổi";
    let body = "Đánh giá nguy cơ té ngã khi nhập viện.";
    let (nfd_title, nfd_body): (String, String) = (title.nfd().collect(), body.nfd().collect());
    assert_ne!(nfd_title, title);

    let id = publish(&app, &nfd_title, &nfd_body).await;

    let topic = api_topic_json(&app, id).await;
    assert_eq!(topic["title"], title);
    assert_eq!(topic["posts"][0]["body"], body);
    assert_eq!(text_of(&page(&app, &format!("/t/{id}")).await, "h1").as_deref(), Some(title));
}

/// What Zalo or Facebook show when a topic's link is shared: title and a plain-text preview,
/// never the author of an anonymous case study.
async fn a_shared_topic_link_previews_its_title_and_summary(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let practice = app
        .api_topic(
            &token,
            json!({"category": "fall-prevention", "kind": "good_practice",
        "title": "Biển cảnh báo té ngã", "summary": "Dán biển cho người bệnh <nguy cơ cao> & theo dõi.", "body": "Chi tiết."}),
        )
        .await;
    let (_, html) = app.get_text(&format!("/t/{practice}")).await;
    let doc = Html::parse_document(&html);
    let meta = |property: &str| {
        let selector = Selector::parse(&format!("meta[property=\"{property}\"]")).unwrap();
        doc.select(&selector).next().and_then(|m| m.value().attr("content")).map(str::to_string)
    };
    assert_eq!(meta("og:title").as_deref(), Some("Biển cảnh báo té ngã"));
    assert_eq!(meta("og:description").as_deref(), Some("Dán biển cho người bệnh <nguy cơ cao> & theo dõi."));
    assert_eq!(meta("og:type").as_deref(), Some("article"));
    assert_eq!(count(&html, &format!("link[rel=canonical][href=\"/t/{practice}\"]")), 1);

    let secret = app.token_for("an@bv.vn", "Phạm Bí Mật", Role::Member).await;
    let long_case = "Người bệnh được chuyển khoa lúc nửa đêm. ".repeat(20);
    let study = app
        .api_topic(
            &secret,
            json!({"category": "medication-safety", "kind": "case_study", "title": "Chuyển khoa ban đêm",
        "sections": {"context": long_case, "problem": "Thiếu bàn giao.", "causes": "Vội.", "intervention": "SBAR.",
                     "results": "Tốt hơn.", "lessons": "Bàn giao đủ."},
        "anonymous": {"hospital_tier": "central", "province": "01"}}),
        )
        .await;
    let (_, html) = app.get_text(&format!("/t/{study}")).await;
    let doc = Html::parse_document(&html);
    let head = doc.select(&Selector::parse("head").unwrap()).next().unwrap().html();
    assert!(!head.contains("Phạm Bí Mật"), "{head}");
    let description = doc
        .select(&Selector::parse("meta[property=\"og:description\"]").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    assert!(description.ends_with('…') && description.chars().count() <= 201, "{description}");
    assert!(!description.contains('#'), "Markdown headings are not shown: {description}");
}

on_both_databases!(
    a_shared_topic_link_previews_its_title_and_summary,
    signing_up_shows_the_name_in_the_header,
    wrong_password_and_unknown_email_get_the_same_answer,
    sign_in_is_refused_after_five_failures,
    sign_in_returns_to_the_page_that_asked_for_it,
    signing_out_ends_the_session_on_the_server,
    only_your_own_profile_offers_settings_and_sign_out,
    discussions_and_questions_are_published_from_the_form,
    a_case_study_shows_its_six_sections_under_their_labels,
    a_good_practice_shows_its_summary,
    a_too_short_title_keeps_the_typed_text_and_writes_nothing,
    a_case_study_without_category_keeps_every_section,
    a_reply_appears_under_the_topic,
    an_edit_keeps_the_old_text_as_a_revision,
    a_deleted_reply_leaves_a_placeholder,
    deleting_the_opening_post_hides_the_topic,
    sign_up_without_a_valid_csrf_token_is_refused,
    a_reply_without_a_valid_csrf_token_is_refused,
    a_new_topic_without_a_valid_csrf_token_is_refused,
    an_expired_session_sends_pages_to_sign_in,
    an_expired_session_cannot_reply,
    someone_elses_post_cannot_be_edited,
    a_moderator_may_edit_someone_elses_post,
    a_former_province_name_is_saved_as_the_current_province,
    an_unknown_province_is_refused_with_the_typed_values_kept,
    the_language_switch_changes_labels_and_back,
    twenty_five_topics_make_two_pages,
    odd_page_numbers_show_a_page_not_an_error,
    unknown_addresses_show_a_not_found_page,
    invalid_utf8_in_a_form_is_refused_and_nothing_written,
    a_decomposed_title_is_stored_composed,
);

// ---------------------------------------------------------------------------------------------
// Posting too fast: a smaller limit than the other tests use.

async fn posting_too_fast_keeps_the_text_in_the_form(app: TestApp) {
    let (topic, _) = lan_with_a_topic(&app).await;
    let body = "Bài thứ hai, viết kỹ:\n\n1. Rửa tay\n2. Đối chiếu";

    let html = answered(
        compose(&app, &[("category", CATEGORY), ("kind", "question"), ("title", "Câu hỏi thứ hai trong một phút"), ("body", body)]).await,
        429,
    )
    .await;
    let on_topic = answered(reply(&app, topic, "Trả lời vội").await, 429).await;

    let message = "Bạn đăng bài quá nhanh. Vui lòng chờ một phút rồi thử lại; nội dung bạn viết vẫn còn trong biểu mẫu.";
    assert_eq!(text_of(&html, "p.form-error").as_deref(), Some(message));
    assert_eq!((field(&html, "title"), field(&html, "body")), ("Câu hỏi thứ hai trong một phút".into(), body.into()));
    assert_eq!(text_of(&on_topic, "#reply p.form-error").as_deref(), Some(message));
    assert_eq!(field(&on_topic, "reply-body"), "Trả lời vội");
    assert_eq!((topic_count(&app).await, post_count(&app, topic).await), (1, 1));
}

mod posting_too_fast {
    use crate::common::TestApp;

    #[tokio::test]
    async fn sqlite() {
        super::posting_too_fast_keeps_the_text_in_the_form(TestApp::sqlite_with(|c| c.posts_per_minute = 1).await).await;
    }

    #[tokio::test]
    async fn postgres() {
        if let Some(app) = TestApp::postgres_with(|c| c.posts_per_minute = 1).await {
            super::posting_too_fast_keeps_the_text_in_the_form(app).await;
        }
    }
}
