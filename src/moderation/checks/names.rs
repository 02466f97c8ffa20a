//! Full names of patients and their family: two to four capitalised syllables right after a
//! word that introduces a person ("bệnh nhân", "BN", "người bệnh", "NB", "bé", "cháu", "ông",
//! "bà", "anh", "chị", "cụ", "sản phụ", "mang tên", "cô", "chú", "của", "hồ sơ"), or a full name followed
//! by an age ("Nguyễn Thị Hường, 72 tuổi"). Names with no such word: [`bare_names`](super::bare_names).
//!
//! Not names: role words and generic text ("bệnh nhân Nam giới", "BN nữ", "bệnh nhân A", "bà
//! mẹ", "anh chị em", "người bệnh Khoa Nội tiết"), initials ("BN N.V.A"), the usual placeholder
//! ending in one letter ("Nguyễn Văn A") and staff names after a title ("BS. Trần Thị Hoa",
//! "ThS. Nguyễn Văn Bình": an author's signature is not patient data). An adult is introduced by
//! a full name, so after most trigger words the first syllable must be a Vietnamese family
//! name; children are often called by given names ("bé Minh Anh"), so after "bé"/"cháu" two
//! capitalised syllables that are not place or institution words are enough.

use super::folded::{Word, between, words};
use super::name_lists::{FAMILY_NAMES, PLAIN_FAMILY_NAMES, is_given};
use super::{Finding, FindingKind};

/// Words (folded) that introduce a person. Two-word triggers are written with one space.
const TRIGGERS: [&str; 21] = [
    "benh nhan",
    "ho so",
    "cua",
    "co",
    "chu",
    "nguoi benh",
    "san phu",
    "benh nhi",
    "bn",
    "nb",
    "be",
    "chau",
    "ong",
    "ba",
    "anh",
    "chi",
    "cu",
    "em",
    "nguoi nha",
    "me",
    "ten",
];

/// Triggers that are also other everyday words once folded: typed with diacritics, they must be
/// these ("cô", not "có"; "chú", not "chủ" or "chữ").
const ACCENTED_TRIGGERS: [&str; 2] = ["cô", "chú"];

/// After these, given names alone can be a name.
const CHILD_TRIGGERS: [&str; 3] = ["be", "chau", "benh nhi"];

/// Words that may stand between the trigger and the name ("BN là …", "bệnh nhân tên …").
const FILLERS: [&str; 3] = ["la", "ten", "ho ten"];

/// Capitalised words that follow a trigger without being a name: sex, places, institutions,
/// diseases ("bệnh nhân Nam giới", "Bà Rịa", "bệnh nhân Covid", "người bệnh Khoa Nội").
const NOT_NAMES: [&str; 22] = [
    "nam", "nu", "khoa", "benh", "vien", "phong", "trung", "tam", "so", "bo", "tinh", "huyen", "xa", "quan", "thanh", "covid", "ria",
    "chieu", "den", "hat", "y", "te",
];

/// Places that begin like a family name ("bệnh nhân Hà Nội chuyển về").
const PLACES: [&str; 26] = [
    "ho chi minh",
    "bach mai",
    "tu du",
    "hoang mai",
    "ha noi",
    "ha nam",
    "ha tinh",
    "ha giang",
    "ha dong",
    "cao bang",
    "lam dong",
    "thai nguyen",
    "tay ninh",
    "quang nam",
    "quang ninh",
    "quang ngai",
    "quang tri",
    "quang binh",
    "ba ria",
    "can tho",
    "lang son",
    "thai binh",
    "ninh binh",
    "ninh thuan",
    "hau giang",
    "son la",
];

/// The first and last word of a name found.
struct NameAt {
    first: usize,
    last: usize,
}

pub fn find(text: &str) -> Vec<Finding> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let found = name_after_trigger(text, &words, i).or_else(|| name_before_age(text, &words, i));
        match found {
            Some(name) => {
                out.push(Finding { kind: FindingKind::PatientName, range: words[name.first].range.start..words[name.last].range.end });
                i = name.last + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// How many words the trigger starting at `i` has (0: none).
fn trigger_len(words: &[Word], i: usize) -> usize {
    let one = words[i].folded.as_str();
    let two = words.get(i + 1).map(|next| format!("{one} {}", next.folded));
    if two.as_deref().is_some_and(|t| TRIGGERS.contains(&t)) {
        2
    } else if TRIGGERS.contains(&one) && accented_as_a_trigger(&words[i]) {
        1
    } else {
        0
    }
}

/// "có"/"cô": a one-word trigger typed with diacritics must be the trigger itself.
fn accented_as_a_trigger(word: &Word) -> bool {
    let accented = ACCENTED_TRIGGERS.iter().find(|a| search_index::analysis::fold(a) == word.folded);
    accented.is_none_or(|a| !search_index::analysis::has_diacritics(word.text) || word.text.to_lowercase() == *a)
}

fn name_after_trigger(text: &str, words: &[Word], i: usize) -> Option<NameAt> {
    let len = trigger_len(words, i);
    if len == 0 {
        return None;
    }
    let trigger = words[i..i + len].iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
    let mut first = i + len;
    if !introduces(between(text, &words[first - 1], words.get(first)?)) {
        return None;
    }
    if let Some(skip) = filler_len(words, first) {
        first += skip;
        if !introduces(between(text, &words[first - 1], words.get(first)?)) {
            return None;
        }
    }
    let allow_given_names = CHILD_TRIGGERS.contains(&trigger.as_str());
    name_end(text, words, first)
        .filter(|&last| is_full_name(&words[first..=last], allow_given_names))
        .or_else(|| lower_case_name(text, words, first))
        .or_else(|| STRONG_TRIGGERS.contains(&trigger.as_str()).then(|| lower_case_given_names(text, words, first)).flatten())
        .or_else(|| highland_name(text, words, first))
        .filter(|&last| PATIENT_TRIGGERS.contains(&trigger.as_str()) || !followed_by_a_role(text, words, last))
        .map(|last| NameAt { first, last })
}

/// Triggers that say the person is a patient or kin, whatever follows.
const PATIENT_TRIGGERS: [&str; 8] = ["benh nhan", "nguoi benh", "bn", "nb", "benh nhi", "san phu", "nguoi nha", "ho so"];

/// Staff roles that, after a comma, a bracket or a dash, make the "chị …" or "anh …" before a
/// colleague ("chị Hoàng Thị Thu Hà, điều dưỡng trưởng khoa Nhi", "anh Lê Văn Tâm (KTV)").
const ROLES: [&str; 30] = [
    "dieu duong",
    "bac si",
    "bs",
    "dd",
    "ktv",
    "ky thuat",
    "duoc si",
    "ds",
    "ho sinh",
    "nu ho",
    "y si",
    "ys",
    "hoc vien",
    "sinh vien",
    "truong",
    "pho",
    "giam doc",
    "nhan vien",
    "nv",
    "chuyen vien",
    "thu ky",
    "ke toan",
    "ho ly",
    "giang vien",
    "can bo",
    "ths",
    "ts",
    "bsck",
    "dieu phoi",
    "cong tac",
];

fn followed_by_a_role(text: &str, words: &[Word], last: usize) -> bool {
    let Some(next) = words.get(last + 1) else { return false };
    if !matches!(between(text, &words[last], next).trim(), "," | "(" | "-" | "–" | "—") {
        return false;
    }
    let two = words.get(last + 2).map(|w| format!("{} {}", next.folded, w.folded));
    ROLES.contains(&next.folded.as_str()) || two.is_some_and(|t| ROLES.contains(&t.as_str()))
}

/// "benh nhan nguyen van hung": typed on a phone without capitals. Only the surest shape is
/// taken (a common family name, then "văn" or "thị", then a given name), and only family names
/// that are not also everyday words once folded ("đó thì", "ta vẫn", "vợ vẫn", "đang thì").
fn lower_case_name(text: &str, words: &[Word], first: usize) -> Option<usize> {
    let name = words.get(first..first + 3)?;
    let spaced = name.windows(2).all(|pair| between(text, &pair[0], &pair[1]) == " ");
    let lower = name.iter().all(|w| w.text.chars().all(char::is_lowercase));
    let shape = PLAIN_FAMILY_NAMES.contains(&name[0].folded.as_str()) && matches!(name[1].folded.as_str(), "van" | "thi");
    (spaced && lower && shape && name[2].text.chars().count() > 1).then_some(first + 2)
}

/// Family names that are also everyday words once folded ("ta vẫn", "đó đã", "họ thì").
const EVERYDAY_FAMILY_NAMES: [&str; 14] = ["ta", "do", "ho", "vo", "la", "mai", "lam", "cao", "to", "tu", "van", "son", "ong", "lo"];

/// Given names that are also everyday words once folded ("ăn", "bình thường", "dùng").
const EVERYDAY_GIVEN_NAMES: [&str; 16] =
    ["an", "binh", "dung", "lam", "nam", "sang", "tam", "the", "tien", "tin", "tinh", "tra", "trong", "tu", "y", "thuong"];

/// Triggers that are no other everyday word once folded ("chi" is also "chỉ", "anh" "ảnh",
/// "co" "có", "cua" "của"): after these only, a lower-case name needs no "văn"/"thị".
const STRONG_TRIGGERS: [&str; 12] =
    ["benh nhan", "nguoi benh", "bn", "nb", "benh nhi", "san phu", "nguoi nha", "be", "chau", "ong", "ba", "cu"];

/// Pairs of syllables that are everyday words, never a name ("kháng sinh", "điều dưỡng",
/// "dinh dưỡng", "quản lý", "hợp đồng", "đồng ý", "thực hiện").
const WORD_PAIRS: [&str; 24] = [
    "khang sinh",
    "dieu duong",
    "dinh duong",
    "tinh mach",
    "ve sinh",
    "an toan",
    "binh thuong",
    "quan ly",
    "quy trinh",
    "quy dinh",
    "tinh trang",
    "thanh tra",
    "phu hop",
    "hop dong",
    "dong y",
    "tai chinh",
    "thuc hien",
    "kien thuc",
    "huong dan",
    "hai long",
    "tien hanh",
    "phat hien",
    "hien tai",
    "tu van",
];

/// "chau vo minh khang", "nguoi nha bn ta van cuong", "ong nong van thach": right after a
/// strong trigger, typed without diacritics, a family name and two or three syllables of given
/// names ("văn"/"thị" count), no pair of them an everyday word. A family name that is an
/// everyday word ("ta", "đó", "họ") needs the name to stop after three syllables and not end in
/// a given name that is an everyday word too ("anh ta van binh thuong", "ba ta van an com").
fn lower_case_given_names(text: &str, words: &[Word], first: usize) -> Option<usize> {
    let lower =
        |w: &Word| w.text.chars().count() > 1 && w.text.chars().all(char::is_lowercase) && !search_index::analysis::has_diacritics(w.text);
    let family = words.get(first).filter(|w| lower(w) && FAMILY_NAMES.contains(&w.folded.as_str()))?;
    let mut last = first;
    while last + 1 < words.len() && last - first < 3 {
        let next = &words[last + 1];
        let given = is_given(&next.folded) || matches!(next.folded.as_str(), "van" | "thi");
        if !(lower(next) && given && between(text, &words[last], next) == " ") {
            break;
        }
        last += 1;
    }
    let run = last - first + 1;
    let pair = |k: usize| WORD_PAIRS.contains(&format!("{} {}", words[k].folded, words[k + 1].folded).as_str());
    if run < 3 || !is_given(&words[last].folded) || (first..last).any(pair) {
        return None;
    }
    let everyday = !PLAIN_FAMILY_NAMES.contains(&family.folded.as_str()) && EVERYDAY_FAMILY_NAMES.contains(&family.folded.as_str());
    let continues = words.get(last + 1).is_some_and(|w| is_given(&w.folded) && between(text, &words[last], w) == " ");
    if everyday && (run > 3 || continues || EVERYDAY_GIVEN_NAMES.contains(&words[last].folded.as_str())) {
        return None;
    }
    Some(last)
}

/// "bn Y Bhiong Nie", "chị H'Hen Niê": Ê Đê and other highland names start with "Y" (men) or
/// "H" (women) and put the family name last; after a trigger, "Y" and two capitalised words.
fn highland_name(text: &str, words: &[Word], first: usize) -> Option<usize> {
    let name = words.get(first..first + 3)?;
    let spaced = name.windows(2).all(|pair| matches!(between(text, &pair[0], &pair[1]), " " | "'" | "’"));
    let capitalised = name[1..].iter().all(|w| w.is_capitalised() && w.text.chars().count() > 1);
    // A highland family name last makes it a name whatever the middle ("Y Thanh Eban").
    let family = HIGHLAND_FAMILY_NAMES.contains(&name[2].folded.as_str());
    let rest = family || name[1..].iter().all(|w| !NOT_NAMES.contains(&w.folded.as_str()));
    (matches!(name[0].text, "Y" | "H") && spaced && capitalised && rest).then_some(first + 2)
}

/// Family names of the Ê Đê, Gia Rai, M'nông and Ba Na, written last ("Y Bhiong Niê", "H'Hen Êban").
const HIGHLAND_FAMILY_NAMES: [&str; 14] =
    ["nie", "eban", "mlo", "ksor", "rmah", "siu", "adrong", "bya", "buonya", "knul", "hdok", "ayun", "kpa", "nay"];

/// "Nguyễn Thị Hường, 72 tuổi", "Trần Văn Hùng (45 tuổi)", "Lê Văn Tám, nam, 61 tuổi": a full
/// name with a family name, then an age (maybe after the sex).
fn name_before_age(text: &str, words: &[Word], i: usize) -> Option<NameAt> {
    let last = name_end(text, words, i)?;
    let mut age = last + 1;
    if words.get(age).is_some_and(|w| matches!(w.folded.as_str(), "nam" | "nu")) && is_age_separator(text, words, last, age) {
        age += 1;
    }
    let unit = words.get(age + 1)?;
    let is_age = words[age].is_number() && unit.folded == "tuoi" && is_age_separator(text, words, age - 1, age);
    (is_age && is_full_name(&words[i..=last], false)).then_some(NameAt { first: i, last })
}

/// What may stand between a name, the sex and the age: a comma, a bracket, a dash or a space.
fn is_age_separator(text: &str, words: &[Word], left: usize, right: usize) -> bool {
    matches!(between(text, &words[left], &words[right]).trim(), "" | "," | "(" | "-" | "–")
}

fn filler_len(words: &[Word], at: usize) -> Option<usize> {
    let one = words.get(at)?.folded.as_str();
    let two = words.get(at + 1).map(|w| format!("{one} {}", w.folded));
    if two.as_deref().is_some_and(|t| FILLERS.contains(&t)) { Some(2) } else { FILLERS.contains(&one).then_some(1) }
}

/// Between a trigger and a name: spaces, maybe a colon ("bệnh nhân: Đinh Công Thành"),
/// Markdown emphasis or a quotation mark ("BN **Trần Văn Hùng**").
fn introduces(gap: &str) -> bool {
    let marks = gap.trim().trim_start_matches(':').trim();
    !gap.is_empty() && !gap.contains('\n') && marks.chars().all(|c| matches!(c, '*' | '_' | '"' | '“' | '\''))
}

/// The last word of a run of up to four name-like words starting at `first`, joined by single spaces.
pub(super) fn name_end(text: &str, words: &[Word], first: usize) -> Option<usize> {
    let caps = words.get(first).filter(|w| is_name_word(w))?.is_all_caps();
    let mut last = first;
    while last + 1 < words.len() && last - first < 3 {
        let next = &words[last + 1];
        let one_letter = next.text.chars().nth(1).is_none();
        if between(text, &words[last], next) != " " || !is_name_word(next) || (!one_letter && next.is_all_caps() != caps) {
            break;
        }
        last += 1;
    }
    Some(last)
}

fn is_name_word(word: &Word) -> bool {
    word.text.chars().all(char::is_alphabetic) && (word.is_capitalised() || word.is_all_caps())
}

/// Two to four syllables, not ending in a one-letter placeholder, not a role or place word;
/// starting with a family name unless given names are allowed. Names in capitals need one.
pub(super) fn is_full_name(name: &[Word], allow_given_names: bool) -> bool {
    // "Nguyễn Văn A" is the usual placeholder; a one-letter middle is a Hmông name ("Giàng A Páo").
    let placeholder = |w: &Word| w.text.len() == 1 && w.text.is_ascii();
    if name.len() < 2 || name.last().is_some_and(placeholder) || (name.len() == 2 && placeholder(&name[0])) {
        return false;
    }
    let family = FAMILY_NAMES.contains(&name[0].folded.as_str());
    let capitals = name[0].is_all_caps();
    if family {
        let whole = name.iter().map(|w| w.folded.as_str()).collect::<Vec<_>>().join(" ");
        return !PLACES.contains(&whole.as_str());
    }
    allow_given_names && !capitals && name.len() <= 3 && !name.iter().any(|w| NOT_NAMES.contains(&w.folded.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn names_after_trigger_words_with_and_without_diacritics() {
        assert_eq!(names("Bệnh nhân Nguyễn Văn Hùng, 67 tuổi"), ["Nguyễn Văn Hùng"]);
        assert_eq!(names("BN Tran Van Long, 55 tuoi"), ["Tran Van Long"]);
        assert_eq!(names("Gia đình bà Cao Thị Tuyết yêu cầu"), ["Cao Thị Tuyết"]);
        assert_eq!(names("bệnh nhân: Đinh Công Thành, khoa"), ["Đinh Công Thành"]);
        assert_eq!(names("BN **Trần Văn Hùng** vào viện"), ["Trần Văn Hùng"]);
        assert_eq!(names("BN la Kieu Thi My Duyen, 29 tuoi"), ["Kieu Thi My Duyen"]);
        assert_eq!(names("cháu Minh Khôi được chuyển"), ["Minh Khôi"]);
        assert_eq!(names("Thẻ BHYT mang tên Huỳnh Thị Thu Trang."), ["Huỳnh Thị Thu Trang"]);
        assert_eq!(names("BN NGUYỄN VĂN HÙNG"), ["NGUYỄN VĂN HÙNG"]);
        assert_eq!(names("benh nhan nguyen van hung bi nga"), ["nguyen van hung"]);
        assert_eq!(names("bà trần thị lan té ngã"), ["trần thị lan"]);
        assert_eq!(names("the bhyt cua chau vo minh khang so"), ["vo minh khang"]);
        assert_eq!(names("nguoi nha bn ta van cuong xin"), ["ta van cuong"]);
        assert_eq!(names("bn Y Bhiong Nie, ma y te"), ["Y Bhiong Nie"]);
        assert_eq!(names("Cô Hà Thị Sương ở bản"), ["Hà Thị Sương"]);
        assert_eq!(names("Phiếu lĩnh máu của Kim Văn Thạch ghi sai"), ["Kim Văn Thạch"]);
        assert_eq!(names("khoa có Nguyễn Văn Hùng trực"), Vec::<&str>::new());
        assert_eq!(names("ho ten: Y Thanh Eban, ngay sinh"), ["Y Thanh Eban"]);
        assert_eq!(names("Bà Mùa Thị Dua sn 1972"), ["Mùa Thị Dua"]);
        assert_eq!(names("ho so ong Than Duc Long, SLT"), ["Than Duc Long"]);
        assert_eq!(names("bn Giàng A Páo khong biet tieng Kinh"), ["Giàng A Páo"]);
    }

    #[test]
    fn a_full_name_followed_by_an_age_is_a_patient() {
        assert_eq!(names("Nguyễn Thị Hường, 72 tuổi, nhập viện"), ["Nguyễn Thị Hường"]);
        assert_eq!(names("Hồ sơ Trần Văn Hùng (45 tuổi) bị thất lạc"), ["Trần Văn Hùng"]);
        assert_eq!(names("Lê Văn Tám, nam, 61 tuổi, vào viện"), ["Lê Văn Tám"]);
        assert_eq!(names("tran van phuc 45 tuoi"), Vec::<&str>::new());
        assert_eq!(names("Khoa Nhi, 45 tuổi"), Vec::<&str>::new());
    }

    #[test]
    fn roles_generic_words_initials_placeholders_and_staff_are_not_names() {
        for text in [
            "Bệnh nhân Nam giới, 45 tuổi",
            "BN nữ 65 tuổi",
            "Bệnh nhân A được chuyển",
            "Các bà mẹ được hướng dẫn",
            "Anh chị em điều dưỡng",
            "BN N.V.A, 72 tuổi",
            "bệnh nhân Nguyễn Văn A",
            "ThS. Nguyễn Văn Bình, Phòng Quản lý chất lượng",
            "Người bệnh Khoa Nội tiết được hướng dẫn",
            "Bà Rịa Vũng Tàu",
            "Bé Na được mẹ đưa đến",
            "Bệnh nhân Covid nặng",
            "BN COPD NẶNG",
            "Bệnh nhân NGUYỄN VĂN A",
            "bệnh nhân Bạch Mai chuyển đến",
            "Bệnh nhân Hồ Chí Minh, 5 tuổi",
            "anh ta van di lam, benh nhan do thi khong",
            "Bé trai được chỉ định kháng sinh tĩnh mạch.",
            "be trai duoc chi dinh khang sinh tinh mach",
            "em lam dieu duong 8 nam",
            "ba ta van an com, ong ta van binh thuong",
            "bn co dinh duong qua sonde",
            "Chúc mừng chị Hoàng Thị Thu Hà, điều dưỡng trưởng khoa Nhi",
            "chị Lê Thị Bích Ngọc (ĐD khoa Nhi) nghỉ hưu",
            "Chị Nguyễn Thị Thanh Mai, Trưởng phòng QLCL, chia sẻ",
            "bệnh nhân Cần Thơ chuyển lên",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text}");
        }
    }
}
