//! "At least `needed` of these clauses", scored by the sum of the clauses that match.
//!
//! tantivy's own minimum-should-match keeps the clauses in a binary heap and pops one posting
//! at a time, which made long questions (many words, each in thousands of documents) the
//! slowest searches. This scorer works like tantivy's buffered union instead: it walks every
//! clause through a window of 4,096 documents, counting and summing per document in two flat
//! arrays, then hands out the documents of the window that have enough clauses.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED};

const WINDOW: usize = 4096;

#[derive(Debug)]
pub(crate) struct MinMatchQuery {
    pub clauses: Vec<Box<dyn Query>>,
    pub needed: usize,
}

impl Clone for MinMatchQuery {
    fn clone(&self) -> Self {
        MinMatchQuery { clauses: self.clauses.iter().map(|q| q.box_clone()).collect(), needed: self.needed }
    }
}

impl Query for MinMatchQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let clauses = self.clauses.iter().map(|q| q.weight(enable_scoring)).collect::<tantivy::Result<_>>()?;
        Ok(Box::new(MinMatchWeight { clauses, needed: self.needed }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        self.clauses.iter().for_each(|q| q.query_terms(visitor));
    }
}

struct MinMatchWeight {
    clauses: Vec<Box<dyn Weight>>,
    needed: usize,
}

impl Weight for MinMatchWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers = Vec::with_capacity(self.clauses.len());
        for weight in &self.clauses {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                scorers.push(scorer);
            }
        }
        Ok(Box::new(MinMatchScorer::new(scorers, self.needed)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Ok(Explanation::new("fewer clauses match than needed", 0.0));
        }
        Ok(Explanation::new("sum of the matching clauses", scorer.score()))
    }
}

pub(crate) struct MinMatchScorer {
    scorers: Vec<Box<dyn Scorer>>,
    needed: u16,
    window_start: DocId,
    counts: Vec<u16>,
    scores: Vec<Score>,
    /// Position in the window of the current document.
    cursor: usize,
    doc: DocId,
}

impl MinMatchScorer {
    fn new(scorers: Vec<Box<dyn Scorer>>, needed: usize) -> MinMatchScorer {
        let mut scorer = MinMatchScorer {
            scorers,
            needed: needed.clamp(1, u16::MAX as usize) as u16,
            window_start: 0,
            counts: vec![0; WINDOW],
            scores: vec![0.0; WINDOW],
            cursor: 0,
            doc: TERMINATED,
        };
        if scorer.scorers.len() >= scorer.needed as usize {
            scorer.fill_from(0);
            scorer.next_in_windows();
        }
        scorer
    }

    /// Loads the window starting at the first document of any clause at or after `target`.
    fn fill_from(&mut self, target: DocId) -> bool {
        for scorer in &mut self.scorers {
            if scorer.doc() < target {
                scorer.seek(target);
            }
        }
        self.scorers.retain(|s| s.doc() != TERMINATED);
        if self.scorers.len() < self.needed as usize {
            return false;
        }
        let start = self.scorers.iter().map(|s| s.doc()).min().unwrap_or(TERMINATED);
        self.window_start = start;
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.scores.iter_mut().for_each(|s| *s = 0.0);
        let end = start.saturating_add(WINDOW as DocId);
        for scorer in &mut self.scorers {
            let mut doc = scorer.doc();
            while doc < end {
                let slot = (doc - start) as usize;
                self.counts[slot] += 1;
                self.scores[slot] += scorer.score();
                doc = scorer.advance();
            }
        }
        self.cursor = 0;
        true
    }

    /// Moves to the next document with enough clauses, from `cursor`, loading windows as needed.
    fn next_in_windows(&mut self) -> DocId {
        loop {
            if let Some(offset) = self.counts[self.cursor..].iter().position(|&c| c >= self.needed) {
                self.cursor += offset;
                self.doc = self.window_start + self.cursor as DocId;
                return self.doc;
            }
            let next = self.window_start.saturating_add(WINDOW as DocId);
            if next == TERMINATED || !self.fill_from(next) {
                self.doc = TERMINATED;
                return TERMINATED;
            }
        }
    }
}

impl DocSet for MinMatchScorer {
    fn advance(&mut self) -> DocId {
        if self.doc == TERMINATED {
            return TERMINATED;
        }
        self.cursor += 1;
        if self.cursor >= WINDOW {
            self.cursor = WINDOW; // the search below moves to the next window
        }
        self.next_in_windows()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        let offset = (target - self.window_start) as usize;
        if offset < WINDOW {
            self.cursor = offset;
        } else if !self.fill_from(target) {
            self.doc = TERMINATED;
            return TERMINATED;
        }
        self.next_in_windows()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        self.scorers.iter().map(|s| s.size_hint()).max().unwrap_or(0)
    }
}

impl Scorer for MinMatchScorer {
    fn score(&mut self) -> Score {
        if self.doc == TERMINATED { 0.0 } else { self.scores[self.cursor] }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_lists::List;

    fn scorer(lists: &[&[DocId]], needed: usize) -> MinMatchScorer {
        let scorers = lists.iter().map(|docs| Box::new(List(docs.to_vec(), 0, 1.0)) as Box<dyn Scorer>).collect();
        MinMatchScorer::new(scorers, needed)
    }

    fn all(mut s: MinMatchScorer) -> Vec<(DocId, Score)> {
        let mut out = Vec::new();
        while s.doc() != TERMINATED {
            out.push((s.doc(), s.score()));
            s.advance();
        }
        out
    }

    #[test]
    fn keeps_documents_with_enough_clauses_across_windows() {
        let far = 3 * WINDOW as DocId + 5;
        let lists: [&[DocId]; 3] = [&[1, 2, 5000, far], &[2, 3, 5000, far], &[2, far, far + 1]];
        assert_eq!(all(scorer(&lists, 2)), [(2, 3.0), (5000, 2.0), (far, 3.0)]);
        assert_eq!(all(scorer(&lists, 3)), [(2, 3.0), (far, 3.0)]);
        assert_eq!(all(scorer(&lists, 1)).len(), 6);
        assert!(all(scorer(&lists, 4)).is_empty());
    }

    #[test]
    fn seeks_within_and_beyond_the_window() {
        let lists: [&[DocId]; 2] = [&[10, 20, 9000, 9001], &[10, 20, 9001]];
        let mut s = scorer(&lists, 2);
        assert_eq!(s.doc(), 10);
        assert_eq!(s.seek(11), 20);
        assert_eq!(s.seek(8000), 9001);
        assert_eq!(s.score(), 2.0);
        assert_eq!(s.advance(), TERMINATED);
        assert_eq!(s.seek(100_000), TERMINATED);
    }
}
