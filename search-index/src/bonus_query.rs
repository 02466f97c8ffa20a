//! A query that matches what its required part matches and adds the scores of its bonus
//! queries that match the same document.
//!
//! tantivy can express this as `Must(required) + Should(bonus…)`, but then the bonuses form
//! one union, which inside an intersection re-decodes windows of 4,096 documents of every
//! bonus list at each jump; nesting one (Must, Should) pair per bonus avoids that but makes
//! every `doc()` and `score()` walk the whole nest (quadratic in the number of bonuses).
//! Here each bonus is looked up, with its skip list, only in documents that matched, and
//! not at all when scores are not needed (sorting by date, counting).

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

#[derive(Debug)]
pub(crate) struct BonusQuery {
    pub required: Box<dyn Query>,
    pub bonuses: Vec<Box<dyn Query>>,
}

impl Clone for BonusQuery {
    fn clone(&self) -> Self {
        BonusQuery { required: self.required.box_clone(), bonuses: self.bonuses.iter().map(|q| q.box_clone()).collect() }
    }
}

impl Query for BonusQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let required = self.required.weight(enable_scoring)?;
        if !enable_scoring.is_scoring_enabled() {
            return Ok(required);
        }
        let bonuses = self.bonuses.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(BonusWeight { required, bonuses }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.required.query_terms(visitor);
        self.bonuses.iter().for_each(|q| q.query_terms(visitor));
    }
}

struct BonusWeight {
    required: Box<dyn Weight>,
    bonuses: Vec<Box<dyn Weight>>,
}

impl Weight for BonusWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let required = self.required.scorer(reader, boost)?;
        let mut bonuses = Vec::with_capacity(self.bonuses.len());
        for weight in &self.bonuses {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                bonuses.push(scorer); // a term missing from this segment costs nothing
            }
        }
        let next: Vec<DocId> = bonuses.iter().map(|b| b.doc()).collect();
        Ok(Box::new(BonusScorer { required, bonuses, next }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut explanation = self.required.explain(reader, doc)?;
        for bonus in &self.bonuses {
            if let Ok(bonus_explanation) = bonus.explain(reader, doc) {
                explanation.add_detail(bonus_explanation);
            }
        }
        Ok(explanation)
    }
}

struct BonusScorer {
    required: Box<dyn Scorer>,
    bonuses: Vec<Box<dyn Scorer>>,
    /// Where each bonus stands, kept here so that a bonus whose next match is further on
    /// costs a comparison, not a call.
    next: Vec<DocId>,
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
    fn score(&mut self) -> Score {
        let doc = self.required.doc();
        let mut score = self.required.score();
        for (bonus, next) in self.bonuses.iter_mut().zip(self.next.iter_mut()) {
            if *next < doc {
                *next = bonus.seek(doc);
            }
            if *next == doc {
                score += bonus.score();
            }
        }
        score
    }
}
