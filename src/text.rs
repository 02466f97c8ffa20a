//! Text as we store it: Unicode NFC (Vietnamese typed on some phones arrives decomposed),
//! no control characters but line breaks and tabs, line endings as `\n`.

use unicode_normalization::UnicodeNormalization;

/// NFC, `\r\n` → `\n`, control characters dropped, surrounding white space trimmed.
pub fn clean(input: &str) -> String {
    let unified = input.replace("\r\n", "\n");
    let kept: String = unified
        .chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect();
    kept.nfc().collect::<String>().trim().to_string()
}

/// Like [`clean`] for a one-line value: line breaks and tabs become single spaces.
pub fn clean_line(input: &str) -> String {
    clean(input).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Length as a person counts it (characters, after NFC).
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Escapes the five characters that matter in HTML and XML text and attribute values (for the
/// few places that build markup by hand: feeds, moderators' highlighted excerpts).
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_markup_into(text, &mut out);
    out
}

pub fn escape_markup_into(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_vietnamese_is_stored_composed() {
        let nfd_real: String = "Người bệnh".nfd().collect();
        assert_ne!(nfd_real, "Người bệnh");
        assert_eq!(clean(&nfd_real), "Người bệnh");
    }

    #[test]
    fn one_line_values_collapse_white_space_and_drop_controls() {
        assert_eq!(clean_line("  An toàn\n\tngười\u{0007} bệnh  "), "An toàn người bệnh");
    }
}
