//! Words the field writes in more than one way for the same thing ("mổ" and "phẫu thuật",
//! "tiểu đường" and "đái tháo đường"). Like abbreviations, they are expanded at query time only,
//! every way: a query with one form also finds the others, scored a little lower than the form
//! typed (see `plan/`). Only add true equivalents in this field: a near-synonym that is a
//! different clinical thing ("dị ứng" / "phản vệ") would mislead.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::analysis::{exact_tokens, fold, has_diacritics, normalize};

/// Each group lists equivalent forms, written with diacritics.
pub const SYNONYMS: &[&[&str]] = &[
    &["mổ", "phẫu thuật"],
    &["phòng mổ", "phòng phẫu thuật"],
    &["nhận dạng", "nhận diện"],
    &["rửa tay", "vệ sinh tay"],
    &["tiểu đường", "đái tháo đường"],
    &["tăng huyết áp", "cao huyết áp", "huyết áp cao"],
    &["hạ huyết áp", "huyết áp thấp", "tụt huyết áp"],
    &["nhiễm khuẩn", "nhiễm trùng"],
    &["vắc xin", "vaccine", "vacxin"],
    &["vi rút", "virus", "siêu vi"],
    &["đau dạ dày", "đau bao tử"],
    &["té ngã", "ngã"],
    &["suýt xảy ra", "suýt sai sót", "chưa gây hại"],
    &["sai sót", "nhầm lẫn"],
    &["xuất viện", "ra viện"],
    &["nhập viện", "vào viện"],
    &["hen suyễn", "hen phế quản"],
    &["đột quỵ", "tai biến mạch máu não"],
    &["nhồi máu cơ tim", "đau tim"],
    &["thai phụ", "bà bầu", "phụ nữ mang thai", "sản phụ"],
    &["trẻ sơ sinh", "trẻ mới sinh"],
    &["kháng sinh dự phòng", "dự phòng kháng sinh"],
];

/// The forms equivalent to the words `typed` (lower-case syllables as typed), as syllables
/// with diacritics, `typed` itself left out. A syllable typed with diacritics must match them
/// ("mỡ" is not "mổ"); one typed without matches any ("mo" may be "mổ").
pub(crate) fn alternatives(typed: &[String]) -> Vec<&'static [String]> {
    let folded: Vec<String> = typed.iter().map(|t| fold(t)).collect();
    let Some(&group) = tables().by_form.get(&folded) else { return Vec::new() };
    let forms = &tables().groups[group];
    let spelled_so = |form: &[String]| typed.iter().zip(form).all(|(t, e)| !has_diacritics(t) || t == e);
    if !forms.iter().any(|form| form.len() == typed.len() && fold_all(form) == folded && spelled_so(form)) {
        return Vec::new();
    }
    forms.iter().filter(|form| fold_all(form) != folded).map(Vec::as_slice).collect()
}

/// The longest form in syllables, to bound the look-ahead.
pub(crate) fn longest_form() -> usize {
    tables().longest
}

fn fold_all(tokens: &[String]) -> Vec<String> {
    tokens.iter().map(|t| fold(t)).collect()
}

struct Tables {
    /// Each group's forms as syllables with diacritics (normalised, lower case).
    groups: Vec<Vec<Vec<String>>>,
    /// Folded form → its group.
    by_form: HashMap<Vec<String>, usize>,
    longest: usize,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut tables = Tables { groups: Vec::new(), by_form: HashMap::new(), longest: 0 };
        for (i, group) in SYNONYMS.iter().enumerate() {
            let forms: Vec<Vec<String>> = group.iter().map(|form| exact_tokens(&normalize(form))).collect();
            for form in &forms {
                tables.longest = tables.longest.max(form.len());
                tables.by_form.insert(fold_all(form), i);
            }
            tables.groups.push(forms);
        }
        tables
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn others(text: &str) -> Vec<String> {
        alternatives(&exact_tokens(&normalize(text))).iter().map(|f| f.join(" ")).collect()
    }

    #[test]
    fn every_form_finds_the_others_with_or_without_diacritics() {
        assert_eq!(others("mổ"), ["phẫu thuật"]);
        assert_eq!(others("phau thuat"), ["mổ"]);
        assert_eq!(others("Tiểu đường"), ["đái tháo đường"]);
        assert!(others("huyet ap cao").contains(&"tăng huyết áp".to_string()));
        assert!(others("người bệnh").is_empty());
    }

    #[test]
    fn a_word_typed_with_other_diacritics_is_another_word() {
        assert!(others("mỡ").is_empty(), "mỡ (fat) is not mổ (surgery)");
        assert_eq!(others("mo"), ["phẫu thuật"]);
    }

    #[test]
    fn a_form_belongs_to_one_group() {
        let mut seen = std::collections::HashSet::new();
        for group in SYNONYMS {
            for form in *group {
                assert!(seen.insert(fold_all(&exact_tokens(form))), "{form} twice");
            }
        }
    }
}
