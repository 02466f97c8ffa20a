//! What a curator types, parsed: the slug, title, introductions and notes, and a topic named by
//! its number or its address. Every text is stored as NFC.

use crate::error::{AppError, AppResult, Msg};
use crate::text::{char_len, clean, clean_line};

pub const TITLE_MAX: usize = 200;
pub const INTRO_MAX: usize = 20_000;
pub const NOTE_MAX: usize = 2_000;
pub const SLUG_MAX: usize = 80;
/// Addresses under `/collections/` that are pages, not collections.
const RESERVED_SLUGS: [&str; 3] = ["new", "feed", "add"];

/// A collection's address: lowercase ASCII letters, digits and single hyphens. Empty input
/// takes the title's folded words ("Phòng ngừa té ngã" → `phong-ngua-te-nga`).
pub fn parse_slug(raw: &str, title: &str) -> AppResult<String> {
    let typed = clean_line(raw);
    let slug = if typed.is_empty() { crate::forum::slugify(title) } else { typed.to_ascii_lowercase() };
    let shape_ok = !slug.is_empty()
        && slug.len() <= SLUG_MAX
        && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--");
    if !shape_ok {
        return Err(AppError::BadRequest(Msg::new("collections.error.slug").arg("max", SLUG_MAX)));
    }
    if RESERVED_SLUGS.contains(&slug.as_str()) {
        return Err(AppError::Conflict(Msg::new("collections.error.slug_taken").arg("slug", &slug)));
    }
    Ok(slug)
}

pub fn parse_title(raw: &str) -> AppResult<String> {
    let title = clean_line(raw);
    let n = char_len(&title);
    if !(3..=TITLE_MAX).contains(&n) {
        return Err(AppError::BadRequest(Msg::new("collections.error.title").arg("max", TITLE_MAX)));
    }
    Ok(title)
}

/// The Vietnamese introduction (required) or the English one (`None` when left empty).
pub fn parse_intro(raw: &str, required: bool) -> AppResult<Option<String>> {
    let intro = clean(raw);
    if intro.is_empty() && !required {
        return Ok(None);
    }
    if intro.is_empty() || char_len(&intro) > INTRO_MAX {
        return Err(AppError::BadRequest(Msg::new("collections.error.intro").arg("max", INTRO_MAX)));
    }
    Ok(Some(intro))
}

pub fn parse_note(raw: &str) -> AppResult<String> {
    let note = clean(raw);
    if char_len(&note) > NOTE_MAX {
        return Err(AppError::BadRequest(Msg::new("collections.error.note").arg("max", NOTE_MAX)));
    }
    Ok(note)
}

/// A topic as a curator names it: `42`, `#42`, `/t/42` or a full address of a topic page.
pub fn parse_topic_ref(raw: &str) -> AppResult<i64> {
    let text = raw.trim();
    let after = match text.find("/t/") {
        Some(at) => &text[at + 3..],
        None => text.trim_start_matches('#'),
    };
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    let rest = &after[digits.len()..];
    let clean_end = rest.is_empty() || rest.starts_with(['/', '?', '#']);
    match digits.parse::<i64>() {
        Ok(id) if id > 0 && clean_end => Ok(id),
        _ => Err(AppError::bad("collections.error.topic_ref")),
    }
}

/// A form's `version`: the number it was shown with.
pub fn parse_version(raw: &str) -> AppResult<i64> {
    raw.trim().parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| AppError::bad("collections.error.version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_come_from_titles_or_are_checked() {
        assert_eq!(parse_slug("", "Phòng ngừa té ngã: 10 bước").unwrap(), "phong-ngua-te-nga-10-buoc");
        assert_eq!(parse_slug("Te-Nga", "x").unwrap(), "te-nga");
        for bad in ["té-ngã", "a b", "-a", "a--b", "../x", "a/b"] {
            assert!(parse_slug(bad, "x").is_err(), "{bad}");
        }
        assert!(matches!(parse_slug("new", "x"), Err(AppError::Conflict(_))));
    }

    #[test]
    fn topics_are_named_by_number_or_address() {
        for (raw, id) in [("42", 42), ("#42", 42), ("/t/42", 42), ("https://forum.vn/t/42?page=2#post-9", 42), (" 7 ", 7)] {
            assert_eq!(parse_topic_ref(raw).unwrap(), id, "{raw}");
        }
        for bad in ["", "abc", "/t/", "-3", "0", "/t/4x", "99999999999999999999"] {
            assert!(parse_topic_ref(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn texts_are_nfc_and_bounded() {
        use unicode_normalization::UnicodeNormalization;
        let nfd: String = "Té ngã".nfd().collect();
        assert_eq!(parse_title(&nfd).unwrap(), "Té ngã");
        assert!(parse_title("ab").is_err());
        assert!(parse_note(&"x".repeat(NOTE_MAX + 1)).is_err());
        assert_eq!(parse_intro("  ", false).unwrap(), None);
        assert!(parse_intro("  ", true).is_err());
    }
}
