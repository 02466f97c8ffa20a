//! `AppState`: what every handler can reach. Cheap to clone (one `Arc` inside); no globals.

use std::sync::Arc;

use crate::config::Config;
use crate::search::SearchHandle;
use crate::store::Store;
use crate::web::i18n::Catalogs;

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    store: Store,
    catalogs: Catalogs,
    search: SearchHandle,
    pages: crate::web::page_cache::PageCache,
    metrics: crate::ops::Metrics,
    /// Seals and opens TOTP secrets (`ops::totp_key`); set once by `lib::run` after its checks.
    totp: std::sync::OnceLock<crate::ops::totp_key::TotpSecrets>,
    /// The site's address for links in mail, known once the server listens (`lib::run`).
    site_base: std::sync::OnceLock<String>,
    /// What features add to other features' pages (`web::extras`), plugged in by `lib::router`.
    extras: std::sync::OnceLock<Arc<dyn crate::web::extras::PageExtras>>,
}

impl AppState {
    pub fn new(config: Config, store: Store, catalogs: Catalogs, search: SearchHandle) -> Self {
        let pages = crate::web::page_cache::PageCache::new(config.page_cache_mb as usize * 1024 * 1024);
        let metrics = crate::ops::Metrics::default();
        Self(Arc::new(Inner {
            config,
            store,
            catalogs,
            search,
            pages,
            metrics,
            totp: std::sync::OnceLock::new(),
            site_base: std::sync::OnceLock::new(),
            extras: std::sync::OnceLock::new(),
        }))
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

    /// Rendered pages for signed-out readers (`web::page_cache`).
    pub fn pages(&self) -> &crate::web::page_cache::PageCache {
        &self.0.pages
    }

    /// Requests served since start, for `/metrics`.
    pub fn metrics(&self) -> &crate::ops::Metrics {
        &self.0.metrics
    }

    /// Uses `secrets` for TOTP secrets from now on (once; later calls change nothing).
    pub fn set_totp_secrets(&self, secrets: crate::ops::totp_key::TotpSecrets) {
        let _ = self.0.totp.set(secrets);
    }

    /// Seals and opens TOTP secrets; without a key (never set), passes them through in clear.
    pub fn totp_secrets(&self) -> &crate::ops::totp_key::TotpSecrets {
        static CLEAR: crate::ops::totp_key::TotpSecrets = crate::ops::totp_key::TotpSecrets::CLEAR;
        self.0.totp.get().unwrap_or(&CLEAR)
    }

    /// Records the site's address for mail links (`public_url`, or the address listened on).
    pub fn set_site_base(&self, base: String) {
        let _ = self.0.site_base.set(base);
    }

    /// The site's address for links in mail, no trailing slash.
    pub fn site_base(&self) -> String {
        self.0
            .site_base
            .get()
            .cloned()
            .unwrap_or_else(|| crate::notify::outbox::site_base(&self.0.config.public_url, &self.0.config.bind.to_string()))
    }

    /// The search index being served (swapped when `goodpractice reindex` publishes a new one).
    pub fn search(&self) -> &SearchHandle {
        &self.0.search
    }

    /// Plugs in what features add to other features' pages (once; later calls change nothing).
    pub fn set_page_extras(&self, extras: Arc<dyn crate::web::extras::PageExtras>) {
        let _ = self.0.extras.set(extras);
    }

    /// What features add to other features' pages; nothing until plugged in.
    pub fn page_extras(&self) -> &dyn crate::web::extras::PageExtras {
        match self.0.extras.get() {
            Some(extras) => extras.as_ref(),
            None => &crate::web::extras::NoExtras,
        }
    }
}
