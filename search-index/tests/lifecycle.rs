//! Opening, rebuilding, writing, committing with the change-log position, deleting.

mod common;

use std::fs;

use common::{doc, found, search};
use search_index::{OpenOutcome, SearchIndex};

#[test]
fn new_folder_is_created_and_reopened() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/search");
    let (index, outcome) = SearchIndex::open_or_create(&dir).unwrap();
    assert_eq!(outcome, OpenOutcome::Created);
    assert_eq!(index.last_applied_seq().unwrap(), None);
    assert_eq!(index.num_docs(), 0);
    drop(index);
    let (_, outcome) = SearchIndex::open_or_create(&dir).unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
}

#[test]
fn documents_and_seq_survive_reopen() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let (index, _) = SearchIndex::open_or_create(tmp.path()).unwrap();
        let mut writer = index.writer().unwrap();
        writer.upsert(&doc(1, "Phòng ngừa té ngã", "Đánh giá nguy cơ.")).unwrap();
        writer.commit(Some(41)).unwrap();
        writer.upsert(&doc(2, "Rửa tay", "Năm thời điểm.")).unwrap();
        writer.commit(Some(42)).unwrap();
    }
    let (index, outcome) = SearchIndex::open_or_create(tmp.path()).unwrap();
    assert_eq!(outcome, OpenOutcome::Opened);
    assert_eq!(index.last_applied_seq().unwrap(), Some(42));
    assert_eq!(index.num_docs(), 2);
    assert_eq!(found(&index, "te nga"), [1]);
}

#[test]
fn commit_without_seq_keeps_the_last_one() {
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    writer.commit(Some(7)).unwrap();
    writer.upsert(&doc(1, "a", "b")).unwrap();
    writer.commit(None).unwrap();
    assert_eq!(index.last_applied_seq().unwrap(), Some(7));
}

#[test]
fn nothing_is_visible_before_commit_and_everything_right_after() {
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    writer.upsert(&doc(1, "Sự cố y khoa", "Báo cáo tự nguyện.")).unwrap();
    assert_eq!(search(&index, "sự cố").total, 0);
    writer.commit(Some(1)).unwrap();
    assert_eq!(search(&index, "sự cố").total, 1);
}

#[test]
fn upsert_replaces_and_delete_removes_from_results_and_facets() {
    let index = SearchIndex::in_memory().unwrap();
    let mut writer = index.writer().unwrap();
    writer.upsert(&doc(1, "Sự cố y khoa", "Bản nháp.")).unwrap();
    writer.upsert(&doc(2, "Sự cố y khoa", "Khác.")).unwrap();
    writer.commit(Some(1)).unwrap();

    let mut edited = doc(1, "Sự cố y khoa", "Bản đã sửa.");
    edited.category = "bao-cao".into();
    writer.upsert(&edited).unwrap();
    writer.commit(Some(2)).unwrap();
    assert_eq!(index.num_docs(), 2);
    // Quoted: a loose "bản nháp" would fall back to topics with one of the words ("bản đã sửa").
    assert_eq!(found(&index, "\"bản nháp\""), Vec::<i64>::new());
    assert_eq!(found(&index, "bản đã sửa"), [1]);

    writer.delete(2).unwrap();
    writer.delete(999).unwrap(); // not indexed: no error
    writer.commit(Some(3)).unwrap();
    let results = search(&index, "sự cố");
    assert_eq!(common::ids(&results), [1]);
    assert_eq!(results.facets.category.len(), 1);
    assert_eq!(results.facets.category[0].value, "bao-cao");
    assert_eq!(results.facets.category[0].count, 1);
}

#[test]
fn corrupt_meta_json_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    fs::write(tmp.path().join("meta.json"), b"{ not json").unwrap();
    let (index, outcome) = SearchIndex::open_or_create(tmp.path()).unwrap();
    assert!(matches!(outcome, OpenOutcome::Rebuilt { .. }), "{outcome:?}");
    assert_eq!(index.num_docs(), 0);
    assert_eq!(index.last_applied_seq().unwrap(), None, "the follower starts over");
}

#[test]
fn garbage_files_are_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("meta.json"), [0xff, 0x00, 0x13, 0x37]).unwrap();
    fs::write(tmp.path().join("0123.idx"), b"garbage").unwrap();
    let (index, outcome) = SearchIndex::open_or_create(tmp.path()).unwrap();
    assert!(matches!(outcome, OpenOutcome::Rebuilt { .. }), "{outcome:?}");
    assert!(!tmp.path().join("0123.idx").exists());
    let mut writer = index.writer().unwrap();
    writer.upsert(&doc(1, "Hoạt động", "Được.")).unwrap();
    writer.commit(Some(1)).unwrap();
    assert_eq!(index.num_docs(), 1);
}

#[test]
fn missing_segment_files_are_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    for entry in fs::read_dir(tmp.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "idx" || e == "store") {
            fs::remove_file(path).unwrap();
        }
    }
    let (_, outcome) = SearchIndex::open_or_create(tmp.path()).unwrap();
    assert!(matches!(outcome, OpenOutcome::Rebuilt { .. }), "{outcome:?}");
}

#[test]
fn another_schema_version_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    fill(tmp.path());
    let meta_path = tmp.path().join("meta.json");
    let meta = fs::read_to_string(&meta_path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&meta).unwrap();
    json["payload"] = serde_json::Value::String(r#"{"seq":5,"schema":0}"#.into());
    fs::write(&meta_path, json.to_string()).unwrap();
    let (index, outcome) = SearchIndex::open_or_create(tmp.path()).unwrap();
    match outcome {
        OpenOutcome::Rebuilt { reason } => assert!(reason.contains("schema version 0"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(index.last_applied_seq().unwrap(), None);
}

#[test]
fn a_folder_that_is_not_an_index_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("meta.json"), b"not an index").unwrap();
    fs::create_dir(tmp.path().join("photos")).unwrap();
    assert!(SearchIndex::open_or_create(tmp.path()).is_err());
    assert!(tmp.path().join("photos").exists());
}

#[test]
fn only_one_writer_at_a_time() {
    let index = SearchIndex::in_memory().unwrap();
    let _writer = index.writer().unwrap();
    assert!(index.writer().is_err());
}

/// An index with one committed document in `dir`.
fn fill(dir: &std::path::Path) {
    let (index, _) = SearchIndex::open_or_create(dir).unwrap();
    let mut writer = index.writer().unwrap();
    writer.upsert(&doc(1, "Sự cố", "Nội dung.")).unwrap();
    writer.commit(Some(3)).unwrap();
}

#[test]
fn waiting_for_merges_keeps_everything_searchable() {
    let tmp = tempfile::tempdir().unwrap();
    let (index, _) = SearchIndex::open_or_create(tmp.path()).unwrap();
    let mut writer = index.writer().unwrap();
    for batch in 0..5 {
        for i in 0..20 {
            writer.upsert(&doc(batch * 20 + i, "Sự cố", "Nội dung.")).unwrap();
        }
        writer.commit(Some(batch)).unwrap();
    }
    writer.wait_for_merges().unwrap();
    assert_eq!(index.num_docs(), 100);
    assert_eq!(search(&index, "sự cố").total, 100);
    assert_eq!(index.last_applied_seq().unwrap(), Some(4));
    assert!(index.writer().is_ok(), "the writer was released");
}
