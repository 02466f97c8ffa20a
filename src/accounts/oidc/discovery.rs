//! The provider's discovery document and signing keys, fetched with a time limit and kept for
//! an hour (keys again at once when a token names a key we do not have: the provider rotated).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;

use super::ProviderConfig;

const KEEP_FOR: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Deserialize)]
pub struct Discovery {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    /// Where the profile claims are when the ID token carries only `sub` (OIDC Core 5.3).
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
}

#[derive(Debug)]
pub struct Metadata {
    pub discovery: Discovery,
    pub keys: JwkSet,
    fetched: Instant,
}

/// Why the provider could not be used; the reader sees "try again later", the log sees why.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the provider could not be reached or answered badly: {0}")]
    Failed(String),
}

impl From<reqwest::Error> for FetchError {
    fn from(err: reqwest::Error) -> Self {
        if err.is_timeout() { FetchError::Timeout } else { FetchError::Failed(err.to_string()) }
    }
}

/// Kept per issuer for the life of the process (a handful of providers at most).
static CACHE: LazyLock<Mutex<HashMap<String, Arc<Metadata>>>> = LazyLock::new(Default::default);

/// One client for every provider: no redirects followed (a provider's answer is read where it is).
pub fn http() -> &'static reqwest::Client {
    static CLIENT: LazyLock<reqwest::Client> = LazyLock::new(|| {
        // reqwest is built without a TLS provider of its own: the one TLS stack is rustls with
        // ring, as sqlx and lettre use (installing it again is a no-op).
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client without special settings builds")
    });
    &CLIENT
}

/// The provider's metadata, from the cache unless stale or `refresh_keys` (unknown key id).
pub async fn metadata(provider: &ProviderConfig, refresh_keys: bool) -> Result<Arc<Metadata>, FetchError> {
    let issuer = provider.issuer().to_string();
    let cached = CACHE.lock().expect("cache lock").get(&issuer).cloned();
    if let Some(found) = cached.filter(|m| !refresh_keys && m.fetched.elapsed() < KEEP_FOR) {
        return Ok(found);
    }
    let fresh = Arc::new(fetch(provider).await?);
    CACHE.lock().expect("cache lock").insert(issuer, fresh.clone());
    Ok(fresh)
}

async fn fetch(provider: &ProviderConfig) -> Result<Metadata, FetchError> {
    let url = format!("{}/.well-known/openid-configuration", provider.issuer());
    let discovery: Discovery = get_json(&url, provider.timeout()).await?;
    // The document must speak for the issuer we trust (OpenID Connect Discovery 4.3).
    if discovery.issuer.trim_end_matches('/') != provider.issuer() {
        return Err(FetchError::Failed("the discovery document names another issuer".into()));
    }
    let keys: JwkSet = get_json(&discovery.jwks_uri, provider.timeout()).await?;
    Ok(Metadata { discovery, keys, fetched: Instant::now() })
}

async fn get_json<T: serde::de::DeserializeOwned>(url: &str, timeout: Duration) -> Result<T, FetchError> {
    let response = http().get(url).timeout(timeout).send().await?.error_for_status()?;
    Ok(response.json().await?)
}
