//! A posting list for the unit tests of our own scorers (`any_of`, `min_match_query`): fixed
//! documents, each scored the same fixed number.

use tantivy::query::Scorer;
use tantivy::{DocId, DocSet, Score, TERMINATED};

/// Documents `.0` in order, the current one at `.1`, each scoring `.2`.
pub(crate) struct List(pub Vec<DocId>, pub usize, pub Score);

impl DocSet for List {
    fn advance(&mut self) -> DocId {
        self.1 += 1;
        self.doc()
    }
    fn doc(&self) -> DocId {
        self.0.get(self.1).copied().unwrap_or(TERMINATED)
    }
    fn size_hint(&self) -> u32 {
        self.0.len() as u32
    }
}

impl Scorer for List {
    fn score(&mut self) -> Score {
        self.2
    }
}
