//! An XSS corpus goes in through the API (titles, bodies, summaries, case-study sections, replies,
//! an author's name) and must come out of the rendered topic page inert: no element that runs or
//! loads anything, no event handler or inline style, no script URL, titles shown as text.

use goodpractice::accounts::Role;
use reqwest::header::CONTENT_SECURITY_POLICY;
use scraper::{ElementRef, Html, Selector};
use serde_json::{Value, json};

use crate::common::{TestApp, attr_of, count, text_of};
use crate::on_both_databases;

const CATEGORY: &str = "medication-safety";

/// Markup and URLs that try to run script, in Markdown and raw HTML.
const CORPUS: &[&str] = &[
    "<script>alert('xss')</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)><circle r=\"10\"/></svg>",
    "<svg><script>alert(1)</script></svg>",
    "[Bấm vào đây](javascript:alert(1))",
    "[Bấm vào đây](JaVaScRiPt:alert(document.cookie))",
    "[Thực thể mã hoá](javascript&#58;alert(1))",
    "<a href=\"javascript&#58;alert(1)\">liên kết mã hoá</a>",
    "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">thực thể thập phân</a>",
    "<a href=\"  javascript:alert(1)\">khoảng trắng đầu</a>",
    "<a href=\"jav\tascript:alert(1)\">tab ở giữa</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">dữ liệu</a>",
    "[Dữ liệu](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<a href=\"vbscript:msgbox(1)\">vbscript</a>",
    "<javascript:alert(1)>",
    "![ảnh minh hoạ](javascript:alert(1))",
    "![ảnh svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
    "<object data=\"https://evil.example/x.swf\"></object><embed src=\"https://evil.example/x.swf\">",
    "<form action=\"javascript:alert(1)\"><input name=q><button formaction=\"javascript:alert(2)\">Gửi</button></form>",
    "<style>body { display: none }</style>Nội dung sau thẻ style",
    "<p style=\"background:url(javascript:alert(1))\">kiểu nội tuyến</p>",
    "<div onclick=\"alert(1)\" onmouseover=alert(2)>nhấp vào đây</div>",
    "<details open ontoggle=alert(1)><summary>mở</summary></details>",
    "<img src=\"x\" onerror=\"alert(1)\"",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!-- --!><script>alert(1)</script> -->",
    "</div></section></article></main><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<base href=\"javascript:alert(1)//\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<a href=\"https://moh.gov.vn\" onclick=\"alert(1)\">Bộ Y tế</a>",
    "`<script>` trong mã là chữ, còn <script>alert(1)</script> thì không",
];

/// Elements a forum page never carries (its own head has a stylesheet, an icon and two metas only).
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script", "iframe", "object", "embed", "form", "style", "base", "frame", "frameset", "applet", "svg", "math", "input", "button",
    "textarea", "template",
];
const URL_ATTRIBUTES: &[&str] = &["href", "src", "action", "formaction", "xlink:href", "data", "poster", "background", "cite", "srcset"];
const BAD_SCHEMES: &[&str] = &["javascript:", "data:", "vbscript:"];

// ---------------------------------------------------------------------------------------------
// Helpers

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A title that carries the payload, within the 200-character limit.
fn title_for(n: usize, payload: &str) -> String {
    format!("Mẫu thử {n}: {payload}").chars().take(190).collect()
}

/// As a browser reads a URL: case-insensitive, ASCII white space and controls ignored.
fn normalized_url(value: &str) -> String {
    value.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect::<String>().to_lowercase()
}

fn problems_of(el: ElementRef) -> Vec<String> {
    let name = el.value().name();
    let mut found = Vec::new();
    if FORBIDDEN_ELEMENTS.contains(&name) {
        found.push(format!("<{name}> element"));
    }
    for (attr, value) in el.value().attrs() {
        let attr = attr.to_ascii_lowercase();
        if attr.starts_with("on") || attr == "style" || attr == "srcdoc" {
            found.push(format!("<{name} {attr}=\"{value}\">"));
        }
        let url = normalized_url(value);
        if URL_ATTRIBUTES.contains(&attr.as_str()) && BAD_SCHEMES.iter().any(|s| url.starts_with(s)) {
            found.push(format!("<{name} {attr}=\"{value}\">"));
        }
    }
    found
}

/// Asserts that the page holds nothing that could run: checked on every element of the document
/// (the page itself uses none of it but the header's search box, the share box and its own
/// script, found by their places, which no payload can take), and that no payload swallowed or
/// broke out of the layout.
fn assert_inert(html: &str, what: &str) {
    let doc = Html::parse_document(html);
    // The page's own controls, found by their place outside the article no payload can reach:
    // the header's search box, the share box (link field, copy button) and our own script.
    let own_places = "body > header.site > form.site-search[action=\"/search\"], body > header.site > form.site-search *, \
        main > section.share input#share-url[readonly], main > section.share button[data-copy-target], \
        main > script[src=\"/static/engagement.js\"]";
    let own: Vec<_> = doc.select(&Selector::parse(own_places).unwrap()).map(|el| el.id()).collect();
    assert_eq!(count(html, "form.site-search"), 1, "{what}: one search box, in the header");
    assert_eq!((count(html, "section.share"), count(html, "script")), (1, 1), "{what}: one share box and one script, our own");
    let problems: Vec<String> =
        doc.root_element().descendants().filter_map(ElementRef::wrap).filter(|el| !own.contains(&el.id())).flat_map(problems_of).collect();
    assert!(problems.is_empty(), "{what}: {problems:?}");
    assert_eq!(count(html, "body meta, body link"), 0, "{what}: metadata elements in the body");
    assert_eq!(count(html, "main > article.topic"), 1, "{what}: the article lost its place");
    assert_eq!((count(html, "main > section#reply"), count(html, "body > footer.site")), (1, 1), "{what}: the page was cut short");
}

/// The site's policy: nothing inline, and nothing (images included) from another host.
const STRICT_CSP: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; \
    object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// A topic page as an anonymous reader gets it; it must carry the strict CSP.
async fn topic_page(app: &TestApp, id: i64) -> String {
    let res = app.get(&format!("/t/{id}")).await;
    assert_eq!(res.status(), 200);
    let csp = res.headers().get(CONTENT_SECURITY_POLICY).expect("a Content-Security-Policy").to_str().unwrap();
    assert_eq!(csp, STRICT_CSP);
    res.text().await.unwrap()
}

async fn api_reply(app: &TestApp, token: &str, topic: i64, body: &str) {
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(token), &json!({"body": body})).await;
    assert_eq!(res.status(), 201, "reply {body:?}");
}

async fn writer(app: &TestApp, name: &str) -> String {
    app.token_for("thu.nghiem@bvbachmai.vn", name, Role::Member).await
}

// ---------------------------------------------------------------------------------------------
// Tests

async fn payloads_in_titles_bodies_and_replies_render_inert(app: TestApp) {
    let name = "<b onmouseover=alert(1)>Người Thử</b>";
    let token = writer(&app, name).await;
    for (n, payload) in CORPUS.iter().enumerate() {
        let title = title_for(n, payload);
        let id = app.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": title, "body": payload})).await;
        api_reply(&app, &token, id, payload).await;

        let html = topic_page(&app, id).await;

        assert_inert(&html, payload);
        assert_eq!(count(&html, "section.post"), 2, "{payload}");
        assert_eq!(text_of(&html, "article.topic h1"), Some(collapse(&title)), "{payload}");
        assert_eq!(count(&html, "article.topic h1 *"), 0, "{payload}");
        assert_eq!(text_of(&html, ".post .author").as_deref(), Some(name));
    }
}

async fn payloads_in_good_practice_summaries_render_inert(app: TestApp) {
    let token = writer(&app, "Nguyễn Thử Nghiệm").await;
    for (n, payload) in CORPUS.iter().enumerate() {
        let summary = format!("Tóm tắt {n}: {payload}");
        let id = app
            .api_topic(
                &token,
                json!({"category": CATEGORY, "kind": "good_practice", "title": title_for(n, payload),
                "summary": summary, "body": payload}),
            )
            .await;

        let html = topic_page(&app, id).await;

        assert_inert(&html, payload);
        assert_eq!(text_of(&html, "article.topic p.summary"), Some(format!("Tóm tắt: {}", collapse(&summary))), "{payload}");
        assert_eq!(count(&html, "article.topic p.summary *"), 1, "only the label is an element: {payload}");
    }
}

async fn payloads_in_case_study_sections_render_inert(app: TestApp) {
    let token = writer(&app, "Nguyễn Thử Nghiệm").await;
    for (n, payload) in CORPUS.iter().enumerate() {
        let sections = json!({"context": payload, "problem": payload, "causes": payload,
            "intervention": payload, "results": payload, "lessons": payload});
        let id = app
            .api_topic(
                &token,
                json!({"category": CATEGORY, "kind": "case_study", "title": title_for(n, payload),
                "body": payload, "sections": sections}),
            )
            .await;

        let html = topic_page(&app, id).await;

        assert_inert(&html, payload);
        assert_eq!(count(&html, "section.case-section"), 6, "{payload}");
    }
}

async fn a_title_with_a_script_tag_shows_as_text(app: TestApp) {
    let token = writer(&app, "Nguyễn Thử Nghiệm").await;
    let title = "<script>alert(\"Tiêu đề\")</script> Nhận diện người bệnh & </title><img src=x onerror=alert(1)>";
    let id = app.api_topic(&token, json!({"category": CATEGORY, "kind": "question", "title": title, "body": "Câu hỏi thật."})).await;

    let html = topic_page(&app, id).await;
    let latest = app.get_text("/").await.1;

    assert_inert(&html, title);
    assert_eq!(text_of(&html, "article.topic h1").as_deref(), Some(title));
    assert_eq!(count(&html, "h1 *"), 0);
    // The one script element is the page's own (share box, draft autosave); the title made none.
    assert_eq!(html.matches("<script").count(), 1, "the title is escaped in the markup");
    assert!(
        html.contains("<script src=\"/static/engagement.js\" defer></script>") && !html.contains("<img src=x"),
        "the title is escaped in the markup"
    );
    assert!(text_of(&html, "head > title").unwrap().starts_with(title));
    assert_eq!(text_of(&latest, "li.topic-item a.topic-title").as_deref(), Some(title));
    assert_eq!(count(&latest, "li.topic-item script, li.topic-item img"), 0);
    let stored: Value = app.get(&format!("/api/v1/topics/{id}")).await.json().await.unwrap();
    assert_eq!(stored["title"], title, "stored as typed, escaped only when shown");
}

/// The checks above are not vacuous: ordinary Markdown, links and images still render.
async fn ordinary_markdown_survives_sanitizing(app: TestApp) {
    let token = writer(&app, "Nguyễn Thử Nghiệm").await;
    let body = "**Vệ sinh tay** theo [hướng dẫn của Bộ Y tế](https://moh.gov.vn/huong-dan).\n\n\
                ![Áp phích](https://moh.gov.vn/poster.png)\n\n| Trước | Sau |\n|---|---|\n| 62% | 88% |";
    let id =
        app.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": "Vệ sinh tay năm bước", "body": body})).await;

    let html = topic_page(&app, id).await;

    assert_inert(&html, body);
    let link = "a[href=\"https://moh.gov.vn/huong-dan\"][rel=\"nofollow ugc noopener\"]";
    assert_eq!(text_of(&html, &format!(".post .body {link}")).as_deref(), Some("hướng dẫn của Bộ Y tế"));
    // Images are shown only from the forum's own attachments (an outside image tells another
    // site who reads the post): one from elsewhere is a link to it, its alt text the words.
    assert_eq!(count(&html, ".post .body img"), 0);
    assert_eq!(text_of(&html, ".post .body a[href=\"https://moh.gov.vn/poster.png\"]").as_deref(), Some("Áp phích"));
    assert_eq!(text_of(&html, ".post .body strong").as_deref(), Some("Vệ sinh tay"));
    assert_eq!(count(&html, ".post .body table td"), 2);
}

/// No image in a post makes a reader's browser contact another host: not Markdown, not raw
/// HTML, not inside a link; the page's icon is our own too.
async fn images_from_other_hosts_are_never_loaded(app: TestApp) {
    let token = writer(&app, "Tran Thi Thu Nghiem").await;
    let body = "Sơ đồ: ![x](https://evil.example/a.png)\n\n[![logo bệnh viện](https://evil.example/logo.png)](https://bv.vn)\n\n\
                <img src=\"https://evil.example/b.png\" alt=\"ảnh\"> ![sơ đồ](//evil.example/c.png)";
    let id = app.api_topic(&token, json!({"category": CATEGORY, "kind": "discussion", "title": "Anh tu trang khac", "body": body})).await;

    let html = topic_page(&app, id).await;

    assert_eq!(count(&html, "img[src*=\"evil.example\"]"), 0, "{html}");
    assert_eq!(text_of(&html, ".post .body a[href=\"https://evil.example/a.png\"]").as_deref(), Some("x"));
    assert_eq!(text_of(&html, ".post .body a[href=\"https://bv.vn\"]").as_deref(), Some("logo bệnh viện"));
    let icon = attr_of(&html, "head > link[rel=\"icon\"]", "href").unwrap();
    let res = app.get(&icon).await;
    assert_eq!((res.status().as_u16(), res.headers()["content-type"].to_str().unwrap()), (200, "image/svg+xml"));
    assert_eq!(app.get("/favicon.ico").await.status(), 204);
}

on_both_databases!(
    images_from_other_hosts_are_never_loaded,
    payloads_in_titles_bodies_and_replies_render_inert,
    payloads_in_good_practice_summaries_render_inert,
    payloads_in_case_study_sections_render_inert,
    a_title_with_a_script_tag_shows_as_text,
    ordinary_markdown_survives_sanitizing,
);
