//! The tantivy schema and the handles to its fields.
//!
//! Title and body are each indexed four ways (exact, fold, and the bigrams of each) and stored
//! once as cleaned text for hits and snippets. Filters and facets read fast fields.

use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};

use crate::analysis::{EXACT_ANALYZER, EXACT_BIGRAM_ANALYZER, FOLD_ANALYZER, FOLD_BIGRAM_ANALYZER};

/// Bump whenever the schema or the analysis changes what is indexed: an index of another version
/// is rebuilt on open (and refilled from the database by the caller).
pub(crate) const SCHEMA_VERSION: u32 = 3; // 2: tags searched as words; 3: i for y (sỹ → sĩ)

/// Field names read by name (fast-field columns).
pub(crate) const CATEGORY: &str = "category";
pub(crate) const KIND: &str = "kind";
pub(crate) const PROVINCE: &str = "province";
pub(crate) const TAGS: &str = "tags";
pub(crate) const CREATED_AT: &str = "created_at";
pub(crate) const YEAR: &str = "year";

/// The four analysed forms of one text (title or body).
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextFields {
    pub exact: Field,
    pub fold: Field,
    pub exact_bigram: Field,
    pub fold_bigram: Field,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub topic_id: Field,
    pub post_id: Field,
    /// Stored cleaned text, shown in hits.
    pub title: Field,
    pub body: Field,
    /// The title alone (`in:title`, and the title bonus).
    pub title_text: TextFields,
    /// The title and the body: where a word is looked for.
    pub body_text: TextFields,
    pub refs: Field,
    pub category: Field,
    pub kind: Field,
    pub tags: Field,
    pub province: Field,
    pub author: Field,
    pub created_at: Field,
    /// The Vietnam-time year of `created_at`, computed once at indexing for the year facet.
    pub year: Field,
}

pub(crate) fn build_schema() -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let fields = Fields {
        topic_id: builder.add_i64_field("topic_id", INDEXED | FAST | STORED),
        post_id: builder.add_i64_field("post_id", STORED),
        title: builder.add_text_field("title", STORED),
        body: builder.add_text_field("body", STORED),
        title_text: add_text_fields(&mut builder, "title"),
        body_text: add_text_fields(&mut builder, "body"),
        refs: builder.add_text_field("refs", STRING),
        category: builder.add_text_field(CATEGORY, STRING | FAST | STORED),
        kind: builder.add_text_field(KIND, STRING | FAST | STORED),
        tags: builder.add_text_field(TAGS, STRING | FAST),
        province: builder.add_text_field(PROVINCE, STRING | FAST),
        author: builder.add_text_field("author", analysed(FOLD_ANALYZER, IndexRecordOption::WithFreqsAndPositions)),
        created_at: builder.add_i64_field(CREATED_AT, INDEXED | FAST | STORED),
        year: builder.add_i64_field(YEAR, FAST),
    };
    (builder.build(), fields)
}

fn add_text_fields(builder: &mut tantivy::schema::SchemaBuilder, name: &str) -> TextFields {
    // Phrases are matched on the folded field (positions); the exact spelling of a phrase is
    // rewarded through exact bigrams, so the exact field needs no positions.
    let freqs = IndexRecordOption::WithFreqs;
    TextFields {
        exact: builder.add_text_field(&format!("{name}_exact"), analysed(EXACT_ANALYZER, freqs)),
        fold: builder.add_text_field(&format!("{name}_fold"), analysed(FOLD_ANALYZER, IndexRecordOption::WithFreqsAndPositions)),
        exact_bigram: builder.add_text_field(&format!("{name}_exact_bigram"), analysed(EXACT_BIGRAM_ANALYZER, freqs)),
        fold_bigram: builder.add_text_field(&format!("{name}_fold_bigram"), analysed(FOLD_BIGRAM_ANALYZER, freqs)),
    }
}

fn analysed(analyzer: &str, record: IndexRecordOption) -> TextOptions {
    TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_tokenizer(analyzer).set_index_option(record))
}
