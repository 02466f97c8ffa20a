//! The checked text as HTML for the moderator, with what the checks found marked.

use std::ops::Range;

use crate::text::escape_markup_into;

/// `text` HTML-escaped, with `<mark>` around each range. Overlapping and touching ranges are
/// merged into one mark; ranges past the end are cut, and a range edge inside a character is
/// moved out to the whole character, so no input makes broken HTML or panics.
pub fn highlight_html(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len() + 16 * ranges.len());
    let mut at = 0;
    for range in merged(text, ranges) {
        escape_markup_into(&text[at..range.start], &mut out);
        out.push_str("<mark>");
        escape_markup_into(&text[range.clone()], &mut out);
        out.push_str("</mark>");
        at = range.end;
    }
    escape_markup_into(&text[at..], &mut out);
    out
}

/// Ranges on character boundaries, sorted, non-empty, overlaps merged.
fn merged(text: &str, ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted: Vec<Range<usize>> =
        ranges.iter().map(|r| floor_boundary(text, r.start)..ceil_boundary(text, r.end)).filter(|r| r.start < r.end).collect();
    sorted.sort_by_key(|r| r.start);
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

/// Sanitized HTML (a post as readers see it) with each occurrence of `needles` (plain text, as
/// found by the checks) marked where it appears in the text between tags. A needle split by
/// markup ("**Nguyễn** Văn Nam") is not marked there; the escaped source shown beside it is.
pub fn mark_in_html(html: &str, needles: &[&str]) -> String {
    let escaped: Vec<String> = needles.iter().filter(|n| !n.is_empty()).map(|n| crate::text::escape_markup(n)).collect();
    let mut out = String::with_capacity(html.len() + 16 * needles.len());
    let mut rest = html;
    while !rest.is_empty() {
        let text_end = rest.find('<').unwrap_or(rest.len());
        out.push_str(&mark_text(&rest[..text_end], &escaped));
        rest = &rest[text_end..];
        let tag_end = rest.find('>').map_or(rest.len(), |i| i + 1);
        out.push_str(&rest[..tag_end]);
        rest = &rest[tag_end..];
    }
    out
}

/// One run of escaped text with the needles marked, leftmost first.
fn mark_text(text: &str, needles: &[String]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let next =
            needles.iter().filter_map(|n| rest.find(n.as_str()).map(|at| (at, n))).min_by_key(|(at, n)| (*at, std::cmp::Reverse(n.len())));
        let Some((at, needle)) = next else { break };
        out.push_str(&rest[..at]);
        out.push_str("<mark>");
        out.push_str(needle);
        out.push_str("</mark>");
        rest = &rest[at + needle.len()..];
    }
    out.push_str(rest);
    out
}

fn floor_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_boundary(text: &str, at: usize) -> usize {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one range to mark is the point of these tests
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_inside_and_outside_marks() {
        let text = "<script>alert('x')</script> gọi 0912 345 678 & \"ok\"";
        let at = text.find("0912").unwrap();
        let html = highlight_html(text, &[at..at + 12]);
        assert_eq!(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; gọi <mark>0912 345 678</mark> &amp; &quot;ok&quot;");
        let html = highlight_html(text, &[0..8]);
        assert!(html.starts_with("<mark>&lt;script&gt;</mark>"), "{html}");
    }

    #[test]
    fn overlapping_and_touching_ranges_become_one_mark() {
        assert_eq!(highlight_html("abcdefgh", &[4..6, 1..3, 2..4]), "a<mark>bcdef</mark>gh");
    }

    #[test]
    fn words_are_marked_in_html_text_never_inside_tags() {
        let html = r#"<p>Gọi <a href="/x?q=0912">0912 345 678</a> &amp; Nguyễn Văn Nam</p>"#;
        assert_eq!(
            mark_in_html(html, &["0912 345 678", "Nguyễn Văn Nam", "0912"]),
            r#"<p>Gọi <a href="/x?q=0912"><mark>0912 345 678</mark></a> &amp; <mark>Nguyễn Văn Nam</mark></p>"#
        );
        assert_eq!(mark_in_html("<p>a < b & c</p>", &["<"]), "<p>a < b & c</p>", "only escaped text is matched");
    }

    #[test]
    fn ranges_inside_characters_or_past_the_end_are_made_safe() {
        // "ệ" is three bytes (1..4); 2..3 lies inside it.
        assert_eq!(highlight_html("bệnh", &[2..3]), "b<mark>ệ</mark>nh");
        assert_eq!(highlight_html("ab", &[1..99, 50..60]), "a<mark>b</mark>");
    }
}
