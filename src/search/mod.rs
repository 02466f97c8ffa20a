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

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use search_index::SearchIndex;

use crate::app::AppState;
pub use follower::Indexer;
pub use generations::Generations;
pub use reindex::{Reindexed, reindex, reindex_command};

/// The index being served. Swappable, because `reindex` hands a running server a new one.
#[derive(Clone, Default)]
pub struct SearchHandle {
    index: Arc<RwLock<Option<SearchIndex>>>,
    building: Arc<RwLock<Option<Building>>>,
    /// The indexer's last attempt failed (database gone, disk full…): `/readyz` says so.
    failing: Arc<AtomicBool>,
}

/// An index being built from the database while it is served: searches find the topics
/// indexed so far, and the page and API say how far the build has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Building {
    /// Topics indexed so far.
    pub done: u64,
    /// Topics to index in all (visible topics when the build started).
    pub total: u64,
}

impl Building {
    /// Whole percent done, never 100 before the end.
    pub fn percent(&self) -> u64 {
        (self.done * 100).checked_div(self.total).unwrap_or(0).min(99)
    }
}

impl SearchHandle {
    /// The handle of a server starting up: until the indexer has opened the index, searches
    /// answer with no results and "starting" (progress 0 of 0) rather than an error.
    pub fn starting() -> Self {
        let handle = Self::default();
        handle.set_building(Some(Building { done: 0, total: 0 }));
        handle
    }

    /// A handle on the index served now; `None` until the indexer has opened it at start-up.
    pub fn index(&self) -> Option<SearchIndex> {
        self.index.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// How far the build of the served index has got; `None` when it is complete.
    pub fn building(&self) -> Option<Building> {
        *self.building.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether the indexer's last attempt to open the index or apply changes failed.
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Relaxed)
    }

    fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::Relaxed);
    }

    fn set(&self, index: SearchIndex) {
        let old = self.index.write().unwrap_or_else(PoisonError::into_inner).replace(index);
        // Dropped outside the lock: searches never wait for an old index to close.
        drop(old);
    }

    fn set_building(&self, building: Option<Building>) {
        *self.building.write().unwrap_or_else(PoisonError::into_inner) = building;
    }
}

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}
