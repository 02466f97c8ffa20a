//! Snippets: a short passage of the body around the best match, safe to put in a page.
//!
//! A word typed without diacritics marks every spelling of it ("duong" marks "đường" and
//! "dương"); a word typed with them marks that spelling, and words of texts written without any
//! diacritics ("đường" marks "đường" and "duong", not "dương"). Which words of a query are
//! marked is the plan's choice (the informative ones). Markdown syntax is dropped roughly (a snippet is a preview, not a rendering) and everything
//! outside `<mark>` is HTML-escaped.

use std::collections::HashSet;

use crate::analysis::{fold, has_diacritics, push_fold, push_lowercase, words};
use crate::tone::{canonicalize_tones, i_for_y};

/// About how many characters a snippet shows.
const WINDOW_CHARS: usize = 200;
/// How much text comes before the first match in the window.
const LEAD_CHARS: usize = 40;
/// Only the start of very long bodies (topics with many replies) is searched for a passage.
const MAX_SCAN_BYTES: usize = 64 * 1024;
/// Enough candidate positions to find a good window without quadratic work on long bodies.
const MAX_CANDIDATES: usize = 256;

/// The syllables a snippet marks (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Marks {
    /// Folded syllables typed without diacritics: any spelling matches.
    any_spelling: HashSet<String>,
    /// Lower-case syllables typed with diacritics (tones in canonical place).
    exact: HashSet<String>,
    /// The folded forms of `exact`: they mark words written without any diacritic.
    bare: HashSet<String>,
}

impl Marks {
    /// Marks an exact token (lower case, normalised) as typed.
    pub fn add(&mut self, token: &str) {
        let folded = fold(token);
        if folded == token {
            self.any_spelling.insert(folded);
        } else {
            self.exact.insert(token.to_string());
            self.bare.insert(folded);
        }
    }

    pub fn extend(&mut self, other: Marks) {
        self.any_spelling.extend(other.any_spelling);
        self.exact.extend(other.exact);
        self.bare.extend(other.bare);
    }

    /// Whether the text's `word`, folded to `folded`, is marked.
    fn matches(&self, word: &str, folded: &str) -> bool {
        if self.any_spelling.contains(folded) {
            return true;
        }
        if !self.bare.contains(folded) {
            return false;
        }
        if !has_diacritics(word) {
            return true;
        }
        let mut lower = String::with_capacity(word.len());
        push_lowercase(word, &mut lower);
        self.exact.contains(&canonicalize_tones(&lower))
    }
}

/// The snippet for `body` (Markdown), marking the syllables of `terms`.
pub(crate) fn snippet_html(body: &str, terms: &Marks) -> String {
    let text = strip_markdown(truncate(body, MAX_SCAN_BYTES));
    let spans = word_spans(&text, terms);
    let anchor = best_anchor(&spans).map_or(0, |i| spans[i].start_char.saturating_sub(LEAD_CHARS));
    let window: Vec<&Span> = spans.iter().filter(|s| s.start_char >= anchor && s.end_char <= anchor + WINDOW_CHARS).collect();
    let (Some(first), Some(last)) = (window.first(), window.last()) else {
        return escape(&text.chars().take(WINDOW_CHARS).collect::<String>());
    };
    // Punctuation before the first word or after the last belongs to the snippet when the
    // window reaches that end of the text.
    let from = if std::ptr::eq(*first, &spans[0]) { 0 } else { first.start };
    let to = if spans.last().is_some_and(|s| std::ptr::eq(*last, s)) { text.len() } else { last.end };
    let mut html = String::with_capacity(WINDOW_CHARS * 2);
    if from > 0 {
        html.push('…');
    }
    let mut pos = from;
    for span in &window {
        html.push_str(&escape(&text[pos..span.start]));
        let word = escape(&text[span.start..span.end]);
        if span.term.is_some() {
            html.push_str("<mark>");
            html.push_str(&word);
            html.push_str("</mark>");
        } else {
            html.push_str(&word);
        }
        pos = span.end;
    }
    html.push_str(&escape(&text[pos..to]));
    if to < text.len() {
        html.push('…');
    }
    html
}

/// One word of the text, with its byte and character ranges.
struct Span {
    start: usize,
    end: usize,
    start_char: usize,
    end_char: usize,
    /// The folded word, when it is one of the terms.
    term: Option<String>,
}

fn word_spans(text: &str, terms: &Marks) -> Vec<Span> {
    let mut spans = Vec::new();
    let (mut byte, mut chars) = (0, 0);
    let mut folded = String::new();
    for word in words(text) {
        chars += text[byte..word.start].chars().count();
        let start_char = chars;
        chars += word.text.chars().count();
        byte = word.end;
        folded.clear();
        push_fold(word.text, &mut folded);
        if let Some(canonical) = i_for_y(&folded) {
            folded = canonical; // "sỹ" is marked for "sĩ"
        }
        let term = terms.matches(word.text, &folded).then(|| folded.clone());
        spans.push(Span { start: word.start, end: word.end, start_char, end_char: chars, term });
    }
    spans
}

/// The matching word whose window holds the most distinct matched terms (then the most matches).
fn best_anchor(spans: &[Span]) -> Option<usize> {
    let matches: Vec<usize> = (0..spans.len()).filter(|&i| spans[i].term.is_some()).take(MAX_CANDIDATES).collect();
    let mut best: Option<((usize, usize), usize)> = None;
    for (k, &i) in matches.iter().enumerate() {
        let end = spans[i].start_char + WINDOW_CHARS - LEAD_CHARS;
        let inside: Vec<&str> =
            matches[k..].iter().map(|&j| &spans[j]).take_while(|s| s.end_char <= end).filter_map(|s| s.term.as_deref()).collect();
        let distinct = inside.iter().collect::<HashSet<_>>().len();
        let key = (distinct, inside.len());
        if best.is_none_or(|(b, _)| key > b) {
            best = Some((key, i));
        }
    }
    best.map(|(_, i)| i)
}

/// Drops Markdown syntax that would be noise in a one-line preview: link targets, emphasis
/// and heading marks, table pipes, rules; folds all whitespace into single spaces.
fn strip_markdown(markdown: &str) -> String {
    let mut out = Spaced(String::with_capacity(markdown.len()));
    let mut chars = markdown.chars().peekable();
    let mut line_start = true;
    while let Some(c) = chars.next() {
        let at_line_start = line_start;
        line_start = c == '\n' || (line_start && c.is_whitespace());
        match c {
            ']' if chars.peek() == Some(&'(') => {
                // "[text](target)": keep the text, skip the target.
                for skipped in chars.by_ref() {
                    if skipped == ')' {
                        break;
                    }
                }
                out.push(' ');
            }
            '!' if chars.peek() == Some(&'[') => out.push(' '),
            '>' if at_line_start => out.push(' '), // a quote, not "a > b"
            '#' | '*' | '_' | '|' | '`' | '~' | '[' | ']' => out.push(' '),
            '-' | '=' if chars.peek() == Some(&c) => {
                while chars.peek() == Some(&c) {
                    chars.next();
                }
                out.push(' ');
            }
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    let mut text = out.0;
    text.truncate(text.trim_end().len());
    text
}

/// A string that never starts with a space nor holds two in a row.
struct Spaced(String);

impl Spaced {
    fn push(&mut self, c: char) {
        if c != ' ' || !(self.0.is_empty() || self.0.ends_with(' ')) {
            self.0.push(c);
        }
    }
}

/// Escapes the five characters that matter in HTML text and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn truncate(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(list: &[&str]) -> Marks {
        let mut marks = Marks::default();
        list.iter().for_each(|t| marks.add(t));
        marks
    }

    #[test]
    fn marks_folded_matches() {
        let html = snippet_html("Đường truyền dịch và dương tính.", &terms(&["duong"]));
        assert_eq!(html, "<mark>Đường</mark> truyền dịch và <mark>dương</mark> tính.");
    }

    #[test]
    fn a_word_typed_with_diacritics_marks_its_spelling_and_bare_text() {
        let html = snippet_html("Đường huyết, dương tính, duong huyet, có cơ.", &terms(&["đường", "cơ"]));
        assert_eq!(html, "<mark>Đường</mark> huyết, dương tính, <mark>duong</mark> huyet, có <mark>cơ</mark>.");
        let html = snippet_html("Hòa giải, hoà nhập.", &terms(&["hoà"]));
        assert_eq!(html, "<mark>Hòa</mark> giải, <mark>hoà</mark> nhập.", "either tone placement");
    }

    #[test]
    fn escapes_everything_else() {
        let html = snippet_html("<script>alert('x')</script> & \"người bệnh\"", &terms(&["benh"]));
        assert_eq!(html, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;người <mark>bệnh</mark>&quot;");
        assert!(!snippet_html("<b>", &terms(&[])).contains('<'));
    }

    #[test]
    fn strips_markdown_syntax() {
        let html = snippet_html("## Bối cảnh\n\n**An toàn** [người bệnh](https://x.vn/a) | bảng |\n---", &terms(&["toan"]));
        assert_eq!(html, "Bối cảnh An <mark>toàn</mark> người bệnh bảng");
    }

    #[test]
    fn window_around_the_best_match() {
        let body = format!("{} té ngã ở người bệnh cao tuổi {}", "mở đầu ".repeat(100), "kết ".repeat(100));
        let html = snippet_html(&body, &terms(&["te", "nga"]));
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("<mark>té</mark> <mark>ngã</mark>"));
        assert!(html.chars().count() < 300);
    }

    #[test]
    fn no_match_shows_the_start() {
        let html = snippet_html("Một hai ba", &terms(&["xyz"]));
        assert_eq!(html, "Một hai ba");
        assert_eq!(snippet_html("", &terms(&["a"])), "");
    }
}
