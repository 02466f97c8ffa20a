//! Vietnamese full-text search over tantivy, knowing nothing of the forum that uses it.
//!
//! * [`analysis`]: NFC, zero-width characters, legacy Ƣ/ƣ, tone-mark placement (hoà/hòa),
//!   syllable tokens, lowercase; an `exact` form (diacritics kept) and a `fold` form (ASCII, đ→d),
//!   adjacent-syllable bigrams of each, and normalised legal-document numbers (43/2018/TT-BYT).
//! * [`abbreviations`]: healthcare abbreviations expanded both ways (ATNB ↔ an toàn người bệnh);
//!   [`synonyms`]: words the field writes two ways (mổ ↔ phẫu thuật), also both ways.
//! * [`query`]: the query language (words, "phrases", -exclusion, field filters, dates, in:title).
//! * [`SearchIndex`]: the index itself: documents in, ranked hits with snippets and facets out;
//!   commits carry the last applied change-log sequence number so a follower can resume.
//!
//! Inside: `schema` (fields), `tokenizer` (the four analyzers), `document` (a [`Doc`] as
//! indexed), `plan` (what a query matches and how it ranks: `plan::words` turns words into
//! units, `plan::matches` looks them up with their bonuses, `plan::combine` decides how many
//! a document needs; its tantivy pieces in `clauses`, `any_of`,
//! `filters`, `bonus_query`, `min_match_query`; `function_words`, the question words left out),
//! `top_scored` (the page, sharing the score to beat so hopeless bonus look-ups are skipped),
//! `facets`/`tag_counts`/`columns` (exact facet counts from fast fields), `snippet`
//! (highlighted passages), `dates` (Vietnam-time days).

pub mod abbreviations;
pub mod analysis;
mod any_of;
mod bonus_query;
mod clauses;
mod columns;
mod dates;
mod document;
mod facets;
mod filters;
mod function_words;
mod index;
mod legal_refs;
mod min_match_query;
mod plan;
pub mod query;
mod schema;
mod snippet;
pub mod synonyms;
mod tag_counts;
#[cfg(test)]
mod test_lists;
mod tokenizer;
mod tone;
mod top_scored;

pub use index::{IndexWriter, OpenOutcome, SearchIndex};
/// Document-number spans and short forms, for applications that link numbers to their documents.
pub use legal_refs::{LegalRefSpan, legal_ref_spans, short_form};

/// One searchable unit: a topic with the text of its published posts.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub topic_id: i64,
    /// The topic's opening post (hits link to it).
    pub post_id: i64,
    pub title: String,
    /// Markdown of the opening post (for a good practice, its summary first) and of the replies.
    pub body: String,
    /// Category slug.
    pub category: String,
    /// discussion, question, good_practice or case_study.
    pub kind: String,
    /// Tag slugs.
    pub tags: Vec<String>,
    /// Code of the author's province (one of the 34), if known.
    pub province: Option<String>,
    /// The author's display name.
    pub author: String,
    /// Unix seconds.
    pub created_at: i64,
    /// Document numbers the application linked the topic to (e.g. "43/2018/TT-BYT", chosen by
    /// the author or resolved from a short citation like "Thông tư 43/2018"), on top of those
    /// spelled out in its text: `guidance:` finds them either way.
    pub guidance: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

/// A search as the user asked it: the query text plus filters chosen outside the text
/// (which combine with any `category:`/`tag:`/… operators written inside it).
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    pub query: String,
    pub category: Option<String>,
    pub tag: Option<String>,
    pub kind: Option<String>,
    pub province: Option<String>,
    pub sort: Sort,
    pub offset: usize,
    /// At most [`MAX_LIMIT`].
    pub limit: usize,
}

pub const MAX_LIMIT: usize = 100;

/// The page size when a request asks for `limit: 0`.
pub const DEFAULT_LIMIT: usize = 20;

/// Deepest `offset` served; beyond it a search still counts (total, facets) but returns no hits,
/// so a crafted offset cannot make the server rank millions of documents.
pub const MAX_OFFSET: usize = 10_000;

/// `before:`/`after:` dates and the year facet use Vietnam time (UTC+7, no daylight saving).
pub const TIME_ZONE_OFFSET_SECONDS: i64 = 7 * 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub topic_id: i64,
    pub post_id: i64,
    pub title: String,
    /// A short passage of the body with matched words in `<mark>`; everything else HTML-escaped.
    pub snippet_html: String,
    pub category: String,
    pub kind: String,
    pub created_at: i64,
    pub score: f32,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts over all matching documents (not only the returned page), largest first.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Facets {
    pub category: Vec<FacetCount>,
    pub kind: Vec<FacetCount>,
    pub province: Vec<FacetCount>,
    pub tag: Vec<FacetCount>,
    pub year: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SearchResults {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// No topic had every word, so these are the topics with most of them.
    pub relaxed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query cannot be understood; the message says why, for a person.
    #[error(transparent)]
    Query(#[from] query::QueryError),
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index error: {0}")]
    Other(String),
}
