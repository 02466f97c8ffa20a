//! Near-duplicate posts, for flood and duplicate detection: the same text after normalisation
//! (case, diacritics, punctuation, spacing), or nearly all the same word sequences.

use std::collections::HashSet;

use search_index::analysis::fold;

/// Jaccard similarity of word 3-shingles at or above which two texts are near duplicates.
const SIMILARITY: f64 = 0.8;

/// Texts shorter than this many words are compared only for equality: three short replies
/// ("cảm ơn anh", "cảm ơn chị") are not a flood.
const MIN_WORDS_FOR_SHINGLES: usize = 8;

/// Whether `a` and `b` say the same thing: equal once normalised, or sharing nearly all their
/// three-word sequences. Two empty texts are not duplicates of each other.
pub fn near_duplicate(a: &str, b: &str) -> bool {
    let (a, b) = (normalised_words(a), normalised_words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    if a == b {
        return true;
    }
    if a.len().min(b.len()) < MIN_WORDS_FOR_SHINGLES {
        return false;
    }
    jaccard(&shingles(&a), &shingles(&b)) >= SIMILARITY
}

/// Folded words; everything that is not a letter or digit separates words.
fn normalised_words(text: &str) -> Vec<String> {
    fold(text).split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_string).collect()
}

fn shingles(words: &[String]) -> HashSet<&[String]> {
    words.windows(3).collect()
}

fn jaccard(a: &HashSet<&[String]>, b: &HashSet<&[String]>) -> f64 {
    let shared = a.intersection(b).count();
    let all = a.len() + b.len() - shared;
    if all == 0 { 0.0 } else { shared as f64 / all as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POST: &str = "Khoa chúng tôi áp dụng bảng kiểm an toàn phẫu thuật cho mọi ca mổ phiên từ tháng 3, \
                        tỷ lệ tuân thủ đạt 95% sau sáu tháng và không còn sự cố nhầm vị trí mổ.";

    #[test]
    fn the_same_text_typed_differently_is_a_duplicate() {
        assert!(near_duplicate("Cảm ơn chị!", "cam on  CHI"));
        assert!(near_duplicate(POST, &POST.to_uppercase()));
    }

    #[test]
    fn a_long_text_with_one_word_changed_is_a_near_duplicate() {
        let changed = POST.replace("95%", "96%");
        assert!(near_duplicate(POST, &changed));
    }

    #[test]
    fn different_texts_and_empty_texts_are_not_duplicates() {
        assert!(!near_duplicate("Cảm ơn anh", "Cảm ơn chị"));
        assert!(!near_duplicate(POST, "Khoa chúng tôi áp dụng bảng kiểm an toàn phẫu thuật cho mọi ca mổ."));
        assert!(!near_duplicate("", ""));
        assert!(!near_duplicate("!!!", "???"));
    }
}
