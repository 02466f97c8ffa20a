//! `manifest.json`, written last into a backup folder: what the backup holds and the SHA-256 of
//! every file, so a restore refuses a backup that was cut short or changed.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::BackupCounts;

pub const FILE_NAME: &str = "manifest.json";
/// Bumped when the layout of a backup folder changes.
pub const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub app_version: String,
    /// "sqlite" or "postgres".
    pub database: String,
    pub schema_version: i64,
    pub created_at: String,
    pub counts: BackupCounts,
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    /// Relative to the backup folder, with `/` separators.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl FileEntry {
    pub fn of(root: &Path, relative: &str) -> anyhow::Result<Self> {
        let (bytes, sha256) = hash_file(&root.join(relative))?;
        Ok(Self { path: relative.to_string(), bytes, sha256 })
    }
}

pub fn write(dir: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(manifest)?;
    std::fs::write(dir.join(FILE_NAME), text).context("cannot write the manifest")
}

/// Reads the manifest and checks every file it lists; the error says what is wrong in words.
pub fn read_and_verify(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(FILE_NAME);
    let text = std::fs::read_to_string(&path)
        .map_err(|_| anyhow::anyhow!("{} has no manifest.json: it is not a backup, or the backup did not finish", dir.display()))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("manifest.json is damaged ({e}); the backup cannot be trusted"))?;
    if manifest.format != FORMAT {
        bail!("this backup has layout {} and this program reads layout {FORMAT}", manifest.format);
    }
    for entry in &manifest.files {
        verify(dir, entry)?;
    }
    Ok(manifest)
}

fn verify(dir: &Path, entry: &FileEntry) -> anyhow::Result<()> {
    let path = safe_join(dir, &entry.path)?;
    let (bytes, sha256) = hash_file(&path).map_err(|_| anyhow::anyhow!("{} is missing from the backup", entry.path))?;
    if bytes != entry.bytes {
        bail!("{} has {bytes} bytes, the manifest says {}: the backup was cut short or changed", entry.path, entry.bytes);
    }
    if sha256 != entry.sha256 {
        bail!("{} does not match its checksum in the manifest: the backup was changed or damaged", entry.path);
    }
    Ok(())
}

/// A manifest path inside the backup folder; `..`, absolute paths and the like are refused.
pub fn safe_join(dir: &Path, relative: &str) -> anyhow::Result<PathBuf> {
    let ok =
        !relative.is_empty() && relative.split('/').all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
    if !ok {
        bail!("the manifest names a file outside the backup ({relative:?}); refused");
    }
    Ok(dir.join(relative))
}

fn hash_file(path: &Path) -> anyhow::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_outside_the_backup_are_refused() {
        let dir = Path::new("/backup");
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "", "a//b", "a\\b", "./a"] {
            assert!(safe_join(dir, bad).is_err(), "{bad:?} must be refused");
        }
        assert_eq!(safe_join(dir, "attachments/ab/abcd").unwrap(), Path::new("/backup/attachments/ab/abcd"));
    }
}
