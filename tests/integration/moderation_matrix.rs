//! The authorization matrix of moderation: every role × every moderation action and queue read,
//! asserting allowed or forbidden both in the API and in the HTML pages.

use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, cookie_value, count};
use crate::on_both_databases;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    NewMember,
    Member,
    Moderator,
    Ministry,
    Admin,
    Suspended,
    Silenced,
}

const EVERYONE: [Who; 8] =
    [Who::Anonymous, Who::NewMember, Who::Member, Who::Moderator, Who::Ministry, Who::Admin, Who::Suspended, Who::Silenced];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ReadQueue,
    Approve,
    Reject,
    Sanction,
    LockTopic,
    HidePost,
    ReadAudit,
    WatchWord,
    Flag,
}

const ACTIONS: [Action; 9] = [
    Action::ReadQueue,
    Action::Approve,
    Action::Reject,
    Action::Sanction,
    Action::LockTopic,
    Action::HidePost,
    Action::ReadAudit,
    Action::WatchWord,
    Action::Flag,
];

/// Who may do what: moderators and admins moderate, admins alone keep the watched words,
/// anyone signed in and not sanctioned may flag.
fn allowed(action: Action, who: Who) -> bool {
    match action {
        Action::WatchWord => who == Who::Admin,
        Action::Flag => !matches!(who, Who::Anonymous | Who::Suspended | Who::Silenced),
        _ => matches!(who, Who::Moderator | Who::Admin),
    }
}

/// One signed-in person: an API token and a browser session.
struct Person {
    token: String,
    browser: reqwest::Client,
    csrf: String,
}

struct Fixture {
    author: String,
    admin: String,
    target: i64,
    people: Vec<(Who, Option<Person>)>,
}

const CITIZEN_ID_TEXT: &str = "Số CCCD 001204012345 ghi trên phiếu lĩnh thuốc.";

async fn person(app: &TestApp, who: Who, n: usize) -> Option<Person> {
    let role = match who {
        Who::Anonymous => return None,
        Who::Moderator => Role::Moderator,
        Who::Ministry => Role::Ministry,
        Who::Admin => Role::Admin,
        _ => Role::Member,
    };
    let email = format!("nguoi{n}@bv.vn");
    let token = app.token_for(&email, &format!("Người thứ {n}"), role).await;
    let (browser, jar) = app.second_browser();
    browser.get(app.url("/")).send().await.unwrap();
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").unwrap();
    let res =
        browser.post(app.url("/login")).form(&[("email", email.as_str()), ("password", PASSWORD), ("csrf", &csrf)]).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // Signing in brings a new token, bound to the session.
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").unwrap();
    Some(Person { token, browser, csrf })
}

async fn user_id(app: &TestApp, email: &str) -> i64 {
    app.store.user_for_login(email).await.unwrap().0.id
}

async fn fixture(app: &TestApp) -> Fixture {
    let author = app.token_for("tacgia@bv.vn", "Tác Giả", Role::Member).await;
    let admin = app.token_for("quantri@bv.vn", "Quản Trị", Role::Admin).await;
    let target = app.create_user("doituong@bv.vn", "Đối Tượng", Role::Member).await;
    let mut people = Vec::new();
    for (n, who) in EVERYONE.into_iter().enumerate() {
        people.push((who, person(app, who, n).await));
    }
    let fx = Fixture { author, admin, target, people };
    for (n, who) in EVERYONE.into_iter().enumerate() {
        let id = if matches!(who, Who::Anonymous) { continue } else { user_id(app, &format!("nguoi{n}@bv.vn")).await };
        let kind = match who {
            Who::Suspended => "suspend",
            Who::Silenced => "silence",
            Who::Member => {
                // An established member: trust level 1 (older accounts are migrated at 1).
                set_trust(app, id).await;
                continue;
            }
            _ => continue,
        };
        let body = json!({"kind": kind, "days": 7, "reason": "Kiểm tra phân quyền"});
        let res = app.post_json(&format!("/api/v1/moderation/users/{id}/sanctions"), Some(&fx.admin), &body).await;
        assert_eq!(res.status(), 201);
    }
    fx
}

async fn set_trust(app: &TestApp, id: i64) {
    let sql = "UPDATE users SET trust_level = 1 WHERE id = $1";
    if app.backend == "sqlite" {
        let pool = sqlx::SqlitePool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    } else {
        let pool = sqlx::PgPool::connect(app.database_url()).await.unwrap();
        sqlx::query(sql).bind(id).execute(&pool).await.unwrap();
    }
}

async fn topic(app: &TestApp, token: &str, body: &str) -> Value {
    let topic =
        json!({"category": "medication-safety", "kind": "discussion", "title": "Chủ đề kiểm tra phân quyền", "body": body, "tags": []});
    let res = app.post_json("/api/v1/topics", Some(token), &topic).await;
    assert_eq!(res.status(), 201);
    res.json().await.unwrap()
}

/// A fresh open queue item (a topic held for patient data).
async fn fresh_item(app: &TestApp, fx: &Fixture) -> i64 {
    let created = topic(app, &fx.author, CITIZEN_ID_TEXT).await;
    let res = app.client.get(app.url("/api/v1/moderation/queue")).bearer_auth(&fx.admin).send().await.unwrap();
    let items: Value = res.json().await.unwrap();
    items.as_array().unwrap().iter().find(|i| i["topic_id"] == created["id"]).unwrap()["id"].as_i64().unwrap()
}

/// A fresh published topic: (topic id, opening post id).
async fn fresh_topic(app: &TestApp, fx: &Fixture) -> (i64, i64) {
    let created = topic(app, &fx.author, "Khoa tôi kiểm tra chéo thuốc nguy cơ cao trước khi dùng.").await;
    (created["id"].as_i64().unwrap(), created["post_id"].as_i64().unwrap())
}

/// The request an action makes in the API: (method is GET?, path, body).
async fn api_request(app: &TestApp, fx: &Fixture, action: Action) -> (bool, String, Value) {
    match action {
        Action::ReadQueue => (true, "/api/v1/moderation/queue".into(), json!({})),
        Action::Approve => (false, format!("/api/v1/moderation/queue/{}/approve", fresh_item(app, fx).await), json!({})),
        Action::Reject => {
            (false, format!("/api/v1/moderation/queue/{}/reject", fresh_item(app, fx).await), json!({"reason": "Lộ thông tin"}))
        }
        Action::Sanction => {
            (false, format!("/api/v1/moderation/users/{}/sanctions", fx.target), json!({"kind": "silence", "days": 1, "reason": "Thử"}))
        }
        Action::LockTopic => (false, format!("/api/v1/moderation/topics/{}/lock", fresh_topic(app, fx).await.0), json!({})),
        Action::HidePost => (false, format!("/api/v1/moderation/posts/{}/hide", fresh_topic(app, fx).await.1), json!({"reason": "Thử"})),
        Action::ReadAudit => (true, "/api/v1/moderation/audit".into(), json!({})),
        Action::WatchWord => {
            (false, "/api/v1/moderation/watched-words".into(), json!({"pattern": format!("từ {}", rand_suffix()), "action": "hold"}))
        }
        Action::Flag => (false, format!("/api/v1/posts/{}/flags", fresh_topic(app, fx).await.1), json!({"reason": "spam"})),
    }
}

fn rand_suffix() -> u64 {
    use rand::Rng;
    rand::rng().random()
}

async fn api_status(app: &TestApp, fx: &Fixture, action: Action, person: Option<&Person>) -> u16 {
    let (get, path, body) = api_request(app, fx, action).await;
    let mut req = if get { app.client.get(app.url(&path)) } else { app.client.post(app.url(&path)).json(&body) };
    if let Some(p) = person {
        req = req.bearer_auth(&p.token);
    }
    req.send().await.unwrap().status().as_u16()
}

/// The page request an action makes: (GET?, path, form fields).
async fn page_request(app: &TestApp, fx: &Fixture, action: Action) -> (bool, String, Vec<(&'static str, String)>) {
    let reason = || vec![("reason", "Thử".to_string())];
    match action {
        Action::ReadQueue => (true, "/mod/queue".into(), vec![]),
        Action::Approve => (false, format!("/mod/queue/{}/approve", fresh_item(app, fx).await), vec![]),
        Action::Reject => (false, format!("/mod/queue/{}/reject", fresh_item(app, fx).await), reason()),
        Action::Sanction => (
            false,
            format!("/mod/users/{}/sanction", fx.target),
            vec![("kind", "silence".into()), ("days", "1".into()), ("reason", "Thử".into())],
        ),
        Action::LockTopic => (false, format!("/mod/topics/{}/lock", fresh_topic(app, fx).await.0), vec![]),
        Action::HidePost => (false, format!("/mod/posts/{}/hide", fresh_topic(app, fx).await.1), reason()),
        Action::ReadAudit => (true, "/mod/audit".into(), vec![]),
        Action::WatchWord => {
            (false, "/mod/watched-words".into(), vec![("pattern", format!("từ {}", rand_suffix())), ("action", "hold".into())])
        }
        Action::Flag => (false, format!("/posts/{}/flag", fresh_topic(app, fx).await.1), vec![("reason", "spam".into())]),
    }
}

async fn page_status(app: &TestApp, fx: &Fixture, action: Action, person: Option<&Person>) -> u16 {
    let (get, path, mut fields) = page_request(app, fx, action).await;
    let (client, csrf) = match person {
        Some(p) => (p.browser.clone(), p.csrf.clone()),
        None => {
            let (client, jar) = app.second_browser();
            client.get(app.url("/")).send().await.unwrap();
            (client, cookie_value(&jar, &app.base, "gp_csrf").unwrap())
        }
    };
    let res = if get {
        client.get(app.url(&path)).send().await.unwrap()
    } else {
        fields.push(("csrf", csrf));
        client.post(app.url(&path)).form(&fields).send().await.unwrap()
    };
    res.status().as_u16()
}

fn expected_api(action: Action, who: Who) -> u16 {
    match (allowed(action, who), who) {
        (true, _) if matches!(action, Action::Sanction | Action::WatchWord | Action::Flag) => 201,
        (true, _) => 200,
        (false, Who::Anonymous) => 401,
        (false, _) => 403,
    }
}

fn expected_page(action: Action, who: Who) -> u16 {
    let get = matches!(action, Action::ReadQueue | Action::ReadAudit);
    match (allowed(action, who), who) {
        (true, _) if get => 200,
        (true, _) => 303,
        // A page read without signing in is sent to the sign-in page.
        (false, Who::Anonymous) if get => 303,
        (false, Who::Anonymous) => 401,
        (false, _) => 403,
    }
}

async fn every_role_by_every_moderation_action(app: TestApp) {
    let fx = fixture(&app).await;
    let mut wrong = Vec::new();
    for action in ACTIONS {
        for (who, person) in &fx.people {
            let api = api_status(&app, &fx, action, person.as_ref()).await;
            if api != expected_api(action, *who) {
                wrong.push(format!("API {action:?} by {who:?}: {api}, expected {}", expected_api(action, *who)));
            }
            let html = page_status(&app, &fx, action, person.as_ref()).await;
            if html != expected_page(action, *who) {
                wrong.push(format!("page {action:?} by {who:?}: {html}, expected {}", expected_page(action, *who)));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn only_moderators_see_the_queue_link(app: TestApp) {
    let fx = fixture(&app).await;
    for (who, person) in &fx.people {
        let Some(p) = person else { continue };
        let html = p.browser.get(app.url("/")).send().await.unwrap().text().await.unwrap();
        let expected = usize::from(matches!(who, Who::Moderator | Who::Admin));
        assert_eq!(count(&html, "a.mod-queue"), expected, "{who:?}");
    }
}

on_both_databases!(every_role_by_every_moderation_action, only_moderators_see_the_queue_link);
