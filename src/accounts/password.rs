//! Password hashing with argon2id (the crate's defaults follow the OWASP recommendation).

use anyhow::anyhow;
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

use super::Password;

pub fn hash(password: &Password) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.expose().as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow!("password hashing failed: {e}"))
}

pub fn verify(candidate: &str, stored: &str) -> bool {
    PasswordHash::new(stored).map(|parsed| Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok()).unwrap_or(false)
}

/// A hash of a random password, verified against when the email is unknown, so that the
/// answer takes as long as for a real account and does not reveal which emails exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = Password::parse("decoy-password-never-used").expect("a valid password");
        hash(&password).expect("hashing works")
    })
}
