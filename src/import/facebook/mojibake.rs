//! Facebook's encoding fault: its exports write each byte of a UTF-8 character as its own
//! `\u00XX` escape, so "Thầy" arrives as "Th\u00e1\u00ba\u00a7y" ("ThÃ¡Âº§y" once parsed).
//!
//! A string is repaired when every character is at most U+00FF (so it can be read back as the
//! bytes Facebook wrote), at least one is above U+007F, and those bytes are valid UTF-8. Real
//! Latin-1 text such as "café" fails the last test (a lone é byte is not UTF-8) and is left as
//! it is. The result is NFC either way.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// `s` with Facebook's double encoding undone, in NFC.
pub fn repair(s: &str) -> String {
    let repaired = undo_double_encoding(s);
    repaired.nfc().collect()
}

fn undo_double_encoding(s: &str) -> Cow<'_, str> {
    if s.is_ascii() || s.chars().any(|c| c as u32 > 0xFF) {
        return Cow::Borrowed(s);
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u32 as u8).collect();
    match String::from_utf8(bytes) {
        Ok(decoded) => Cow::Owned(decoded),
        Err(_) => Cow::Borrowed(s),
    }
}

/// Repairs every string inside a JSON value, keys included.
pub fn repair_value(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::String(s) => *s = repair(s),
        Value::Array(items) => items.iter_mut().for_each(repair_value),
        Value::Object(map) => {
            let entries = std::mem::take(map);
            for (key, mut v) in entries {
                repair_value(&mut v);
                map.insert(repair(&key), v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    /// How Facebook writes a string: each UTF-8 byte as its own character.
    fn facebook(s: &str) -> String {
        s.bytes().map(char::from).collect()
    }

    #[test]
    fn vietnamese_and_emoji_come_back_exactly() {
        assert_eq!(facebook("Thầy"), "Th\u{e1}\u{ba}\u{a7}y");
        for s in ["Thầy", "Đảm bảo an toàn người bệnh 👩‍⚕️💉", "Phòng ngừa té ngã"] {
            assert_eq!(repair(&facebook(s)), s);
        }
    }

    #[test]
    fn real_latin1_and_plain_text_are_left_alone() {
        for s in ["café", "Crème brûlée à la carte", "plain ASCII", "Thầy giáo", "naïve — “quoted”"] {
            assert_eq!(repair(s), s);
        }
    }

    #[test]
    fn the_result_is_nfc() {
        let nfd: String = "Nguyễn".nfd().collect();
        assert_eq!(repair(&facebook(&nfd)), "Nguyễn");
        assert_eq!(repair(&nfd), "Nguyễn");
    }

    #[test]
    fn keys_and_nested_strings_are_repaired() {
        let mut v = serde_json::json!({"data": [{"post": facebook("Bàn giao ca")}], facebook("khóa"): 1});
        repair_value(&mut v);
        assert_eq!(v, serde_json::json!({"data": [{"post": "Bàn giao ca"}], "khóa": 1}));
    }
}
