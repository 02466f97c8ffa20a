//! Bed and room numbers together with a ward ("giường 12 khoa Hồi sức", "phòng 305 khoa Nội",
//! "khoa Cấp cứu, giường số 2"): with the hospital named elsewhere in a case study, that is
//! enough to find the patient. A room number alone ("phòng 305 được dùng làm phòng cách ly"),
//! counts ("bệnh viện 500 giường", "mỗi phòng 6 giường"), ratios ("điều dưỡng/giường 1:1"),
//! percentages ("công suất giường 120%") and rooms that are not patients' rooms ("phòng mổ số
//! 3", "phòng khám số 5") are not findings.

use super::folded::{Word, between, words};
use super::{Finding, FindingKind};

const BED_WORDS: [&str; 3] = ["giuong", "phong", "buong"];

/// Counting nouns: "phòng 6 giường" is a count of beds, not room 6.
const COUNTED: [&str; 12] = ["giuong", "phong", "nguoi", "benh", "ca", "luot", "ngay", "gio", "phut", "tuoi", "thang", "nam"];

/// Ward names typed in lower case after "khoa"; a capitalised word after "khoa" is taken as a ward too.
const WARDS: [&str; 14] =
    ["noi", "ngoai", "san", "nhi", "hoi", "cap", "tim", "than", "ung", "truyen", "gay", "chan", "mat", "da"];

/// Units that name a ward on their own.
const WARD_ABBREVIATIONS: [&str; 5] = ["icu", "hstc", "hscc", "hsts", "ccu"];

/// How many words either side of the bed number a ward may be.
const WARD_WINDOW: usize = 8;

pub fn find(text: &str) -> Vec<Finding> {
    let words = words(text);
    (0..words.len())
        .filter_map(|i| bed_number(text, &words, i).map(|n| (i, n)))
        .filter(|&(i, n)| ward_near(text, &words, i, n))
        .map(|(i, n)| Finding { kind: FindingKind::BedRoom, range: words[i].range.start..words[n].range.end })
        .collect()
}

/// The index of the number word of "giường 12", "phòng số 305", "buồng bệnh 4", "giường 3A".
fn bed_number(text: &str, words: &[Word], i: usize) -> Option<usize> {
    let bed = words[i].folded.as_str();
    if !BED_WORDS.contains(&bed) {
        return None;
    }
    let mut n = i + 1;
    for optional in ["benh", "so"] {
        if words.get(n).is_some_and(|w| w.folded == optional && (optional == "so" || bed != "giuong")) {
            n += 1;
        }
    }
    let number = words.get(n)?;
    let joined_by_spaces = words[i..n].iter().zip(&words[i + 1..=n]).all(|(a, b)| between(text, a, b).trim().is_empty());
    (joined_by_spaces && is_bed_label(&number.folded) && !is_a_count(text, words, n)).then_some(n)
}

/// "12", "305", "3A": up to four digits and maybe one letter.
fn is_bed_label(folded: &str) -> bool {
    let digits = folded.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let letters = folded.len() - digits.len();
    (1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && letters <= 1
}

/// "phòng 6 giường", "giường 120%", "giường 1:1", "giường 2,5": a quantity, not a label.
fn is_a_count(text: &str, words: &[Word], n: usize) -> bool {
    let after = &text[words[n].range.end..];
    let counted = words
        .get(n + 1)
        .is_some_and(|w| COUNTED.contains(&w.folded.as_str()) && between(text, &words[n], w).trim().is_empty());
    let mut chars = after.chars();
    let ratio_or_percent = match (chars.next(), chars.next()) {
        (Some('%'), _) => true,
        (Some(':' | '/' | ',' | '.'), Some(d)) => d.is_ascii_digit(),
        _ => false,
    };
    counted || ratio_or_percent
}

/// Whether a ward is named within a few words, in the same sentence.
fn ward_near(text: &str, words: &[Word], bed: usize, number: usize) -> bool {
    let mut before = (bed.saturating_sub(WARD_WINDOW)..bed).rev();
    let mut after = number + 1..(number + 1 + WARD_WINDOW).min(words.len());
    let same_sentence = |a: usize, b: usize| !ends_sentence(between(text, &words[a.min(b)], &words[a.max(b)]));
    let look = |range: &mut dyn Iterator<Item = usize>, from: usize| {
        let mut previous = from;
        for k in range {
            if !same_sentence(previous, k) {
                return false;
            }
            if is_ward(words, k) {
                return true;
            }
            previous = k;
        }
        false
    };
    look(&mut before, bed) || look(&mut after, number)
}

fn ends_sentence(gap: &str) -> bool {
    gap.contains(['.', '!', '?', '\n', ';'])
}

fn is_ward(words: &[Word], k: usize) -> bool {
    let word = &words[k];
    if WARD_ABBREVIATIONS.contains(&word.folded.as_str()) {
        return true;
    }
    word.folded == "khoa"
        && words.get(k + 1).is_some_and(|next| next.is_capitalised() || WARDS.contains(&next.folded.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beds(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn bed_and_room_numbers_with_a_ward() {
        assert_eq!(beds("nằm giường 12 khoa Hồi sức bị tụt huyết áp"), ["giường 12"]);
        assert_eq!(beds("Bệnh nhân phòng 305 khoa Nội được"), ["phòng 305"]);
        assert_eq!(beds("giuong 7 khoa ngoai tong hop"), ["giuong 7"]);
        assert_eq!(beds("Tại khoa Hồi sức tích cực, giường 8 có người bệnh"), ["giường 8"]);
        assert_eq!(beds("Giường 3A khoa Nhi có bé sốt"), ["Giường 3A"]);
        assert_eq!(beds("giường số 5, phòng 3, khoa Ngoại"), ["giường số 5", "phòng 3"]);
    }

    #[test]
    fn counts_rooms_alone_and_other_rooms_are_not_findings() {
        for text in [
            "Bệnh viện 500 giường của chúng tôi",
            "Khoa Ngoại có 5 phòng bệnh, mỗi phòng 6 giường.",
            "Phòng 305 được dùng làm phòng cách ly tạm thời.",
            "Phòng mổ số 3 khoa Gây mê hồi sức",
            "Khoa Hồi sức tích cực 20 giường, tỷ lệ điều dưỡng/giường 1:1.",
            "Khoa co 40 giuong, cong suat su dung giuong 120%.",
            "khoa Nội đã họp. Phòng 12 đang sửa chữa",
        ] {
            assert_eq!(beds(text), Vec::<&str>::new(), "{text}");
        }
    }
}
