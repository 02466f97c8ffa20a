//! A real browser (headless Chromium through chromedriver) on the real app: the journey a nurse
//! makes on her phone, screenshots of the main pages at phone and desktop width, and no
//! horizontal scrolling on a phone.
//!
//! Needs chromedriver (env `CHROMEDRIVER`, default /usr/bin/chromedriver) and Chromium (env
//! `CHROMIUM`, default /usr/bin/chromium). Without them the tests are skipped, unless
//! `GP_REQUIRE_BROWSER=1`, which makes a missing browser a failure.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine as _;
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use goodpractice::accounts::Role;
use serde_json::{Value, json};

use crate::common::{PASSWORD, TestApp};

/// A screen to render on, emulated exactly: the phone is a 390×844 CSS-pixel viewport that honours
/// `<meta name="viewport">`, with touch; the desktop a 1280×900 viewport.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Device {
    name: &'static str,
    width: u32,
    height: u32,
    phone: bool,
}

pub(crate) const PHONE: Device = Device { name: "phone", width: 390, height: 844, phone: true };
pub(crate) const DESKTOP: Device = Device { name: "desktop", width: 1280, height: 900, phone: false };
const WAIT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------------------------

/// A headless Chromium session. Dropping it kills chromedriver and the Chromium it started (they
/// share a process group), so a failing test leaves no browser behind; a passing test calls
/// [`Browser::finish`] to end the session cleanly first.
pub(crate) struct Browser {
    client: Client,
    _driver: Driver,
    _profile: tempfile::TempDir,
}

/// The chromedriver process, leader of its own process group; Chromium and its helpers join it.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            // Not reaped yet, so the group id cannot have been reused.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", self.0.id())]).stderr(Stdio::null()).status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn require_browser() -> bool {
    std::env::var("GP_REQUIRE_BROWSER").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

fn executable(var: &str, default: &str) -> Result<PathBuf, String> {
    let path = std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(default));
    if path.is_file() { Ok(path) } else { Err(format!("{} not found (set {var})", path.display())) }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().unwrap().port()
}

impl Browser {
    /// A fresh headless Chromium showing pages as on `device`; `None` (test skipped) when
    /// chromedriver or Chromium is missing, unless `GP_REQUIRE_BROWSER=1`.
    pub(crate) async fn start(device: Device) -> Option<Browser> {
        let found = executable("CHROMEDRIVER", "/usr/bin/chromedriver")
            .and_then(|driver| executable("CHROMIUM", "/usr/bin/chromium").map(|chromium| (driver, chromium)));
        let (driver_path, chromium) = match found {
            Ok(found) => found,
            Err(missing) => {
                assert!(!require_browser(), "GP_REQUIRE_BROWSER=1 but {missing}");
                eprintln!("skipping: {missing}");
                return None;
            }
        };
        let _ = rustls::crypto::ring::default_provider().install_default();

        let profile = tempfile::tempdir().expect("temp dir for the browser profile");
        let log = profile.path().join("chromedriver.log");
        let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
        let port = free_port();
        let mut command = Command::new(&driver_path);
        command
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut driver = Driver(command.spawn().unwrap_or_else(|e| panic!("start {}: {e}", driver_path.display())));

        let http = reqwest::Client::new();
        let status = format!("http://127.0.0.1:{port}/status");
        let mut ready = false;
        for _ in 0..100 {
            if let Some(exit) = driver.0.try_wait().expect("poll chromedriver") {
                panic!("chromedriver exited early ({exit}):\n{}", read_log());
            }
            if http.get(&status).send().await.is_ok_and(|r| r.status().is_success()) {
                ready = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(ready, "chromedriver did not answer {status} within 10 s:\n{}", read_log());

        let args = vec![
            "--headless".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            format!("--user-data-dir={}", profile.path().join("chromium").display()),
            format!("--window-size={},{}", device.width, device.height),
        ];
        // The window is only a hint (headless Chromium keeps it at least 500 px wide and takes its
        // own toolbar off the height); the emulated screen gives the exact viewport.
        let metrics = json!({ "width": device.width, "height": device.height, "pixelRatio": 1.0,
                              "mobile": device.phone, "touch": device.phone });
        let options = json!({ "binary": chromium, "args": args, "mobileEmulation": { "deviceMetrics": metrics } });
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        let client = ClientBuilder::rustls()
            .expect("TLS setup for the WebDriver client")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("start a Chromium session: {e}\n{}", read_log()));
        let browser = Browser { client, _driver: driver, _profile: profile };
        // Pages (which all carry `<meta name="viewport" content="width=device-width">`) must
        // really be laid out at the device's width.
        browser.goto("data:text/html,<meta%20name=viewport%20content=width=device-width>").await;
        let viewport = browser.js("return [window.innerWidth, window.innerHeight];").await;
        assert_eq!(viewport, json!([device.width, device.height]), "{device:?}: the viewport is {viewport}");
        Some(browser)
    }

    /// Ends the WebDriver session (Chromium quits), then chromedriver is killed on drop.
    pub(crate) async fn finish(self) {
        self.client.clone().close().await.expect("close the browser session");
    }

    pub(crate) async fn goto(&self, url: &str) {
        self.client.goto(url).await.unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Waits (bounded) for an element to be on the page.
    pub(crate) async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {css:?} on {}: {e}", self.url().await),
        }
    }

    /// Waits for an element found by XPath (for "the link that says …").
    async fn find_xpath(&self, xpath: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::XPath(xpath)).await {
            Ok(element) => element,
            Err(e) => panic!("no element {xpath:?} on {}: {e}", self.url().await),
        }
    }

    async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.expect("find_all")
    }

    /// The visible text of the first element matching `css`, whitespace collapsed.
    pub(crate) async fn text(&self, css: &str) -> String {
        squash(&self.find(css).await.text().await.expect("element text"))
    }

    /// Clicks the link with exactly this text inside `within` (an XPath such as `//header`).
    pub(crate) async fn click_link(&self, within: &str, label: &str) {
        let link = self.find_xpath(&format!("{within}//a[normalize-space()='{label}']")).await;
        link.click().await.unwrap_or_else(|e| panic!("click {label:?}: {e}"));
    }

    pub(crate) async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
        let value = field.prop("value").await.expect("field value").unwrap_or_default();
        assert_eq!(value, text, "the browser did not type into {css} exactly what was sent");
    }

    pub(crate) async fn url(&self) -> String {
        self.client.current_url().await.map(|u| u.to_string()).unwrap_or_default()
    }

    pub(crate) async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap_or_else(|e| panic!("run {script:?}: {e}"))
    }

    /// A Chrome DevTools Protocol command, through chromedriver.
    async fn cdp(&self, cmd: &'static str, params: Value) -> Value {
        self.client.issue_cmd(Cdp { cmd, params }).await.unwrap_or_else(|e| panic!("CDP {cmd}: {e}"))
    }

    /// `(scrollWidth, innerWidth)` of the current page.
    async fn widths(&self) -> (i64, i64) {
        let v = self.js("return [document.documentElement.scrollWidth, window.innerWidth];").await;
        (v[0].as_i64().unwrap(), v[1].as_i64().unwrap())
    }

    pub(crate) async fn assert_no_horizontal_scroll(&self, what: &str) {
        let (scroll, inner) = self.widths().await;
        if scroll > inner {
            let culprits = self
                .js("const w = window.innerWidth; return Array.from(document.querySelectorAll('body *'))\
                     .filter(e => e.getBoundingClientRect().right > w + 0.5)\
                     .slice(0, 10).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));")
                .await;
            panic!("{what}: the page scrolls sideways on a phone (scrollWidth {scroll} > innerWidth {inner}); too wide: {culprits}");
        }
    }

    /// Saves a PNG of the viewport under `target/screenshots/` and checks it is a real image.
    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        save_png(name, &png)
    }

    /// The same, for the whole length of the page.
    async fn full_page_screenshot(&self, name: &str) -> PathBuf {
        let metrics = self.cdp("Page.getLayoutMetrics", json!({})).await;
        let size = &metrics["cssContentSize"];
        let (width, height) = (size["width"].as_f64().unwrap(), size["height"].as_f64().unwrap().min(10_000.0));
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true,
                "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 } }),
            )
            .await;
        let png =
            base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("screenshot data")).expect("base64 screenshot");
        save_png(name, &png)
    }
}

/// `POST /session/{id}/goog/cdp/execute`: chromedriver's door to the DevTools protocol.
#[derive(Debug)]
struct Cdp {
    cmd: &'static str,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (reqwest::Method, Option<String>) {
        (reqwest::Method::POST, Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()))
    }
}

fn save_png(name: &str, png: &[u8]) -> PathBuf {
    {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("screenshots");
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        let saved = std::fs::read(&path).expect("read screenshot back");
        assert!(saved.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is not a PNG", path.display());
        assert!(saved.len() > 5 * 1024, "{} is only {} bytes: a blank page?", path.display(), saved.len());
        path
    }
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// A case study, as a nurse would write it
// ---------------------------------------------------------------------------------------------

pub(crate) const TITLE: &str = "Giảm té ngã ở người bệnh cao tuổi tại khoa Nội tổng hợp";

/// (textarea id, heading on the topic page, Markdown typed, a phrase the page must then show)
const SECTIONS: [(&str, &str, &str, &str); 6] = [
    ("context", "Bối cảnh", "Khoa Nội tổng hợp có 60 giường, phần lớn người bệnh trên 70 tuổi.", "Khoa Nội tổng hợp có 60 giường"),
    ("problem", "Vấn đề", "Năm 2024 khoa ghi nhận 14 ca té ngã, trong đó 3 ca gãy cổ xương đùi.", "14 ca té ngã"),
    (
        "causes",
        "Phân tích nguyên nhân",
        "- Chưa đánh giá nguy cơ té ngã khi nhập viện\n- Sàn nhà vệ sinh trơn\n- Thiếu người nhà ban đêm",
        "Sàn nhà vệ sinh trơn",
    ),
    (
        "intervention",
        "Giải pháp can thiệp / kế hoạch hành động",
        "Đánh giá thang điểm **Morse** cho mọi người bệnh, gắn vòng tay vàng và lắp tay vịn.",
        "gắn vòng tay vàng",
    ),
    (
        "results",
        "Kết quả (chỉ số trước và sau)",
        "Sau 6 tháng:\n\n| Chỉ số | Trước | Sau |\n|---|---|---|\n| Té ngã / 1000 ngày nằm viện | 3,2 | 1,1 |\n| Đánh giá Morse khi nhập viện | 45% | 96% |",
        "Sau 6 tháng",
    ),
    ("lessons", "Bài học kinh nghiệm", "Cần sự tham gia của người nhà và đội vệ sinh, không chỉ điều dưỡng.", "sự tham gia của người nhà"),
];

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

/// Sign up, write a case study, reply to it and switch to English, all by clicking through the
/// pages at phone size, without JavaScript of the site's own.
#[tokio::test]
async fn a_nurse_signs_up_writes_a_case_study_and_replies_on_her_phone() {
    let app = TestApp::sqlite().await;
    let Some(b) = Browser::start(PHONE).await else { return };

    b.goto(&app.url("/")).await;
    assert_eq!(b.text("h1").await, "Bài mới nhất");
    assert_eq!(b.js("return document.scripts.length;").await, json!(0), "the forum needs no JavaScript");

    // Sign up from the header, then activate with the mailed link.
    sign_up(&b, &app, ("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan")).await;

    // Write a case study.
    b.click_link("//header", "Viết bài mới").await;
    b.click(".kinds button[value=case_study]").await;
    b.find("textarea#lessons").await;
    assert_eq!(b.text(".kinds button.current").await, "Nghiên cứu trường hợp");
    b.find("select#category").await.select_by_value("fall-prevention").await.expect("choose the category");
    b.type_into("#title", TITLE).await;
    for (id, _, markdown, _) in SECTIONS {
        b.type_into(&format!("textarea#{id}"), markdown).await;
    }
    b.type_into("#tags", "té ngã, điều dưỡng").await;
    b.click("form.compose button[type=submit]").await;

    // The topic page: title, the six sections in order with their text, the table as a table.
    assert_eq!(b.text("article.topic h1").await, TITLE, "on {}", b.url().await);
    assert!(b.url().await.contains("/t/"), "expected the topic page, got {}", b.url().await);
    assert_eq!(b.text("article.topic .meta .badge").await, "Nghiên cứu trường hợp");
    let mut headings = Vec::new();
    for h in b.all("article.topic .case-section h2").await {
        headings.push(squash(&h.text().await.unwrap()));
    }
    let expected: Vec<&str> = SECTIONS.iter().map(|s| s.1).collect();
    assert_eq!(headings, expected);
    for (id, heading, _, phrase) in SECTIONS {
        let body = b.text(&format!("article.topic .section-{id} .body")).await;
        assert!(body.contains(phrase), "section {heading:?} shows {body:?}, expected it to contain {phrase:?}");
    }
    assert!(b.text(".section-causes .body").await.contains("Thiếu người nhà ban đêm"));
    assert_eq!(b.all(".section-causes .body li").await.len(), 3, "the causes render as a list");
    assert_eq!(b.text(".section-intervention .body strong").await, "Morse");
    let mut header_cells = Vec::new();
    for th in b.all(".section-results .body table th").await {
        header_cells.push(squash(&th.text().await.unwrap()));
    }
    assert_eq!(header_cells, ["Chỉ số", "Trước", "Sau"], "the before/after table renders as a <table>");
    assert_eq!(b.all(".section-results .body table tbody tr").await.len(), 2);
    assert_eq!(b.text(".section-results table tbody tr:first-child td:last-child").await, "1,1");
    b.assert_no_horizontal_scroll("the case study").await;

    // Reply through the form at the bottom.
    let reply = "Cảm ơn chị Lan! Khoa em sẽ thử vòng tay vàng từ tháng sau.";
    b.type_into("#reply-body", reply).await;
    b.click("#reply form button[type=submit]").await;
    let answer = b.text("article.topic section.post:not(.opening) .body").await;
    assert_eq!(answer, reply);
    assert_eq!(b.text("article.topic section.post:not(.opening) .author").await, "Nguyễn Thị Lan");
    assert_eq!(b.all("article.topic section.post").await.len(), 2);
    b.assert_no_horizontal_scroll("the case study with a reply").await;

    // English, from the header: the same topic, English labels.
    b.click_link("//header", "English").await;
    b.find("html[lang=en]").await;
    assert_eq!(b.text("article.topic h1").await, TITLE, "switching language stays on the topic");
    assert_eq!(b.text("nav.crumbs a").await, "Latest topics");
    assert_eq!(b.text("article.topic .meta .badge").await, "Case study");
    assert_eq!(b.text(".section-context h2").await, "Context");
    b.click_link("//nav[contains(@class,'crumbs')]", "Latest topics").await;
    assert_eq!(b.text("main h1").await, "Latest topics");
    assert_eq!(b.text(".topics .topic-item .badge").await, "Case study");
    assert_eq!(b.text(".topics .topic-item .topic-title").await, TITLE);

    b.finish().await;
}

/// Screenshots of the main pages at phone and desktop width, for people to look at; each must be a
/// real PNG, and no page may scroll sideways on the phone.
#[tokio::test]
async fn screenshots_of_the_main_pages_at_phone_and_desktop_width() {
    let app = TestApp::sqlite_with(|c| c.demo = true).await;
    let Some(b) = Browser::start(PHONE).await else { return };

    // A case study with a wide before/after table and a reply, written by someone else.
    let token = app.token_for("minh@bvdk-hue.vn", "Trần Văn Minh", Role::Member).await;
    let sections = json!({
        "context": "Khoa Hồi sức tích cực, 24 giường, trung bình 30 lượt dùng thuốc nguy cơ cao mỗi ngày.",
        "problem": "Trong quý I có 5 sự cố nhầm nồng độ kali clorid và insulin pha tiêm truyền.",
        "causes": "- Thuốc nguy cơ cao để chung với thuốc thường\n- Nhãn pha thuốc viết tay, khó đọc\n- Không có bước kiểm tra độc lập thứ hai",
        "intervention": "1. Tủ riêng có **nhãn đỏ** cho thuốc nguy cơ cao\n2. Nhãn in sẵn cho bơm tiêm điện\n3. Hai điều dưỡng kiểm tra chéo trước khi truyền",
        "results": "| Chỉ số theo dõi hằng tháng | Trước can thiệp (quý I) | Sau can thiệp (quý III) | Mục tiêu của bệnh viện | Thay đổi |\n|---|---|---|---|---|\n| Sự cố nhầm thuốc nguy cơ cao | 5 | 0 | 0 | −100% |\n| Tỷ lệ bơm tiêm điện có nhãn in đúng chuẩn | 38% | 97% | ≥ 95% | +59 điểm |\n| Tỷ lệ kiểm tra chéo được ghi vào hồ sơ | 12% | 91% | ≥ 90% | +79 điểm |",
        "lessons": "Thay đổi nhỏ, rẻ và làm ngay được. Điều quan trọng là lãnh đạo khoa cùng kiểm tra mỗi tuần trong ba tháng đầu."
    });
    let topic = app
        .api_topic(
            &token,
            json!({"category": "medication-safety", "kind": "case_study",
                   "title": "Kiểm tra chéo thuốc nguy cơ cao tại khoa Hồi sức tích cực",
                   "body": "Chia sẻ kinh nghiệm một năm triển khai tại khoa.", "sections": sections,
                   "tags": ["thuốc nguy cơ cao", "kiểm tra chéo"]}),
        )
        .await;
    let res = app
        .post_json(
            &format!("/api/v1/topics/{topic}/posts"),
            Some(&token),
            &json!({"body": "Bổ sung: sau quý III chúng tôi mở rộng sang khoa Cấp cứu."}),
        )
        .await;
    assert_eq!(res.status(), 201);
    app.create_user("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;

    let mut saved = screenshots_on(b, &app, PHONE, topic).await;
    let Some(b) = Browser::start(DESKTOP).await else { return };
    saved.extend(screenshots_on(b, &app, DESKTOP, topic).await);
    assert_eq!(saved.len(), 2 * 4 + 4);
    eprintln!("screenshots:\n  {}", saved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("\n  "));
}

/// Login page (signed out), then home, compose (case study) and the topic page (signed in).
async fn screenshots_on(b: Browser, app: &TestApp, device: Device, topic: i64) -> Vec<PathBuf> {
    let mut saved = Vec::new();
    let pages = [
        ("login", "/login".to_string(), "main form input#email"),
        ("home", "/".to_string(), ".topics .topic-item"),
        ("compose-case-study", "/new?kind=case_study".to_string(), "textarea#lessons"),
        ("topic", format!("/t/{topic}"), ".section-results table"),
    ];
    for (name, path, marker) in &pages {
        if *name == "home" {
            // Sign in through the form still on screen.
            b.type_into("#email", "lan@bv-ninhbinh.vn").await;
            b.type_into("#password", PASSWORD).await;
            b.click("main form button[type=submit]").await;
            assert_eq!(b.text("header.site a.viewer").await, "Nguyễn Thị Lan");
        }
        b.goto(&app.url(path)).await;
        b.find(marker).await;
        // At most the site's own progressive-enhancement script (draft autosave, copy link): no
        // inline or third-party script; the pages work without it (tests/integration/pages.rs).
        let scripts = b.js("return Array.from(document.scripts).map(s => s.getAttribute('src'));").await;
        let own = json!(["/static/engagement.js"]);
        assert!(scripts == json!([]) || scripts == own, "{name}: unexpected scripts {scripts}");
        saved.push(b.screenshot(&format!("{name}-{}", device.name)).await);
        if device.phone {
            b.assert_no_horizontal_scroll(name).await;
            saved.push(b.full_page_screenshot(&format!("{name}-{}-full", device.name)).await);
        }
    }
    b.finish().await;
    saved
}

// ---------------------------------------------------------------------------------------------
// Drafts save themselves (engagement)
// ---------------------------------------------------------------------------------------------

/// With the site's own script allowed by the CSP, a reply being typed is saved as a draft on the
/// server (CSRF-protected fetch) and comes back after the page is reloaded; the share box's copy
/// button appears only with JavaScript; the live preview above the reply box follows the typing
/// with the server's sanitized rendering.
#[tokio::test]
async fn a_reply_being_typed_is_saved_as_a_draft() {
    let app = TestApp::sqlite().await;
    let token = app.token_for("an@bv.vn", "Bác sĩ An", Role::Member).await;
    let topic = app
        .api_topic(&token, json!({"category": "fall-prevention", "kind": "discussion", "title": "Vòng tay vàng cho người bệnh nguy cơ ngã", "body": "Khoa tôi gắn vòng tay vàng."}))
        .await;
    let lan = app.create_user("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let Some(b) = Browser::start(PHONE).await else { return };

    b.goto(&app.url("/login")).await;
    b.type_into("#email", "lan@bv-ninhbinh.vn").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.text("header.site a.viewer").await, "Nguyễn Thị Lan");

    b.goto(&app.url(&format!("/t/{topic}"))).await;
    assert_eq!(b.js("return document.querySelector('.share button').hidden;").await, json!(false), "the copy button shows with JavaScript");
    let typed = "Khoa em đang thử vòng tay vàng, người bệnh và người nhà đều hiểu ý nghĩa.";
    b.type_into("#reply-body", typed).await;
    let status = b.find_xpath("//*[@data-draft-status][starts-with(normalize-space(), 'Đã lưu nháp lúc')]").await;
    assert!(status.text().await.unwrap().starts_with("Đã lưu nháp lúc"));
    let scope = format!("reply:{topic}");
    let saved = app.store.draft_for(lan, &scope).await.unwrap().expect("the draft is on the server");
    assert!(saved.fields.contains("vòng tay vàng, người bệnh và người nhà"), "{}", saved.fields);

    b.goto(&app.url(&format!("/t/{topic}"))).await;
    let value = b.find("#reply-body").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(value, typed, "the reply box holds the draft after a reload");

    b.type_into("#reply-body", "Khoa em dùng **vòng tay vàng** <img src=x onerror=alert(1)>").await;
    let bold = b.find_xpath("//*[@id='reply-preview']//strong[normalize-space()='vòng tay vàng']").await;
    assert_eq!(bold.text().await.unwrap(), "vòng tay vàng", "the live preview renders the Markdown");
    let shown = b.js("return document.getElementById('reply-preview').innerHTML;").await;
    assert!(!shown.as_str().unwrap().contains("onerror"), "the preview is the sanitizer's output: {shown}");
    b.finish().await;
}

/// The live preview warns of patient data as it is typed (issue #14): the words are marked with
/// the reason, and "replace all" puts placeholders in the reply box itself, after which the
/// warning is gone and the draft saved holds no identifier.
#[tokio::test]
async fn the_live_preview_warns_of_patient_data_and_replaces_it() {
    let app = TestApp::sqlite().await;
    let token = app.token_for("an@bv.vn", "Bác sĩ An", Role::Member).await;
    let topic = app
        .api_topic(&token, json!({"category": "medication-safety", "kind": "discussion", "title": "Kiểm tra chéo thuốc nguy cơ cao", "body": "Khoa tôi kiểm tra chéo."}))
        .await;
    let lan = app.create_user("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan", Role::Member).await;
    let Some(b) = Browser::start(PHONE).await else { return };
    b.goto(&app.url("/login")).await;
    b.type_into("#email", "lan@bv-ninhbinh.vn").await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    // Signed in (the form's redirect has landed) before going on, or the redirect may win.
    assert_eq!(b.text("header.site a.viewer").await, "Nguyễn Thị Lan");

    b.goto(&app.url(&format!("/t/{topic}"))).await;
    b.type_into("#reply-body", "Bệnh nhân Trần Văn Hùng, SĐT 0912 345 678, nằm giường 12 bị nhầm thuốc.").await;
    let warning = b.find("#reply-preview .patient-data-warning").await;
    let text = warning.text().await.unwrap();
    assert!(text.contains("Bài viết có thể chứa thông tin nhận dạng người bệnh") && text.contains("Có thể là số điện thoại"), "{text}");
    let marked: Vec<String> = b
        .js("return Array.from(document.querySelectorAll('#reply-preview .findings mark')).map(m => m.textContent);")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(marked, ["Trần Văn Hùng", "0912 345 678", "giường 12"]);

    b.click("#reply-preview button.replace-all").await;
    let value = b.find("#reply-body").await.prop("value").await.unwrap().unwrap_or_default();
    assert_eq!(
        value, "Bệnh nhân [tên người bệnh], SĐT [số điện thoại], nằm giường 12 bị nhầm thuốc.",
        "the bed number is a hint and stays"
    );
    b.find_xpath("//*[@id='reply-preview']//*[contains(@class,'hints-only')]").await;
    // The autosave follows the replaced text (1.5 s after the change).
    let mut saved = String::new();
    for _ in 0..60 {
        saved = app.store.draft_for(lan, &format!("reply:{topic}")).await.unwrap().map(|d| d.fields).unwrap_or_default();
        if saved.contains("[số điện thoại]") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(!saved.contains("0912") && saved.contains("[số điện thoại]"), "{saved}");
    b.finish().await;
}

// ---------------------------------------------------------------------------------------------
// The whole journey: write, find, flag, moderate, be told
// ---------------------------------------------------------------------------------------------

/// (email, display name) of the people in the journey.
pub(crate) type Person = (&'static str, &'static str);
pub(crate) const AUTHOR: Person = ("lan@bv-ninhbinh.vn", "Nguyễn Thị Lan");
const COLLEAGUE: Person = ("minh@bvdk-hue.vn", "Trần Văn Minh");
const MODERATOR: Person = ("hoa@so-y-te.vn", "Lê Thị Hoà");

/// One story across three people, all on their phones and all through the pages: a nurse signs up
/// and posts a case study with a photo; a colleague finds it by typing without diacritics and flags it; a
/// moderator works the flag from the queue and keeps the post with a reason; the nurse reads that
/// decision in her notifications and answers; the colleague, who watches the topic, is told of the
/// answer. The case study carries a photo from the phone. Each step is a function.
#[tokio::test]
async fn journey_sign_up_post_search_flag_moderate_and_be_told() {
    let app = TestApp::sqlite_with(|c| c.demo = true).await;
    app.create_user(COLLEAGUE.0, COLLEAGUE.1, Role::Member).await;
    app.create_user(MODERATOR.0, MODERATOR.1, Role::Moderator).await;
    let Some(b) = Browser::start(PHONE).await else { return };

    sign_up(&b, &app, AUTHOR).await;
    fill_case_study(&b).await;
    let (_photo_dir, photo) = ward_photo();
    attach_photo(&b, &photo).await;
    let topic_url = publish(&b).await;
    see_photo(&b, "tay-vin-nha-ve-sinh.png").await;
    b.screenshot("journey-1-case-study-phone").await;

    switch_to(&b, &app, COLLEAGUE).await;
    find_by_searching(&b, "giam te nga nguoi benh cao tuoi", TITLE).await;
    assert_eq!(b.url().await, topic_url, "the search result leads to the case study");
    watch_topic(&b).await;
    let note = "Bảng kết quả có thể nhận ra người bệnh, nhờ điều phối viên xem.";
    flag_opening_post(&b, "patient_privacy", note).await;
    b.screenshot("journey-2-flagged-phone").await;

    switch_to(&b, &app, MODERATOR).await;
    let reason = "Đã kiểm tra: không có thông tin nhận dạng người bệnh.";
    keep_flagged_post(&b, TITLE, note, reason).await;
    b.screenshot("journey-3-queue-handled-phone").await;

    switch_to(&b, &app, AUTHOR).await;
    see_decision(&b, "Bài viết của bạn đã được duyệt.", reason, &topic_url).await;
    let thanks = "Cảm ơn anh Minh đã báo, em đã kiểm tra lại bảng kết quả.";
    reply_to_topic(&b, thanks).await;

    switch_to(&b, &app, COLLEAGUE).await;
    see_watched_reply(&b, TITLE, AUTHOR.1, &topic_url).await;
    b.screenshot("journey-5-watcher-notified-phone").await;
    b.finish().await;
}

/// Signs up from the header link, then opens the mailed link and activates the account; the
/// new member is then signed in.
pub(crate) async fn sign_up(b: &Browser, app: &TestApp, (email, name): Person) {
    b.goto(&app.url("/")).await;
    b.click_link("//header", "Đăng ký").await;
    b.type_into("#name", name).await;
    b.type_into("#email", email).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert!(b.text("#signup-sent").await.contains(email), "the page says where the link was mailed");
    b.goto(&app.mailed_link(email, "/signup/confirm/").await).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.text("header.site a.viewer").await, name);
}

/// Fills in the case study of [`SECTIONS`] from the header's "new topic" link.
pub(crate) async fn fill_case_study(b: &Browser) {
    b.click_link("//header", "Viết bài mới").await;
    b.click(".kinds button[value=case_study]").await;
    b.find("textarea#lessons").await;
    b.find("select#category").await.select_by_value("fall-prevention").await.expect("choose the category");
    b.type_into("#title", TITLE).await;
    for (id, _, markdown, _) in SECTIONS {
        b.type_into(&format!("textarea#{id}"), markdown).await;
    }
    b.type_into("#tags", "té ngã, điều dưỡng").await;
}

/// Sends the compose form; returns the new topic's URL.
pub(crate) async fn publish(b: &Browser) -> String {
    b.click("form.compose button[type=submit]").await;
    assert_eq!(b.text("article.topic h1").await, TITLE, "on {}", b.url().await);
    assert_eq!(b.text("article.topic .meta .badge").await, "Nghiên cứu trường hợp");
    b.url().await
}

/// A photo of the new grab rails, as a PNG file on disk named as the phone would name it.
/// (The folder is removed when the returned `TempDir` is dropped.)
pub(crate) fn ward_photo() -> (tempfile::TempDir, PathBuf) {
    let picture = image::RgbImage::from_fn(640, 480, |x, y| image::Rgb([(x / 3) as u8, (y / 2) as u8, 120]));
    let dir = tempfile::tempdir().expect("temp dir for the photo");
    let path = dir.path().join("tay-vin-nha-ve-sinh.png");
    picture.save(&path).expect("write the photo");
    (dir, path)
}

/// Chooses a file in the compose form's file field (the browser reads it from disk).
pub(crate) async fn attach_photo(b: &Browser, path: &std::path::Path) {
    let field = b.find("form.compose input[type=file][name=file]").await;
    field.send_keys(&path.display().to_string()).await.expect("choose the photo");
}

/// The opening post shows the photo: a thumbnail the browser really loaded, named by its alt
/// text, linking to the full image.
pub(crate) async fn see_photo(b: &Browser, name: &str) {
    let img = "article.topic section.post.opening a[href^='/attachments/'] img";
    let thumb = b.find(img).await;
    assert_eq!(thumb.attr("alt").await.expect("alt").as_deref(), Some(name));
    let loaded = b.js(&format!("const i = document.querySelector(\"{img}\"); return i.complete && i.naturalWidth;")).await;
    assert!(loaded.as_i64().is_some_and(|w| w > 0), "the thumbnail did not load: {loaded}");
}

/// Signs out (a fresh set of cookies) and signs in as `person` through the form.
async fn switch_to(b: &Browser, app: &TestApp, (email, name): Person) {
    b.client.delete_all_cookies().await.expect("sign out by dropping the cookies");
    b.goto(&app.url("/login")).await;
    b.type_into("#email", email).await;
    b.type_into("#password", PASSWORD).await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.text("header.site a.viewer").await, name);
}

/// Types `query` into the header's search box and opens the result titled `title`. The index
/// follows new posts within a moment, so the search is repeated (bounded) until it shows.
async fn find_by_searching(b: &Browser, query: &str, title: &str) {
    for _ in 0..50 {
        b.type_into("#site-search-q", query).await;
        b.click("form.site-search button[type=submit]").await;
        b.find("main h1").await;
        for hit in b.all(".search-results .topic-title").await {
            if squash(&hit.text().await.unwrap_or_default()) == title {
                hit.click().await.expect("open the search result");
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("searching {query:?} never listed {title:?}; the page shows: {}", b.text("main").await);
}

/// Opens the flag form under the topic's first post (a `<details>`, no script) and sends it.
async fn flag_opening_post(b: &Browser, reason: &str, note: &str) {
    b.click("section.post.opening details.flag summary").await;
    b.click(&format!("section.post.opening details.flag input[name=reason][value={reason}]")).await;
    b.type_into("section.post.opening details.flag textarea[name=note]", note).await;
    b.click("section.post.opening details.flag button[type=submit]").await;
    assert_eq!(b.text(".flag-sent").await, "Cảm ơn bạn, điều hành viên sẽ xem xét báo cáo.");
}

/// From the header's queue link: the flagged post is there with the flag's note; the moderator
/// approves it (keeps it published) with a reason, and the queue then has nothing open.
async fn keep_flagged_post(b: &Browser, title: &str, note: &str, reason: &str) {
    b.click_link("//header", "Duyệt bài").await;
    let item = b.find("article.queue-item.kind-flagged_post").await;
    let text = squash(&item.text().await.expect("queue item text"));
    assert!(text.contains(title) && text.contains(note), "the queue item shows {text:?}");
    let id = item.attr("id").await.expect("item id").expect("queue items have an id");
    let number = id.trim_start_matches("item-");
    b.type_into(&format!("#approve-{number}"), reason).await;
    b.click(&format!("form[action='/mod/queue/{number}/approve'] button[type=submit]")).await;
    assert_eq!(b.text("main .empty").await, "Không có mục nào cần xử lý.");
}

/// From the header's notifications link: the decision and its reason, with a link to the topic.
async fn see_decision(b: &Browser, message: &str, reason: &str, topic_url: &str) {
    b.click("header a.notifications-link").await;
    let first = b.text(".notifications .notification").await;
    assert!(first.contains(message), "the newest notification reads {first:?}");
    assert_eq!(b.text(".notifications .notification .decision-reason").await, format!("Lý do: {reason}"));
    b.screenshot("journey-4-notification-phone").await;
    b.click_link("//li[contains(@class,'notification')]", "xem chủ đề").await;
    assert_eq!(b.url().await, topic_url);
    assert_eq!(b.text("article.topic h1").await, TITLE);
}

/// Starts watching the topic on screen with its "watch" button.
async fn watch_topic(b: &Browser) {
    b.click("form.watch-form button[name=action][value=watch]").await;
    assert_eq!(b.text("form.watch-form button.watching").await, "Bỏ theo dõi");
}

async fn reply_to_topic(b: &Browser, text: &str) {
    b.type_into("#reply-body", text).await;
    b.click("#reply form button[type=submit]").await;
    // Wait for the topic page that follows the post (the old page had no reply on it).
    b.find("article.topic section.post:not(.opening) .body").await;
    let mut replies = Vec::new();
    for body in b.all("article.topic section.post:not(.opening) .body").await {
        replies.push(squash(&body.text().await.unwrap_or_default()));
    }
    assert_eq!(replies.last().map(String::as_str), Some(text), "the reply is the topic's last post");
}

/// The watcher's notifications name the new reply in the watched topic and lead to it.
async fn see_watched_reply(b: &Browser, title: &str, replier: &str, topic_url: &str) {
    b.click("header a.notifications-link").await;
    let item = b.find(".notifications .notification.kind-watched_reply").await;
    let text = squash(&item.text().await.expect("notification text"));
    assert!(
        text.contains("Có trả lời mới trong chủ đề bạn theo dõi") && text.contains(title) && text.contains(replier),
        "the watcher's notification reads {text:?}"
    );
    b.click_link("//li[contains(@class,'watched_reply')]", "xem bài viết").await;
    assert!(b.url().await.starts_with(topic_url), "the notification leads to the topic, not {}", b.url().await);
    assert_eq!(b.text("article.topic h1").await, title);
}
