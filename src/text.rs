//! Text as we store it: Unicode NFC (Vietnamese typed on some phones arrives decomposed),
//! no control characters but line breaks and tabs, line endings as `\n`.

use unicode_normalization::UnicodeNormalization;

/// NFC, `\r\n` → `\n`, control characters dropped, surrounding white space trimmed.
pub fn clean(input: &str) -> String {
    let unified = input.replace("\r\n", "\n");
    let kept: String = unified.chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect();
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

/// Longest @handle, in ASCII characters.
pub const HANDLE_MAX: usize = 30;

/// A member's default @handle from their display name: folded to ASCII lowercase, words joined
/// by `_` ("Nguyễn Thị Lan" → `nguyen_thi_lan`); `thanh_vien` when nothing usable is left.
pub fn handle_base(display_name: &str) -> String {
    let folded = search_index::analysis::fold(&clean_line(display_name));
    let words: Vec<String> = folded.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect();
    let mut handle = String::new();
    for word in words {
        if handle.len() + word.len() + 1 > HANDLE_MAX - 6 {
            break; // room left for a numeric suffix when the name is taken
        }
        if !handle.is_empty() {
            handle.push('_');
        }
        handle.push_str(&word);
    }
    if handle.len() < 3 { "thanh_vien".to_string() } else { handle }
}

#[cfg(test)]
mod handle_tests {
    use super::handle_base;

    #[test]
    fn handles_fold_vietnamese_names() {
        assert_eq!(handle_base("Nguyễn Thị Lan"), "nguyen_thi_lan");
        assert_eq!(handle_base("ĐỖ  Văn Đức"), "do_van_duc");
        assert_eq!(handle_base("Nguye\u{302}\u{303}n Lan"), "nguyen_lan", "decomposed input");
        assert_eq!(handle_base("🙂"), "thanh_vien");
        assert!(handle_base("Bác sĩ Trần Thị Thanh Hương khoa Hồi sức tích cực").len() <= 24);
    }
}
