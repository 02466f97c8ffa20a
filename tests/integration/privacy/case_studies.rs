//! Anonymous case studies (issue #14): tier and province default to the author's profile, with
//! one tier vocabulary everywhere. Run on both databases from the parent module.

use super::*;

pub(super) async fn an_anonymous_case_study_takes_tier_and_province_from_the_profile(app: TestApp) {
    let author = member(&app, "lan@bv.vn", "Nguyễn Thị Lan", Role::Member).await;
    app.store.set_hospital_tier(author.id, Some("specialised")).await.unwrap();
    let case = |anonymous: Value| {
        json!({"category": "medication-safety", "kind": "case_study", "title": "Nhầm thuốc ca đêm", "anonymous": anonymous,
               "sections": {"context": "Ca đêm.", "problem": "Nhầm thuốc.", "causes": "Không đối chiếu.", "intervention": "Đối chiếu.", "results": "Không tái diễn.", "lessons": "Đối chiếu."}})
    };
    // No province on the profile and none sent: a sentence, nothing written.
    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/topics", &author.token, case(json!({}))).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(app.store.count_topics(None).await.unwrap(), 0);

    let b = browser(&app, Some("lan@bv.vn")).await;
    let res =
        b.0.post(app.url("/settings/profile"))
            .form(&[("display_name", "Nguyễn Thị Lan"), ("province", "Huế"), ("hospital_tier", "specialised"), ("csrf", &b.1)])
            .send()
            .await
            .unwrap();
    assert!(res.status().is_success() || res.status().is_redirection(), "{}", res.status());
    let (_, compose) = fetch(&app, &b.0, "/new?kind=case_study").await;
    assert_eq!(
        crate::common::attr_of(&compose, "#hospital_tier option[selected]", "value").as_deref(),
        Some("specialised"),
        "the form starts from the profile"
    );
    let tiers: Vec<String> = scraper::Html::parse_document(&compose)
        .select(&scraper::Selector::parse("#hospital_tier option").unwrap())
        .map(|o| o.value().attr("value").unwrap().to_string())
        .collect();
    assert_eq!(tiers, ["initial", "basic", "specialised"], "the profile's vocabulary");

    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/topics", &author.token, case(json!({}))).await;
    assert_eq!(status, 201, "{out}");
    let id = out["id"].as_i64().unwrap();
    let (_, html) = fetch(&app, &b.0, &format!("/t/{id}")).await;
    let line = text_of(&html, ".author.anonymous").unwrap();
    assert!(line.starts_with("Ẩn danh · Cấp chuyên sâu · ") && line.contains("Huế"), "{line}");
    // An older client's name of a level is understood; a made-up one is refused.
    let (status, out) =
        api(&app, reqwest::Method::POST, "/api/v1/topics", &author.token, case(json!({"hospital_tier": "provincial"}))).await;
    assert_eq!(status, 201, "{out}");
    let (_, topic) = send(&app, reqwest::Method::GET, &format!("/api/v1/topics/{}", out["id"]), None, None).await;
    assert!(topic.contains("\"hospital_tier\":\"basic\""), "{topic}");
    let (status, out) = api(&app, reqwest::Method::POST, "/api/v1/topics", &author.token, case(json!({"hospital_tier": "private"}))).await;
    assert_eq!(status, 422, "{out}");
    assert!(out["detail"].as_str().unwrap().contains("chuyên sâu"), "{out}");
}
