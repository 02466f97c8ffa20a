//! `POST /api/v1/uploads`: a multipart upload (field `file`) that answers with the attachment's
//! id, URL and a Markdown line to put in a post's body.

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::form::{parts_of, read_body};
use super::service::{self, Stored};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::web::RequireUser;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(upload))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)] // documents the request body only
struct UploadIn {
    /// A JPEG, PNG, WebP or GIF image, or a PDF without script; checked by content, not name.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

#[derive(Serialize, ToSchema)]
struct UploadOut {
    id: i64,
    /// Where the attachment is served.
    url: String,
    /// Phone-sized image (480 px wide at most); absent for PDFs.
    thumbnail_url: Option<String>,
    /// A line to put in a post's Markdown body.
    markdown: String,
    /// The stored (sniffed) type: images are re-encoded without metadata.
    content_type: String,
    /// The original name, cleaned (display text only).
    file_name: String,
    size_bytes: i64,
}

impl From<Stored> for UploadOut {
    fn from(s: Stored) -> Self {
        let thumbnail_url = s.content_type.starts_with("image/").then(|| super::thumb_url(s.id));
        UploadOut {
            id: s.id,
            url: s.url,
            thumbnail_url,
            markdown: s.markdown,
            content_type: s.content_type,
            file_name: s.file_name,
            size_bytes: s.size_bytes,
        }
    }
}

/// A file sent as `multipart/form-data`, read with the configured size limit.
struct UploadBody {
    name: String,
    bytes: Vec<u8>,
}

impl FromRequest<AppState> for UploadBody {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        if !content_type.starts_with("multipart/form-data") {
            return Err(AppError::Rejected(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::new("attachments.error.multipart_required")));
        }
        let max = service::max_bytes(state.config());
        let body = read_body(req.into_body(), max as usize + crate::BODY_LIMIT_BYTES, || service::too_large(max)).await?;
        let (_, file) = parts_of(&content_type, body).await?;
        let file = file.ok_or_else(|| AppError::bad("attachments.error.no_file"))?;
        Ok(UploadBody { name: file.name, bytes: file.bytes })
    }
}

/// Uploads an image or PDF for a post. Images are re-encoded (EXIF and GPS removed) with a
/// thumbnail; SVG, scripts and anything else are refused (415); too large is 413.
#[utoipa::path(post, path = "/api/v1/uploads", request_body(content = UploadIn, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses((status = 201, body = UploadOut), (status = 401), (status = 413), (status = 415), (status = 422), (status = 429)))]
async fn upload(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    body: UploadBody,
) -> AppResult<(StatusCode, Json<UploadOut>)> {
    let stored = service::upload_for_member(&state, &user, &body.name, body.bytes).await?;
    Ok((StatusCode::CREATED, Json(stored.into())))
}
