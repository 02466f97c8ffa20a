//! A query that matches what its required part matches and adds the scores of its bonus
//! queries that match the same document.
//!
//! tantivy can express this as `Must(required) + Should(bonus…)`, but then the bonuses form
//! one union, which inside an intersection re-decodes windows of 4,096 documents of every
//! bonus list at each jump; nesting one (Must, Should) pair per bonus avoids that but makes
//! every `doc()` and `score()` walk the whole nest (quadratic in the number of bonuses).
//! Here each bonus is looked up, with its skip list, only in documents that matched, and
//! not at all when scores are not needed (sorting by date, counting).
//!
//! Looking bonuses up was most of the cost of a search with many matches, and most of it was
//! spent on documents that never reach the page. So a search shares the score a document must
//! beat to enter the page so far ([`Threshold`], raised by [`crate::top_scored::TopScored`]),
//! and a bonus whose highest possible score is known (a term or phrase: its BM25 weight; a
//! boolean query: the sum of its clauses') is only looked up while the document could still
//! beat it. A document given up on gets a score below the
//! threshold, which is all the collector needs to know; the page is the same as with every
//! bonus looked up (up to documents tied exactly at the threshold).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tantivy::query::{
    Bm25StatisticsProvider, Bm25Weight, BooleanQuery, EmptyQuery, EnableScoring, Explanation, Occur, PhraseQuery, Query, Scorer, TermQuery,
    Weight,
};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, Term};

use crate::any_of::AnyOf;
use crate::clauses::{PlusConstant, Scaled};

/// The score a document must beat to enter the page, shared by a search's scorers and its
/// collector (searches run on one thread; the atomic only makes it shareable).
#[derive(Debug, Clone)]
pub(crate) struct Threshold(Arc<AtomicU32>);

impl Threshold {
    pub fn new() -> Threshold {
        Threshold(Arc::new(AtomicU32::new(f32::NEG_INFINITY.to_bits())))
    }

    pub fn get(&self) -> Score {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }

    /// Raises the threshold (it never goes down: the page only gets better).
    pub fn raise(&self, score: Score) {
        if score > self.get() {
            self.0.store(score.to_bits(), Ordering::Relaxed);
        }
    }
}

#[derive(Debug)]
pub(crate) struct BonusQuery {
    pub required: Box<dyn Query>,
    /// Added in full where they match (word scores).
    pub weights: Vec<Box<dyn Query>>,
    /// Added where they match, their sum saturating below the presence of the least of the
    /// `protected` words that the document lacks (see [`saturate`]).
    pub bonuses: Vec<Box<dyn Query>>,
    /// Rare words, each with what having it is worth.
    pub protected: Vec<(Box<dyn Query>, Score)>,
    pub threshold: Threshold,
}

impl Clone for BonusQuery {
    fn clone(&self) -> Self {
        let clone = |queries: &[Box<dyn Query>]| queries.iter().map(|q| q.box_clone()).collect();
        BonusQuery {
            required: self.required.box_clone(),
            weights: clone(&self.weights),
            bonuses: clone(&self.bonuses),
            protected: self.protected.iter().map(|(q, worth)| (q.box_clone(), *worth)).collect(),
            threshold: self.threshold.clone(),
        }
    }
}

impl Query for BonusQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let required = self.required.weight(enable_scoring)?;
        let EnableScoring::Enabled { statistics_provider, .. } = enable_scoring else {
            return Ok(required);
        };
        let bounded = |queries: &[Box<dyn Query>]| -> tantivy::Result<Vec<WithBound>> {
            queries.iter().map(|q| Ok((q.weight(enable_scoring)?, highest_score(q.as_ref(), statistics_provider)?))).collect()
        };
        Ok(Box::new(BonusWeight {
            required,
            weights: bounded(&self.weights)?,
            bonuses: bounded(&self.bonuses)?,
            protected: self.protected.iter().map(|(q, worth)| Ok((q.weight(enable_scoring)?, *worth))).collect::<tantivy::Result<_>>()?,
            threshold: self.threshold.clone(),
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.required.query_terms(visitor);
        self.weights.iter().chain(&self.bonuses).for_each(|q| q.query_terms(visitor));
        self.protected.iter().for_each(|(q, _)| q.query_terms(visitor));
    }
}

/// A document's bonuses together, kept below `cap` (when it lacks a protected word): about
/// their sum while it is small against the cap, and never reaching it however many there are
/// (as BM25 saturates a word's frequency), so that they never make up for the missing word.
fn saturate(sum: Score, cap: Option<Score>) -> Score {
    match cap {
        None => sum,
        Some(_) if sum <= 0.0 => 0.0,
        Some(cap) if sum.is_infinite() => cap,
        Some(cap) => cap * sum / (sum + cap),
    }
}

/// The highest score a bonus can add: for a term or a phrase, its BM25 weight (BM25 stays below
/// it whatever the frequency and the text's length); for a boolean query or a union, the sum
/// over its scoring clauses; scaled as the query is. `None` for anything else.
fn highest_score(query: &dyn Query, statistics: &dyn Bm25StatisticsProvider) -> tantivy::Result<Option<Score>> {
    let bm25_bound = |terms: &[Term]| -> tantivy::Result<Option<Score>> {
        // A hair above, so that rounding can never make the bound lower than a real score.
        Ok(Some(Bm25Weight::for_terms(statistics, terms)?.max_score() * 1.001 + f32::EPSILON))
    };
    if let Some(term_query) = query.downcast_ref::<TermQuery>() {
        return bm25_bound(std::slice::from_ref(term_query.term()));
    }
    if let Some(phrase) = query.downcast_ref::<PhraseQuery>() {
        return bm25_bound(&phrase.phrase_terms());
    }
    if let Some(scaled) = query.downcast_ref::<Scaled>() {
        return Ok(highest_score(scaled.inner.as_ref(), statistics)?.map(|s| s * scaled.factor));
    }
    if let Some(plus) = query.downcast_ref::<PlusConstant>() {
        return Ok(highest_score(plus.inner.as_ref(), statistics)?.map(|s| s + plus.extra));
    }
    if let Some(any) = query.downcast_ref::<AnyOf>() {
        let mut total = 0.0;
        for form in &any.queries {
            match highest_score(form.as_ref(), statistics)? {
                Some(highest) => total += highest,
                None => return Ok(None),
            }
        }
        return Ok(Some(total));
    }
    if let Some(boolean) = query.downcast_ref::<BooleanQuery>() {
        let mut total = 0.0;
        for (_, clause) in boolean.clauses().iter().filter(|(occur, _)| *occur != Occur::MustNot) {
            match highest_score(clause.as_ref(), statistics)? {
                Some(highest) => total += highest,
                None => return Ok(None),
            }
        }
        return Ok(Some(total));
    }
    if query.downcast_ref::<EmptyQuery>().is_some() {
        return Ok(Some(0.0));
    }
    Ok(None)
}

/// A weight and the highest score it can give, when known.
type WithBound = (Box<dyn Weight>, Option<Score>);

struct BonusWeight {
    required: Box<dyn Weight>,
    /// Each with its highest possible score, when known.
    weights: Vec<WithBound>,
    bonuses: Vec<WithBound>,
    protected: Vec<(Box<dyn Weight>, Score)>,
    threshold: Threshold,
}

impl Weight for BonusWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(BonusScorer {
            required: self.required.scorer(reader, boost)?,
            weights: Group::new(&self.weights, reader, boost)?,
            bonuses: Group::new(&self.bonuses, reader, boost)?,
            protected: self
                .protected
                .iter()
                .map(|(weight, worth)| Ok((Bonus::new(weight.scorer(reader, boost)?, 0.0), worth * boost)))
                .collect::<tantivy::Result<_>>()?,
            threshold: self.threshold.clone(),
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut explanation = self.required.explain(reader, doc)?;
        for (weight, _) in &self.weights {
            if let Ok(detail) = weight.explain(reader, doc) {
                explanation.add_detail(detail);
            }
        }
        let mut scorer = self.scorer(reader, 1.0)?;
        let cap = if scorer.seek(doc) == doc { scorer.downcast_mut::<BonusScorer>().and_then(|s| s.cap(doc)) } else { None };
        let mut bonuses = Explanation::new_with_string(format!("bonuses, saturating below {cap:?}"), 0.0);
        let mut sum = 0.0;
        for (bonus, _) in &self.bonuses {
            if let Ok(detail) = bonus.explain(reader, doc) {
                sum += detail.value();
                bonuses.add_detail(detail);
            }
        }
        let mut total = Explanation::new_with_string(format!("{sum} saturated"), saturate(sum, cap));
        total.add_detail(bonuses);
        explanation.add_detail(total);
        Ok(explanation)
    }
}

/// Bonus scorers of one kind for a segment.
struct Group {
    unbounded: Vec<Bonus>,
    /// Largest bound first: the likeliest to be given up on (small bounds) come last.
    bounded: Vec<Bonus>,
    /// `remaining[i]`: the most that bounded bonuses `i..` can still add.
    remaining: Vec<Score>,
}

impl Group {
    fn new(weights: &[WithBound], reader: &SegmentReader, boost: Score) -> tantivy::Result<Group> {
        let (mut bounded, mut unbounded) = (Vec::new(), Vec::new());
        for (weight, highest) in weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() == TERMINATED {
                continue; // a term missing from this segment costs nothing
            }
            match highest {
                Some(highest) => bounded.push(Bonus::new(scorer, highest * boost)),
                None => unbounded.push(Bonus::new(scorer, Score::INFINITY)),
            }
        }
        bounded.sort_by(|a, b| b.highest.total_cmp(&a.highest));
        let mut remaining = vec![0.0; bounded.len() + 1];
        for i in (0..bounded.len()).rev() {
            remaining[i] = remaining[i + 1] + bounded[i].highest;
        }
        Ok(Group { unbounded, bounded, remaining })
    }

    /// The most the group can add to any document.
    fn most(&self) -> Score {
        if self.unbounded.is_empty() { self.remaining[0] } else { Score::INFINITY }
    }

    fn unbounded_in(&mut self, doc: DocId) -> Score {
        self.unbounded.iter_mut().map(|b| b.score_in(doc)).sum()
    }
}

struct Bonus {
    scorer: Box<dyn Scorer>,
    /// Where the scorer stands, kept here so that a bonus whose next match is further on
    /// costs a comparison, not a call.
    next: DocId,
    highest: Score,
}

impl Bonus {
    fn new(scorer: Box<dyn Scorer>, highest: Score) -> Bonus {
        Bonus { next: scorer.doc(), scorer, highest }
    }

    /// Its score in `doc` (0 when it does not match there).
    fn score_in(&mut self, doc: DocId) -> Score {
        if self.matches(doc) { self.scorer.score() } else { 0.0 }
    }

    fn matches(&mut self, doc: DocId) -> bool {
        if self.next < doc {
            self.next = self.scorer.seek(doc);
        }
        self.next == doc
    }
}

struct BonusScorer {
    required: Box<dyn Scorer>,
    weights: Group,
    bonuses: Group,
    /// The protected words' scorers, each with what having it is worth.
    protected: Vec<(Bonus, Score)>,
    threshold: Threshold,
}

impl BonusScorer {
    /// What a document's bonuses stay below: the worth of the least protected word it lacks.
    fn cap(&mut self, doc: DocId) -> Option<Score> {
        self.protected.iter_mut().filter_map(|(word, worth)| (!word.matches(doc)).then_some(*worth)).min_by(Score::total_cmp)
    }
}

impl DocSet for BonusScorer {
    fn advance(&mut self) -> DocId {
        self.required.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.required.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> tantivy::SeekDangerResult {
        self.required.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.required.doc()
    }

    fn size_hint(&self) -> u32 {
        self.required.size_hint()
    }

    fn cost(&self) -> u64 {
        self.required.cost()
    }
}

impl Scorer for BonusScorer {
    /// A document that can no longer reach the page (its score so far plus the most the rest
    /// could add is below the threshold) is given up on: its exact score does not matter.
    fn score(&mut self) -> Score {
        let doc = self.required.doc();
        let threshold = self.threshold.get();
        let mut score = self.required.score() + self.weights.unbounded_in(doc);
        let cap = self.cap(doc);
        let most_bonus = saturate(self.bonuses.most(), cap);
        for (i, weight) in self.weights.bounded.iter_mut().enumerate() {
            if score + self.weights.remaining[i] + most_bonus < threshold {
                return score;
            }
            score += weight.score_in(doc);
        }
        let mut sum = self.bonuses.unbounded_in(doc);
        for (i, bonus) in self.bonuses.bounded.iter_mut().enumerate() {
            if score + saturate(sum + self.bonuses.remaining[i], cap) < threshold {
                return score + saturate(sum, cap);
            }
            sum += bonus.score_in(doc);
        }
        score + saturate(sum, cap)
    }
}
