//! Helpers shared by the integration tests: small documents and one-line searches.
#![allow(dead_code)] // each test file uses a different part

use search_index::{Doc, SearchIndex, SearchRequest, SearchResults};

/// 2024-03-01 12:00 Vietnam time.
pub const MARCH_2024: i64 = 1_709_269_200;
pub const DAY: i64 = 86_400;

/// A discussion in category "chung" by "Người dùng", created `topic_id` seconds after March 2024.
pub fn doc(topic_id: i64, title: &str, body: &str) -> Doc {
    Doc {
        topic_id,
        post_id: topic_id * 10,
        title: title.to_string(),
        body: body.to_string(),
        category: "chung".to_string(),
        kind: "discussion".to_string(),
        tags: Vec::new(),
        province: None,
        author: "Người dùng".to_string(),
        created_at: MARCH_2024 + topic_id,
        guidance: Vec::new(),
    }
}

pub fn index_with(docs: &[Doc]) -> SearchIndex {
    let index = SearchIndex::in_memory().expect("in-memory index");
    let mut writer = index.writer().expect("writer");
    for d in docs {
        writer.upsert(d).expect("upsert");
    }
    writer.commit(Some(1)).expect("commit");
    index
}

pub fn search(index: &SearchIndex, query: &str) -> SearchResults {
    search_with(index, SearchRequest { query: query.to_string(), ..SearchRequest::default() })
}

pub fn search_with(index: &SearchIndex, request: SearchRequest) -> SearchResults {
    index.search(&request).unwrap_or_else(|e| panic!("search {:?} failed: {e}", request.query))
}

/// Topic ids of the hits, best first.
pub fn ids(results: &SearchResults) -> Vec<i64> {
    results.hits.iter().map(|h| h.topic_id).collect()
}

/// Topic ids for a query, best first.
pub fn found(index: &SearchIndex, query: &str) -> Vec<i64> {
    ids(&search(index, query))
}
