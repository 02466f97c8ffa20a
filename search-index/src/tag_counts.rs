//! Counting tags over the matches of one segment.
//!
//! Tags are multi-valued, and tantivy's multi-valued columns cost several reads per document
//! (an index into the values, then the values). Counting them was half of what facets cost a
//! search. Segments never change once written, so each segment's tags are unpacked once into
//! two flat arrays (per document: where its tag ordinals start; then all ordinals), kept in a
//! [`TagCache`] for as long as the segment is searched; a search then counts a document's tags
//! with two array reads and an increment per tag. Ordinals are numbered across segments (one
//! number per tag name, for the life of the index), so counts merge as numbers, and only the
//! tags shown ([`MAX_TAGS`], the most frequent) are turned into names.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::columnar::StrColumn;
use tantivy::index::SegmentId;
use tantivy::{DocId, SegmentReader};

use crate::schema::TAGS;

/// The tags a search reports: the most frequent among its matches.
pub(crate) const MAX_TAGS: usize = 30;

/// Each searched segment's tags, unpacked (see the module comment).
#[derive(Default)]
pub(crate) struct TagCache {
    segments: Mutex<HashMap<SegmentId, Arc<DocTags>>>,
    names: Mutex<TagNames>,
}

/// A number for each tag name seen in any segment.
#[derive(Default)]
struct TagNames {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

/// One segment's tags per document (as [`TagNames`] numbers), in compressed-row form.
pub(crate) struct DocTags {
    /// `ids[starts[doc]..starts[doc + 1]]` are the document's tags.
    starts: Vec<u32>,
    ids: Vec<u32>,
}

impl TagCache {
    /// The segment's tags, unpacked on first use.
    pub(crate) fn for_segment(&self, segment: &SegmentReader) -> tantivy::Result<Arc<DocTags>> {
        let id = segment.segment_id();
        if let Some(found) = self.segments().get(&id) {
            return Ok(found.clone());
        }
        let built = Arc::new(self.read(segment)?);
        self.segments().insert(id, built.clone());
        Ok(built)
    }

    /// Forgets segments that are no longer searched (merged away or deleted).
    pub(crate) fn keep_only(&self, live: &HashSet<SegmentId>) {
        self.segments().retain(|id, _| live.contains(id));
    }

    /// The most frequent tags of `counts` (indexed by tag number), most frequent first (equal
    /// counts by name, so the output is stable).
    pub(crate) fn top(&self, counts: &[u64]) -> Vec<(String, u64)> {
        let mut seen: Vec<(u32, u64)> = counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(id, c)| (id as u32, *c)).collect();
        let names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        let name = |id: u32| names.names.get(id as usize).map_or("", String::as_str);
        let order = |a: &(u32, u64), b: &(u32, u64)| b.1.cmp(&a.1).then_with(|| name(a.0).cmp(name(b.0)));
        if seen.len() > MAX_TAGS {
            seen.select_nth_unstable_by(MAX_TAGS - 1, order);
            seen.truncate(MAX_TAGS);
        }
        seen.sort_unstable_by(order);
        seen.into_iter().map(|(id, count)| (name(id).to_string(), count)).collect()
    }

    fn segments(&self) -> std::sync::MutexGuard<'_, HashMap<SegmentId, Arc<DocTags>>> {
        self.segments.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self, segment: &SegmentReader) -> tantivy::Result<DocTags> {
        let mut starts = Vec::with_capacity(segment.max_doc() as usize + 1);
        let mut ids = Vec::new();
        starts.push(0);
        let Some(column) = segment.fast_fields().str(TAGS)? else {
            starts.resize(segment.max_doc() as usize + 1, 0);
            return Ok(DocTags { starts, ids });
        };
        let numbers = self.numbers(&column)?;
        for doc in 0..segment.max_doc() {
            ids.extend(column.ords().values_for_doc(doc).map(|ord| numbers[ord as usize]));
            starts.push(ids.len() as u32);
        }
        Ok(DocTags { starts, ids })
    }

    /// The number of each of a segment's tag ordinals.
    fn numbers(&self, column: &StrColumn) -> tantivy::Result<Vec<u32>> {
        let mut names = self.names.lock().unwrap_or_else(PoisonError::into_inner);
        let mut numbers = Vec::with_capacity(column.num_terms());
        let mut stream = column.dictionary().stream()?;
        while stream.advance() {
            let name = String::from_utf8_lossy(stream.key()).into_owned();
            let next = names.names.len() as u32;
            let id = *names.ids.entry(name.clone()).or_insert(next);
            if id == next {
                names.names.push(name);
            }
            numbers.push(id);
        }
        Ok(numbers)
    }
}

/// Tag counts of the matches of one segment.
pub(crate) struct TagCounter {
    tags: Arc<DocTags>,
    /// By tag number; grown as numbers are seen.
    counts: Vec<u64>,
}

impl TagCounter {
    pub(crate) fn new(tags: Arc<DocTags>) -> TagCounter {
        TagCounter { tags, counts: Vec::new() }
    }

    pub(crate) fn add(&mut self, docs: &[DocId]) {
        let DocTags { starts, ids } = &*self.tags;
        for &doc in docs {
            let (Some(&start), Some(&end)) = (starts.get(doc as usize), starts.get(doc as usize + 1)) else { continue };
            for &id in &ids[start as usize..end as usize] {
                if id as usize >= self.counts.len() {
                    self.counts.resize(id as usize + 1, 0);
                }
                self.counts[id as usize] += 1;
            }
        }
    }

    /// The counts by tag number (shorter than the numbers when the last ones were not seen).
    pub(crate) fn counts(self) -> Vec<u64> {
        self.counts
    }
}
