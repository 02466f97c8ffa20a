//! What a signed-in reader sees of their own on a collection page.

use crate::error::AppResult;
use crate::store::{CollectionItemRow, CollectionRow, Store, User};

/// The reader's follow button and which items they have read.
#[derive(Debug, Default)]
pub struct ReaderState {
    pub signed_in: bool,
    pub read: Vec<i64>,
}

impl ReaderState {
    pub fn has_read(&self, topic_id: &i64) -> bool {
        self.read.contains(topic_id)
    }
}

pub async fn reader_state(
    _store: &Store,
    viewer: Option<&User>,
    _c: &CollectionRow,
    _items: &[CollectionItemRow],
) -> AppResult<ReaderState> {
    Ok(ReaderState { signed_in: viewer.is_some(), read: Vec::new() })
}

/// A signed-in member opened a topic that belongs to a published collection.
pub async fn record_read(store: &Store, user_id: i64, topic_id: i64) -> AppResult<()> {
    store.record_collection_read(user_id, topic_id).await?;
    Ok(())
}
