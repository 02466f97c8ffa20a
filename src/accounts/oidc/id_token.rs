//! ID-token checks: signature by one of the provider's keys, issuer, audience, expiry and the
//! nonce this sign-in sent.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind};
use serde::Deserialize;

/// What this sign-in expects the token to say.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
}

/// The claims we use; `email_verified` only when the provider says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdClaims {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    /// Other claims with a text value (e.g. `organization`), for the ministry staff rules.
    pub other: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a signed JWT we can read")]
    Malformed,
    #[error("the token is signed with a key the provider does not publish")]
    UnknownKey,
    #[error("the signature does not match")]
    BadSignature,
    #[error("wrong issuer")]
    WrongIssuer,
    #[error("wrong audience")]
    WrongAudience,
    #[error("expired")]
    Expired,
    #[error("wrong nonce")]
    WrongNonce,
}

#[derive(Deserialize)]
pub(super) struct RawClaims {
    sub: String,
    #[serde(default)]
    nonce: Option<String>,
    #[serde(default)]
    email: Option<String>,
    /// A boolean, or the string "true" from some providers.
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
    #[serde(flatten)]
    other: std::collections::BTreeMap<String, serde_json::Value>,
}

/// Asymmetric algorithms only: a token "signed" with the client secret or unsigned is refused.
const ALLOWED: [Algorithm; 8] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::EdDSA,
];

pub fn validate(token: &str, keys: &JwkSet, expected: &Expected<'_>) -> Result<IdClaims, TokenError> {
    let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
    if !ALLOWED.contains(&header.alg) {
        return Err(TokenError::Malformed);
    }
    let jwk = match &header.kid {
        Some(kid) => keys.find(kid),
        None if keys.keys.len() == 1 => keys.keys.first(),
        None => None,
    }
    .ok_or(TokenError::UnknownKey)?;
    let key = DecodingKey::from_jwk(jwk).map_err(|_| TokenError::UnknownKey)?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[expected.issuer]);
    validation.set_audience(&[expected.client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    let data = jsonwebtoken::decode::<RawClaims>(token, &key, &validation).map_err(|err| match err.kind() {
        ErrorKind::InvalidSignature => TokenError::BadSignature,
        ErrorKind::InvalidIssuer => TokenError::WrongIssuer,
        ErrorKind::InvalidAudience => TokenError::WrongAudience,
        ErrorKind::ExpiredSignature => TokenError::Expired,
        _ => TokenError::Malformed,
    })?;
    let claims = data.claims;
    if claims.nonce.as_deref() != Some(expected.nonce) {
        return Err(TokenError::WrongNonce);
    }
    Ok(claims.into_id_claims())
}

impl RawClaims {
    pub(super) fn into_id_claims(self) -> IdClaims {
        let claims = self;
        let email_verified = matches!(&claims.email_verified, Some(serde_json::Value::Bool(true)))
            || matches!(&claims.email_verified, Some(serde_json::Value::String(s)) if s == "true");
        let other = claims.other.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_string()))).collect();
        IdClaims { subject: claims.sub, email: claims.email, email_verified, name: claims.name, other }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use jsonwebtoken::{EncodingKey, Header};
    use ring::signature::{Ed25519KeyPair, KeyPair};

    const ISSUER: &str = "https://id.example";

    /// A signing key of our own and the JWKS a provider would publish for it.
    struct TestKey {
        encoding: EncodingKey,
        kid: String,
        public_x: String,
    }

    impl TestKey {
        fn new(kid: &str) -> Self {
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&ring::rand::SystemRandom::new()).unwrap();
            let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
            let public_x = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
            Self { encoding: EncodingKey::from_ed_der(pkcs8.as_ref()), kid: kid.into(), public_x }
        }

        fn jwks(&self) -> JwkSet {
            serde_json::from_value(serde_json::json!({"keys": [
                {"kty": "OKP", "crv": "Ed25519", "x": self.public_x, "kid": self.kid, "use": "sig", "alg": "EdDSA"}
            ]}))
            .unwrap()
        }

        fn sign(&self, kid: &str, claims: serde_json::Value) -> String {
            let mut header = Header::new(Algorithm::EdDSA);
            header.kid = Some(kid.into());
            jsonwebtoken::encode(&header, &claims, &self.encoding).unwrap()
        }
    }

    fn claims() -> serde_json::Value {
        let now = chrono::Utc::now().timestamp();
        serde_json::json!({"iss": ISSUER, "aud": "goodpractice", "sub": "user-1", "iat": now,
            "exp": now + 300, "nonce": "n-1", "email": "lan@bv.example", "email_verified": true, "name": "Lan"})
    }

    fn with(field: &str, value: serde_json::Value) -> serde_json::Value {
        let mut c = claims();
        c[field] = value;
        c
    }

    fn check(token: &str, keys: &JwkSet) -> Result<IdClaims, TokenError> {
        validate(token, keys, &Expected { issuer: ISSUER, client_id: "goodpractice", nonce: "n-1" })
    }

    #[test]
    fn a_good_token_gives_its_claims() {
        let key = TestKey::new("k1");
        let found = check(&key.sign("k1", claims()), &key.jwks()).unwrap();
        assert_eq!(found.subject, "user-1");
        assert!(found.email_verified);
        let unverified = check(&key.sign("k1", with("email_verified", serde_json::json!(false))), &key.jwks()).unwrap();
        assert!(!unverified.email_verified);
    }

    #[test]
    fn each_wrong_claim_is_refused_for_its_reason() {
        let key = TestKey::new("k1");
        let jwks = key.jwks();
        let past = chrono::Utc::now().timestamp() - 3600;
        assert_eq!(check(&key.sign("k1", with("aud", "someone-else".into())), &jwks), Err(TokenError::WrongAudience));
        assert_eq!(check(&key.sign("k1", with("iss", "https://evil.example".into())), &jwks), Err(TokenError::WrongIssuer));
        assert_eq!(check(&key.sign("k1", with("nonce", "n-2".into())), &jwks), Err(TokenError::WrongNonce));
        assert_eq!(check(&key.sign("k1", with("exp", past.into())), &jwks), Err(TokenError::Expired));
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(check(&key.sign("k1", no_nonce), &jwks), Err(TokenError::WrongNonce));
    }

    #[test]
    fn another_key_or_no_signature_is_refused() {
        let published = TestKey::new("k1");
        let attacker = TestKey::new("k1");
        assert_eq!(check(&attacker.sign("k1", claims()), &published.jwks()), Err(TokenError::BadSignature));
        assert_eq!(check(&attacker.sign("k9", claims()), &published.jwks()), Err(TokenError::UnknownKey));
        // "alg": "none" and a symmetric token signed with a guessable secret.
        let encode = |v: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let unsigned = format!("{}.{}.", encode(serde_json::json!({"alg": "none", "kid": "k1"})), encode(claims()));
        assert_eq!(check(&unsigned, &published.jwks()), Err(TokenError::Malformed));
        let hmac = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims(), &EncodingKey::from_secret(b"s")).unwrap();
        assert_eq!(check(&hmac, &published.jwks()), Err(TokenError::Malformed));
        assert_eq!(check("not a token", &published.jwks()), Err(TokenError::Malformed));
    }
}
