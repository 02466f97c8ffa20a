//! Markdown → HTML through an allow-list sanitizer, for every feature that shows what members
//! wrote (the posting pipeline, previews, revisions, guidance links, moderation). It lives in the
//! shell because it is the one gate HTML passes to reach a page. Only the output of [`render`] is ever marked
//! safe in templates; everything else is auto-escaped.

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

use crate::error::{AppError, Msg};

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("nofollow ugc noopener"))
            .set_tag_attribute_value("img", "loading", "lazy")
            .attribute_filter(only_our_images);
        b
    })
}

/// Images are shown only from our own attachment URLs: an image from elsewhere would tell another
/// site who reads the post (and could change after moderation). Other images keep their alt text.
fn only_our_images<'u>(element: &str, attribute: &str, value: &'u str) -> Option<std::borrow::Cow<'u, str>> {
    let refused = element == "img" && attribute == "src" && crate::domain::attachment::attachment_id(value).is_none();
    (!refused).then_some(value.into())
}

/// Renders Markdown (with tables and strikethrough) to sanitized HTML.
pub fn render(markdown: &str) -> String {
    render_linking(markdown, &|_| Vec::new())
}

/// Byte ranges of a piece of plain text to turn into links, with their (site-relative) targets.
pub type LinkFinder<'a> = &'a dyn Fn(&str) -> Vec<(std::ops::Range<usize>, String)>;

/// Deepest nesting of Markdown elements (a quote in a list in a quote…). Real posts stay under
/// ten; the sanitizer's HTML parser slows down quadratically with depth.
pub const MAX_NESTING: usize = 32;
/// Raw HTML tags left open, counted roughly (browsers and the sanitizer close many by themselves,
/// and pasted HTML is often sloppy), so this bound is looser: it only stops the thousands.
pub const MAX_HTML_NESTING: usize = 256;
/// Largest HTML one post may render to. A 40,000-character post with every kind of formatting
/// stays far below; link references repeated thousands of times do not.
pub const MAX_HTML_BYTES: usize = 1024 * 1024;
/// How long one rendering may take before it is given up.
pub const TIME_BUDGET: Duration = Duration::from_secs(2);

/// Why a post could not be rendered within its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderError {
    TooDeep,
    TooLarge,
    TooSlow,
}

impl RenderError {
    /// What the author is told (a 422).
    pub fn into_app_error(self) -> AppError {
        match self {
            Self::TooDeep => AppError::BadRequest(Msg::new("error.markdown_too_deep").arg("max", MAX_NESTING)),
            Self::TooLarge => AppError::BadRequest(Msg::new("error.markdown_too_large").arg("max_kb", MAX_HTML_BYTES / 1024)),
            Self::TooSlow => AppError::BadRequest(Msg::new("error.markdown_too_slow")),
        }
    }
}

/// [`try_render_linking`] for text already accepted (imports, re-renders of stored posts): a
/// post beyond the bounds is shown as its escaped text instead, which costs no more than its length.
pub fn render_linking(markdown: &str, find: LinkFinder) -> String {
    try_render_linking(markdown, find, Instant::now() + TIME_BUDGET).unwrap_or_else(|_| plain_text_html(markdown))
}

fn plain_text_html(markdown: &str) -> String {
    format!("<p>{}</p>\n", crate::text::escape_markup(markdown).replace('\n', "<br>\n"))
}

/// [`render`] with plain text outside links and code passed through `find`: what it returns
/// becomes ordinary Markdown links before HTML is produced, so the sanitizer sees them like any
/// other link (used for guidance document numbers). Refused past [`MAX_NESTING`],
/// [`MAX_HTML_BYTES`] or `deadline`, so the cost of one post is bounded whatever it holds.
pub fn try_render_linking(markdown: &str, find: LinkFinder, deadline: Instant) -> Result<String, RenderError> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let parsed = bounded_events(Parser::new_ext(markdown, options), deadline)?;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    let mut depth = 0usize; // inside a link, an image or a code block: leave text alone
    let mut links = 0usize; // inside a link: an attachment image is not wrapped in another
    let mut images = Vec::new(); // per open image: how it is shown
    let events = parsed.into_iter().flat_map(|event| {
        match &event {
            Event::Start(Tag::Image { dest_url, title, id, .. }) => {
                depth += 1;
                let shown = ImageAs::of(dest_url, links > 0);
                images.push(shown);
                return shown.start(event.clone(), dest_url.clone(), title.clone(), id.clone());
            }
            Event::End(TagEnd::Image) => {
                depth = depth.saturating_sub(1);
                return images.pop().unwrap_or(ImageAs::Image).end(event);
            }
            Event::Start(Tag::Link { .. }) => (depth, links) = (depth + 1, links + 1),
            Event::End(TagEnd::Link) => (depth, links) = (depth.saturating_sub(1), links.saturating_sub(1)),
            Event::Start(Tag::CodeBlock(_)) => depth += 1,
            Event::End(TagEnd::CodeBlock) => depth = depth.saturating_sub(1),
            Event::Text(text) if depth == 0 => return link_text(text, find),
            _ => {}
        }
        vec![event]
    });
    html::push_html(&mut raw, events);
    if raw.len() > MAX_HTML_BYTES {
        return Err(RenderError::TooLarge);
    }
    if Instant::now() > deadline {
        return Err(RenderError::TooSlow);
    }
    let clean = sanitizer().clean(&raw).to_string();
    if clean.len() > MAX_HTML_BYTES {
        return Err(RenderError::TooLarge);
    }
    Ok(clean)
}

/// The parser's events, checked on the way (the nesting of elements and raw HTML tags, a running
/// estimate of the HTML they make, the clock), with adjacent text joined: the parser splits text
/// at characters that might start emphasis (`_` in `@nguyen_thi_lan`, `*`), and a link finder
/// must see the whole run to match across them.
fn bounded_events<'a>(parser: impl Iterator<Item = Event<'a>>, deadline: Instant) -> Result<Vec<Event<'a>>, RenderError> {
    let mut out: Vec<Event<'a>> = Vec::new();
    let mut pending: Option<String> = None;
    let (mut nesting, mut html_nesting, mut estimate) = (0usize, 0usize, 0usize);
    for (n, event) in parser.enumerate() {
        if n % 256 == 0 && Instant::now() > deadline {
            return Err(RenderError::TooSlow);
        }
        match &event {
            Event::Start(tag) => {
                nesting += 1;
                estimate += 16 + tag_text_len(tag);
            }
            Event::End(_) => nesting = nesting.saturating_sub(1),
            Event::Html(html) | Event::InlineHtml(html) => html_nesting = html_depth_after(html, html_nesting),
            Event::Text(text) | Event::Code(text) => estimate += text.len(),
            _ => estimate += 8,
        }
        if nesting > MAX_NESTING || html_nesting > MAX_HTML_NESTING {
            return Err(RenderError::TooDeep);
        }
        if estimate > MAX_HTML_BYTES {
            return Err(RenderError::TooLarge);
        }
        // Appended in place: copying the run at every split would be quadratic in its length.
        match (event, pending.as_mut()) {
            (Event::Text(text), Some(run)) => run.push_str(&text),
            (Event::Text(text), None) => pending = Some(text.into_string()),
            (event, _) => {
                out.extend(pending.take().map(|run| Event::Text(run.into())));
                out.push(event);
            }
        }
    }
    out.extend(pending.take().map(|run| Event::Text(run.into())));
    Ok(out)
}

/// The bytes a tag carries into the HTML (a link's or image's address and title, repeated at
/// every use of a reference: the classic way to make a small post render huge).
fn tag_text_len(tag: &Tag) -> usize {
    match tag {
        Tag::Link { dest_url, title, .. } | Tag::Image { dest_url, title, .. } => dest_url.len() + title.len(),
        _ => 0,
    }
}

/// Elements that never hold others, so their start tag opens nothing.
const VOID_ELEMENTS: [&str; 14] =
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"];

/// The nesting of raw HTML after `html`: each start tag opens one level (not void or `/>` ones),
/// each end tag closes one. Rough on purpose: it only has to bound what the sanitizer parses.
fn html_depth_after(html: &str, mut depth: usize) -> usize {
    let bytes = html.as_bytes();
    for (at, _) in html.match_indices('<') {
        let rest = &html[at + 1..];
        if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphabetic() || VOID_ELEMENTS.contains(&name.as_str()) {
            continue;
        }
        let closes_itself = rest.find('>').is_some_and(|end| end > 0 && bytes[at + end] == b'/');
        if !closes_itself {
            depth += 1;
        }
    }
    depth
}

/// Runs a rendering on the blocking pool, so a long post never holds up the threads that answer
/// other requests, within [`TIME_BUDGET`]: `work` gets the deadline and checks it as it goes (a
/// thread cannot be stopped from outside), and the answer does not wait much past it either way.
pub async fn on_blocking_pool<T: Send + 'static>(
    work: impl FnOnce(Instant) -> Result<T, RenderError> + Send + 'static,
) -> Result<T, AppError> {
    let deadline = Instant::now() + TIME_BUDGET;
    let task = tokio::task::spawn_blocking(move || work(deadline));
    match tokio::time::timeout(TIME_BUDGET + Duration::from_millis(500), task).await {
        Ok(Ok(rendered)) => rendered.map_err(RenderError::into_app_error),
        Ok(Err(failed)) => Err(AppError::Internal(anyhow::anyhow!("rendering a post failed: {failed}"))),
        Err(_) => Err(RenderError::TooSlow.into_app_error()),
    }
}

/// How a Markdown image is shown. Only our own attachments become `<img>`: an image from
/// another host would make every reader's phone contact that host (telling it who reads the
/// post, and it could change after moderation), and the CSP allows only `img-src 'self'`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageAs {
    /// An attachment: its phone thumbnail, linked to the full image.
    Thumbnail(i64),
    /// An attachment inside a link: the image as written (a link cannot hold another link).
    Image,
    /// From elsewhere: a link to it, its alt text as the words.
    Link,
    /// From elsewhere inside a link: only its alt text.
    AltText,
}

impl ImageAs {
    fn of(dest_url: &str, in_link: bool) -> Self {
        match (crate::domain::attachment::attachment_id(dest_url), in_link) {
            (Some(id), false) => Self::Thumbnail(id),
            (Some(_), true) => Self::Image,
            (None, false) => Self::Link,
            (None, true) => Self::AltText,
        }
    }

    fn start<'a>(self, event: Event<'a>, dest_url: CowStr<'a>, title: CowStr<'a>, ref_id: CowStr<'a>) -> Vec<Event<'a>> {
        let link = |dest_url: CowStr<'a>, title: CowStr<'a>| Tag::Link { link_type: LinkType::Inline, dest_url, title, id: "".into() };
        match self {
            Self::Thumbnail(id) => {
                let thumb = crate::domain::attachment::thumb_url(id);
                let image = Tag::Image { link_type: LinkType::Inline, dest_url: thumb.into(), title, id: ref_id };
                vec![Event::Start(link(crate::domain::attachment::url(id).into(), "".into())), Event::Start(image)]
            }
            Self::Image => vec![event],
            Self::Link => vec![Event::Start(link(dest_url, title))],
            Self::AltText => Vec::new(),
        }
    }

    fn end(self, event: Event<'_>) -> Vec<Event<'_>> {
        match self {
            Self::Thumbnail(_) => vec![event, Event::End(TagEnd::Link)],
            Self::Image => vec![event],
            Self::Link => vec![Event::End(TagEnd::Link)],
            Self::AltText => Vec::new(),
        }
    }
}

fn link_text<'a>(text: &CowStr<'a>, find: LinkFinder) -> Vec<Event<'a>> {
    let spans = find(text);
    if spans.is_empty() {
        return vec![Event::Text(text.clone())];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (range, href) in spans {
        if range.start < at || range.end > text.len() {
            continue;
        }
        if range.start > at {
            out.push(Event::Text(text[at..range.start].to_string().into()));
        }
        let link = Tag::Link { link_type: LinkType::Inline, dest_url: href.into(), title: "".into(), id: "".into() };
        out.push(Event::Start(link));
        out.push(Event::Text(text[range.clone()].to_string().into()));
        out.push(Event::End(TagEnd::Link));
        at = range.end;
    }
    if at < text.len() {
        out.push(Event::Text(text[at..].to_string().into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounded(markdown: &str) -> Result<String, RenderError> {
        try_render_linking(markdown, &|_| Vec::new(), Instant::now() + TIME_BUDGET)
    }

    #[test]
    fn nesting_past_the_limit_is_refused() {
        assert_eq!(bounded(&">".repeat(39_999)), Err(RenderError::TooDeep));
        assert_eq!(bounded(&"1. ".repeat(13_000)), Err(RenderError::TooDeep));
        assert_eq!(bounded(&"<div>".repeat(8_000)), Err(RenderError::TooDeep));
        assert_eq!(bounded(&format!("{}x", "> ".repeat(MAX_NESTING + 1))), Err(RenderError::TooDeep));
        assert!(bounded(&format!("{}x", "> ".repeat(MAX_NESTING - 2))).is_ok());
        assert!(bounded(&"<p>đoạn</p><br><img src=x><hr/>".repeat(500)).is_ok(), "closed and void tags do not add up");
    }

    #[test]
    fn output_past_the_limit_is_refused() {
        // A table's rows are padded to its header's width: 1,000 columns × 9,000 short rows.
        let bomb = format!("{}|\n{}|\n{}", "|a".repeat(1_000), "|-".repeat(1_000), "|x\n".repeat(9_000));
        assert_eq!(bounded(&bomb).map(|html| html.len()), Err(RenderError::TooLarge));
    }

    #[test]
    fn the_deadline_is_kept() {
        let past = Instant::now() - Duration::from_millis(1);
        assert_eq!(try_render_linking("**Vệ sinh tay**", &|_| Vec::new(), past), Err(RenderError::TooSlow));
    }

    #[test]
    fn text_split_at_every_character_joins_in_linear_time() {
        let long = "a_".repeat(19_000);
        let started = Instant::now();
        assert!(bounded(&long).unwrap().len() > 38_000);
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn an_oversized_stored_post_is_shown_as_plain_text() {
        assert_eq!(render(&">".repeat(40)), format!("<p>{}</p>\n", "&gt;".repeat(40)));
    }

    #[test]
    fn ordinary_markdown_survives() {
        let html = render("**Vệ sinh tay** giảm *nhiễm khuẩn*\n\n| Trước | Sau |\n|---|---|\n| 62% | 88% |");
        assert!(html.contains("<strong>Vệ sinh tay</strong>"));
        assert!(html.contains("<table>") && html.contains("<td>88%</td>"));
    }

    #[test]
    fn links_are_marked_as_user_content() {
        let html = render("[Bộ Y tế](https://moh.gov.vn)");
        assert!(html.contains(r#"href="https://moh.gov.vn""#), "{html}");
        assert!(html.contains(r#"rel="nofollow ugc noopener""#), "{html}");
    }

    #[test]
    fn attachment_images_show_a_thumbnail_linked_to_the_full_image() {
        let html = render("![Áp phích](/attachments/7)");
        assert!(
            html.contains(
                r#"<a href="/attachments/7" rel="nofollow ugc noopener"><img src="/attachments/7/thumb" alt="Áp phích" loading="lazy"></a>"#
            ),
            "{html}"
        );
    }

    #[test]
    fn images_from_elsewhere_become_links_to_them() {
        let html = render("Xem ![sơ đồ quy trình](https://evil.example/a.png \"Quy trình\") nhé");
        assert_eq!(
            html,
            "<p>Xem <a href=\"https://evil.example/a.png\" title=\"Quy trình\" rel=\"nofollow ugc noopener\">sơ đồ quy trình</a> nhé</p>\n"
        );
        let html = render("[![logo](https://evil.example/logo.png)](https://bv.vn)");
        assert_eq!(html, "<p><a href=\"https://bv.vn\" rel=\"nofollow ugc noopener\">logo</a></p>\n", "no link inside a link");
        let html = render("[![Ảnh](/attachments/7)](https://bv.vn)");
        assert!(html.contains(r#"<img src="/attachments/7" alt="Ảnh""#), "{html}");
    }

    #[test]
    fn images_from_elsewhere_lose_their_source() {
        for case in ["![x](https://evil.example/track.png)", "<img src=\"https://evil.example/t.png\">", "![x](/attachments/7/../../x)"] {
            let html = render(case);
            assert!(!html.contains("src="), "{case:?} rendered as {html:?}");
        }
    }

    #[test]
    fn scripts_handlers_and_dangerous_urls_are_removed() {
        let cases = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[x](javascript:alert(1))",
            "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg onload=alert(1)><circle/></svg>",
            "<div style=\"background:url(javascript:alert(1))\">x</div>",
        ];
        for case in cases {
            let html = render(case).to_lowercase();
            for bad in ["<script", "onerror", "javascript:", "data:", "<iframe", "<svg", "onload", "style="] {
                assert!(!html.contains(bad), "{case:?} rendered as {html:?}");
            }
        }
    }
}
