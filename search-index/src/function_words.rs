//! Vietnamese function words: the words that carry a question or hold a sentence together
//! ("làm thế nào", "có … không", "là gì", "bao lâu", "của", "những") rather than say what it is
//! about. People type whole questions into the search box; requiring these words would drop
//! the answer, which rarely repeats them, and scoring them fully would rank texts by how chatty
//! they are. So they are optional in every query and count little (see `plan/`).
//!
//! The list holds each word as written and, for the folded (no-diacritics) spelling, only
//! forms that no important healthcare word shares once folded: "nao" stays out ("não", brain),
//! as do "dau" ("đau", pain), "de" ("đẻ"), "vi" ("vi khuẩn"), "chi" ("chi dưới"), "dang"
//! ("nhận dạng"), "chung" ("triệu chứng"), "thuong" ("chấn thương") and "the" ("thẻ" BHYT).

use std::collections::HashSet;
use std::sync::OnceLock;

use crate::analysis::fold;

/// With diacritics, lower case. Kept short on purpose: a word here never has to match.
const MARKED: &[&str] = &[
    "à",
    "ạ",
    "ai",
    "bao",
    "bị",
    "các",
    "cần",
    "chỉ",
    "cho",
    "có",
    "của",
    "cùng",
    "để",
    "đâu",
    "được",
    "gì",
    "hay",
    "hãy",
    "hoặc",
    "khi",
    "không",
    "là",
    "làm",
    "lâu",
    "mà",
    "mấy",
    "nào",
    "này",
    "nên",
    "nếu",
    "nhé",
    "như",
    "những",
    "nhiêu",
    "nhiều",
    "ở",
    "phải",
    "sao",
    "tại",
    "thế",
    "thì",
    "thường",
    "và",
    "vậy",
    "vì",
    "với",
    "ơi",
    "em",
    "tôi",
    "mình",
    "chúng",
    "ta",
    "bạn",
    "xin",
    "hỏi",
    "giúp",
    "muốn",
    "biết",
    "đã",
    "đang",
    "sẽ",
    "rồi",
    "chưa",
    "thể",
];

/// Folded forms that are safe to treat as function words in a query typed without diacritics.
const FOLDED: &[&str] = &[
    "a", "ai", "bao", "bi", "cac", "can", "cho", "co", "cua", "duoc", "gi", "hay", "hoac", "khi", "khong", "la", "lam", "lau", "ma", "nay",
    "nen", "neu", "nhe", "nhu", "nhung", "nhieu", "o", "phai", "sao", "thi", "va", "vay", "voi", "em", "toi", "minh", "ta", "xin", "giup",
    "muon", "biet", "se",
];

fn tables() -> &'static (HashSet<&'static str>, HashSet<&'static str>) {
    static TABLES: OnceLock<(HashSet<&'static str>, HashSet<&'static str>)> = OnceLock::new();
    TABLES.get_or_init(|| (MARKED.iter().copied().collect(), FOLDED.iter().copied().collect()))
}

/// Whether a lower-case syllable as typed is a function word: as written when it carries
/// diacritics, by its folded form when it carries none.
pub fn is_function_word(syllable: &str) -> bool {
    is_function_word_in(syllable, false)
}

/// [`is_function_word`] for a syllable of a query: in a query typed with diacritics, a
/// syllable without any is meant as it is ("thi hành", "co giật"), so only the marked list
/// applies; the folded forms are for queries typed without diacritics ("thi" for "thì").
pub fn is_function_word_in(syllable: &str, query_has_diacritics: bool) -> bool {
    let (marked, folded) = tables();
    if marked.contains(syllable) {
        return true;
    }
    !query_has_diacritics && fold(syllable) == syllable && folded.contains(syllable)
}

/// The spellings in which a syllable typed without diacritics is a function word ("toi": "tôi";
/// "co": "có"), for telling how often it is one.
pub(crate) fn function_spellings(folded: &str) -> impl Iterator<Item = &'static str> + '_ {
    MARKED.iter().copied().filter(move |word| fold(word) == folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_words_with_and_without_diacritics() {
        for word in ["có", "không", "gì", "nào", "làm", "co", "khong", "gi", "lam", "duoc"] {
            assert!(is_function_word(word), "{word}");
        }
    }

    #[test]
    fn content_words_are_not_function_words() {
        // "nao" could be "não" (brain), "the" "thẻ" (card), "tay" hand; "cơ" is not "có".
        for word in ["nao", "the", "tay", "dau", "de", "vi", "dang", "chung", "cơ", "cổ", "não", "ngã", "mổ", "đau"] {
            assert!(!is_function_word(word), "{word}");
        }
    }

    /// "thi hành", "co giật", "ma túy" typed with diacritics: the unmarked syllable is not "thì",
    /// "có", "mà"; typed without any, it may be.
    #[test]
    fn unmarked_syllables_of_a_marked_query_are_meant_as_typed() {
        for word in ["thi", "co", "ma", "la", "bi"] {
            assert!(!is_function_word_in(word, true), "{word}");
            assert!(is_function_word_in(word, false), "{word}");
        }
        assert!(is_function_word_in("thì", true) && is_function_word_in("nhiêu", true));
    }

    #[test]
    fn marked_list_is_lower_case_nfc() {
        for word in MARKED {
            assert_eq!(crate::analysis::normalize(word), *word);
        }
        for word in FOLDED {
            assert_eq!(fold(word), *word);
        }
    }
}
