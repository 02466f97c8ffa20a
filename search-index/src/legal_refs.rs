//! Numbers of legal documents (circulars, decisions, decrees) in the spellings people type:
//! `43/2018/TT-BYT`, `43/2018/tt-byt`, `43 / 2018 / TT - BYT`, `5316/QĐ-BYT`, `5316/QD-BYT`,
//! `5316/QÐ-BYT` (U+00D0), `05/2023/…`, "Thông tư 43/2018", "thong tu 43/2018" and `TT43/2018`.
//! All become one canonical form, uppercase ASCII without spaces or leading zeros:
//! `43/2018/TT-BYT`, `5316/QD-BYT`, `96/2023/ND-CP`, and `43/2018/TT` for a short form that names
//! no issuer (an application can resolve it to a full number by number, year and kind).
//!
//! Dates (12/07/2013), fractions (1/2), doses (3 lần/ngày), phone numbers and ratios are not
//! numbers of documents: a year needs four digits and a code of letters after it, and a number
//! without a year needs an issuer code that is either known or written in capitals.

use std::ops::Range;
use std::sync::OnceLock;

use regex::{Captures, Regex};

use crate::analysis::{clean, fold};

/// One document number found in a text: where it is (byte offsets into the text given) and its
/// canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalRefSpan {
    pub range: Range<usize>,
    pub reference: String,
}

/// One part of a document code: `TT`, `BYT`, `QĐ`, `QH15`. `ð`/`Ð` (U+00F0/U+00D0) stand in for
/// đ/Đ in old documents; matching them here lets spans be found in text that was not cleaned.
const CODE_PART: &str = "[a-zđð]{1,8}[0-9]{0,3}";

/// number / [year /] type[-issuer[-issuer…]]. A space may surround the first hyphen
/// ("TT - BYT"); later hyphens must be tight, so that "QĐ-BYT - Bộ Y tế" stops at BYT.
/// Runs case-insensitively; word boundaries are checked in code because Unicode `\b` would push
/// the regex engine off its fast path on Vietnamese text.
fn numbered_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let part = CODE_PART;
        let pattern = format!(r"(?i)0*([0-9]{{1,6}})\s*/\s*(?:([0-9]{{4}})\s*/\s*)?({part}(?:\s*-\s*{part})?(?:-{part}){{0,2}})");
        Regex::new(&pattern).expect("valid legal reference pattern")
    })
}

/// "Thông tư 43/2018" (no type code after the year): the kind of document is in the words.
/// Group 4 catches a code that follows after all ("Thông tư 43/2018/TT-BYT"), which the numbered
/// pattern already reports.
fn named_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(?i)(thông\s+tư\s+liên\s+tịch|thong\s+tu\s+lien\s+tich|thông\s+tư|thong\s+tu|nghị\s+định|nghi\s+dinh|quyết\s+định|quyet\s+dinh|nghị\s+quyết|nghi\s+quyet|chỉ\s+thị|chi\s+thi)\s+(?:số\s+|so\s+)?0*([0-9]{1,6})\s*/\s*([0-9]{4})(\s*/\s*[a-zđð])?",
        )
        .expect("valid named legal reference pattern")
    })
}

/// "TT43/2018", "NĐ 96/2023", "QĐ-5316/2020": a kind code written before the number. With a code
/// after the year too ("TT 43/2018/TT-BYT") that code wins.
fn prefixed_pattern() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        let part = CODE_PART;
        let pattern = format!(
            r"(?i)(ttlt|tt|n[đð]|nd|nq|q[đð]|qd)[\s-]?0*([0-9]{{1,6}})\s*/\s*([0-9]{{4}})(?:\s*/\s*({part}(?:\s*-\s*{part})?(?:-{part}){{0,2}}))?"
        );
        Regex::new(&pattern).expect("valid prefixed legal reference pattern")
    })
}

/// Kind and issuer codes that make a number without a year a document number even when typed
/// in lower case ("5316/qđ-byt"); any other code must be written in capitals ("1234/BYT-KCB" yes,
/// "3/bn-ngày" no).
const KNOWN_CODES: &[&str] = &["QD", "CT", "CV", "TB", "KH", "HD", "BC", "NQ", "TTLT", "TT", "ND", "BYT", "TTG", "CP", "UBND", "SYT", "QH"];

/// Every legal-document number in `text`, canonical and without duplicates, in order of appearance.
pub fn legal_refs(text: &str) -> Vec<String> {
    if !text.contains('/') {
        return Vec::new(); // every form has a slash; most posts have none
    }
    let mut refs = Vec::new();
    for span in legal_ref_spans(&clean(text)) {
        push_unique(&mut refs, span.reference);
    }
    refs
}

/// Every document number in `text` with its byte range in `text` itself (not a cleaned copy),
/// in order, never overlapping: what a renderer needs to turn each into a link.
pub fn legal_ref_spans(text: &str) -> Vec<LegalRefSpan> {
    if !text.contains('/') {
        return Vec::new();
    }
    let mut spans: Vec<LegalRefSpan> = Vec::new();
    spans.extend(numbered_pattern().captures_iter(text).filter_map(|c| numbered(text, &c)));
    spans.extend(named_pattern().captures_iter(text).filter_map(|c| named(text, &c)));
    spans.extend(prefixed_pattern().captures_iter(text).filter_map(|c| prefixed(text, &c)));
    // Earliest first, the longest of those starting together; then drop what overlaps a kept one.
    spans.sort_by_key(|s| (s.range.start, std::cmp::Reverse(s.range.end)));
    let mut kept: Vec<LegalRefSpan> = Vec::with_capacity(spans.len());
    for span in spans {
        if kept.last().is_none_or(|last| span.range.start >= last.range.end) {
            kept.push(span);
        }
    }
    kept
}

fn numbered(text: &str, caps: &Captures) -> Option<LegalRefSpan> {
    let range = caps.get(0)?.range();
    if !stands_alone(text, range.clone()) {
        return None;
    }
    let raw_code = caps[3].replace(char::is_whitespace, "");
    let code = canonical_code(&raw_code);
    let reference = match caps.get(2) {
        Some(year) => format!("{}/{}/{}", &caps[1], year.as_str(), code),
        // Without a year, "3/ngay" (3 a day) would look like a number: require an issuer that is
        // known or written in capitals.
        None if code.contains('-') && issuer_is_plausible(&raw_code, &code) => format!("{}/{}", &caps[1], code),
        None => return None,
    };
    Some(LegalRefSpan { range, reference })
}

fn named(text: &str, caps: &Captures) -> Option<LegalRefSpan> {
    let start = caps.get(0)?.start();
    let end = caps.get(3)?.end();
    if caps.get(4).is_some() || !stands_alone(text, start..end) {
        return None; // "Thông tư 43/2018/TT-BYT": the numbered form is found on its own
    }
    let kind = document_kind_code(&fold(&clean(&caps[1])));
    Some(LegalRefSpan { range: start..end, reference: format!("{}/{}/{}", &caps[2], &caps[3], kind) })
}

fn prefixed(text: &str, caps: &Captures) -> Option<LegalRefSpan> {
    let range = caps.get(0)?.range();
    if !stands_alone(text, range.clone()) {
        return None;
    }
    let code = match caps.get(4) {
        Some(code) => canonical_code(&code.as_str().replace(char::is_whitespace, "")),
        None => canonical_code(&caps[1]),
    };
    Some(LegalRefSpan { range, reference: format!("{}/{}/{}", &caps[2], &caps[3], code) })
}

/// `qđ-byt` → `QD-BYT`: Ð/ð cleaned to Đ/đ, folded to ASCII, upper case.
fn canonical_code(code: &str) -> String {
    fold(&clean(code)).to_ascii_uppercase()
}

fn issuer_is_plausible(raw_code: &str, code: &str) -> bool {
    let first = code.split('-').next().unwrap_or("");
    let first_letters = first.trim_end_matches(|c: char| c.is_ascii_digit());
    KNOWN_CODES.contains(&first_letters) || !raw_code.chars().any(char::is_lowercase)
}

/// The match is not part of a longer word or number ("12345678/…", "…/TT-BYTX"), nor the tail
/// of a path or date ("/van-ban/43/2018/TT-BYT" in a URL, "1/12/2018").
fn stands_alone(text: &str, range: Range<usize>) -> bool {
    let before = text[..range.start].chars().next_back();
    let after = text[range.end..].chars().next();
    let glued = |c: char| c.is_alphanumeric() || c == '/';
    !before.is_some_and(glued) && !after.is_some_and(glued)
}

/// The canonical form of one typed document number (`guidance:43/2018/tt-byt`), if it is one.
pub fn normalize_legal_ref(text: &str) -> Option<String> {
    legal_refs(text).into_iter().next()
}

/// `43/2018/TT-BYT` → `43/2018/TT`: what "Thông tư 43/2018" is indexed as, so a filter on the
/// short form also finds documents that give the full number. `None` when there is no year or
/// no issuer.
pub fn short_form(reference: &str) -> Option<String> {
    let (number, rest) = reference.split_once('/')?;
    let (year, code) = rest.split_once('/')?;
    let (kind, _issuer) = code.split_once('-')?;
    Some(format!("{number}/{year}/{kind}"))
}

fn document_kind_code(words: &str) -> &'static str {
    let key: String = words.split_whitespace().collect::<Vec<_>>().join(" ");
    match key.as_str() {
        "thong tu lien tich" => "TTLT",
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

    /// Real-world spellings and the canonical forms they must give; an empty list means the text
    /// holds no document number.
    const SPELLINGS: &[(&str, &[&str])] = &[
        ("43/2018/TT-BYT", &["43/2018/TT-BYT"]),
        ("43/2018/tt-byt", &["43/2018/TT-BYT"]),
        ("43 / 2018 / TT - BYT", &["43/2018/TT-BYT"]),
        ("43/2018/TT - BYT", &["43/2018/TT-BYT"]),
        ("theo Thông tư số 43/2018/TT-BYT ngày 26/12/2018", &["43/2018/TT-BYT"]),
        ("043/2018/TT-BYT", &["43/2018/TT-BYT"]),
        ("Thông tư 43/2018", &["43/2018/TT"]),
        ("thông tư 43/2018", &["43/2018/TT"]),
        ("thong tu 43/2018", &["43/2018/TT"]),
        ("THÔNG TƯ SỐ 43/2018", &["43/2018/TT"]),
        ("Thông tư số 43 / 2018 của Bộ", &["43/2018/TT"]),
        ("TT43/2018", &["43/2018/TT"]),
        ("tt43/2018", &["43/2018/TT"]),
        ("TT 43/2018", &["43/2018/TT"]),
        ("TT-43/2018", &["43/2018/TT"]),
        ("TT43/2018/TT-BYT", &["43/2018/TT-BYT"]),
        ("TT 19/2013/TT-BYT về quản lý chất lượng", &["19/2013/TT-BYT"]),
        ("5316/QĐ-BYT", &["5316/QD-BYT"]),
        ("5316/QD-BYT", &["5316/QD-BYT"]),
        ("5316/QÐ-BYT", &["5316/QD-BYT"]), // U+00D0, not Đ
        ("5316/qđ-byt", &["5316/QD-BYT"]),
        ("5316/qð-byt", &["5316/QD-BYT"]), // U+00F0
        ("Quyết định 5316/QĐ-BYT - Bộ Y tế", &["5316/QD-BYT"]),
        ("QĐ số 6858/QĐ-BYT (83 tiêu chí)", &["6858/QD-BYT"]),
        ("06858/QĐ-BYT", &["6858/QD-BYT"]),
        ("89/QĐ-TTg", &["89/QD-TTG"]),
        ("Nghị định 96/2023/NĐ-CP", &["96/2023/ND-CP"]),
        ("96/2023/nđ-cp", &["96/2023/ND-CP"]),
        ("NĐ96/2023", &["96/2023/ND"]),
        ("nghi dinh 96/2023", &["96/2023/ND"]),
        ("Nghị định 96/2023 và Thông tư 43/2018", &["96/2023/ND", "43/2018/TT"]),
        ("Luật 15/2023/QH15", &["15/2023/QH15"]),
        ("TT liên tịch 11/2016/TTLT-BYT-BTC", &["11/2016/TTLT-BYT-BTC"]),
        ("Thông tư liên tịch 11/2016", &["11/2016/TTLT"]),
        ("Công văn 1234/BYT-KCB", &["1234/BYT-KCB"]),
        ("Chỉ thị 05/CT-BYT", &["5/CT-BYT"]),
        ("5316/QĐ-BYT, 5316/QD-BYT và 43/2018/TT-BYT", &["5316/QD-BYT", "43/2018/TT-BYT"]),
        ("(43/2018/TT-BYT).", &["43/2018/TT-BYT"]),
        // Not document numbers.
        ("ngày 12/07/2013", &[]),
        ("12/7/2013", &[]),
        ("1/2 ống", &[]),
        ("3/4 liều", &[]),
        ("uống 3 lần/ngày", &[]),
        ("tỷ lệ 1/ngày", &[]),
        ("1/bn-ngày", &[]),
        ("24/7", &[]),
        ("tỷ lệ 1/1000 ca", &[]),
        ("0912/345/678", &[]),
        ("ĐT: 028/3855 4137", &[]),
        ("tháng 12/2013", &[]),
        ("năm 2018/2019", &[]),
        ("a/b", &[]),
        ("https://example.vn/van-ban/43/2018/TT-BYT", &[]),
        ("", &[]),
    ];

    #[test]
    fn spellings_table() {
        assert!(SPELLINGS.len() >= 40);
        let failures: Vec<String> = SPELLINGS
            .iter()
            .filter(|(text, expected)| legal_refs(text) != *expected)
            .map(|(text, expected)| format!("{text:?}: expected {expected:?}, got {:?}", legal_refs(text)))
            .collect();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn spans_point_into_the_text_given() {
        let text = "Theo Thông tư 43/2018 và 5316/QÐ-BYT.";
        let spans = legal_ref_spans(text);
        let found: Vec<(&str, &str)> = spans.iter().map(|s| (&text[s.range.clone()], s.reference.as_str())).collect();
        assert_eq!(found, [("Thông tư 43/2018", "43/2018/TT"), ("5316/QÐ-BYT", "5316/QD-BYT")]);
    }

    #[test]
    fn normalize_one_and_short_form() {
        assert_eq!(normalize_legal_ref("43/2018/tt-byt").as_deref(), Some("43/2018/TT-BYT"));
        assert_eq!(normalize_legal_ref("hello"), None);
        assert_eq!(short_form("43/2018/TT-BYT").as_deref(), Some("43/2018/TT"));
        assert_eq!(short_form("5316/QD-BYT"), None);
    }
}
