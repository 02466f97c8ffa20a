//! Bed and room numbers ("giường 12", "phòng 412, giường 2", "buồng bệnh 4"): a hint, never a
//! reason to hold a post ([`FindingKind::is_hint`]): they are in nearly every incident report and
//! identify nobody on their own, but the author and the moderator see them marked in case they
//! come with other details. Counts ("bệnh viện 500 giường", "mỗi phòng 6 giường"), ratios
//! ("điều dưỡng/giường 1:1"), percentages ("công suất giường 120%") and rooms that are not
//! patients' rooms ("phòng mổ số 3", "phòng khám số 5") are not findings.

use super::folded::{Word, between, words};
use super::{Finding, FindingKind};

const BED_WORDS: [&str; 3] = ["giuong", "phong", "buong"];

/// Counting nouns: "phòng 6 giường" is a count of beds, not room 6.
const COUNTED: [&str; 12] = ["giuong", "phong", "nguoi", "benh", "ca", "luot", "ngay", "gio", "phut", "tuoi", "thang", "nam"];

pub fn find(text: &str) -> Vec<Finding> {
    let words = words(text);
    (0..words.len())
        .filter_map(|i| bed_number(text, &words, i).or_else(|| shorthand(text, &words, i)).map(|n| (i, n)))
        .map(|(i, n)| Finding { kind: FindingKind::BedRoom, range: words[i].range.start..words[n].range.end })
        .collect()
}

/// Ward shorthand: "G12", "g.3" (giường), and "P115", "p.409" (phòng) beside a bed ("p301 g4",
/// "G2 P115"): the last word of the one at `i`. Not a grade or a group ("độ G2", "nhóm G1"), nor
/// glucose ("46 ml G5%", "truyền G10").
fn shorthand(text: &str, words: &[Word], i: usize) -> Option<usize> {
    let (letter, last) = short_label(text, words, i).filter(|&(_, last)| !glucose_or_grade(text, words, i, last))?;
    // A room only beside a bed, with a space between: "p301 g4", "G2 P115".
    let bed_at = |k: usize| short_label(text, words, k).filter(|&(l, end)| l == 'g' && !glucose_or_grade(text, words, k, end));
    let spaced = |a: usize, b: usize| words.get(b).is_some_and(|wb| between(text, &words[a], wb) == " ");
    let bed_after = spaced(last, last + 1) && bed_at(last + 1).is_some();
    let bed_before = i > 0 && spaced(i - 1, i) && (i.saturating_sub(2)..i).any(|k| bed_at(k).is_some_and(|(_, end)| end + 1 == i));
    (letter == 'g' || bed_after || bed_before).then_some(last)
}

fn glucose_or_grade(text: &str, words: &[Word], i: usize, last: usize) -> bool {
    let before = i.checked_sub(1).map(|p| words[p].folded.as_str());
    let not_a_place = ["do", "grade", "nhom", "loai", "type", "muc", "truyen", "pha", "voi", "dich", "chai", "ml", "tiem", "va"];
    before.is_some_and(|b| not_a_place.contains(&b)) || text[words[last].range.end..].starts_with('%')
}

/// "G12" or "g.3" ('g', last word), "P115" or "p.409" ('p', last word) at word `i`.
fn short_label(text: &str, words: &[Word], i: usize) -> Option<(char, usize)> {
    let w = words.get(i)?;
    let letter = w.folded.chars().next().filter(|c| matches!(c, 'g' | 'p'))?;
    let rest = &w.folded[1..];
    if !rest.is_empty() {
        let max = if letter == 'g' { 2 } else { 3 };
        return (rest.len() <= max && rest.bytes().all(|b| b.is_ascii_digit())).then_some((letter, i));
    }
    let number = words.get(i + 1).filter(|n| between(text, w, n) == "." && n.is_number() && n.text.len() <= 3)?;
    (letter == 'g' && number.text.len() <= 2 || letter == 'p').then_some((letter, i + 1))
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
    (joined_by_spaces && is_bed_label(&number.folded) && !is_a_count(text, words, n, bed)).then_some(n)
}

/// "12", "305", "3A": up to four digits and maybe one letter.
fn is_bed_label(folded: &str) -> bool {
    let digits = folded.trim_end_matches(|c: char| c.is_ascii_lowercase());
    let letters = folded.len() - digits.len();
    (1..=4).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && letters <= 1
}

/// "phòng 6 giường", "giường 120%", "giường 1:1", "giường 2,5": a quantity, not a label. A bed
/// holds no rooms: "giường 3 phòng hậu phẫu" is bed 3 of that room.
fn is_a_count(text: &str, words: &[Word], n: usize, bed: &str) -> bool {
    let after = &text[words[n].range.end..];
    let room_of_a_bed = |w: &Word| bed == "giuong" && matches!(w.folded.as_str(), "phong" | "buong");
    let counted = words
        .get(n + 1)
        .is_some_and(|w| COUNTED.contains(&w.folded.as_str()) && !room_of_a_bed(w) && between(text, &words[n], w).trim().is_empty());
    let mut chars = after.chars();
    let ratio_or_percent = match (chars.next(), chars.next()) {
        (Some('%'), _) => true,
        (Some(':' | '/' | ',' | '.'), Some(d)) => d.is_ascii_digit(),
        _ => false,
    };
    counted || ratio_or_percent
}

#[cfg(test)]
mod tests {
    use super::*;

    fn beds(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn bed_and_room_numbers() {
        assert_eq!(beds("nằm giường 12 khoa Hồi sức bị tụt huyết áp"), ["giường 12"]);
        assert_eq!(beds("Bệnh nhân phòng 305 khoa Nội được"), ["phòng 305"]);
        assert_eq!(beds("giuong 7 khoa ngoai tong hop"), ["giuong 7"]);
        assert_eq!(beds("Giường 3A khoa Nhi có bé sốt"), ["Giường 3A"]);
        assert_eq!(beds("nằm phòng 412, giường 2, được"), ["phòng 412", "giường 2"]);
        assert_eq!(beds("giường số 5, phòng 3, khoa Ngoại"), ["giường số 5", "phòng 3"]);
        assert_eq!(beds("Bệnh nhân giường 3 phòng hậu phẫu đòi"), ["giường 3"]);
        assert_eq!(beds("Sáng nay G12 phòng cách ly báo sốt"), ["G12"]);
        assert_eq!(beds("p.409 g.3: ba cu"), ["p.409", "g.3"]);
        assert_eq!(beds("bn g10 sn 1949"), ["g10"]);
    }

    #[test]
    fn counts_ratios_and_other_rooms_are_not_findings() {
        for text in [
            "Bệnh viện 500 giường của chúng tôi",
            "Khoa Ngoại có 5 phòng bệnh, mỗi phòng 6 giường.",
            "Phòng mổ số 3 khoa Gây mê hồi sức",
            "Khoa Hồi sức tích cực 20 giường, tỷ lệ điều dưỡng/giường 1:1.",
            "Khoa co 40 giuong, cong suat su dung giuong 120%.",
            "Ung thư biểu mô độ G2, P53 dương tính, P2 Q3",
            "nhóm G1 gồm 12 người bệnh",
            "pha với 46 ml G5%, truyền G10 500 ml",
        ] {
            assert_eq!(beds(text), Vec::<&str>::new(), "{text}");
        }
    }
}
