//! Markdown → HTML through an allow-list sanitizer. Only the output of [`render`] is ever marked
//! safe in templates; everything else is auto-escaped.

use std::collections::HashSet;
use std::sync::OnceLock;

use pulldown_cmark::{Options, Parser, html};

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("nofollow ugc noopener"));
        b
    })
}

/// Renders Markdown (with tables and strikethrough) to sanitized HTML.
pub fn render(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut raw, Parser::new_ext(markdown, options));
    sanitizer().clean(&raw).to_string()
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
