//! Sign-in through external OpenID Connect providers (`[[auth.oidc]]` in the config):
//! authorization code with PKCE, a state bound to the browser, a nonce, and ID tokens checked
//! against the provider's published keys. Also linking and unlinking providers on a profile.

mod config;
pub mod discovery;
mod flow;
pub mod id_token;
pub mod oauth;
pub mod plain;

use crate::app::AppState;
pub use config::{MinistryAction, MinistryRule, OAuthEndpoints, ProviderConfig, ProviderKind};
pub use flow::router;

/// The configured providers, in config order (the order of the sign-in buttons).
pub fn providers(state: &AppState) -> &[ProviderConfig] {
    &state.config().auth.oidc
}

/// A provider as the sign-in page and the profile settings show it.
pub struct ProviderButton {
    pub id: String,
    pub label: String,
    pub name: String,
    pub linked: bool,
}

/// Buttons for every provider, marking those `linked` names.
pub fn buttons(state: &AppState, linked: &[String]) -> Vec<ProviderButton> {
    providers(state)
        .iter()
        .map(|p| ProviderButton {
            id: p.id.clone(),
            label: p.label().to_string(),
            name: p.display_name().to_string(),
            linked: linked.contains(&p.id),
        })
        .collect()
}
