//! `goodpractice restore --from DIR`: checks the manifest and every checksum, refuses a newer
//! schema, a different database kind or a target that already holds a forum, then loads the
//! database and the uploads, applies newer migrations and rebuilds the search index.

use std::path::Path;

use anyhow::{Context, bail};

use super::backup::{ATTACHMENTS, POSTGRES_FILE, SQLITE_FILE};
use super::manifest::{self, Manifest};
use super::pg_tools::PgTarget;
use crate::config::Config;
use crate::store::{BackupCounts, Store, known_schema_version, sqlite_path};

pub struct Restored {
    pub counts: BackupCounts,
    pub topics_indexed: u64,
}

pub async fn restore(config: &Config, from: &Path) -> anyhow::Result<Restored> {
    let manifest = manifest::read_and_verify(from)?;
    let url = config.effective_database_url();
    check_compatible(&manifest, &url)?;
    check_target_empty(config, &url).await?;
    load_database(&manifest, &url, from).await?;
    copy_attachments(&manifest, from, &config.uploads_dir())?;
    let store = Store::open(&url).await?;
    let counts = store.backup_counts().await?;
    if counts != manifest.counts {
        bail!("the restored database holds {counts:?}, the manifest says {:?}", manifest.counts);
    }
    let indexed = crate::search::reindex(&store, &config.index_dir(), |_| {}).await?;
    Ok(Restored { counts, topics_indexed: indexed.topics })
}

fn check_compatible(manifest: &Manifest, url: &str) -> anyhow::Result<()> {
    let backend = if url.starts_with("postgres") { "postgres" } else { "sqlite" };
    if manifest.database != backend {
        bail!("this is a {} backup and the configured database is {backend}: restore it into the same kind", manifest.database);
    }
    let known = known_schema_version(backend);
    if manifest.schema_version > known {
        bail!(
            "the backup comes from a newer goodpractice (schema {}, this program knows up to {known}): restore it with that version or newer",
            manifest.schema_version
        );
    }
    Ok(())
}

/// Nothing is overwritten: the database must be new and the uploads folder absent or empty.
async fn check_target_empty(config: &Config, url: &str) -> anyhow::Result<()> {
    let attachments = config.uploads_dir();
    if attachments.exists() && std::fs::read_dir(&attachments)?.next().is_some() {
        bail!("{} already holds uploads: restore into an empty data folder", attachments.display());
    }
    if !url.starts_with("postgres") {
        let path = sqlite_path(url)?;
        if path.exists() {
            bail!("{} already exists: restore into an empty data folder", path.display());
        }
        return Ok(());
    }
    let store = Store::connect_only(url).await?;
    let busy = store.has_any_table().await;
    store.close().await;
    if busy? {
        bail!("the PostgreSQL database already has tables: restore into a new, empty database");
    }
    Ok(())
}

async fn load_database(manifest: &Manifest, url: &str, from: &Path) -> anyhow::Result<()> {
    if manifest.database == "postgres" {
        return PgTarget::parse(url)?.restore(&from.join(POSTGRES_FILE)).await;
    }
    let path = sqlite_path(url)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Copied under a temporary name and renamed, so an interrupted restore leaves no database.
    let temp = path.with_extension("restoring");
    std::fs::copy(from.join(SQLITE_FILE), &temp).context("cannot copy the database")?;
    std::fs::rename(&temp, &path).context("cannot put the database in place")
}

/// Copies the backup's `attachments/…` files into `uploads_dir` (the manifest's paths were
/// checked; `safe_join` refuses any that would leave the folder).
fn copy_attachments(manifest: &Manifest, from: &Path, uploads_dir: &Path) -> anyhow::Result<()> {
    let prefix = format!("{ATTACHMENTS}/");
    for entry in manifest.files.iter().filter(|f| f.path.starts_with(&prefix)) {
        let target = manifest::safe_join(uploads_dir, &entry.path[prefix.len()..])?;
        if let Some(dir) = target.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::copy(from.join(&entry.path), &target).with_context(|| format!("cannot copy {}", entry.path))?;
    }
    Ok(())
}
