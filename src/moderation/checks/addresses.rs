//! Home addresses: a house number with a lane or street ("số 12 ngõ 45 phố Chùa Bộc", "so 7
//! hem 3 duong Le Loi", "118/5 hẻm Trần Quang Khải", "nhà số 31 phố Hàng Bạc"), a numbered lane
//! with its street ("kiệt 42 Hùng Vương", "ngõ 5 Láng Hạ"), "số nhà 9", or a numbered hamlet or
//! residential group with its commune or ward ("thôn 3, xã Hòa Phú", "tổ 12, phường Yên Hòa").
//!
//! Not addresses: streets and wards without a number ("đường Giải Phóng", "phường Phú Nhuận"),
//! and "đường" as a route or sugar ("2 đường truyền", "đường huyết 12 mmol/L"): after
//! "đường"/"phố" a street is a capitalised name or "số" and a number.

use search_index::analysis::{fold, has_diacritics};

use super::folded::{Word, between, words};
use super::{Finding, FindingKind};

/// Lanes: a number after them names a lane.
const LANES: [&str; 4] = ["ngo", "ngach", "hem", "kiet"];
/// Streets: a capitalised name (or "số N") after them names a street.
const STREETS: [&str; 2] = ["duong", "pho"];
/// Numbered places inside a commune or ward.
const HAMLETS: [&str; 5] = ["thon", "xom", "ap", "to", "khom"];
const COMMUNES: [&str; 3] = ["xa", "phuong", "thi"];
/// Hamlets and groups that may have a name rather than a number.
/// "buôn", "làng", "plei", "sóc": villages of the Central Highlands and the Mekong delta.
const NAMED_HAMLETS: [&str; 10] = ["thôn", "xóm", "ấp", "bản", "khóm", "tổ", "buôn", "làng", "plei", "sóc"];

/// Slashes in a house number ("25/16/2/1" has three).
const MAX_SLASHED: usize = 3;

/// Words an address may run on over after its core (the rest of a street name).
const MAX_TAIL: usize = 5;

pub fn find(text: &str) -> Vec<Finding> {
    let words = words(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match address_at(text, &words, i) {
            Some((first, last)) => {
                let last = tail(text, &words, last);
                out.push(Finding { kind: FindingKind::StreetAddress, range: words[first].range.start..words[last].range.end });
                i = last + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// The first and last word of an address whose number (or lane, or hamlet) is word `i`.
fn address_at(text: &str, words: &[Word], i: usize) -> Option<(usize, usize)> {
    let w = &words[i];
    if is_house_number(w) {
        let number_end = slashed_number_end(text, words, i);
        let street = number_end + 1;
        if spaced(text, words, number_end, street) && names_a_place(text, words, street) {
            return Some((number_start(words, i), street + 1));
        }
        return street_then_ward(text, words, number_end).map(|last| (number_start(words, i), last));
    }
    let folded = w.folded.as_str();
    if LANES.contains(&folded) && words.get(i + 1).is_some_and(is_house_number) && spaced(text, words, i, i + 1) {
        let after = slashed_number_end(text, words, i + 1) + 1;
        let named = words.get(after).is_some_and(|n| n.is_capitalised() && spaced(text, words, after - 1, after))
            || names_a_street(text, words, after);
        return named.then_some((i, after.min(words.len() - 1)));
    }
    if folded == "so" && words.get(i + 1).is_some_and(|n| n.folded == "nha") && words.get(i + 2).is_some_and(is_house_number) {
        return Some((i, i + 2));
    }
    if HAMLETS.contains(&folded) && words.get(i + 1).is_some_and(is_house_number) {
        let commune = words.get(i + 2)?;
        let gap = between(text, &words[i + 1], commune).trim();
        if COMMUNES.contains(&commune.folded.as_str()) && matches!(gap, "" | ",") {
            return Some((i, i + 2));
        }
    }
    named_hamlet(text, words, i)
}

/// A hamlet or residential group with a name or number and then its commune or ward: "thôn
/// Đồng Chằm, xã Tân Lập", "ấp Bình Phú, xã Tân Thạnh Đông", "tổ 15 khu 3 phường Hồng Hải",
/// "xom bai, xa dong son" (HIPAA's Safe Harbor counts every place smaller than a state). Typed
/// with diacritics, the words must be the right ones ("tổ", not "to"; "xã", not "xa") and the
/// name capitalised ("tổ chức … xã" is no address); typed without, a lower-case name of up to
/// three words counts, and the short words that are also common ones ("ap", "to", "ban") only
/// before a capitalised name or a number.
fn named_hamlet(text: &str, words: &[Word], i: usize) -> Option<(usize, usize)> {
    let w = &words[i];
    let accented = has_diacritics(w.text);
    let hamlet = NAMED_HAMLETS.iter().find(|h| w.folded == fold(h))?;
    if accented && w.text.to_lowercase() != *hamlet {
        return None;
    }
    let first = words.get(i + 1)?;
    let ambiguous = !accented && matches!(w.folded.as_str(), "ap" | "to" | "ban" | "buon" | "lang" | "soc");
    if ambiguous && !(first.is_capitalised() || is_house_number(first) || (w.folded == "to" && first.folded == "dan")) {
        return None;
    }
    let max_name = if accented { 5 } else { 4 };
    for k in i + 1..(i + 2 + max_name).min(words.len()) {
        let gap = between(text, &words[k - 1], &words[k]).trim();
        if !matches!(gap, "" | ",") {
            return None;
        }
        if k > i + 1 && is_commune(&words[k]) {
            let name =
                words.get(k + 1).filter(|n| between(text, &words[k], n) == " " && (n.is_capitalised() || !has_diacritics(n.text)))?;
            return (!name.is_number()).then_some((i, k + 1));
        }
        let part = &words[k];
        let name_like = part.is_capitalised() || is_house_number(part) || matches!(part.folded.as_str(), "khu" | "khoi" | "pho" | "dan");
        if accented && !name_like {
            return None;
        }
    }
    None
}

/// "72/9 Phan Huy Ích, phường 15", "14 Trần Bình Trọng, phường 4", "112 Nguyễn Trãi, P.2": a
/// house number, a capitalised street name of one to four words, then its ward, commune or
/// district after a comma (a number and a name alone may be anything: "12 Bệnh viện"). The
/// last word of the street name.
fn street_then_ward(text: &str, words: &[Word], number_end: usize) -> Option<usize> {
    let mut last = number_end;
    while last - number_end < 4 && words.get(last + 1).is_some_and(|w| w.is_capitalised() && w.text.chars().count() > 1) {
        if between(text, &words[last], &words[last + 1]) != " " {
            break;
        }
        last += 1;
    }
    let ward = words.get(last + 1)?;
    let after_comma = between(text, &words[last], ward).trim() == ",";
    // "phường 15", "xã Ea Tiêu", "P.2" (not "phường nào", "xã hội").
    let named = words.get(last + 2).is_some_and(|n| n.is_number() || n.is_capitalised());
    (last > number_end && after_comma && is_ward(ward) && named).then_some(last)
}

/// A ward, commune, district or city word: "phường", "xã", "quận", "huyện", "thị trấn", "P.",
/// "Q.", "TP", "TX" (the city or town: "19 Phan Đình Phùng, TP Hà Tĩnh").
fn is_ward(w: &Word) -> bool {
    is_commune(w)
        || ["quận", "huyện"].iter().any(|c| w.folded == fold(c) && (!has_diacritics(w.text) || w.text.to_lowercase() == *c))
        || matches!(w.text, "P" | "Q" | "TP" | "Tp" | "TX")
}

/// "xã", "phường", "thị trấn" (with their diacritics when typed with any).
fn is_commune(w: &Word) -> bool {
    ["xã", "phường", "thị"].iter().any(|c| w.folded == fold(c) && (!has_diacritics(w.text) || w.text.to_lowercase() == *c))
}

/// "12", "118", "3A": a house or lane number.
fn is_house_number(w: &Word) -> bool {
    let digits = w.folded.trim_end_matches(|c: char| c.is_ascii_lowercase());
    (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) && w.folded.len() - digits.len() <= 1
}

/// The last word of "118/5", "25/16/2": numbers joined by slashes. At most a few: a longer
/// run ("1/2/1/2/…") is no house number, and walking it from every word would take quadratic
/// time on a hostile post.
fn slashed_number_end(text: &str, words: &[Word], start: usize) -> usize {
    let mut i = start;
    while i - start < MAX_SLASHED && words.get(i + 1).is_some_and(|n| is_house_number(n) && between(text, &words[i], n) == "/") {
        i += 1;
    }
    i
}

/// Where the address starts: at "số", "nhà số" or "số nhà" before the number, if any.
fn number_start(words: &[Word], i: usize) -> usize {
    let before = |k: usize| i.checked_sub(k).map(|j| words[j].folded.as_str());
    match (before(2), before(1)) {
        (Some("nha"), Some("so")) | (Some("so"), Some("nha")) => i - 2,
        (_, Some("so")) => i - 1,
        _ => i,
    }
}

/// A lane with a number or a name, or a street with a name, at word `at`.
fn names_a_place(text: &str, words: &[Word], at: usize) -> bool {
    let Some(w) = words.get(at) else { return false };
    if LANES.contains(&w.folded.as_str()) {
        return words.get(at + 1).is_some_and(|n| (is_house_number(n) || n.is_capitalised()) && spaced(text, words, at, at + 1));
    }
    names_a_street(text, words, at)
}

/// "đường Lê Lợi", "phố Huế", "đường số 7" (not "đường huyết", "đường truyền").
fn names_a_street(text: &str, words: &[Word], at: usize) -> bool {
    let Some(w) = words.get(at) else { return false };
    if !STREETS.contains(&w.folded.as_str()) || !spaced(text, words, at, at + 1) {
        return false;
    }
    let next = &words[at + 1];
    next.is_capitalised() || (next.folded == "so" && words.get(at + 2).is_some_and(is_house_number))
}

/// Extends an address over the rest of a street name: capitalised words, lanes, streets and
/// numbers joined by single spaces or slashes.
fn tail(text: &str, words: &[Word], mut last: usize) -> usize {
    for _ in 0..MAX_TAIL {
        let Some(next) = words.get(last + 1) else { break };
        let gap = between(text, &words[last], next);
        let part = next.is_capitalised()
            || is_house_number(next)
            || LANES.contains(&next.folded.as_str())
            || STREETS.contains(&next.folded.as_str())
            || next.folded == "so";
        if !(gap == " " || gap == "/") || !part {
            break;
        }
        last += 1;
    }
    last
}

/// Two neighbouring words separated by a space (maybe a comma).
fn spaced(text: &str, words: &[Word], a: usize, b: usize) -> bool {
    words.get(b).is_some_and(|wb| matches!(between(text, &words[a], wb), " " | ", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addresses(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|f| &text[f.range]).collect()
    }

    #[test]
    fn house_numbers_with_lanes_and_streets() {
        assert_eq!(addresses("sống ở số 12 ngõ 45 phố Chùa Bộc, một mình"), ["số 12 ngõ 45 phố Chùa Bộc"]);
        assert_eq!(addresses("so 7 hem 3 duong Le Loi, phuong 4"), ["so 7 hem 3 duong Le Loi"]);
        assert_eq!(addresses("tại 118/5 hẻm Trần Quang Khải."), ["118/5 hẻm Trần Quang Khải"]);
        assert_eq!(addresses("Ông Khải, nhà số 31 phố Hàng Bạc, vào viện"), ["nhà số 31 phố Hàng Bạc"]);
        assert_eq!(addresses("thuê trọ ở kiệt 42 Hùng Vương, số nhà 9"), ["kiệt 42 Hùng Vương", "số nhà 9"]);
        assert_eq!(addresses("khai ở thôn 3, xã Hòa Phú"), ["thôn 3, xã Hòa Phú"]);
        assert_eq!(addresses("số 88/12 đường số 7, phường Bình Trị Đông"), ["số 88/12 đường số 7"]);
        assert_eq!(addresses("ở thôn Đồng Chằm, xã Tân Lập, huyện"), ["thôn Đồng Chằm, xã Tân Lập"]);
        assert_eq!(addresses("xe don bn o xom bai, xa dong son, mat"), ["xom bai, xa dong"]);
        assert_eq!(addresses("nha o to 7 khu pho 3 phuong tan phong"), ["to 7 khu pho 3 phuong tan"]);
        assert_eq!(addresses("tạm trú tại 72/9 Phan Huy Ích, phường 15 để"), ["72/9 Phan Huy Ích"]);
        assert_eq!(addresses("dia chi buon Ko Siar, xa Ea Tieu, huyen"), ["buon Ko Siar, xa Ea Tieu"]);
        assert_eq!(addresses("Cụ ở 19 Phan Đình Phùng, TP Hà Tĩnh, đã"), ["19 Phan Đình Phùng"]);
        assert_eq!(addresses("Bệnh nhân ở tổ 7 khối phố An Mỹ, phường An Mỹ, TP"), ["tổ 7 khối phố An Mỹ, phường An Mỹ"]);
    }

    #[test]
    fn streets_without_numbers_and_other_roads_are_not_addresses() {
        for text in [
            "Đường Giải Phóng thường tắc vào giờ cao điểm",
            "Nhóm chúng tôi ở phường Phú Nhuận",
            "đặt 2 đường truyền tĩnh mạch",
            "sau 30 phút đường huyết 12 mmol/L",
            "cơ sở 2 nằm trên đường Nguyễn Văn Linh",
            "Khoa có 3 phòng, tầng 1 nhà B",
            "Tổ chức khám cho người dân xã Tân Lập",
            "u to, xa nha nen den muon",
            "ban kham xa cua so",
            "Khoa có 12 Bác Sĩ, phường nào cũng có trạm",
            "Ca 3 Nội Tiết, xã hội hóa",
        ] {
            assert_eq!(addresses(text), Vec::<&str>::new(), "{text}");
        }
    }
}
