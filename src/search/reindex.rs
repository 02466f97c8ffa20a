//! `goodpractice reindex`: builds a new generation from the database beside the one being served,
//! then points `CURRENT` at it. A running server notices, catches the new generation up from the
//! position recorded in its commit, swaps it in and deletes the old one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::follower::{blocking, rebuild};
use super::generations::Generations;
use crate::config::Config;
use crate::store::Store;

#[derive(Debug)]
pub struct Reindexed {
    pub generation: u64,
    pub dir: PathBuf,
    /// Topics indexed.
    pub topics: u64,
    /// The change-log position recorded with the index.
    pub seq: i64,
}

/// Builds and publishes a new generation; `progress` hears the running count of topics.
pub async fn reindex(store: &Store, index_dir: &Path, progress: impl FnMut(u64)) -> anyhow::Result<Reindexed> {
    let generations = Generations::new(index_dir);
    let generation = generations.next();
    let dir = generations.dir(generation);
    match build(store, &generations, generation, progress).await {
        Ok((topics, seq)) => {
            generations.set_current(generation)?;
            Ok(Reindexed { generation, dir, topics, seq })
        }
        Err(err) => {
            // A half-built generation is never served; do not leave it behind.
            let _ = std::fs::remove_dir_all(&dir);
            Err(err)
        }
    }
}

async fn build(store: &Store, generations: &Generations, generation: u64, progress: impl FnMut(u64)) -> anyhow::Result<(u64, i64)> {
    let generations = generations.clone();
    let (index, writer) = blocking(move || {
        let index = generations.open(generation)?;
        let writer = index.writer()?;
        Ok((index, Arc::new(Mutex::new(writer))))
    })
    .await?;
    let mut progress = progress;
    let built = rebuild(store, &writer, |n| {
        progress(n);
        false
    })
    .await?;
    // Release the writer's lock before `CURRENT` names this generation and a server opens it.
    blocking(move || {
        drop(writer);
        drop(index);
        Ok(())
    })
    .await?;
    Ok((built.topics, built.seq))
}

/// `goodpractice reindex`, printing progress and the final count.
pub async fn reindex_command(config: &Config) -> anyhow::Result<()> {
    let store = Store::open(&config.effective_database_url()).await?;
    let started = std::time::Instant::now();
    println!("building a new search index from the database ({})…", config.database_kind());
    let done = reindex(&store, &config.index_dir(), |n| println!("  {n} topics indexed")).await?;
    println!(
        "search index rebuilt: {} topics in {:.1} s, generation {} ({}), change log at {}; a running server switches to it within a second",
        done.topics,
        started.elapsed().as_secs_f64(),
        done.generation,
        done.dir.display(),
        done.seq
    );
    Ok(())
}
