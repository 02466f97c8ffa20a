//! Markdown → HTML through an allow-list sanitizer. Only the output of [`render`] is ever marked
//! safe in templates; everything else is auto-escaped.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

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
    let refused = element == "img" && attribute == "src" && crate::attachments::attachment_id(value).is_none();
    (!refused).then_some(value.into())
}

/// Renders Markdown (with tables and strikethrough) to sanitized HTML.
pub fn render(markdown: &str) -> String {
    render_linking(markdown, &|_| Vec::new())
}

/// Byte ranges of a piece of plain text to turn into links, with their (site-relative) targets.
pub type LinkFinder<'a> = &'a dyn Fn(&str) -> Vec<(std::ops::Range<usize>, String)>;

/// [`render`] with plain text outside links and code passed through `find`: what it returns
/// becomes ordinary Markdown links before HTML is produced, so the sanitizer sees them like any
/// other link (used for guidance document numbers).
pub fn render_linking(markdown: &str, find: LinkFinder) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    let mut depth = 0usize; // inside a link, an image or a code block: leave text alone
    let mut links = 0usize; // inside a link: an attachment image is not wrapped in another
    let mut images = Vec::new(); // per open image: how it is shown
    let events = merge_text(Parser::new_ext(markdown, options)).into_iter().flat_map(|event| {
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
    sanitizer().clean(&raw).to_string()
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
        match (crate::attachments::attachment_id(dest_url), in_link) {
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
                let thumb = crate::attachments::thumb_url(id);
                let image = Tag::Image { link_type: LinkType::Inline, dest_url: thumb.into(), title, id: ref_id };
                vec![Event::Start(link(crate::attachments::url(id).into(), "".into())), Event::Start(image)]
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

/// Joins adjacent text events: the parser splits text at characters that might start emphasis
/// (`_` in `@nguyen_thi_lan`, `*`), and a finder must see the whole run to match across them.
fn merge_text<'a>(events: impl Iterator<Item = Event<'a>>) -> Vec<Event<'a>> {
    let mut out: Vec<Event<'a>> = Vec::new();
    for event in events {
        match (out.last_mut(), event) {
            (Some(Event::Text(previous)), Event::Text(next)) => *previous = format!("{previous}{next}").into(),
            (_, event) => out.push(event),
        }
    }
    out
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
    use super::render;

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
        assert!(html.contains(r#"<a href="/attachments/7" rel="nofollow ugc noopener"><img src="/attachments/7/thumb" alt="Áp phích" loading="lazy"></a>"#), "{html}");
    }

    #[test]
    fn images_from_elsewhere_become_links_to_them() {
        let html = render("Xem ![sơ đồ quy trình](https://evil.example/a.png \"Quy trình\") nhé");
        assert_eq!(html, "<p>Xem <a href=\"https://evil.example/a.png\" title=\"Quy trình\" rel=\"nofollow ugc noopener\">sơ đồ quy trình</a> nhé</p>\n");
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
