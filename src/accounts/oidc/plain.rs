//! Sign-in through plain OAuth 2.0 providers (Facebook, Zalo OAuth v4, `kind = "oauth2"`): no
//! ID token; the account is whoever the provider's user endpoint names for the access token.
//! Facebook and the generic kind go through the `oauth2` crate; Zalo renames the client
//! (`app_id`), moves the secret to a `secret_key` header and answers without `token_type`, so
//! its two requests are written here. Every request goes through one `AsyncHttpClient`, so the
//! tests see exactly what would be sent.

use oauth2::{AsyncHttpClient, HttpRequest, PkceCodeChallenge, PkceCodeVerifier, http};
use serde_json::Value;

use super::config::{OAuthEndpoints, ProviderConfig, ProviderKind};
use super::id_token::IdClaims;
use super::oauth::{self, ExchangeError, HttpError};

/// Why the provider's user endpoint gave no usable account.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("the provider did not answer in time")]
    Timeout,
    #[error("the user endpoint could not be reached or refused the token: {0}")]
    Unavailable(String),
    #[error("the user endpoint's answer names no account: {0}")]
    NoAccount(String),
}

/// Facebook's scopes unless the config names others (the default `openid email profile` means
/// nothing to Facebook).
fn scopes(provider: &ProviderConfig) -> Vec<String> {
    let configured_default = provider.scopes == ["openid", "email", "profile"];
    if provider.kind == ProviderKind::Facebook && configured_default {
        return vec!["email".into(), "public_profile".into()];
    }
    provider.scopes.clone()
}

fn oauth_client(provider: &ProviderConfig, endpoints: &OAuthEndpoints, redirect_uri: &str) -> Result<oauth::SignInClient, String> {
    oauth::client(&oauth::ClientSettings {
        client_id: &provider.client_id,
        client_secret: &provider.client_secret,
        authorize_url: &endpoints.authorize,
        token_url: &endpoints.token,
        redirect_uri,
        // Facebook documents client_id/client_secret as parameters, not HTTP Basic.
        secret_in_body: provider.kind == ProviderKind::Facebook,
    })
}

/// Where the browser goes to sign in: code flow with our state and a PKCE S256 challenge.
pub fn authorization_url(
    provider: &ProviderConfig,
    endpoints: &OAuthEndpoints,
    redirect_uri: &str,
    state: &str,
    verifier: &str,
) -> Result<url::Url, String> {
    if provider.kind != ProviderKind::Zalo {
        let client = oauth_client(provider, endpoints, redirect_uri)?;
        return Ok(oauth::authorization_url(&client, state, verifier, &scopes(provider), &[]));
    }
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.to_string()));
    let mut url = url::Url::parse(&endpoints.authorize).map_err(|e| format!("authorization endpoint: {e}"))?;
    url.query_pairs_mut()
        .append_pair("app_id", &provider.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("state", state);
    Ok(url)
}

/// Exchanges the code (with the PKCE verifier) for an access token.
pub async fn exchange<C>(
    provider: &ProviderConfig,
    endpoints: &OAuthEndpoints,
    http: &C,
    code: &str,
    verifier: &str,
    redirect_uri: &str,
) -> Result<String, ExchangeError>
where
    C: for<'c> AsyncHttpClient<'c, Error = HttpError>,
{
    if provider.kind != ProviderKind::Zalo {
        let client = oauth_client(provider, endpoints, redirect_uri).map_err(ExchangeError::Unavailable)?;
        return Ok(oauth::exchange_code(&client, http, code, verifier).await?.access_token);
    }
    let request = zalo_token_request(provider, endpoints, code, verifier).map_err(ExchangeError::Unavailable)?;
    let response = http
        .call(request)
        .await
        .map_err(|e| if e.timed_out() { ExchangeError::Timeout } else { ExchangeError::Unavailable(e.to_string()) })?;
    let body: Value = serde_json::from_slice(response.body()).map_err(|e| ExchangeError::Malformed(e.to_string()))?;
    match body.get("access_token").and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(token) => Ok(token.to_string()),
        // Zalo answers a refused code with 200 and {"error": -14019, "error_name": "Invalid code", …}.
        None if body.get("error").is_some() || !response.status().is_success() => Err(ExchangeError::Refused(error_text(&body))),
        None => Err(ExchangeError::Malformed("no access_token".into())),
    }
}

/// Zalo OAuth v4: `POST /v4/access_token` with the secret in a `secret_key` header.
fn zalo_token_request(provider: &ProviderConfig, endpoints: &OAuthEndpoints, code: &str, verifier: &str) -> Result<HttpRequest, String> {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("app_id", &provider.client_id)
        .append_pair("code", code)
        .append_pair("grant_type", "authorization_code")
        .append_pair("code_verifier", verifier)
        .finish();
    http::Request::builder()
        .method(http::Method::POST)
        .uri(&endpoints.token)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(http::header::ACCEPT, "application/json")
        .header("secret_key", &provider.client_secret)
        .body(form.into_bytes())
        .map_err(|e| format!("token request: {e}"))
}

/// What an error body says, for the log (never the token).
fn error_text(body: &Value) -> String {
    ["error_name", "error_description", "message", "error"]
        .iter()
        .find_map(|k| body.get(k).map(|v| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
        .unwrap_or_else(|| "no access_token".into())
}

/// The user request: Zalo wants the token in an `access_token` header, the others as a bearer.
fn user_request(provider: &ProviderConfig, endpoints: &OAuthEndpoints, access_token: &str) -> Result<HttpRequest, String> {
    let builder =
        http::Request::builder().method(http::Method::GET).uri(&endpoints.userinfo).header(http::header::ACCEPT, "application/json");
    let builder = match provider.kind {
        ProviderKind::Zalo => builder.header("access_token", access_token),
        _ => builder.header(http::header::AUTHORIZATION, format!("Bearer {access_token}")),
    };
    builder.body(Vec::new()).map_err(|e| format!("user request: {e}"))
}

/// Asks the user endpoint who holds `access_token`.
pub async fn fetch_user<C>(
    provider: &ProviderConfig,
    endpoints: &OAuthEndpoints,
    http: &C,
    access_token: &str,
) -> Result<IdClaims, ProfileError>
where
    C: for<'c> AsyncHttpClient<'c, Error = HttpError>,
{
    let request = user_request(provider, endpoints, access_token).map_err(ProfileError::Unavailable)?;
    let response = http
        .call(request)
        .await
        .map_err(|e| if e.timed_out() { ProfileError::Timeout } else { ProfileError::Unavailable(e.to_string()) })?;
    if !response.status().is_success() {
        return Err(ProfileError::Unavailable(format!("status {}", response.status())));
    }
    parse_user(provider.kind, response.body())
}

/// The account in a user endpoint's JSON: `id` (Facebook, Zalo; `sub` or `id` for the generic
/// kind), `name`, and the email where there is one. Facebook's email counts as unverified;
/// Zalo has none; the generic kind's counts only with `email_verified: true`.
pub fn parse_user(kind: ProviderKind, body: &[u8]) -> Result<IdClaims, ProfileError> {
    let json: Value = serde_json::from_slice(body).map_err(|e| ProfileError::NoAccount(e.to_string()))?;
    let object = json.as_object().ok_or_else(|| ProfileError::NoAccount("not a JSON object".into()))?;
    let id_of = |key: &str| match object.get(key) {
        Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let subject = match kind {
        ProviderKind::OAuth2 => id_of("sub").or_else(|| id_of("id")),
        _ => id_of("id"),
    };
    // Zalo reports errors as 200 with {"error": 452, "message": "…"} and no id.
    let subject = subject.ok_or_else(|| {
        ProfileError::NoAccount(object.get("message").or(object.get("error")).map(Value::to_string).unwrap_or_else(|| "no id".into()))
    })?;
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string);
    let email = if kind == ProviderKind::Zalo { None } else { text("email") };
    let email_verified = kind == ProviderKind::OAuth2 && email.is_some() && object.get("email_verified") == Some(&Value::Bool(true));
    let other = object.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect();
    Ok(IdClaims { subject, email, email_verified, name: text("name"), other })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Mutex;

    fn provider(kind: &str) -> ProviderConfig {
        let text = format!("id = \"p\"\nkind = \"{kind}\"\nclient_id = \"app-123\"\nclient_secret = \"bí-mật\"");
        toml::from_str(&text).unwrap()
    }

    const REDIRECT: &str = "https://forum.example/auth/oidc/p/callback";
    // The challenge was computed apart from this code:
    // printf %s "$verifier" | openssl dgst -sha256 -binary | base64 | tr '+/' '-_' | tr -d '='
    const VERIFIER: &str = "dBjftJeZ4CVP-mJ92K9hHlRc_QtVmKS5_ljBfQVp6LI";
    const CHALLENGE: &str = "7eC7fwDJ5wcekBmgJZELBnVWpE7ifpnrhUSR8OTfF_o";

    fn query(url: &url::Url) -> HashMap<String, String> {
        url.query_pairs().into_owned().collect()
    }

    /// An HTTP client that records each request and answers with a fixed status and body.
    struct Recorder {
        sent: Mutex<Vec<HttpRequest>>,
        status: u16,
        body: String,
    }

    impl Recorder {
        fn answering(status: u16, body: &str) -> Self {
            Self { sent: Mutex::new(Vec::new()), status, body: body.into() }
        }
        fn only_request(&self) -> HttpRequest {
            let mut sent = self.sent.lock().unwrap();
            assert_eq!(sent.len(), 1);
            sent.pop().unwrap()
        }
    }

    impl<'c> AsyncHttpClient<'c> for Recorder {
        type Error = HttpError;
        type Future = Pin<Box<dyn Future<Output = Result<oauth2::HttpResponse, HttpError>> + Send + 'c>>;
        fn call(&'c self, request: HttpRequest) -> Self::Future {
            self.sent.lock().unwrap().push(request);
            let response = http::Response::builder()
                .status(self.status)
                .header("content-type", "application/json")
                .body(self.body.clone().into_bytes())
                .unwrap();
            Box::pin(async move { Ok(response) })
        }
    }

    fn form(request: &HttpRequest) -> HashMap<String, String> {
        url::form_urlencoded::parse(request.body()).into_owned().collect()
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
        request.headers().get(name).map(|v| v.to_str().unwrap())
    }

    #[test]
    fn facebook_authorization_url() {
        let fb = provider("facebook");
        let url = authorization_url(&fb, &fb.oauth_endpoints().unwrap(), REDIRECT, "trạng-thái", VERIFIER).unwrap();
        assert_eq!(url.as_str().split('?').next(), Some("https://www.facebook.com/v19.0/dialog/oauth"));
        let q = query(&url);
        assert_eq!(q["client_id"], "app-123");
        assert_eq!(q["redirect_uri"], REDIRECT);
        assert_eq!(q["state"], "trạng-thái");
        assert_eq!(q["scope"], "email public_profile");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge"], CHALLENGE);
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!q.contains_key("nonce"), "no ID token, no nonce");
    }

    #[test]
    fn zalo_authorization_url_uses_its_own_names() {
        let zalo = provider("zalo");
        let url = authorization_url(&zalo, &zalo.oauth_endpoints().unwrap(), REDIRECT, "st", VERIFIER).unwrap();
        assert_eq!(url.as_str().split('?').next(), Some("https://oauth.zaloapp.com/v4/permission"));
        let q = query(&url);
        let expected: HashMap<String, String> =
            [("app_id", "app-123"), ("redirect_uri", REDIRECT), ("code_challenge", CHALLENGE), ("state", "st")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert_eq!(q, expected);
    }

    #[tokio::test]
    async fn facebook_token_request_sends_the_secret_in_the_form() {
        let fb = provider("facebook");
        let http = Recorder::answering(200, r#"{"access_token":"EAAG-token","token_type":"bearer","expires_in":5183944}"#);
        let token = exchange(&fb, &fb.oauth_endpoints().unwrap(), &http, "mã-code", VERIFIER, REDIRECT).await.unwrap();
        assert_eq!(token, "EAAG-token");
        let request = http.only_request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://graph.facebook.com/v19.0/oauth/access_token");
        assert_eq!(header(&request, "authorization"), None, "no HTTP Basic for Facebook");
        let f = form(&request);
        assert_eq!(f["client_id"], "app-123");
        assert_eq!(f["client_secret"], "bí-mật");
        assert_eq!(f["code"], "mã-code");
        assert_eq!(f["grant_type"], "authorization_code");
        assert_eq!(f["redirect_uri"], REDIRECT);
        assert_eq!(f["code_verifier"], VERIFIER);
    }

    #[tokio::test]
    async fn zalo_token_request_has_the_secret_key_header_and_app_id() {
        let zalo = provider("zalo");
        let http = Recorder::answering(200, r#"{"access_token":"zalo-at","refresh_token":"zalo-rt","expires_in":"3600"}"#);
        let token = exchange(&zalo, &zalo.oauth_endpoints().unwrap(), &http, "zcode", VERIFIER, REDIRECT).await.unwrap();
        assert_eq!(token, "zalo-at");
        let request = http.only_request();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://oauth.zaloapp.com/v4/access_token");
        assert_eq!(request.headers()["secret_key"].as_bytes(), "bí-mật".as_bytes());
        assert_eq!(header(&request, "content-type"), Some("application/x-www-form-urlencoded"));
        let expected: HashMap<String, String> =
            [("app_id", "app-123"), ("code", "zcode"), ("grant_type", "authorization_code"), ("code_verifier", VERIFIER)]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        assert_eq!(form(&request), expected, "the secret is not in the form");
    }

    #[tokio::test]
    async fn token_responses_without_an_access_token_are_refused() {
        let fb = provider("facebook");
        let http = Recorder::answering(200, r#"{"token_type":"bearer"}"#);
        let err = exchange(&fb, &fb.oauth_endpoints().unwrap(), &http, "c", VERIFIER, REDIRECT).await.unwrap_err();
        assert!(matches!(err, ExchangeError::Malformed(_)), "{err:?}");
        let zalo = provider("zalo");
        let http = Recorder::answering(200, r#"{"refresh_token":"r"}"#);
        let err = exchange(&zalo, &zalo.oauth_endpoints().unwrap(), &http, "c", VERIFIER, REDIRECT).await.unwrap_err();
        assert!(matches!(err, ExchangeError::Malformed(_)), "{err:?}");
        let http = Recorder::answering(200, r#"{"error":-14019,"error_name":"Invalid code","error_reason":"Invalid code"}"#);
        let err = exchange(&zalo, &zalo.oauth_endpoints().unwrap(), &http, "c", VERIFIER, REDIRECT).await.unwrap_err();
        assert!(matches!(&err, ExchangeError::Refused(why) if why == "Invalid code"), "{err:?}");
    }

    #[tokio::test]
    async fn user_requests_carry_the_token_as_each_provider_wants() {
        let fb = provider("facebook");
        let http = Recorder::answering(200, r#"{"id":"10221234567890","name":"Nguyễn Thị Hồng Nhung","email":"nhung@benhvien.example"}"#);
        let claims = fetch_user(&fb, &fb.oauth_endpoints().unwrap(), &http, "EAAG-token").await.unwrap();
        let request = http.only_request();
        assert_eq!(request.method(), http::Method::GET);
        assert_eq!(request.uri(), "https://graph.facebook.com/me?fields=id,name,email");
        assert_eq!(header(&request, "authorization"), Some("Bearer EAAG-token"));
        assert_eq!(claims.subject, "10221234567890");
        assert_eq!(claims.name.as_deref(), Some("Nguyễn Thị Hồng Nhung"));
        assert_eq!(claims.email.as_deref(), Some("nhung@benhvien.example"));
        assert!(!claims.email_verified, "Facebook emails count as unverified");

        let zalo = provider("zalo");
        let body = r#"{"id":"4316981234567","name":"Tran Van Binh","picture":{"data":{"url":"https://s120-ava-talk.zadn.vn/x.jpg"}},"error":0,"message":"Success"}"#;
        let http = Recorder::answering(200, body);
        let claims = fetch_user(&zalo, &zalo.oauth_endpoints().unwrap(), &http, "zalo-at").await.unwrap();
        let request = http.only_request();
        assert_eq!(request.uri(), "https://graph.zalo.me/v2.0/me?fields=id,name,picture");
        assert_eq!(header(&request, "access_token"), Some("zalo-at"));
        assert_eq!(header(&request, "authorization"), None);
        assert_eq!(
            (claims.subject.as_str(), claims.name.as_deref(), claims.email.as_deref()),
            ("4316981234567", Some("Tran Van Binh"), None)
        );
    }

    #[test]
    fn user_json_parsing() {
        // Zalo: the id and a Vietnamese name; an email there would not be Zalo's to give.
        let zalo = parse_user(ProviderKind::Zalo, "{\"id\":\"77\",\"name\":\"Lê Văn Đức\",\"email\":\"x@y.example\"}".as_bytes()).unwrap();
        assert_eq!((zalo.subject.as_str(), zalo.name.as_deref(), zalo.email), ("77", Some("Lê Văn Đức"), None));
        // Zalo's errors come with status 200 and no id.
        let err = parse_user(ProviderKind::Zalo, br#"{"error":452,"message":"Access token is invalid"}"#).unwrap_err();
        assert!(err.to_string().contains("Access token is invalid"), "{err}");
        assert!(parse_user(ProviderKind::Facebook, br#"{"name":"Ph\u1ea1m Thu H\u00e0"}"#).is_err(), "no id");
        assert!(parse_user(ProviderKind::Facebook, br#"{"id":"","name":"A"}"#).is_err(), "empty id");
        assert!(parse_user(ProviderKind::Facebook, b"[1,2]").is_err());
        assert!(parse_user(ProviderKind::Facebook, b"<html>").is_err());
        let fb = parse_user(
            ProviderKind::Facebook,
            br#"{"id":"5","name":"Ph\u1ea1m Thu H\u00e0","email_verified":true,"email":"ha@moh.gov.vn"}"#,
        )
        .unwrap();
        assert_eq!(fb.name.as_deref(), Some("Phạm Thu Hà"));
        assert!(!fb.email_verified, "Facebook's word on verification is not taken");
        let generic = parse_user(
            ProviderKind::OAuth2,
            br#"{"sub":"u-1","email":"an@bv.example","email_verified":true,"organization":"B\u1ed9 Y t\u1ebf"}"#,
        )
        .unwrap();
        assert_eq!((generic.subject.as_str(), generic.email_verified), ("u-1", true));
        assert_eq!(generic.other["organization"], "Bộ Y tế");
        let numeric = parse_user(ProviderKind::OAuth2, br#"{"id":42,"email":"an@bv.example","email_verified":"true"}"#).unwrap();
        assert_eq!((numeric.subject.as_str(), numeric.email_verified), ("42", false));
    }
}
