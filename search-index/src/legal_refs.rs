//! Numbers of legal documents (circulars, decisions, decrees) in the spellings people type:
//! `43/2018/TT-BYT`, `43/2018/tt-byt`, `43 / 2018 / TT - BYT`, `5316/QĐ-BYT`, `5316/QD-BYT`,
//! `5316/QÐ-BYT` (U+00D0), `05/2023/…` and "Thông tư 43/2018". All become one canonical form,
//! uppercase ASCII without spaces or leading zeros: `43/2018/TT-BYT`, `5316/QD-BYT`, `43/2018/TT`.

use std::sync::OnceLock;

use regex::Regex;

use crate::analysis::{clean, fold};


/// number / [year /] type[-issuer[-issuer…]]. A space may surround the first hyphen
/// ("TT - BYT"); later hyphens must be tight, so that "QĐ-BYT - Bộ Y tế" stops at BYT.
/// Runs on cleaned (not folded) text, case-insensitively; word boundaries are checked in code
/// because Unicode `\b` would push the regex engine off its fast path on Vietnamese text.
fn numbered_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let part = "[a-zđ]{1,8}[0-9]{0,3}";
        let pattern = format!(
            r"(?i)0*([0-9]{{1,6}})\s*/\s*(?:([0-9]{{4}})\s*/\s*)?({part}(?:\s*-\s*{part})?(?:-{part}){{0,2}})"
        );
        Regex::new(&pattern).expect("valid legal reference pattern")
    })
}

/// "Thông tư 43/2018" (no type code after the year): the kind of document is in the words.
fn named_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(thông\s+tư|thong\s+tu|nghị\s+định|nghi\s+dinh|quyết\s+định|quyet\s+dinh|nghị\s+quyết|nghi\s+quyet|chỉ\s+thị|chi\s+thi)\s+(?:số\s+|so\s+)?0*([0-9]{1,6})\s*/\s*([0-9]{4})(\s*/\s*[a-zđ])?",
        )
        .expect("valid named legal reference pattern")
    })
}

/// Every legal-document number in `text`, canonical and without duplicates, in order of appearance.
pub fn legal_refs(text: &str) -> Vec<String> {
    if !text.contains('/') {
        return Vec::new(); // every form has a slash; most posts have none
    }
    let text = clean(text); // Ð → Đ, NFC
    let mut refs = Vec::new();
    for caps in numbered_pattern().captures_iter(&text) {
        let (all, code) = (&caps[0], &caps[3]);
        let start = caps.get(0).map_or(0, |m| m.start());
        if !stands_alone(&text, start, start + all.len()) {
            continue;
        }
        let code = fold(&code.replace(char::is_whitespace, "")).to_ascii_uppercase();
        let reference = match caps.get(2) {
            Some(year) => format!("{}/{}/{}", &caps[1], year.as_str(), code),
            // Without a year, "3/ngay" (3 a day) would look like a number: require an issuer.
            None if code.contains('-') => format!("{}/{}", &caps[1], code),
            None => continue,
        };
        push_unique(&mut refs, reference);
    }
    for caps in named_pattern().captures_iter(&text) {
        let (start, year_end) = (caps.get(0).map_or(0, |m| m.start()), caps.get(3).map_or(0, |m| m.end()));
        if caps.get(4).is_some() || !stands_alone(&text, start, year_end) {
            continue; // "Thông tư 43/2018/TT-BYT": the numbered form was found above
        }
        let kind = document_kind_code(&fold(&caps[1]));
        push_unique(&mut refs, format!("{}/{}/{}", &caps[2], &caps[3], kind));
    }
    refs
}

/// The match is not part of a longer word or number ("12345678/…", "…/TT-BYTX").
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// The canonical form of one typed document number (`guidance:43/2018/tt-byt`), if it is one.
pub fn normalize_legal_ref(text: &str) -> Option<String> {
    legal_refs(text).into_iter().next()
}

/// `43/2018/TT-BYT` → `43/2018/TT`: what "Thông tư 43/2018" is indexed as, so a filter on the
/// short form also finds documents that give the full number. `None` when there is no year or
/// no issuer.
pub(crate) fn short_form(reference: &str) -> Option<String> {
    let (number, rest) = reference.split_once('/')?;
    let (year, code) = rest.split_once('/')?;
    let (kind, _issuer) = code.split_once('-')?;
    Some(format!("{number}/{year}/{kind}"))
}

fn document_kind_code(words: &str) -> &'static str {
    let key: String = words.split_whitespace().collect::<Vec<_>>().join(" ");
    match key.as_str() {
        "thong tu" => "TT",
        "nghi dinh" => "ND",
        "quyet dinh" => "QD",
        "nghi quyet" => "NQ",
        _ => "CT",
    }
}

fn push_unique(refs: &mut Vec<String>, reference: String) {
    if !refs.contains(&reference) {
        refs.push(reference);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn circular_spellings_agree() {
        for text in [
            "43/2018/TT-BYT",
            "43/2018/tt-byt",
            "43 / 2018 / TT - BYT",
            "theo Thông tư số 43/2018/TT-BYT ngày 26/12/2018",
            "043/2018/TT-BYT",
        ] {
            assert_eq!(legal_refs(text), ["43/2018/TT-BYT"], "{text}");
        }
    }

    #[test]
    fn decision_spellings_agree() {
        for text in ["5316/QĐ-BYT", "5316/QD-BYT", "5316/QÐ-BYT", "5316/qđ-byt", "Quyết định 5316/QĐ-BYT - Bộ Y tế"] {
            assert_eq!(legal_refs(text), ["5316/QD-BYT"], "{text}");
        }
    }

    #[test]
    fn named_forms_without_code() {
        assert_eq!(legal_refs("Thông tư 43/2018"), ["43/2018/TT"]);
        assert_eq!(legal_refs("theo thong tu so 05/2023 của Bộ"), ["5/2023/TT"]);
        assert_eq!(legal_refs("Nghị định 96/2023 và Thông tư 43/2018"), ["96/2023/ND", "43/2018/TT"]);
    }

    #[test]
    fn other_shapes() {
        assert_eq!(legal_refs("Luật 15/2023/QH15"), ["15/2023/QH15"]);
        assert_eq!(legal_refs("TT liên tịch 11/2016/TTLT-BYT-BTC"), ["11/2016/TTLT-BYT-BTC"]);
        assert_eq!(legal_refs("5316/QĐ-BYT, 5316/QD-BYT và 43/2018/TT-BYT"), ["5316/QD-BYT", "43/2018/TT-BYT"]);
    }

    #[test]
    fn ordinary_numbers_are_not_references() {
        for text in ["uống 3 lần/ngày", "1/2 ống", "ngày 26/12/2018", "24/7", "tỷ lệ 1/ngày", "a/b", ""] {
            assert_eq!(legal_refs(text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn normalize_one_and_short_form() {
        assert_eq!(normalize_legal_ref("43/2018/tt-byt").as_deref(), Some("43/2018/TT-BYT"));
        assert_eq!(normalize_legal_ref("hello"), None);
        assert_eq!(short_form("43/2018/TT-BYT").as_deref(), Some("43/2018/TT"));
        assert_eq!(short_form("5316/QD-BYT"), None);
    }
}
