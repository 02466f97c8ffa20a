//! Full names of patients with no word introducing them, in the shapes where a name is a
//! patient's and not a colleague's or a street's:
//! - an administrative line: a full name, then a comma and a personal detail ("Trương Mỹ Linh,
//!   CCCD …", "Bàn giao: Trịnh Thị Thu Hà, ngày sinh …", "Đoàn Văn Khải, nam, 15/05/1971",
//!   "DO MINH QUAN, ns …"); a full date with its year right after such a name (maybe after the
//!   sex) is that person's date of birth;
//! - one or two full names said to be patients ("Hoàng Minh Châu và Hoàng Minh Chau là 2 người
//!   bệnh");
//! - right before what happens to a patient ("Nguyễn Văn Nam nhập viện", "… té ngã"), or before
//!   care after "được"/"bị" ("… được mổ"); after "cho" when care was given just before ("tiêm
//!   nhầm cho …");
//! - typed on a phone in lower case, the surest shape: a common family name that is no everyday
//!   word, then "văn" or "thị", then one or two syllables of given names ("hoang thi mo vao
//!   khoa", "tran van hung va tran van hung").
//!
//! Never a name: one after a staff title ("BS", "ĐD", "bác sĩ", "điều dưỡng", "KTV"…), after
//! street and place words ("đường Lê Văn Sỹ", "phố Nguyễn Thị Minh Khai", "Bệnh viện Nguyễn
//! Tri Phương", "112 Nguyễn Trãi"), or a known place ("Hồ Chí Minh"); a signature ("Nguyễn Văn
//! Bình, Phòng QLCL") has no personal detail after its comma.

use super::folded::{Word, between, words};
use super::name_lists::{PLAIN_FAMILY_NAMES, is_given};
use super::names::{is_full_name, name_end};
use super::patient_dates::event_at;
use super::{Finding, FindingKind};

/// First words after "Name," that make the line a patient's particulars.
const DETAILS: [&str; 18] =
    ["nam", "nu", "sinh", "ns", "sn", "dob", "cccd", "cmnd", "the", "bhyt", "ma", "so", "sdt", "dt", "dia", "tuoi", "pid", "hsba"];

/// Words right before a name that make it a colleague's, a street's or an institution's.
const NOT_BEFORE: [&str; 36] = [
    "bs", "ds", "dd", "ktv", "ths", "ts", "pgs", "gs", "cn", "ks", "ys", "hs", "bsck", "bscki", "bsckii", "si", "duong", "pho", "ngo",
    "hem", "kiet", "ngach", "phuong", "xa", "quan", "huyen", "tinh", "thon", "ap", "khu", "vien", "bv", "truong", "tt", "tram", "ttyt",
];

/// Two-word titles before a name ("bác sĩ", "điều dưỡng", "kỹ thuật viên" ends in "viên").
const NOT_BEFORE_TWO: [&str; 4] = ["dieu duong", "ho sinh", "y ta", "truong khoa"];

/// Nouns that, after "là" (maybe with a count), say the names before were patients.
const PATIENT_NOUNS: [&str; 5] = ["benh nhan", "nguoi benh", "bn", "nb", "benh nhi"];

/// Events that happen to a patient, not done by staff: a name right before one (maybe after
/// "đã", "vừa", "lại") is a patient's ("Nguyễn Văn Nam nhập viện", "Lê Thị Hoa té ngã").
/// Care that staff give ("mổ", "khám", "tiêm") makes a patient only after "được" or "bị".
const HAPPENS_TO_PATIENT: [&str; 44] = [
    "nhập viện",
    "vào viện",
    "ra viện",
    "xuất viện",
    "nằm viện",
    "trốn viện",
    "bỏ viện",
    "vào bệnh viện",
    "đến bệnh viện",
    "nhập khoa",
    "vào khoa",
    "tử vong",
    "qua đời",
    "từ trần",
    "mất",
    "chết",
    "ngừng tim",
    "ngưng tim",
    "ngừng thở",
    "ngừng tuần hoàn",
    "ngã",
    "té",
    "té ngã",
    "bị ngã",
    "bị té",
    "trượt ngã",
    "sặc",
    "bị sặc",
    "sặc sữa",
    "ngộ độc",
    "co giật",
    "hôn mê",
    "tai biến",
    "đột quỵ",
    "băng huyết",
    "tự tử",
    "tự sát",
    "chuyển dạ",
    "sinh con",
    "sinh thường",
    "sinh mổ",
    "sinh non",
    "thở máy",
    "chào đời",
];

/// Words between a name and what happens to it: "được mổ", "bị tiêm nhầm", "đã tử vong".
const PASSIVE: [&str; 3] = ["duoc", "bi", "phai"];
const TENSE: [&str; 5] = ["da", "vua", "lai", "dang", "thi"];

/// Words that, up to three words before "cho", make the one it names a patient: care given
/// to them ("tiêm nhầm cho …", "cấp cứu cho …", "phát thuốc cho …").
const GIVEN_TO: [&str; 2] = ["thuoc", "mau"];

pub fn find(text: &str, triggered: &[Finding]) -> Vec<Finding> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        if placed_or_titled(text, &words, i) {
            i += 1;
            continue;
        }
        let found = particulars(text, &words, i)
            .or_else(|| said_patients(text, &words, i))
            .or_else(|| before_an_event(text, &words, i))
            .or_else(|| care_given_to(text, &words, i))
            .or_else(|| plain_name(text, &words, i));
        match found {
            Some(names) => {
                for (first, last) in &names {
                    out.push(Finding { kind: FindingKind::PatientName, range: words[*first].range.start..words[*last].range.end });
                }
                i = names.last().map_or(i, |n| n.1) + 1;
            }
            None => i += 1,
        }
    }
    let birth_dates: Vec<Finding> = out.iter().chain(triggered).filter_map(|name| birth_date_after(text, &words, name)).collect();
    out.extend(birth_dates);
    out
}

/// A capitalised full name (or one in capitals) starting at `i`.
fn capitalised_name(text: &str, words: &[Word], i: usize) -> Option<usize> {
    let last = name_end(text, words, i)?;
    is_full_name(&words[i..=last], false).then_some(last)
}

/// "Trương Mỹ Linh, CCCD …", "Nguyễn Văn Nam (BN giường 5)": a name, a comma or a bracket, a
/// personal detail (or a date, or a word saying it is a patient).
fn particulars(text: &str, words: &[Word], i: usize) -> Option<Vec<(usize, usize)>> {
    let last = capitalised_name(text, words, i).or_else(|| plain_shape(text, words, i))?;
    let next = words.get(last + 1)?;
    if !matches!(between(text, &words[last], next).trim(), "," | "(") {
        return None;
    }
    let two = words.get(last + 2).map(|w| format!("{} {}", next.folded, w.folded));
    let detail = DETAILS.contains(&next.folded.as_str())
        || (next.folded == "ngay" && words.get(last + 2).is_some_and(|w| w.folded == "sinh"))
        || full_date_at(text, words, last + 1).is_some()
        || PATIENT_NOUNS.contains(&next.folded.as_str())
        || two.is_some_and(|t| PATIENT_NOUNS.contains(&t.as_str()) || t == "san phu");
    detail.then(|| vec![(i, last)])
}

/// "Nguyễn Văn Nam nhập viện", "Lê Thị Hoa, được mổ", "Trần Văn Tư đã tử vong": a full name
/// right before what happens to a patient (care staff give only after "được"/"bị").
fn before_an_event(text: &str, words: &[Word], i: usize) -> Option<Vec<(usize, usize)>> {
    let last = capitalised_name(text, words, i)?;
    let mut k = last + 1;
    if !matches!(between(text, &words[last], words.get(k)?).trim(), "" | ",") {
        return None;
    }
    let mut passive = false;
    while k - last <= 2 && words.get(k).is_some_and(|w| TENSE.contains(&w.folded.as_str()) || PASSIVE.contains(&w.folded.as_str())) {
        passive |= PASSIVE.contains(&words[k].folded.as_str());
        k += 1;
    }
    let (event, _) = event_at(text, words, k)?;
    (passive || HAPPENS_TO_PATIENT.contains(&event)).then(|| vec![(i, last)])
}

/// "tiêm nhầm cho Lê Văn Tám", "cấp cứu cho Nguyễn Thị Hoa", "phát thuốc cho …": a full name
/// after "cho" when care was given within the three words before.
fn care_given_to(text: &str, words: &[Word], i: usize) -> Option<Vec<(usize, usize)>> {
    let cho = i.checked_sub(1).filter(|&c| words[c].folded == "cho" && between(text, &words[c], &words[i]) == " ")?;
    let last = capitalised_name(text, words, i)?;
    let care = (cho.saturating_sub(3)..cho)
        .filter(|&k| !words[k..cho].windows(2).any(|p| between(text, &p[0], &p[1]).contains([',', '.', ';', '\n'])))
        .any(|k| GIVEN_TO.contains(&words[k].folded.as_str()) || event_at(text, words, k).is_some());
    care.then(|| vec![(i, last)])
}

/// "Hoàng Minh Châu và Hoàng Minh Chau là 2 người bệnh": names said to be patients.
fn said_patients(text: &str, words: &[Word], i: usize) -> Option<Vec<(usize, usize)>> {
    let mut names = vec![(i, capitalised_name(text, words, i)?)];
    let mut after = names[0].1 + 1;
    if words.get(after).is_some_and(|w| w.folded == "va") {
        let second = capitalised_name(text, words, after + 1)?;
        names.push((after + 1, second));
        after = second + 1;
    }
    if words.get(after)?.folded != "la" {
        return None;
    }
    let mut noun = after + 1;
    if words.get(noun).is_some_and(Word::is_number) {
        noun += 1;
    }
    let one = words.get(noun)?.folded.as_str();
    let two = words.get(noun + 1).map(|w| format!("{one} {}", w.folded));
    let patients = PATIENT_NOUNS.contains(&one) || two.is_some_and(|t| PATIENT_NOUNS.contains(&t.as_str()));
    patients.then_some(names)
}

/// "hoang thi mo", "tran van hung": lower case, family name + "văn"/"thị" + 1–2 given names.
fn plain_name(text: &str, words: &[Word], i: usize) -> Option<Vec<(usize, usize)>> {
    plain_shape(text, words, i).map(|last| vec![(i, last)])
}

fn plain_shape(text: &str, words: &[Word], i: usize) -> Option<usize> {
    let lower = |w: &Word| w.text.chars().all(char::is_lowercase);
    let family = words.get(i).filter(|w| lower(w) && PLAIN_FAMILY_NAMES.contains(&w.folded.as_str()))?;
    let middle = words.get(i + 1).filter(|w| lower(w) && matches!(w.folded.as_str(), "van" | "thi"))?;
    let joined = |a: &Word, b: &Word| between(text, a, b) == " ";
    let mut last = i + 1;
    for (k, w) in words.iter().enumerate().skip(i + 2).take(2) {
        if !(lower(w) && joined(&words[k - 1], w) && is_given(&w.folded) && w.text.chars().count() > 1) {
            break;
        }
        last = k;
    }
    (joined(family, middle) && last > i + 1).then_some(last)
}

/// Whether the word before `i` makes a name there a colleague's, a street's or a place's: a
/// title, a street or place word, or a house number ("112 Nguyễn Trãi").
fn placed_or_titled(text: &str, words: &[Word], i: usize) -> bool {
    let Some(prev) = i.checked_sub(1).map(|p| &words[p]) else { return false };
    if between(text, prev, &words[i]).contains(['\n', ',', ';', ':', '(', '–', '—']) {
        return false;
    }
    let two = i.checked_sub(2).map(|p| format!("{} {}", words[p].folded, prev.folded));
    NOT_BEFORE.contains(&prev.folded.as_str())
        || two.is_some_and(|t| NOT_BEFORE_TWO.contains(&t.as_str()))
        || prev.text.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// "15/05/1971" at word `at` (day, month, four-digit year): its last word.
fn full_date_at(text: &str, words: &[Word], at: usize) -> Option<usize> {
    let parts = words.get(at..at + 3)?;
    let small = |w: &Word, max: u32| w.is_number() && w.text.len() <= 2 && w.text.parse::<u32>().is_ok_and(|n| (1..=max).contains(&n));
    let year = parts[2].is_number() && parts[2].text.len() == 4 && parts[2].text.parse::<u32>().is_ok_and(|y| (1900..=2100).contains(&y));
    let sep = between(text, &parts[0], &parts[1]);
    let joined = matches!(sep, "/" | "-" | ".") && between(text, &parts[1], &parts[2]) == sep;
    (small(&parts[0], 31) && small(&parts[1], 12) && year && joined).then_some(at + 2)
}

/// "Lâm Quốc Huy, 19/12/1978", "Đoàn Văn Khải, nam, 15/05/1971": a full date right after a
/// patient's name (maybe after the sex) is their date of birth.
fn birth_date_after(text: &str, words: &[Word], name: &Finding) -> Option<Finding> {
    // Words are in text order: a binary search keeps a post of many names linear-logarithmic.
    let last = words.binary_search_by_key(&name.range.end, |w| w.range.end).ok()?;
    let comma = |a: usize, b: usize| words.get(b).is_some_and(|wb| between(text, &words[a], wb).trim() == ",");
    let mut at = last + 1;
    if comma(last, at) && matches!(words[at].folded.as_str(), "nam" | "nu") && comma(at, at + 1) {
        at += 1;
    }
    if !comma(at - 1, at) {
        return None;
    }
    let end = full_date_at(text, words, at)?;
    Some(Finding { kind: FindingKind::BirthDate, range: words[at].range.start..words[end].range.end })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(FindingKind, &str)> {
        find(text, &[]).into_iter().map(|f| (f.kind, &text[f.range])).collect()
    }

    fn names(text: &str) -> Vec<&str> {
        found(text).into_iter().filter(|(k, _)| *k == FindingKind::PatientName).map(|(_, t)| t).collect()
    }

    #[test]
    fn a_name_with_particulars_after_its_comma() {
        assert_eq!(names("Trương Mỹ Linh, CCCD số 075 190 003 847, nhờ xác nhận"), ["Trương Mỹ Linh"]);
        assert_eq!(names("Bàn giao: Trịnh Thị Thu Hà, ngày sinh 22/7/1985"), ["Trịnh Thị Thu Hà"]);
        assert_eq!(names("DO MINH QUAN, ns 09/11/2019, hen tai kham"), ["DO MINH QUAN"]);
        assert_eq!(
            found("Tóm tắt: Đoàn Văn Khải, nam, 15/05/1971, vào viện"),
            [(FindingKind::PatientName, "Đoàn Văn Khải"), (FindingKind::BirthDate, "15/05/1971")]
        );
    }

    #[test]
    fn names_said_to_be_patients_and_plain_lower_case_names() {
        assert_eq!(names("vì Hoàng Minh Châu và Hoàng Minh Chau là 2 người bệnh khác nhau"), ["Hoàng Minh Châu", "Hoàng Minh Chau"]);
        assert_eq!(names("hoang thi mo vao khoa 2/10"), ["hoang thi mo"]);
        assert_eq!(names("tran van hung va tran van hung cung nam"), ["tran van hung", "tran van hung"]);
        assert_eq!(names("vu thi duyen, the HC4 01 0123456789"), ["vu thi duyen"]);
    }

    #[test]
    fn a_name_before_what_happens_to_a_patient_or_given_care() {
        assert_eq!(names("Nguyễn Văn Nam nhập viện lúc 3 giờ sáng"), ["Nguyễn Văn Nam"]);
        assert_eq!(names("Sáng nay Lê Thị Hoa té ngã trong nhà vệ sinh"), ["Lê Thị Hoa"]);
        assert_eq!(names("Phạm Văn Tư được mổ cấp cứu lúc nửa đêm"), ["Phạm Văn Tư"]);
        assert_eq!(names("Hoang Van Duc da tu vong sau 2 ngay"), ["Hoang Van Duc"]);
        assert_eq!(names("Tiêm nhầm insulin cho Đỗ Thị Hằng ở giường bên"), ["Đỗ Thị Hằng"]);
        assert_eq!(names("cap cuu cho Nguyen Van Binh trong 40 phut"), ["Nguyen Van Binh"]);
        assert_eq!(names("Chuyển Nguyễn Văn Nam (BN giường 5) lên ICU"), ["Nguyễn Văn Nam"]);
        assert_eq!(names("Lê Thị Hoa, bệnh nhân khoa Nội, than phiền"), ["Lê Thị Hoa"]);
        assert_eq!(names("Giường 16 – Mông Thị Hoa (SN 1987) sốt"), ["Mông Thị Hoa"]);
    }

    #[test]
    fn staff_who_give_care_are_not_patients() {
        for text in [
            "Nguyễn Văn Bình khám cho 30 bệnh nhân mỗi sáng",
            "Trần Thị Hoa tiêm nhầm thuốc cho bệnh nhân giường 4",
            "bàn giao cho Nguyễn Thị Lan ca đêm",
            "Cảm ơn Lê Văn Tám đã hỗ trợ khoa",
            "đường Nguyễn Văn Linh bị ngập",
            "Hồ Chí Minh mất năm 1969",
            "Nguyễn Văn Bình (Phòng QLCL) tổng hợp",
            "Trần Văn Hùng được khen thưởng vì phát hiện sự cố",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text}");
        }
    }

    #[test]
    fn staff_streets_places_and_signatures_are_not_patients() {
        for text in [
            "Nguyễn Văn Bình, Phòng Quản lý chất lượng",
            "BS Trần Thị Hoa, nam khoa",
            "ĐD Lê Thị Hồng, sinh hoạt chuyên môn",
            "điều dưỡng Lê Thị Hồng, sinh hoạt",
            "đường Lê Văn Sỹ, phường 13",
            "duong nguyen thi minh khai quan 3",
            "Bệnh viện Nguyễn Tri Phương, số 468",
            "112 Nguyễn Trãi, phường 2",
            "Hồ Chí Minh, ngày 5/6/2024",
            "bệnh nhân do thi khong, ta van di lam",
            "Lê Lợi là đường chính",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text}");
        }
    }
}
