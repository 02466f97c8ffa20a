//! What a word or phrase looks up in the index: its syllables (side by side when several),
//! across punctuation for a quoted phrase, and the bonuses that refine the order among the
//! documents that match (exact spelling, title, side by side); also exclusions.

use tantivy::query::Query;

use super::combine::idf;
use super::{BIGRAM_BOOST, Builder, EXACT_BOOST, Form, PRESENCE_WEIGHT, Scored, TITLE_BOOST};
use crate::abbreviations;
use crate::analysis::{exact_token, exact_tokens, fold, has_diacritics, join_bigram, legal_refs, words};
use crate::clauses::{Adjacency, PlusConstant, adjacent, all_of, boost, sequence, term_query};
use crate::query::QueryTerm;
use crate::schema::TextFields;

impl Builder<'_> {
    /// A quoted phrase: the syllables in order, or the abbreviation it is the expansion of.
    /// Punctuation inside it (a pasted title: "Thủy đậu ở trẻ nhỏ: cách ly") is read as the
    /// reader reads it: the words still follow each other.
    pub(super) fn phrase_unit(&mut self, phrase: &str) -> Option<Scored> {
        let tokens = exact_tokens(phrase);
        if tokens.len() == 1 {
            return Some(self.word_unit(&(phrase, tokens)));
        }
        let clauses = exact_clauses(phrase);
        let in_order = if clauses.len() > 1 { self.across_clauses(&clauses) } else { self.text_match(&tokens, Adjacency::Phrase) };
        let mut alternatives = vec![in_order?];
        let folded: Vec<String> = tokens.iter().map(|t| fold(t)).collect();
        for abbreviation in abbreviations::for_phrase(&folded) {
            alternatives.extend(self.text_match(&exact_tokens(abbreviation.short), Adjacency::Bigrams));
        }
        for reference in legal_refs(phrase) {
            alternatives.push(self.reference(&reference));
        }
        Some(Scored::any(alternatives))
    }

    /// The syllables (side by side when several) in the searched text, with their bonuses:
    /// the exact spelling when typed with diacritics (the word, or the phrase's exact bigrams;
    /// looked up in the body fields, which hold the title too) and the title. Also records them
    /// for highlighting.
    pub(super) fn text_match(&mut self, exact: &[String], adjacency: Adjacency) -> Option<Scored> {
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        exact.iter().for_each(|t| self.highlight.add(t));
        let marked = exact != folded.as_slice();
        let (main, title) = self.texts();
        let matches = adjacent(main, &folded, adjacency)?;
        let mut scored = Scored::new(matches);
        if marked {
            scored.bonuses.extend(exact_bonus(main, exact, EXACT_BOOST));
            scored.weights.extend(self.spelling_presence(exact, &folded));
        }
        if let Some(title) = title {
            scored.bonuses.extend(adjacent(title, &folded, Adjacency::Bigrams).map(|q| boost(q, TITLE_BOOST)));
        }
        Some(scored)
    }

    /// What a word's spelling is rarer than its folded form ("lạm" among all "lam"/"làm"),
    /// counted where it is spelled as typed: a word typed with diacritics weighs the rarity of
    /// what was typed (on top of its folded presence, see `combine::with_presence`).
    pub(super) fn spelling_presence(&self, exact: &[String], folded: &[String]) -> Option<Box<dyn Query>> {
        let ([exact], [folded]) = (exact, folded) else { return None };
        let gain = idf((self.frequency)(Form::Exact, exact)) - idf((self.frequency)(Form::Folded, folded));
        let found = boost(term_query(self.texts().0.exact, exact), 0.0); // presence only, no BM25
        (gain > 0.0).then(|| Box::new(PlusConstant { inner: found, extra: PRESENCE_WEIGHT * gain }) as Box<dyn Query>)
    }

    /// Syllables in order across punctuation: no bigram spans a clause break in the index, so
    /// each clause's bigrams are looked up, and the whole sequence is checked on positions
    /// (which run on across punctuation). Bonuses as in [`Builder::text_match`], per clause.
    pub(super) fn across_clauses(&mut self, clauses: &[Vec<String>]) -> Option<Scored> {
        let exact: Vec<String> = clauses.concat();
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        exact.iter().for_each(|t| self.highlight.add(t));
        let (main, title) = self.texts();
        let mut all: Vec<Box<dyn Query>> = Vec::new();
        let mut bonuses = Vec::new();
        for clause in clauses.iter().filter(|c| c.len() > 1) {
            let clause_folded: Vec<String> = clause.iter().map(|t| fold(t)).collect();
            all.extend(adjacent(main, &clause_folded, Adjacency::Bigrams));
            bonuses.extend(exact_bonus(main, clause, EXACT_BOOST));
            if let Some(title) = title {
                bonuses.extend(adjacent(title, &clause_folded, Adjacency::Bigrams).map(|q| boost(q, TITLE_BOOST)));
            }
        }
        all.extend(sequence(main.fold, &folded));
        Some(Scored { matches: all_of(all), weights: Vec::new(), bonuses })
    }

    /// Bonuses for two adjacent words found side by side (their syllables `a` and `b` that
    /// meet): folded, and spelled as typed. (Each word's title bonus already favours titles; a
    /// title bigram on top did not improve the ranking measurably and cost a lookup per match.)
    pub(super) fn bigram_bonuses(&self, a: &str, b: &str) -> Vec<Box<dyn Query>> {
        let (main, _) = self.texts();
        let folded = join_bigram(&fold(a), &fold(b));
        let exact = join_bigram(a, b);
        let mut bonuses = vec![boost(term_query(main.fold_bigram, &folded), BIGRAM_BOOST)];
        if exact != folded {
            bonuses.push(boost(term_query(main.exact_bigram, &exact), BIGRAM_BOOST * EXACT_BOOST));
        }
        bonuses
    }

    /// `-word` / `-"phrase"`: as typed when it has diacritics ("-đường" keeps "dương"),
    /// folded otherwise ("-duong" drops both); anywhere in the topic, whatever `in:` says.
    pub(super) fn exclusion(&self, term: &QueryTerm) -> Option<Box<dyn Query>> {
        let exact = exact_tokens(term.text());
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        let text = self.fields.body_text;
        match exact.as_slice() {
            [word] if has_diacritics(word) => Some(term_query(text.exact, word)),
            _ => {
                let mut all = vec![adjacent(text, &folded, Adjacency::Phrase)?];
                all.extend(marked_pairs(&exact).map(|pair| term_query(text.exact_bigram, &pair)));
                Some(all_of(all))
            }
        }
    }

    /// Where words must match, and the title for the title bonus: the body fields (which hold
    /// the title too), or for `in:title` the title alone.
    pub(super) fn texts(&self) -> (TextFields, Option<TextFields>) {
        if self.title_only { (self.fields.title_text, None) } else { (self.fields.body_text, Some(self.fields.title_text)) }
    }
}

/// The exact spelling of one word, or the exact bigrams of several.
fn exact_bonus(text: TextFields, exact: &[String], weight: f32) -> Vec<Box<dyn Query>> {
    match exact {
        [word] => vec![boost(term_query(text.exact, word), weight)],
        _ => marked_pairs(exact).map(|pair| boost(term_query(text.exact_bigram, &pair), weight)).collect(),
    }
}

/// The exact bigrams of adjacent syllables where at least one has diacritics ("an toàn" →
/// "an_toàn"; "an ninh" gives nothing, its folded form says it all).
fn marked_pairs(exact: &[String]) -> impl Iterator<Item = String> + '_ {
    exact.windows(2).filter(|p| has_diacritics(&p[0]) || has_diacritics(&p[1])).map(|p| join_bigram(&p[0], &p[1]))
}

/// The syllables of a phrase, split where punctuation breaks it.
fn exact_clauses(phrase: &str) -> Vec<Vec<String>> {
    let mut clauses: Vec<Vec<String>> = Vec::new();
    for word in words(phrase) {
        let Some(token) = exact_token(word.text) else { continue };
        match clauses.last_mut() {
            Some(clause) if !word.after_break => clause.push(token),
            _ => clauses.push(vec![token]),
        }
    }
    clauses
}
