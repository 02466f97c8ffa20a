//! Identifiers made of digits (and an email pattern): citizen ID (CCCD, 12 digits), old ID
//! (CMND, 9 digits), health-insurance card (2 letters + 13 digits), phone numbers, emails;
//! phones and ID numbers also typed one digit at a time or said in words ("không chín …").
//!
//! Numbers are read as *runs*: digit groups joined by single spaces, dots or dashes
//! ("0912 345 678", "028.3855.4269"). Within a run, each stretch of whole groups is tried as a
//! phone number, a citizen ID and an old ID, longest first. What keeps clinical numbers out:
//! phones need a Vietnamese prefix and length; a CCCD starts with a province code (001–096);
//! a 9-digit number that is grouped in thousands with dots or followed by a unit
//! ("100.000.000 đồng", "100000000 đơn vị") is an amount, not an ID.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::folded::{Folded, Word, between, words};
use super::{Finding, FindingKind};

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[a-z0-9](?:[a-z0-9._%+\-]*[a-z0-9_])?@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)*\.[a-z]{2,}\b",
    )
    .expect("email pattern")
});

/// Two letters (who the insured is, e.g. DN, HC, TE), benefit level 1–5, province code, then
/// ten digits; printed with or without spaces ("DN4797912345678", "DN 4 79 7912345678").
static INSURANCE_CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b(?:[A-Z]{2}|[a-z]{2})[ .\-]?[1-5](?:[ .\-]?[0-9]){12}\b").expect("insurance card pattern"));

/// Digit groups joined by one separator; a leading `+` for "+84"; an area code in brackets
/// ("(0251) 3822 456", "(+84) 912 345 678").
static NUMBER_RUN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:\(\+?[0-9]{2,4}\)[ .\-]?)?\+?[0-9]+(?:[ .\-][0-9]+)*").expect("number run pattern"));

/// The most digits an identifier here has (a landline with 84: 12; a CCCD: 12), with room to spare.
const MAX_DIGITS: usize = 13;

/// Words (folded) that, shortly before a number, say it is an identity document number.
const ID_WORDS: [&str; 6] = ["cccd", "cmnd", "can cuoc", "chung minh", "dinh danh", "cmt"];

/// Words (folded) for numbers that are not about a person.
const OTHER_NUMBER_WORDS: [&str; 9] = ["lo", "hoa don", "ma vach", "so seri", "serial", "ma so thue", "mst", "ma hang", "so lo"];

/// Words (folded) that introduce an institution's published number, not a person's: a
/// hospital's switchboard, hotline or duty line ("Tổng đài bệnh viện 028 3855 4269").
const INSTITUTION_WORDS: [&str; 6] = ["tong dai", "hotline", "duong day nong", "duong day ho tro", "so truc", "so may le"];

/// A department's own line: a phone word right before a department word ("số máy phòng Kế
/// hoạch", "điện thoại khoa Cấp cứu", "SĐT của khoa"), not a person's number that a department
/// holds ("số điện thoại của người nhà bệnh nhân khoa Nội" names the relative first).
static DEPARTMENT_LINE: LazyLock<Regex> = LazyLock::new(|| {
    let phone = r"(?:so\s+)?(?:dien\s+thoai|dt|sdt|so\s+may|may\s+ban)";
    let unit = r"(?:khoa|phong|tram|trung\s+tam|benh\s+vien|bv|don\s+vi|van\s+phong|quay|buong)";
    Regex::new(&format!(r"\b{phone}\s+(?:(?:cua|rieng\s+cua|truc\s+cua|truc)\s+)?{unit}\b")).expect("department line pattern")
});

/// Words right after a number that make it an amount or a dose.
const UNIT_WORDS: [&str; 16] =
    ["dong", "d", "vnd", "usd", "don vi", "ui", "iu", "mg", "mcg", "g", "ml", "l", "trieu", "ty", "ngan", "nghin"];

pub fn find(text: &str) -> Vec<Finding> {
    let mut findings: Vec<Finding> = EMAIL.find_iter(text).map(|m| finding(FindingKind::Email, m.range())).collect();
    let cards: Vec<Range<usize>> = INSURANCE_CARD.find_iter(text).map(|m| m.range()).collect();
    findings.extend(cards.iter().cloned().map(|r| finding(FindingKind::InsuranceCard, r)));
    // Digits inside an email or a card are not numbers of their own.
    let mut taken = vec![false; if findings.is_empty() { 0 } else { text.len() }];
    for f in &findings {
        taken[f.range.clone()].fill(true);
    }
    for run in NUMBER_RUN.find_iter(text) {
        if taken.get(run.range()).is_some_and(|bytes| bytes.contains(&true)) || glued_to_letters(text, run.range()) {
            continue;
        }
        findings.extend(numbers_in_run(text, run.range()));
    }
    // A number said in words or digit by digit is one number, not the pieces read above.
    // (Spoken numbers come in text order and do not overlap: a binary search finds the one a
    // finding could be inside, so a post full of numbers stays linear-logarithmic.)
    let spoken = spoken_numbers(text);
    findings.retain(|f| {
        let before = spoken.partition_point(|s| s.range.start <= f.range.start);
        before.checked_sub(1).is_none_or(|k| f.range.end > spoken[k].range.end)
    });
    findings.extend(spoken);
    findings
}

/// Digits said as words, with their diacritics: "không chín một hai …" (also "tư", "lăm", "mốt", "bẩy").
const DIGIT_WORDS: [(&str, char); 14] = [
    ("không", '0'),
    ("một", '1'),
    ("mốt", '1'),
    ("hai", '2'),
    ("ba", '3'),
    ("bốn", '4'),
    ("tư", '4'),
    ("năm", '5'),
    ("lăm", '5'),
    ("sáu", '6'),
    ("bảy", '7'),
    ("bẩy", '7'),
    ("tám", '8'),
    ("chín", '9'),
];

static FOLDED_DIGIT_WORDS: LazyLock<Vec<String>> =
    LazyLock::new(|| DIGIT_WORDS.iter().map(|(w, _)| search_index::analysis::fold(w)).collect());

/// The digit a word says: typed with diacritics it must be the word itself ("bà" is no "ba").
fn digit_word(word: &Word) -> Option<char> {
    let at = FOLDED_DIGIT_WORDS.iter().position(|f| *f == word.folded)?;
    if !search_index::analysis::has_diacritics(word.text) {
        return Some(DIGIT_WORDS[at].1);
    }
    let lower = word.text.to_lowercase();
    DIGIT_WORDS.iter().find(|(w, _)| *w == lower).map(|&(_, d)| d)
}

/// A number said in words or typed one digit at a time, maybe mixed with digit groups
/// ("không chín tám bảy 654 321", "khong chin mot hai ba bon nam sau bay tam",
/// "0 9 7 7 - 2 3 1 - 6 0 8"): a run of digit words and digit groups joined by spaces, dots or
/// dashes, with at least one word or only single digits (then not dots: "0.5 0.8 0.9" is a table
/// of decimals), that spells a phone number, or an ID number after an ID word. Words said in a
/// row may have commas between ("một chín không, bốn năm sáu, …").
fn spoken_numbers(text: &str) -> Vec<Finding> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let run = digit_run(text, &words, i);
        // The longest beginning of the run that is a number ("… tám, ba người" is no longer one).
        let found = run.ends.iter().rev().find_map(|&(last, len)| {
            let one_by_one = !run.dotted && last >= i + 8 && words[i..=last].iter().all(|w| w.text.len() == 1);
            let kind = spoken_kind(text, &run.digits[..len], words[i].range.start, run.spoken || one_by_one)?;
            Some((last, kind))
        });
        match found {
            Some((last, kind)) => {
                out.push(finding(kind, words[i].range.start..words[last].range.end));
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out
}

fn spoken_kind(text: &str, digits: &str, start: usize, counts: bool) -> Option<FindingKind> {
    if !counts {
        None
    } else if is_phone(digits, false) {
        (!after_institution_word(text, start)).then_some(FindingKind::Phone)
    } else if matches!(digits.len(), 9 | 12) && after_id_word(text, start) {
        Some(if digits.len() == 9 { FindingKind::OldIdNumber } else { FindingKind::CitizenId })
    } else {
        None
    }
}

/// A run of digit words and numbers: its digits, where each word of it ends (its index and
/// the digits up to it), whether a word said a digit, and whether a dot joined two of them.
struct DigitRun {
    digits: String,
    ends: Vec<(usize, usize)>,
    spoken: bool,
    dotted: bool,
}

fn digit_run(text: &str, words: &[Word], i: usize) -> DigitRun {
    let mut run = DigitRun { digits: String::new(), ends: Vec::new(), spoken: false, dotted: false };
    for (k, w) in words.iter().enumerate().skip(i) {
        let said = digit_word(w);
        if k > i {
            let gap = between(text, &words[k - 1], w);
            let joined = matches!(gap.trim(), "" | "-" | "." | "–") && gap.len() <= 3;
            let listed = gap == ", " && said.is_some() && run.spoken;
            if !(joined || listed) {
                break;
            }
            run.dotted |= gap.contains('.');
        }
        match said {
            Some(d) => {
                run.digits.push(d);
                run.spoken = true;
            }
            None if w.is_number() => run.digits.push_str(w.text),
            None => break,
        }
        if run.digits.len() > MAX_DIGITS {
            break;
        }
        run.ends.push((k, run.digits.len()));
    }
    run
}

fn finding(kind: FindingKind, range: Range<usize>) -> Finding {
    Finding { kind, range }
}

/// "I21", "mm3", "C6.1": digits that are part of a code, not a number of their own.
fn glued_to_letters(text: &str, run: Range<usize>) -> bool {
    let before = text[..run.start].chars().next_back();
    let after = text[run.end..].chars().next();
    before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
}

/// One digit group of a run: its digits and where it is.
struct Group {
    digits: String,
    range: Range<usize>,
    /// The separator before this group (none for the first).
    separator: Option<char>,
}

fn groups(text: &str, run: Range<usize>) -> Vec<Group> {
    let mut out = Vec::new();
    let mut at = run.start;
    let mut separator = None;
    for part in text[run.clone()].split([' ', '.', '-']) {
        let digits = part.chars().filter(char::is_ascii_digit).collect();
        out.push(Group { digits, range: at..at + part.len(), separator });
        at += part.len();
        separator = text[at..].chars().next();
        at += 1;
    }
    out
}

/// Identifiers in one run, trying the longest stretch of groups first at each position.
fn numbers_in_run(text: &str, run: Range<usize>) -> Vec<Finding> {
    let groups = groups(text, run.clone());
    let plus = text[run.clone()].trim_start_matches('(').starts_with('+');
    let mut out = Vec::new();
    let mut i = 0;
    while i < groups.len() {
        // Every group has a digit, so no stretch longer than the longest identifier needs trying.
        let longest = (i + MAX_DIGITS).min(groups.len());
        match (i..longest).rev().find_map(|j| classify(text, &groups[i..=j], plus && i == 0).map(|k| (j, k))) {
            Some((j, kind)) => {
                out.push(finding(kind, groups[i].range.start..groups[j].range.end));
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

fn classify(text: &str, stretch: &[Group], plus: bool) -> Option<FindingKind> {
    if stretch.iter().map(|g| g.digits.len()).sum::<usize>() > MAX_DIGITS {
        return None;
    }
    let digits: String = stretch.iter().map(|g| g.digits.as_str()).collect();
    let range = stretch[0].range.start..stretch[stretch.len() - 1].range.end;
    if is_phone(&digits, plus) && phone_grouping(stretch) {
        (!after_institution_word(text, range.start)).then_some(FindingKind::Phone)
    } else if digits.len() == 12 && ((is_citizen_id(&digits) && whole_groups(stretch)) || after_id_word(text, range.start)) {
        Some(FindingKind::CitizenId)
    } else if digits.len() == 9
        && (after_id_word(text, range.start)
            || (looks_like_old_id(text, stretch, range.end) && !after_other_number_word(text, range.start)))
    {
        Some(FindingKind::OldIdNumber)
    } else {
        None
    }
}

/// 0 + 9 digits for mobiles (03, 05, 07, 08, 09), 0 + 10 for landlines (02x); +84 or 84 instead of 0.
fn is_phone(digits: &str, plus: bool) -> bool {
    let national = if let Some(rest) = digits.strip_prefix('0') {
        rest
    } else if let Some(rest) = digits.strip_prefix("84").filter(|r| plus || r.len() >= 9) {
        rest
    } else {
        return false;
    };
    match national.as_bytes().first() {
        Some(b'3' | b'5' | b'7' | b'8' | b'9') => national.len() == 9,
        Some(b'2') => national.len() == 10,
        _ => false,
    }
}

/// People group phone digits in twos to fours ("0977 12 34 56"), or type them one by one with
/// the same separator ("0 9 1 2 3 4 5 6 7 8"); single digits with mixed separators are decimals
/// in a table ("0.5 0.8 0.9 1.2 3.4"), not a number. One digit is allowed right after the
/// country code ("+84 9 1234 5678").
fn phone_grouping(stretch: &[Group]) -> bool {
    let after_country_code = |i: usize| i == 1 && stretch[0].digits == "84";
    let one_by_one = stretch.iter().all(|g| g.digits.len() == 1) && stretch[1..].iter().all(|g| g.separator == stretch[1].separator);
    stretch.len() == 1 || one_by_one || stretch.iter().enumerate().all(|(i, g)| g.digits.len() >= 2 || after_country_code(i))
}

/// Groups of three or more digits: how ID numbers are spaced ("079 190 123 456", "0011 8500
/// 2345"), unlike dates and date ranges ("01.01.2023-31.12.2023"), which have 1–2 digit groups.
fn whole_groups(stretch: &[Group]) -> bool {
    stretch.iter().all(|g| g.digits.len() >= 3)
}

/// A CCCD begins with the code of the province of birth registration: 001 to 096.
fn is_citizen_id(digits: &str) -> bool {
    digits.starts_with('0') && digits[1..3].parse::<u8>().is_ok_and(|code| (1..=96).contains(&code))
}

/// Nine digits written together or as 3-3-3 with spaces, not followed by a unit. Dots between
/// groups of three are how amounts are written ("450.000.000"), so those are not IDs.
fn looks_like_old_id(text: &str, stretch: &[Group], end: usize) -> bool {
    let plain = stretch.len() == 1 || (whole_groups(stretch) && stretch[1..].iter().all(|g| g.separator == Some(' ')));
    plain && !followed_by_unit(text, end)
}

fn followed_by_unit(text: &str, end: usize) -> bool {
    let next = folded_words(text[end..].trim_start().get(..12).unwrap_or(text[end..].trim_start()));
    UNIT_WORDS.iter().any(|unit| next.strip_prefix(unit).is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric())))
}

/// Whether a word that names some other kind of number (a lot, an invoice, a tax code) comes
/// just before: "lô 230415001", "hóa đơn số 000123456".
fn after_other_number_word(text: &str, start: usize) -> bool {
    let before = folded_words(window_before(text, start, 20));
    let words: Vec<&str> = before.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let last_words = format!(" {} ", words[words.len().saturating_sub(3)..].join(" "));
    OTHER_NUMBER_WORDS.iter().any(|w| last_words.contains(&format!(" {w} ")))
}

/// A short window folded for matching words, or nothing when it has no letter (a post of
/// numbers asks this at every number; folding is the slow part).
fn folded_words(window: &str) -> String {
    if window.chars().any(char::is_alphabetic) { Folded::new(window).text } else { String::new() }
}

/// Up to `chars` characters of `text` before byte `start`.
fn window_before(text: &str, start: usize, chars: usize) -> &str {
    let from = text[..start].char_indices().rev().nth(chars.saturating_sub(1)).map_or(0, |(i, _)| i);
    &text[from..start]
}

/// Whether a switchboard or hotline is named just before, in the same clause: "tổng đài
/// 1900 9095", "Hotline của khoa Cấp cứu 0243 869 3731" (a few words may name whose it is).
fn after_institution_word(text: &str, start: usize) -> bool {
    let window = window_before(text, start, 40);
    let clause = window.rsplit(['.', ';', '\n', '!', '?']).next().unwrap_or(window);
    let folded = folded_words(clause);
    INSTITUTION_WORDS.iter().any(|w| folded.contains(w)) || DEPARTMENT_LINE.is_match(&folded)
}

/// Whether an identity-document word ("CCCD", "số CMND", "căn cước") comes within a few words before.
fn after_id_word(text: &str, start: usize) -> bool {
    let before = folded_words(window_before(text, start, 40));
    ID_WORDS.iter().any(|w| before.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(FindingKind, &str)> {
        find(text).into_iter().map(|f| (f.kind, &text[f.range])).collect()
    }

    #[test]
    fn phones_with_prefixes_and_separators() {
        for (text, number) in [
            ("gọi 0912 345 678 nhé", "0912 345 678"),
            ("SĐT: +84 903 123 456.", "+84 903 123 456"),
            ("so 0368-123-456 de", "0368-123-456"),
            ("máy bàn 028.3855.4269 của", "028.3855.4269"),
            ("goi 84912345678", "84912345678"),
            ("(0934 567 890)", "0934 567 890"),
            ("máy bàn (0251) 3822 456 nhưng", "(0251) 3822 456"),
            ("số (+84) 912 345 678", "(+84) 912 345 678"),
            ("gọi +84 9 1234 5678", "+84 9 1234 5678"),
            ("số 0977 12 34 56", "0977 12 34 56"),
            ("sdt 0 9 1 2 3 4 5 6 7 8 nhe", "0 9 1 2 3 4 5 6 7 8"),
            ("số 0-9-8-7-6-5-4-3-2-1.", "0-9-8-7-6-5-4-3-2-1"),
            ("số điện thoại của người nhà bệnh nhân khoa Nội: 0912 345 678", "0912 345 678"),
            ("gọi số không chín một hai ba bốn năm sáu bảy tám nhé", "không chín một hai ba bốn năm sáu bảy tám"),
            ("sdt khong chin tam 765 4321 nha", "khong chin tam 765 4321"),
            ("số của anh ấy 0 9 7 7 - 2 3 1 - 6 0 8, nghe giúp", "0 9 7 7 - 2 3 1 - 6 0 8"),
        ] {
            assert_eq!(kinds(text), [(FindingKind::Phone, number)], "{text}");
        }
    }

    #[test]
    fn hotlines_amounts_and_dates_are_not_phones() {
        for text in [
            "Creatinin 0.5 0.8 0.9 1.2 3.4 mg/dL",
            "Tổng đài 1900 9095",
            "Tổng đài bệnh viện 028 3855 4269",
            "duong day nong cua So Y te 0989 671 115",
            "Hotline khoa Cấp cứu: 0243 869 3731",
            "450.000.000 đồng",
            "từ 01.01.2023-31.12.2023",
            "lô 12 3 456 789",
            "ngày 12.03.2023",
            "1.000.000 đơn vị",
            "mã 2023-0456",
            "Số máy phòng Kế hoạch tổng hợp 0243 869 3731",
            "dien thoai khoa cap cuu 0236 3812 947",
            "SĐT của khoa: 0912 345 678",
            "HbA1c 0.5 0.8 0.9 1.2 3.4 5 6 7 8 9",
            "không, ba năm sáu tháng rồi mà không hai ba lần",
            "khong ba nam sau bay tam",
        ] {
            assert_eq!(kinds(text), [], "{text}");
        }
    }

    #[test]
    fn id_numbers_said_in_words_after_an_id_word() {
        assert_eq!(
            kinds("so cmnd doc qua dien thoai: mot chin khong, bon nam sau, bay tam chin - e ghi"),
            [(FindingKind::OldIdNumber, "mot chin khong, bon nam sau, bay tam chin")]
        );
        assert_eq!(kinds("mot chin khong, bon nam sau, bay tam chin"), []);
    }

    #[test]
    fn citizen_ids_need_a_province_code_or_an_id_word() {
        assert_eq!(kinds("số 001085012345 ghi"), [(FindingKind::CitizenId, "001085012345")]);
        assert_eq!(kinds("Căn cước 079 190 123 456"), [(FindingKind::CitizenId, "079 190 123 456")]);
        assert_eq!(kinds("CCCD 123456789012"), [(FindingKind::CitizenId, "123456789012")]);
        assert_eq!(kinds("mã vạch 123456789012"), []);
    }

    #[test]
    fn old_ids_are_nine_digits_that_are_not_amounts() {
        assert_eq!(kinds("CMND 201234567 cap"), [(FindingKind::OldIdNumber, "201234567")]);
        assert_eq!(kinds("CMND: 145 678 912."), [(FindingKind::OldIdNumber, "145 678 912")]);
        assert_eq!(kinds("100000000 đơn vị"), []);
        assert_eq!(kinds("123.456.789 đồng"), []);
        assert_eq!(kinds("Lô thuốc số 230415001 bị thu hồi"), []);
        assert_eq!(kinds("hóa đơn 000123456"), []);
    }

    #[test]
    fn insurance_cards_with_and_without_spaces() {
        assert_eq!(kinds("thẻ DN4797912345678 hết hạn"), [(FindingKind::InsuranceCard, "DN4797912345678")]);
        assert_eq!(kinds("the HC 4 01 0123456789,"), [(FindingKind::InsuranceCard, "HC 4 01 0123456789")]);
        assert_eq!(kinds("mã HT3 79 7912345678"), [(FindingKind::InsuranceCard, "HT3 79 7912345678")]);
    }

    #[test]
    fn emails() {
        assert_eq!(kinds("gửi về hoangmai1980@gmail.com."), [(FindingKind::Email, "hoangmai1980@gmail.com")]);
        assert_eq!(kinds("@mention và a@b"), []);
    }
}
