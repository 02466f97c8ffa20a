//! JSON API for the guidance library and official answers.

use axum::Json;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::domain::{GuidanceInput, slug_of};
use super::{official, service, view};
use crate::api::ApiJson;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::integrations::citing::{CitingOut, CitingPage};
use crate::store::{GuidanceRow, Store};
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_guidance, create_guidance))
        .routes(routes!(get_guidance, patch_guidance, delete_guidance))
        .routes(routes!(mark_official_answer))
        .routes(routes!(citing_page))
}

#[derive(Serialize, ToSchema)]
struct RelatedOut {
    number: String,
    url: String,
    /// True when the related document was withdrawn from the library.
    withdrawn: bool,
}

#[derive(Serialize, ToSchema)]
struct GuidanceOut {
    /// Canonical number (43/2018/TT-BYT).
    number: String,
    /// As the document writes it (5316/QĐ-BYT).
    display_number: String,
    kind: String,
    issuer: String,
    title_vi: String,
    title_en: String,
    issued_on: Option<String>,
    effective_on: Option<String>,
    /// False until ministry staff confirm the dates from an official copy.
    dates_verified: bool,
    status: String,
    official_url: String,
    summary: String,
    url: String,
    amends: Vec<RelatedOut>,
    supersedes: Vec<RelatedOut>,
    amended_by: Vec<RelatedOut>,
    superseded_by: Vec<RelatedOut>,
    /// The practices citing the document (GET /api/v1/guidance/{number} only): counts and the first page.
    #[serde(skip_serializing_if = "Option::is_none")]
    citing: Option<CitingOut>,
}

async fn guidance_out(store: &Store, row: GuidanceRow) -> AppResult<GuidanceOut> {
    let relations = store.guidance_relations(row.id).await?;
    let pick = |relation: &str, newer_is_self: bool| -> Vec<RelatedOut> {
        relations
            .iter()
            .filter(|r| r.relation == relation && r.newer_is_self == newer_is_self)
            .map(|r| RelatedOut { number: r.number.clone(), url: format!("/guidance/{}", slug_of(&r.number)), withdrawn: r.deleted })
            .collect()
    };
    Ok(GuidanceOut {
        citing: None,
        amends: pick("amends", true),
        supersedes: pick("supersedes", true),
        amended_by: pick("amends", false),
        superseded_by: pick("supersedes", false),
        url: format!("/guidance/{}", slug_of(&row.number)),
        number: row.fields.number,
        display_number: row.fields.display_number,
        kind: row.fields.kind,
        issuer: row.fields.issuer,
        title_vi: row.fields.title_vi,
        title_en: row.fields.title_en,
        issued_on: row.fields.issued_on,
        effective_on: row.fields.effective_on,
        dates_verified: row.fields.dates_verified,
        status: row.fields.status,
        official_url: row.fields.official_url,
        summary: row.fields.summary,
    })
}

#[derive(Deserialize, utoipa::IntoParams)]
struct ListQuery {
    /// Kind filter (circular, decision, …).
    kind: Option<String>,
    /// Status filter (in_force, amended, superseded, expired).
    status: Option<String>,
    /// Words of the number or title; diacritics optional.
    q: Option<String>,
}

/// The library (withdrawn documents left out).
#[utoipa::path(get, path = "/api/v1/guidance", params(ListQuery), responses((status = 200, body = Vec<GuidanceOut>), (status = 422)))]
async fn list_guidance(State(state): State<AppState>, Query(q): Query<ListQuery>) -> AppResult<Json<Vec<GuidanceOut>>> {
    let rows = view::search_library(state.store(), q.kind.as_deref(), q.status.as_deref(), q.q.as_deref()).await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        out.push(guidance_out(state.store(), row).await?);
    }
    Ok(Json(out))
}

/// One document; `number` is the page slug (43-2018-TT-BYT) or any spelling, percent-encoded.
#[utoipa::path(get, path = "/api/v1/guidance/{number}", params(("number" = String, Path)),
    responses((status = 200, body = GuidanceOut), (status = 404), (status = 410)))]
async fn get_guidance(State(state): State<AppState>, Path(number): Path<String>) -> AppResult<Json<GuidanceOut>> {
    let row = resolve(state.store(), &number).await?;
    if row.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    let citing = crate::integrations::citing::summary(&state, row.id).await?;
    let mut out = guidance_out(state.store(), row).await?;
    out.citing = Some(citing);
    Ok(Json(out))
}

/// The practices citing a document after the first page, newest first.
#[utoipa::path(get, path = "/api/v1/guidance/{number}/citing",
    params(("number" = String, Path), ("limit" = Option<String>, Query, description = "Topics per page, 1 to 100 (default 20); outside that range: 400."),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page, as given; changed or another document's: 400.")),
    responses((status = 200, body = CitingPage), (status = 400, description = "An unknown parameter, a limit outside 1–100, or a cursor that was changed or belongs to another list."), (status = 404), (status = 410)))]
async fn citing_page(State(state): State<AppState>, Path(number): Path<String>, RawQuery(raw): RawQuery) -> AppResult<Json<CitingPage>> {
    let row = resolve(state.store(), &number).await?;
    if row.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    Ok(Json(crate::integrations::citing::page(&state, row.id, raw.as_deref()).await?))
}

async fn resolve(store: &Store, segment: &str) -> AppResult<GuidanceRow> {
    let number = match service::locate(store, segment).await? {
        Ok(number) => number,
        Err(slug) => super::domain::number_from_slug(&slug).ok_or(AppError::NotFound)?,
    };
    Ok(store.guidance_by_number(&number).await?)
}

/// Add a document (ministry staff and admins).
#[utoipa::path(post, path = "/api/v1/guidance", request_body = GuidanceInput, security(("bearer" = [])),
    responses((status = 201, body = GuidanceOut), (status = 401), (status = 403), (status = 409), (status = 422)))]
async fn create_guidance(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    ApiJson(input): ApiJson<GuidanceInput>,
) -> AppResult<(StatusCode, Json<GuidanceOut>)> {
    let row = service::create(state.store(), &user, &input).await?;
    Ok((StatusCode::CREATED, Json(guidance_out(state.store(), row).await?)))
}

/// Change some fields of a document (ministry staff and admins); the number is fixed.
#[utoipa::path(patch, path = "/api/v1/guidance/{number}", params(("number" = String, Path)), request_body = GuidanceInput,
    security(("bearer" = [])),
    responses((status = 200, body = GuidanceOut), (status = 401), (status = 403), (status = 404), (status = 410), (status = 422)))]
async fn patch_guidance(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(number): Path<String>,
    ApiJson(input): ApiJson<GuidanceInput>,
) -> AppResult<Json<GuidanceOut>> {
    service::require_editor(&user)?;
    let row = resolve(state.store(), &number).await?;
    let row = service::update(state.store(), &user, &row.number, &input).await?;
    Ok(Json(guidance_out(state.store(), row).await?))
}

/// Withdraw a document from the library (ministry staff and admins). Posts citing it keep a
/// link marked "withdrawn".
#[utoipa::path(delete, path = "/api/v1/guidance/{number}", params(("number" = String, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 401), (status = 403), (status = 404), (status = 410)))]
async fn delete_guidance(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(number): Path<String>,
) -> AppResult<StatusCode> {
    service::require_editor(&user)?;
    let row = resolve(state.store(), &number).await?;
    service::withdraw(state.store(), &user, &row.number).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
struct OfficialAnswerIn {
    /// A published reply of the question topic.
    post_id: i64,
}

#[derive(Serialize, ToSchema)]
struct OfficialAnswerOut {
    topic_id: i64,
    post_id: i64,
}

/// Mark a reply as the official answer to a question (ministry staff and admins).
#[utoipa::path(put, path = "/api/v1/topics/{id}/official-answer", params(("id" = i64, Path)), request_body = OfficialAnswerIn,
    security(("bearer" = [])), responses((status = 200, body = OfficialAnswerOut), (status = 401), (status = 403), (status = 404), (status = 422)))]
async fn mark_official_answer(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<OfficialAnswerIn>,
) -> AppResult<Json<OfficialAnswerOut>> {
    let topic_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    official::mark(state.store(), &user, topic_id, input.post_id).await?;
    Ok(Json(OfficialAnswerOut { topic_id, post_id: input.post_id }))
}
