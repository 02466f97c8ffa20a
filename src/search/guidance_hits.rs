//! Guidance documents that match a search. The library is small (tens to hundreds of official
//! documents), so it is matched in memory on each search instead of being indexed: a document
//! matches when the query spells its number (in any spelling `legal_refs` knows, or its short
//! form, or as `guidance:`), or when every content word of the query is in its number, title or summary — with
//! or without diacritics, like the rest of search.

use std::collections::HashSet;

use search_index::analysis::{exact_tokens, fold, fold_tokens, is_function_word, legal_refs, normalize, normalize_legal_ref};
use search_index::query::{self, Filter, QueryTerm};
use search_index::short_form;

use crate::app::AppState;
use crate::error::AppResult;
use crate::guidance::domain::slug_of;

/// At most this many documents are shown above the results.
const MAX_SHOWN: usize = 5;

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct GuidanceHit {
    /// Canonical number, e.g. "43/2018/TT-BYT".
    pub number: String,
    /// Vietnamese title.
    pub title: String,
    pub url: String,
}

/// The library's documents matching `text` (none for a query that does not parse, or has no words).
pub async fn matching_guidance(state: &AppState, text: &str) -> AppResult<Vec<GuidanceHit>> {
    let Ok(parsed) = query::parse(text) else { return Ok(Vec::new()) };
    let typed: Vec<&str> = parsed.terms.iter().map(QueryTerm::text).collect();
    let filtered = parsed.filters.iter().filter_map(|f| match f {
        Filter::Guidance(reference) => Some(reference.clone()),
        _ => None,
    });
    let numbers: HashSet<String> = typed.iter().flat_map(|t| legal_refs(t)).chain(filtered).collect();
    let words = content_words(&typed);
    if numbers.is_empty() && words.is_empty() {
        return Ok(Vec::new());
    }
    let library = state.store().list_guidance_for_search().await?;
    Ok(library
        .into_iter()
        .filter(|(number, title, summary)| cites(&numbers, number) || has_all(&words, &format!("{number} {title} {summary}")))
        .take(MAX_SHOWN)
        .map(|(number, title, _)| GuidanceHit { url: format!("/guidance/{}", slug_of(&number)), number, title })
        .collect())
}

/// Folded syllables of the query, without function words ("là gì", "có không") unless they are
/// all there is.
fn content_words(typed: &[&str]) -> Vec<String> {
    let syllables: Vec<String> = typed.iter().flat_map(|t| exact_tokens(&normalize(t))).collect();
    let content: Vec<String> = syllables.iter().filter(|s| !is_function_word(s)).map(|s| fold(s)).collect();
    if content.is_empty() { syllables.iter().map(|s| fold(s)).collect() } else { content }
}

/// The query spells this document's number, in full or as its short form ("43/2018/TT").
fn cites(numbers: &HashSet<String>, number: &str) -> bool {
    let Some(canonical) = normalize_legal_ref(number) else { return false };
    numbers.contains(&canonical) || short_form(&canonical).is_some_and(|short| numbers.contains(&short))
}

fn has_all(words: &[String], text: &str) -> bool {
    let present: HashSet<String> = fold_tokens(&normalize(text)).into_iter().collect();
    !words.is_empty() && words.iter().all(|w| present.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_match_in_any_spelling_and_short_form() {
        let numbers: HashSet<String> = legal_refs("thông tư 43/2018/tt-byt").into_iter().collect();
        assert!(cites(&numbers, "43/2018/TT-BYT"));
        let short: HashSet<String> = legal_refs("Thông tư 43/2018").into_iter().collect();
        assert!(cites(&short, "43/2018/TT-BYT"), "{short:?}");
        assert!(!cites(&short, "46/2018/TT-BYT"));
    }

    #[test]
    fn words_match_with_or_without_diacritics_and_question_words_do_not_count() {
        let title = "43/2018/TT-BYT Hướng dẫn phòng ngừa sự cố y khoa trong các cơ sở khám bệnh, chữa bệnh";
        assert!(has_all(&content_words(&["phòng", "ngừa", "sự", "cố"]), title));
        assert!(has_all(&content_words(&["phong", "ngua", "su", "co"]), title));
        assert!(has_all(&content_words(&["sự", "cố", "là", "gì"]), title), "là, gì are question words");
        assert!(!has_all(&content_words(&["té", "ngã"]), title));
    }
}
