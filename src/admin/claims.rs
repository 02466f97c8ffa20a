//! Claiming imported history: a member asks to be recognised as the author behind a placeholder
//! account of the Facebook import ("this is me", with a short message, `/claims/{id}`);
//! moderators and admins approve or reject it on `/admin/claims`. Approval moves the posts to
//! the member and merges the placeholder away (`store/claims.rs`), audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::parse_reason;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{ClaimRefusal, ClaimRow, StoreError, User};
use crate::web::{CsrfForm, Page, RequireUser, refill};

/// Longest message with a claim.
const MESSAGE_MAX: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/claims/{id}", get(claim_form).post(claim_submit))
        .route("/admin/claims", get(claims_page))
        .route("/admin/claims/{id}", post(decide))
}

fn require_moderator(user: &User) -> AppResult<()> {
    if user.role.can_moderate() { Ok(()) } else { Err(AppError::Forbidden(Msg::new("admin.claims.moderators_only"))) }
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Template, WebTemplate)]
#[template(path = "claim.html")]
struct ClaimPage {
    page: Page,
    placeholder: User,
    message: String,
    error: Option<String>,
    sent: bool,
}

#[derive(Deserialize)]
struct Sent {
    sent: Option<String>,
}

async fn claim_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(_user): RequireUser,
    Path(id): Path<String>,
    Query(sent): Query<Sent>,
) -> AppResult<ClaimPage> {
    let placeholder = state.store().user_by_id(parse_id(&id)?).await?;
    Ok(ClaimPage { page, placeholder, message: String::new(), error: None, sent: sent.sent.is_some() })
}

#[derive(Deserialize)]
struct ClaimForm {
    #[serde(default)]
    message: String,
}

fn parse_message(raw: &str) -> AppResult<String> {
    let message = crate::text::clean(raw).trim().to_string();
    match crate::text::char_len(&message) {
        0 => Err(AppError::bad("admin.claims.message_missing")),
        len if len > MESSAGE_MAX => {
            Err(AppError::BadRequest(Msg::new("admin.categories.too_long").arg("max", MESSAGE_MAX).arg("len", len)))
        }
        _ => Ok(message),
    }
}

fn refusal_error(refusal: ClaimRefusal) -> AppError {
    match refusal {
        ClaimRefusal::NotPlaceholder => AppError::bad("admin.claims.not_placeholder"),
        ClaimRefusal::AlreadyMerged => AppError::Conflict(Msg::new("admin.claims.already_merged")),
        ClaimRefusal::AlreadyClaimed => AppError::Conflict(Msg::new("admin.claims.already_claimed")),
    }
}

async fn claim_submit(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ClaimForm>,
) -> AppResult<Response> {
    let placeholder = state.store().user_by_id(parse_id(&id)?).await?;
    let result = match parse_message(&form.message) {
        Ok(message) => match state.store().create_claim(placeholder.id, user.id, &message).await? {
            Ok(_) => return Ok(Redirect::to(&format!("/claims/{}?sent=1", placeholder.id)).into_response()),
            Err(refusal) => refusal_error(refusal),
        },
        Err(err) => err,
    };
    let error = Some(page.msg(&result.message()));
    refill(result, ClaimPage { page, placeholder, message: form.message, error, sent: false })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_claims.html")]
struct ClaimsPage {
    page: Page,
    claims: Vec<ClaimRow>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn claims_page(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(done): Query<Done>,
) -> AppResult<ClaimsPage> {
    require_moderator(&user)?;
    let notice = match done.done.as_deref() {
        Some("approved") => Some("admin.claims.approved"),
        Some("rejected") => Some("admin.claims.rejected"),
        _ => None,
    };
    Ok(ClaimsPage { page, claims: state.store().open_claims().await?, notice })
}

#[derive(Deserialize)]
struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

async fn decide(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<DecideForm>,
) -> AppResult<Response> {
    require_moderator(&user)?;
    let id = parse_id(&id)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::bad("admin.claims.decision_unknown")),
    };
    let reason = parse_reason(&form.reason)?;
    match state.store().decide_claim(user.id, id, approve, &reason).await {
        Ok(()) => Ok(Redirect::to(if approve { "/admin/claims?done=approved" } else { "/admin/claims?done=rejected" }).into_response()),
        Err(StoreError::NotFound) => Err(AppError::Rejected(StatusCode::NOT_FOUND, Msg::new("admin.claims.gone"))),
        Err(StoreError::Conflict) => Err(AppError::Conflict(Msg::new("admin.claims.decided"))),
        Err(other) => Err(other.into()),
    }
}
