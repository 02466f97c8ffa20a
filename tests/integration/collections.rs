//! Curated collections (issue 22) over HTTP on both databases: curators create one through the
//! forms, add, move and remove topics; readers see the order, the notes and the topic page's
//! "part of"; members are refused; stale forms, hidden topics, duplicates and slug clashes get
//! clear answers and change nothing.

use std::sync::Arc;

use goodpractice::accounts::Role;
use reqwest::cookie::Jar;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, attr_of, cookie_value, count, text_of};
use crate::on_both_databases;

/// "Phòng ngừa té ngã" as some phones send it: decomposed (NFD).
const TITLE_NFD: &str = "Pho\u{300}ng ngu\u{31b}\u{300}a te\u{301} nga\u{303}";
const TITLE_NFC: &str = "Phòng ngừa té ngã";

pub(crate) struct Browser {
    base: String,
    client: reqwest::Client,
    jar: Arc<Jar>,
}

impl Browser {
    pub(crate) fn new(app: &TestApp) -> Browser {
        let (client, jar) = app.second_browser();
        Browser { base: app.base.clone(), client, jar }
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, String) {
        let res = self.client.get(format!("{}{path}", self.base)).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if cookie_value(&self.jar, &self.base, "gp_csrf").is_none() {
            self.get("/").await;
        }
        let token = cookie_value(&self.jar, &self.base, "gp_csrf").unwrap();
        let mut all = fields.to_vec();
        all.push(("csrf", &token));
        self.client.post(format!("{}{path}", self.base)).form(&all).send().await.unwrap()
    }

    pub(crate) async fn login(&self, email: &str) {
        let res = self.post("/login", &[("email", email), ("password", PASSWORD)]).await;
        assert_eq!(res.status(), 303, "sign-in of {email}");
    }
}

/// Someone with an API token, signed in on a browser of their own.
pub(crate) async fn person(app: &TestApp, email: &str, name: &str, role: Role) -> (Browser, String) {
    let token = app.token_for(email, name, role).await;
    let browser = Browser::new(app);
    browser.login(email).await;
    (browser, token)
}

pub(crate) async fn topic(app: &TestApp, token: &str, title: &str) -> i64 {
    let body = format!("Nội dung của bài “{title}”: các bước làm, kết quả và bài học kinh nghiệm tại khoa.");
    app.api_topic(token, json!({"category": "fall-prevention", "kind": "good_practice", "title": title, "summary": "Tóm tắt ngắn gọn.", "body": body, "tags": []})).await
}

fn location(res: &reqwest::Response) -> String {
    res.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default()
}

/// Creates a collection through the form as `curator`; returns its slug.
pub(crate) async fn create(curator: &Browser, title: &str, slug: &str, status: &str) -> String {
    let intro = "Mười thực hành **phòng ngừa té ngã**, theo thứ tự nên đọc.";
    let res = curator
        .post("/collections", &[("title", title), ("slug", slug), ("category", "fall-prevention"), ("intro", intro), ("status", status)])
        .await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let to = location(&res);
    to.trim_start_matches("/collections/").trim_end_matches("/edit").to_string()
}

/// The version the edit page's forms carry now.
pub(crate) async fn version(curator: &Browser, slug: &str) -> String {
    let (status, html) = curator.get(&format!("/collections/{slug}/edit")).await;
    assert_eq!(status, 200, "{html}");
    attr_of(&html, ".collection-form input[name=version]", "value").expect("the edit form carries a version")
}

pub(crate) async fn add(curator: &Browser, slug: &str, topic: &str, note: &str) -> reqwest::Response {
    let v = version(curator, slug).await;
    curator.post(&format!("/collections/{slug}/items"), &[("topic", topic), ("note", note), ("version", &v)]).await
}

/// The titles of the items a page lists, in order.
fn item_titles(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(".collection-items .collection-entry .topic-title").unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>().trim().to_string()).collect()
}

async fn audit_actions(app: &TestApp, token: &str) -> Vec<String> {
    let res = app.client.get(app.url("/api/v1/moderation/audit")).bearer_auth(token).send().await.unwrap();
    let rows: Value = res.json().await.unwrap();
    rows.as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap().to_string()).collect()
}

async fn curators_build_a_collection_readers_follow_its_order(app: TestApp) {
    let (moderator, mod_token) = person(&app, "dieu-hanh@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let (ministry, _) = person(&app, "can-bo@moh.gov.vn", "Lê Cán Bộ", Role::Ministry).await;
    let (_, author) = person(&app, "tac-gia@bv.vn", "Nguyễn Tác Giả", Role::Member).await;
    let a = topic(&app, &author, "Đánh giá nguy cơ té ngã khi nhập viện").await;
    let b = topic(&app, &author, "Chuông gọi trong tầm tay người bệnh").await;
    let c = topic(&app, &author, "Giày chống trượt cho người bệnh cao tuổi").await;

    // A title typed decomposed is stored composed; an empty slug comes from the title.
    let slug = create(&moderator, TITLE_NFD, "", "published").await;
    assert_eq!(slug, "phong-ngua-te-nga");
    assert_eq!(add(&moderator, &slug, &a.to_string(), "Bắt đầu từ đây: *đánh giá* trước mọi can thiệp.").await.status(), 303);
    assert_eq!(add(&ministry, &slug, &format!("{}/t/{b}#post-1", app.base), "").await.status(), 303, "ministry staff curate too");
    assert_eq!(add(&moderator, &slug, &format!("/t/{c}"), "").await.status(), 303);
    // c moves up above b; a is removed, then put back at the end.
    let v = version(&moderator, &slug).await;
    assert_eq!(moderator.post(&format!("/collections/{slug}/items/{c}/up"), &[("version", &v)]).await.status(), 303);
    let v = version(&moderator, &slug).await;
    assert_eq!(moderator.post(&format!("/collections/{slug}/items/{a}/remove"), &[("version", &v)]).await.status(), 303);
    assert_eq!(add(&moderator, &slug, &a.to_string(), "Đọc lại sau cùng.").await.status(), 303);

    let (status, html) = app.get_text(&format!("/collections/{slug}")).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "h1").unwrap(), TITLE_NFC);
    assert!(text_of(&html, ".collection-curator").unwrap().contains("Trần Điều Hành"), "the curator is named");
    assert!(html.contains("<strong>phòng ngừa té ngã</strong>"), "the introduction is rendered Markdown");
    assert_eq!(
        item_titles(&html),
        ["Giày chống trượt cho người bệnh cao tuổi", "Chuông gọi trong tầm tay người bệnh", "Đánh giá nguy cơ té ngã khi nhập viện"]
    );
    assert!(text_of(&html, &format!("#item-{a} .collection-note")).unwrap().contains("Đọc lại sau cùng."));

    // The index and the topic page with the previous and next topic of the collection.
    let (_, index) = app.get_text("/collections").await;
    assert_eq!(text_of(&index, ".collections-list .topic-title").unwrap(), TITLE_NFC);
    let (_, page) = app.get_text(&format!("/t/{b}")).await;
    assert_eq!(text_of(&page, ".collection-link").unwrap(), TITLE_NFC);
    assert_eq!(attr_of(&page, ".collection-prev", "href").unwrap(), format!("/t/{c}"));
    assert_eq!(attr_of(&page, ".collection-next", "href").unwrap(), format!("/t/{a}"));
    assert_eq!(count(&page, ".collection-add-topic"), 0, "readers get no curator form");
    // The home page and the cover category's page list it.
    for listing in ["/", "/c/fall-prevention"] {
        let (_, html) = app.get_text(listing).await;
        assert_eq!(text_of(&html, ".home-collections .topic-title").as_deref(), Some(TITLE_NFC), "{listing}");
    }
    let (_, other_category) = app.get_text("/c/medication-safety").await;
    assert_eq!(count(&other_category, ".home-collections"), 0, "another category's page does not");

    // Every change is in the moderation audit log.
    let actions = audit_actions(&app, &mod_token).await;
    for action in ["collection.create", "collection.add_item", "collection.move_item", "collection.remove_item"] {
        assert!(actions.contains(&action.to_string()), "{action} audited: {actions:?}");
    }
    let (_, audit_page) = moderator.get("/mod/audit").await;
    assert!(audit_page.contains("Thêm bài vào bộ sưu tập"), "the audit page names the action in words");
}

async fn members_cannot_curate_and_drafts_stay_private(app: TestApp) {
    let (moderator, _) = person(&app, "dieu-hanh@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let (member, member_token) = person(&app, "thanh-vien@bv.vn", "Phạm Thành Viên", Role::Member).await;
    let t = topic(&app, &member_token, "Rào chắn giường bệnh").await;
    let slug = create(&moderator, "Bản nháp về giường bệnh", "giuong-benh", "draft").await;

    let refused = member
        .post("/collections", &[("title", "Của tôi"), ("category", "fall-prevention"), ("intro", "x"), ("status", "published")])
        .await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("Chỉ điều hành viên, cán bộ Bộ Y tế và quản trị viên"));
    assert_eq!(member.get("/collections/new").await.0, 403);
    assert_eq!(member.get(&format!("/collections/{slug}/edit")).await.0, 403);
    let v = version(&moderator, &slug).await;
    assert_eq!(member.post(&format!("/collections/{slug}/items"), &[("topic", &t.to_string()), ("version", &v)]).await.status(), 403);
    assert_eq!(member.post("/collections/add", &[("collection", "1"), ("topic", &t.to_string())]).await.status(), 403);
    let anonymous = Browser::new(&app);
    assert_eq!(anonymous.post("/collections", &[("title", "x")]).await.status(), 401, "signed out: sign in first");

    // A draft is the curators' only.
    assert_eq!(app.get_text(&format!("/collections/{slug}")).await.0, 404);
    assert_eq!(member.get(&format!("/collections/{slug}")).await.0, 404);
    assert!(!member.get("/collections").await.1.contains("Bản nháp về giường bệnh"));
    let (status, html) = moderator.get(&format!("/collections/{slug}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("bản nháp"), "the curator is told it is a draft");
    let id = app.store.collection_by_slug(&slug).await.unwrap().id;
    assert_eq!(app.store.count_collection_items(id).await.unwrap(), 0, "nothing a member sent was written");
}

async fn stale_forms_duplicates_clashes_and_hidden_topics_are_refused(app: TestApp) {
    let (moderator, mod_token) = person(&app, "dieu-hanh@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let (other, _) = person(&app, "dieu-hanh-2@bv.vn", "Võ Điều Hành", Role::Moderator).await;
    let (_, author) = person(&app, "tac-gia@bv.vn", "Nguyễn Tác Giả", Role::Member).await;
    let a = topic(&app, &author, "Đánh giá nguy cơ té ngã").await;
    let b = topic(&app, &author, "Chuông gọi trong tầm tay").await;
    let slug = create(&moderator, "Phòng ngừa té ngã", "te-nga", "published").await;
    add(&moderator, &slug, &a.to_string(), "").await;
    add(&moderator, &slug, &b.to_string(), "").await;

    // Two curators open the page; the second acts on what the first already changed.
    let seen = version(&other, &slug).await;
    let v = version(&moderator, &slug).await;
    assert_eq!(moderator.post(&format!("/collections/{slug}/items/{b}/up"), &[("version", &v)]).await.status(), 303);
    let stale = other.post(&format!("/collections/{slug}/items/{a}/remove"), &[("version", &seen)]).await;
    assert_eq!(stale.status(), 409);
    assert!(stale.text().await.unwrap().contains("vừa được người khác thay đổi"), "the curator is told why");
    let stale_edit = other
        .post(
            &format!("/collections/{slug}/edit"),
            &[
                ("title", "Tên khác"),
                ("category", "fall-prevention"),
                ("intro", "Khác"),
                ("status", "published"),
                ("slug", &slug),
                ("version", &seen),
            ],
        )
        .await;
    assert_eq!(stale_edit.status(), 409);
    assert!(stale_edit.text().await.unwrap().contains("Tên khác"), "the typed form comes back");
    let (_, html) = app.get_text(&format!("/collections/{slug}")).await;
    assert_eq!(item_titles(&html), ["Chuông gọi trong tầm tay", "Đánh giá nguy cơ té ngã"], "nothing changed");
    assert_eq!(text_of(&html, "h1").unwrap(), "Phòng ngừa té ngã");

    // The same topic twice; a topic that is not a topic; a slug clash; a reserved address.
    let twice = add(&moderator, &slug, &a.to_string(), "").await;
    assert_eq!(twice.status(), 409);
    assert!(twice.text().await.unwrap().contains("đã có trong bộ sưu tập"));
    let unknown = add(&moderator, &slug, "bài số bảy", "").await;
    assert_eq!(unknown.status(), 422);
    assert_eq!(add(&moderator, &slug, "999999", "").await.status(), 422, "a topic that does not exist");
    let clash = moderator
        .post(
            "/collections",
            &[("title", "Trùng địa chỉ"), ("slug", "te-nga"), ("category", "fall-prevention"), ("intro", "x"), ("status", "draft")],
        )
        .await;
    assert_eq!(clash.status(), 409);
    assert!(clash.text().await.unwrap().contains("“te-nga” đã được dùng"));
    let reserved = moderator
        .post("/collections", &[("title", "Mới"), ("slug", "new"), ("category", "fall-prevention"), ("intro", "x"), ("status", "draft")])
        .await;
    assert_eq!(reserved.status(), 409);
    let bad_slug = moderator
        .post("/collections", &[("title", "Sai"), ("slug", "té-ngã"), ("category", "fall-prevention"), ("intro", "x"), ("status", "draft")])
        .await;
    assert_eq!(bad_slug.status(), 422);
    let bad_category =
        moderator.post("/collections", &[("title", "Sai chuyên mục"), ("category", "không-có"), ("intro", "x"), ("status", "draft")]).await;
    assert_eq!(bad_category.status(), 422);

    // A pending topic cannot be added.
    let held = app
        .post_json("/api/v1/topics", Some(&author), &json!({"category": "fall-prevention", "kind": "discussion", "title": "Nhầm thuốc", "body": "Số CCCD 001204012345 ghi trên phiếu lĩnh thuốc bị nhầm.", "tags": []}))
        .await;
    let held: Value = held.json().await.unwrap();
    assert_eq!(held["status"], "pending", "{held}");
    let pending = add(&moderator, &slug, &held["id"].to_string(), "").await;
    assert_eq!(pending.status(), 422);
    assert!(pending.text().await.unwrap().contains("bài đang chờ duyệt, bị ẩn hoặc đã xoá"));

    // A topic hidden after it was added drops out of public view; the curator sees it marked.
    let opening = app.store.opening_post_id(a).await.unwrap();
    let hide = app.post_json(&format!("/api/v1/moderation/posts/{opening}/hide"), Some(&mod_token), &json!({"reason": "Trùng lặp"})).await;
    assert_eq!(hide.status(), 200);
    let (_, html) = app.get_text(&format!("/collections/{slug}")).await;
    assert_eq!(item_titles(&html), ["Chuông gọi trong tầm tay"]);
    assert!(!html.contains("Đánh giá nguy cơ té ngã"));
    let (_, edit) = moderator.get(&format!("/collections/{slug}/edit")).await;
    assert!(text_of(&edit, &format!("#item-{a} .hidden-mark")).is_some(), "the hidden item is marked for the curator");
    assert!(text_of(&edit, ".collection-hidden-notice").is_some());
    let (_, page) = app.get_text(&format!("/t/{b}")).await;
    assert_eq!(count(&page, ".collection-next"), 0, "the hidden topic is no one's next");
}

async fn a_topic_page_adds_to_a_collection_and_500_items_are_paged(app: TestApp) {
    let (moderator, _) = person(&app, "dieu-hanh@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let (_, author) = person(&app, "tac-gia@bv.vn", "Nguyễn Tác Giả", Role::Member).await;
    let slug = create(&moderator, "Năm trăm thực hành", "nam-tram", "published").await;
    let first = topic(&app, &author, "Thực hành số 1").await;

    // "Thêm vào bộ sưu tập" on the topic page.
    let (_, page) = moderator.get(&format!("/t/{first}")).await;
    assert_eq!(count(&page, ".collection-add-topic form"), 1, "curators get the form on a topic page");
    let collection = attr_of(&page, "#add-collection option", "value").unwrap();
    let res =
        moderator.post("/collections/add", &[("collection", &collection), ("topic", &first.to_string()), ("note", "Bài mở đầu.")]).await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with(&format!("/t/{first}")));
    let again = moderator.post("/collections/add", &[("collection", &collection), ("topic", &first.to_string())]).await;
    assert_eq!(again.status(), 409);

    let row = app.store.collection_by_slug(&slug).await.unwrap();
    topics_in_collection(&app, row.id, row.author_id, 2..=500).await;
    let (status, html) = app.get_text(&format!("/collections/{slug}")).await;
    assert_eq!(status, 200);
    assert_eq!(item_titles(&html).len(), 50);
    assert_eq!(item_titles(&html)[0], "Thực hành số 1");
    let (_, last) = app.get_text(&format!("/collections/{slug}?page=10")).await;
    assert_eq!(item_titles(&last).len(), 50);
    assert_eq!(item_titles(&last).last().unwrap(), "Thực hành số 500");
    assert_eq!(attr_of(&last, ".collection-items", "start").unwrap(), "451");
    let (status, edit) = moderator.get(&format!("/collections/{slug}/edit?page=10")).await;
    assert_eq!(status, 200);
    assert_eq!(item_titles(&edit).len(), 50);
}

async fn notifications(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let res = app.client.get(app.url("/api/v1/notifications")).bearer_auth(token).send().await.unwrap();
    let rows: Value = res.json().await.unwrap();
    rows.as_array().unwrap().iter().map(|n| (n["kind"].as_str().unwrap().to_string(), n["topic_id"].as_i64().unwrap_or(0))).collect()
}

async fn followers_are_told_see_what_they_read_and_print_it(app: TestApp) {
    let (moderator, _) = person(&app, "dieu-hanh@bv.vn", "Trần Điều Hành", Role::Moderator).await;
    let (reader, reader_token) = person(&app, "dieu-duong@bv.vn", "Đỗ Điều Dưỡng", Role::Member).await;
    let a = topic(&app, &reader_token, "Đánh giá nguy cơ té ngã").await;
    let b = topic(&app, &reader_token, "Chuông gọi trong tầm tay").await;
    let c = topic(&app, &reader_token, "Giày chống trượt").await;
    let slug = create(&moderator, "Phòng ngừa té ngã", "te-nga", "published").await;
    add(&moderator, &slug, &a.to_string(), "Đọc *trước tiên*.").await;

    // Follow; open a topic of the collection; the page marks it read.
    let (_, page) = reader.get(&format!("/collections/{slug}")).await;
    assert_eq!(count(&page, "#follow form button"), 1, "a follow button");
    assert_eq!(reader.post(&format!("/collections/{slug}/follow"), &[]).await.status(), 303);
    assert_eq!(reader.get(&format!("/t/{a}")).await.0, 200);
    add(&moderator, &slug, &b.to_string(), "").await;
    let (_, page) = reader.get(&format!("/collections/{slug}")).await;
    assert!(text_of(&page, "#follow .following").is_some(), "the reader is told they follow it");
    assert!(text_of(&page, &format!("#item-{a} .read-mark")).is_some(), "the opened topic is marked read");
    assert!(text_of(&page, &format!("#item-{b} .read-mark")).is_none(), "the new one is not");
    assert_eq!(count(&app.get_text(&format!("/collections/{slug}")).await.1, ".read-mark"), 0, "signed out: no marks");

    // The new item notified the follower, through the notification module.
    let told = notifications(&app, &reader_token).await;
    assert!(told.contains(&("collection_item".to_string(), b)), "{told:?}");
    assert!(!told.iter().any(|(kind, topic)| kind == "collection_item" && *topic == a), "only items added after following");
    let (_, list) = reader.get("/notifications").await;
    assert!(list.contains("Có bài mới trong bộ sưu tập bạn theo dõi"), "the notification is named in words");

    // Unfollowed: the next item tells nobody.
    assert_eq!(reader.post(&format!("/collections/{slug}/follow"), &[("undo", "1")]).await.status(), 303);
    add(&moderator, &slug, &c.to_string(), "").await;
    assert!(!notifications(&app, &reader_token).await.iter().any(|(_, topic)| *topic == c));

    // The Atom feed, newest item first, and the print view with every opening post in order.
    let res = app.get(&format!("/collections/{slug}/feed.atom")).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let feed = feed_rs::parser::parse(&res.bytes().await.unwrap()[..]).expect("a valid Atom feed");
    let titles: Vec<String> = feed.entries.iter().map(|e| e.title.as_ref().unwrap().content.clone()).collect();
    assert_eq!(titles, ["Giày chống trượt", "Chuông gọi trong tầm tay", "Đánh giá nguy cơ té ngã"]);
    let (status, print) = app.get_text(&format!("/collections/{slug}/print")).await;
    assert_eq!(status, 200);
    assert_eq!(count(&print, ".collection-print-item"), 3);
    let first = text_of(&print, ".collection-print-item").unwrap();
    assert!(first.contains("Đánh giá nguy cơ té ngã") && first.contains("các bước làm, kết quả"), "{first}");
    assert!(first.contains("trước tiên"), "with the curator's note");

    // A draft has no feed and cannot be followed.
    let draft = create(&moderator, "Bản nháp", "ban-nhap", "draft").await;
    assert_eq!(app.get(&format!("/collections/{draft}/feed.atom")).await.status(), 404);
    assert_eq!(reader.post(&format!("/collections/{draft}/follow"), &[]).await.status(), 404);
}

/// Arranges published topics "Thực hành số N" at the end of a collection straight in the
/// database (500 through the API would take minutes on a debug build).
async fn topics_in_collection(app: &TestApp, collection_id: i64, author_id: i64, numbers: std::ops::RangeInclusive<i64>) {
    let topic_sql = "INSERT INTO topics (category_id, author_id, kind, title, status, created_at, last_posted_at) \
        VALUES ((SELECT id FROM categories WHERE slug = 'fall-prevention'), $1, 'discussion', $2, 'published', $3, $3) RETURNING id";
    let item_sql = "INSERT INTO collection_items (collection_id, topic_id, position, added_by, added_at) VALUES ($1, $2, $3, $4, $5)";
    let now = chrono::Utc::now();
    macro_rules! arrange {
        ($pool:expr) => {{
            let pool = $pool;
            for n in numbers {
                let id: i64 = sqlx::query_scalar(topic_sql)
                    .bind(author_id)
                    .bind(format!("Thực hành số {n}"))
                    .bind(now)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                sqlx::query(item_sql).bind(collection_id).bind(id).bind(n).bind(author_id).bind(now).execute(&pool).await.unwrap();
            }
        }};
    }
    match app.backend {
        "sqlite" => arrange!(sqlx::SqlitePool::connect(app.database_url()).await.unwrap()),
        _ => arrange!(sqlx::PgPool::connect(app.database_url()).await.unwrap()),
    }
}

on_both_databases!(
    curators_build_a_collection_readers_follow_its_order,
    members_cannot_curate_and_drafts_stay_private,
    stale_forms_duplicates_clashes_and_hidden_topics_are_refused,
    a_topic_page_adds_to_a_collection_and_500_items_are_paged,
    followers_are_told_see_what_they_read_and_print_it,
);
