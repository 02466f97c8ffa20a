//! From the words of a query to units: each word (or group of words spelling an abbreviation
//! or a synonym) with what it matches, how common it is and whether it is a function word.

use tantivy::query::Query;

use super::combine::{Commonness, Unit};
use super::{Builder, COMMON_SHARE, FUNCTION_SPELLING_SHARE, Form, REF_BOOST, SYNONYM_WEIGHT, Scored};
use crate::abbreviations;
use crate::analysis::{exact_tokens, fold, has_diacritics, legal_refs, normalize};
use crate::clauses::{Adjacency, boost, keyword_query, term_query};
use crate::function_words::{function_spellings, is_function_word_in};
use crate::legal_refs::short_form;
use crate::synonyms;

impl Builder<'_> {
    /// Units for a run of consecutive words, plus the bigram and reference bonuses of the run.
    pub(super) fn words(&mut self, run: &mut Vec<&str>, units: &mut Vec<Unit>, bonuses: &mut Vec<Box<dyn Query>>) {
        let words: Vec<(&str, Vec<String>)> =
            run.drain(..).map(|w| (w, exact_tokens(w))).filter(|(_, tokens)| !tokens.is_empty()).collect();
        let commonness: Vec<Commonness> = words.iter().map(|(_, tokens)| self.commonness(tokens)).collect();
        let shares: Vec<f64> = words.iter().map(|(_, tokens)| self.share(tokens)).collect();
        let mut i = 0;
        while i < words.len() {
            // Each unit's marks are kept apart: only the informative units are marked.
            let highlight = std::mem::take(&mut self.highlight);
            let group = self.expansion_group(&words[i..]).or_else(|| self.synonym_group(&words[i..]));
            let function_word = group.is_none() && self.is_function(&words[i].1);
            let maybe_content = function_word && self.maybe_content(&words[i].1);
            let (scored, used) = group.unwrap_or_else(|| (self.word_unit(&words[i]), 1));
            let marks = std::mem::replace(&mut self.highlight, highlight);
            // A group is as informative as its rarest word.
            let commonness = commonness[i..i + used].iter().copied().min_by_key(|c| c.rank()).unwrap_or(Commonness::Rare);
            let share = shares[i..i + used].iter().copied().fold(1.0, f64::min);
            let number = words[i..i + used].iter().all(|(_, tokens)| tokens.iter().all(|t| t.bytes().all(|b| b.is_ascii_digit())));
            let spelled = if used == 1 { self.spelled(&words[i]) } else { None };
            units.push(Unit { scored, commonness, function_word, maybe_content, marks, share, number, spelled });
            i += used;
        }
        // Side by side counts unless both are function words: "thế nào", "làm gì" would favour
        // chatty texts (while "nguy co" may well be "nguy cơ").
        let function = |tokens: &[String]| self.is_function(tokens);
        for pair in words.windows(2).filter(|p| !(function(&p[0].1) && function(&p[1].1))) {
            if let (Some(last), Some(first)) = (pair[0].1.last(), pair[1].1.first()) {
                bonuses.extend(self.bigram_bonuses(last, first));
            }
        }
        let joined = words.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
        for reference in legal_refs(&joined) {
            bonuses.push(boost(keyword_query(self.fields.refs, &reference), REF_BOOST));
        }
    }

    /// A word that is one function word ("có", "gì"; see [`is_function_word_in`]).
    pub(super) fn is_function(&self, tokens: &[String]) -> bool {
        matches!(tokens, [token] if is_function_word_in(token, self.query_has_diacritics))
    }

    /// A function word typed without diacritics that most documents with its folded form spell
    /// as another word: fewer than [`FUNCTION_SPELLING_SHARE`] of them have a function spelling
    /// of it (in a law corpus most "toi" are "tội", crime, or "tối đa", maximum, not "tôi", I).
    /// It may well be a content word the user typed; see [`Unit::maybe_content`].
    pub(super) fn maybe_content(&self, tokens: &[String]) -> bool {
        let [token] = tokens else { return false };
        if self.query_has_diacritics || has_diacritics(token) {
            return false;
        }
        let folded = (self.frequency)(Form::Folded, token);
        let as_function = function_spellings(token).map(|s| (self.frequency)(Form::Exact, s)).fold(0.0, f64::max);
        folded > 0.0 && as_function < FUNCTION_SPELLING_SHARE * folded
    }

    /// The share of documents with the word's rarest syllable.
    pub(super) fn share(&self, tokens: &[String]) -> f64 {
        tokens.iter().map(|t| (self.frequency)(Form::Folded, &fold(t))).fold(1.0, f64::min)
    }

    /// How common a one-syllable word is; longer words and compounds count as rare. A word typed
    /// with diacritics is as common as its spelling ("lạm" is rare even though "làm" is not),
    /// unless nothing is spelled so (a wrong tone mark: then its folded form decides).
    pub(super) fn commonness(&self, tokens: &[String]) -> Commonness {
        let [token] = tokens else { return Commonness::Rare };
        let exact = if has_diacritics(token) { (self.frequency)(Form::Exact, token) } else { 0.0 };
        let share = if exact > 0.0 { exact } else { (self.frequency)(Form::Folded, &fold(token)) };
        match share {
            share if share <= 0.0 => Commonness::Absent,
            share if share > COMMON_SHARE => Commonness::Common,
            _ => Commonness::Rare,
        }
    }

    /// The exact postings of a one-syllable word that is rare as typed but common folded
    /// ("lạm" / "làm"), when nothing else can stand for it (an abbreviation, a reference).
    pub(super) fn spelled(&self, (word, tokens): &(&str, Vec<String>)) -> Option<Box<dyn Query>> {
        let [token] = tokens.as_slice() else { return None };
        let exact = if has_diacritics(token) { (self.frequency)(Form::Exact, token) } else { 0.0 };
        let rare_as_spelled = exact > 0.0 && exact <= COMMON_SHARE && (self.frequency)(Form::Folded, &fold(token)) > COMMON_SHARE;
        let alone = abbreviations::lookup(word).is_none() && legal_refs(word).is_empty();
        (rare_as_spelled && alone).then(|| term_query(self.texts().0.exact, token))
    }

    /// A word: its syllables (a phrase when it has several, like "COVID-19"), or what it
    /// abbreviates, or the legal reference it spells.
    pub(super) fn word_unit(&mut self, (word, tokens): &(&str, Vec<String>)) -> Scored {
        let mut alternatives: Vec<Scored> = self.text_match(tokens, Adjacency::Phrase).into_iter().collect();
        if let ([_], Some(abbreviation)) = (tokens.as_slice(), abbreviations::lookup(word)) {
            for expansion in abbreviation.expansions {
                alternatives.extend(self.text_match(&exact_tokens(&normalize(expansion)), Adjacency::Bigrams));
            }
        }
        for reference in legal_refs(word) {
            alternatives.extend(short_form(&reference).map(|short| self.reference(&short)));
            alternatives.push(self.reference(&reference));
        }
        Scored::any(alternatives)
    }

    pub(super) fn reference(&self, reference: &str) -> Scored {
        Scored::new(keyword_query(self.fields.refs, reference))
    }

    /// When the next words spell out an abbreviation's expansion (longest first): one unit that
    /// matches either all the words or the abbreviation, and how many words it took.
    pub(super) fn expansion_group(&mut self, words: &[(&str, Vec<String>)]) -> Option<(Scored, usize)> {
        let longest = abbreviations::longest_expansion().min(words.len());
        for len in (2..=longest).rev() {
            let group = &words[..len];
            if group.iter().any(|(_, tokens)| tokens.len() != 1) {
                continue;
            }
            let folded: Vec<String> = group.iter().map(|(_, tokens)| fold(&tokens[0])).collect();
            let found = abbreviations::for_phrase(&folded);
            if found.is_empty() {
                continue;
            }
            let mut alternatives = vec![Scored::all(group.iter().map(|w| self.word_unit(w)).collect())];
            for abbreviation in found {
                alternatives.extend(self.text_match(&exact_tokens(abbreviation.short), Adjacency::Bigrams));
            }
            return Some((Scored::any(alternatives), len));
        }
        None
    }

    /// When the next words are a form of a synonym group (longest first): one unit that matches
    /// them as typed or, a little lower, any other form; and how many words it took.
    pub(super) fn synonym_group(&mut self, words: &[(&str, Vec<String>)]) -> Option<(Scored, usize)> {
        let longest = synonyms::longest_form().min(words.len());
        for len in (1..=longest).rev() {
            let group = &words[..len];
            if group.iter().any(|(_, tokens)| tokens.len() != 1) {
                continue;
            }
            let typed: Vec<String> = group.iter().map(|(_, tokens)| tokens[0].clone()).collect();
            let others = synonyms::alternatives(&typed);
            if others.is_empty() {
                continue;
            }
            let mut alternatives = vec![Scored::all(group.iter().map(|w| self.word_unit(w)).collect())];
            for form in others {
                alternatives.extend(self.text_match(form, Adjacency::Bigrams).map(|s| s.scaled(SYNONYM_WEIGHT)));
            }
            return Some((Scored::any(alternatives), len));
        }
        None
    }
}
