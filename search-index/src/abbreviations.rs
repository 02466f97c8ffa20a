//! Healthcare abbreviations used in Vietnamese hospitals, expanded both ways.
//!
//! Expansion happens at query time only, in both directions: the word "ATNB" also searches the
//! phrase "an toàn người bệnh", and the phrase "an toàn người bệnh" also searches the word
//! "ATNB". Documents are indexed as written, so the list can change without a reindex.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::analysis::{fold, fold_tokens, normalize};

/// One abbreviation and what it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abbreviation {
    /// As written in documents, e.g. "ĐD".
    pub short: &'static str,
    /// What it stands for; the first is the usual one.
    pub expansions: &'static [&'static str],
    /// The short form is also an everyday word ("ba" = three, "bà" = grandmother): it expands
    /// only when typed in capitals, and phrases never turn into it (that would match every "ba").
    pub ambiguous: bool,
}

const fn abbr(short: &'static str, expansions: &'static [&'static str]) -> Abbreviation {
    Abbreviation { short, expansions, ambiguous: false }
}

/// The list. Add an entry when the field starts using a new one; mark it `ambiguous` when the
/// short form is also a common word once diacritics are folded.
pub const ABBREVIATIONS: &[Abbreviation] = &[
    abbr("ATNB", &["an toàn người bệnh"]),
    abbr("ATPT", &["an toàn phẫu thuật"]),
    abbr("SCYK", &["sự cố y khoa"]),
    abbr("KSNK", &["kiểm soát nhiễm khuẩn"]),
    abbr("NKBV", &["nhiễm khuẩn bệnh viện"]),
    abbr("NVYT", &["nhân viên y tế"]),
    abbr("BN", &["bệnh nhân", "người bệnh"]),
    abbr("NB", &["người bệnh"]),
    abbr("BV", &["bệnh viện"]),
    abbr("BVĐK", &["bệnh viện đa khoa"]),
    abbr("HSBA", &["hồ sơ bệnh án", "bệnh án"]),
    Abbreviation { short: "BA", expansions: &["bệnh án"], ambiguous: true },
    abbr("BAĐT", &["bệnh án điện tử"]),
    abbr("EMR", &["bệnh án điện tử", "hồ sơ bệnh án điện tử"]),
    abbr("BHYT", &["bảo hiểm y tế"]),
    abbr("ĐD", &["điều dưỡng"]),
    abbr("BS", &["bác sĩ"]),
    abbr("KTV", &["kỹ thuật viên"]),
    abbr("KCB", &["khám chữa bệnh", "khám bệnh chữa bệnh"]),
    abbr("QLCL", &["quản lý chất lượng"]),
    abbr("HSCC", &["hồi sức cấp cứu"]),
    abbr("HSTC", &["hồi sức tích cực"]),
    abbr("ICU", &["hồi sức tích cực"]),
    abbr("PTTT", &["phẫu thuật thủ thuật"]),
    abbr("TTB", &["trang thiết bị"]),
    abbr("ADR", &["phản ứng có hại của thuốc"]),
    abbr("CLS", &["cận lâm sàng"]),
    abbr("XN", &["xét nghiệm"]),
    abbr("CĐHA", &["chẩn đoán hình ảnh"]),
    abbr("PHCN", &["phục hồi chức năng"]),
    abbr("THA", &["tăng huyết áp"]),
    abbr("ĐTĐ", &["đái tháo đường"]),
    abbr("NMCT", &["nhồi máu cơ tim"]),
    abbr("TBMMN", &["tai biến mạch máu não"]),
    abbr("SXH", &["sốt xuất huyết"]),
    abbr("TCM", &["tay chân miệng"]),
    abbr("COPD", &["bệnh phổi tắc nghẽn mạn tính"]),
    abbr("VST", &["vệ sinh tay"]),
    abbr("VAP", &["viêm phổi liên quan thở máy"]),
    abbr("TYT", &["trạm y tế"]),
    abbr("TTYT", &["trung tâm y tế"]),
    abbr("BYT", &["bộ y tế"]),
    // Before a document number ("TT 43/2018"); in capitals only, "tt" is too short to guess.
    Abbreviation { short: "TT", expansions: &["thông tư"], ambiguous: true },
    Abbreviation { short: "NĐ", expansions: &["nghị định"], ambiguous: true },
    abbr("SYT", &["sở y tế"]),
    abbr("CDC", &["trung tâm kiểm soát bệnh tật"]),
    abbr("WHO", &["tổ chức y tế thế giới"]),
];

/// The abbreviation a typed word stands for. Case does not matter, nor do missing diacritics
/// ("atnb", "dd" and "đd" all count), but different diacritics do ("bà" is not "BA").
pub fn lookup(word: &str) -> Option<&'static Abbreviation> {
    let word = normalize(word);
    let index = tables().by_short.get(&fold(&word))?;
    let abbreviation = &ABBREVIATIONS[*index];
    let lower = word.to_lowercase();
    let same_marks = lower == abbreviation.short.to_lowercase() || lower == fold(&word);
    let typed_as_abbreviation = !abbreviation.ambiguous || word == abbreviation.short;
    (same_marks && typed_as_abbreviation).then_some(abbreviation)
}

/// Abbreviations whose expansion is exactly these folded syllables ("an toan nguoi benh" → ATNB).
/// Ambiguous abbreviations are never returned.
pub fn for_phrase(folded_tokens: &[String]) -> Vec<&'static Abbreviation> {
    tables().by_expansion.get(folded_tokens).map(|indexes| indexes.iter().map(|&i| &ABBREVIATIONS[i]).collect()).unwrap_or_default()
}

/// The most syllables any expansion has (bounds the search for expansions in a query).
pub fn longest_expansion() -> usize {
    tables().longest
}

struct Tables {
    by_short: HashMap<String, usize>,
    by_expansion: HashMap<Vec<String>, Vec<usize>>,
    longest: usize,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = Tables { by_short: HashMap::new(), by_expansion: HashMap::new(), longest: 0 };
        for (i, abbreviation) in ABBREVIATIONS.iter().enumerate() {
            tables.by_short.insert(fold(abbreviation.short), i);
            for expansion in abbreviation.expansions.iter().filter(|_| !abbreviation.ambiguous) {
                let tokens = fold_tokens(expansion);
                tables.longest = tables.longest.max(tokens.len());
                tables.by_expansion.entry(tokens).or_default().push(i);
            }
        }
        tables
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short_of(word: &str) -> Option<&'static str> {
        lookup(word).map(|a| a.short)
    }

    #[test]
    fn lookup_ignores_case_and_missing_diacritics() {
        assert_eq!(short_of("ATNB"), Some("ATNB"));
        assert_eq!(short_of("atnb"), Some("ATNB"));
        assert_eq!(short_of("atpt"), Some("ATPT"));
        assert_eq!(short_of("đd"), Some("ĐD"));
        assert_eq!(short_of("dd"), Some("ĐD"));
        assert_eq!(short_of("ĐD"), Some("ĐD"));
        assert_eq!(short_of("bađt"), Some("BAĐT"));
        assert_eq!(short_of("người"), None);
    }

    #[test]
    fn ambiguous_short_forms_need_capitals() {
        assert_eq!(short_of("BA"), Some("BA"));
        assert_eq!(short_of("ba"), None);
        assert_eq!(short_of("bà"), None);
    }

    #[test]
    fn phrases_find_their_abbreviations() {
        let shorts = |text: &str| for_phrase(&fold_tokens(text)).iter().map(|a| a.short).collect::<Vec<_>>();
        assert_eq!(shorts("an toàn người bệnh"), ["ATNB"]);
        assert_eq!(shorts("an toan nguoi benh"), ["ATNB"]);
        assert_eq!(shorts("người bệnh"), ["BN", "NB"]);
        assert_eq!(shorts("bệnh án"), ["HSBA"]);
        assert_eq!(shorts("thông tư"), Vec::<&str>::new(), "TT is only expanded from capitals");
        assert!(longest_expansion() >= 5);
    }

    #[test]
    fn short_forms_are_unique_once_folded() {
        let mut seen = std::collections::HashSet::new();
        for a in ABBREVIATIONS {
            assert!(seen.insert(fold(a.short)), "{} twice", a.short);
        }
    }
}
