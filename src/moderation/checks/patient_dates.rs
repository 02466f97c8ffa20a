//! Dates of a patient's care: a day and month (maybe a year) tied by the words around it to an
//! admission, discharge, transfer, operation or procedure, visit, emergency, delivery, death, or
//! what happens to the patient in care (a fall, a reaction, a test; lists in `patient_date_words.rs`)
//! ("nhập viện ngày 12/3/2024", "mổ hôm 15-03", "ngày 2 tháng 4 năm 2024 người bệnh tử vong",
//! "ra vien 12/3"). HIPAA's Safe Harbor counts every element of such dates except the year.
//!
//! How a date is told apart from the many dates of clinical prose that identify nobody:
//! - Its shape. A numeric day/month with a year ("12/3/2024", "12-03-2024", "12.3.2024") or after
//!   a date word ("ngày", "hôm", "sáng", "mùng", …) or written in words ("ngày 2 tháng 4"). A bare
//!   "12/3" counts only right next to the event ("ra viện 12/3"); a bare "12.3" is a decimal and a
//!   bare "3-5" a range. A month or year alone ("tháng 3/2024", "năm 2023") is not a date here.
//! - Its neighbours. Within the sentence, the nearest tagged words on its left decide (or, if
//!   there are none, on its right): a patient event makes it a patient date; a document,
//!   meeting, training, audit, campaign, start of a rule or statistic makes it none of the
//!   patient's ("Thông tư 43/2018/TT-BYT ngày 26/12/2018", "họp giao ban ngày 5/6", "từ ngày
//!   1/7 khoa áp dụng bảng kiểm an toàn phẫu thuật", "ngày 2/9 có 35 ca nhập viện").
//! - An event word naming a place or a team is no event ("khoa Cấp cứu", "phòng mổ", "xe cấp
//!   cứu", "lịch khám"), nor one counted ("35 ca nhập viện", "số lượt khám").
//!
//! Matching is case- and diacritic-insensitive for phrases of two or more words ("nhap vien");
//! a single word typed with diacritics must have the right ones ("mổ", not "mở" or "mô"), one
//! typed without any matches when that spelling is not too common a word ("mo" yes, "de" no).
//! Dates of birth are [`birth_dates`](super::birth_dates); an incident's date with no event of
//! the patient's is not a patient date, nor a day that recurs every year (policy in README.md).

use std::sync::LazyLock;

use search_index::analysis::{fold, has_diacritics};

use super::folded::{Word, between, words};
use super::patient_date_words::{EVENTS, NOT_PATIENT, PLACES, Rule};
use super::{Finding, FindingKind};

/// Words before a day that make it a date ("ngày 12/3", "hôm 15-03", "sáng 12/3").
const MARKERS: [&str; 10] = ["ngày", "hôm", "sáng", "chiều", "tối", "đêm", "trưa", "khuya", "mùng", "mồng"];
/// Markers that belong to the date itself (the finding starts at them): "ngày 12/3" → "[ngày]".
const MARKERS_IN_DATE: [&str; 3] = ["ngay", "mung", "mong"];

/// How far (in words, within the sentence) the words that tie a date to an event may be.
const WINDOW: usize = 8;
/// A bare "12/3" needs its event this close (a connecting word such as "vào" may stand between).
const BARE_WINDOW: usize = 2;

/// A phrase, how a one-word phrase may be typed without diacritics, and a condition on what follows.
struct Phrase {
    words: Vec<&'static str>,
    folded: Vec<String>,
    plain_ok: bool,
    rule: Rule,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Tag {
    Event,
    /// What makes a date not a patient's: documents, meetings, trainings, audits, campaigns,
    /// the start of a rule, statistics, expiry dates.
    NotPatient,
}

/// Words that may stand between what makes a date not a patient's and an event word, which is
/// then its topic: "tập huấn cấp cứu", "hội thảo về phẫu thuật", "triển khai kỹ thuật nội soi".
const TOPIC_GLUE: [&str; 10] = ["ve", "ky", "thuat", "nang", "chuyen", "de", "cong", "tac", "phuong", "phap"];

/// Words that count patients or cases: "35 ca nhập viện", "số lượt khám", "các ca mổ".
const COUNTED: [&str; 9] = ["ca", "luot", "benh", "nhan", "nguoi", "tre", "truong", "hop", "bn"];
const QUANTIFIERS: [&str; 6] = ["so", "cac", "moi", "nhieu", "nhung", "tong"];

/// Nouns that, right after a bare "1/2", make it a fraction: "3/4 ca", "1/2 viên".
const FRACTION_OF: [&str; 10] = ["ca", "so", "benh", "nguoi", "luot", "lieu", "vien", "ong", "lan", "truong"];

static EVENT_PHRASES: LazyLock<Vec<Phrase>> =
    LazyLock::new(|| EVENTS.iter().map(|&(p, plain_ok, rule)| phrase(p, plain_ok, rule)).collect());
static NOT_PATIENT_PHRASES: LazyLock<Vec<Phrase>> =
    LazyLock::new(|| NOT_PATIENT.iter().map(|&(p, plain_ok)| phrase(p, plain_ok, Rule::Any)).collect());
/// The first words of every event and of everything that makes a date no one's: a word that
/// begins none is passed over at once (a post has many words and the lists many phrases).
static FIRST_WORDS: LazyLock<std::collections::HashSet<String>> =
    LazyLock::new(|| EVENT_PHRASES.iter().chain(NOT_PATIENT_PHRASES.iter()).map(|p| p.folded[0].clone()).collect());
static PLACE_PHRASES: LazyLock<Vec<Phrase>> =
    LazyLock::new(|| PLACES.iter().map(|&(p, plain_ok)| phrase(p, plain_ok, Rule::Any)).collect());

fn phrase(text: &'static str, plain_ok: bool, rule: Rule) -> Phrase {
    let words: Vec<&str> = text.split(' ').collect();
    let folded = words.iter().map(|w| fold(w)).collect();
    Phrase { words, folded, plain_ok, rule }
}

/// A date's shape, from surest to least sure.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Shape {
    /// With a year, or written in words after a date word.
    Full,
    /// A day/month after a date word ("ngày 12/3", "hôm 15-03").
    Marked,
    /// "12/3" alone.
    Bare,
}

#[derive(Debug)]
struct DateAt {
    /// The first word of the finding (the date word "ngày" when there is one) and the last.
    first: usize,
    last: usize,
    /// Where the look to the left starts: the date word whatever it is ("sáng" too), or the day.
    outer_first: usize,
    shape: Shape,
}

pub fn find(text: &str) -> Vec<Finding> {
    let words = words(text);
    let tags = tag_words(text, &words);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let Some(date) = date_at(text, &words, i) else {
            i += 1;
            continue;
        };
        if ties_to_a_patient(text, &words, &tags, &date) && !recurring(&words, date.last) {
            out.push(Finding { kind: FindingKind::PatientDate, range: words[date.first].range.start..words[date.last].range.end });
        }
        i = date.last + 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dates

/// A date whose day is word `i`.
fn date_at(text: &str, words: &[Word], i: usize) -> Option<DateAt> {
    let day = small_number(&words[i], 31)?;
    if day == 0 || part_of_a_longer_number(text, words, i) {
        return None;
    }
    let marker = i.checked_sub(1).filter(|&m| is_marker(&words[m]) && between(text, &words[m], &words[i]).trim().is_empty());
    let lunar = marker.is_some_and(|m| matches!(words[m].folded.as_str(), "mung" | "mong"));
    let (last, shape) = numeric_date(text, words, i, marker.is_some() || in_a_range(text, words, i))
        .or_else(|| worded_date(words, i, marker.is_some()))
        .or_else(|| tet_date(words, i, lunar))?;
    if (shape == Shape::Bare && is_a_fraction(text, words, last)) || idiom(words, i, last) {
        return None;
    }
    let first = marker.filter(|&m| MARKERS_IN_DATE.contains(&words[m].folded.as_str())).unwrap_or(i);
    Some(DateAt { first, last, outer_first: marker.unwrap_or(i), shape })
}

/// "12/3", "12-03-2024", "12.3.2024": the last word and the shape.
fn numeric_date(text: &str, words: &[Word], i: usize, marked: bool) -> Option<(usize, Shape)> {
    let sep = between(text, &words[i], words.get(i + 1)?);
    if !matches!(sep, "/" | "-" | ".") {
        return None;
    }
    if small_number(&words[i + 1], 12)? == 0 {
        return None;
    }
    let year = words.get(i + 2).filter(|y| between(text, &words[i + 1], y) == sep && y.is_number());
    if let Some(y) = year {
        let plausible = match y.text.len() {
            4 => (1900..=2100).contains(&y.text.parse::<u32>().unwrap_or(0)),
            2 => sep == "/",
            _ => false,
        };
        return (plausible && !continues_as_number(text, words, i + 2)).then_some((i + 2, Shape::Full));
    }
    if continues_as_number(text, words, i + 1) {
        return None;
    }
    match (marked, sep) {
        (true, _) => Some((i + 1, Shape::Marked)),
        (false, "/") => Some((i + 1, Shape::Bare)),
        _ => None,
    }
}

/// "ngày 2 tháng 4", "mùng 2 tháng 4 năm 2024", "24 tháng Chạp": only after a date word ("2
/// tháng" alone is a duration). The lunar year's first and last months have names (Giêng, Chạp).
fn worded_date(words: &[Word], i: usize, marked: bool) -> Option<(usize, Shape)> {
    if !marked || words.get(i + 1)?.folded != "thang" {
        return None;
    }
    let named = matches!(words.get(i + 2)?.folded.as_str(), "gieng" | "chap");
    if !named && small_number(&words[i + 2], 12)? == 0 {
        return None;
    }
    let year = words.get(i + 3).filter(|w| w.folded == "nam").and(words.get(i + 4)).filter(|y| y.is_number() && y.text.len() == 4);
    Some((if year.is_some() { i + 4 } else { i + 2 }, Shape::Full))
}

/// "mùng 2 Tết": a day of the lunar new year (the month is Tết itself).
fn tet_date(words: &[Word], i: usize, lunar: bool) -> Option<(usize, Shape)> {
    (lunar && words.get(i + 1)?.folded == "tet").then_some((i + 1, Shape::Full))
}

/// "từ 1/11 đến 10/11": both ends of a range of day/month are dates, as if after "ngày".
fn in_a_range(text: &str, words: &[Word], i: usize) -> bool {
    let slash = |d: usize| words.get(d + 1).is_some_and(|m| between(text, &words[d], m) == "/" && small_number(m, 12).is_some());
    let word = |k: usize| words.get(k).map_or("", |w| w.folded.as_str());
    let opens = i >= 1 && word(i - 1) == "tu" && matches!(word(i + 2), "den" | "toi") && slash(i + 3);
    slash(i) && (opens || (i >= 4 && matches!(word(i - 1), "den" | "toi") && word(i - 4) == "tu" && slash(i - 3)))
}

/// "ngày 1/1 năm nào cũng …", "1/6 hằng năm": a day that comes back every year is no one's.
fn recurring(words: &[Word], last: usize) -> bool {
    let word = |k: usize| words.get(k).map_or("", |w| w.folded.as_str());
    (last + 1..last + 3).any(|k| matches!((word(k), word(k + 1)), ("nam", "nao") | ("hang", "nam") | ("moi", "nam")))
}

/// A number of one or two digits up to `max`.
fn small_number(w: &Word, max: u32) -> Option<u32> {
    if !w.is_number() || w.text.len() > 2 {
        return None;
    }
    w.text.parse().ok().filter(|&n| n <= max)
}

/// "2,1/1.000", "43/2018/…", "1.2.3.4": the word is glued to a number before it.
fn part_of_a_longer_number(text: &str, words: &[Word], i: usize) -> bool {
    i.checked_sub(1).is_some_and(|p| {
        let gap = between(text, &words[p], &words[i]);
        words[p].text.bytes().any(|b| b.is_ascii_digit()) && matches!(gap, "/" | "." | "," | "-" | ":")
    })
}

/// "12/3/2024/…", "3.5.6": the number goes on after the date.
fn continues_as_number(text: &str, words: &[Word], last: usize) -> bool {
    let after = &text[words[last].range.end..];
    let mut chars = after.chars();
    match (chars.next(), chars.next()) {
        (Some('%'), _) => true,
        (Some('/' | '.' | ',' | '-' | ':'), Some(c)) => c.is_alphanumeric(),
        _ => false,
    }
}

/// "3/4 ca", "1/2 viên": a fraction of something.
fn is_a_fraction(text: &str, words: &[Word], last: usize) -> bool {
    words.get(last + 1).is_some_and(|w| FRACTION_OF.contains(&w.folded.as_str()) && between(text, &words[last], w).trim().is_empty())
}

/// "24/7" is round the clock, not the 24th of July.
fn idiom(words: &[Word], i: usize, last: usize) -> bool {
    last == i + 1 && words[i].text == "24" && words[last].text == "7"
}

static MARKER_PHRASES: LazyLock<Vec<Phrase>> = LazyLock::new(|| MARKERS.iter().map(|m| phrase(m, true, Rule::Any)).collect());

fn is_marker(w: &Word) -> bool {
    MARKER_PHRASES.iter().any(|m| typed_as(w, m))
}

/// Whether `w` is the one-word phrase `p`: with its diacritics, or without any when `plain_ok`.
fn typed_as(w: &Word, p: &Phrase) -> bool {
    if w.folded != p.folded[0] {
        return false;
    }
    if has_diacritics(w.text) { w.text.to_lowercase() == p.words[0] } else { p.plain_ok }
}

// ---------------------------------------------------------------------------------------------
// What the words around a date say

/// For each word, whether it is part of a patient event or of what makes a date not a patient's.
fn tag_words(text: &str, words: &[Word]) -> Vec<Option<Tag>> {
    let mut tags = vec![None; words.len()];
    let mut i = 0;
    while i < words.len() {
        let (len, tag) = if doc_code_at(text, words, i) {
            (1, Some(Tag::NotPatient))
        } else {
            match longest_match(text, words, i) {
                Some((len, Tag::Event)) => (len, event_tag(text, words, &tags, i)),
                Some((len, tag)) => (len, Some(tag)),
                None => (1, None),
            }
        };
        tags[i..i + len].fill(tag);
        i += len;
    }
    tags
}

/// "43/2018/TT-BYT", "5631/QĐ-BYT", "1234/BYT-KCB": letters glued by "/" to a number are a
/// document's number.
fn doc_code_at(text: &str, words: &[Word], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &words[p]) else { return false };
    prev.is_number() && between(text, prev, &words[i]) == "/" && words[i].text.chars().any(char::is_alphabetic)
}

/// The longest patient event starting at word `i` ("nhập viện", "tử vong", "mổ"), as written
/// in the word list, and how many words it has; for [`bare_names`](super::bare_names), which
/// takes a name right before such an event for a patient's.
pub(super) fn event_at(text: &str, words: &[Word], i: usize) -> Option<(&'static str, usize)> {
    if !FIRST_WORDS.contains(&words.get(i)?.folded) {
        return None;
    }
    EVENT_PHRASES.iter().zip(EVENTS).filter(|(p, _)| matches_at(text, words, i, p)).map(|(p, e)| (e.0, p.words.len())).max_by_key(|e| e.1)
}

/// The longest phrase starting at word `i`: its length and its tag.
fn longest_match(text: &str, words: &[Word], i: usize) -> Option<(usize, Tag)> {
    if !FIRST_WORDS.contains(&words[i].folded) {
        return None;
    }
    let longest = |phrases: &[Phrase]| phrases.iter().filter(|p| matches_at(text, words, i, p)).map(|p| p.words.len()).max();
    match (longest(&EVENT_PHRASES), longest(&NOT_PATIENT_PHRASES)) {
        (Some(e), o) if o.is_none_or(|o| e >= o) => Some((e, Tag::Event)),
        (_, Some(o)) => Some((o, Tag::NotPatient)),
        _ => None,
    }
}

fn matches_at(text: &str, words: &[Word], i: usize, p: &Phrase) -> bool {
    let Some(span) = words.get(i..i + p.words.len()) else { return false };
    if span[0].folded != p.folded[0] {
        return false;
    }
    let same = if p.words.len() == 1 {
        typed_as(&span[0], p)
    } else {
        span.iter().zip(&p.folded).all(|(w, f)| &w.folded == f)
            && span.windows(2).all(|pair| between(text, &pair[0], &pair[1]).trim().is_empty())
    };
    same && rule_holds(text, words, i + p.words.len(), p.rule)
}

fn rule_holds(text: &str, words: &[Word], next: usize, rule: Rule) -> bool {
    let Some(after) = words.get(next) else { return rule != Rule::DateAfter };
    match rule {
        Rule::Any => true,
        Rule::NotBefore(words) => !words.contains(&after.folded.as_str()),
        Rule::DateAfter => {
            let joined = between(text, &words[next - 1], after).trim().is_empty();
            joined && (is_marker(after) || matches!(after.folded.as_str(), "luc" | "vao" | "hoi") || small_number(after, 31).is_some())
        }
    }
}

/// What an event word at `i` ties a date to, given the tags before it: nothing when it names a
/// place or team ("khoa Cấp cứu", "phòng mổ"); not a patient when it is counted ("35 ca nhập
/// viện", "các ca mổ") or the topic of a training, meeting or rule ("tập huấn cấp cứu").
fn event_tag(text: &str, words: &[Word], tags: &[Option<Tag>], i: usize) -> Option<Tag> {
    let folded = |j: usize| words[j].folded.as_str();
    if PLACE_PHRASES.iter().any(|p| i >= p.words.len() && matches_at(text, words, i - p.words.len(), p)) {
        return None;
    }
    let mut j = i;
    while j > 0 && i - j < 3 && COUNTED.contains(&folded(j - 1)) {
        j -= 1;
    }
    if j < i && j > 0 && (is_a_count(text, words, j - 1) || QUANTIFIERS.contains(&folded(j - 1))) {
        return Some(Tag::NotPatient);
    }
    let mut j = i;
    while j > 0 && i - j < 3 && tags[j - 1].is_none() && TOPIC_GLUE.contains(&folded(j - 1)) {
        j -= 1;
    }
    Some(if j > 0 && tags[j - 1] == Some(Tag::NotPatient) { Tag::NotPatient } else { Tag::Event })
}

/// A number that counts: not the end of a date or a time ("ngày 2 tháng 4 năm 2024 người bệnh
/// tử vong", "12/3 bệnh nhân mổ").
fn is_a_count(text: &str, words: &[Word], k: usize) -> bool {
    let after_date = k.checked_sub(1).is_some_and(|p| {
        matches!(words[p].folded.as_str(), "nam" | "thang" | "ngay" | "luc" | "gio")
            || matches!(between(text, &words[p], &words[k]), "/" | "-" | ".")
    });
    // "1 ca tử vong" is one patient, not a statistic.
    words[k].is_number() && words[k].text != "1" && !after_date
}

/// The nearest tagged words on the left decide; when there are none, those on the right.
fn ties_to_a_patient(text: &str, words: &[Word], tags: &[Option<Tag>], date: &DateAt) -> bool {
    let window = if date.shape == Shape::Bare { BARE_WINDOW } else { WINDOW };
    let left = (0..date.outer_first).rev().take_while(|&k| !sentence_break(text, words, k)).take(window);
    let left = left.filter(|&k| !(date.shape == Shape::Bare && is_connective(&words[k]))).find_map(|k| tags[k]);
    if let Some(tag) = left {
        return tag == Tag::Event;
    }
    let right_window = if date.shape == Shape::Bare { 1 } else { WINDOW };
    let right = (date.last + 1..words.len()).take_while(|&k| !sentence_break(text, words, k - 1)).take(right_window);
    right.filter_map(|k| tags[k]).next() == Some(Tag::Event)
}

/// Whether a sentence ends between word `k` and the next one.
fn sentence_break(text: &str, words: &[Word], k: usize) -> bool {
    let Some(next) = words.get(k + 1) else { return true };
    let gap = between(text, &words[k], next);
    gap.contains(['!', '?', ';', '\n']) || (gap.contains('.') && gap.contains(char::is_whitespace))
}

/// Words that may stand between an event and a bare date: "ra viện vào 12/3", "mổ lúc 12/3".
fn is_connective(w: &Word) -> bool {
    matches!(w.folded.as_str(), "vao" | "luc" | "tu" | "la" | "den")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn dates_tied_to_an_event_with_and_without_diacritics() {
        assert_eq!(dates("BN nữ 65 tuổi, nhập viện ngày 12/03/2023 vì đau ngực."), ["ngày 12/03/2023"]);
        assert_eq!(dates("benh nhan nhap vien ngay 12/3 vi dau nguc"), ["ngay 12/3"]);
        assert_eq!(dates("Người bệnh được mổ hôm 15-03, hậu phẫu ổn."), ["15-03"]);
        assert_eq!(dates("Ngày 2 tháng 4 năm 2024 người bệnh tử vong."), ["Ngày 2 tháng 4 năm 2024"]);
        assert_eq!(dates("ra vien 12/3, hen tai kham 26/3"), ["12/3", "26/3"]);
        assert_eq!(dates("Chuyển khoa Hồi sức lúc 22 giờ ngày 12.3.2024."), ["ngày 12.3.2024"]);
        assert_eq!(dates("Sáng 12/3, bà được đưa vào cấp cứu."), ["12/3"]);
        assert_eq!(dates("Sản phụ đẻ ngày 3/4, ra viện mùng 6 tháng 4."), ["ngày 3/4", "mùng 6 tháng 4"]);
        assert_eq!(dates("cu ong mat ngay 20/11/2023 tai nha"), ["ngay 20/11/2023"]);
        assert_eq!(dates("Người bệnh mất hồi 22h40 ngày 04/12/2023."), ["ngày 04/12/2023"]);
        assert_eq!(dates("giuong 14 rut ong NKQ sang 03/05, dat stent hom 2/9"), ["03/05", "2/9"]);
    }

    #[test]
    fn what_happens_to_the_patient_and_care_given_with_and_without_diacritics() {
        assert_eq!(dates("Bà cụ té ngã ngày 3/4 trong nhà vệ sinh."), ["ngày 3/4"]);
        assert_eq!(dates("bn bi nga sang 5/6 khi tu di ve sinh"), ["5/6"]);
        assert_eq!(dates("Cụ ông chết ngày 12/3/2024 tại nhà."), ["ngày 12/3/2024"]);
        assert_eq!(dates("ong cu chet hom 12/3 o nha"), ["12/3"]);
        assert_eq!(dates("BN ngừng tim lúc 3h ngày 7/7, cấp cứu không kết quả."), ["ngày 7/7"]);
        assert_eq!(dates("Truyền máu ngày 4/5 thì rét run."), ["ngày 4/5"]);
        assert_eq!(dates("truyen khoi hong cau ngay 4/5 bi phan ung"), ["ngay 4/5"]);
        assert_eq!(dates("Bé bị sặc sữa đêm 20/10, tím tái."), ["20/10"]);
        assert_eq!(dates("be bi sac sua dem 20/10"), ["20/10"]);
        assert_eq!(dates("Kết quả xét nghiệm ngày 7/8 kali 6,8 mmol/L."), ["ngày 7/8"]);
        assert_eq!(dates("chup CT ngay 9/9 thay xuat huyet"), ["ngay 9/9"]);
        assert_eq!(dates("Sốc phản vệ sau tiêm ngày 2/2/2024."), ["ngày 2/2/2024"]);
        assert_eq!(dates("tiem nham insulin ngay 6/6 cho bn"), ["ngay 6/6"]);
        assert_eq!(dates("Bé chào đời ngày 1/1/2025 lúc 0h05."), ["ngày 1/1/2025"]);
    }

    #[test]
    fn campaigns_machines_and_quality_control_are_no_one_s_dates() {
        for text in [
            "Ngày Thế giới phòng chống đột quỵ 29/10, khoa tổ chức tư vấn.",
            "Máy xét nghiệm hỏng ngày 3/4, phải gửi mẫu đi.",
            "Tập huấn phòng ngừa té ngã ngày 12/3 cho điều dưỡng.",
            "Ngoại kiểm xét nghiệm ngày 5/6 đạt yêu cầu.",
            "bao tri may chup CT ngay 3/4 nen hoan lich",
            "Chiến dịch tiêm chủng ngày 10/10 tại trạm.",
            "Phòng xét nghiệm nghỉ ngày 2/9.",
            "Sự cố xảy ra ngày 05/11/2022 khi bàn giao ca.",
            "Ca sinh ngày 1/1 năm nào cũng được báo chí đưa tin.",
            "ca sinh ngay 1/6 hang nam duoc tang qua",
        ] {
            assert_eq!(dates(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn other_dates_are_not_patient_dates() {
        for text in [
            "Thông tư 43/2018/TT-BYT ngày 26/12/2018 hướng dẫn khám bệnh và phòng ngừa sự cố.",
            "thong tu 43/2018/tt-byt ngay 26/12/2018 ve nhap vien",
            "Cuộc họp giao ban ngày 5/6 thống nhất quy trình nhập viện.",
            "Từ ngày 01/7/2023, khoa áp dụng bảng kiểm an toàn phẫu thuật cho mọi ca mổ.",
            "Riêng ngày 2/9 có 35 ca nhập viện vì ngộ độc.",
            "Đoàn kiểm tra đến khoa Cấp cứu ngày 12/3.",
            "Từ tháng 3/2024, số ca mổ tăng 20%.",
            "Bệnh nhân nhập viện năm 2023, tái khám tháng 5.",
            "Khoa Cấp cứu trực 24/7, nhận người bệnh lúc 22:30.",
            "Tập huấn cấp cứu ngừng tuần hoàn ngày 12/3 cho điều dưỡng.",
            "Mổ 3/4 ca trong ngày; nhập viện 2.5 ngày sau.",
            "Xe cấp cứu đến số 25 ngách 16/2 ngõ Quỳnh.",
            "Sự cố xảy ra ngày 05/11/2022 khi bàn giao ca.",
            "Mất 2 ngày mới chuyển được; mất ngủ từ 12/3.",
            "Họp rút kinh nghiệm ngày 12/3 về đặt lịch mổ.",
        ] {
            assert_eq!(dates(text), Vec::<&str>::new(), "{text}");
        }
    }
}
