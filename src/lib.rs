//! goodpractice: a forum where Vietnamese healthcare workers share good practices and case
//! studies on patient safety. `run` is what both the binary and the tests call.

pub mod accounts;
pub mod admin;
pub mod api;
mod api_rules;
pub mod app;
pub mod attachments;
pub mod collections;
pub mod config;
pub mod demo;
pub mod domain;
pub mod engagement;
pub mod error;
pub mod forum;
pub mod guidance;
pub mod import;
pub mod integrations;
pub mod log_once;
pub mod moderation;
pub mod notify;
pub mod ops;
pub mod posting;
pub mod scale;
pub mod search;
pub mod store;
pub mod text;
pub mod web;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::from_fn_with_state;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::config::Config;
use crate::error::AppError;
use crate::store::Store;

/// Largest request body accepted (a long case study in Vietnamese is well under this).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

/// Opens the database, prepares it, and serves until `shutdown` completes.
pub async fn run(config: Config, listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
    let store = Store::open(&config.effective_database_url()).await?;
    prepare(&store, &config).await?;
    let totp = ops::totp_key::prepare(&store, &config).await?;
    let search = search::SearchHandle::starting();
    let indexer = search::Indexer::spawn(store.clone(), search::Generations::new(&config.index_dir()), search.clone());
    let state = AppState::new(config, store, web::i18n::Catalogs::load()?, search);
    state.set_totp_secrets(totp);
    let addr = listener.local_addr()?;
    state.set_site_base(notify::outbox::site_base(&state.config().public_url, &addr.to_string()));
    let mail = notify::outbox::MailTask::spawn(state.clone(), state.site_base())?;
    let sweeper = attachments::sweep::SweepTask::spawn(
        state.store().clone(),
        state.config().uploads_dir(),
        attachments::sweep::max_age(state.config()),
    );
    let page_changes = web::page_cache::follow_changes(state.clone());
    tracing::info!(%addr, database = state.store().backend(), "goodpractice is serving");
    let served =
        axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>()).with_graceful_shutdown(shutdown).await;
    // Closes the index writer cleanly; the last commit records where the indexer got to.
    indexer.stop().await;
    page_changes.abort();
    mail.stop().await;
    sweeper.stop().await;
    Ok(served?)
}

/// Standard categories always; demo content when configured and the forum is empty.
pub async fn prepare(store: &Store, config: &Config) -> anyhow::Result<()> {
    forum::seed::ensure_categories(store).await?;
    guidance::seed::ensure_library(store).await?;
    notify::service::backfill_handles(store).await?;
    if config.demo {
        let added = demo::load_if_empty(store).await?;
        if added > 0 {
            tracing::info!(topics = added, "demo content loaded");
        }
    }
    Ok(())
}

/// Every route of the site and the API, with the layers they share.
pub fn router(state: AppState) -> Router {
    state.set_page_extras(std::sync::Arc::new(collections::Extras));
    let api = OpenApiRouter::new()
        .merge(accounts::api_router())
        .merge(forum::api_router())
        .merge(posting::api_router())
        .merge(search::api_router())
        .merge(guidance::api_router())
        .merge(moderation::api_router())
        .merge(attachments::api_router())
        .merge(notify::api_router())
        .merge(engagement::api_router())
        .merge(collections::api_router())
        .merge(integrations::api_router());
    let routes = Router::new()
        .merge(forum::router())
        .merge(posting::router())
        .merge(guidance::router())
        .merge(moderation::router())
        .merge(notify::router())
        .merge(engagement::router())
        .merge(collections::router())
        .merge(search::router())
        .merge(accounts::router())
        .merge(admin::router())
        .merge(accounts::oidc::router())
        .merge(web::router())
        .merge(attachments::router())
        .merge(api::router(api, &api_rules::rules()))
        .fallback(|| async { AppError::NotFound })
        // Inner to outer: error rendering sees the handler's response first; the session is
        // loaded before anything else runs.
        // Members whose role requires two-factor are sent to enrolment before any handler runs.
        // NUL or broken UTF-8 in the address is a clear 400 before any handler or query sees it.
        // A renamed category's old address answers 301 where the forum found nothing.
        .layer(from_fn_with_state(state.clone(), admin::categories::redirect_moved))
        .layer(axum::middleware::from_fn(web::hardening::reject_invalid_text))
        .layer(from_fn_with_state(state.clone(), accounts::two_factor::require_enrolment))
        .layer(from_fn_with_state(state.clone(), web::render_error_pages))
        .layer(from_fn_with_state(state.clone(), api::render_problems))
        // Signed-out pages from memory; inside `ensure_token`, which gives each reader their own
        // token (put into a kept page) and cookie; every write empties it.
        .layer(from_fn_with_state(state.clone(), web::page_cache::serve))
        .layer(from_fn_with_state(state.clone(), web::csrf::ensure_token))
        .layer(from_fn_with_state(state.clone(), accounts::session::identify))
        .layer(from_fn_with_state(state.clone(), web::client_address::from_trusted_proxy))
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        // Personal answers are never cached by anyone else; HSTS over HTTPS.
        .layer(from_fn_with_state(state.clone(), web::hardening::personal_and_transport_headers));
    // Health, readiness and metrics skip the page layers; they still say HSTS over HTTPS.
    let machines = ops::router().layer(from_fn_with_state(state.clone(), web::hardening::personal_and_transport_headers));
    with_security_headers(routes.merge(machines))
        // gzip (what browsers ask for over plain HTTP) or brotli: pages shrink to a fifth for phones
        // on slow links. The default predicate leaves images, gRPC, event streams and bodies under
        // 32 bytes alone.
        .layer(CompressionLayer::new().gzip(true).br(true))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        // Outermost: the request id, the access-log line and the metrics see every answer,
        // timeouts and panics included.
        .layer(from_fn_with_state(state.clone(), ops::requests::track))
        .with_state(state)
}

/// The site's Content-Security-Policy: nothing inline, nothing from another host. Images too
/// come only from the forum itself (attachments, the favicon): a reader's phone never contacts
/// a third party, and Markdown images from elsewhere are rendered as links (`web::markdown`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self'; style-src 'self'; script-src 'self'; \
    object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

/// A strict Content-Security-Policy (no inline script or style anywhere) and friends.
fn with_security_headers(router: Router<AppState>) -> Router<AppState> {
    let csp = CONTENT_SECURITY_POLICY;
    let set = |name: HeaderName, value: &'static str| SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value));
    router
        .layer(set(header::CONTENT_SECURITY_POLICY, csp))
        .layer(set(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(set(header::REFERRER_POLICY, "same-origin"))
        .layer(set(header::X_FRAME_OPTIONS, "DENY"))
}

/// True for requests to the JSON API, which authenticates and reports errors its own way.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/")
}
