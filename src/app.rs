//! `AppState`: what every handler can reach. Cheap to clone (one `Arc` inside); no globals.

use std::sync::Arc;

use crate::config::Config;
use crate::store::Store;
use crate::web::i18n::Catalogs;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    store: Store,
    catalogs: Catalogs,
}

impl AppState {
    pub fn new(config: Config, store: Store, catalogs: Catalogs) -> Self {
        Self(Arc::new(Inner { config, store, catalogs }))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn catalogs(&self) -> &Catalogs {
        &self.0.catalogs
    }
}
