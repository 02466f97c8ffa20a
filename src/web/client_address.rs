//! The client's address when the server sits behind a reverse proxy.
//!
//! Per-address limits (posting, failed sign-ins) read the peer's address. Behind a proxy every
//! request comes from the proxy, so a whole city would share one limit. For a peer listed in
//! `trusted_proxies` the address it names in `X-Forwarded-For` is used instead; from any other
//! peer the header is ignored, since anyone can send it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;

use crate::app::AppState;

const X_FORWARDED_FOR: &str = "x-forwarded-for";

/// Middleware: replaces the connection's address with the client's when a trusted proxy forwarded it.
pub async fn from_trusted_proxy(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0);
    if let Some(peer) = peer
        && let Some(client) = forwarded_client(peer.ip(), req.headers(), &state.config().trusted_proxies)
    {
        req.extensions_mut().insert(ConnectInfo(SocketAddr::new(client, 0)));
    }
    next.run(req).await
}

/// The right-most `X-Forwarded-For` address that is not one of our proxies, when `peer` is one.
/// A proxy appends the address it saw, so addresses further left were written by the client
/// and prove nothing. A malformed header leaves the peer's address.
fn forwarded_client(peer: IpAddr, headers: &HeaderMap, proxies: &[IpAddr]) -> Option<IpAddr> {
    if !proxies.contains(&peer) {
        return None;
    }
    let hops = headers
        .get_all(X_FORWARDED_FOR)
        .iter()
        .map(|value| value.to_str().ok())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(|hop| hop.trim().parse::<IpAddr>().ok())
        .collect::<Option<Vec<_>>>()?;
    hops.into_iter().rev().find(|hop| !proxies.contains(hop))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for v in values {
            map.append(X_FORWARDED_FOR, v.parse().unwrap());
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_peer_is_believed() {
        let proxies = [ip("10.0.0.2")];
        let forwarded = headers(&["203.0.113.7"]);
        assert_eq!(forwarded_client(ip("10.0.0.2"), &forwarded, &proxies), Some(ip("203.0.113.7")));
        assert_eq!(forwarded_client(ip("198.51.100.1"), &forwarded, &proxies), None, "anyone can send the header");
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = [ip("10.0.0.2"), ip("10.0.0.3")];
        let forwarded = headers(&["1.2.3.4, 203.0.113.7", "10.0.0.3"]);
        assert_eq!(forwarded_client(ip("10.0.0.2"), &forwarded, &proxies), Some(ip("203.0.113.7")), "1.2.3.4 was written by the client");
        assert_eq!(forwarded_client(ip("10.0.0.2"), &headers(&["2001:db8::1"]), &proxies), Some(ip("2001:db8::1")));
    }

    #[test]
    fn a_missing_or_malformed_header_keeps_the_peer() {
        let proxies = [ip("10.0.0.2")];
        assert_eq!(forwarded_client(ip("10.0.0.2"), &HeaderMap::new(), &proxies), None);
        assert_eq!(forwarded_client(ip("10.0.0.2"), &headers(&["unknown, 203.0.113.7"]), &proxies), None);
        assert_eq!(forwarded_client(ip("10.0.0.2"), &headers(&["10.0.0.2"]), &proxies), None, "only proxies named");
    }
}
