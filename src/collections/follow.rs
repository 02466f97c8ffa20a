//! A member and a collection: following it (a new item notifies followers through the
//! notification module, mailed by their "watched" setting), and the items they have read.

use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{CollectionItemRow, CollectionRow, NewNotification, Store, User};

/// The notification kind of a new item in a followed collection (see `notify::fanout::KINDS`).
pub const NEW_ITEM: &str = "collection_item";

/// The reader's follow button and which items they have read.
#[derive(Debug, Default)]
pub struct ReaderState {
    pub signed_in: bool,
    pub following: bool,
    pub read: Vec<i64>,
}

impl ReaderState {
    pub fn has_read(&self, topic_id: &i64) -> bool {
        self.read.contains(topic_id)
    }
}

pub async fn reader_state(store: &Store, viewer: Option<&User>, c: &CollectionRow, _items: &[CollectionItemRow]) -> AppResult<ReaderState> {
    let Some(user) = viewer else { return Ok(ReaderState::default()) };
    Ok(ReaderState {
        signed_in: true,
        following: store.follows_collection(c.id, user.id).await?,
        read: store.collection_reads(user.id, c.id).await?,
    })
}

/// A signed-in member opened a topic that belongs to a published collection.
pub async fn record_read(store: &Store, user_id: i64, topic_id: i64) -> AppResult<()> {
    store.record_collection_read(user_id, topic_id).await?;
    Ok(())
}

/// Tells the followers of a published collection (not the curator who added it) about a new
/// item. Runs after the item is stored: a failure is logged and the item stays.
pub async fn new_item(state: &AppState, collection: &CollectionRow, topic_id: i64, curator: &User) {
    if collection.status != "published" {
        return;
    }
    if let Err(e) = notify_followers(state, collection.id, topic_id, curator.id).await {
        tracing::warn!(error = %e, collection = collection.id, "followers of a collection could not be notified");
    }
}

async fn notify_followers(state: &AppState, collection_id: i64, topic_id: i64, curator_id: i64) -> AppResult<()> {
    let store = state.store();
    let post_id = store.opening_post_id(topic_id).await?;
    let list: Vec<NewNotification> = store
        .collection_followers(collection_id)
        .await?
        .into_iter()
        .filter(|user_id| *user_id != curator_id)
        .map(|user_id| NewNotification { user_id, kind: NEW_ITEM, topic_id, post_id, actor_id: Some(curator_id) })
        .collect();
    let mail_at = chrono::Utc::now() + chrono::Duration::seconds(state.config().mail_delay_seconds);
    store.insert_notifications(&list, mail_at).await?;
    Ok(())
}
