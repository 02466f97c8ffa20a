//! Page cursors of the integration API: opaque to clients, tamper-evident for the server.
//!
//! A cursor is `base64url(<created_at nanoseconds>.<id>)` `.` `base64url(HMAC-SHA-256)` over the
//! list it belongs to (its path and filters) and that key, truncated to 16 bytes, signed with a
//! random key kept in `server_secrets` (shared by every app process, never in configuration or
//! logs). A cursor changed by one character, made for another list or filter, or by another
//! server is refused with a 400 that says so; it never reaches a query.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::DateTime;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::AppResult;
use crate::store::{Keyset, Store};

const SECRET_NAME: &str = "api_cursor_hmac_key";
const MAC_BYTES: usize = 16;
/// Longer than any cursor this server makes; anything longer is refused before decoding.
const MAX_LEN: usize = 120;

/// The signing key (made on first use; read without a write afterwards).
pub async fn key(store: &Store) -> AppResult<Vec<u8>> {
    let stored = match store.secret(SECRET_NAME).await? {
        Some(value) => value,
        None => store.secret_or_insert(SECRET_NAME, &hex::encode(rand::random::<[u8; 32]>())).await?,
    };
    Ok(hex::decode(stored).map_err(anyhow::Error::from)?)
}

fn mac(key: &[u8], list: &str, payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(list.as_bytes());
    mac.update(b"\n");
    mac.update(payload.as_bytes());
    mac
}

/// The cursor for the page after `key` of `list` (a path and its filters, e.g. `topics?kind=case_study`).
pub fn seal(secret: &[u8], list: &str, key: Keyset) -> String {
    let nanos = key.at.timestamp_nanos_opt().unwrap_or(i64::MIN);
    let payload = format!("{nanos}.{}", key.id);
    let tag = mac(secret, list, &payload).finalize().into_bytes();
    format!("{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(&tag[..MAC_BYTES]))
}

/// The key a cursor of `list` names; `None` for anything tampered with, malformed, or made for
/// another list, filter or server.
pub fn open(secret: &[u8], list: &str, cursor: &str) -> Option<Keyset> {
    if cursor.len() > MAX_LEN {
        return None;
    }
    let (payload, tag) = cursor.split_once('.')?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok().filter(|tag| tag.len() == MAC_BYTES)?;
    // Constant-time comparison of the truncated tag.
    mac(secret, list, &payload).verify_truncated_left(&tag).ok()?;
    let (nanos, id) = payload.split_once('.')?;
    let at = DateTime::from_timestamp_nanos(nanos.parse().ok()?);
    Some(Keyset { at, id: id.parse().ok()? })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Keyset {
        Keyset { at: DateTime::parse_from_rfc3339("2025-03-15T08:30:00.123456+00:00").unwrap().to_utc(), id: 42 }
    }

    #[test]
    fn a_cursor_opens_only_for_its_list_and_key() {
        let key = b"0123456789abcdef0123456789abcdef";
        let cursor = seal(key, "topics?kind=case_study", sample());
        assert_eq!(open(key, "topics?kind=case_study", &cursor), Some(sample()));
        assert_eq!(open(key, "topics?kind=question", &cursor), None, "another filter");
        assert_eq!(open(b"another server's key", "topics?kind=case_study", &cursor), None);
        let (payload, tag) = cursor.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(format!("{}.41", sample().at.timestamp_nanos_opt().unwrap()));
        assert_eq!(open(key, "topics?kind=case_study", &format!("{forged}.{tag}")), None, "another id, same tag");
        assert_eq!(open(key, "topics?kind=case_study", &format!("{payload}.{}", &tag[..4])), None, "a shortened tag");
        for junk in ["", ".", "abc", "abc.def", "%%%.%%%", &"A".repeat(500), &format!("{payload}.")] {
            assert_eq!(open(key, "topics?kind=case_study", junk), None, "{junk:?}");
        }
    }
}
