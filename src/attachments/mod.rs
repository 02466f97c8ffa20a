//! Attachments: images and PDFs on posts. Checked by content (magic bytes), images re-encoded
//! without metadata and given a phone thumbnail, PDFs refused when they carry script, stored by
//! content hash under `uploads_dir` (`<data_dir>/attachments/` by default), served with safe
//! headers to those who may see a
//! post that shows them.

mod api;
mod files;
pub mod form;
mod images;
mod names;
mod pdf;
mod pdf_filters;
mod serve;
pub mod service;
mod sniff;
pub mod sweep;

use axum::Router;
use pulldown_cmark::{Event, Parser, Tag};

use crate::app::AppState;
pub use crate::domain::attachment::{attachment_id, thumb_url, url};
pub use form::{FilePart, UploadForm};
pub use service::{Stored, store_upload};

/// Attachments a Markdown body shows or links to, in order, without repeats.
pub fn ids_in_markdown(markdown: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for event in Parser::new(markdown) {
        let dest = match &event {
            Event::Start(Tag::Image { dest_url, .. } | Tag::Link { dest_url, .. }) => dest_url,
            _ => continue,
        };
        if let Some(id) = attachment_id(dest).filter(|id| !ids.contains(id)) {
            ids.push(id);
        }
    }
    ids
}

pub fn router() -> Router<AppState> {
    serve::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_own_attachment_urls_are_recognised() {
        assert_eq!(attachment_id("/attachments/12"), Some(12));
        assert_eq!(attachment_id("/attachments/12/thumb"), Some(12));
        for other in ["https://evil.example/attachments/1", "/attachments/", "/attachments/1/../../x", "/attachments/-1", "//attachments/1"]
        {
            assert_eq!(attachment_id(other), None, "{other}");
        }
        assert_eq!(ids_in_markdown("![a](/attachments/3) [b](/attachments/4) ![c](/attachments/3/thumb) ![d](https://x.vn/y.png)"), [3, 4]);
    }
}
