//! Forms that may carry a file: the compose and reply forms are `multipart/form-data` with an
//! optional file input, so a member attaches an image or PDF without JavaScript. The same
//! extractor still accepts ordinary URL-encoded forms.
//!
//! The body is read here with our own limit (the route turns the general 256 KiB limit off):
//! the configured upload size plus room for the text. A larger body is read to the end and
//! dropped — up to a ceiling — so the browser gets to see the readable 413 page instead of a
//! broken connection; nothing of it is kept.

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::app::AppState;
use crate::error::{AppError, Msg};
use crate::web::CsrfForm;

/// Room for the text fields of a form beside its file.
const TEXT_ROOM: usize = crate::BODY_LIMIT_BYTES;
/// Past this many bytes a too-large body is no longer drained; the connection is closed.
const DRAIN_CEILING: usize = 128 * 1024 * 1024;
/// The file input's name in forms and in `POST /api/v1/uploads`.
pub const FILE_FIELD: &str = "file";

/// A file sent in a form: the name the browser gave (display text only) and the bytes.
pub struct FilePart {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A CSRF-checked form decoded into `T`, with the file chosen in it, if any.
pub struct UploadForm<T> {
    pub form: T,
    pub file: Option<FilePart>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for UploadForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, AppError> {
        let (mut head, body) = req.into_parts();
        let content_type = head.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        if !content_type.starts_with("multipart/form-data") {
            let bytes =
                read_body(body, TEXT_ROOM, || AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, Msg::new("error.body_too_large"))).await?;
            let CsrfForm(form) = CsrfForm::<T>::from_request(Request::from_parts(head, Body::from(bytes)), state).await?;
            return Ok(UploadForm { form, file: None });
        }
        let max = super::service::max_bytes(state.config());
        let bytes = read_body(body, max as usize + TEXT_ROOM, || super::service::too_large(max)).await?;
        let (fields, file) = parts_of(&content_type, bytes).await?;
        // The text fields go through the ordinary form extractor: CSRF, UTF-8 and decoding
        // behave exactly as for a URL-encoded form.
        let encoded = serde_urlencoded::to_string(&fields).map_err(|_| AppError::bad("error.form_invalid"))?;
        head.headers.insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/x-www-form-urlencoded"));
        head.headers.remove(header::CONTENT_LENGTH);
        let CsrfForm(form) = CsrfForm::<T>::from_request(Request::from_parts(head, Body::from(encoded)), state).await?;
        Ok(UploadForm { form, file })
    }
}

/// The body, at most `limit` bytes; a longer body is drained (up to a ceiling) and answered
/// with `too_large()`.
pub async fn read_body(body: Body, limit: usize, too_large: impl Fn() -> AppError) -> Result<Bytes, AppError> {
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| AppError::bad("attachments.error.multipart"))?;
        seen += chunk.len();
        if seen > DRAIN_CEILING {
            break;
        }
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(kept))
}

type Parts = (Vec<(String, String)>, Option<FilePart>);

/// Text fields and the (first, non-empty) file of a buffered multipart request.
pub async fn parts_of(content_type: &str, body: Bytes) -> Result<Parts, AppError> {
    let unreadable = || AppError::bad("attachments.error.multipart");
    let boundary = multer::parse_boundary(content_type).map_err(|_| unreadable())?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) if name == FILE_FIELD => {
                let bytes = field.bytes().await.map_err(|_| unreadable())?;
                if file.is_none() && !bytes.is_empty() {
                    file = Some(FilePart { name: file_name, bytes: bytes.to_vec() });
                }
            }
            Some(_) => {}
            None => fields.push((name, field.text().await.map_err(|_| AppError::bad("error.invalid_utf8"))?)),
        }
    }
    Ok((fields, file))
}
