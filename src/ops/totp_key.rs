//! TOTP secrets encrypted at rest. The shared secret of a member's authenticator app must be
//! readable by the server (the code is computed from it), so it cannot be hashed; with a key
//! configured it is stored sealed with AES-256-GCM, bound to its member's id, and a copy of
//! the database (a backup, a stolen disk) without the key does not give away second factors.
//!
//! The key lives outside the database: `totp_key_file` (a file holding 64 hex characters) or
//! `GP_TOTP_KEY`. Without a key secrets are stored in clear, as before. At start the server
//! seals any secret still in clear, and refuses to start when sealed secrets exist but the
//! key is missing or does not open them: every member with two-factor sign-in would be locked out.

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

use crate::config::Config;
use crate::store::Store;

/// Marks a sealed secret (base32 never contains ':'); the version lets the format change later.
pub const SEALED_PREFIX: &str = "enc1:";

/// Seals and opens TOTP secrets with the configured key, or passes them through without one.
#[derive(Default)]
pub struct TotpSecrets(Option<LessSafeKey>);

impl TotpSecrets {
    /// No key: secrets are stored and read in clear.
    pub const CLEAR: Self = Self(None);

    /// The key from `totp_key` or `totp_key_file` (64 hex characters, 32 random bytes); none
    /// when neither is set.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let text = match (config.totp_key.is_empty(), config.totp_key_file.as_os_str().is_empty()) {
            (true, true) => return Ok(Self(None)),
            (false, true) => config.totp_key.clone(),
            (true, false) => std::fs::read_to_string(&config.totp_key_file)
                .with_context(|| format!("cannot read the TOTP key file {}", config.totp_key_file.display()))?,
            (false, false) => anyhow::bail!("set either totp_key (GP_TOTP_KEY) or totp_key_file (GP_TOTP_KEY_FILE), not both"),
        };
        Self::from_hex(text.trim())
    }

    fn from_hex(hex_key: &str) -> anyhow::Result<Self> {
        let bytes = hex::decode(hex_key)
            .ok()
            .filter(|b| b.len() == 32)
            .context("the TOTP key must be 64 hex characters (32 random bytes), e.g. the output of `openssl rand -hex 32`")?;
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| anyhow::anyhow!("AES-256-GCM refused the TOTP key"))?;
        Ok(Self(Some(LessSafeKey::new(key))))
    }

    pub fn has_key(&self) -> bool {
        self.0.is_some()
    }

    /// What to store for `secret`: sealed when there is a key, else the secret itself.
    pub fn seal(&self, user_id: i64, secret: &str) -> anyhow::Result<String> {
        let Some(key) = &self.0 else { return Ok(secret.to_owned()) };
        let nonce: [u8; NONCE_LEN] = rand::random();
        let mut sealed = secret.as_bytes().to_vec();
        key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), aad(user_id), &mut sealed)
            .map_err(|_| anyhow::anyhow!("cannot seal a TOTP secret"))?;
        Ok(format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode([nonce.as_slice(), &sealed].concat())))
    }

    /// The secret behind what is stored: opened when sealed (which needs the key that sealed it,
    /// and the same member), as it is when in clear.
    pub fn open(&self, user_id: i64, stored: &str) -> anyhow::Result<String> {
        let Some(sealed) = stored.strip_prefix(SEALED_PREFIX) else { return Ok(stored.to_owned()) };
        let key = self.0.as_ref().context("a TOTP secret is encrypted but no TOTP key is configured")?;
        let mut bytes = URL_SAFE_NO_PAD.decode(sealed).context("a sealed TOTP secret is not base64")?;
        anyhow::ensure!(bytes.len() > NONCE_LEN, "a sealed TOTP secret is cut short");
        let nonce = Nonce::try_assume_unique_for_key(&bytes[..NONCE_LEN]).map_err(|_| anyhow::anyhow!("bad nonce"))?;
        let opened = key
            .open_in_place(nonce, aad(user_id), &mut bytes[NONCE_LEN..])
            .map_err(|_| anyhow::anyhow!("the TOTP key does not open this secret (another key, or another member's secret)"))?;
        String::from_utf8(opened.to_vec()).context("an opened TOTP secret is not text")
    }
}

/// Binds a sealed secret to its member: copied onto another account's row it does not open.
fn aad(user_id: i64) -> Aad<[u8; 8]> {
    Aad::from(user_id.to_be_bytes())
}

/// At start: checks the key against the sealed secrets, seals those still in clear, and
/// returns what the server uses. Fails, with what to do, when sealed secrets cannot be opened.
pub async fn prepare(store: &Store, config: &Config) -> anyhow::Result<TotpSecrets> {
    let secrets = TotpSecrets::from_config(config)?;
    if let Some((user_id, sealed)) = store.sealed_totp_secret_sample(SEALED_PREFIX).await? {
        anyhow::ensure!(
            secrets.has_key(),
            "TOTP secrets in the database are encrypted, but no TOTP key is configured: set totp_key_file \
             (GP_TOTP_KEY_FILE) or GP_TOTP_KEY to the key they were encrypted with (docs/OPERATIONS.md)"
        );
        secrets.open(user_id, &sealed).context(
            "the configured TOTP key does not decrypt the TOTP secrets in the database: it is not the key they were \
             encrypted with (docs/OPERATIONS.md)",
        )?;
    }
    let clear = store.clear_totp_secrets(SEALED_PREFIX).await?;
    if !secrets.has_key() {
        if !clear.is_empty() {
            tracing::warn!(members = clear.len(), "TOTP secrets are stored in clear: set totp_key_file to encrypt them");
        }
        return Ok(secrets);
    }
    let mut sealed = 0;
    for (user_id, secret) in clear {
        sealed += u32::from(store.replace_totp_secret(user_id, &secret, &secrets.seal(user_id, &secret)?).await?);
    }
    if sealed > 0 {
        tracing::info!(members = sealed, "TOTP secrets stored in clear are now encrypted");
    }
    Ok(secrets)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    fn keyed(hex_key: &str) -> TotpSecrets {
        TotpSecrets::from_hex(hex_key).unwrap()
    }

    #[test]
    fn a_sealed_secret_opens_for_its_member_only() {
        let secrets = keyed(KEY);
        let stored = secrets.seal(7, SECRET).unwrap();
        assert!(stored.starts_with(SEALED_PREFIX) && !stored.contains(SECRET), "{stored}");
        assert_ne!(stored, secrets.seal(7, SECRET).unwrap(), "a fresh nonce each time");
        assert_eq!(secrets.open(7, &stored).unwrap(), SECRET);
        assert!(secrets.open(8, &stored).is_err(), "moved to another member's row");
    }

    #[test]
    fn another_key_or_no_key_does_not_open_it() {
        let stored = keyed(KEY).seal(7, SECRET).unwrap();
        let other = keyed(&KEY.replace("1f", "ff"));
        assert!(other.open(7, &stored).is_err());
        assert!(TotpSecrets::default().open(7, &stored).unwrap_err().to_string().contains("no TOTP key"));
        let mut cut = stored.clone();
        cut.truncate(stored.len() - 4);
        assert!(keyed(KEY).open(7, &cut).is_err(), "a damaged value is refused, not misread");
    }

    #[test]
    fn without_a_key_secrets_pass_through_and_clear_ones_still_open_with_one() {
        assert_eq!(TotpSecrets::default().seal(7, SECRET).unwrap(), SECRET);
        assert_eq!(keyed(KEY).open(7, SECRET).unwrap(), SECRET);
    }

    #[test]
    fn a_malformed_key_is_refused_with_what_is_expected() {
        for bad in ["", "abc", &KEY[..62], &format!("{KEY}00"), &KEY.replace('0', "g")] {
            let err = TotpSecrets::from_hex(bad).err().expect("refused");
            assert!(err.to_string().contains("64 hex characters"), "{bad:?}: {err}");
        }
    }
}
