//! The upload limit and its refusal. The shell needs them before any feature runs (the error
//! pages buffer a refused multipart form up to it); `attachments` applies the same limit.

use axum::http::StatusCode;

use crate::config::Config;
use crate::error::{AppError, Msg};

/// The configured upload limit in bytes.
pub fn max_bytes(config: &Config) -> u64 {
    config.max_upload_bytes.max(0) as u64
}

/// The refusal of a body over the upload limit, naming the limit.
pub fn too_large(max_bytes: u64) -> AppError {
    AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, Msg::new("attachments.error.too_large").arg("max", human_size(max_bytes as i64)))
}

/// "2.4 MB", "310 KB": sizes as people read them.
pub fn human_size(bytes: i64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MB { format!("{:.1} MB", bytes as f64 / MB) } else { format!("{} KB", (bytes + 1023) / 1024) }
}

#[cfg(test)]
mod tests {
    use super::human_size;

    #[test]
    fn sizes_read_in_kb_and_mb() {
        assert_eq!(human_size(2_516_582), "2.4 MB");
        assert_eq!(human_size(1000), "1 KB");
    }
}
