//! The URLs of our own attachments: what the attachments feature serves and what the forum's
//! Markdown renderer admits as an image (every other image becomes a link).

/// Where an attachment is served (stable: ids never change, the bytes behind them neither).
pub fn url(id: i64) -> String {
    format!("/attachments/{id}")
}

/// The thumbnail of an image attachment.
pub fn thumb_url(id: i64) -> String {
    format!("/attachments/{id}/thumb")
}

/// The attachment id of one of our own attachment URLs (`/attachments/7`, `/attachments/7/thumb`).
pub fn attachment_id(url: &str) -> Option<i64> {
    let rest = url.strip_prefix("/attachments/")?;
    let digits = rest.strip_suffix("/thumb").unwrap_or(rest);
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}
