//! The admin's watched words: each a word or phrase, matched as whole words regardless of case
//! and diacritics ("thuốc giả" matches "THUOC GIA" and "thuốc-giả"), with `*` at the end of a word for any
//! ending ("quảng cáo*" matches "quảng cáo", "quang caos"). Replacements are made first; what
//! blocks or holds the post is then looked for in the replaced text, so the ranges returned
//! point into the text that will be stored.

use std::ops::Range;

use regex::Regex;

use super::folded::Folded;

/// What happens to a post that contains a watched word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchedAction {
    /// Refused: the author is told which word and may edit.
    Block,
    /// Accepted but held for a moderator.
    Hold,
    /// Accepted with the word replaced.
    Replace,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedWord {
    pub pattern: String,
    pub action: WatchedAction,
    /// For [`WatchedAction::Replace`]; `None` replaces with [`DEFAULT_REPLACEMENT`].
    pub replacement: Option<String>,
}

/// What a replaced word becomes when the admin gave no replacement.
pub const DEFAULT_REPLACEMENT: &str = "***";

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WatchedOutcome {
    /// The text after replacements.
    pub text: String,
    /// Patterns with action Block that matched (each once, in list order).
    pub blocked: Vec<String>,
    /// Patterns with action Hold that matched (each once, in list order).
    pub held: Vec<String>,
    /// Byte ranges in `text` of the block and hold matches, in text order.
    pub ranges: Vec<Range<usize>>,
}

/// The longest pattern an admin may enter, in characters.
pub const MAX_PATTERN_CHARS: usize = 100;

/// Why an admin's pattern is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatternError {
    /// Nothing but spaces and `*`.
    Empty,
    /// Over [`MAX_PATTERN_CHARS`].
    TooLong,
    /// `*` somewhere other than at the end of a word ("th*c"): it would be taken literally.
    WildcardInside,
}

impl PatternError {
    pub fn i18n_key(self) -> &'static str {
        match self {
            PatternError::Empty => "moderation.watched.pattern_empty",
            PatternError::TooLong => "moderation.watched.pattern_too_long",
            PatternError::WildcardInside => "moderation.watched.wildcard_inside",
        }
    }
}

/// An admin's pattern as it should be stored (trimmed, single spaces), or why it cannot be.
pub fn parse_pattern(pattern: &str) -> Result<String, PatternError> {
    let words: Vec<&str> = pattern.split_whitespace().collect();
    let normalised = words.join(" ");
    if words.iter().all(|w| w.trim_matches('*').is_empty()) {
        Err(PatternError::Empty)
    } else if normalised.chars().count() > MAX_PATTERN_CHARS {
        Err(PatternError::TooLong)
    } else if words.iter().any(|w| w.trim_end_matches('*').contains('*')) {
        Err(PatternError::WildcardInside)
    } else {
        Ok(normalised)
    }
}

pub fn apply_watched_words(text: &str, words: &[WatchedWord]) -> WatchedOutcome {
    let text = replace_all(text, words.iter().filter(|w| w.action == WatchedAction::Replace));
    let folded = Folded::new(&text);
    let mut outcome = WatchedOutcome::default();
    for word in words.iter().filter(|w| w.action != WatchedAction::Replace) {
        let found = matches(&folded, &word.pattern);
        if found.is_empty() {
            continue;
        }
        let list = if word.action == WatchedAction::Block { &mut outcome.blocked } else { &mut outcome.held };
        if !list.contains(&word.pattern) {
            list.push(word.pattern.clone());
        }
        outcome.ranges.extend(found);
    }
    outcome.ranges.sort_by_key(|r| (r.start, r.end));
    outcome.ranges.dedup();
    outcome.text = text;
    outcome
}

/// The text with every match of the replace words replaced. Where matches overlap, the one that
/// starts first wins (at the same start, the word earlier in the list).
fn replace_all<'a>(text: &str, words: impl Iterator<Item = &'a WatchedWord>) -> String {
    let folded = Folded::new(text);
    let mut edits: Vec<(Range<usize>, usize, &str)> = Vec::new();
    for (order, word) in words.enumerate() {
        let replacement = word.replacement.as_deref().unwrap_or(DEFAULT_REPLACEMENT);
        edits.extend(matches(&folded, &word.pattern).into_iter().map(|range| (range, order, replacement)));
    }
    edits.sort_by_key(|(range, order, _)| (range.start, *order));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (range, _, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(replacement);
        at = range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Original byte ranges of the whole-word matches of `pattern`.
fn matches(folded: &Folded, pattern: &str) -> Vec<Range<usize>> {
    let Some(regex) = pattern_regex(pattern) else {
        return Vec::new();
    };
    regex.find_iter(&folded.text).filter(|m| !m.is_empty()).map(|m| folded.original_range(m.range())).collect()
}

/// `thuốc  giả*` → `\bthuoc(?:\s+|[-_.*/])gia\w*`: folded words, white space or one joining
/// mark between them, word boundaries where the pattern begins or ends with a letter or digit.
/// `None` for a pattern with no word in it.
fn pattern_regex(pattern: &str) -> Option<Regex> {
    let folded = search_index::analysis::fold(pattern);
    let words: Vec<&str> = folded.split_whitespace().filter(|w| !w.trim_end_matches('*').is_empty()).collect();
    let (first, last) = (words.first()?, words.last()?);
    let body: Vec<String> = words
        .iter()
        .map(|word| match word.strip_suffix('*') {
            Some(stem) => format!(r"{}\w*", regex::escape(stem.trim_end_matches('*'))),
            None => regex::escape(word),
        })
        .collect();
    let is_word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let open = if is_word_char(first.chars().next()) { r"\b" } else { "" };
    let close = if is_word_char(last.chars().next_back()) { r"\b" } else { "" };
    // Between the words of a phrase: white space, or one joining mark ("thuốc-giả", "thuốc.giả")
    // as people write to slip past a filter; not ". " (two sentences).
    Regex::new(&format!(r"{open}{}{close}", body.join(r"(?:\s+|[\-_.*/])"))).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(pattern: &str, action: WatchedAction, replacement: Option<&str>) -> WatchedWord {
        WatchedWord { pattern: pattern.to_string(), action, replacement: replacement.map(str::to_string) }
    }

    #[test]
    fn matches_ignore_case_and_diacritics_and_respect_word_boundaries() {
        let words = [word("thuốc giả", WatchedAction::Hold, None)];
        let outcome = apply_watched_words("Cảnh báo THUOC  GIA bán online; thuốc giảm đau thì không.", &words);
        assert_eq!(outcome.held, ["thuốc giả"]);
        assert_eq!(outcome.ranges.len(), 1);
        assert_eq!(&outcome.text[outcome.ranges[0].clone()], "THUOC  GIA");
    }

    #[test]
    fn phrases_match_across_a_joining_mark_but_not_across_sentences() {
        let words = [word("thuốc giả", WatchedAction::Hold, None)];
        assert_eq!(apply_watched_words("bán thuoc-gia, thuốc.giả", &words).ranges.len(), 2);
        assert!(apply_watched_words("Uống thuốc. Giả sử quên liều", &words).held.is_empty());
    }

    #[test]
    fn wildcard_at_the_end_of_a_word_matches_any_ending() {
        let words = [word("quảng cáo*", WatchedAction::Block, None)];
        let outcome = apply_watched_words("Nhận QUẢNG CÁOS giá rẻ", &words);
        assert_eq!(outcome.blocked, ["quảng cáo*"]);
        assert_eq!(&outcome.text[outcome.ranges[0].clone()], "QUẢNG CÁOS");
        assert!(apply_watched_words("quảng trường", &words).blocked.is_empty());
    }

    #[test]
    fn replace_keeps_the_rest_of_the_text_and_ranges_point_into_the_result() {
        let words = [word("ngu", WatchedAction::Replace, Some("[…]")), word("lừa đảo", WatchedAction::Hold, None)];
        let outcome = apply_watched_words("Bác sĩ Ngu quá, đúng là lừa đảo! Người nguy kịch.", &words);
        assert_eq!(outcome.text, "Bác sĩ […] quá, đúng là lừa đảo! Người nguy kịch.");
        assert_eq!(outcome.held, ["lừa đảo"]);
        assert_eq!(&outcome.text[outcome.ranges[0].clone()], "lừa đảo");
    }

    #[test]
    fn replacement_defaults_to_stars_and_empty_patterns_match_nothing() {
        let words = [word("spam", WatchedAction::Replace, None), word(" * ", WatchedAction::Block, None)];
        let outcome = apply_watched_words("no SPAM here", &words);
        assert_eq!(outcome.text, "no *** here");
        assert!(outcome.blocked.is_empty());
    }

    #[test]
    fn admin_patterns_are_normalised_or_refused_with_a_reason() {
        assert_eq!(parse_pattern("  thuốc   giả* "), Ok("thuốc giả*".to_string()));
        assert_eq!(parse_pattern(" * ** "), Err(PatternError::Empty));
        assert_eq!(parse_pattern(""), Err(PatternError::Empty));
        assert_eq!(parse_pattern("th*c"), Err(PatternError::WildcardInside));
        assert_eq!(parse_pattern(&"ệ".repeat(MAX_PATTERN_CHARS + 1)), Err(PatternError::TooLong));
        assert_eq!(parse_pattern(&"ệ".repeat(MAX_PATTERN_CHARS)).map(|p| p.chars().count()), Ok(MAX_PATTERN_CHARS));
    }

    #[test]
    fn patterns_that_are_not_words_still_match_literally() {
        let words = [word("$$$", WatchedAction::Hold, None), word("a.b", WatchedAction::Hold, None)];
        let outcome = apply_watched_words("kiếm $$$ nhanh, aXb", &words);
        assert_eq!(outcome.held, ["$$$"]);
    }
}
