//! Leaving the forum (`/settings/account`): downloading one's data as JSON, and deleting the
//! account. Public posts stay under "Thành viên đã rời", anonymous case studies stay
//! anonymous, personal data is erased, and the audit log records the deletion by account
//! number only (`Store::delete_account`).

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::Cookie;
use serde::Deserialize;
use serde_json::json;

use super::session::COOKIE;
use super::{RequireUser, password, rate_limit};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::User;
use crate::web::{CsrfForm, Page, refill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/settings/account", get(account_page))
        .route("/settings/account/export", get(export))
        .route("/settings/account/delete", post(delete))
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    page: Page,
    error: Option<String>,
    has_password: bool,
}

async fn account_page(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<AccountPage> {
    let has_password = state.store().password_hash_of(user.id).await?.is_some();
    Ok(AccountPage { page, error: None, has_password })
}

/// Everything the forum keeps about the member that is theirs: profile, posts, drafts,
/// bookmarks and notifications, as one JSON document (the page's download and the API's).
pub(super) async fn export_document(state: &AppState, user: &User) -> AppResult<serde_json::Value> {
    let store = state.store();
    let bookmarks: Vec<_> =
        store.bookmarks(user.id).await?.into_iter().map(|b| json!({"post_id": b.post_id, "created_at": b.created_at})).collect();
    let notifications: Vec<_> = store
        .notifications(user.id, 10_000)
        .await?
        .into_iter()
        .map(|n| json!({"kind": n.kind, "topic_id": n.topic_id, "post_id": n.post_id, "reason": n.reason, "created_at": n.created_at}))
        .collect();
    Ok(json!({
        "profile": {
            "id": user.id, "email": user.email, "display_name": user.display_name, "job_title": user.job_title,
            "hospital": user.hospital, "department": user.department, "province": user.province_code,
            "role": user.role.as_str(), "created_at": user.created_at,
        },
        "posts": store.export_posts(user.id).await?,
        "drafts": store.export_drafts(user.id).await?,
        "bookmarks": bookmarks,
        "notifications": notifications,
    }))
}

/// The export as a file to download.
async fn export(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Response> {
    let body = export_document(&state, &user).await?;
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/json; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"goodpractice-data.json\""),
        ],
        serde_json::to_string_pretty(&body).map_err(anyhow::Error::from)?,
    )
        .into_response();
    crate::web::hardening::mark_private(response.headers_mut());
    Ok(response)
}

#[derive(Deserialize)]
pub(super) struct DeleteForm {
    /// The member's email, typed again: deletion cannot be undone.
    #[serde(default)]
    pub(super) confirm: String,
    #[serde(default)]
    pub(super) password: String,
}

async fn delete(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    jar: CookieJar,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<DeleteForm>,
) -> AppResult<Response> {
    match confirm_and_delete(&state, &user, &form, addr.ip()).await {
        Ok(()) => {
            let jar = jar.remove(Cookie::build(COOKIE).path("/"));
            Ok((jar, Redirect::to("/?account_deleted=1")).into_response())
        }
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let has_password = state.store().password_hash_of(user.id).await?.is_some();
            refill(err, AccountPage { page, error, has_password })
        }
    }
}

/// The typed email must be the account's, and its password right (counted like a sign-in).
pub(super) async fn confirm_and_delete(state: &AppState, user: &User, form: &DeleteForm, ip: std::net::IpAddr) -> AppResult<()> {
    if crate::text::clean_line(&form.confirm).to_lowercase() != user.email.to_lowercase() {
        return Err(AppError::bad("account.leave.confirm_wrong"));
    }
    if let Some(stored) = state.store().password_hash_of(user.id).await? {
        let attempt = rate_limit::begin(state, &user.email, ip).await?;
        if !password::verify(&form.password, &stored) {
            attempt.failed();
            return Err(AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new("account.error.current_password")));
        }
        attempt.succeeded(state).await?;
    }
    state.store().delete_account(user.id).await?;
    Ok(())
}
