//! `GET /attachments/{id}` and `/attachments/{id}/thumb`: the stored bytes with the sniffed type,
//! `nosniff`, a `sandbox` CSP (nothing in the file can run on our origin), a download disposition
//! for PDFs and a long private cache (the bytes behind an id never change).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use super::files::Files;
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::AttachmentRow;
use crate::web::Page;

/// RFC 5987 `attr-char`s are sent as they are; everything else is percent-encoded.
const FILENAME_STAR: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

pub fn router() -> Router<AppState> {
    Router::new().route("/attachments/{id}", get(full)).route("/attachments/{id}/thumb", get(thumb))
}

async fn full(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let row = find(&state, &page, &id).await?;
    let body = read(&state, &row.sha256).await?;
    Ok((headers(&row, &row.content_type, &row.sha256)?, body).into_response())
}

async fn thumb(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<Response> {
    let row = find(&state, &page, &id).await?;
    let (Some(sha), Some(content_type)) = (row.thumb_sha256.clone(), row.thumb_content_type.clone()) else {
        return Err(AppError::NotFound);
    };
    let body = read(&state, &sha).await?;
    Ok((headers(&row, &content_type, &sha)?, body).into_response())
}

async fn find(state: &AppState, page: &Page, raw_id: &str) -> AppResult<AttachmentRow> {
    let id = raw_id.parse().map_err(|_| AppError::NotFound)?;
    super::service::viewable(state.store(), id, page.viewer.as_ref()).await
}

async fn read(state: &AppState, sha256: &str) -> AppResult<Vec<u8>> {
    let path = Files::new(&state.config().uploads_dir()).path(sha256).ok_or(AppError::NotFound)?;
    tokio::fs::read(&path).await.map_err(|e| AppError::Internal(anyhow::Error::new(e).context("attachment file unreadable")))
}

fn headers(row: &AttachmentRow, content_type: &str, sha256: &str) -> AppResult<HeaderMap> {
    let value = |s: &str| HeaderValue::from_str(s).map_err(|e| AppError::Internal(anyhow::anyhow!("header value: {e}")));
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, value(content_type)?);
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; img-src 'self'; sandbox"));
    h.insert(header::CONTENT_DISPOSITION, value(&disposition(row.kind == "image", &row.file_name))?);
    // Private: whether a reader may see an attachment depends on who they are and can change
    // (a post deleted later), so shared caches must not keep it.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=31536000, immutable"));
    h.insert(header::ETAG, value(&format!("\"{sha256}\""))?);
    Ok(h)
}

/// `inline` for images, `attachment` for PDFs; an ASCII `filename` for old clients and the real
/// (Vietnamese) name in `filename*` (RFC 5987/6266).
pub fn disposition(inline: bool, name: &str) -> String {
    let kind = if inline { "inline" } else { "attachment" };
    let ascii: String = name.chars().map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' }).collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}", utf8_percent_encode(name, FILENAME_STAR))
}

#[cfg(test)]
mod tests {
    use super::disposition;

    #[test]
    fn vietnamese_names_are_sent_per_rfc_5987() {
        assert_eq!(
            disposition(false, "Kế hoạch \"A\".pdf"),
            "attachment; filename=\"K_ ho_ch _A_.pdf\"; filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch%20%22A%22.pdf"
        );
    }
}
