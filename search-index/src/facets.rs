//! Exact facet counts over every matching document, read from fast fields.
//!
//! Per segment we count term ordinals in plain vectors (no string work per document), then turn
//! the ordinals that were seen into strings once, when segments are merged.

use std::collections::HashMap;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use crate::dates::year_of;
use crate::schema::{CATEGORY, CREATED_AT, KIND, PROVINCE, TAGS};
use crate::{FacetCount, Facets};

/// The string facets, in the order their counts are kept.
const STRING_FACETS: [&str; 4] = [CATEGORY, KIND, PROVINCE, TAGS];

pub(crate) struct FacetCollector;

pub(crate) struct SegmentFacets {
    columns: Vec<Option<StrColumn>>,
    created_at: Option<Column<i64>>,
    ord_counts: Vec<Vec<u64>>,
    years: HashMap<i32, u64>,
}

/// Counts of one segment, with ordinals already turned into strings.
pub(crate) struct SegmentFruit {
    strings: Vec<HashMap<String, u64>>,
    years: HashMap<i32, u64>,
}

impl Collector for FacetCollector {
    type Fruit = Facets;
    type Child = SegmentFacets;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentFacets> {
        let fast = segment.fast_fields();
        let columns = STRING_FACETS.iter().map(|name| fast.str(name)).collect::<tantivy::Result<Vec<_>>>()?;
        let ord_counts = columns.iter().map(|c| vec![0; c.as_ref().map_or(0, |c| c.num_terms())]).collect();
        let created_at = fast.column_opt::<i64>(CREATED_AT)?;
        Ok(SegmentFacets { columns, created_at, ord_counts, years: HashMap::new() })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Facets> {
        let mut strings: Vec<HashMap<String, u64>> = vec![HashMap::new(); STRING_FACETS.len()];
        let mut years: HashMap<i32, u64> = HashMap::new();
        for fruit in fruits {
            for (total, counts) in strings.iter_mut().zip(fruit.strings) {
                for (value, count) in counts {
                    *total.entry(value).or_default() += count;
                }
            }
            for (year, count) in fruit.years {
                *years.entry(year).or_default() += count;
            }
        }
        let mut strings = strings.into_iter().map(sorted);
        Ok(Facets {
            category: strings.next().unwrap_or_default(),
            kind: strings.next().unwrap_or_default(),
            province: strings.next().unwrap_or_default(),
            tag: strings.next().unwrap_or_default(),
            year: sorted(years.into_iter().map(|(y, c)| (y.to_string(), c)).collect()),
        })
    }
}

impl SegmentCollector for SegmentFacets {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, _score: Score) {
        for (column, counts) in self.columns.iter().zip(self.ord_counts.iter_mut()) {
            if let Some(column) = column {
                for ord in column.term_ords(doc) {
                    counts[ord as usize] += 1;
                }
            }
        }
        let year = self.created_at.as_ref().and_then(|c| c.first(doc)).and_then(year_of);
        if let Some(year) = year {
            *self.years.entry(year).or_default() += 1;
        }
    }

    fn harvest(self) -> SegmentFruit {
        let strings = self
            .columns
            .iter()
            .zip(self.ord_counts)
            .map(|(column, counts)| column.as_ref().map(|c| ordinals_to_strings(c, &counts)).unwrap_or_default())
            .collect();
        SegmentFruit { strings, years: self.years }
    }
}

fn ordinals_to_strings(column: &StrColumn, counts: &[u64]) -> HashMap<String, u64> {
    let mut out = HashMap::new();
    let mut value = String::new();
    for (ord, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
        // A read error here would mean a corrupt segment; the count is dropped rather than the search.
        if column.ord_to_str(ord as u64, &mut value).unwrap_or(false) {
            out.insert(value.clone(), count);
        }
    }
    out
}

/// Largest count first; equal counts in value order, so the output is stable.
fn sorted(counts: HashMap<String, u64>) -> Vec<FacetCount> {
    let mut list: Vec<FacetCount> = counts.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
    list.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    list
}
