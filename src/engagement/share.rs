//! Sharing a topic out to Zalo and Facebook with plain links: no third-party script runs and no
//! request leaves for another site until the reader follows a link.
//!
//! The short link is `/t/{id}` (already short; a shorter form would need a second URL scheme to
//! keep forever for a few characters saved), made absolute from `public_url` or the request's host.

use axum::http::{HeaderMap, header};
use base64::Engine;

use crate::app::AppState;

/// The links of a topic's share box.
#[derive(Debug, Clone, Default)]
pub struct ShareLinks {
    pub url: String,
    pub facebook: String,
    pub zalo: String,
}

impl ShareLinks {
    pub fn for_url(url: String) -> Self {
        let encoded: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
        let facebook = format!("https://www.facebook.com/sharer/sharer.php?u={encoded}");
        // Zalo's share page (the one its share button opens) takes base64 JSON of the URL.
        let payload = serde_json::json!({ "url": url }).to_string();
        let d: String =
            url::form_urlencoded::byte_serialize(base64::engine::general_purpose::STANDARD.encode(payload).as_bytes()).collect();
        let zalo = format!("https://button-share.zalo.me/share_external?d={d}");
        ShareLinks { url, facebook, zalo }
    }
}

/// The site's address: `public_url` when configured, else the Host the reader used (only a
/// plain host[:port] is trusted; anything odd falls back to a relative link).
pub fn site_base(state: &AppState, headers: &HeaderMap) -> String {
    let configured = state.config().public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let plain = !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !plain {
        return String::new();
    }
    let scheme = if state.config().secure_cookies { "https" } else { "http" };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::ShareLinks;

    #[test]
    fn share_links_carry_the_topic_url_encoded() {
        let links = ShareLinks::for_url("https://forum.example/t/42".into());
        assert_eq!(links.facebook, "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fforum.example%2Ft%2F42");
        let d = links.zalo.split("d=").nth(1).unwrap();
        let d: String = url::form_urlencoded::parse(format!("d={d}").as_bytes()).next().unwrap().1.into_owned();
        use base64::Engine;
        let json = base64::engine::general_purpose::STANDARD.decode(d).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), r#"{"url":"https://forum.example/t/42"}"#);
    }
}
