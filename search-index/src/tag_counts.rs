//! Counting tags over the matches of one segment.
//!
//! Tags are multi-valued, and looking up a document's tags in the fast field costs several
//! times a single-valued read. When many documents match (a common word: half the index),
//! it is cheaper to walk each tag's posting list once and count the matches it contains: that
//! costs the number of tag assignments in the segment, however many documents match. With few
//! matches, the per-document lookup is cheaper; the counter switches when the matches pass
//! [`POSTINGS_ABOVE`] of the segment.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;

use tantivy::columnar::StrColumn;
use tantivy::index::InvertedIndexReader;
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocId, SegmentReader};

use crate::columns::{Scratch, Values, ordinals_to_strings};
use crate::schema::TAGS;

/// Share of a segment's documents above which tags are counted from posting lists.
const POSTINGS_ABOVE: f64 = 0.1;

pub(crate) struct TagCounter {
    column: Option<(StrColumn, Values<u64>)>,
    postings: Arc<InvertedIndexReader>,
    matches: Matches,
    /// Matches beyond this many switch to counting from posting lists.
    few: usize,
    max_doc: usize,
}

enum Matches {
    Few(Vec<DocId>),
    /// One bit per document of the segment.
    Many(Vec<u64>),
}

impl TagCounter {
    pub(crate) fn for_segment(segment: &SegmentReader, field: Field) -> tantivy::Result<TagCounter> {
        let column = segment.fast_fields().str(TAGS)?.map(|c| {
            let values = Values::of(c.ords());
            (c, values)
        });
        Ok(TagCounter {
            column,
            postings: segment.inverted_index(field)?,
            matches: Matches::Few(Vec::new()),
            few: (segment.max_doc() as f64 * POSTINGS_ABOVE) as usize,
            max_doc: segment.max_doc() as usize,
        })
    }

    pub(crate) fn add(&mut self, docs: &[DocId]) {
        if let Matches::Few(list) = &mut self.matches {
            list.extend_from_slice(docs);
            if list.len() > self.few {
                let mut bits = vec![0u64; self.max_doc / 64 + 1];
                list.iter().for_each(|&doc| set(&mut bits, doc));
                self.matches = Matches::Many(bits);
            }
            return;
        }
        if let Matches::Many(bits) = &mut self.matches {
            docs.iter().for_each(|&doc| set(bits, doc));
        }
    }

    pub(crate) fn counts(self) -> io::Result<HashMap<String, u64>> {
        match &self.matches {
            Matches::Few(docs) => Ok(self.counts_from_column(docs)),
            Matches::Many(bits) => self.counts_from_postings(bits),
        }
    }

    fn counts_from_column(&self, docs: &[DocId]) -> HashMap<String, u64> {
        let Some((column, values)) = &self.column else { return HashMap::new() };
        let mut counts = vec![0u64; column.num_terms()];
        let mut scratch = Scratch::default();
        for block in docs.chunks(64) {
            values.for_each(block, &mut scratch, |ord| counts[ord as usize] += 1);
        }
        ordinals_to_strings(column, &counts)
    }

    fn counts_from_postings(&self, bits: &[u64]) -> io::Result<HashMap<String, u64>> {
        let mut counts = HashMap::new();
        let mut terms = self.postings.terms().stream()?;
        while terms.advance() {
            let mut postings = self.postings.read_block_postings_from_terminfo(terms.value(), IndexRecordOption::Basic)?;
            let mut count = 0;
            while !postings.docs().is_empty() {
                count += postings.docs().iter().filter(|&&doc| is_set(bits, doc)).count() as u64;
                postings.advance();
            }
            if count > 0 {
                counts.insert(String::from_utf8_lossy(terms.key()).into_owned(), count);
            }
        }
        Ok(counts)
    }
}

fn set(bits: &mut [u64], doc: DocId) {
    if let Some(word) = bits.get_mut(doc as usize / 64) {
        *word |= 1 << (doc % 64);
    }
}

fn is_set(bits: &[u64], doc: DocId) -> bool {
    bits.get(doc as usize / 64).is_some_and(|w| w & (1 << (doc % 64)) != 0)
}
