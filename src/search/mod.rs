//! Search: the glue between the forum and the `search-index` crate. An indexer task follows the
//! database's change log into the index (`follower`), `goodpractice reindex` builds a fresh index
//! beside the served one (`reindex`, `generations`), and the page and API run queries (`service`).

mod api;
mod follower;
mod generations;
mod guidance_hits;
mod pages;
mod reindex;
mod service;

use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use search_index::SearchIndex;

use crate::app::AppState;
pub use follower::Indexer;
pub use generations::Generations;
pub use reindex::{Reindexed, reindex, reindex_command};

/// The index being served. Swappable, because `reindex` hands a running server a new one.
#[derive(Clone, Default)]
pub struct SearchHandle(Arc<RwLock<Option<SearchIndex>>>);

impl SearchHandle {
    /// A handle on the index served now; `None` until the indexer has opened it at start-up.
    pub fn index(&self) -> Option<SearchIndex> {
        self.0.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn set(&self, index: SearchIndex) {
        let old = self.0.write().unwrap_or_else(PoisonError::into_inner).replace(index);
        // Dropped outside the lock: searches never wait for an old index to close.
        drop(old);
    }
}

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
