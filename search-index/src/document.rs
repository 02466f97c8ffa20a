//! A [`Doc`] as tantivy stores it.

use tantivy::TantivyDocument;

use crate::Doc;
use crate::analysis::{clean, legal_refs, normalize};
use crate::dates::year_of;
use crate::legal_refs::short_form;
use crate::schema::{Fields, TextFields};
use crate::tone::canonicalize_tones;

pub(crate) fn to_document(doc: &Doc, fields: &Fields) -> TantivyDocument {
    // Stored text is only cleaned (tone marks where the author put them); indexed text is
    // fully normalised. `normalize` = tones(clean(..)), so the cleaning is done once.
    let title = clean(&doc.title);
    let body = clean(&doc.body);
    let mut document = TantivyDocument::default();
    document.add_i64(fields.topic_id, doc.topic_id);
    document.add_i64(fields.post_id, doc.post_id);
    let title_normalized = canonicalize_tones(&title);
    add_analysed(&mut document, fields.title_text, &title_normalized);
    // The body fields hold the title too, so that "this word anywhere in the topic" is one term
    // lookup; the title fields add the title bonus. The line break keeps bigrams apart.
    // Tags too ("thuoc-nguy-co-cao" as words): a topic is about what it is tagged with, even
    // when its text says it in other words.
    let tags: Vec<String> = doc.tags.iter().map(|t| t.replace('-', " ")).collect();
    let searched = format!("{title_normalized}\n{}\n{}", canonicalize_tones(&body), tags.join("\n"));
    add_analysed(&mut document, fields.body_text, &searched);
    for reference in references(&title, &body, &doc.guidance) {
        document.add_text(fields.refs, reference);
    }
    add_keywords(&mut document, fields, doc);
    document.add_text(fields.author, normalize(&doc.author));
    document.add_i64(fields.created_at, doc.created_at);
    // Only a timestamp beyond any calendar (±262,000 years) has no year; it stays out of the facet.
    if let Some(year) = year_of(doc.created_at) {
        document.add_i64(fields.year, i64::from(year));
    }
    document.add_text(fields.title, title);
    document.add_text(fields.body, body);
    document
}

fn add_analysed(document: &mut TantivyDocument, text: TextFields, normalized: &str) {
    for field in [text.exact, text.fold, text.exact_bigram, text.fold_bigram] {
        document.add_text(field, normalized);
    }
}

/// Category, kind, tags and province as whole values. Every document gets exactly one
/// category, kind and province, empty when unknown: a column with a value for every document
/// is the cheapest for the facet counter to read (facets leave the empty value out).
fn add_keywords(document: &mut TantivyDocument, fields: &Fields, doc: &Doc) {
    document.add_text(fields.category, doc.category.trim());
    document.add_text(fields.kind, doc.kind.trim());
    document.add_text(fields.province, doc.province.as_deref().unwrap_or_default().trim());
    for tag in doc.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()) {
        document.add_text(fields.tags, tag);
    }
}

/// Legal references cited or linked, each full number also under its short form
/// (`43/2018/TT-BYT` and `43/2018/TT`), so `guidance:43/2018/TT` finds every topic citing
/// circular 43/2018.
fn references(title: &str, body: &str, linked: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let linked = linked.iter().filter_map(|number| crate::legal_refs::normalize_legal_ref(number));
    for reference in legal_refs(title).into_iter().chain(legal_refs(body)).chain(linked) {
        for form in short_form(&reference).into_iter().chain([reference]) {
            if !all.contains(&form) {
                all.push(form);
            }
        }
    }
    all
}
