//! The four Vietnamese analyzers, as tantivy tokenizers over [`crate::analysis`].
//!
//! They expect text that went through [`crate::analysis::normalize`] (the index does that once
//! per document rather than once per analyzer).

use tantivy::tokenizer::{Token, TokenStream, Tokenizer, TokenizerManager};

use crate::analysis::{
    BIGRAM_JOINER, EXACT_ANALYZER, EXACT_BIGRAM_ANALYZER, FOLD_ANALYZER, FOLD_BIGRAM_ANALYZER, Words, push_token, words,
};

/// Registers the analyzers the schema names. Tokenizers are not stored in the index, so this
/// runs on every open.
pub(crate) fn register(manager: &TokenizerManager) {
    manager.register(EXACT_ANALYZER, VietTokenizer { fold: false, bigrams: false });
    manager.register(FOLD_ANALYZER, VietTokenizer { fold: true, bigrams: false });
    manager.register(EXACT_BIGRAM_ANALYZER, VietTokenizer { fold: false, bigrams: true });
    manager.register(FOLD_BIGRAM_ANALYZER, VietTokenizer { fold: true, bigrams: true });
}

#[derive(Clone, Copy)]
struct VietTokenizer {
    fold: bool,
    bigrams: bool,
}

impl Tokenizer for VietTokenizer {
    type TokenStream<'a> = VietTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VietTokenStream<'a> {
        VietTokenStream {
            words: words(text).enumerate(),
            fold: self.fold,
            bigrams: self.bigrams,
            previous: None,
            previous_text: String::new(),
            token: Token::default(),
        }
    }
}

/// Streams tokens without allocating per token: the token's text buffer is reused, as
/// tantivy's own tokenizers do (this runs for every word of every document, four times).
struct VietTokenStream<'a> {
    words: std::iter::Enumerate<Words<'a>>,
    fold: bool,
    bigrams: bool,
    /// For bigrams: position and start of the previous syllable (its text in `previous_text`),
    /// or `None` after a break.
    previous: Option<(usize, usize)>,
    previous_text: String,
    token: Token,
}

impl VietTokenStream<'_> {
    /// The next syllable as a unigram token.
    fn advance_unigram(&mut self) -> bool {
        for (position, word) in self.words.by_ref() {
            self.token.text.clear();
            if push_token(word.text, self.fold, &mut self.token.text) {
                self.token.position = position;
                self.token.offset_from = word.start;
                self.token.offset_to = word.end;
                return true;
            }
        }
        false
    }

    /// The next pair of adjacent syllables. Positions count every word, so an over-long word
    /// that is dropped still separates its neighbours.
    fn advance_bigram(&mut self) -> bool {
        for (position, word) in self.words.by_ref() {
            let mut current = std::mem::take(&mut self.token.text);
            current.clear();
            if !push_token(word.text, self.fold, &mut current) {
                self.previous = None;
                self.token.text = current;
                continue;
            }
            let pair = self.previous.filter(|_| !word.after_break);
            if let Some((first_position, first_start)) = pair {
                let mut text = std::mem::take(&mut self.previous_text);
                text.push(BIGRAM_JOINER);
                text.push_str(&current);
                self.token.text = text;
                self.token.position = first_position;
                self.token.offset_from = first_start;
                self.token.offset_to = word.end;
            } else {
                self.token.text = std::mem::take(&mut self.previous_text);
            }
            self.previous_text = current;
            self.previous = Some((position, word.start));
            if pair.is_some() {
                return true;
            }
        }
        false
    }
}

impl TokenStream for VietTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.bigrams { self.advance_bigram() } else { self.advance_unigram() }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(mut tokenizer: VietTokenizer, text: &str) -> Vec<(String, usize)> {
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn the_four_analyzers() {
        let text = "Người bệnh, y tế";
        let exact = VietTokenizer { fold: false, bigrams: false };
        let fold = VietTokenizer { fold: true, bigrams: false };
        let exact_bigrams = VietTokenizer { fold: false, bigrams: true };
        let fold_bigrams = VietTokenizer { fold: true, bigrams: true };
        assert_eq!(texts(exact, text), [("người".into(), 0), ("bệnh".into(), 1), ("y".into(), 2), ("tế".into(), 3)]);
        assert_eq!(texts(fold, text)[3], ("te".into(), 3));
        assert_eq!(texts(exact_bigrams, text), [("người_bệnh".into(), 0), ("y_tế".into(), 2)]);
        assert_eq!(texts(fold_bigrams, text), [("nguoi_benh".into(), 0), ("y_te".into(), 2)]);
    }

    #[test]
    fn long_words_are_dropped_and_break_bigrams() {
        let text = format!("an {} toàn", "x".repeat(100));
        let fold_bigrams = VietTokenizer { fold: true, bigrams: true };
        assert!(texts(fold_bigrams, &text).is_empty());
        assert_eq!(texts(VietTokenizer { fold: true, bigrams: false }, &text), [("an".into(), 0), ("toan".into(), 2)]);
    }
}
