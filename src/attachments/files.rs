//! Attachment bytes on disk: `<uploads_dir>/<2 hex>/<sha256 hex>` (`uploads_dir` is
//! `<data_dir>/attachments` by default). The path is made only
//! from the content hash, so nothing a user sends can name a place on disk. Files are written to
//! a temporary name in the same folder tree and renamed, so a crash never leaves half a file
//! under a real name.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

#[derive(Clone)]
pub struct Files {
    root: PathBuf,
}

/// A file as put: its hash, and whether this call created it (so a failed upload removes only
/// what it added, never a file another attachment shares).
pub struct Put {
    pub sha256: String,
    pub created: bool,
}

impl Files {
    /// Files under `uploads_dir` (the `uploads_dir` setting, `<data_dir>/attachments` by default).
    pub fn new(uploads_dir: &Path) -> Self {
        Self { root: uploads_dir.to_path_buf() }
    }

    /// The file of a hash; `None` for anything that is not 64 lowercase hex digits.
    pub fn path(&self, sha256: &str) -> Option<PathBuf> {
        let valid = sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| self.root.join(&sha256[..2]).join(sha256))
    }

    /// Stores `bytes` under their hash (blocking I/O: call on the blocking pool).
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Put> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let path = self.path(&sha256).expect("a SHA-256 in hex is a valid name");
        if path.exists() {
            // Marked as just used, so the sweep of unused uploads leaves it alone while this
            // upload records its row.
            let _ = std::fs::File::options().write(true).open(&path).and_then(|f| f.set_modified(SystemTime::now()));
            return Ok(Put { sha256, created: false });
        }
        let dir = path.parent().expect("hash files sit in a folder");
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(".{sha256}.{}.part", crate::web::session_cookie::random_token()));
        let written = write_synced(&temp, bytes).and_then(|()| std::fs::rename(&temp, &path));
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written.map(|()| Put { sha256, created: true })
    }

    /// Removes a file this upload created (best effort: a leftover file is harmless, it is
    /// never served without a row).
    pub fn remove(&self, sha256: &str) {
        if let Some(path) = self.path(sha256) {
            let _ = std::fs::remove_file(path);
        }
    }

    /// Removes a file that no row names any more, unless it was put within `recent`: an upload
    /// of the same bytes may be between writing its file and recording its row. Whether the
    /// file is gone (best effort, like [`Files::remove`]).
    pub fn remove_unused(&self, sha256: &str, recent: Duration) -> bool {
        let Some(path) = self.path(sha256) else { return false };
        let modified = std::fs::metadata(&path).and_then(|m| m.modified());
        let idle = modified.is_ok_and(|at| at.elapsed().is_ok_and(|age| age >= recent));
        idle && std::fs::remove_file(path).is_ok()
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut file = std::fs::File::create_new(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::Files;

    #[test]
    fn files_are_named_by_content_and_stored_once() {
        let dir = tempfile::tempdir().unwrap();
        let files = Files::new(dir.path());
        let first = files.put(b"poster").unwrap();
        let again = files.put(b"poster").unwrap();
        assert!(first.created && !again.created);
        let path = files.path(&first.sha256).unwrap();
        assert!(path.starts_with(dir.path()) && path.parent().unwrap().parent() == Some(dir.path()), "<uploads_dir>/<2 hex>/<hash>");
        assert_eq!(std::fs::read(path).unwrap(), b"poster");
        assert!(files.path("../../etc/passwd").is_none());
    }
}
