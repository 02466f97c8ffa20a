//! Unsubscribe tokens: `<user id>.<HMAC-SHA-256 of "unsubscribe:<user id>">` in hex, signed with a
//! random key the server makes once and keeps in the database (`server_secrets`), so every app
//! process shares it and it never appears in configuration or logs.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::error::AppResult;
use crate::store::Store;

const SECRET_NAME: &str = "unsubscribe_hmac_key";

/// The signing key (made on first use).
pub async fn key(store: &Store) -> AppResult<Vec<u8>> {
    let fresh = hex::encode(rand::random::<[u8; 32]>());
    let stored = store.secret_or_insert(SECRET_NAME, &fresh).await?;
    Ok(hex::decode(stored).map_err(anyhow::Error::from)?)
}

fn mac(key: &[u8], user_id: i64) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("unsubscribe:{user_id}").as_bytes());
    mac
}

pub fn sign(key: &[u8], user_id: i64) -> String {
    format!("{user_id}.{}", hex::encode(mac(key, user_id).finalize().into_bytes()))
}

/// The member a token was made for; `None` for anything tampered with or malformed.
pub fn verify(key: &[u8], token: &str) -> Option<i64> {
    let (id, signature) = token.trim().split_once('.')?;
    let user_id: i64 = id.parse().ok()?;
    let signature = hex::decode(signature).ok()?;
    // Constant-time comparison inside `verify_slice`.
    mac(key, user_id).verify_slice(&signature).ok()?;
    Some(user_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_names_its_member_and_nothing_else_passes() {
        let key = b"0123456789abcdef0123456789abcdef";
        let token = sign(key, 42);
        assert_eq!(verify(key, &token), Some(42));
        let (_, sig) = token.split_once('.').unwrap();
        assert_eq!(verify(key, &format!("43.{sig}")), None, "another member's id");
        let mut flipped = token.clone();
        let last = flipped.pop().unwrap();
        flipped.push(if last == '0' { '1' } else { '0' });
        assert_eq!(verify(key, &flipped), None, "one hex digit changed");
        assert_eq!(verify(b"another key", &token), None, "another server's token");
        for junk in ["", "42", "42.", "x.abcd", "42.zz", "-1.00"] {
            assert_eq!(verify(key, junk), None, "{junk:?}");
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mut m = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(hex::encode(m.finalize().into_bytes()), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
