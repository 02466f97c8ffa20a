//! Exact facet counts over every matching document, read from fast fields.
//!
//! This runs for every match of every search, so the per-document work is a few array reads,
//! done a block of documents at a time: term ordinals are counted per segment in plain vectors
//! and turned into strings once per segment. Category, kind and province have a value in every
//! document (empty when unknown), which lets their columns be read directly; the year was
//! computed at indexing time; tags are unpacked once per segment and counted from plain arrays ([`crate::tag_counts`]).

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::StrColumn;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::columns::{Scratch, Values, ordinals_to_strings};
use crate::schema::{CATEGORY, KIND, PROVINCE, YEAR};
use crate::tag_counts::{TagCache, TagCounter};
use crate::{FacetCount, Facets};

/// The single-valued string facets, in the order their counts are kept.
const STRING_FACETS: [&str; 3] = [CATEGORY, KIND, PROVINCE];

pub(crate) struct FacetCollector {
    /// Each segment's tags, unpacked once (see [`crate::tag_counts`]).
    pub tags: Arc<TagCache>,
}

/// Matching documents are counted in blocks of this many.
const BLOCK: usize = 64;

pub(crate) struct SegmentFacets {
    columns: Vec<Option<(StrColumn, Values<u64>)>>,
    ord_counts: Vec<Vec<u64>>,
    /// The year column and its smallest value (`year_counts[0]` counts that year).
    years: Option<(Values<i64>, i64)>,
    year_counts: Vec<u64>,
    tags: TagCounter,
    /// Matching documents not counted yet.
    pending: Vec<DocId>,
    ord_scratch: Scratch<u64>,
    year_scratch: Scratch<i64>,
}

/// Counts of one segment, with ordinals already turned into strings.
pub(crate) struct SegmentFruit {
    strings: Vec<HashMap<String, u64>>,
    /// By tag number (see [`TagCache`]).
    tags: Vec<u64>,
    years: HashMap<i64, u64>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = SegmentFacets;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let mut columns = Vec::new();
        for name in STRING_FACETS {
            columns.push(fast.str(name)?.map(|c| {
                let ordinals = Values::of(c.ords());
                (c, ordinals)
            }));
        }
        let ord_counts = columns.iter().map(|c| vec![0; c.as_ref().map_or(0, |(c, _)| c.num_terms())]).collect();
        let year_column = fast.column_opt::<i64>(YEAR)?;
        // Years span a few decades at most; a vector indexed from the first year is enough.
        let span = year_column.as_ref().map_or(0, |c| (c.max_value() - c.min_value() + 1).clamp(0, 10_000) as usize);
        let years = year_column.map(|c| (Values::of(&c), c.min_value()));
        Ok(SegmentFacets {
            columns,
            ord_counts,
            years,
            year_counts: vec![0; span],
            tags: TagCounter::new(self.tags.for_segment(segment)?),
            pending: Vec::with_capacity(BLOCK),
            ord_scratch: Scratch::default(),
            year_scratch: Scratch::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Facets> {
        let mut strings: Vec<HashMap<String, u64>> = vec![HashMap::new(); STRING_FACETS.len()];
        let mut tags: Vec<u64> = Vec::new();
        let mut years: HashMap<i64, u64> = HashMap::new();
        for fruit in fruits {
            for (total, counts) in strings.iter_mut().zip(fruit.strings) {
                add_all(total, counts);
            }
            if fruit.tags.len() > tags.len() {
                tags.resize(fruit.tags.len(), 0);
            }
            tags.iter_mut().zip(&fruit.tags).for_each(|(total, count)| *total += count);
            add_all(&mut years, fruit.years);
        }
        let mut strings = strings.into_iter().map(sorted);
        Ok(Facets {
            category: strings.next().unwrap_or_default(),
            kind: strings.next().unwrap_or_default(),
            province: strings.next().unwrap_or_default(),
            tag: self.tags.top(&tags).into_iter().map(|(value, count)| FacetCount { value, count }).collect(),
            year: sorted(years.into_iter().map(|(y, c)| (y.to_string(), c)).collect()),
        })
    }
}

impl SegmentFacets {
    fn count_pending(&mut self) {
        let docs = &self.pending;
        for (column, counts) in self.columns.iter().zip(self.ord_counts.iter_mut()) {
            if let Some((_, ordinals)) = column {
                ordinals.for_each(docs, &mut self.ord_scratch, |ord| counts[ord as usize] += 1);
            }
        }
        if let Some((years, first)) = &self.years {
            let counts = &mut self.year_counts;
            years.for_each(docs, &mut self.year_scratch, |year| {
                if let Some(count) = counts.get_mut(year.wrapping_sub(*first) as usize) {
                    *count += 1;
                }
            });
        }
        self.tags.add(docs);
        self.pending.clear();
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        self.pending.push(doc);
        if self.pending.len() == BLOCK {
            self.count_pending();
        }
    }

    fn collect_block(&mut self, docs: &[DocId]) {
        for chunk in docs.chunks(BLOCK) {
            self.pending.extend_from_slice(chunk);
            self.count_pending();
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.count_pending();
        let strings = self
            .columns
            .iter()
            .zip(self.ord_counts)
            .map(|(column, counts)| column.as_ref().map(|(c, _)| ordinals_to_strings(c, &counts)).unwrap_or_default())
            .collect();
        let first = self.years.as_ref().map_or(0, |(_, first)| *first);
        let years = self.year_counts.iter().enumerate().filter(|(_, c)| **c > 0);
        let years = years.map(|(i, c)| (first + i as i64, *c)).collect();
        // A read error here would mean a corrupt segment; the counts are dropped, not the search.
        SegmentFruit { strings, tags: self.tags.counts(), years }
    }
}

fn add_all<K: std::hash::Hash + Eq>(total: &mut HashMap<K, u64>, counts: HashMap<K, u64>) {
    for (key, count) in counts {
        *total.entry(key).or_default() += count;
    }
}

/// Largest count first; equal counts in value order, so the output is stable.
fn sorted(counts: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list
}
