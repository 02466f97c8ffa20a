//! Any of a few queries, scored by the sum of those that match: tantivy's union of should
//! clauses, made for being looked up.
//!
//! A word with other forms ("mổ" / "phẫu thuật", an abbreviation and its expansion) matches
//! through such a union, and a question looks up a common word's score in every document it
//! matches (see `bonus_query.rs`). tantivy's buffered union answers a seek beyond its window by
//! loading and scoring the next 4,096 documents of every form, most of which are never asked
//! for: a sixth of the instructions of the benchmark's questions (callgrind, see
//! docs/BENCHMARKS.md). Here a seek moves each form's scorer with its skip list, and a score is
//! only computed when asked for. Unions here have a handful of forms, so walking them all per
//! step costs less than a heap would.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

#[derive(Debug)]
pub(crate) struct AnyOf {
    pub queries: Vec<Box<dyn Query>>,
}

impl Clone for AnyOf {
    fn clone(&self) -> Self {
        AnyOf { queries: self.queries.iter().map(|q| q.box_clone()).collect() }
    }
}

impl Query for AnyOf {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self.queries.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(AnyOfWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.queries.iter().for_each(|q| q.query_terms(visitor));
    }
}

struct AnyOfWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for AnyOfWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        let doc = first(&scorers);
        Ok(Box::new(AnyOfScorer { scorers, doc }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let details: Vec<Explanation> = self.weights.iter().filter_map(|w| w.explain(reader, doc).ok()).collect();
        if details.is_empty() {
            return Err(TantivyError::InvalidArgument(format!("document {doc} matches none of the forms")));
        }
        let mut explanation = Explanation::new("sum of the forms that match", details.iter().map(Explanation::value).sum());
        details.into_iter().for_each(|d| explanation.add_detail(d));
        Ok(explanation)
    }
}

struct AnyOfScorer {
    scorers: Vec<Box<dyn Scorer>>,
    doc: DocId,
}

/// The first document any of the scorers stands at.
fn first(scorers: &[Box<dyn Scorer>]) -> DocId {
    scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED)
}

impl DocSet for AnyOfScorer {
    fn advance(&mut self) -> DocId {
        let doc = self.doc;
        for scorer in self.scorers.iter_mut().filter(|s| s.doc() == doc) {
            scorer.advance();
        }
        self.doc = first(&self.scorers);
        self.doc
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for scorer in self.scorers.iter_mut().filter(|s| s.doc() < target) {
            scorer.seek(target);
        }
        self.doc = first(&self.scorers);
        self.doc
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).fold(0, u32::saturating_add)
    }

    fn cost(&self) -> u64 {
        self.scorers.iter().map(|s| s.cost()).sum()
    }
}

impl Scorer for AnyOfScorer {
    /// The sum of the forms at the current document, in the order of the forms (as tantivy's
    /// union adds them, so scores are the same to the bit).
    fn score(&mut self) -> Score {
        let doc = self.doc;
        self.scorers.iter_mut().filter(|s| s.doc() == doc).map(|s| s.score()).fold(0.0, |sum, score| sum + score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_lists::List;

    fn any_of(lists: &[&[DocId]]) -> AnyOfScorer {
        let scorers: Vec<Box<dyn Scorer>> =
            lists.iter().enumerate().map(|(i, docs)| Box::new(List(docs.to_vec(), 0, (i + 1) as Score)) as Box<dyn Scorer>).collect();
        let doc = first(&scorers);
        AnyOfScorer { scorers, doc }
    }

    #[test]
    fn walks_every_document_of_any_form_summing_those_there() {
        let mut s = any_of(&[&[1, 5, 9], &[5, 7], &[]]);
        let mut seen = Vec::new();
        while s.doc() != TERMINATED {
            seen.push((s.doc(), s.score()));
            s.advance();
        }
        assert_eq!(seen, [(1, 1.0), (5, 3.0), (7, 2.0), (9, 1.0)]);
    }

    #[test]
    fn seeks_to_the_first_document_at_or_after_the_target() {
        let mut s = any_of(&[&[1, 5, 9], &[5, 7, 100]]);
        assert_eq!(s.seek(5), 5);
        assert_eq!(s.score(), 3.0);
        assert_eq!(s.seek(5), 5, "seeking where it stands does not move it");
        assert_eq!(s.seek(6), 7);
        assert_eq!(s.score(), 2.0);
        assert_eq!(s.seek(10), 100);
        assert_eq!(s.seek(101), TERMINATED);
    }
}
