//! A search over a small index must never panic nor fail with anything but a query error.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use search_index::{Doc, SearchError, SearchIndex, SearchRequest};

fn index() -> &'static SearchIndex {
    static INDEX: OnceLock<SearchIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = SearchIndex::in_memory().expect("index");
        let mut writer = index.writer().expect("writer");
        let texts = [
            ("An toàn người bệnh", "Đường huyết, dương tính, y tế, hoà nhập, ATNB. 患者 🙂"),
            ("Báo cáo SCYK", "Theo Thông tư 43/2018/TT-BYT, ĐD báo cáo sự cố y khoa."),
            ("| bảng |", "*nhấn* [liên kết](https://x.vn) <script>alert(1)</script>"),
        ];
        for (i, (title, body)) in texts.iter().enumerate() {
            let doc = Doc {
                topic_id: i as i64,
                post_id: i as i64,
                title: title.to_string(),
                body: body.to_string(),
                category: "c".into(),
                kind: "discussion".into(),
                tags: vec!["t".into()],
                province: Some("01".into()),
                author: "Người dùng".into(),
                created_at: 1_700_000_000 + i as i64,
            };
            writer.upsert(&doc).expect("upsert");
        }
        writer.commit(Some(1)).expect("commit");
        index
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else { return };
    let request = SearchRequest { query: query.to_string(), ..SearchRequest::default() };
    match index().search(&request) {
        Ok(_) | Err(SearchError::Query(_)) => {}
        Err(other) => panic!("{query:?}: {other}"),
    }
});
