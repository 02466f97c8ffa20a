//! Links and images in a Markdown body, counted the way they will be shown, for the limits on
//! new members.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag};
use regex::Regex;

/// A bare URL in text. Pages show it as plain text, but it counts as a link: readers copy it,
/// so it advertises just as well as a clickable one.
static BARE_URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\b(?:https?://|www\.)[^\s<>]+").expect("bare URL pattern"));

/// Raw HTML that makes a link or an image (if the sanitizer lets it through, it counts).
static HTML_LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<a\s[^>]*href").expect("html link pattern"));
static HTML_IMAGE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)<img\b").expect("html image pattern"));

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH)
}

/// Links: `[text](url)`, reference links, `<https://…>` and `<a@b.vn>` autolinks, bare URLs in
/// text, and `<a href>` in raw HTML. A bare URL that is the text of a link is not counted twice;
/// URLs in code are not links.
pub fn link_count(markdown: &str) -> usize {
    let mut count = 0;
    let mut inside_link = 0usize;
    let mut inside_code = false;
    for event in parser(markdown) {
        match event {
            Event::Start(Tag::CodeBlock(_)) => inside_code = true,
            Event::End(pulldown_cmark::TagEnd::CodeBlock) => inside_code = false,
            Event::Start(Tag::Link { .. }) => {
                count += 1;
                inside_link += 1;
            }
            Event::End(pulldown_cmark::TagEnd::Link) => inside_link = inside_link.saturating_sub(1),
            Event::Text(text) if inside_link == 0 && !inside_code => count += BARE_URL.find_iter(&text).count(),
            Event::Html(html) | Event::InlineHtml(html) => count += HTML_LINK.find_iter(&html).count(),
            _ => {}
        }
    }
    count
}

/// Images: `![alt](url)`, reference images and `<img>` in raw HTML.
pub fn image_count(markdown: &str) -> usize {
    parser(markdown)
        .map(|event| match event {
            Event::Start(Tag::Image { .. }) => 1,
            Event::Html(html) | Event::InlineHtml(html) => HTML_IMAGE.find_iter(&html).count(),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_of_every_kind_are_counted_once() {
        let markdown = "Xem [Thông tư](https://moh.gov.vn/tt43) và <https://a.vn/x>, \
                        thêm www.benhvien.vn hoặc http://b.vn.\n\n[ref]: https://c.vn\n\n[tham khảo][ref] \
                        và [https://d.vn](https://d.vn)";
        assert_eq!(link_count(markdown), 6);
    }

    #[test]
    fn urls_in_code_and_plain_text_without_urls_are_not_links() {
        assert_eq!(link_count("`https://a.vn` và\n\n    http://b.vn\n\nkhông có liên kết"), 0);
        assert_eq!(link_count(""), 0);
    }

    #[test]
    fn images_in_markdown_and_html() {
        let markdown = "![phim](https://a.vn/x.png) và <img src=\"y.png\">\n\n[![logo](l.png)](https://a.vn)";
        assert_eq!(image_count(markdown), 3);
        assert_eq!(link_count(markdown), 1);
    }
}
