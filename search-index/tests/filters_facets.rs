//! Operators, request filters, sorting, pagination and facet counts.

mod common;

use common::{DAY, MARCH_2024, doc, found, ids, index_with, search, search_with};
use search_index::{Doc, FacetCount, SearchIndex, SearchRequest, Sort};

/// Five topics about hand hygiene (and one unrelated), spread over categories, kinds, tags,
/// provinces, authors and two years.
fn forum() -> SearchIndex {
    let topic = |id: i64, category: &str, kind: &str, tags: &[&str], province: Option<&str>, author: &str, created_at: i64| Doc {
        category: category.into(),
        kind: kind.into(),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        province: province.map(str::to_string),
        author: author.into(),
        created_at,
        guidance: Vec::new(),
        ..doc(id, &format!("Vệ sinh tay số {id}"), "Rửa tay đúng năm thời điểm.")
    };
    let mut cites = topic(5, "kiem-soat-nhiem-khuan", "good_practice", &["rua-tay"], Some("79"), "Lê Thị Lan", MARCH_2024 + 5 * DAY);
    cites.body.push_str(" Căn cứ Thông tư 16/2018/TT-BYT.");
    index_with(&[
        topic(1, "kiem-soat-nhiem-khuan", "good_practice", &["rua-tay", "ksnk"], Some("01"), "Nguyễn Văn An", MARCH_2024 - 400 * DAY),
        topic(2, "kiem-soat-nhiem-khuan", "question", &["rua-tay"], Some("01"), "Trần Thị Bình", MARCH_2024),
        topic(3, "an-toan-nguoi-benh", "discussion", &[], None, "Nguyễn Văn An", MARCH_2024 + DAY),
        topic(4, "an-toan-nguoi-benh", "case_study", &["ksnk"], Some("48"), "Phạm Minh", MARCH_2024 + 2 * DAY),
        cites,
        Doc { created_at: MARCH_2024 + 6 * DAY, ..doc(6, "Lịch trực Tết", "Phân công.") },
    ])
}

fn sorted(mut v: Vec<i64>) -> Vec<i64> {
    v.sort();
    v
}

fn counts(list: &[FacetCount]) -> Vec<(&str, u64)> {
    list.iter().map(|f| (f.value.as_str(), f.count)).collect()
}

#[test]
fn operators_filter() {
    let index = forum();
    assert_eq!(sorted(found(&index, "vệ sinh category:an-toan-nguoi-benh")), [3, 4]);
    assert_eq!(sorted(found(&index, "vệ sinh tag:ksnk")), [1, 4]);
    assert_eq!(sorted(found(&index, "vệ sinh tag:ksnk tag:rua-tay")), [1], "tags: all must hold");
    assert_eq!(sorted(found(&index, "vệ sinh kind:question kind:case_study")), [2, 4], "kinds: any");
    assert_eq!(sorted(found(&index, "vệ sinh province:01")), [1, 2]);
    assert_eq!(sorted(found(&index, "vệ sinh author:\"Nguyễn Văn An\"")), [1, 3]);
    assert_eq!(sorted(found(&index, "vệ sinh author:\"nguyen van an\"")), [1, 3]);
    assert_eq!(sorted(found(&index, "vệ sinh author:Lan")), [5]);
    assert_eq!(sorted(found(&index, "vệ sinh -tag:rua-tay")), [3, 4]);
}

#[test]
fn guidance_filter_accepts_any_spelling() {
    let index = forum();
    for query in ["guidance:16/2018/TT-BYT", "guidance:16/2018/tt-byt", "guidance:016/2018/TT-BYT", "guidance:16/2018/TT"] {
        assert_eq!(found(&index, query), [5], "{query}");
    }
    assert_eq!(found(&index, "guidance:43/2018/TT-BYT"), Vec::<i64>::new());
    assert_eq!(found(&index, "guidance:nonsense"), Vec::<i64>::new());
}

#[test]
fn guidance_filter_finds_documents_the_application_linked() {
    // The text says only "Thông tư 43/2018"; the application resolved it (or the author chose it).
    let mut linked = doc(1, "Báo cáo sự cố tự nguyện", "Theo Thông tư 43/2018, khoa lập sổ báo cáo.");
    linked.guidance = vec!["43/2018/TT-BYT".into()];
    let unlinked = doc(2, "Báo cáo sự cố", "Theo Thông tư 43/2018 của một bộ khác.");
    let index = common::index_with(&[linked, unlinked]);
    assert_eq!(found(&index, "guidance:43/2018/TT-BYT"), [1]);
    let mut short: Vec<i64> = found(&index, "guidance:43/2018/TT");
    short.sort();
    assert_eq!(short, [1, 2], "the short form finds every citation of circular 43/2018");
}

#[test]
fn date_filters_use_whole_days() {
    let index = forum();
    // Topic 2 was created on 2024-03-01 (Vietnam time), topic 3 on 03-02.
    assert_eq!(sorted(found(&index, "vệ sinh after:2024-03-02")), [3, 4, 5]);
    assert_eq!(sorted(found(&index, "vệ sinh before:2024-03-02")), [1, 2]);
    assert_eq!(sorted(found(&index, "vệ sinh after:2024-03-01 before:2024-03-02")), [2]);
    assert_eq!(sorted(found(&index, "vệ sinh before:2024-01-01")), [1]);
}

#[test]
fn request_filters_combine_with_operators() {
    let index = forum();
    let request = |query: &str| SearchRequest {
        query: query.into(),
        category: Some("kiem-soat-nhiem-khuan".into()),
        kind: Some("good_practice".into()),
        ..SearchRequest::default()
    };
    assert_eq!(sorted(ids(&search_with(&index, request("vệ sinh")))), [1, 5]);
    assert_eq!(sorted(ids(&search_with(&index, request("vệ sinh province:79")))), [5]);
    let bad = SearchRequest { query: "vệ sinh".into(), kind: Some("blog".into()), ..SearchRequest::default() };
    assert!(matches!(index.search(&bad), Err(search_index::SearchError::Query(e)) if e.code == "unknown_kind"));
}

#[test]
fn facets_count_every_match_not_only_the_page() {
    let index = forum();
    let results = search_with(&index, SearchRequest { query: "vệ sinh".into(), limit: 2, ..SearchRequest::default() });
    assert_eq!(results.total, 5);
    assert_eq!(results.hits.len(), 2);
    let f = &results.facets;
    assert_eq!(counts(&f.category), [("kiem-soat-nhiem-khuan", 3), ("an-toan-nguoi-benh", 2)]);
    assert_eq!(counts(&f.kind), [("good_practice", 2), ("case_study", 1), ("discussion", 1), ("question", 1)]);
    assert_eq!(counts(&f.province), [("01", 2), ("48", 1), ("79", 1)]);
    assert_eq!(counts(&f.tag), [("rua-tay", 3), ("ksnk", 2)]);
    assert_eq!(counts(&f.year), [("2024", 4), ("2023", 1)]);
}

#[test]
fn facets_follow_the_filters() {
    let index = forum();
    let results = search(&index, "vệ sinh tag:ksnk");
    assert_eq!(results.total, 2);
    assert_eq!(counts(&results.facets.category), [("an-toan-nguoi-benh", 1), ("kiem-soat-nhiem-khuan", 1)]);
}

#[test]
fn newest_sort_and_pagination() {
    let index = forum();
    let newest = |offset: usize, limit: usize| {
        let request = SearchRequest { query: "vệ sinh".into(), sort: Sort::Newest, offset, limit, ..SearchRequest::default() };
        ids(&search_with(&index, request))
    };
    assert_eq!(newest(0, 0), [5, 4, 3, 2, 1], "limit 0 means the default page");
    assert_eq!(newest(1, 2), [4, 3]);
    assert_eq!(newest(4, 10), [1]);
    assert_eq!(newest(5, 10), Vec::<i64>::new());
    assert_eq!(newest(usize::MAX, usize::MAX), Vec::<i64>::new(), "absurd paging is harmless");
    let results = search_with(&index, SearchRequest { query: "vệ sinh".into(), limit: 1000, ..SearchRequest::default() });
    assert_eq!(results.hits.len(), 5);
}

#[test]
fn filters_alone_list_newest_first() {
    let index = forum();
    assert_eq!(found(&index, "tag:rua-tay"), [5, 2, 1]);
    assert_eq!(found(&index, "category:chung"), [6]);
    let request = SearchRequest { category: Some("an-toan-nguoi-benh".into()), ..SearchRequest::default() };
    assert_eq!(ids(&search_with(&index, request)), [4, 3]);
}

#[test]
fn empty_or_symbol_queries_match_nothing() {
    let index = forum();
    for query in ["", "   ", "?!…", "🙂🙂", "\"\"", "-vệ", "in:title"] {
        let results = search(&index, query);
        assert_eq!(results.total, 0, "{query:?}");
        assert!(results.hits.is_empty() && results.facets.category.is_empty(), "{query:?}");
    }
}

/// Tags are counted per document when few match and from posting lists when many do; both
/// must give the same, exact counts.
#[test]
fn tag_counts_are_exact_for_few_and_many_matches() {
    let docs: Vec<Doc> = (0..200)
        .map(|i| {
            let word = if i % 40 == 0 { "hiếm" } else { "thường" };
            let tags = ["a", "b", "c"].iter().take(1 + (i % 3) as usize).map(|t| t.to_string()).collect();
            Doc { tags, ..doc(i, word, "Nội dung") }
        })
        .collect();
    let index = index_with(&docs);
    for (query, selected) in [("hiếm", 5), ("thường", 195), ("tag:b", 133)] {
        let results = search(&index, query);
        assert_eq!(results.total, selected, "{query}");
        let expected = |tag: &str| {
            docs.iter()
                .filter(|d| match query {
                    "hiếm" => d.title == "hiếm",
                    "thường" => d.title == "thường",
                    _ => d.tags.iter().any(|t| t == "b"),
                })
                .filter(|d| d.tags.iter().any(|t| t == tag))
                .count() as u64
        };
        for facet in &results.facets.tag {
            assert_eq!(facet.count, expected(&facet.value), "{query}: tag {}", facet.value);
        }
        assert_eq!(results.facets.tag.iter().map(|f| f.count).sum::<u64>(), ["a", "b", "c"].map(expected).iter().sum::<u64>());
    }
}
