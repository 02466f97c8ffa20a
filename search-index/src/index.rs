//! The tantivy index: schema, opening (and rebuilding when missing, corrupt or outdated),
//! writing in batches with the change-log position in the commit payload, and searching.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Count, TopDocs};
use tantivy::indexer::LogMergePolicy;
use tantivy::schema::Value;
use tantivy::{DocAddress, Index, IndexReader, Order, ReloadPolicy, Searcher, SegmentReader, TantivyDocument, Term};

use crate::document::to_document;
use crate::facets::FacetCollector;
use crate::plan::{Form, Plan, plan};
use crate::query::{self, Filter};
use crate::schema::{CREATED_AT, Fields, SCHEMA_VERSION, build_schema};
use crate::snippet::snippet_html;
use crate::tag_counts::TagCache;
use crate::top_scored::TopScored;
use crate::{DEFAULT_LIMIT, Doc, Facets, Hit, MAX_LIMIT, MAX_OFFSET, SearchError, SearchRequest, SearchResults, Sort};

/// Memory for buffering documents before they are written as a segment.
const WRITER_HEAP_BYTES: usize = 50_000_000;
/// The machines have two cores; more indexing threads would only compete with searches.
const MAX_WRITER_THREADS: usize = 2;
/// Segments of a similar size merged together (see [`merge_policy`]).
const MERGE_AT_SEGMENTS: usize = 4;

/// What `open_or_create` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenOutcome {
    /// An existing index of the current schema version.
    Opened,
    /// There was no index; an empty one was created.
    Created,
    /// The index was unreadable or of another schema version; it was replaced by an empty one.
    /// The reason is for a log line.
    Rebuilt { reason: String },
}

/// A handle to one index. Cheap to clone; searches may run while a writer writes.
#[derive(Clone)]
pub struct SearchIndex {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    index: Index,
    pub(crate) reader: IndexReader,
    pub(crate) fields: Fields,
    tag_cache: Arc<TagCache>,
}

/// Applies changes in a batch; nothing is visible to searches until [`IndexWriter::commit`].
pub struct IndexWriter {
    writer: tantivy::IndexWriter,
    reader: IndexReader,
    fields: Fields,
    /// Kept so that a commit without a new `seq` does not lose the last one.
    last_seq: Option<i64>,
}

/// One page of (score, address), the number of matches, and their facets.
type Collected = (Vec<(f32, DocAddress)>, usize, Facets);

/// What each commit records next to the data, atomically with it.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    seq: Option<i64>,
    schema: u32,
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it (and the folder) when missing and replacing it with
    /// an empty one when it is corrupt or of an older schema version. Never panics on bad files.
    pub fn open_or_create(dir: &Path) -> Result<(SearchIndex, OpenOutcome), SearchError> {
        fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
        if !dir.join("meta.json").exists() {
            return Ok((create_in_dir(dir)?, OpenOutcome::Created));
        }
        match open_existing(dir) {
            Ok(index) => Ok((index, OpenOutcome::Opened)),
            Err(reason) => {
                wipe(dir)?;
                Ok((create_in_dir(dir)?, OpenOutcome::Rebuilt { reason }))
            }
        }
    }

    /// An index in memory (tests, evaluation).
    pub fn in_memory() -> Result<SearchIndex, SearchError> {
        let (schema, fields) = build_schema();
        initialise(Index::create_in_ram(schema), fields)
    }

    /// The change-log sequence number stored with the last commit, if any.
    pub fn last_applied_seq(&self) -> Result<Option<i64>, SearchError> {
        let payload = read_payload(&self.inner.index)?.map_err(SearchError::Other)?;
        Ok(payload.and_then(|p| p.seq))
    }

    /// The single writer of this index (one per process).
    pub fn writer(&self) -> Result<IndexWriter, SearchError> {
        self.writer_with_threads(std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_WRITER_THREADS))
    }

    /// A writer with one indexing thread: documents keep the order they were added in, so
    /// documents with exactly the same score rank the same in every run (for evaluations; with
    /// two threads they land in either segment and ties break differently from run to run).
    #[doc(hidden)]
    pub fn writer_in_order(&self) -> Result<IndexWriter, SearchError> {
        self.writer_with_threads(1)
    }

    fn writer_with_threads(&self, threads: usize) -> Result<IndexWriter, SearchError> {
        let writer: tantivy::IndexWriter = self.inner.index.writer_with_num_threads(threads, WRITER_HEAP_BYTES)?;
        // A new tantivy writer gives its first operation the opstamp of the last commit, and a
        // merge of committed segments that starts during the next commit counts an operation
        // with that opstamp as already applied: a delete made first after a restart could be
        // left out of the merged segment, and the topic would be found again for good. Spend
        // that opstamp on a delete that matches nothing.
        writer.delete_term(Term::from_field_i64(self.inner.fields.topic_id, i64::MIN));
        writer.set_merge_policy(Box::new(merge_policy()));
        Ok(IndexWriter { writer, reader: self.inner.reader.clone(), fields: self.inner.fields, last_seq: self.last_applied_seq()? })
    }

    pub fn search(&self, request: &SearchRequest) -> Result<SearchResults, SearchError> {
        let parsed = query::parse(&request.query)?;
        let searcher = self.inner.reader.searcher();
        let frequency = |form: Form, syllable: &str| self.frequency(&searcher, form, syllable);
        let filters = request_filters(request)?;
        let Some(mut plan) = plan(&parsed, &filters, &self.inner.fields, &frequency, false) else {
            return Ok(SearchResults::default());
        };
        let mut collected = self.collect(&searcher, &plan, request)?;
        let relaxed = collected.1 == 0 && plan.can_relax;
        if relaxed {
            // Nothing has every word: show what has most of them, and say so.
            if let Some(relaxed_plan) = crate::plan::plan(&parsed, &filters, &self.inner.fields, &frequency, true) {
                plan = relaxed_plan;
                collected = self.collect(&searcher, &plan, request)?;
            }
        }
        let (page, total, facets) = collected;
        let hits = page.into_iter().map(|(score, address)| self.hit(&searcher, address, score, &plan)).collect::<Result<_, _>>()?;
        Ok(SearchResults { total, hits, facets, relaxed: relaxed && total > 0 })
    }

    /// Why a topic scores what it does for a query (tantivy's explanation as JSON), `None` when
    /// it does not match: for tuning the ranking (`evaluate --query … --explain ID`).
    #[doc(hidden)]
    pub fn explain(&self, query_text: &str, topic_id: i64) -> Result<Option<String>, SearchError> {
        let parsed = query::parse(query_text)?;
        let searcher = self.inner.reader.searcher();
        let frequency = |form: Form, syllable: &str| self.frequency(&searcher, form, syllable);
        let Some(plan) = plan(&parsed, &[], &self.inner.fields, &frequency, false) else { return Ok(None) };
        let topic = tantivy::query::TermQuery::new(
            Term::from_field_i64(self.inner.fields.topic_id, topic_id),
            tantivy::schema::IndexRecordOption::Basic,
        );
        let Some((_, address)) = searcher.search(&topic, &TopDocs::with_limit(1).order_by_score())?.pop() else { return Ok(None) };
        Ok(plan.query.explain(&searcher, address).ok().map(|e| e.to_pretty_json()))
    }

    /// Number of documents searchable now.
    pub fn num_docs(&self) -> u64 {
        self.inner.reader.searcher().num_docs()
    }

    /// The share of documents that have this syllable, folded or as spelled (the body fields
    /// hold the title too).
    fn frequency(&self, searcher: &Searcher, form: Form, syllable: &str) -> f64 {
        let num_docs = searcher.num_docs();
        let field = match form {
            Form::Folded => self.inner.fields.body_text.fold,
            Form::Exact => self.inner.fields.body_text.exact,
        };
        let term = Term::from_field_text(field, syllable);
        let doc_freq = searcher.doc_freq(&term).unwrap_or(0);
        if num_docs == 0 { 0.0 } else { doc_freq as f64 / num_docs as f64 }
    }

    /// One pass over the matches: the requested page, the total and the facets.
    fn collect(&self, searcher: &Searcher, plan: &Plan, request: &SearchRequest) -> Result<Collected, SearchError> {
        let limit = if request.limit == 0 { DEFAULT_LIMIT } else { request.limit.min(MAX_LIMIT) };
        let beyond_reach = request.offset > MAX_OFFSET;
        let offset = request.offset.min(MAX_OFFSET);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        let live = searcher.segment_readers().iter().map(SegmentReader::segment_id).collect();
        self.inner.tag_cache.keep_only(&live);
        let facets = FacetCollector { tags: self.inner.tag_cache.clone() };
        // Without words there is nothing to rank by: filter-only searches list newest first.
        let (mut page, total, facets) = if plan.has_text && request.sort == Sort::Relevance {
            let best = TopScored { keep: offset + limit, threshold: plan.threshold.clone() };
            let (best, total, facets) = searcher.search(&plan.query, &(best, Count, facets))?;
            (best.into_iter().skip(offset).collect::<Vec<_>>(), total, facets)
        } else {
            let newest = top.order_by_fast_field::<i64>(CREATED_AT, Order::Desc);
            let (page, total, facets) = searcher.search(&plan.query, &(newest, Count, facets))?;
            (page.into_iter().map(|(_, address)| (0.0, address)).collect(), total, facets)
        };
        if beyond_reach {
            page.clear();
        }
        Ok((page, total, facets))
    }

    fn hit(&self, searcher: &Searcher, address: DocAddress, score: f32, plan: &Plan) -> Result<Hit, SearchError> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let fields = &self.inner.fields;
        let text = |field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_string();
        let number = |field| doc.get_first(field).and_then(|v| v.as_i64()).unwrap_or_default();
        Ok(Hit {
            topic_id: number(fields.topic_id),
            post_id: number(fields.post_id),
            title: text(fields.title),
            snippet_html: snippet_html(&text(fields.body), &plan.highlight),
            category: text(fields.category),
            kind: text(fields.kind),
            created_at: number(fields.created_at),
            score,
        })
    }
}

impl IndexWriter {
    /// Adds the document, replacing any earlier one of the same topic.
    pub fn upsert(&mut self, doc: &Doc) -> Result<(), SearchError> {
        self.delete(doc.topic_id)?;
        self.writer.add_document(to_document(doc, &self.fields))?;
        Ok(())
    }

    /// Removes a topic (no error if it is not indexed).
    pub fn delete(&mut self, topic_id: i64) -> Result<(), SearchError> {
        self.writer.delete_term(Term::from_field_i64(self.fields.topic_id, topic_id));
        Ok(())
    }

    /// Makes the batch searchable and records `seq` (when given) atomically with it.
    pub fn commit(&mut self, seq: Option<i64>) -> Result<(), SearchError> {
        let seq = seq.or(self.last_seq);
        let payload = serde_json::to_string(&Payload { seq, schema: SCHEMA_VERSION }).map_err(|e| SearchError::Other(e.to_string()))?;
        let mut prepared = self.writer.prepare_commit()?;
        prepared.set_payload(&payload);
        prepared.commit()?;
        self.last_seq = seq;
        // Searches see the commit as soon as this returns (the reader does not poll).
        self.reader.reload()?;
        Ok(())
    }

    /// Closes the writer after letting background segment merges finish, so that searches
    /// right after a bulk load (a rebuild, a benchmark) run on few segments. Uncommitted
    /// changes are dropped.
    pub fn wait_for_merges(self) -> Result<(), SearchError> {
        self.writer.wait_merging_threads()?;
        self.reader.reload()?;
        Ok(())
    }
}

/// tantivy's log merge policy, merging as soon as four segments of a size pile up instead of
/// eight: every segment repeats the term lookups and scorer set-up of a search, and on the
/// benchmark's 100k posts 14 segments made searches half as fast as one (merging costs
/// background work at write time, which a forum has little of).
fn merge_policy() -> LogMergePolicy {
    let mut policy = LogMergePolicy::default();
    policy.set_min_num_segments(MERGE_AT_SEGMENTS);
    policy
}

/// Filters chosen outside the query text, in the query language's terms.
fn request_filters(request: &SearchRequest) -> Result<Vec<Filter>, SearchError> {
    let given = |value: &Option<String>| value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string);
    let mut filters = Vec::new();
    filters.extend(given(&request.category).map(|c| Filter::Category(c.to_lowercase())));
    filters.extend(given(&request.tag).map(|t| Filter::Tag(query::tag_slug(&t))));
    filters.extend(given(&request.province).map(Filter::Province));
    if let Some(kind) = given(&request.kind) {
        filters.push(Filter::Kind(query::parse_kind(&kind)?.to_string()));
    }
    Ok(filters)
}

fn create_in_dir(dir: &Path) -> Result<SearchIndex, SearchError> {
    let (schema, fields) = build_schema();
    initialise(Index::create_in_dir(dir, schema)?, fields)
}

/// A new index gets a first, empty commit, so that its schema version is recorded from the start.
fn initialise(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
    let search_index = SearchIndex::from_index(index, fields)?;
    search_index.writer()?.commit(None)?;
    Ok(search_index)
}

impl SearchIndex {
    fn from_index(index: Index, fields: Fields) -> Result<SearchIndex, SearchError> {
        crate::tokenizer::register(index.tokenizers());

        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(SearchIndex { inner: Arc::new(Inner { index, reader, fields, tag_cache: Arc::default() }) })
    }
}

/// Opens an index that exists on disk, or says why it cannot be used. Tantivy reading a
/// damaged file could panic; that counts as damaged too.
fn open_existing(dir: &Path) -> Result<SearchIndex, String> {
    catch_unwind(AssertUnwindSafe(|| try_open(dir))).unwrap_or_else(|_| Err("reading the index panicked".to_string()))
}

fn try_open(dir: &Path) -> Result<SearchIndex, String> {
    let index = Index::open_in_dir(dir).map_err(|e| format!("cannot open the index: {e}"))?;
    match read_payload(&index).map_err(|e| e.to_string())?? {
        Some(payload) if payload.schema == SCHEMA_VERSION => {}
        Some(payload) => return Err(format!("schema version {} (this build uses {SCHEMA_VERSION})", payload.schema)),
        None => return Err("no schema version recorded".to_string()),
    }
    let (schema, fields) = build_schema();
    if index.schema() != schema {
        return Err(format!("the fields differ from schema version {SCHEMA_VERSION}"));
    }
    // A file damaged inside opens without complaint and fails every search that reads it, so
    // each segment file's checksum is verified now (one read of the index, at start-up only).
    let damaged = index.validate_checksum().map_err(|e| format!("cannot verify the index files: {e}"))?;
    if !damaged.is_empty() {
        let mut names: Vec<String> = damaged.iter().map(|p| p.display().to_string()).collect();
        names.sort();
        return Err(format!("damaged files (checksum mismatch): {}", names.join(", ")));
    }
    SearchIndex::from_index(index, fields).map_err(|e| format!("cannot read the index: {e}"))
}

/// The last commit's payload: tantivy errors outside, an unreadable payload inside.
fn read_payload(index: &Index) -> Result<Result<Option<Payload>, String>, SearchError> {
    let Some(text) = index.load_metas()?.payload else {
        return Ok(Ok(None));
    };
    Ok(serde_json::from_str(&text).map(Some).map_err(|e| format!("unreadable commit payload {text:?}: {e}")))
}

/// Empties an index folder before a rebuild. A folder with sub-folders is not an index (tantivy
/// keeps its files flat): rather than delete someone's data because of a wrong path, give up.
fn wipe(dir: &Path) -> Result<(), SearchError> {
    let entries = fs::read_dir(dir).and_then(|list| list.collect::<Result<Vec<_>, _>>()).map_err(|e| io_error(dir, e))?;
    if entries.iter().any(|e| e.file_type().is_ok_and(|t| t.is_dir())) {
        return Err(SearchError::Other(format!(
            "{} holds folders, so it does not look like a search index; not deleting it",
            dir.display()
        )));
    }
    for entry in entries {
        fs::remove_file(entry.path()).map_err(|e| io_error(&entry.path(), e))?;
    }
    Ok(())
}

fn io_error(path: &Path, error: std::io::Error) -> SearchError {
    SearchError::Other(format!("{}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use tantivy::SegmentMeta;
    use tantivy::indexer::{MergeCandidate, MergePolicy, NoMergePolicy};
    use tantivy::query::TermQuery;
    use tantivy::schema::IndexRecordOption;

    use super::*;

    /// Merges all segments once there are eight: what the default policy does with small ones.
    #[derive(Debug)]
    struct MergeAtEight;

    impl MergePolicy for MergeAtEight {
        fn compute_merge_candidates(&self, segments: &[SegmentMeta]) -> Vec<MergeCandidate> {
            if segments.len() < 8 {
                return Vec::new();
            }
            vec![MergeCandidate(segments.iter().map(SegmentMeta::id).collect())]
        }
    }

    fn doc(topic_id: i64) -> Doc {
        Doc {
            topic_id,
            post_id: topic_id,
            title: format!("Chủ đề {topic_id}"),
            body: "Nội dung.".into(),
            category: "c".into(),
            kind: "discussion".into(),
            tags: Vec::new(),
            province: None,
            author: "A".into(),
            created_at: 0,
            guidance: Vec::new(),
        }
    }

    fn indexed(index: &SearchIndex, topic_id: i64) -> usize {
        let query = TermQuery::new(Term::from_field_i64(index.inner.fields.topic_id, topic_id), IndexRecordOption::Basic);
        index.inner.reader.searcher().search(&query, &Count).unwrap()
    }

    /// The first change after a restart, a merge of the segments written before it, and the
    /// commit of that change at the same time: the change is kept. (Without the spent opstamp
    /// in `writer`, most rounds lose the delete.)
    #[test]
    fn a_delete_right_after_reopening_survives_a_merge_of_older_segments() {
        for _ in 0..10 {
            let tmp = tempfile::tempdir().unwrap();
            {
                // One indexing thread, so that each commit writes one segment.
                let (index, _) = SearchIndex::open_or_create(tmp.path()).unwrap();
                let inner = index.inner.index.writer_with_num_threads(1, WRITER_HEAP_BYTES).unwrap();
                inner.set_merge_policy(Box::new(NoMergePolicy));
                let (reader, fields) = (index.inner.reader.clone(), index.inner.fields);
                let mut writer = IndexWriter { writer: inner, reader, fields, last_seq: None };
                for k in 0..9 {
                    for id in [k, 100 + k, 200 + k] {
                        writer.upsert(&doc(id)).unwrap();
                    }
                    writer.commit(Some(k)).unwrap();
                }
                // Some segments get their deletes updated by the last commit before the restart.
                for k in [2, 5, 7] {
                    writer.delete(100 + k).unwrap();
                }
                writer.commit(Some(9)).unwrap();
            }
            let (index, _) = SearchIndex::open_or_create(tmp.path()).unwrap();
            let mut writer = index.writer().unwrap();
            writer.writer.set_merge_policy(Box::new(MergeAtEight));
            writer.delete(5).unwrap();
            writer.upsert(&doc(1000)).unwrap();
            writer.commit(Some(10)).unwrap();
            let IndexWriter { writer, reader, .. } = writer;
            writer.wait_merging_threads().unwrap();
            reader.reload().unwrap();
            assert_eq!(indexed(&index, 5), 0, "the deleted topic is back");
            assert_eq!(indexed(&index, 1000), 1);
        }
    }
}
