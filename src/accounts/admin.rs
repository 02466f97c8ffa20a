//! The admin's users page (`/admin/users`): find members by name (typed with or without
//! diacritics), email, province and role; see their trust level, sign-in methods, two-factor
//! and suspension; change a role (never the last admin's) and reset two-factor, each audited
//! like moderation. Suspending uses the moderators' sanction form.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::provinces;
use super::{RequireUser, Role};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{AdminUserRow, StoreError, User};
use crate::web::{CsrfForm, Page};

/// Members shown at most on one page (narrow the search for more).
const SHOWN: usize = 50;
/// Longest reason an admin may give.
const REASON_MAX: usize = 500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/users", get(users_page))
        .route("/admin/users/{id}/role", post(set_role))
        .route("/admin/users/{id}/two-factor/reset", post(reset_two_factor))
}

fn require_admin(user: &User) -> AppResult<()> {
    if user.role == Role::Admin { Ok(()) } else { Err(AppError::Forbidden(Msg::new("account.admin.admins_only"))) }
}

#[derive(Deserialize, Default)]
struct UsersQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    province: String,
    done: Option<String>,
}

/// One member on the page.
struct UserView {
    row: AdminUserRow,
    province: Option<&'static str>,
    providers: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
struct UsersPage {
    page: Page,
    query: UsersQuery,
    users: Vec<UserView>,
    found: usize,
    provinces: &'static [provinces::Province],
    roles: [&'static str; 4],
    notice: Option<&'static str>,
}

fn parse_role(raw: &str) -> AppResult<Option<Role>> {
    match raw.trim() {
        "" => Ok(None),
        typed => typed.parse().map(Some).map_err(|_| AppError::bad("account.admin.role_unknown")),
    }
}

fn parse_province(raw: &str) -> AppResult<Option<&'static str>> {
    match raw.trim() {
        "" => Ok(None),
        typed => provinces::resolve(typed).map(|p| Some(p.code)).ok_or_else(|| AppError::bad("error.province_unknown")),
    }
}

/// Whether a member matches what was typed: part of the name (diacritics and case ignored) or
/// of the email.
fn matches(row: &AdminUserRow, folded_query: &str) -> bool {
    folded_query.is_empty()
        || search_index::analysis::fold(&row.display_name.to_lowercase()).contains(folded_query)
        || row.email.to_lowercase().contains(folded_query)
}

async fn users_page(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(query): Query<UsersQuery>,
) -> AppResult<UsersPage> {
    require_admin(&user)?;
    let role = parse_role(&query.role)?;
    let province = parse_province(&query.province)?;
    let folded = search_index::analysis::fold(&crate::text::clean_line(&query.q).to_lowercase());
    let rows: Vec<AdminUserRow> =
        state.store().admin_user_rows(role, province).await?.into_iter().filter(|r| matches(r, &folded)).collect();
    let found = rows.len();
    let shown: Vec<AdminUserRow> = rows.into_iter().take(SHOWN).collect();
    let providers = state.store().providers_of(&shown.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    let users = shown
        .into_iter()
        .map(|row| UserView {
            province: row.province_code.as_deref().and_then(provinces::by_code).map(|p| p.name),
            providers: providers.iter().filter(|(id, _)| *id == row.id).map(|(_, p)| p.clone()).collect(),
            row,
        })
        .collect();
    let notice = match query.done.as_deref() {
        Some("role") => Some("account.admin.role_changed"),
        Some("two_factor") => Some("account.admin.two_factor_reset"),
        _ => None,
    };
    let roles = ["member", "moderator", "ministry", "admin"];
    Ok(UsersPage { page, query, users, found, provinces: provinces::all(), roles, notice })
}

fn parse_reason(raw: &str) -> AppResult<String> {
    let reason = crate::text::clean_line(raw);
    if crate::text::char_len(&reason) > REASON_MAX {
        return Err(AppError::BadRequest(Msg::new("error.field_too_long").arg("max", REASON_MAX)));
    }
    Ok(reason)
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| AppError::NotFound)
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
}

async fn set_role(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    let role = parse_role(&form.role)?.ok_or_else(|| AppError::bad("account.admin.role_unknown"))?;
    let reason = parse_reason(&form.reason)?;
    match state.store().change_role_audited(user.id, id, role, &reason).await {
        Ok(_) => Ok(Redirect::to("/admin/users?done=role").into_response()),
        Err(StoreError::Conflict) => Err(AppError::Conflict(Msg::new("account.admin.last_admin"))),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct ReasonForm {
    #[serde(default)]
    reason: String,
}

async fn reset_two_factor(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ReasonForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    let reason = parse_reason(&form.reason)?;
    state.store().user_by_id(id).await?;
    match state.store().reset_two_factor_audited(user.id, id, &reason).await {
        Ok(()) => Ok(Redirect::to("/admin/users?done=two_factor").into_response()),
        Err(StoreError::NotFound) => Err(AppError::Conflict(Msg::new("account.admin.two_factor_off"))),
        Err(other) => Err(other.into()),
    }
}
