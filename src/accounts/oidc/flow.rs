//! The redirect flow: `/auth/oidc/{id}/login` sends the browser to the provider, `/callback`
//! brings it back; `/link` and `/unlink` (forms on the profile settings) manage linked providers.
//!
//! The browser carries a random secret in the HttpOnly `gp_oidc` cookie; each sign-in in progress
//! is a database row found by a hash of its `state` and holding a hash of that secret, so a state
//! works once and only in the browser that started it. Every refusal is an `AppError` with a
//! message, raised before anything is written.

use std::str::FromStr;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{Duration, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq;

use super::OAuthEndpoints;
use super::ProviderConfig;
use super::config::MinistryAction;
use super::discovery::{self, FetchError, Metadata};
use super::id_token::{self, Expected, IdClaims, TokenError};
use super::oauth;
use super::plain;
use crate::accounts::session::{random_token, token_hash};
use crate::accounts::{DisplayName, Email, RequireUser, Role};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{NewUser, OidcLogin, StoreError};
use crate::web::{CsrfForm, Page, safe_next};

const BROWSER_COOKIE: &str = "gp_oidc";
/// Longest time between leaving for the provider and coming back.
const LOGIN_VALID_MINUTES: i64 = 10;
const SETTINGS: &str = "/settings/profile";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/{id}/login", get(login))
        .route("/auth/oidc/{id}/callback", get(callback))
        .route("/auth/oidc/{id}/link", post(link))
        .route("/auth/oidc/{id}/unlink", post(unlink))
}

/// A 400 page with `message` (given as `Msg::new("…")` so the catalog test sees the key).
fn refused(message: Msg) -> AppError {
    AppError::Rejected(StatusCode::BAD_REQUEST, message)
}

fn provider<'a>(state: &'a AppState, id: &str) -> AppResult<&'a ProviderConfig> {
    super::providers(state).iter().find(|p| p.id == id).ok_or(AppError::NotFound)
}

fn unavailable(provider: &ProviderConfig, err: FetchError) -> AppError {
    tracing::warn!(provider = %provider.id, error = %err, "sign-in provider unavailable");
    let status = match err {
        FetchError::Timeout => StatusCode::GATEWAY_TIMEOUT,
        FetchError::Failed(_) => StatusCode::BAD_GATEWAY,
    };
    AppError::Rejected(status, Msg::new("error.oidc.provider_unavailable"))
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<NextQuery>,
    headers: HeaderMap,
    jar: CookieJar,
) -> AppResult<Response> {
    let provider = provider(&state, &id)?;
    begin(&state, provider, &headers, jar, safe_next(q.next.as_deref()), None).await
}

#[derive(Deserialize)]
struct Empty {}

async fn link(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RequireUser(user): RequireUser,
    headers: HeaderMap,
    jar: CookieJar,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let provider = provider(&state, &id)?;
    begin(&state, provider, &headers, jar, SETTINGS.into(), Some(user.id)).await
}

/// Where `begin` sends the browser: a plain OAuth provider's own endpoints, or those an OpenID
/// Connect provider's discovery document names.
enum Authorize {
    Plain(OAuthEndpoints),
    Oidc(std::sync::Arc<Metadata>),
}

/// Plain OAuth providers need no discovery; OpenID Connect ones are checked reachable first.
async fn authorize_endpoints(provider: &ProviderConfig) -> AppResult<Authorize> {
    match provider.oauth_endpoints() {
        Some(endpoints) => Ok(Authorize::Plain(endpoints)),
        None => discovery::metadata(provider, false).await.map(Authorize::Oidc).map_err(|e| unavailable(provider, e)),
    }
}

/// Records the sign-in in progress and sends the browser to the provider.
async fn begin(
    state: &AppState,
    provider: &ProviderConfig,
    headers: &HeaderMap,
    jar: CookieJar,
    next: String,
    link_user_id: Option<i64>,
) -> AppResult<Response> {
    let endpoints = authorize_endpoints(provider).await?;
    let redirect_uri = format!("{}/auth/oidc/{}/callback", base_url(state, headers)?, provider.id);
    let (jar, browser_secret) = browser_cookie(state, jar);
    let (state_token, nonce, verifier) = (random_token(), random_token(), random_token());
    state
        .store()
        .save_oidc_login(&OidcLogin {
            state_hash: token_hash(&state_token),
            provider_id: provider.id.clone(),
            browser_hash: token_hash(&browser_secret),
            nonce: nonce.clone(),
            pkce_verifier: verifier.clone(),
            redirect_uri: redirect_uri.clone(),
            next_path: next,
            link_user_id,
            created_at: Utc::now(),
        })
        .await?;
    let url = match endpoints {
        Authorize::Oidc(meta) => {
            let client = oauth_client(provider, &meta, &redirect_uri)?;
            oauth::authorization_url(&client, &state_token, &verifier, &provider.scopes, &[("nonce", &nonce)])
        }
        Authorize::Plain(endpoints) => plain::authorization_url(provider, &endpoints, &redirect_uri, &state_token, &verifier)
            .map_err(|why| unavailable(provider, FetchError::Failed(why)))?,
    };
    Ok((jar, Redirect::to(url.as_str())).into_response())
}

/// The provider's endpoints (from discovery) as an `oauth2` client.
fn oauth_client(provider: &ProviderConfig, meta: &Metadata, redirect_uri: &str) -> AppResult<oauth::SignInClient> {
    oauth::client(&oauth::ClientSettings {
        client_id: &provider.client_id,
        client_secret: &provider.client_secret,
        authorize_url: &meta.discovery.authorization_endpoint,
        token_url: &meta.discovery.token_endpoint,
        redirect_uri,
        secret_in_body: false,
    })
    .map_err(|why| unavailable(provider, FetchError::Failed(why)))
}

/// `public_url` when configured, otherwise the address the browser used (only sound when the
/// site is reached directly, as in development; the provider still checks the exact URI).
fn base_url(state: &AppState, headers: &HeaderMap) -> AppResult<String> {
    let configured = state.config().public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return Ok(configured.to_string());
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    let authority = axum::http::uri::Authority::from_str(host).map_err(|_| refused(Msg::new("error.oidc.state_invalid")))?;
    if authority.as_str().contains('@') {
        return Err(refused(Msg::new("error.oidc.state_invalid")));
    }
    let scheme = if state.config().secure_cookies { "https" } else { "http" };
    Ok(format!("{scheme}://{authority}"))
}

/// The browser's sign-in secret (kept if it has one), refreshed for another hour.
fn browser_cookie(state: &AppState, jar: CookieJar) -> (CookieJar, String) {
    let secret = match jar.get(BROWSER_COOKIE).map(|c| c.value().to_string()) {
        Some(v) if v.len() == 43 => v,
        _ => random_token(),
    };
    let cookie = Cookie::build((BROWSER_COOKIE, secret.clone()))
        .path("/auth/oidc")
        .http_only(true)
        .secure(state.config().secure_cookies)
        // Lax: the provider sends the browser back with a top-level GET, which carries it.
        .same_site(SameSite::Lax)
        .max_age(cookie::time::Duration::hours(1))
        .build();
    (jar.add(cookie), secret)
}

#[derive(Deserialize, Default)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<CallbackQuery>,
    page: Page,
    jar: CookieJar,
) -> AppResult<Response> {
    let provider = provider(&state, &id)?;
    // The state is spent whatever happens next.
    let login = match q.state.as_deref() {
        Some(s) if !s.is_empty() => state.store().take_oidc_login(&token_hash(s)).await?,
        _ => None,
    };
    if let Some(error) = q.error.as_deref() {
        return Err(if error == "access_denied" {
            AppError::Forbidden(Msg::new("error.oidc.denied"))
        } else {
            refused(Msg::new("error.oidc.provider_error"))
        });
    }
    let login = login.ok_or_else(|| refused(Msg::new("error.oidc.state_invalid")))?;
    check_login(&login, provider, &jar)?;
    let code = q.code.filter(|c| !c.is_empty()).ok_or_else(|| refused(Msg::new("error.oidc.state_invalid")))?;
    let claims = verified_claims(provider, &code, &login).await?;
    match login.link_user_id {
        Some(user_id) => finish_link(&state, provider, &claims, user_id, page.viewer_id()).await,
        None => finish_sign_in(&state, provider, &claims, jar, &login.next_path).await,
    }
}

/// The state came back to the provider and browser that started it, in time.
fn check_login(login: &OidcLogin, provider: &ProviderConfig, jar: &CookieJar) -> AppResult<()> {
    let browser_hash = jar.get(BROWSER_COOKIE).map(|c| token_hash(c.value()));
    let same_browser = browser_hash.as_deref().is_some_and(|h| bool::from(h.as_bytes().ct_eq(login.browser_hash.as_bytes())));
    let in_time = login.created_at > Utc::now() - Duration::minutes(LOGIN_VALID_MINUTES);
    if login.provider_id != provider.id || !same_browser || !in_time {
        return Err(refused(Msg::new("error.oidc.state_invalid")));
    }
    Ok(())
}

/// Exchanges the code (with the PKCE verifier) and checks the ID token that comes back; for a
/// plain OAuth provider, asks its user endpoint instead.
async fn verified_claims(provider: &ProviderConfig, code: &str, login: &OidcLogin) -> AppResult<IdClaims> {
    if let Some(endpoints) = provider.oauth_endpoints() {
        return plain_claims(provider, &endpoints, code, login).await;
    }
    let meta = discovery::metadata(provider, false).await.map_err(|e| unavailable(provider, e))?;
    let tokens = exchange_code(provider, &meta, code, login).await?;
    let id_token = tokens.id_token.clone().ok_or_else(|| refused(Msg::new("error.oidc.token_invalid")))?;
    let expected = Expected { issuer: provider.issuer(), client_id: &provider.client_id, nonce: &login.nonce };
    let checked = match id_token::validate(&id_token, &meta.keys, &expected) {
        Err(TokenError::UnknownKey) => {
            let fresh = discovery::metadata(provider, true).await.map_err(|e| unavailable(provider, e))?;
            id_token::validate(&id_token, &fresh.keys, &expected)
        }
        other => other,
    };
    let claims = checked.map_err(|reason| token_refused(provider, reason))?;
    with_userinfo(provider, &meta, Some(&tokens.access_token), claims).await
}

/// An expired token says so: the usual cause is a clock that is off, here or at the provider,
/// which an administrator can fix. The other refusals do not tell which check failed.
fn token_refused(provider: &ProviderConfig, reason: TokenError) -> AppError {
    tracing::warn!(provider = %provider.id, %reason, "ID token refused");
    match reason {
        TokenError::Expired => refused(Msg::new("error.oidc.token.expired")),
        _ => refused(Msg::new("error.oidc.token_invalid")),
    }
}

/// Adds the profile claims from the userinfo endpoint when the ID token has no email or name,
/// or not a claim a ministry rule reads (providers may keep them there); its `sub` must be the
/// ID token's (OIDC Core 5.3.2).
async fn with_userinfo(provider: &ProviderConfig, meta: &Metadata, access_token: Option<&str>, claims: IdClaims) -> AppResult<IdClaims> {
    let (Some(endpoint), Some(access_token)) = (meta.discovery.userinfo_endpoint.as_deref(), access_token) else {
        return Ok(claims);
    };
    let rule_claim_missing = provider.ministry_rule_claims().any(|c| !claims.other.contains_key(c));
    if claims.email.is_some() && claims.name.is_some() && !rule_claim_missing {
        return Ok(claims);
    }
    let response = discovery::http()
        .get(endpoint)
        .bearer_auth(access_token)
        .timeout(provider.timeout())
        .send()
        .await
        .and_then(|r| r.error_for_status())
        .map_err(|e| unavailable(provider, e.into()))?;
    let info: id_token::RawClaims = response.json().await.map_err(|e| unavailable(provider, e.into()))?;
    let info = info.into_id_claims();
    if info.subject != claims.subject {
        tracing::warn!(provider = %provider.id, "userinfo names another subject");
        return Err(refused(Msg::new("error.oidc.token_invalid")));
    }
    Ok(IdClaims {
        email_verified: if claims.email.is_some() { claims.email_verified } else { info.email_verified },
        email: claims.email.or(info.email),
        name: claims.name.or(info.name),
        // The ID token's word wins where both say something.
        other: info.other.into_iter().chain(claims.other).collect(),
        subject: claims.subject,
    })
}

fn http_client(provider: &ProviderConfig) -> oauth::HttpClient {
    oauth::HttpClient { client: discovery::http().clone(), timeout: provider.timeout(), extra_headers: Vec::new() }
}

/// Plain OAuth 2.0: the code for an access token, the token for the user endpoint's account.
/// Nothing is written unless both answer sensibly.
async fn plain_claims(provider: &ProviderConfig, endpoints: &OAuthEndpoints, code: &str, login: &OidcLogin) -> AppResult<IdClaims> {
    let http = http_client(provider);
    let access_token =
        plain::exchange(provider, endpoints, &http, code, &login.pkce_verifier, &login.redirect_uri).await.map_err(|err| match err {
            oauth::ExchangeError::Refused(reason) => {
                tracing::warn!(provider = %provider.id, %reason, "code exchange refused");
                refused(Msg::new("error.oidc.exchange_failed"))
            }
            oauth::ExchangeError::Malformed(reason) => {
                tracing::warn!(provider = %provider.id, %reason, "token response unusable");
                refused(Msg::new("error.oidc.token_invalid"))
            }
            oauth::ExchangeError::Timeout => unavailable(provider, FetchError::Timeout),
            oauth::ExchangeError::Unavailable(why) => unavailable(provider, FetchError::Failed(why)),
        })?;
    plain::fetch_user(provider, endpoints, &http, &access_token).await.map_err(|err| match err {
        plain::ProfileError::NoAccount(reason) => {
            tracing::warn!(provider = %provider.id, %reason, "user endpoint names no account");
            refused(Msg::new("error.oidc.token_invalid"))
        }
        plain::ProfileError::Timeout => unavailable(provider, FetchError::Timeout),
        plain::ProfileError::Unavailable(why) => unavailable(provider, FetchError::Failed(why)),
    })
}

/// Exchanges the code (with the PKCE verifier) through `oauth2`, client_secret_basic.
async fn exchange_code(provider: &ProviderConfig, meta: &Metadata, code: &str, login: &OidcLogin) -> AppResult<oauth::Tokens> {
    let client = oauth_client(provider, meta, &login.redirect_uri)?;
    let http = http_client(provider);
    oauth::exchange_code(&client, &http, code, &login.pkce_verifier).await.map_err(|err| match err {
        // A replayed or expired code lands here (invalid_grant).
        oauth::ExchangeError::Refused(reason) => {
            tracing::warn!(provider = %provider.id, %reason, "code exchange refused");
            refused(Msg::new("error.oidc.exchange_failed"))
        }
        oauth::ExchangeError::Timeout => unavailable(provider, FetchError::Timeout),
        oauth::ExchangeError::Unavailable(why) | oauth::ExchangeError::Malformed(why) => unavailable(provider, FetchError::Failed(why)),
    })
}

async fn finish_sign_in(state: &AppState, provider: &ProviderConfig, claims: &IdClaims, jar: CookieJar, next: &str) -> AppResult<Response> {
    let user_id = match state.store().identity_user(&provider.id, &claims.subject).await? {
        Some(user_id) => user_id,
        None => create_account(state, provider, claims).await?,
    };
    let mut user = state.store().user_by_id(user_id).await?;
    crate::moderation::ensure_not_suspended(state.store(), &user).await?;
    apply_ministry_rules(state, provider, claims, &mut user).await?;
    // A member with two-factor on gives the code here too: a provider account is one factor.
    crate::accounts::two_factor::complete_sign_in(state, jar, user.id, next).await
}

/// Ministry staff by the provider's word: a `grant` rule (or a trusted email domain) makes a
/// member ministry staff at once, a `request` rule puts a request in the moderation queue.
/// Moderators and admins keep their role.
async fn apply_ministry_rules(
    state: &AppState,
    provider: &ProviderConfig,
    claims: &IdClaims,
    user: &mut crate::store::User,
) -> AppResult<()> {
    if user.role != Role::Member {
        return Ok(());
    }
    match provider.ministry_decision(claims) {
        Some((MinistryAction::Grant, _)) => {
            state.store().set_role(user.id, Role::Ministry).await?;
            user.role = Role::Ministry;
        }
        Some((MinistryAction::Request, why)) => {
            // A request already waiting is not repeated at each sign-in.
            state.store().request_ministry(user.id, &why).await?;
        }
        None => {}
    }
    Ok(())
}

/// A first sign-in makes an account, unless its email belongs to someone already: that person
/// must sign in with their password first and link the provider (no silent takeover).
async fn create_account(state: &AppState, provider: &ProviderConfig, claims: &IdClaims) -> AppResult<i64> {
    let email = claims.email.as_deref().and_then(|e| Email::parse(e).ok());
    if let Some(email) = &email
        && state.store().user_id_by_email(email.as_str()).await?.is_some()
    {
        return Err(AppError::Conflict(Msg::new("error.oidc.email_belongs_to_local")));
    }
    // Without an email the account gets a unique address that can never receive mail (.invalid).
    let placeholder = format!("{}@{}.oidc.invalid", &token_hash(&claims.subject)[..20], provider.id);
    let email_text = email.as_ref().map(|e| e.as_str().to_string()).unwrap_or(placeholder);
    let name = claims.name.as_deref().and_then(|n| DisplayName::parse(n).ok());
    let fallback =
        || crate::text::clean_line(&format!("{} {}", provider.display_name(), claims.subject.chars().take(8).collect::<String>()));
    let name = name.map(|n| n.as_str().to_string()).unwrap_or_else(fallback);
    let verified = email.is_some() && claims.email_verified;
    crate::admin::settings::require_signup_open(state).await?;
    let new_user = NewUser { email: &email_text, password_hash: None, display_name: &name, role: Role::Member };
    let user_id =
        state.store().create_user_with_identity(&new_user, verified, &provider.id, &claims.subject).await.map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict(Msg::new("error.oidc.email_belongs_to_local")),
            other => other.into(),
        })?;
    crate::moderation::service::queue_new_account(state, user_id).await?;
    Ok(user_id)
}

async fn finish_link(state: &AppState, provider: &ProviderConfig, claims: &IdClaims, user_id: i64, viewer_id: i64) -> AppResult<Response> {
    // Linking started from this member's session must end in it.
    if viewer_id != user_id {
        return Err(refused(Msg::new("error.oidc.state_invalid")));
    }
    match state.store().identity_user(&provider.id, &claims.subject).await? {
        Some(owner) if owner == user_id => {}
        Some(_) => return Err(AppError::Conflict(Msg::new("error.oidc.identity_taken"))),
        None => state.store().link_identity(user_id, &provider.id, &claims.subject).await.map_err(|e| match e {
            StoreError::Conflict => AppError::Conflict(Msg::new("error.oidc.identity_taken")),
            other => other.into(),
        })?,
    }
    Ok(Redirect::to(&format!("{SETTINGS}?linked=1")).into_response())
}

async fn unlink(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RequireUser(user): RequireUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let provider = provider(&state, &id)?;
    state.store().unlink_identity(user.id, &provider.id).await.map_err(|e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("error.oidc.last_sign_in")),
        other => other.into(),
    })?;
    Ok(Redirect::to(&format!("{SETTINGS}?unlinked=1")).into_response())
}
