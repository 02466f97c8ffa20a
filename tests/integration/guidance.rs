//! The guidance library (#5): API and its bad input, pages and their redirects, linking of
//! document numbers in posts, "withdrawn" links, counts by province and tier, the Atom feed,
//! official answers, ministry badges and the quality criteria — on both databases.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{TestApp, count, text_of};
use crate::on_both_databases;

// ---------------------------------------------------------------------------------------------
// Helpers

async fn ministry(app: &TestApp) -> String {
    app.token_for("bo@moh.gov.vn", "Trần Văn Bộ", Role::Ministry).await
}

async fn member(app: &TestApp) -> String {
    app.token_for("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await
}

fn document(number: &str) -> Value {
    json!({"number": number, "kind": "circular", "issuer": "Bộ Y tế", "title_vi": "Hướng dẫn thử nghiệm", "issued_on": "2020-05-01"})
}

/// A problem document with this status whose detail is returned.
async fn problem(res: reqwest::Response, status: u16) -> String {
    let got = res.status().as_u16();
    let text = res.text().await.unwrap();
    assert_eq!(got, status, "{text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    body["detail"].as_str().expect("a detail").to_string()
}

async fn get_json(app: &TestApp, path: &str) -> (u16, Value) {
    let res = app.get(path).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn library_size(app: &TestApp) -> usize {
    get_json(app, "/api/v1/guidance").await.1.as_array().unwrap().len()
}

async fn delete(app: &TestApp, path: &str, token: &str) -> reqwest::Response {
    app.client.delete(app.url(path)).bearer_auth(token).send().await.unwrap()
}

async fn put_json(app: &TestApp, path: &str, token: &str, body: &Value) -> reqwest::Response {
    app.client.put(app.url(path)).bearer_auth(token).json(body).send().await.unwrap()
}

fn discussion(title: &str, body: &str) -> Value {
    json!({"category": "medication-safety", "kind": "discussion", "title": title, "body": body, "tags": []})
}

/// Signs this browser in as a new account with `role`.
async fn browser_as(app: &TestApp, email: &str, name: &str, role: Role) -> i64 {
    let id = app.create_user(email, name, role).await;
    let res = app.login(email, crate::common::PASSWORD).await;
    assert_eq!(res.status(), 303, "sign-in");
    id
}

// ---------------------------------------------------------------------------------------------
// Library API

async fn seeded_library_is_listed_and_readable(app: TestApp) {
    let (status, list) = get_json(&app, "/api/v1/guidance").await;
    assert_eq!(status, 200);
    let numbers: Vec<&str> = list.as_array().unwrap().iter().map(|d| d["number"].as_str().unwrap()).collect();
    assert_eq!(numbers.len(), 10, "{numbers:?}");
    assert!(numbers.contains(&"43/2018/TT-BYT") && numbers.contains(&"5316/QD-BYT"), "{numbers:?}");

    let (status, doc) = get_json(&app, "/api/v1/guidance/43-2018-TT-BYT").await;
    assert_eq!(status, 200);
    assert_eq!(doc["kind"], "circular");
    assert_eq!(doc["issued_on"], "2018-12-26");
    assert_eq!(doc["dates_verified"], false, "the seed marks its effective date unconfirmed");
    // Any spelling, percent-encoded.
    let (status, doc) = get_json(&app, "/api/v1/guidance/5316%2FQ%C3%90-BYT").await;
    assert_eq!((status, doc["display_number"].as_str()), (200, Some("5316/QĐ-BYT")));
    // The seed records that 13/2025 replaced 46/2018.
    let (_, old) = get_json(&app, "/api/v1/guidance/46-2018-TT-BYT").await;
    assert_eq!(old["status"], "superseded");
    assert_eq!(old["superseded_by"][0]["number"], "13/2025/TT-BYT");
    let (_, partial) = get_json(&app, "/api/v1/guidance/89-QD-TTG").await;
    assert_eq!(partial["issued_on"], "2024-02", "a month-only date stays as precise as known");

    let (_, found) = get_json(&app, "/api/v1/guidance?q=su%20co%20y%20khoa").await;
    assert_eq!(found[0]["number"], "43/2018/TT-BYT", "search without diacritics: {found}");
    let (_, decisions) = get_json(&app, "/api/v1/guidance?kind=decision").await;
    assert!(decisions.as_array().unwrap().iter().all(|d| d["kind"] == "decision"));
    assert_eq!(get_json(&app, "/api/v1/guidance/99-2099-TT-BYT").await.0, 404);
    let detail = problem(app.get("/api/v1/guidance?status=repealed").await, 422).await;
    assert!(detail.contains("repealed"), "{detail}");

    let (_, openapi) = get_json(&app, "/api/openapi.json").await;
    for path in ["/api/v1/guidance", "/api/v1/guidance/{number}", "/api/v1/topics/{id}/official-answer"] {
        assert!(openapi["paths"].get(path).is_some(), "{path} documented");
    }
}

async fn ministry_creates_and_patches(app: TestApp) {
    let token = ministry(&app).await;
    let res = app
        .post_json(
            "/api/v1/guidance",
            Some(&token),
            &json!({
                "number": "51 / 2017 / tt - byt", "display_number": "51/2017/TT-BYT", "kind": "circular",
                "title_vi": "Hướng dẫn phòng, chẩn đoán và xử trí phản vệ", "issued_on": "2017-12-29",
                "official_url": "https://moh.gov.vn/vb/51-2017", "amends": [], "supersedes": ["49/2017/TT-BYT"]
            }),
        )
        .await;
    let status = res.status().as_u16();
    let created: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["number"], "51/2017/TT-BYT");
    assert_eq!(created["url"], "/guidance/51-2017-TT-BYT");
    assert_eq!(created["supersedes"][0]["number"], "49/2017/TT-BYT");

    let res = app.patch_json("/api/v1/guidance/51-2017-TT-BYT", Some(&token), &json!({"dates_verified": true, "status": "amended"})).await;
    assert_eq!(res.status(), 200);
    let (_, doc) = get_json(&app, "/api/v1/guidance/51-2017-TT-BYT").await;
    assert_eq!((doc["dates_verified"].as_bool(), doc["status"].as_str()), (Some(true), Some("amended")));
    assert_eq!(doc["supersedes"][0]["number"], "49/2017/TT-BYT", "a PATCH without relations keeps them");
    let (_, older) = get_json(&app, "/api/v1/guidance/49-2017-TT-BYT").await;
    assert_eq!(older["superseded_by"][0]["number"], "51/2017/TT-BYT");
}

async fn only_staff_may_write(app: TestApp) {
    let before = library_size(&app).await;
    let res = app.post_json("/api/v1/guidance", None, &document("1/2020/TT-BYT")).await;
    assert_eq!(res.status(), 401);
    let token = member(&app).await;
    let detail = problem(app.post_json("/api/v1/guidance", Some(&token), &document("1/2020/TT-BYT")).await, 403).await;
    assert!(detail.contains("Bộ Y tế"), "{detail}");
    let res = app.patch_json("/api/v1/guidance/43-2018-TT-BYT", Some(&token), &json!({"title_vi": "Bị sửa"})).await;
    problem(res, 403).await;
    problem(delete(&app, "/api/v1/guidance/43-2018-TT-BYT", &token).await, 403).await;
    assert_eq!(library_size(&app).await, before, "nothing written");
    let (_, doc) = get_json(&app, "/api/v1/guidance/43-2018-TT-BYT").await;
    assert_ne!(doc["title_vi"], "Bị sửa");
}

async fn bad_input_is_refused_whole(app: TestApp) {
    let token = ministry(&app).await;
    let before = library_size(&app).await;
    // Duplicate number, in another spelling.
    let detail = problem(app.post_json("/api/v1/guidance", Some(&token), &document("43/2018/tt-byt")).await, 409).await;
    assert!(detail.contains("43/2018/TT-BYT") && detail.contains("đã có"), "{detail}");
    // Invalid dates (day first is accepted: 26/12/2018; a day not in the calendar is not).
    for date in ["2023-02-30", "31/02/2024", "2018-13", "26/12/18"] {
        let body = json!({"number": "2/2020/TT-BYT", "kind": "circular", "title_vi": "X", "issued_on": date});
        let detail = problem(app.post_json("/api/v1/guidance", Some(&token), &body).await, 422).await;
        assert!(detail.contains(date), "{detail}");
    }
    // Not a number at all, unknown kind, bad link, related document unknown.
    let cases = [
        (json!({"number": "12/07/2013", "kind": "circular", "title_vi": "X"}), "12/07/2013"),
        (json!({"number": "3/2020/TT-BYT", "kind": "memo", "title_vi": "X"}), "memo"),
        (json!({"number": "3/2020/TT-BYT", "kind": "circular", "title_vi": "X", "official_url": "javascript:alert(1)"}), "http"),
        (json!({"number": "3/2020/TT-BYT", "kind": "circular", "title_vi": "X", "supersedes": ["77/2019/TT-BYT"]}), "77/2019/TT-BYT"),
    ];
    for (body, mention) in cases {
        let detail = problem(app.post_json("/api/v1/guidance", Some(&token), &body).await, 422).await;
        assert!(detail.contains(mention), "{detail}");
    }
    assert_eq!(library_size(&app).await, before, "no partial write");

    // A PATCH with a bad date changes nothing, not even the valid fields sent with it.
    let res = app
        .patch_json("/api/v1/guidance/19-2013-TT-BYT", Some(&token), &json!({"title_en": "Changed", "effective_on": "2019-02-29"}))
        .await;
    problem(res, 422).await;
    let (_, doc) = get_json(&app, "/api/v1/guidance/19-2013-TT-BYT").await;
    assert_ne!(doc["title_en"], "Changed");
}

async fn supersession_loop_is_refused(app: TestApp) {
    let token = ministry(&app).await;
    // 13/2025 supersedes 46/2018 (seed); 46/2018 superseding 13/2025 would close the loop.
    let res = app.patch_json("/api/v1/guidance/46-2018-TT-BYT", Some(&token), &json!({"supersedes": ["13/2025/TT-BYT"]})).await;
    let detail = problem(res, 422).await;
    assert!(detail.contains("A thay thế B"), "{detail}");
    // A longer loop: 19/2013 amends 13/2025, then 46/2018 amends 19/2013.
    let res = app.patch_json("/api/v1/guidance/19-2013-TT-BYT", Some(&token), &json!({"amends": ["13/2025/TT-BYT"]})).await;
    assert_eq!(res.status(), 200);
    let res = app.patch_json("/api/v1/guidance/46-2018-TT-BYT", Some(&token), &json!({"amends": ["19/2013/TT-BYT"]})).await;
    problem(res, 422).await;
    // Itself.
    let res = app.patch_json("/api/v1/guidance/46-2018-TT-BYT", Some(&token), &json!({"supersedes": ["46/2018/TT-BYT"]})).await;
    problem(res, 422).await;
    let (_, doc) = get_json(&app, "/api/v1/guidance/46-2018-TT-BYT").await;
    assert!(doc["supersedes"].as_array().unwrap().is_empty() && doc["amends"].as_array().unwrap().is_empty(), "{doc}");
}

// ---------------------------------------------------------------------------------------------
// Linking posts

async fn numbers_in_posts_become_links_and_rows(app: TestApp) {
    let token = member(&app).await;
    let body = "Khoa áp dụng Thông tư 43/2018 và QĐ 5316/QÐ-BYT; xem thêm 77/2019/TT-BYT. \
                Không phải số hiệu: ngày 12/07/2013, 1/2 ống, [liên kết có sẵn](https://example.vn/43/2018/TT-BYT), `43/2018/TT-BYT`.";
    let id = app.api_topic(&token, discussion("Báo cáo sự cố theo thông tư", body)).await;

    let (_, topic) = get_json(&app, &format!("/api/v1/topics/{id}")).await;
    let html = topic["posts"][0]["body_html"].as_str().unwrap().to_string();
    assert_eq!(count(&html, "a[href='/guidance/43-2018-TT-BYT']"), 1, "{html}");
    assert_eq!(count(&html, "a[href='/guidance/5316-QD-BYT']"), 1, "{html}");
    assert_eq!(text_of(&html, "a[href='/guidance/43-2018-TT-BYT']").as_deref(), Some("Thông tư 43/2018"));
    assert_eq!(count(&html, "a[href^='/guidance/']"), 2, "unknown numbers, code and existing links stay as they are: {html}");
    assert!(html.contains("<code>43/2018/TT-BYT</code>"), "{html}");

    assert_eq!(app.store.guidance_numbers_for_topic(id).await.unwrap(), ["43/2018/TT-BYT", "5316/QD-BYT"]);
    assert_eq!(app.store.cited_unknown_numbers().await.unwrap(), [("77/2019/TT-BYT".to_string(), 1)]);

    // An edit that drops a number drops its row.
    let post_id = topic["posts"][0]["id"].as_i64().unwrap();
    let res = app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(&token), &json!({"body": "Chỉ còn 5316/QD-BYT."})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(app.store.guidance_numbers_for_topic(id).await.unwrap(), ["5316/QD-BYT"]);
    assert!(app.store.cited_unknown_numbers().await.unwrap().is_empty());

    // Case studies are shown section by section; their numbers are linked too.
    let case = json!({"category": "medication-safety", "kind": "case_study", "title": "Nhầm người bệnh khi truyền máu",
        "sections": {"context": "Khoa hồi sức.", "problem": "Nhầm túi máu.", "causes": "Không đối chiếu.",
        "intervention": "Áp dụng 19/2013/TT-BYT về nhận diện.", "results": "Không tái diễn.", "lessons": "Đối chiếu hai bước."}});
    let case_id = app.api_topic(&token, case).await;
    let (_, html) = app.get_text(&format!("/t/{case_id}")).await;
    assert_eq!(count(&html, ".case-section a[href='/guidance/19-2013-TT-BYT']"), 1, "{html}");
}

async fn authors_choose_documents_explicitly(app: TestApp) {
    let token = member(&app).await;
    let topic = json!({"category": "medication-safety", "kind": "discussion", "title": "Hồ sơ bệnh án điện tử",
        "body": "Kinh nghiệm triển khai.", "guidance": ["13/2025/tt-byt", "6858/QĐ-BYT"]});
    let id = app.api_topic(&token, topic.clone()).await;
    assert_eq!(app.store.guidance_numbers_for_topic(id).await.unwrap(), ["13/2025/TT-BYT", "6858/QD-BYT"]);

    let refused = json!({"category": "medication-safety", "kind": "discussion", "title": "Một bài khác",
        "body": "Nội dung.", "guidance": ["99/2099/TT-BYT"]});
    let before = app.store.count_topics(None).await.unwrap();
    let detail = problem(app.post_json("/api/v1/topics", Some(&token), &refused).await, 422).await;
    assert!(detail.contains("99/2099/TT-BYT"), "{detail}");
    assert_eq!(app.store.count_topics(None).await.unwrap(), before, "nothing stored");

    // The compose form has the same field.
    browser_as(&app, "hoa@bv.vn", "Lê Hoa", Role::Member).await;
    let res = app
        .post_form(
            "/new",
            &[
                ("category", "medication-safety"),
                ("kind", "discussion"),
                ("title", "Từ biểu mẫu"),
                ("body", "Nội dung bài."),
                ("tags", ""),
                ("guidance", "19/2013/TT-BYT, 43/2018/TT-BYT"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_string();
    let form_id: i64 = location.trim_start_matches("/t/").parse().unwrap();
    assert_eq!(app.store.guidance_numbers_for_topic(form_id).await.unwrap(), ["19/2013/TT-BYT", "43/2018/TT-BYT"]);
}

async fn a_document_added_later_collects_earlier_citations(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, discussion("Phản vệ", "Theo Thông tư 51/2017 về phản vệ.")).await;
    assert_eq!(app.store.cited_unknown_numbers().await.unwrap()[0].0, "51/2017/TT");
    let staff = ministry(&app).await;
    let changes_before = app.store.max_search_change_seq().await.unwrap();
    let res = app.post_json("/api/v1/guidance", Some(&staff), &document("51/2017/TT-BYT")).await;
    assert_eq!(res.status(), 201);
    let changes = app.store.search_changes_after(changes_before, 10).await.unwrap();
    assert!(changes.iter().any(|c| c.entity == "topic" && c.entity_id == id), "the topic's guidance numbers changed: {changes:?}");
    assert_eq!(app.store.guidance_numbers_for_topic(id).await.unwrap(), ["51/2017/TT-BYT"]);
    assert!(app.store.cited_unknown_numbers().await.unwrap().is_empty());
    let (_, html) = app.get_text(&format!("/t/{id}")).await;
    assert_eq!(text_of(&html, ".post .body a[href='/guidance/51-2017-TT-BYT']").as_deref(), Some("Thông tư 51/2017"), "{html}");
}

async fn withdrawn_documents_never_break_posts(app: TestApp) {
    let token = member(&app).await;
    let id = app.api_topic(&token, discussion("Điều dưỡng", "Áp dụng 49/2017/TT-BYT tại khoa.")).await;
    let staff = ministry(&app).await;
    assert_eq!(delete(&app, "/api/v1/guidance/49-2017-TT-BYT", &staff).await.status(), 204);

    let (status, html) = app.get_text(&format!("/t/{id}")).await;
    assert_eq!(status, 200);
    assert!(text_of(&html, ".cited-guidance").unwrap().contains("đã rút khỏi thư viện"), "{html}");
    let (status, page) = app.get_text("/guidance/49-2017-TT-BYT").await;
    assert_eq!(status, 410);
    assert!(page.contains("đã được rút khỏi thư viện"), "{page}");
    assert_eq!(get_json(&app, "/api/v1/guidance/49-2017-TT-BYT").await.0, 410);
    assert_eq!(get_json(&app, "/guidance/49-2017-TT-BYT/feed.atom").await.0, 410);
    // Re-adding the same number is a clear conflict; editing a withdrawn one is Gone.
    problem(app.post_json("/api/v1/guidance", Some(&staff), &document("49/2017/TT-BYT")).await, 409).await;
    problem(app.patch_json("/api/v1/guidance/49-2017-TT-BYT", Some(&staff), &json!({"title_vi": "X"})).await, 410).await;
    // A new post citing it still saves and still links (to the "withdrawn" page).
    let again = app.api_topic(&token, discussion("Lần nữa", "Nhắc lại 49/2017/TT-BYT.")).await;
    let (status, _) = app.get_text(&format!("/t/{again}")).await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------------------------
// Pages

async fn library_and_document_pages(app: TestApp) {
    let (status, html) = app.get_text("/guidance?q=chat%20luong&kind=circular").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, ".guidance-item .doc-number").as_deref(), Some("19/2013/TT-BYT"), "{html}");
    assert_eq!(count(&html, ".cited-unknown"), 0, "members do not see the cited-but-unknown list");

    // Other spellings redirect to the one address.
    for path in ["/guidance/43/2018/tt-byt", "/guidance/43%2F2018%2FTT-BYT", "/guidance/Th%C3%B4ng%20t%C6%B0%2043%2F2018"] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 308, "{path}");
        assert_eq!(res.headers()["location"], "/guidance/43-2018-TT-BYT", "{path}");
    }

    let lan = app.create_user("lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let profile = goodpractice::store::ProfileUpdate {
        display_name: "Nguyễn Thị Lan",
        job_title: "Điều dưỡng",
        hospital: "BV Bạch Mai",
        department: "",
        province_code: Some("01"),
    };
    app.store.update_profile(lan, &profile).await.unwrap();
    app.store.set_hospital_tier(lan, Some("specialised")).await.unwrap();
    let token = app
        .post_json("/api/v1/tokens", None, &json!({"email": "lan@bv.vn", "password": crate::common::PASSWORD}))
        .await
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    app.api_topic(&token, discussion("Báo cáo sự cố tự nguyện", "Theo 43/2018/TT-BYT.")).await;
    app.api_topic(&token, discussion("Học từ sự cố", "Theo TT43/2018.")).await;

    let (status, html) = app.get_text("/guidance/43-2018-TT-BYT").await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&html, "h1").as_deref(), Some("43/2018/TT-BYT"));
    assert_eq!(text_of(&html, ".citing .topic-item .topic-title").as_deref(), Some("Học từ sự cố"), "newest first");
    assert_eq!(count(&html, ".citing .topic-item"), 2);
    let counts = text_of(&html, ".citing").unwrap();
    assert!(counts.contains("Hà Nội 1") && counts.contains("Cấp chuyên sâu 1"), "{counts}");
    assert!(text_of(&html, ".facts").unwrap().contains("chưa được cán bộ Bộ Y tế xác nhận"));
    let (_, old) = app.get_text("/guidance/46-2018-TT-BYT").await;
    assert!(text_of(&old, ".relation").unwrap().contains("13/2025/TT-BYT"), "{old}");
}

async fn staff_forms_create_edit_and_list_unknown_citations(app: TestApp) {
    let token = member(&app).await;
    app.api_topic(&token, discussion("Chưa có trong thư viện", "Theo 123/2022/TT-BYT.")).await;
    // A member gets 403 on the form.
    browser_as(&app, "hoa@bv.vn", "Lê Hoa", Role::Member).await;
    assert_eq!(app.get("/guidance/new").await.status(), 403);

    // The same browser signs in as ministry staff.
    browser_as(&app, "bo@moh.gov.vn", "Trần Văn Bộ", Role::Ministry).await;
    let (_, html) = app.get_text("/guidance").await;
    assert!(text_of(&html, ".cited-unknown").unwrap().contains("123/2022/TT-BYT"), "{html}");

    let fields = [
        ("number", "123/2022/TT-BYT"),
        ("display_number", "123/2022/TT-BYT"),
        ("kind", "circular"),
        ("issuer", "Bộ Y tế"),
        ("title_vi", "Văn bản thử"),
        ("title_en", ""),
        ("issued_on", "2022-31-01"),
        ("effective_on", ""),
        ("status", "in_force"),
        ("official_url", ""),
        ("summary", ""),
        ("amends", ""),
        ("supersedes", ""),
    ];
    let res = app.post_form("/guidance/new", &fields).await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(text_of(&html, ".form-error").unwrap().contains("2022-31-01"), "{html}");
    assert_eq!(text_of(&html, "#title_vi").as_deref(), Some("Văn bản thử"), "the form comes back as typed");

    let mut good = fields;
    good[6] = ("issued_on", "2022-12-31");
    let res = app.post_form("/guidance/new", &good).await;
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/guidance/123-2022-TT-BYT");
    let (_, html) = app.get_text("/guidance").await;
    assert!(!text_of(&html, ".cited-unknown").unwrap().contains("123/2022/TT-BYT"), "now in the library");

    let mut edit = good;
    edit[4] = ("title_vi", "Văn bản đã sửa");
    let res = app.post_form("/guidance/123-2022-TT-BYT/edit", &edit[1..]).await;
    assert_eq!(res.status(), 303);
    let (_, html) = app.get_text("/guidance/123-2022-TT-BYT").await;
    assert_eq!(text_of(&html, ".lead").as_deref(), Some("Văn bản đã sửa"));
    // Without the CSRF token nothing changes.
    let res = app.client.post(app.url("/guidance/123-2022-TT-BYT/edit")).form(&[("title_vi", "CSRF")]).send().await.unwrap();
    assert_eq!(res.status(), 403);
}

async fn atom_feed_parses(app: TestApp) {
    let token = member(&app).await;
    app.api_topic(&token, discussion("Nhận diện người bệnh & vòng tay", "Theo 19/2013/TT-BYT, phần <nhận diện>.")).await;
    let res = app.get("/guidance/19-2013-TT-BYT/feed.atom").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let bytes = res.bytes().await.unwrap();
    let feed = feed_rs::parser::parse(&bytes[..]).expect("a valid Atom feed");
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert!(feed.id.ends_with("/guidance/19-2013-TT-BYT"), "{}", feed.id);
    assert!(feed.updated.is_some());
    assert!(feed.links.iter().any(|l| l.rel.as_deref() == Some("self") && l.href.ends_with("/feed.atom")));
    assert_eq!(feed.entries.len(), 1);
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_ref().unwrap().content, "Nhận diện người bệnh & vòng tay");
    assert_eq!(entry.authors[0].name, "Nguyễn Thị Lan");
    assert!(entry.id.contains("/t/"));
    // Any spelling redirects to the feed's one address.
    let res = app.get("/guidance/19%2F2013%2Ftt-byt/feed.atom").await;
    assert_eq!(res.headers()["location"], "/guidance/19-2013-TT-BYT/feed.atom");
}

// ---------------------------------------------------------------------------------------------
// Official answers, badges, criteria

async fn official_answer_and_badge(app: TestApp) {
    let asker = member(&app).await;
    let question =
        json!({"category": "medication-safety", "kind": "question", "title": "Báo cáo sự cố bắt buộc khi nào?", "body": "Xin hỏi."});
    let topic = app.api_topic(&asker, question).await;
    let staff = ministry(&app).await;
    let reply = |token: String, body: &'static str| {
        let app = &app;
        async move {
            let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(&token), &json!({"body": body})).await;
            res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }
    };
    let first = reply(asker.clone(), "Tôi nghĩ là luôn luôn.").await;
    let answer = reply(staff.clone(), "Theo Thông tư 43/2018, sự cố nghiêm trọng phải báo cáo bắt buộc.").await;

    // Members may not mark; replies of other topics and the question itself are refused.
    let path = format!("/api/v1/topics/{topic}/official-answer");
    problem(put_json(&app, &path, &asker, &json!({"post_id": answer})).await, 403).await;
    let opening = app.store.topic_posts(topic, 1, 0).await.unwrap()[0].id;
    problem(put_json(&app, &path, &staff, &json!({"post_id": opening})).await, 422).await;
    problem(put_json(&app, &path, &staff, &json!({"post_id": 999_999})).await, 422).await;
    assert_eq!(app.store.official_answer(topic).await.unwrap(), None);

    let res = put_json(&app, &path, &staff, &json!({"post_id": answer})).await;
    assert_eq!(res.status(), 200);
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    let official = text_of(&html, "#official-answer").unwrap();
    assert!(official.contains("Trả lời chính thức của Bộ Y tế") && official.contains("sự cố nghiêm trọng"), "{official}");
    assert!(html.find("id=\"official-answer\"").unwrap() < html.find(&format!("id=\"post-{first}\"")).unwrap(), "shown above the replies");
    assert_eq!(text_of(&html, &format!("#post-{answer} .badge.ministry")).as_deref(), Some("Cán bộ Bộ Y tế"));
    assert_eq!(count(&html, &format!("#post-{first} .badge.ministry")), 0);
    // In topic lists too.
    app.api_topic(&staff, discussion("Hướng dẫn mới về báo cáo sự cố", "Nội dung hướng dẫn.")).await;
    let (_, list) = app.get_text("/").await;
    assert_eq!(count(&list, ".topic-item .badge.ministry"), 1, "{list}");

    // The form does the same after a confirmation page, with CSRF; not on a discussion.
    browser_as(&app, "bo2@moh.gov.vn", "Phạm Bộ", Role::Ministry).await;
    let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", &first.to_string())]).await;
    assert_eq!(res.status(), 200, "a confirmation page first");
    assert_eq!(app.store.official_answer(topic).await.unwrap(), Some(answer), "nothing changed yet");
    let res = app.post_form(&format!("/t/{topic}/official-answer"), &[("post_id", &first.to_string()), ("confirm", "yes")]).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.official_answer(topic).await.unwrap(), Some(first));
    let discussion_id = app.api_topic(&asker, discussion("Thảo luận", "Nội dung.")).await;
    let res = app.post_form(&format!("/t/{discussion_id}/official-answer"), &[("post_id", &first.to_string())]).await;
    assert_eq!(res.status(), 422);
}

async fn criteria_catalog_and_tags(app: TestApp) {
    let (status, html) = app.get_text("/criteria").await;
    assert_eq!(status, 200);
    assert!(html.contains("C4") && html.contains("Phòng ngừa và kiểm soát nhiễm khuẩn"), "{html}");
    let token = member(&app).await;
    let topic = app.api_topic(&token, discussion("Vệ sinh tay", "Giám sát tuân thủ.")).await;

    browser_as(&app, "admin@bv.vn", "Quản trị", Role::Admin).await;
    let res = app
        .post_form(
            "/criteria",
            &[("code", "c4.3"), ("title_vi", "Triển khai chương trình và giám sát tuân thủ vệ sinh tay"), ("title_en", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app.post_form("/criteria", &[("code", "F9"), ("title_vi", "Sai"), ("title_en", "")]).await;
    assert_eq!(res.status(), 422);
    let res = app.post_form(&format!("/t/{topic}/criteria"), &[("criteria", "C4, C4.3")]).await;
    assert_eq!(res.status(), 303);
    let res = app.post_form(&format!("/t/{topic}/criteria"), &[("criteria", "C4, Z1")]).await;
    assert_eq!(res.status(), 422);

    let (_, html) = app.get_text("/criteria/C4.3").await;
    assert_eq!(text_of(&html, ".topic-title").as_deref(), Some("Vệ sinh tay"));
    let (_, html) = app.get_text(&format!("/t/{topic}")).await;
    assert_eq!(count(&html, ".criteria-tags a"), 2, "{html}");
}

async fn hospital_tier_on_the_profile_form(app: TestApp) {
    let id = browser_as(&app, "lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    let fields = |tier: &'static str| {
        [
            ("display_name", "Nguyễn Thị Lan"),
            ("job_title", ""),
            ("hospital", ""),
            ("department", ""),
            ("province", ""),
            ("hospital_tier", tier),
        ]
    };
    let res = app.post_form("/settings/profile", &fields("basic")).await;
    assert_eq!(res.status(), 303);
    assert_eq!(app.store.hospital_tier(id).await.unwrap().as_deref(), Some("basic"));
    let res = app.post_form("/settings/profile", &fields("tertiary")).await;
    assert_eq!(res.status(), 422);
    assert!(text_of(&res.text().await.unwrap(), ".form-error").unwrap().contains("Tuyến bệnh viện không hợp lệ"));
    assert_eq!(app.store.hospital_tier(id).await.unwrap().as_deref(), Some("basic"), "unchanged");
    let (_, html) = app.get_text("/settings/profile").await;
    assert_eq!(crate::common::attr_of(&html, "#hospital_tier option[selected]", "value").as_deref(), Some("basic"));
}

async fn search_support_functions(app: TestApp) {
    let docs = app.store.list_guidance_for_search().await.unwrap();
    assert_eq!(docs.len(), 10);
    assert!(docs.iter().any(|(number, title, _)| number == "43/2018/TT-BYT" && title.contains("sự cố y khoa")));
}

on_both_databases!(
    seeded_library_is_listed_and_readable,
    ministry_creates_and_patches,
    only_staff_may_write,
    bad_input_is_refused_whole,
    supersession_loop_is_refused,
    numbers_in_posts_become_links_and_rows,
    authors_choose_documents_explicitly,
    a_document_added_later_collects_earlier_citations,
    withdrawn_documents_never_break_posts,
    library_and_document_pages,
    staff_forms_create_edit_and_list_unknown_citations,
    atom_feed_parses,
    official_answer_and_badge,
    criteria_catalog_and_tags,
    hospital_tier_on_the_profile_form,
    search_support_functions,
);
