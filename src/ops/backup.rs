//! `goodpractice backup --to DIR`: a consistent copy of a forum that keeps serving meanwhile —
//! the database (SQLite `VACUUM INTO`, or `pg_dump` of an exported snapshot), the uploaded files,
//! and last `manifest.json` with counts and checksums. A folder without a manifest is no backup.

use std::path::Path;

use anyhow::{Context, bail};

use super::manifest::{self, FileEntry, Manifest};
use super::pg_tools::PgTarget;
use crate::config::Config;
use crate::store::{BackupCounts, Store};

pub const SQLITE_FILE: &str = "database.sqlite";
pub const POSTGRES_FILE: &str = "database.pgdump";
pub const ATTACHMENTS: &str = "attachments";

pub async fn backup(config: &Config, to: &Path) -> anyhow::Result<Manifest> {
    prepare_empty_folder(to)?;
    let url = config.effective_database_url();
    let store = Store::open(&url).await?;
    let schema_version = store.schema_version().await?;
    let (database_file, counts) = snapshot(&store, &url, to).await?;
    // Uploads are named by their hash and never changed in place, so files copied after the
    // snapshot are a superset of what it references.
    let mut files = vec![FileEntry::of(to, database_file)?];
    files.extend(copy_attachments(&config.uploads_dir(), to)?);
    let manifest = Manifest {
        format: manifest::FORMAT,
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        database: store.backend().to_string(),
        schema_version,
        created_at: chrono::Utc::now().to_rfc3339(),
        counts,
        files,
    };
    manifest::write(to, &manifest)?;
    Ok(manifest)
}

fn prepare_empty_folder(to: &Path) -> anyhow::Result<()> {
    if to.exists() {
        let mut entries = std::fs::read_dir(to).with_context(|| format!("{} is not a folder", to.display()))?;
        if entries.next().is_some() {
            bail!("{} is not empty: back up into a new or empty folder", to.display());
        }
    }
    std::fs::create_dir_all(to).with_context(|| format!("cannot create {}", to.display()))
}

async fn snapshot(store: &Store, url: &str, to: &Path) -> anyhow::Result<(&'static str, BackupCounts)> {
    if store.backend() == "sqlite" {
        let counts = store.snapshot_sqlite(&to.join(SQLITE_FILE)).await?;
        return Ok((SQLITE_FILE, counts));
    }
    let target = PgTarget::parse(url)?;
    let file = to.join(POSTGRES_FILE);
    let counts = store.with_exported_snapshot(|snapshot| async move { target.dump(&snapshot, &file).await }).await?;
    Ok((POSTGRES_FILE, counts))
}

/// Copies `<uploads_dir>/<2 hex>/<hash>` files (not half-written `.part` files).
fn copy_attachments(from: &Path, to: &Path) -> anyhow::Result<Vec<FileEntry>> {
    let mut entries = Vec::new();
    if !from.exists() {
        return Ok(entries);
    }
    for shard in std::fs::read_dir(from)? {
        let shard = shard?;
        if !shard.file_type()?.is_dir() {
            continue;
        }
        let shard_name = shard.file_name().to_string_lossy().into_owned();
        for file in std::fs::read_dir(shard.path())? {
            let file = file?;
            let name = file.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !file.file_type()?.is_file() {
                continue;
            }
            let relative = format!("{ATTACHMENTS}/{shard_name}/{name}");
            std::fs::create_dir_all(to.join(ATTACHMENTS).join(&shard_name))?;
            std::fs::copy(file.path(), to.join(&relative)).with_context(|| format!("cannot copy {relative}"))?;
            entries.push(FileEntry::of(to, &relative)?);
        }
    }
    Ok(entries)
}
