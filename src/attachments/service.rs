//! The attachment logic shared by the compose/reply forms, the API and the Facebook importer:
//! check by content, re-encode images, store by hash, record the row — all or nothing.

use std::path::Path;

use axum::http::StatusCode;
use chrono::{Duration, Utc};

use super::files::{Files, Put};
use super::images::{self, ImageProblem};
use super::names;
use super::pdf::{self, PdfProblem};
use super::sniff::{self, Kind};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{AttachmentRow, NewAttachment, Store, User};
pub use crate::web::upload_limit::{human_size, max_bytes, too_large};

/// An attachment just stored, with what a post needs to show it.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub url: String,
    /// A line of Markdown that shows it: an image, or a PDF download link with its size.
    pub markdown: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// The checked and re-encoded bytes of an upload, ready to store.
struct Prepared {
    kind: Kind,
    full: Vec<u8>,
    thumb: Option<Vec<u8>>,
    content_type: &'static str,
    size: Option<(u32, u32)>,
}

/// Checks `bytes` by content (type, size, image limits, PDF active content), re-encodes images,
/// writes the files under `uploads_dir` and records the row. On any refusal or failure
/// nothing is left behind: no row, and no file that this call created.
pub async fn store_upload(
    store: &Store,
    uploads_dir: &Path,
    max_bytes: u64,
    uploader_id: i64,
    file_name: &str,
    bytes: Vec<u8>,
) -> AppResult<Stored> {
    let prepared = prepare(bytes, max_bytes).await?;
    let files = Files::new(uploads_dir);
    let (full, thumb) = write_files(&files, &prepared).await?;
    let name = names::display_name(file_name, names::stored_extension(prepared.kind));
    let new = NewAttachment {
        uploader_id,
        kind: if prepared.kind.is_image() { "image" } else { "pdf" },
        content_type: prepared.content_type,
        file_name: &name,
        size_bytes: prepared.full.len() as i64,
        sha256: &full.sha256,
        width: prepared.size.map(|(w, _)| i64::from(w)),
        height: prepared.size.map(|(_, h)| i64::from(h)),
        thumb_sha256: thumb.as_ref().map(|t| t.sha256.as_str()),
        thumb_content_type: thumb.as_ref().map(|_| prepared.content_type),
    };
    if let Some(id) = store.same_attachment(uploader_id, &full.sha256, &name).await? {
        return Ok(stored(id, &new));
    }
    match store.create_attachment(&new).await {
        Ok(id) => Ok(stored(id, &new)),
        Err(err) => {
            forget_created(&files, [Some(&full), thumb.as_ref()]);
            Err(err.into())
        }
    }
}

/// [`store_upload`] for a member: the same checks as posting (sanctions, approval) and the
/// upload rate limit first.
pub async fn upload_for_member(state: &AppState, user: &User, file_name: &str, bytes: Vec<u8>) -> AppResult<Stored> {
    crate::moderation::ensure_can_post(state.store(), user).await?;
    let since = Utc::now() - Duration::hours(1);
    if state.store().attachments_by_uploader_since(user.id, since).await? >= state.config().uploads_per_hour {
        return Err(AppError::TooManyRequests(Msg::new("attachments.error.rate")));
    }
    let config = state.config();
    store_upload(state.store(), &config.uploads_dir(), max_bytes(config), user.id, file_name, bytes).await
}

async fn prepare(bytes: Vec<u8>, max_bytes: u64) -> AppResult<Prepared> {
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(max_bytes));
    }
    if bytes.is_empty() {
        return Err(AppError::bad("attachments.error.empty"));
    }
    let kind =
        sniff::sniff(&bytes).ok_or_else(|| AppError::Rejected(StatusCode::UNSUPPORTED_MEDIA_TYPE, Msg::new("attachments.error.type")))?;
    tokio::task::spawn_blocking(move || prepare_blocking(bytes, kind))
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment check stopped: {e}")))?
}

fn prepare_blocking(bytes: Vec<u8>, kind: Kind) -> AppResult<Prepared> {
    if kind == Kind::Pdf {
        pdf::check(&bytes).map_err(pdf_error)?;
        return Ok(Prepared { kind, full: bytes, thumb: None, content_type: "application/pdf", size: None });
    }
    let done = images::process(&bytes, kind).map_err(image_error)?;
    Ok(Prepared { kind, full: done.full, thumb: Some(done.thumb), content_type: done.content_type, size: Some((done.width, done.height)) })
}

fn pdf_error(problem: PdfProblem) -> AppError {
    match problem {
        PdfProblem::Active(_) => AppError::bad("attachments.error.pdf_active"),
        PdfProblem::Encrypted => AppError::bad("attachments.error.pdf_encrypted"),
        PdfProblem::TooLargeToCheck => AppError::bad("attachments.error.pdf_too_large_to_check"),
    }
}

fn image_error(problem: ImageProblem) -> AppError {
    match problem {
        ImageProblem::TooLarge => AppError::BadRequest(Msg::new("attachments.error.image_too_large").arg("max", images::MAX_SIDE)),
        ImageProblem::Unreadable => AppError::bad("attachments.error.image_unreadable"),
    }
}

/// Writes the file and its thumbnail; if the second write fails, the first is taken back.
async fn write_files(files: &Files, prepared: &Prepared) -> AppResult<(Put, Option<Put>)> {
    let (files, full, thumb) = (files.clone(), prepared.full.clone(), prepared.thumb.clone());
    let written = tokio::task::spawn_blocking(move || {
        let full = files.put(&full)?;
        match thumb.map(|t| files.put(&t)).transpose() {
            Ok(thumb) => Ok((full, thumb)),
            Err(e) => {
                forget_created(&files, [Some(&full), None]);
                Err(e)
            }
        }
    })
    .await
    .map_err(|e| AppError::Internal(anyhow::anyhow!("attachment write stopped: {e}")))?;
    written.map_err(|e| AppError::Internal(anyhow::Error::new(e).context("cannot write an attachment")))
}

fn forget_created<'a>(files: &Files, puts: impl IntoIterator<Item = Option<&'a Put>>) {
    for put in puts.into_iter().flatten().filter(|p| p.created) {
        files.remove(&put.sha256);
    }
}

fn stored(id: i64, new: &NewAttachment<'_>) -> Stored {
    let url = super::url(id);
    let label = escape_markdown(new.file_name);
    let markdown =
        if new.kind == "image" { format!("![{label}]({url})") } else { format!("[{label} (PDF, {})]({url})", human_size(new.size_bytes)) };
    Stored {
        id,
        url,
        markdown,
        file_name: new.file_name.to_string(),
        content_type: new.content_type.to_string(),
        size_bytes: new.size_bytes,
    }
}

/// A file name as literal Markdown text (no emphasis, links or HTML from a name).
fn escape_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The attachment if `viewer` may see it: moderators always; others when a post they may see
/// shows it, or it is their own upload that no post shows yet. Otherwise NotFound.
pub async fn viewable(store: &Store, id: i64, viewer: Option<&User>) -> AppResult<AttachmentRow> {
    let row = store.attachment(id).await?;
    if viewer.is_some_and(|u| u.role.can_moderate()) {
        return Ok(row);
    }
    let viewer_id = viewer.map(|u| u.id).unwrap_or(0);
    let allowed = match store.attachment_post_visible(id, viewer_id).await? {
        Some(visible) => visible,
        None => viewer_id != 0 && viewer_id == row.uploader_id,
    };
    if allowed { Ok(row) } else { Err(AppError::NotFound) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_inject_markdown() {
        assert_eq!(escape_markdown("a](javascript:x)"), "a\\]\\(javascript:x\\)");
    }
}
