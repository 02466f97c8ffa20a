//! Dates of birth: a date (an identifier) or a year (a hint, [`FindingKind::BirthYear`]) right after "sinh", "ngày sinh", "năm sinh", "sinh năm",
//! "NS", "SN" or "DOB" ("sinh ngày 12/03/1958", "NS 1947", "sinh nam 1975"). Dates anywhere
//! else (the day of an incident, of admission, of a circular) are not personal.
//!
//! Matching runs on the folded text, so "ngày sinh" and "ngay sinh" are one pattern.
//! "sinh" inside a compound is not a birth ("kháng sinh", "vệ sinh", "sơ sinh ngày thứ 3",
//! "sau sinh 2 ngày"): the word before "sinh" must not make it one, and what follows must be a
//! real date or a plausible year of birth.

use std::sync::LazyLock;

use regex::Regex;

use super::folded::Folded;
use super::{Finding, FindingKind};

static BIRTH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    // The abbreviations may carry a dot ("NS. 1947").
    let trigger = r"(?P<trigger>\b(?:(?:ngay\s+sinh|nam\s+sinh|sinh\s+ngay|sinh\s+nam|sinh)\b|(?:ns|sn|dob)\b\.?))";
    let date = r"(?P<day>\d{1,2})\s*(?P<sep>[/\-.])\s*(?P<month>\d{1,2})(?:\s*[/\-.]\s*(?P<year>\d{4}|\d{2}))?";
    let words = r"(?P<wday>\d{1,2})\s+thang\s+(?P<wmonth>\d{1,2})(?:\s*(?:,\s*)?nam\s+(?P<wyear>\d{4}))?";
    let year = r"(?P<ayear>(?:19|20)\d{2})";
    Regex::new(&format!(r"{trigger}\s*(?:[:(]\s*)?(?:(?:ngay|nam|vao\s+ngay|luc)\s+)?(?:{date}|{words}|{year})\b"))
        .expect("birth date pattern")
});

/// A full date a few words after "ngày sinh" ("ngày sinh đầy đủ 27/05/1971", "ngay sinh bn la
/// 30-04-1975", "ngày sinh in trên đó 02/10/1948"): with its year, so nothing else is taken.
static BIRTH_DATE_LATER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bngay\s+sinh\s+(?P<next>[a-z]+)(?:\s+[a-z]+){0,5}\s*:?\s*(?P<date>(?P<day>\d{1,2})\s*(?P<sep>[/\-.])\s*(?P<month>\d{1,2})\s*[/\-.]\s*(?P<year>\d{4}))\b")
        .expect("later birth date pattern")
});

/// A year alone right after a patient and the sex, or an old person's honorific ("BN nam 1987",
/// "bn nu 1993", "Bà cụ 1939"): their birth year, a hint. Typed with diacritics the sex word
/// must be "nam"/"nữ" ("bệnh nhân năm 2023" is a year of care).
static YEAR_AFTER_SEX: LazyLock<Regex> = LazyLock::new(|| {
    let who = r"(?:bn|nb|benh\s+nhan|nguoi\s+benh)\s+(?P<sex>nam|nu)|(?:ba|ong)\s+cu|cu\s+(?:ba|ong)";
    Regex::new(&format!(r"\b(?:{who})\s*,?\s+(?P<ayear>19\d\d|20[01]\d)\b")).expect("year after sex pattern")
});

/// Words that, before "sinh", make it part of another word or a time after birth; "ca sinh" is
/// a delivery (a date of care, [`patient_dates`](super::patient_dates)), not someone's birth date.
const NOT_BIRTH_BEFORE: [&str; 10] = ["khang", "ve", "phat", "hoi", "sau", "truoc", "ky", "tai", "nguyen", "ca"];

pub fn find(text: &str) -> Vec<Finding> {
    let folded = Folded::new(text);
    BIRTH_DATE
        .captures_iter(&folded.text)
        .filter(|caps| is_birth(&folded.text, caps))
        .map(|caps| {
            let whole = caps.get(0).expect("whole match");
            // A year alone identifies nobody (HIPAA's Safe Harbor keeps years): a hint.
            let kind = if caps.name("ayear").is_some() { FindingKind::BirthYear } else { FindingKind::BirthDate };
            Finding { kind, range: folded.original_range(whole.range()) }
        })
        .chain(YEAR_AFTER_SEX.captures_iter(&folded.text).filter(|caps| sex_typed_right(text, &folded, caps)).map(|caps| {
            let year = caps.name("ayear").expect("year group");
            Finding { kind: FindingKind::BirthYear, range: folded.original_range(year.range()) }
        }))
        .chain(BIRTH_DATE_LATER.captures_iter(&folded.text).filter(|caps| is_birth(&folded.text, caps) && !compound(caps)).map(|caps| {
            let date = caps.name("date").expect("date group");
            Finding { kind: FindingKind::BirthDate, range: folded.original_range(date.range()) }
        }))
        .collect()
}

/// "nam" typed with diacritics is "nam" (male), not "năm" (year) or "nằm" (lies).
fn sex_typed_right(text: &str, folded: &Folded, caps: &regex::Captures) -> bool {
    caps.name("sex").is_none_or(|sex| {
        let original = &text[folded.original_range(sex.range())];
        !search_index::analysis::has_diacritics(original) || matches!(original.to_lowercase().as_str(), "nữ")
    })
}

/// "ngày sinh hoạt", "ngày sinh viên …": "sinh" begins another word.
fn compound(caps: &regex::Captures) -> bool {
    caps.name("next").is_some_and(|w| matches!(w.as_str(), "hoat" | "vien" | "ly" | "hoc" | "san" | "pham" | "thai" | "ton"))
}

fn is_birth(folded: &str, caps: &regex::Captures) -> bool {
    if let Some(trigger) = caps.name("trigger") {
        let head = &folded[..trigger.start()];
        let before = head.split(|c: char| !c.is_alphanumeric()).rfind(|w| !w.is_empty()).unwrap_or("");
        // A comma or a colon between makes "sinh" a word of its own ("Lý Văn Tài, sinh …").
        let own_word = head.trim_end().ends_with([',', ':', ';', '(']);
        if trigger.as_str().starts_with("sinh") && NOT_BIRTH_BEFORE.contains(&before) && !own_word {
            return false;
        }
    }
    let number = |name: &str| caps.name(name).and_then(|m| m.as_str().parse::<u32>().ok());
    if let Some(year) = number("ayear") {
        return plausible_year(year);
    }
    let (day, month, year) = match number("day") {
        Some(day) => (day, number("month"), number("year")),
        None => (number("wday").unwrap_or(0), number("wmonth"), number("wyear")),
    };
    (1..=31).contains(&day) && month.is_some_and(|m| (1..=12).contains(&m)) && year.is_none_or(|y| y < 100 || plausible_year(y))
}

fn plausible_year(year: u32) -> bool {
    (1900..=2100).contains(&year)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dates(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn dates_and_years_after_birth_words() {
        assert_eq!(dates("Bệnh nhân nữ, sinh ngày 12/03/1958, nhập viện"), ["sinh ngày 12/03/1958"]);
        assert_eq!(dates("BN nam, NS 1947, COPD"), ["NS 1947"]);
        assert_eq!(dates("BN nam, NS. 1947; SN.1950; DOB: 1/2/1960"), ["NS. 1947", "SN.1950", "DOB: 1/2/1960"]);
        assert_eq!(dates("benh nhan sinh nam 1975, nong dan"), ["sinh nam 1975"]);
        assert_eq!(dates("Ngày sinh: 05-11-1990, nhóm máu O"), ["Ngày sinh: 05-11-1990"]);
        assert_eq!(dates("Trẻ sinh ngày 3 tháng 5 năm 2024 tại khoa"), ["sinh ngày 3 tháng 5 năm 2024"]);
        assert_eq!(dates("(sinh năm 1969)"), ["sinh năm 1969"]);
        assert_eq!(dates("yêu cầu ngày sinh đầy đủ 27/05/1971 nên"), ["27/05/1971"]);
        assert_eq!(dates("ngay sinh bn la 30-04-1975, trung ngay le"), ["30-04-1975"]);
        assert_eq!(dates("Lý Văn Tài, sinh 12/10/1959, thẻ"), ["sinh 12/10/1959"]);
        assert_eq!(dates("BN nam 1987 nhập viện; bn nu 1993 mang thai; Bà cụ 1939, nằm lâu"), ["1987", "1993", "1939"]);
    }

    #[test]
    fn other_dates_and_sinh_compounds_are_not_births() {
        for text in [
            "nhập viện ngày 12/03/2023 vì đau ngực",
            "Trẻ sơ sinh ngày thứ 3 xuất hiện vàng da",
            "Sau sinh 2 ngay san phu sot 39 do",
            "kháng sinh 30 phút trước rạch da",
            "Vệ sinh tay đạt 82% trong quý 3 năm 2023",
            "sinh non ở tuần thứ 32",
            "ngày sinh hoạt khoa học 12/03/2024 của khoa",
            "Bệnh nhân năm 2015 ít hơn năm nay; bệnh nhân nằm 2016",
            "Ca sinh ngày 1/6 được khoa tặng quà",
            "sự cố phát sinh ngày 3/4 khi bàn giao; vệ sinh ngày 5/6",
        ] {
            assert_eq!(dates(text), Vec::<&str>::new(), "{text}");
        }
    }
}
