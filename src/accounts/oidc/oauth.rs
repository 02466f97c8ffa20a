//! The OAuth 2.0 side of sign-in through the `oauth2` crate: the authorization URL (state,
//! nonce, PKCE S256) and the code exchange. oauth2's own reqwest feature pins another reqwest,
//! so its HTTP calls go through [`HttpClient`], which sends them with ours.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use oauth2::basic::{BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType};
use oauth2::http;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields, HttpRequest,
    HttpResponse, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken, StandardTokenResponse, TokenResponse,
    TokenUrl,
};
use serde::{Deserialize, Serialize};

/// The ID token that an OpenID Connect token response carries beside the access token.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

type CodeTokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// A client with an authorization and a token endpoint (all sign-in needs).
pub type SignInClient = oauth2::Client<
    BasicErrorResponse,
    CodeTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

/// What the provider must be told about us.
pub struct ClientSettings<'a> {
    pub client_id: &'a str,
    pub client_secret: &'a str,
    pub authorize_url: &'a str,
    pub token_url: &'a str,
    pub redirect_uri: &'a str,
    /// Send client_id and client_secret in the token request's form (Facebook) instead of
    /// HTTP Basic authentication.
    pub secret_in_body: bool,
}

/// The configured endpoints as an `oauth2` client; `Err` names what is not a URL.
pub fn client(s: &ClientSettings<'_>) -> Result<SignInClient, String> {
    let auth = AuthUrl::new(s.authorize_url.to_string()).map_err(|e| format!("authorization endpoint: {e}"))?;
    let token = TokenUrl::new(s.token_url.to_string()).map_err(|e| format!("token endpoint: {e}"))?;
    let redirect = RedirectUrl::new(s.redirect_uri.to_string()).map_err(|e| format!("redirect URI: {e}"))?;
    let mut client =
        oauth2::Client::new(ClientId::new(s.client_id.to_string())).set_auth_uri(auth).set_token_uri(token).set_redirect_uri(redirect);
    if !s.client_secret.is_empty() {
        client = client.set_client_secret(ClientSecret::new(s.client_secret.to_string()));
    }
    if s.secret_in_body {
        client = client.set_auth_type(oauth2::AuthType::RequestBody);
    }
    Ok(client)
}

/// The address that sends the browser to the provider: code flow, our `state`, PKCE S256 from
/// `verifier`, and the extra parameters (the OpenID Connect nonce, a preset's own names).
pub fn authorization_url(client: &SignInClient, state: &str, verifier: &str, scopes: &[String], extra: &[(&str, &str)]) -> url::Url {
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_string()));
    let state = state.to_string();
    let mut request = client
        .authorize_url(move || CsrfToken::new(state))
        .add_scopes(scopes.iter().map(|s| Scope::new(s.clone())))
        .set_pkce_challenge(challenge);
    for (name, value) in extra {
        request = request.add_extra_param(name.to_string(), value.to_string());
    }
    request.url().0
}

/// The tokens a code was exchanged for.
#[derive(Debug)]
pub struct Tokens {
    pub access_token: String,
    pub id_token: Option<String>,
}

/// Why a code exchange failed: the provider said no (a spent or forged code), or could not be
/// reached or understood.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    #[error("the provider refused the code: {0}")]
    Refused(String),
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the provider could not be reached or answered nonsense: {0}")]
    Unavailable(String),
    /// It answered 200 with a body that is not a token response (e.g. no access_token).
    #[error("the provider's token response is not usable: {0}")]
    Malformed(String),
}

/// Exchanges `code` (with the PKCE verifier) for tokens. Generic over the HTTP client so that
/// tests can see the exact request.
pub async fn exchange_code<C>(client: &SignInClient, http: &C, code: &str, verifier: &str) -> Result<Tokens, ExchangeError>
where
    C: for<'c> oauth2::AsyncHttpClient<'c, Error = HttpError>,
{
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
        .request_async(http)
        .await
        .map_err(|err| match err {
            oauth2::RequestTokenError::ServerResponse(e) => ExchangeError::Refused(e.error().to_string()),
            oauth2::RequestTokenError::Request(e) if e.timed_out => ExchangeError::Timeout,
            oauth2::RequestTokenError::Parse(e, _) => ExchangeError::Malformed(e.to_string()),
            other => ExchangeError::Unavailable(other.to_string()),
        })?;
    Ok(Tokens { access_token: response.access_token().secret().clone(), id_token: response.extra_fields().id_token.clone() })
}

/// `oauth2`'s HTTP calls, sent with our reqwest client under a time limit. Extra headers are
/// for presets that want more than OAuth 2.0 (Zalo's `secret_key`).
pub struct HttpClient {
    pub client: reqwest::Client,
    pub timeout: Duration,
    pub extra_headers: Vec<(&'static str, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct HttpError {
    message: String,
    timed_out: bool,
}

impl HttpError {
    pub fn timed_out(&self) -> bool {
        self.timed_out
    }

    pub(super) fn from(err: impl std::fmt::Display) -> Self {
        Self { message: err.to_string(), timed_out: false }
    }
}

impl From<reqwest::Error> for HttpError {
    fn from(err: reqwest::Error) -> Self {
        Self { timed_out: err.is_timeout(), message: err.to_string() }
    }
}

impl<'c> oauth2::AsyncHttpClient<'c> for HttpClient {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let mut request = reqwest::Request::try_from(request)?;
            *request.timeout_mut() = Some(self.timeout);
            for (name, value) in &self.extra_headers {
                let value = reqwest::header::HeaderValue::from_str(value).map_err(HttpError::from)?;
                request.headers_mut().insert(*name, value);
            }
            let response = self.client.execute(request).await?;
            let mut builder = http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                builder = builder.header(name, value);
            }
            let body = response.bytes().await?;
            builder.body(body.to_vec()).map_err(HttpError::from)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> ClientSettings<'static> {
        ClientSettings {
            client_id: "goodpractice",
            client_secret: "bí-mật",
            authorize_url: "https://id.example/authorize",
            token_url: "https://id.example/token",
            redirect_uri: "https://forum.example/auth/oidc/gov/callback",
            secret_in_body: false,
        }
    }

    #[test]
    fn the_authorization_url_carries_state_nonce_and_an_s256_challenge() {
        let client = client(&settings()).unwrap();
        // The expected challenge was computed apart from this code:
        // printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
        let verifier = "dBjftJeZ4CVP-mJ92K9hHlRc_QtVmKS5_ljBfQVp6LI";
        let url = authorization_url(&client, "trạng-thái", verifier, &["openid".into(), "email".into()], &[("nonce", "n-1")]);
        let pairs: std::collections::HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(url.as_str().split('?').next(), Some("https://id.example/authorize"));
        assert_eq!(pairs["response_type"], "code");
        assert_eq!(pairs["client_id"], "goodpractice");
        assert_eq!(pairs["redirect_uri"], "https://forum.example/auth/oidc/gov/callback");
        assert_eq!(pairs["scope"], "openid email");
        assert_eq!(pairs["state"], "trạng-thái");
        assert_eq!(pairs["nonce"], "n-1");
        assert_eq!(pairs["code_challenge"], "7eC7fwDJ5wcekBmgJZELBnVWpE7ifpnrhUSR8OTfF_o");
        assert_eq!(pairs["code_challenge_method"], "S256");
    }

    #[test]
    fn unusable_endpoints_are_named() {
        let mut bad = settings();
        bad.token_url = "not a url";
        assert!(client(&bad).unwrap_err().contains("token endpoint"));
    }
}
