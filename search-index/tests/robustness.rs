//! Whatever people (or bots) type, parsing and searching neither panic nor fail with anything
//! but a query error a person can read.

mod common;

use std::sync::OnceLock;

use proptest::prelude::*;
use search_index::query::parse;
use search_index::{SearchError, SearchIndex, SearchRequest, Sort};

fn small_index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut cited = common::doc(3, "Báo cáo SCYK", "Theo Thông tư 43/2018/TT-BYT, ĐD báo cáo sự cố y khoa.");
        cited.tags = vec!["scyk".into()];
        common::index_with(&[
            common::doc(1, "An toàn người bệnh", "Đường huyết, dương tính, y tế, hoà nhập. 患者 🙂"),
            common::doc(2, "ATNB trong phòng mổ", "| bảng | *nhấn* [liên kết](https://x.vn) <script>"),
            cited,
        ])
    })
}

/// Query-like strings: Vietnamese words, operators, quotes, dashes, symbols, other scripts.
fn query_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("đường".to_string()),
        Just("duong".to_string()),
        Just("ATNB".to_string()),
        Just("an toàn người bệnh".to_string()),
        Just("\"".to_string()),
        Just("“".to_string()),
        Just("-".to_string()),
        Just(":".to_string()),
        Just("category:".to_string()),
        Just("tag:scyk".to_string()),
        Just("kind:".to_string()),
        Just("author:\"".to_string()),
        Just("guidance:43/2018/tt-byt".to_string()),
        Just("before:2024-01-01".to_string()),
        Just("after:".to_string()),
        Just("in:title".to_string()),
        Just("患者 🙂\u{200B}\u{301}".to_string()),
        "[a-zđ]{1,6}".prop_map(|s| s),
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..8).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_query_like_text(text in query_text()) {
        let _ = parse(&text);
    }

    #[test]
    fn search_never_panics_or_fails_but_for_query_errors(
        text in query_text(),
        newest in any::<bool>(),
        offset in 0usize..50,
        limit in 0usize..200,
    ) {
        let sort = if newest { Sort::Newest } else { Sort::Relevance };
        let request = SearchRequest { query: text.clone(), sort, offset, limit, ..SearchRequest::default() };
        match small_index().search(&request) {
            Ok(results) => {
                prop_assert!(results.hits.len() <= search_index::MAX_LIMIT);
                prop_assert!(results.hits.len() <= results.total);
                for hit in &results.hits {
                    prop_assert!(!hit.snippet_html.contains("<script"), "{}", hit.snippet_html);
                }
            }
            Err(SearchError::Query(e)) => {
                prop_assert!(["query_too_long", "bad_date", "unknown_kind"].contains(&e.code), "{e:?}");
            }
            Err(other) => prop_assert!(false, "{text:?}: {other}"),
        }
    }
}

#[test]
fn every_bad_input_from_the_issue() {
    let index = small_index();
    let run = |query: &str| index.search(&SearchRequest { query: query.into(), ..SearchRequest::default() });
    let code = |query: &str| match run(query) {
        Err(SearchError::Query(e)) => e.code,
        other => panic!("{query:?}: {other:?}"),
    };
    assert_eq!(run("").unwrap().total, 0);
    assert_eq!(code(&"đường ".repeat(2_000)), "query_too_long");
    assert_eq!(code(&"x".repeat(10_240)), "query_too_long");
    assert_eq!(run("\"an toàn người").unwrap().total, 1, "unbalanced quote");
    assert_eq!(run("foo:bar").unwrap().total, 0, "unknown operator is a word");
    assert_eq!(code("before:2024-02-30"), "bad_date");
    assert_eq!(code("kind:blog"), "unknown_kind");
    assert_eq!(run("?!,.;:()[]{}").unwrap().total, 0, "only punctuation");
    assert_eq!(run("🙂🙂🙂").unwrap().total, 0, "only emoji");
    assert!(run("ATNB 患者 🙂 an toàn").unwrap().total >= 1, "mixed scripts");
    assert_eq!(run("患者").unwrap().total, 1);
    assert_eq!(run("\u{200B}\u{FEFF}\u{301}").unwrap().total, 0, "invisible and stray marks");
}
