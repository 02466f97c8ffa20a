//! Text seen without case and diacritics ("Bệnh nhân" → "benh nhan"), with the way back to the
//! original bytes, so a pattern written once matches text typed either way and the finding
//! still points at what the author wrote.

use std::ops::Range;

use search_index::analysis::fold;

/// The folded text and, for each of its bytes, the original character it came from.
pub struct Folded {
    pub text: String,
    /// `starts[i]..ends[i]`: the original character that folded byte `i` came from.
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Folded {
    pub fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        let mut ends = Vec::with_capacity(original.len());
        let mut buf = [0u8; 4];
        for (at, c) in original.char_indices() {
            let folded = fold(c.encode_utf8(&mut buf));
            // A character that folds to nothing still needs a place, or ranges could not end on it.
            let folded = if folded.is_empty() { " ".to_string() } else { folded };
            text.push_str(&folded);
            starts.extend(std::iter::repeat_n(at, folded.len()));
            ends.extend(std::iter::repeat_n(at + c.len_utf8(), folded.len()));
        }
        Folded { text, starts, ends }
    }

    /// The original byte range behind a non-empty range of the folded text.
    pub fn original_range(&self, folded: Range<usize>) -> Range<usize> {
        debug_assert!(folded.start < folded.end && folded.end <= self.text.len());
        self.starts[folded.start]..self.ends[folded.end - 1]
    }
}

/// A word of the original text: a run of letters and digits.
#[derive(Debug, Clone)]
pub struct Word<'a> {
    pub text: &'a str,
    pub range: Range<usize>,
    /// Lowercase, without diacritics.
    pub folded: String,
}

impl Word<'_> {
    /// "Nguyễn", "Đ": an upper-case letter followed only by lower-case letters.
    pub fn is_capitalised(&self) -> bool {
        let mut chars = self.text.chars();
        chars.next().is_some_and(char::is_uppercase) && chars.all(char::is_lowercase)
    }

    /// "NGUYỄN": two or more letters, all upper case ("A" is a capitalised word, not capitals).
    pub fn is_all_caps(&self) -> bool {
        self.text.chars().nth(1).is_some() && self.text.chars().all(char::is_uppercase)
    }

    pub fn is_number(&self) -> bool {
        self.text.bytes().all(|b| b.is_ascii_digit())
    }
}

/// The words of `text` in order.
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let in_word = c.is_alphanumeric() && at < text.len();
        match (in_word, start) {
            (true, None) => start = Some(at),
            (false, Some(s)) => {
                let word = &text[s..at];
                out.push(Word { text: word, range: s..at, folded: fold(word) });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// The characters between two words (what separates them).
pub fn between<'a>(text: &'a str, left: &Word, right: &Word) -> &'a str {
    &text[left.range.end..right.range.start]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_ranges_lead_back_to_the_original_characters() {
        let original = "Bệnh nhân Đỗ";
        let folded = Folded::new(original);
        assert_eq!(folded.text, "benh nhan do");
        let at = folded.text.find("do").unwrap();
        assert_eq!(&original[folded.original_range(at..at + 2)], "Đỗ");
    }

    #[test]
    fn words_are_runs_of_letters_and_digits() {
        let found: Vec<_> = words("BN: Trần Thị-Mai, 65 tuổi").into_iter().map(|w| w.text).collect();
        assert_eq!(found, ["BN", "Trần", "Thị", "Mai", "65", "tuổi"]);
    }
}
