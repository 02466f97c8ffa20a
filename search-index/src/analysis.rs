//! Vietnamese text analysis.
//!
//! Text goes through [`normalize`] once (documents before indexing, queries before parsing), then
//! is cut into syllables: a *word* is a run of letters and digits; Vietnamese writes one syllable
//! per word, so no dictionary is needed. Each syllable gives an `exact` token (lowercase,
//! diacritics kept) and a `fold` token (ASCII, đ→d); adjacent syllables give bigrams
//! ("người bệnh" → `người_bệnh`), which rank adjacent matches higher at the cost of one term
//! lookup instead of a phrase query.

use std::sync::OnceLock;

use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

pub use crate::function_words::is_function_word;
pub use crate::legal_refs::{legal_refs, normalize_legal_ref};

/// Names under which the analyzers are registered with tantivy.
pub const EXACT_ANALYZER: &str = "vi_exact";
pub const FOLD_ANALYZER: &str = "vi_fold";
pub const EXACT_BIGRAM_ANALYZER: &str = "vi_exact_bigram";
pub const FOLD_BIGRAM_ANALYZER: &str = "vi_fold_bigram";

/// Joins the two syllables of a bigram token.
pub const BIGRAM_JOINER: char = '_';

/// Longer "words" (base64, hashes, URLs without punctuation) are not worth indexing.
const MAX_TOKEN_BYTES: usize = 64;

/// The form every text takes before analysis: [`clean`], then tone marks moved to the main vowel
/// (hòa → hoà, thủy → thuỷ, qúy → quý), so old- and new-style spellings give the same tokens.
pub fn normalize(text: &str) -> String {
    crate::tone::canonicalize_tones(&clean(text))
}

/// The text as it should be shown: zero-width characters and soft hyphens removed, legacy
/// look-alike letters replaced (Ƣ → Ư, Ð → Đ), and NFC (tantivy splits NFD words at every
/// combining mark). Spelling, tone placement and case are kept.
pub fn clean(text: &str) -> String {
    if text.is_ascii() {
        return text.to_string();
    }
    let needs_mapping = text.chars().any(|c| map_legacy_char(c) != Some(c));
    let mapped: String = if needs_mapping { text.chars().filter_map(map_legacy_char).collect() } else { text.to_string() };
    if is_nfc_quick(mapped.chars()) == IsNormalized::Yes { mapped } else { mapped.nfc().collect() }
}

/// Drops invisible characters and maps look-alikes from legacy Vietnamese encodings.
/// Runs before NFC so that "ƣ" + a combining tone composes like "ư" does.
fn map_legacy_char(c: char) -> Option<char> {
    match c {
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' => None,
        'Ƣ' => Some('Ư'),
        'ƣ' => Some('ư'),
        'Ð' => Some('Đ'), // U+00D0 (Icelandic eth) stands in for Đ in old documents
        _ => Some(c),
    }
}

/// ASCII-folded lowercase: diacritics removed, đ → d ("Đường" → "duong"). Characters with no
/// ASCII base (CJK, emoji) are kept lowercase.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_fold(text, &mut out);
    out
}

/// Appends the folded form of `text` to `out` (no allocation for Vietnamese text).
pub(crate) fn push_fold(text: &str, out: &mut String) {
    for c in text.chars() {
        match latin_fold(c) {
            Some(b) => out.push(b),
            None => push_folded_slow(c, out),
        }
    }
}

/// Appends `text` in lowercase to `out`.
pub(crate) fn push_lowercase(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            _ if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            // Latin Extended Additional (every toned Vietnamese vowel): capitals at even code points.
            '\u{1EA0}'..='\u{1EF9}' => out.push(char::from_u32(c as u32 | 1).unwrap_or(c)),
            _ => out.extend(c.to_lowercase()),
        }
    }
}

/// The folded ASCII letter for ASCII and the Latin blocks Vietnamese uses, from a table built
/// once (this runs for every character indexed).
fn latin_fold(c: char) -> Option<char> {
    const LATIN: std::ops::Range<u32> = 0x00C0..0x0250;
    const EXTENDED: std::ops::Range<u32> = 0x1E00..0x1F00;
    static TABLE: OnceLock<Vec<u8>> = OnceLock::new();
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    let code = c as u32;
    let index = if LATIN.contains(&code) {
        code - LATIN.start
    } else if EXTENDED.contains(&code) {
        code - EXTENDED.start + LATIN.len() as u32
    } else {
        return None;
    };
    let table = TABLE.get_or_init(|| LATIN.chain(EXTENDED).map(|code| char::from_u32(code).map_or(0, fold_to_ascii_byte)).collect());
    table.get(index as usize).filter(|b| **b != 0).map(|b| *b as char)
}

/// The single ASCII letter a character folds to, or 0 when there is none (æ, ß, ŋ).
fn fold_to_ascii_byte(c: char) -> u8 {
    let mut folded = String::new();
    push_folded_slow(c, &mut folded);
    match folded.as_bytes() {
        [b] if b.is_ascii() => *b,
        _ => 0,
    }
}

fn push_folded_slow(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    if matches!(c, 'đ' | 'Đ' | 'ð' | 'Ð') {
        out.push('d');
        return;
    }
    for lower in c.to_lowercase() {
        let mut base = None;
        decompose_canonical(lower, |d| {
            base.get_or_insert(d);
        });
        match base {
            Some(b) if b.is_ascii() => out.push(b),
            _ if is_combining_mark(lower) => {}
            _ => out.push(lower),
        }
    }
}

/// Whether `text` has letters that folding changes (diacritics or đ).
pub fn has_diacritics(text: &str) -> bool {
    !text.is_ascii() && text.chars().any(|c| !c.is_ascii() && latin_fold(c).is_some())
}

/// Lowercase syllables with diacritics kept. Expects [`normalize`]d text.
pub fn exact_tokens(text: &str) -> Vec<String> {
    words(text).filter_map(|w| exact_token(w.text)).collect()
}

/// Folded syllables ("Người bệnh" → ["nguoi", "benh"]). Expects [`normalize`]d text.
pub fn fold_tokens(text: &str) -> Vec<String> {
    words(text).filter_map(|w| fold_token(w.text)).collect()
}

/// Adjacent-syllable pairs of exact tokens, not across punctuation ("người bệnh" → "người_bệnh").
pub fn exact_bigrams(text: &str) -> Vec<String> {
    bigrams(text, exact_token)
}

/// Adjacent-syllable pairs of folded tokens ("người bệnh" → "nguoi_benh").
pub fn fold_bigrams(text: &str) -> Vec<String> {
    bigrams(text, fold_token)
}

fn bigrams(text: &str, token: fn(&str) -> Option<String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut previous: Option<String> = None;
    for word in words(text) {
        let current = token(word.text);
        if let (Some(a), Some(b), false) = (&previous, &current, word.after_break) {
            out.push(join_bigram(a, b));
        }
        previous = current;
    }
    out
}

pub(crate) fn join_bigram(a: &str, b: &str) -> String {
    let mut s = String::with_capacity(a.len() + b.len() + 1);
    s.push_str(a);
    s.push(BIGRAM_JOINER);
    s.push_str(b);
    s
}

pub(crate) fn exact_token(word: &str) -> Option<String> {
    let mut token = String::with_capacity(word.len());
    push_token(word, false, &mut token).then_some(token)
}

pub(crate) fn fold_token(word: &str) -> Option<String> {
    let mut token = String::with_capacity(word.len());
    push_token(word, true, &mut token).then_some(token)
}

/// Appends the token for `word` to `out`; `false` (and nothing appended) for a word too long
/// to be worth indexing.
pub(crate) fn push_token(word: &str, folded: bool, out: &mut String) -> bool {
    if word.len() > MAX_TOKEN_BYTES {
        return false;
    }
    if folded {
        push_fold(word, out)
    } else {
        push_lowercase(word, out)
    }
    true
}

/// One word of a text, with its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
    /// Punctuation or a line break separates it from the previous word: no bigram spans it.
    pub after_break: bool,
}

/// The words of `text`: runs of letters, digits and combining marks.
pub(crate) fn words(text: &str) -> Words<'_> {
    Words { text, pos: 0 }
}

pub(crate) struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        let rest = &self.text[self.pos..];
        let offset = rest.find(is_word_char)?;
        let gap = &rest[..offset];
        let start = self.pos + offset;
        let len = self.text[start..].find(|c| !is_word_char(c)).unwrap_or(self.text.len() - start);
        self.pos = start + len;
        Some(Word { text: &self.text[start..start + len], start, end: start + len, after_break: gap.chars().any(is_clause_break) })
    }
}

fn is_word_char(c: char) -> bool {
    match c as u32 {
        0..=0x7F => c.is_ascii_alphanumeric(),
        // Latin-1 letters (not × ÷), Latin Extended-A/B and Extended Additional: the Vietnamese
        // alphabet, answered without the general Unicode tables.
        0xC0..=0xD6 | 0xD8..=0xF6 | 0xF8..=0x24F | 0x1E00..=0x1EFF => true,
        _ => c.is_alphanumeric() || is_combining_mark(c),
    }
}

/// Characters that end a phrase: adjacency across them means nothing.
fn is_clause_break(c: char) -> bool {
    matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '|' | '\n' | '“' | '”' | '…' | '•')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfd_input_becomes_nfc_and_tokenizes_whole() {
        let nfd: String = "Người bệnh".nfd().collect();
        assert_ne!(nfd, "Người bệnh");
        assert_eq!(normalize(&nfd), "Người bệnh");
        assert_eq!(exact_tokens(&normalize(&nfd)), ["người", "bệnh"]);
        assert_eq!(fold(&nfd), "nguoi benh");
    }

    #[test]
    fn tone_styles_normalize_to_one_form() {
        for (a, b) in [("hoà", "hòa"), ("thuỷ", "thủy"), ("khoẻ", "khỏe"), ("loà", "lòa")] {
            assert_eq!(normalize(a), normalize(b), "{a} / {b}");
            assert_eq!(exact_tokens(&normalize(a)), exact_tokens(&normalize(b)));
        }
    }

    #[test]
    fn legacy_letters_and_invisible_characters() {
        assert_eq!(normalize("Ƣu tiên ngƣời bệnh"), "Ưu tiên người bệnh");
        assert_eq!(normalize("ng\u{200B}ười b\u{00AD}ệnh\u{FEFF}"), "người bệnh");
        assert_eq!(normalize("b\u{200D}ệnh"), "bệnh");
        assert_eq!(normalize("QÐ-BYT"), "QĐ-BYT");
    }

    #[test]
    fn fold_removes_every_vietnamese_mark() {
        assert_eq!(fold("Đảm bảo an toàn người bệnh"), "dam bao an toan nguoi benh");
        assert_eq!(fold("ĐƯỜNG đường dương"), "duong duong duong");
        assert_eq!(fold("ăâêôơư ÀÁẢÃẠ ỳýỷỹỵ"), "aaeoou aaaaa yyyyy");
        assert_eq!(fold("患者 🙂"), "患者 🙂");
    }

    #[test]
    fn short_syllables_are_tokens() {
        assert_eq!(exact_tokens("Y tế"), ["y", "tế"]);
        assert_eq!(fold_tokens("Y tế"), ["y", "te"]);
    }

    #[test]
    fn tokens_split_on_punctuation_and_keep_numbers() {
        assert_eq!(fold_tokens("43/2018/TT-BYT, COVID-19."), ["43", "2018", "tt", "byt", "covid", "19"]);
        assert_eq!(exact_tokens("  ...!!! 🙂 "), Vec::<String>::new());
        assert_eq!(exact_tokens("ATNB 患者 🙂 an toàn"), ["atnb", "患者", "an", "toàn"]);
    }

    #[test]
    fn bigrams_join_adjacent_syllables_within_a_clause() {
        assert_eq!(exact_bigrams("người bệnh"), ["người_bệnh"]);
        assert_eq!(fold_bigrams("an toàn người bệnh"), ["an_toan", "toan_nguoi", "nguoi_benh"]);
        assert_eq!(fold_bigrams("bệnh. Người"), Vec::<String>::new());
        assert_eq!(fold_bigrams("y tế"), ["y_te"]);
    }

    #[test]
    fn diacritics_detection() {
        assert!(has_diacritics("đường"));
        assert!(has_diacritics("đ"));
        assert!(!has_diacritics("duong"));
        assert!(!has_diacritics("患者 🙂"));
    }
}
