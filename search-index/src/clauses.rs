//! Small builders of tantivy queries shared by the query plan and the filters.

use tantivy::query::{BooleanQuery, EmptyQuery, EnableScoring, Explanation, PhraseQuery, Query, Scorer, TermQuery, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, Score, SegmentReader, Term};

use crate::analysis::join_bigram;
use crate::any_of::AnyOf;
use crate::bonus_query::{BonusQuery, Threshold};
use crate::schema::TextFields;

/// How strictly several syllables must stand side by side.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Adjacency {
    /// In this order, checked on positions: what the user typed as a phrase or a compound word.
    Phrase,
    /// Each adjacent pair present ("a b" and "b c", maybe apart): enough for an abbreviation's
    /// expansion or a bonus, where checking positions of common syllables would cost most of
    /// the search.
    Bigrams,
}

/// Folded syllables side by side in one text: a term for one syllable; for several, their
/// bigrams (for two syllables that is the phrase already), and for three or more in
/// [`Adjacency::Phrase`] the phrase itself. The bigrams are rarer than the syllables and lead
/// the intersection, so positions are only read for documents that have all of them.
pub(crate) fn adjacent(text: TextFields, folded: &[String], adjacency: Adjacency) -> Option<Box<dyn Query>> {
    if folded.len() < 2 {
        return folded.first().map(|token| term_query(text.fold, token));
    }
    let mut all: Vec<Box<dyn Query>> = folded.windows(2).map(|p| term_query(text.fold_bigram, &join_bigram(&p[0], &p[1]))).collect();
    if folded.len() > 2 && adjacency == Adjacency::Phrase {
        all.extend(sequence(text.fold, folded));
    }
    Some(all_of(all))
}

/// One token: a term query; several: a phrase query (fields with positions); none: nothing.
pub(crate) fn sequence(field: Field, tokens: &[String]) -> Option<Box<dyn Query>> {
    match tokens {
        [] => None,
        [token] => Some(term_query(field, token)),
        _ => {
            let terms = tokens.iter().map(|t| Term::from_field_text(field, t)).collect();
            Some(Box::new(PhraseQuery::new(terms)))
        }
    }
}

/// A scored term of an analysed field.
pub(crate) fn term_query(field: Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// A whole-value field (slug, code, reference), indexed without frequencies.
pub(crate) fn keyword_query(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, value), IndexRecordOption::Basic))
}

pub(crate) fn boost(query: Box<dyn Query>, weight: f32) -> Box<dyn Query> {
    if weight == 1.0 { query } else { Box::new(Scaled { inner: query, factor: weight }) }
}

/// `required`, scoring more for each of `weights` and `bonuses` that also matches, the bonuses
/// of a document that lacks one of the `protected` words together worth less than that word
/// (see [`BonusQuery`]); `threshold` is the search's page threshold that lets it skip hopeless
/// look-ups.
pub(crate) fn with_bonuses(
    required: Box<dyn Query>,
    weights: Vec<Box<dyn Query>>,
    bonuses: Vec<Box<dyn Query>>,
    protected: Vec<(Box<dyn Query>, f32)>,
    threshold: &Threshold,
) -> Box<dyn Query> {
    if weights.is_empty() && bonuses.is_empty() {
        return required;
    }
    Box::new(BonusQuery { required, weights, bonuses, protected, threshold: threshold.clone() })
}

/// A query scoring `factor` times as much: tantivy's `BoostQuery`, with its parts visible so
/// that [`BonusQuery`] can tell the highest score of a boosted term.
#[derive(Debug)]
pub(crate) struct Scaled {
    pub inner: Box<dyn Query>,
    pub factor: f32,
}

impl Clone for Scaled {
    fn clone(&self) -> Self {
        Scaled { inner: self.inner.box_clone(), factor: self.factor }
    }
}

impl Query for Scaled {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(ScaledWeight { inner: self.inner.weight(enable_scoring)?, factor: self.factor }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct ScaledWeight {
    inner: Box<dyn Weight>,
    factor: f32,
}

impl Weight for ScaledWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.inner.scorer(reader, boost * self.factor)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new_with_string(format!("scaled by {}", self.factor), inner.value() * self.factor);
        explanation.add_detail(inner);
        Ok(explanation)
    }
}

/// Any of the queries, scored by the sum of those that match (see [`AnyOf`]).
pub(crate) fn union(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(AnyOf { queries }),
    }
}

pub(crate) fn all_of(mut queries: Vec<Box<dyn Query>>) -> Box<dyn Query> {
    match queries.len() {
        0 => Box::new(EmptyQuery),
        1 => queries.pop().unwrap_or_else(|| Box::new(EmptyQuery)),
        _ => Box::new(BooleanQuery::intersection(queries)),
    }
}

/// A query scoring `extra` more wherever it matches: what having a word is worth, whatever its
/// frequency in the text (BM25 alone gives a rare word mentioned once little more than a common
/// one mentioned often).
#[derive(Debug)]
pub(crate) struct PlusConstant {
    pub inner: Box<dyn Query>,
    pub extra: f32,
}

impl Clone for PlusConstant {
    fn clone(&self) -> Self {
        PlusConstant { inner: self.inner.box_clone(), extra: self.extra }
    }
}

impl Query for PlusConstant {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(PlusConstantWeight { inner: self.inner.weight(enable_scoring)?, extra: self.extra }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct PlusConstantWeight {
    inner: Box<dyn Weight>,
    extra: f32,
}

impl Weight for PlusConstantWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(PlusConstantScorer { inner: self.inner.scorer(reader, boost)?, extra: self.extra * boost }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation = Explanation::new_with_string(format!("plus {}", self.extra), inner.value() + self.extra);
        explanation.add_detail(inner);
        Ok(explanation)
    }
}

struct PlusConstantScorer {
    inner: Box<dyn Scorer>,
    extra: Score,
}

impl tantivy::DocSet for PlusConstantScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> tantivy::SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for PlusConstantScorer {
    fn score(&mut self) -> Score {
        self.inner.score() + self.extra
    }
}
