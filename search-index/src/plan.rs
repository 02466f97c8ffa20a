//! Turns a [`ParsedQuery`] into one tantivy query, plus the words to mark in snippets.
//!
//! Shape of the query (BM25 summed over the clauses that match):
//! * every word must match (a quarter may be missing in queries of five words or more, so a
//!   long question still finds the topic that answers it), each word being any of:
//!   its folded form (always), its exact form (boosted, only when typed with diacritics),
//!   in the title (boosted) or the body; the expansion of an abbreviation it is; a legal reference;
//! * consecutive words that spell out an abbreviation's expansion may instead match the
//!   abbreviation ("an toàn người bệnh" ↔ ATNB);
//! * quoted phrases must match as phrases;
//! * optional: bigrams of adjacent words, which reward documents with the words side by side
//!   (cheap proximity: one term lookup instead of a phrase query);
//! * filters must hold and do not change scores; exclusions must not match.

use std::collections::HashSet;
use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::abbreviations;
use crate::analysis::{exact_tokens, fold, fold_tokens, join_bigram, legal_refs, normalize};
use crate::dates::day_start;
use crate::legal_refs::short_form;
use crate::query::{Filter, ParsedQuery, QueryTerm};
use crate::schema::{Fields, TextFields};

/// Title matches count double: a topic about X usually says X in its title.
const TITLE_BOOST: f32 = 2.0;
/// A match with the diacritics as typed ("đường") outranks a folded one ("dương").
const EXACT_BOOST: f32 = 2.5;
/// Adjacent words (bigrams) on top of the words themselves.
const BIGRAM_BOOST: f32 = 1.5;
/// A legal-document number typed in the query, found among a topic's references.
const REF_BOOST: f32 = 3.0;
/// Queries with more words than this tolerate some words not matching.
const ALL_WORDS_UP_TO: usize = 4;

pub(crate) struct Plan {
    pub query: Box<dyn Query>,
    /// There are words or phrases to rank by; otherwise the query only filters.
    pub has_text: bool,
    /// Folded syllables to mark in snippets.
    pub highlight: HashSet<String>,
}

/// The plan for a query, or `None` when it can match nothing (no text and no filters).
pub(crate) fn plan(parsed: &ParsedQuery, extra_filters: &[Filter], fields: &Fields) -> Option<Plan> {
    let mut builder = Builder { fields, title_only: parsed.title_only, highlight: HashSet::new() };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    let has_text = builder.text_clauses(&parsed.terms, &mut clauses);
    let filters: Vec<&Filter> = parsed.filters.iter().chain(extra_filters).collect();
    if !has_text && filters.is_empty() && parsed.excluded_filters.is_empty() {
        return None;
    }
    clauses.extend(filter_clauses(&filters, fields));
    for term in &parsed.excluded {
        clauses.extend(builder.exclusion(term).into_iter().map(|q| (Occur::MustNot, q)));
    }
    for filter in &parsed.excluded_filters {
        clauses.push((Occur::MustNot, filter_query(filter, fields)));
    }
    if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
        clauses.push((Occur::Must, Box::new(AllQuery))); // only exclusions: everything else
    }
    Some(Plan { query: Box::new(BooleanQuery::new(clauses)), has_text, highlight: builder.highlight })
}

struct Builder<'a> {
    fields: &'a Fields,
    title_only: bool,
    highlight: HashSet<String>,
}

impl Builder<'_> {
    /// Adds the clauses for the words and phrases; returns whether there were any.
    fn text_clauses(&mut self, terms: &[QueryTerm], clauses: &mut Vec<(Occur, Box<dyn Query>)>) -> bool {
        let mut word_units = Vec::new();
        let mut run: Vec<&str> = Vec::new();
        for term in terms {
            match term {
                QueryTerm::Word(word) => run.push(word),
                QueryTerm::Phrase(phrase) => {
                    self.flush_run(&mut run, &mut word_units, clauses);
                    clauses.extend(self.phrase_unit(phrase).map(|q| (Occur::Must, q)));
                }
            }
        }
        self.flush_run(&mut run, &mut word_units, clauses);
        let has_text = !word_units.is_empty() || clauses.iter().any(|(o, _)| *o == Occur::Must);
        if let Some(words) = require_most(word_units) {
            clauses.push((Occur::Must, words));
        }
        has_text
    }

    /// Units for a run of consecutive words, plus the bigram and reference bonuses of the run.
    fn flush_run(&mut self, run: &mut Vec<&str>, units: &mut Vec<Box<dyn Query>>, clauses: &mut Vec<(Occur, Box<dyn Query>)>) {
        let words: Vec<(&str, Vec<String>)> =
            run.drain(..).map(|w| (w, exact_tokens(w))).filter(|(_, tokens)| !tokens.is_empty()).collect();
        let mut i = 0;
        while i < words.len() {
            let (unit, used) = self.expansion_group(&words[i..]).unwrap_or_else(|| (self.word_unit(&words[i]), 1));
            units.push(unit);
            i += used;
        }
        let tokens: Vec<String> = words.iter().flat_map(|(_, t)| t.iter().cloned()).collect();
        clauses.extend(self.bigram_bonus(&tokens).into_iter().map(|q| (Occur::Should, q)));
        let joined = words.iter().map(|(w, _)| *w).collect::<Vec<_>>().join(" ");
        for reference in legal_refs(&joined) {
            clauses.push((Occur::Should, boost(self.refs_query(&reference), REF_BOOST)));
        }
    }

    /// A word: its syllables (a phrase when it has several, like "COVID-19"), or what it
    /// abbreviates, or the legal reference it spells.
    fn word_unit(&mut self, (word, tokens): &(&str, Vec<String>)) -> Box<dyn Query> {
        let mut alternatives = self.text_match(tokens);
        if let ([_], Some(abbreviation)) = (tokens.as_slice(), abbreviations::lookup(word)) {
            for expansion in abbreviation.expansions {
                alternatives.extend(self.text_match(&exact_tokens(&normalize(expansion))));
            }
        }
        for reference in legal_refs(word) {
            alternatives.extend(short_form(&reference).map(|short| self.refs_query(&short)));
            alternatives.push(self.refs_query(&reference));
        }
        union(alternatives)
    }

    /// When the next words spell out an abbreviation's expansion (longest first): one unit that
    /// matches either all the words or the abbreviation, and how many words it took.
    fn expansion_group(&mut self, words: &[(&str, Vec<String>)]) -> Option<(Box<dyn Query>, usize)> {
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
            let all_words = BooleanQuery::intersection(group.iter().map(|w| self.word_unit(w)).collect());
            let mut alternatives: Vec<Box<dyn Query>> = vec![Box::new(all_words)];
            for abbreviation in found {
                alternatives.extend(self.text_match(&exact_tokens(abbreviation.short)));
            }
            return Some((union(alternatives), len));
        }
        None
    }

    /// A quoted phrase: the syllables in order, or the abbreviation it is the expansion of.
    fn phrase_unit(&mut self, phrase: &str) -> Option<Box<dyn Query>> {
        let tokens = exact_tokens(phrase);
        if tokens.len() == 1 {
            return Some(self.word_unit(&(phrase, tokens)));
        }
        let mut alternatives = self.text_match(&tokens);
        if alternatives.is_empty() {
            return None;
        }
        let folded: Vec<String> = tokens.iter().map(|t| fold(t)).collect();
        for abbreviation in abbreviations::for_phrase(&folded) {
            alternatives.extend(self.text_match(&exact_tokens(abbreviation.short)));
        }
        for reference in legal_refs(phrase) {
            alternatives.push(self.refs_query(&reference));
        }
        Some(union(alternatives))
    }

    /// The syllables (in order when several) in each searched field: folded always, exact too
    /// (boosted) when they carry diacritics. Also records them for highlighting.
    fn text_match(&mut self, exact: &[String]) -> Vec<Box<dyn Query>> {
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        self.highlight.extend(folded.iter().cloned());
        let mut alternatives = Vec::new();
        for (text, weight) in self.scopes() {
            alternatives.extend(sequence(text.fold, &folded).map(|q| boost(q, weight)));
            if exact != folded.as_slice() {
                alternatives.extend(sequence(text.exact, exact).map(|q| boost(q, weight * EXACT_BOOST)));
            }
        }
        alternatives
    }

    /// Optional clauses rewarding each pair of adjacent words found side by side.
    fn bigram_bonus(&self, exact: &[String]) -> Vec<Box<dyn Query>> {
        let mut bonus = Vec::new();
        for pair in exact.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            let folded = join_bigram(&fold(a), &fold(b));
            let exact = join_bigram(a, b);
            for (text, weight) in self.scopes() {
                bonus.push(boost(term_query(text.fold_bigram, &folded), weight * BIGRAM_BOOST));
                if exact != folded {
                    bonus.push(boost(term_query(text.exact_bigram, &exact), weight * BIGRAM_BOOST * EXACT_BOOST));
                }
            }
        }
        bonus
    }

    /// `-word` / `-"phrase"`: as typed when it has diacritics ("-đường" keeps "dương"),
    /// folded otherwise ("-duong" drops both); in titles and bodies whatever `in:` says.
    fn exclusion(&self, term: &QueryTerm) -> Vec<Box<dyn Query>> {
        let exact = exact_tokens(term.text());
        let folded: Vec<String> = exact.iter().map(|t| fold(t)).collect();
        let with_marks = exact != folded;
        [self.fields.title_text, self.fields.body_text]
            .iter()
            .filter_map(|text| if with_marks { sequence(text.exact, &exact) } else { sequence(text.fold, &folded) })
            .collect()
    }

    fn refs_query(&self, reference: &str) -> Box<dyn Query> {
        keyword_query(self.fields.refs, reference)
    }

    fn scopes(&self) -> Vec<(TextFields, f32)> {
        let mut scopes = vec![(self.fields.title_text, TITLE_BOOST)];
        if !self.title_only {
            scopes.push((self.fields.body_text, 1.0));
        }
        scopes
    }
}

/// All units when there are few; otherwise all but a quarter of them.
fn require_most(units: Vec<Box<dyn Query>>) -> Option<Box<dyn Query>> {
    let n = units.len();
    match n {
        0 => None,
        1 => units.into_iter().next(),
        _ if n <= ALL_WORDS_UP_TO => Some(Box::new(BooleanQuery::intersection(units))),
        _ => Some(Box::new(BooleanQuery::union_with_minimum_required_clauses(units, n - (n - 1) / 4))),
    }
}

/// Filters as scoreless required clauses. Repeated operators on a field a topic has one value
/// of (category, kind, province, author) are alternatives; the others must all hold.
fn filter_clauses(filters: &[&Filter], fields: &Fields) -> Vec<(Occur, Box<dyn Query>)> {
    let mut alternatives: Vec<(std::mem::Discriminant<Filter>, Vec<Box<dyn Query>>)> = Vec::new();
    let mut clauses = Vec::new();
    for filter in filters {
        let query = filter_query(filter, fields);
        if !matches!(filter, Filter::Category(_) | Filter::Kind(_) | Filter::Province(_) | Filter::Author(_)) {
            clauses.push(query);
            continue;
        }
        let key = std::mem::discriminant(*filter);
        match alternatives.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(query),
            None => alternatives.push((key, vec![query])),
        }
    }
    clauses.extend(alternatives.into_iter().map(|(_, list)| union(list)));
    clauses.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect()
}

fn filter_query(filter: &Filter, fields: &Fields) -> Box<dyn Query> {
    match filter {
        Filter::Category(slug) => keyword_query(fields.category, slug),
        Filter::Tag(slug) => keyword_query(fields.tags, slug),
        Filter::Kind(kind) => keyword_query(fields.kind, kind),
        Filter::Province(code) => keyword_query(fields.province, code),
        Filter::Guidance(reference) => keyword_query(fields.refs, reference),
        Filter::Author(name) => {
            sequence(fields.author, &fold_tokens(&normalize(name))).unwrap_or_else(|| Box::new(EmptyQuery))
        }
        Filter::Before(day) => created_at_range(fields, Bound::Unbounded, Bound::Excluded(day_start(*day))),
        Filter::After(day) => created_at_range(fields, Bound::Included(day_start(*day)), Bound::Unbounded),
    }
}

fn created_at_range(fields: &Fields, lower: Bound<i64>, upper: Bound<i64>) -> Box<dyn Query> {
    let term = |t: i64| Term::from_field_i64(fields.created_at, t);
    Box::new(RangeQuery::new(lower.map(term), upper.map(term)))
}

/// One token: a term query; several: a phrase query; none: nothing.
fn sequence(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [token] => Some(term_query(field, token)),
        _ => {
            let terms = tokens.iter().map(|t| Term::from_field_text(field, t)).collect();
            Some(Box::new(PhraseQuery::new(terms)))
        }
    }
}

fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// A whole-value field (slug, code, reference), indexed without frequencies.
fn keyword_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

fn boost(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if weight == 1.0 { query } else { Box::new(BoostQuery::new(query, weight)) }
}

fn union(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::union(queries)),
    }
}
