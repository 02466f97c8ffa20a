//! Search: what is published is found within a second, with or without diacritics; edits and
//! deletions follow; facets count; bad queries get a problem, never a 500; `goodpractice reindex`
//! hands a running server a new index; a garbage index is rebuilt from the database.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Datelike, Utc};
use goodpractice::accounts::Role;
use goodpractice::store::ProfileUpdate;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, count, text_of};
use crate::on_both_databases;

/// How long these tests wait for the indexer before failing: only an upper bound for a busy
/// shared machine (the tests poll and go on as soon as the change is there). The one-second
/// promise to users is asserted on its own, in `a_published_topic_is_found_within_a_second…`.
const PATIENCE: Duration = Duration::from_secs(10);

fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish()
}

/// `GET /api/v1/search?…`: status and JSON.
async fn search(app: &TestApp, pairs: &[(&str, &str)]) -> (u16, Value) {
    let res = app.get(&format!("/api/v1/search?{}", encode(pairs))).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Searches until `done` holds (the indexer follows the change log a few times a second).
async fn search_until(app: &TestApp, pairs: &[(&str, &str)], done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, json) = search(app, pairs).await;
        if status == 200 && done(&json) {
            return json;
        }
        assert!(Instant::now() < deadline, "search {pairs:?} did not get there in {PATIENCE:?}; last answer {status}: {json}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn hit_ids(results: &Value) -> Vec<i64> {
    results["hits"].as_array().unwrap().iter().map(|h| h["topic_id"].as_i64().unwrap()).collect()
}

fn finds(id: i64) -> impl Fn(&Value) -> bool {
    move |r| hit_ids(r).contains(&id)
}

/// `facets.<name>` as (value, count) pairs.
fn facet(results: &Value, name: &str) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = results["facets"][name]
        .as_array()
        .unwrap_or_else(|| panic!("no facet {name} in {results}"))
        .iter()
        .map(|f| (f["value"].as_str().unwrap().to_string(), f["count"].as_u64().unwrap()))
        .collect();
    out.sort();
    out
}

/// Publishes a topic through the API; returns (topic id, opening post id).
async fn publish(app: &TestApp, token: &str, topic: Value) -> (i64, i64) {
    let res = app.post_json("/api/v1/topics", Some(token), &topic).await;
    let status = res.status();
    let json: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{json}");
    (json["id"].as_i64().unwrap(), json["post_id"].as_i64().unwrap())
}

fn fall_practice() -> Value {
    json!({
        "category": "fall-prevention", "kind": "good_practice",
        "title": "Phòng ngừa té ngã cho người bệnh cao tuổi bằng thang điểm Morse",
        "summary": "Đánh giá nguy cơ té ngã ngay khi nhập viện và mỗi ca trực.",
        "body": "Khoa Nội chúng tôi dán biển cảnh báo đầu giường và hạ thấp giường bệnh vào ban đêm.",
        "tags": ["té ngã", "điều dưỡng"],
    })
}

async fn a_published_topic_is_found_within_a_second_with_or_without_diacritics(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (id, post_id) = publish(&app, &token, fall_practice()).await;
    let published = Instant::now();
    let found = search_until(&app, &[("q", "té ngã")], finds(id)).await;
    assert!(published.elapsed() < Duration::from_secs(1), "searchable only after {:?}", published.elapsed());

    let hit = &found["hits"][0];
    assert_eq!(found["total"], 1);
    assert_eq!(hit["topic_id"], id);
    assert_eq!(hit["post_id"], post_id);
    assert_eq!(hit["url"], format!("/t/{id}"));
    assert_eq!(hit["category"], "fall-prevention");
    assert_eq!(hit["kind"], "good_practice");
    assert_eq!(hit["title"], "Phòng ngừa té ngã cho người bệnh cao tuổi bằng thang điểm Morse");
    let created: DateTime<Utc> = hit["created_at"].as_str().unwrap().parse().expect("created_at is RFC 3339");
    assert!((Utc::now() - created).num_seconds().abs() < 60);

    let (status, folded) = search(&app, &[("q", "te nga")]).await;
    assert_eq!((status, hit_ids(&folded)), (200, vec![id]), "typed without diacritics");
    let (_, summary_word) = search(&app, &[("q", "ca truc")]).await;
    assert_eq!(hit_ids(&summary_word), vec![id], "the good practice's summary is searchable");
}

async fn edits_and_replies_are_reflected(app: TestApp) {
    let token = app.token_for("tuan@bvdk.vn", "Trần Minh Tuấn", Role::Member).await;
    let topic = json!({"category": "communication", "kind": "discussion",
        "title": "Bàn giao người bệnh giữa các ca bằng SBAR",
        "body": "Chúng tôi dùng phiếu theo dõi giấy ở đầu giường."});
    let (id, post_id) = publish(&app, &token, topic).await;
    search_until(&app, &[("q", "phiếu theo dõi giấy")], finds(id)).await;

    let edit = json!({"body": "Chúng tôi chuyển sang bảng điện tử dùng chung cho cả khoa."});
    let res = app.patch_json(&format!("/api/v1/posts/{post_id}"), Some(&token), &edit).await;
    assert_eq!(res.status(), 200);
    search_until(&app, &[("q", "bảng điện tử")], finds(id)).await;
    let (_, old) = search(&app, &[("q", "\"phiếu theo dõi giấy\"")]).await;
    assert_eq!(old["total"], 0, "the replaced text is no longer found: {old}");

    let res =
        app.post_json(&format!("/api/v1/topics/{id}/posts"), Some(&token), &json!({"body": "Khoa Ngoại dùng thêm đồng hồ hẹn giờ."})).await;
    assert_eq!(res.status(), 201);
    search_until(&app, &[("q", "dong ho hen gio")], finds(id)).await;
}

async fn a_deleted_topic_disappears_from_results_facets_and_total(app: TestApp) {
    let token = app.token_for("huong@bv.vn", "Phạm Thu Hương", Role::Member).await;
    let topic = |category: &str, title: &str| {
        json!({"category": category, "kind": "question", "title": title,
        "body": "Dây truyền dịch nên thay sau bao nhiêu giờ?"})
    };
    let (kept, _) = publish(&app, &token, topic("infection-control", "Thời gian thay dây truyền dịch ngoại vi")).await;
    let (gone, gone_post) = publish(&app, &token, topic("medication-safety", "Dán nhãn dây truyền dịch có thuốc")).await;
    let both = search_until(&app, &[("q", "dây truyền dịch")], |r| r["total"] == 2).await;
    assert_eq!(facet(&both, "category"), vec![("infection-control".into(), 1), ("medication-safety".into(), 1)]);

    // The author deletes it the way the site offers: the delete form on the topic page.
    assert_eq!(app.login("huong@bv.vn", PASSWORD).await.status(), 303);
    let res = app.post_form(&format!("/posts/{gone_post}/delete"), &[]).await;
    assert_eq!(res.status(), 303);

    let after = search_until(&app, &[("q", "dây truyền dịch")], |r| r["total"] == 1).await;
    assert_eq!(hit_ids(&after), vec![kept]);
    assert_eq!(facet(&after, "category"), vec![("infection-control".into(), 1)]);
    let (_, by_title) = search(&app, &[("q", "dán nhãn")]).await;
    assert!(!hit_ids(&by_title).contains(&gone), "{by_title}");
    let (_, filtered) = search(&app, &[("category", "medication-safety")]).await;
    assert_eq!(filtered["total"], 0, "{filtered}");
}

async fn facets_count_every_match_and_each_filters_the_results(app: TestApp) {
    let hanoi = app.create_user("mai@bvbachmai.vn", "Võ Thị Mai", Role::Member).await;
    let profile = ProfileUpdate { display_name: "Võ Thị Mai", job_title: "", hospital: "", department: "", province_code: Some("01") };
    app.store.update_profile(hanoi, &profile).await.unwrap();
    let res = app.post_json("/api/v1/tokens", None, &json!({"email": "mai@bvbachmai.vn", "password": PASSWORD})).await;
    let hanoi_token = res.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let other = app.token_for("son@bvcantho.vn", "Lê Văn Sơn", Role::Member).await;

    let topic = |category: &str, kind: &str, title: &str, tags: &[&str]| {
        let mut t = json!({"category": category, "kind": kind, "title": title, "tags": tags,
            "body": "Kinh nghiệm vệ sinh tay của khoa chúng tôi."});
        if kind == "good_practice" {
            t["summary"] = json!("Tuân thủ vệ sinh tay tăng rõ rệt sau ba tháng.");
        }
        t
    };
    publish(&app, &hanoi_token, topic("infection-control", "good_practice", "Vệ sinh tay năm thời điểm", &["vệ sinh tay"])).await;
    publish(&app, &hanoi_token, topic("infection-control", "question", "Cồn vệ sinh tay đặt ở đâu?", &["vệ sinh tay", "khoa hồi sức"]))
        .await;
    publish(&app, &other, topic("fall-prevention", "discussion", "Vệ sinh tay khi hỗ trợ người bệnh đi lại", &[])).await;

    let all = search_until(&app, &[("q", "vệ sinh tay")], |r| r["total"] == 3).await;
    let vietnam_year = Utc::now().with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap()).year().to_string();
    assert_eq!(facet(&all, "category"), vec![("fall-prevention".into(), 1), ("infection-control".into(), 2)]);
    assert_eq!(facet(&all, "kind"), vec![("discussion".into(), 1), ("good_practice".into(), 1), ("question".into(), 1)]);
    assert_eq!(facet(&all, "province"), vec![("01".into(), 2)]);
    assert_eq!(facet(&all, "tag"), vec![("khoa-hoi-suc".into(), 1), ("ve-sinh-tay".into(), 2)]);
    // Created just now, so this year in Vietnam.
    let years = facet(&all, "year");
    assert_eq!(years, vec![(vietnam_year, 3)]);

    for (filter, value, expected) in [
        ("category", "infection-control", 2),
        ("kind", "question", 1),
        ("province", "01", 2),
        ("province", "Hà Nội", 2),
        ("tag", "ve-sinh-tay", 2),
        ("year", years[0].0.as_str(), years[0].1),
    ] {
        let (status, r) = search(&app, &[("q", "vệ sinh tay"), (filter, value)]).await;
        assert_eq!((status, r["total"].as_u64().unwrap()), (200, expected), "{filter}={value}: {r}");
    }

    let (_, only_filter) = search(&app, &[("category", "infection-control")]).await;
    assert_eq!(only_filter["total"], 2, "a filter alone is a search: {only_filter}");

    let (_, first) = search(&app, &[("q", "vệ sinh tay"), ("limit", "2"), ("sort", "newest")]).await;
    let (_, second) = search(&app, &[("q", "vệ sinh tay"), ("limit", "2"), ("page", "2"), ("sort", "newest")]).await;
    assert_eq!((hit_ids(&first).len(), hit_ids(&second).len(), second["total"].as_u64()), (2, 1, Some(3)));
    assert!(hit_ids(&second).iter().all(|id| !hit_ids(&first).contains(id)), "pages do not overlap");
}

async fn the_search_page_shows_highlighted_results_facets_and_a_friendly_empty_state(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let mut topic = fall_practice();
    topic["body"] = json!("Giảm té ngã về đêm. <b>Không</b> để người bệnh tự đi vệ sinh một mình.");
    let (id, _) = publish(&app, &token, topic).await;
    search_until(&app, &[("q", "té ngã")], finds(id)).await;

    let (status, html) = app.get_text(&format!("/search?{}", encode(&[("q", "te nga")]))).await;
    assert_eq!(status, 200);
    assert_eq!(count(&html, &format!("ol.search-results a.topic-title[href=\"/t/{id}\"]")), 1, "{html}");
    assert!(count(&html, ".snippet mark") >= 1, "matches are marked: {html}");
    assert_eq!(count(&html, ".snippet b"), 0, "the body's own markup stays escaped");
    assert_eq!(text_of(&html, ".search-results .badge").as_deref(), Some("Thực hành tốt"));
    assert!(count(&html, "aside.facets a[href*=\"category=fall-prevention\"]") >= 1, "facet links narrow the search");
    assert_eq!(count(&html, r#"main form[role=search] input#search-q[name=q][value="te nga"]"#), 1, "the query stays in the box");

    let (status, html) = app.get_text(&format!("/search?{}", encode(&[("q", "té ngã"), ("category", "infection-control")]))).await;
    assert_eq!(status, 200);
    assert!(html.contains("Không tìm thấy kết quả cho “té ngã”"), "{html}");
    assert!(count(&html, ".no-results a[href=\"/search?q=t%C3%A9+ng%C3%A3\"]") >= 1, "offers to remove the filter: {html}");

    let (status, html) = app.get_text(&format!("/search?{}", encode(&[("q", "after:2024-13-01")]))).await;
    assert_eq!(status, 422);
    assert!(text_of(&html, ".form-error").unwrap().contains("2024-13-01"), "{html}");

    let (_, home) = app.get_text("/").await;
    assert_eq!(count(&home, "header.site form[role=search][action=\"/search\"][method=get] input[name=q]"), 1);
    assert_eq!(count(&home, "header.site label[for=site-search-q]"), 1, "labelled for screen readers");
    let (_, start) = app.get_text("/search").await;
    assert_eq!(count(&start, ".search-results"), 0);
}

async fn when_no_topic_has_every_word_the_closest_are_shown_and_the_page_says_so(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (id, _) = publish(&app, &token, fall_practice()).await;
    let exact = search_until(&app, &[("q", "té ngã")], finds(id)).await;
    assert_eq!(exact["relaxed"], false);

    // The topic says "té ngã" and "phòng ngừa" but nothing of a bathroom ("tắm").
    let (status, closest) = search(&app, &[("q", "té ngã phòng tắm")]).await;
    assert_eq!((status, hit_ids(&closest), &closest["relaxed"]), (200, vec![id], &json!(true)), "{closest}");
    let (_, html) = app.get_text(&format!("/search?{}", encode(&[("q", "té ngã phòng tắm")]))).await;
    assert_eq!(count(&html, &format!("ol.search-results a[href=\"/t/{id}\"]")), 1, "{html}");
    let note = text_of(&html, ".relaxed-note").expect("the page says the results are the closest ones");
    assert!(note.contains("Không có bài nào chứa đủ mọi từ của “té ngã phòng tắm”"), "{note}");

    // A question finds its answer without its question words.
    let (_, question) = search(&app, &[("q", "Làm thế nào để phòng ngừa té ngã cho người cao tuổi?")]).await;
    assert_eq!(hit_ids(&question), vec![id], "{question}");
}

async fn guidance_filter_finds_short_citations_and_documents_are_searchable(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    // Cites the circular only as "Thông tư 43/2018": linked to 43/2018/TT-BYT by the library.
    let (id, _) = publish(
        &app,
        &token,
        json!({"category": "incident-reporting", "kind": "good_practice",
        "title": "Sổ báo cáo sự cố tự nguyện ở khoa Nội", "summary": "Mỗi ca trực ghi lại sự cố.",
        "body": "Chúng tôi làm theo Thông tư 43/2018 về phòng ngừa sự cố y khoa."}),
    )
    .await;
    let filtered = search_until(&app, &[("q", "guidance:43/2018/TT-BYT")], finds(id)).await;
    assert_eq!(hit_ids(&filtered), vec![id], "{filtered}");
    let (_, other) = search(&app, &[("q", "guidance:46/2018/TT-BYT")]).await;
    assert_eq!(hit_ids(&other), Vec::<i64>::new());

    // The library's documents are found by number or by words, with or without diacritics.
    let numbers =
        |r: &Value| r["guidance"].as_array().unwrap().iter().map(|g| g["number"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let (_, by_words) = search(&app, &[("q", "phong ngua su co y khoa")]).await;
    assert_eq!(numbers(&by_words), ["43/2018/TT-BYT"], "{by_words}");
    assert_eq!(by_words["guidance"][0]["url"], "/guidance/43-2018-TT-BYT");
    let (_, by_number) = search(&app, &[("q", "tt 46/2018/tt-byt")]).await;
    assert_eq!(numbers(&by_number), ["46/2018/TT-BYT"], "{by_number}");
    let (_, html) = app.get_text(&format!("/search?{}", encode(&[("q", "bệnh án điện tử")]))).await;
    assert!(count(&html, ".guidance-hits a[href=\"/guidance/46-2018-TT-BYT\"]") == 1, "{html}");
    let (_, unrelated) = search(&app, &[("q", "té ngã")]).await;
    assert_eq!(numbers(&unrelated), Vec::<String>::new());
}

async fn bad_queries_get_a_problem_or_an_empty_result_never_a_500(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (id, _) = publish(&app, &token, fall_practice()).await;
    search_until(&app, &[("q", "té ngã")], finds(id)).await;

    let long = "te nga ".repeat(1500);
    // (query string, problem code, text the message must quote)
    type Refusal<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let refused: &[Refusal] = &[
        (&[("q", "té ngã after:2024-13-45")], "search.error.bad_date", "2024-13-45"),
        (&[("q", long.as_str())], "search.error.query_too_long", "500"),
        (&[("q", "té ngã"), ("kind", "gossip")], "search.error.unknown_kind", "gossip"),
        (&[("q", "kind:gossip té ngã")], "search.error.unknown_kind", "gossip"),
        (&[("q", "té ngã"), ("sort", "oldest")], "search.error.bad_sort", ""),
        (&[("q", "té ngã"), ("page", "0")], "search.error.bad_page", ""),
        (&[("q", "té ngã"), ("limit", "1000")], "search.error.bad_limit", ""),
        (&[("q", "té ngã"), ("year", "năm ngoái")], "search.error.bad_year", "năm ngoái"),
    ];
    for (pairs, code, detail) in refused {
        let res = app.get(&format!("/api/v1/search?{}", encode(pairs))).await;
        assert_eq!(res.status(), 422, "{code}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let problem: Value = res.json().await.unwrap();
        assert_eq!(problem["code"], *code, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains(detail), "{problem}");
    }
    let english = app.client.get(app.url("/api/v1/search?q=after%3A2024-13-45")).header("Accept-Language", "en").send().await.unwrap();
    let problem: Value = english.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().starts_with("The date “2024-13-45”"), "{problem}");

    for q in ["\"té ngã", "😷🏥 té ngã", "!!! ??? ...", "-", "\"\"", "((", "category:", "té*ngã~2^3", "NOT OR AND"] {
        let (status, r) = search(&app, &[("q", q)]).await;
        assert_eq!(status, 200, "{q:?}: {r}");
        assert!(r["total"].is_u64(), "{q:?}: {r}");
    }
    let (_, unbalanced) = search(&app, &[("q", "\"té ngã")]).await;
    assert_eq!(hit_ids(&unbalanced), vec![id], "an unbalanced quote still searches the words");
    let (status, empty) = search(&app, &[("q", "   ")]).await;
    assert_eq!((status, empty["total"].as_u64(), empty["hits"].as_array().map(Vec::len)), (200, Some(0), Some(0)));
}

// ---------------------------------------------------------------------------------------------
// The index on disk: `goodpractice reindex` and repair at start-up

/// `goodpractice reindex` against the app's database and data folder.
fn reindex_command(app: &TestApp) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_goodpractice"));
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR", "GP_LOG_JSON"] {
        cmd.env_remove(var);
    }
    cmd.arg("reindex")
        .env("DATABASE_URL", app.database_url())
        .env("GP_DATA_DIR", app.data_dir())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn current_generation(data_dir: &Path) -> String {
    std::fs::read_to_string(data_dir.join("search").join("CURRENT")).expect("search/CURRENT").trim().to_string()
}

async fn reindex_builds_a_new_generation_and_the_running_app_switches_to_it(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (first, _) = publish(&app, &token, fall_practice()).await;
    let second_topic = json!({"category": "fall-prevention", "kind": "discussion", "title": "Té ngã trong nhà vệ sinh: lắp tay vịn",
        "body": "Chúng tôi lắp tay vịn và chuông gọi trong nhà vệ sinh."});
    let (second, _) = publish(&app, &token, second_topic).await;
    search_until(&app, &[("q", "té ngã")], |r| r["total"] == 2).await;
    let old = current_generation(app.data_dir());
    assert!(app.data_dir().join("search").join(&old).is_dir());

    let mut child = reindex_command(&app).spawn().expect("start goodpractice reindex");
    // The running app keeps answering from its current index while the new one is built.
    while child.try_wait().unwrap().is_none() {
        let (status, r) = search(&app, &[("q", "té ngã")]).await;
        assert_eq!((status, r["total"].as_u64()), (200, Some(2)), "{r}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "reindex failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("2 topics"), "reports the count: {stdout}");
    let new = current_generation(app.data_dir());
    assert_ne!(new, old);

    // The app switches: it removes the generation it no longer serves, and keeps answering.
    let old_dir = app.data_dir().join("search").join(&old);
    let deadline = Instant::now() + PATIENCE + Duration::from_secs(2);
    while old_dir.exists() {
        assert!(Instant::now() < deadline, "the app still holds generation {old}");
        let (status, r) = search(&app, &[("q", "té ngã")]).await;
        assert_eq!((status, r["total"].as_u64()), (200, Some(2)), "{r}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let r = search_until(&app, &[("q", "te nga")], |r| r["total"] == 2).await;
    assert_eq!(
        {
            let mut ids = hit_ids(&r);
            ids.sort();
            ids
        },
        vec![first, second]
    );
    // …and it follows the change log into the new generation.
    let third = json!({"category": "fall-prevention", "kind": "question", "title": "Té ngã ở trẻ em: có thang điểm riêng không?",
        "body": "Thang Humpty Dumpty có dùng được ở Việt Nam?"});
    let (third, _) = publish(&app, &token, third).await;
    search_until(&app, &[("q", "Humpty Dumpty")], finds(third)).await;
}

async fn an_index_folder_deleted_while_running_is_rebuilt(app: TestApp) {
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (id, _) = publish(&app, &token, fall_practice()).await;
    search_until(&app, &[("q", "té ngã")], finds(id)).await;

    std::fs::remove_dir_all(app.data_dir().join("search")).unwrap();
    let deadline = Instant::now() + PATIENCE;
    while !app.data_dir().join("search").join("CURRENT").exists() {
        assert!(Instant::now() < deadline, "the index folder was not recreated");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    search_until(&app, &[("q", "té ngã")], finds(id)).await;
    let (later, _) = publish(
        &app,
        &token,
        json!({"category": "fall-prevention", "kind": "question",
        "title": "Chuông gọi điều dưỡng đặt ở đâu?", "body": "Đặt chuông trong tầm tay người bệnh."}),
    )
    .await;
    search_until(&app, &[("q", "chuong goi")], finds(later)).await;
}

on_both_databases!(
    an_index_folder_deleted_while_running_is_rebuilt,
    a_published_topic_is_found_within_a_second_with_or_without_diacritics,
    edits_and_replies_are_reflected,
    a_deleted_topic_disappears_from_results_facets_and_total,
    facets_count_every_match_and_each_filters_the_results,
    the_search_page_shows_highlighted_results_facets_and_a_friendly_empty_state,
    when_no_topic_has_every_word_the_closest_are_shown_and_the_page_says_so,
    guidance_filter_finds_short_citations_and_documents_are_searchable,
    bad_queries_get_a_problem_or_an_empty_result_never_a_500,
    reindex_builds_a_new_generation_and_the_running_app_switches_to_it,
);

/// Fills the index folder with junk before the app starts, as a crash or a bad disk might.
fn ruin_the_index(data_dir: &Path) {
    let generation = data_dir.join("search").join("1");
    std::fs::create_dir_all(&generation).unwrap();
    std::fs::write(data_dir.join("search").join("CURRENT"), "1\n").unwrap();
    std::fs::write(generation.join("meta.json"), "{ not json at all").unwrap();
    std::fs::write(generation.join("00000000000000000000000000000000.idx"), [0xde, 0xad, 0xbe, 0xef].repeat(64)).unwrap();
}

/// Starts with demo content and a ruined index: the index is rebuilt from the database.
async fn a_garbage_index_is_rebuilt_from_the_database(app: TestApp) {
    let demo_title = "Vòng đeo tay mã vạch và quy tắc 2 yếu tố nhận dạng tại khoa Hồi sức tích cực";
    let r =
        search_until(&app, &[("q", "vong deo tay ma vach")], |r| r["hits"].as_array().unwrap().iter().any(|h| h["title"] == demo_title))
            .await;
    assert!(r["total"].as_u64().unwrap() >= 1);
    let token = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let (id, _) = publish(&app, &token, fall_practice()).await;
    search_until(&app, &[("q", "thang diem Morse")], finds(id)).await;
}

mod repaired_at_start {
    #[tokio::test]
    async fn sqlite() {
        let app = crate::common::TestApp::sqlite_with(|c| {
            c.demo = true;
            super::ruin_the_index(&c.data_dir);
        })
        .await;
        super::a_garbage_index_is_rebuilt_from_the_database(app).await;
    }

    #[tokio::test]
    async fn postgres() {
        let app = crate::common::TestApp::postgres_with(|c| {
            c.demo = true;
            super::ruin_the_index(&c.data_dir);
        })
        .await;
        if let Some(app) = app {
            super::a_garbage_index_is_rebuilt_from_the_database(app).await;
        }
    }
}
