//! Accessibility and page weight, measured in Debian's Chromium on the real app with demo content:
//! axe-core's WCAG 2.0/2.1 A and AA rules find nothing on any main page (phone and desktop, light
//! and dark), and every page crosses the wire in at most 60 KB, CSS included, without a single
//! request leaving the server.
//!
//! The browser side is tests/a11y/check.mjs (npm `axe-core` and `playwright-core` driving
//! /usr/bin/chromium; `npm ci --prefix tests/a11y` installs them). Without node, those packages
//! or Chromium the tests are skipped, unless `GP_REQUIRE_BROWSER=1` makes that a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use goodpractice::accounts::Role;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp, cookie_value};

/// The budget of the issue: one page, compressed, with its CSS (and any script).
const PAGE_BUDGET_BYTES: u64 = 60 * 1024;

/// A page to check, and who looks at it (`None`: signed out).
#[derive(Debug)]
struct PageSpec {
    name: &'static str,
    path: String,
    session: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Report {
    axe: String,
    results: Vec<PageResult>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageResult {
    page: String,
    path: String,
    final_path: String,
    status: u16,
    device: String,
    scheme: String,
    screenshot: Option<String>,
    violations: Vec<Violation>,
    /// What axe could not decide by itself (shown, for a person to look at).
    incomplete: Vec<Violation>,
    /// How far the page is wider than the viewport, in CSS pixels.
    overflow: i64,
    requests: Vec<Request>,
}

#[derive(Debug, Deserialize)]
struct Violation {
    rule: String,
    impact: Option<String>,
    help: String,
    nodes: Vec<ViolationNode>,
}

#[derive(Debug, Deserialize)]
struct ViolationNode {
    selector: String,
    summary: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Request {
    url: String,
    bytes: u64,
    encoding: Option<String>,
}

impl PageResult {
    fn label(&self) -> String {
        format!("{} ({}, {}, {})", self.page, self.path, self.device, self.scheme)
    }

    fn transferred(&self) -> u64 {
        self.requests.iter().map(|r| r.bytes).sum()
    }
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_main_pages_have_no_wcag_2_a_or_aa_violations_on_phone_and_desktop_light_and_dark() {
    let Some(tools) = Tools::find() else { return };
    let app = TestApp::sqlite_with(|c| c.demo = true).await;
    let pages = arrange_pages(&app).await;
    let report = tools.check(&app, &pages, true).await;

    assert_all_pages_shown(&report, &pages);
    let mut problems = Vec::new();
    for result in &report.results {
        for v in &result.violations {
            for node in &v.nodes {
                problems.push(format!(
                    "{} [{}] {}: {} at `{}`: {}",
                    result.label(),
                    v.impact.as_deref().unwrap_or("?"),
                    v.rule,
                    v.help,
                    node.selector,
                    node.summary.as_deref().unwrap_or("").replace('\n', " ")
                ));
            }
        }
    }
    for result in report.results.iter().filter(|r| r.device == "phone" && r.overflow > 0) {
        problems.push(format!("{} [WCAG 1.4.10 reflow] the page is {} px wider than the phone", result.label(), result.overflow));
    }
    let undecided: Vec<String> = report
        .results
        .iter()
        .flat_map(|r| {
            r.incomplete.iter().flat_map(move |v| v.nodes.iter().map(move |n| format!("{}: {} at `{}`", r.label(), v.rule, n.selector)))
        })
        .collect();
    eprintln!("axe could not decide (review by eye):\n  {}", undecided.join("\n  "));
    assert!(
        problems.is_empty(),
        "axe-core {} found {} WCAG 2 A/AA violations (and reflow problems):\n  {}",
        report.axe,
        problems.len(),
        problems.join("\n  ")
    );
    eprintln!("screenshots: {}", report.results.iter().filter_map(|r| r.screenshot.as_deref()).collect::<Vec<_>>().join(" "));
}

#[tokio::test]
async fn every_main_page_is_at_most_60_kb_compressed_and_asks_nothing_of_other_servers() {
    let Some(tools) = Tools::find() else { return };
    let app = TestApp::sqlite_with(|c| c.demo = true).await;
    let pages = arrange_pages(&app).await;
    let report = tools.check(&app, &pages, false).await;

    assert_all_pages_shown(&report, &pages);
    let mut problems = Vec::new();
    let mut table = Vec::new();
    for result in &report.results {
        let foreign: Vec<&str> = result.requests.iter().map(|r| r.url.as_str()).filter(|url| !url.starts_with(&app.base)).collect();
        if !foreign.is_empty() {
            problems.push(format!("{}: requests to other servers: {foreign:?}", result.label()));
        }
        let uncompressed: Vec<&str> =
            result.requests.iter().filter(|r| r.encoding.is_none() && r.bytes > 1024).map(|r| r.url.as_str()).collect();
        if !uncompressed.is_empty() {
            problems.push(format!("{}: sent without compression: {uncompressed:?}", result.label()));
        }
        let total = result.transferred();
        if total > PAGE_BUDGET_BYTES {
            problems.push(format!(
                "{}: {total} bytes transferred, over the {PAGE_BUDGET_BYTES} budget: {:?}",
                result.label(),
                result.requests.iter().map(|r| (&r.url, r.bytes)).collect::<Vec<_>>()
            ));
        }
        table.push(format!("{:<16} {:<8} {:>6} bytes in {} requests", result.page, result.device, total, result.requests.len()));
    }
    eprintln!("transferred per page (HTML + CSS, compressed, headers included):\n  {}", table.join("\n  "));
    assert!(problems.is_empty(), "page weight and third parties:\n  {}", problems.join("\n  "));
}

/// With JavaScript switched off in Chromium a member still signs up, writes a case study through
/// the compose form, reads it section by section and replies (tests/a11y/nojs.mjs acts, this
/// test judges what the pages showed).
#[tokio::test]
async fn with_javascript_off_a_member_signs_up_writes_a_case_study_and_replies() {
    let Some(tools) = Tools::find() else { return };
    let app = TestApp::sqlite().await;
    let sections = [
        ("context", "Bối cảnh", "Khoa Nhi có 40 giường, nhiều trẻ dùng thuốc theo cân nặng."),
        ("problem", "Vấn đề", "Quý II có 3 lần tính nhầm liều paracetamol."),
        ("causes", "Phân tích nguyên nhân", "Bảng liều in từ năm 2015, chữ nhỏ."),
        ("intervention", "Giải pháp can thiệp / kế hoạch hành động", "Bảng liều mới theo cân nặng dán ở xe thuốc."),
        ("results", "Kết quả (chỉ số trước và sau)", "Không còn lần tính nhầm nào trong quý III."),
        ("lessons", "Bài học kinh nghiệm", "Công cụ đơn giản, đặt đúng chỗ, hiệu quả hơn nhắc nhở."),
    ];
    let title = "Bảng liều thuốc theo cân nặng ở khoa Nhi";
    let reply = "Không cần JavaScript, trả lời vẫn gửi được.";
    let config = json!({
        "member": {"name": "Phạm Thu Trang", "email": "trang@bvnhi.vn", "password": PASSWORD},
        "mailDir": app.data_dir().join("mail"),
        "topic": {"category": "medication-safety", "title": title, "tags": "liều thuốc, nhi khoa",
                  "sections": sections.iter().map(|(id, _, md)| json!([id, md])).collect::<Vec<_>>()},
        "reply": reply,
    });

    let seen = tools.run("nojs.mjs", &app, config).await;

    assert_eq!(seen["scriptTitle"], "off", "JavaScript was really off");
    assert!(seen["signupSent"].as_str().unwrap().contains("trang@bvnhi.vn"), "the form said where the link went: {}", seen["signupSent"]);
    assert_eq!(seen["viewer"], "Phạm Thu Trang", "signed up, activated with the mailed link and signed in");
    assert!(seen["topicPath"].as_str().unwrap().starts_with("/t/"), "the form led to the topic: {seen}");
    assert_eq!(seen["title"], title);
    let expected: Vec<Value> = sections.iter().map(|(_, heading, text)| json!([heading, text])).collect();
    assert_eq!(seen["sections"], json!(expected), "every section under its heading");
    assert_eq!(seen["replies"], json!([reply]));
}

/// Every page answered 200 where it was asked for (a signed-out redirect to /login would make the
/// check look at the wrong page).
fn assert_all_pages_shown(report: &Report, pages: &[PageSpec]) {
    assert!(!report.results.is_empty(), "the checker reported no page");
    for result in &report.results {
        assert_eq!(result.status, 200, "{} answered {}", result.label(), result.status);
        assert_eq!(result.final_path, result.path, "{} ended on another page", result.label());
    }
    for page in pages {
        assert!(report.results.iter().any(|r| r.page == page.name), "{} was not checked", page.name);
    }
}

// ---------------------------------------------------------------------------------------------
// The forum the pages show
// ---------------------------------------------------------------------------------------------

const CASE_STUDY_TITLE: &str = "Kiểm tra chéo thuốc nguy cơ cao tại khoa Hồi sức tích cực";

/// Demo content plus a case study with a before/after table and a reply, a flagged reply in the
/// queue and a moderator action in the audit log; a member and a moderator signed in.
async fn arrange_pages(app: &TestApp) -> Vec<PageSpec> {
    let author = app.token_for("minh@bvdk-hue.vn", "Trần Văn Minh", Role::Member).await;
    let moderator = app.token_for("hoa@so-y-te.vn", "Lê Thị Hoà", Role::Moderator).await;
    let reader = app.token_for("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let topic = app.api_topic(&author, case_study()).await;
    let reply = app
        .post_json(
            &format!("/api/v1/topics/{topic}/posts"),
            Some(&reader),
            &json!({"body": "Bổ sung: khoa Cấp cứu của chúng tôi cũng **dán nhãn đỏ** từ tháng 3."}),
        )
        .await;
    assert_eq!(reply.status(), 201);
    let reply_id = reply.json::<Value>().await.unwrap()["id"].as_i64().expect("reply id");
    let flag = app
        .post_json(
            &format!("/api/v1/posts/{reply_id}/flags"),
            Some(&author),
            &json!({"reason": "off_topic", "note": "Không liên quan đến khoa Hồi sức"}),
        )
        .await;
    assert_eq!(flag.status(), 201, "flag the reply: {}", flag.text().await.unwrap());
    let pin = app
        .post_json(&format!("/api/v1/moderation/topics/{topic}/pin"), Some(&moderator), &json!({"reason": "Bài mẫu về thuốc nguy cơ cao"}))
        .await;
    assert_eq!(pin.status(), 200, "pin the topic: {}", pin.text().await.unwrap());
    wait_for_search(app, "kiem tra cheo thuoc", CASE_STUDY_TITLE).await;

    // The author: Lan's reply left him an unread notification, so the header shows its count.
    let member = Some(sign_in(app, "minh@bvdk-hue.vn").await);
    let moderator = Some(sign_in(app, "hoa@so-y-te.vn").await);
    let page = |name, path: &str, session: &Option<String>| PageSpec { name, path: path.to_string(), session: session.clone() };
    vec![
        page("home", "/", &None),
        page("home-member", "/", &member),
        page("category", "/c/medication-safety", &None),
        page("topic", &format!("/t/{topic}"), &member),
        page("compose", "/new?kind=case_study", &member),
        page("search", "/search?q=kiem+tra+cheo+thuoc", &None),
        page("guidance", "/guidance", &None),
        page("guidance-doc", "/guidance/43-2018-TT-BYT", &None),
        page("notifications", "/notifications", &member),
        page("mod-queue", "/mod/queue", &moderator),
        page("mod-audit", "/mod/audit", &moderator),
        page("login", "/login", &None),
        page("signup", "/signup", &None),
    ]
}

fn case_study() -> Value {
    json!({
        "category": "medication-safety", "kind": "case_study", "title": CASE_STUDY_TITLE,
        "body": "Chia sẻ kinh nghiệm một năm triển khai tại khoa.",
        "tags": ["thuốc nguy cơ cao", "kiểm tra chéo"],
        "sections": {
            "context": "Khoa Hồi sức tích cực, 24 giường, trung bình 30 lượt dùng thuốc nguy cơ cao mỗi ngày.",
            "problem": "Trong quý I có 5 sự cố nhầm nồng độ kali clorid và insulin pha tiêm truyền.",
            "causes": "- Thuốc nguy cơ cao để chung với thuốc thường\n- Nhãn pha thuốc viết tay, khó đọc",
            "intervention": "1. Tủ riêng có **nhãn đỏ** cho thuốc nguy cơ cao\n2. Hai điều dưỡng kiểm tra chéo trước khi truyền",
            "results": "| Chỉ số | Trước | Sau |\n|---|---|---|\n| Sự cố nhầm thuốc nguy cơ cao | 5 | 0 |\n| Kiểm tra chéo được ghi vào hồ sơ | 12% | 91% |",
            "lessons": "Thay đổi nhỏ, rẻ và làm ngay được; theo Thông tư 43/2018/TT-BYT về sự cố y khoa."
        }
    })
}

/// The session cookie of `email` after signing in through the form.
async fn sign_in(app: &TestApp, email: &str) -> String {
    let (client, jar) = app.second_browser();
    client.get(app.url("/login")).send().await.expect("GET /login");
    let csrf = cookie_value(&jar, &app.base, "gp_csrf").expect("a CSRF cookie");
    let res = client
        .post(app.url("/login"))
        .form(&[("email", email), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .expect("POST /login");
    assert_eq!(res.status(), 303, "sign in as {email}");
    cookie_value(&jar, &app.base, "gp_session").expect("a session cookie")
}

/// The search index follows the database a moment later; wait until `query` finds `title`.
async fn wait_for_search(app: &TestApp, query: &str, title: &str) {
    for _ in 0..100 {
        let (status, html) = app.get_text(&format!("/search?q={}", query.replace(' ', "+"))).await;
        if status == 200 && html.contains(title) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("search for {query:?} never found {title:?}");
}

// ---------------------------------------------------------------------------------------------
// The node side
// ---------------------------------------------------------------------------------------------

struct Tools {
    node: PathBuf,
    chromium: PathBuf,
    dir: PathBuf,
}

impl Tools {
    /// Node, Chromium and the installed npm packages; `None` (skip) without them unless
    /// `GP_REQUIRE_BROWSER=1`.
    fn find() -> Option<Tools> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/a11y");
        let chromium = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| "/usr/bin/chromium".into());
        let node = which("node");
        let missing = if node.is_none() {
            Some("node is not on PATH".to_string())
        } else if !chromium.is_file() {
            Some(format!("{} not found (set CHROMIUM)", chromium.display()))
        } else if !dir.join("node_modules/axe-core").is_dir() || !dir.join("node_modules/playwright-core").is_dir() {
            Some("tests/a11y/node_modules is missing: run `npm ci --prefix tests/a11y`".to_string())
        } else {
            None
        };
        if let Some(missing) = missing {
            let required = std::env::var("GP_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"));
            assert!(!required, "GP_REQUIRE_BROWSER=1 but {missing}");
            eprintln!("skipping: {missing}");
            return None;
        }
        Some(Tools { node: node?, chromium, dir })
    }

    /// Runs check.mjs over `pages` (with axe or only the traffic) and reads its report.
    async fn check(&self, app: &TestApp, pages: &[PageSpec], axe: bool) -> Report {
        let pages: Vec<Value> = pages
            .iter()
            .map(|p| {
                let cookies: Vec<Value> = p.session.iter().map(|s| json!({"name": "gp_session", "value": s})).collect();
                json!({"name": p.name, "path": p.path, "cookies": cookies})
            })
            .collect();
        let report = self.run("check.mjs", app, json!({"axe": axe, "pages": pages})).await;
        serde_json::from_value(report).expect("check.mjs report in the expected shape")
    }

    /// Runs one of the scripts with `config` plus the server, browser and screenshot folder, and
    /// parses the JSON it prints.
    async fn run(&self, script: &str, app: &TestApp, mut config: Value) -> Value {
        let screenshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&screenshots).expect("create target/screenshots");
        config["base"] = json!(app.base);
        config["chromium"] = json!(self.chromium);
        config["screenshots"] = json!(screenshots);
        let mut command = Command::new(&self.node);
        command.arg(self.dir.join(script)).arg(config.to_string());
        // On a blocking thread: the app under test shares this test's runtime and must keep serving.
        let output = tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("the script's thread")
            .unwrap_or_else(|e| panic!("run node tests/a11y/{script}: {e}"));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{script} failed ({}):\n{stderr}", output.status);
        serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{script} printed no JSON ({e}):\n{}\n{stderr}", String::from_utf8_lossy(&output.stdout)))
    }
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|dir| dir.join(program)).find(|p| p.is_file())
}
