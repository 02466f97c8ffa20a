//! The indexer: one task per process that follows `search_changes` and keeps the served index in
//! step with the database. Each batch is committed with the last applied sequence number, so a
//! restart resumes exactly there. It also watches `CURRENT` and switches to a generation built
//! by `goodpractice reindex`.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use search_index::{Doc, IndexWriter, SearchIndex};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::generations::Generations;
use super::{Building, SearchHandle};
use crate::log_once::FailureLog;
use crate::store::Store;

/// How often the log is polled: new posts are searchable well within a second.
const POLL: Duration = Duration::from_millis(200);
/// Pause after a failure (database down, disk full…), so the log is not flooded.
const BACKOFF: Duration = Duration::from_secs(5);
/// Changes read per round trip.
const BATCH: i64 = 500;
/// Topics loaded per page of a full rebuild.
const REBUILD_PAGE: i64 = 200;
/// How long an old generation is kept after switching, for searches that were already running.
const RETIRE_AFTER: Duration = Duration::from_secs(2);

pub(super) type SharedWriter = Arc<Mutex<IndexWriter>>;

/// The running indexer task; `stop` ends it and closes the index writer.
pub struct Indexer {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl Indexer {
    pub fn spawn(store: Store, generations: Generations, handle: SearchHandle) -> Self {
        let (stop, stopped) = watch::channel(false);
        let follower = Follower { store, generations, handle, served: None, retired_at: None };
        Self { stop, task: tokio::spawn(follower.run(stopped)) }
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the search indexer ended abnormally");
        }
    }
}

/// The generation being served, with its single writer and position in the log.
struct Served {
    generation: u64,
    index: SearchIndex,
    writer: SharedWriter,
    cursor: Cursor,
    /// The sequence number recorded by the last commit.
    committed: i64,
}

struct Follower {
    store: Store,
    generations: Generations,
    handle: SearchHandle,
    served: Option<Served>,
    retired_at: Option<Instant>,
}

impl Follower {
    async fn run(mut self, mut stopped: watch::Receiver<bool>) {
        let mut failures = FailureLog::default();
        loop {
            // Stopping may cut a batch or a rebuild short: nothing is recorded until its commit,
            // so the next start redoes it.
            let outcome = tokio::select! {
                _ = stopped.changed() => break,
                outcome = self.tick() => outcome,
            };
            self.handle.set_failing(outcome.is_err());
            let pause = match outcome {
                Ok(()) => {
                    if failures.succeeded() {
                        tracing::info!("search indexer: applying changes again");
                    }
                    POLL
                }
                Err(err) => {
                    let message = format!("{err:#}");
                    if failures.failed(&message) {
                        tracing::error!(error = %message, "search indexer: cannot apply changes; retrying every 5 s (not logged again while it keeps failing)");
                    }
                    BACKOFF
                }
            };
            tokio::select! {
                _ = stopped.changed() => break,
                _ = tokio::time::sleep(pause) => {}
            }
            if *stopped.borrow() {
                break;
            }
        }
        // Dropping a writer joins its threads: keep that off the async workers.
        if let Some(served) = self.served.take() {
            let _ = tokio::task::spawn_blocking(move || drop(served)).await;
        }
    }

    async fn tick(&mut self) -> anyhow::Result<()> {
        let wanted = self.generations.current();
        // Also reopen when the served folder is gone (someone cleared `search/`): it is rebuilt.
        let switch = match &self.served {
            None => true,
            Some(s) => wanted.is_some_and(|w| w != s.generation) || !self.generations.dir(s.generation).is_dir(),
        };
        if switch {
            return self.switch().await;
        }
        if let Some(served) = self.served.as_mut() {
            catch_up(&self.store, served).await?;
        }
        self.remove_retired().await;
        Ok(())
    }

    /// Opens the generation `CURRENT` names, brings it up to date, then serves it. A new
    /// generation from `reindex` is caught up before the swap, so results never go backwards.
    async fn switch(&mut self) -> anyhow::Result<()> {
        // With nothing served yet, an index that must be built is served while it is built;
        // otherwise the old generation stays until the new one is complete.
        let early = self.served.is_none().then_some(&self.handle);
        let served = open_current(&self.store, &self.generations, early).await?;
        self.handle.set(served.index.clone());
        self.handle.set_building(None);
        let generation = served.generation;
        match self.served.replace(served) {
            Some(old) => {
                tracing::info!(from = old.generation, to = generation, "now serving a rebuilt search index");
                let _ = tokio::task::spawn_blocking(move || drop(old)).await;
                self.retired_at = Some(Instant::now());
            }
            None => {
                self.retired_at = None;
                let generations = self.generations.clone();
                let _ = tokio::task::spawn_blocking(move || generations.remove_older_than(generation)).await;
            }
        }
        Ok(())
    }

    /// Deletes replaced generations once searches that started on them have finished.
    async fn remove_retired(&mut self) {
        let (Some(at), Some(served)) = (self.retired_at, &self.served) else { return };
        if at.elapsed() >= RETIRE_AFTER {
            self.retired_at = None;
            let (generations, current) = (self.generations.clone(), served.generation);
            let _ = tokio::task::spawn_blocking(move || generations.remove_older_than(current)).await;
        }
    }
}

async fn open_current(store: &Store, generations: &Generations, serve_early: Option<&SearchHandle>) -> anyhow::Result<Served> {
    let generations = generations.clone();
    let (generation, index, writer, seq) = blocking(move || {
        let (generation, index) = generations.open_current()?;
        let writer = index.writer()?;
        let seq = index.last_applied_seq()?;
        Ok((generation, index, Arc::new(Mutex::new(writer)), seq))
    })
    .await?;
    // No recorded position: a new or repaired index, built from the database first.
    let seq = match seq {
        Some(seq) => seq,
        None => build_served(store, generation, &index, &writer, serve_early).await?,
    };
    let mut served = Served { generation, index, writer, cursor: Cursor::at(seq), committed: seq };
    catch_up(store, &mut served).await?;
    Ok(served)
}

/// Applies every change after the cursor, committing after each batch.
async fn catch_up(store: &Store, served: &mut Served) -> anyhow::Result<()> {
    // Work on a copy: if anything fails, the same changes are read again next time.
    let mut cursor = served.cursor.clone();
    let mut from = cursor.start();
    loop {
        let changes = store.search_changes_after(from, BATCH).await?;
        let now = Instant::now();
        let mut topics = BTreeSet::new();
        for change in &changes {
            // Only topics are logged today; other entities are for later features.
            if cursor.accept(change.seq, now) && change.entity == "topic" {
                topics.insert(change.entity_id);
            }
        }
        cursor.forget_old_holes(now);
        let through = cursor.applied_through();
        if !topics.is_empty() || through != served.committed {
            let docs = load_docs(store, topics).await?;
            write(&served.writer, docs, Some(through)).await?;
            served.committed = through;
        }
        served.cursor = cursor.clone();
        match changes.last() {
            Some(last) if changes.len() as i64 == BATCH => from = last.seq,
            _ => return Ok(()),
        }
    }
}

/// Builds a new or repaired index from the database. When `serve_early` is given, the index is
/// served from the start with the build's progress, committing every [`SERVED_COMMIT`] topics so
/// searches find what is indexed so far; the page says the build is under way (no 503s).
async fn build_served(
    store: &Store,
    generation: u64,
    index: &SearchIndex,
    writer: &SharedWriter,
    serve_early: Option<&SearchHandle>,
) -> anyhow::Result<i64> {
    let started = Instant::now();
    let total = store.count_topics(None).await?.max(0) as u64;
    tracing::info!(generation, topics = total, "building the search index from the database");
    if let Some(handle) = serve_early {
        handle.set_building(Some(Building { done: 0, total }));
        handle.set(index.clone());
    }
    let mut committed = 0;
    let built = rebuild(store, writer, |done| {
        if let Some(handle) = serve_early {
            handle.set_building(Some(Building { done, total: total.max(done) }));
        }
        let commit = serve_early.is_some() && done - committed >= SERVED_COMMIT;
        if commit {
            committed = done;
        }
        commit
    })
    .await;
    if let Some(handle) = serve_early {
        handle.set_building(None);
    }
    let built = built?;
    let seconds = started.elapsed().as_secs_f64();
    tracing::info!(generation, topics = built.topics, seconds, "search index built from the database");
    Ok(built.seq)
}

/// Topics between commits of an index built while served: often enough that searches soon find
/// much, rarely enough that committing (a new segment each time) stays a small part of the build.
const SERVED_COMMIT: u64 = 25_000;

pub(super) struct Rebuilt {
    pub topics: u64,
    pub seq: i64,
}

/// Indexes every visible topic and commits with the log position read before starting: a change
/// made during the rebuild is then applied again afterwards rather than missed. `progress` hears
/// the running count of topics after each page and answers whether to commit now (without a
/// position, so a restart still rebuilds).
///
/// The next page is read from the database while the index takes the last one, so the two
/// cores share the work.
pub(super) async fn rebuild(store: &Store, writer: &SharedWriter, mut progress: impl FnMut(u64) -> bool) -> anyhow::Result<Rebuilt> {
    let seq = rebuild_position(store).await?;
    let mut topics = 0;
    let mut next = read_page(store, 0).await?;
    let mut writing: Option<tokio::task::JoinHandle<anyhow::Result<()>>> = None;
    while let Some((last, docs)) = next {
        topics += docs.iter().filter(|(_, doc)| doc.is_some()).count() as u64;
        if let Some(previous) = writing.take() {
            previous.await.context("the search index task panicked")??;
        }
        let commit = progress(topics).then_some(None);
        let writer = writer.clone();
        writing = Some(tokio::spawn(async move { write_docs(&writer, docs, commit).await }));
        next = read_page(store, last).await?;
    }
    if let Some(previous) = writing.take() {
        previous.await.context("the search index task panicked")??;
    }
    write(writer, Vec::new(), Some(seq)).await?;
    Ok(Rebuilt { topics, seq })
}

/// The next page of visible topics after `after`: the last id and the documents.
async fn read_page(store: &Store, after: i64) -> anyhow::Result<Option<(i64, Vec<(i64, Option<Doc>)>)>> {
    let ids = store.visible_topic_ids_after(after, REBUILD_PAGE).await?;
    let Some(&last) = ids.last() else { return Ok(None) };
    Ok(Some((last, load_docs(store, ids).await?)))
}

/// The log position a rebuild may record: the highest number, or just below the lowest number
/// still missing under it. On PostgreSQL a missing number may belong to a transaction that has not
/// committed yet, whose change the rebuild cannot see; reading the log again from below it lets
/// the cursor wait for it as a hole (see [`Cursor`]) instead of skipping it for good.
async fn rebuild_position(store: &Store) -> anyhow::Result<i64> {
    let max = store.max_search_change_seq().await?;
    let from = (max - MAX_HOLE).max(0);
    for (change, expected) in store.search_changes_after(from, MAX_HOLE).await?.into_iter().zip(from + 1..) {
        if change.seq > max {
            break;
        }
        if change.seq != expected {
            return Ok(expected - 1);
        }
    }
    Ok(max)
}

/// The current public form of each topic; `None` for one the public can no longer see.
async fn load_docs(store: &Store, ids: impl IntoIterator<Item = i64>) -> anyhow::Result<Vec<(i64, Option<Doc>)>> {
    let ids: Vec<i64> = ids.into_iter().collect();
    let mut docs = Vec::with_capacity(ids.len());
    // A few queries per page of topics rather than four per topic.
    for page in ids.chunks(REBUILD_PAGE as usize) {
        docs.extend(store.search_docs(page).await?);
    }
    Ok(docs)
}

/// Upserts or deletes each topic, then commits with `commit_seq` when given.
pub(super) async fn write(writer: &SharedWriter, docs: Vec<(i64, Option<Doc>)>, commit_seq: Option<i64>) -> anyhow::Result<()> {
    write_docs(writer, docs, commit_seq.map(Some)).await
}

/// Upserts or deletes each topic, then commits when `commit` is given, with its position if any
/// (`Some(None)`: a commit that keeps the position recorded before).
async fn write_docs(writer: &SharedWriter, docs: Vec<(i64, Option<Doc>)>, commit: Option<Option<i64>>) -> anyhow::Result<()> {
    let writer = writer.clone();
    blocking(move || {
        let mut writer = writer.lock().map_err(|_| anyhow::anyhow!("the search index writer is poisoned"))?;
        for (id, doc) in &docs {
            match doc {
                Some(doc) => writer.upsert(doc)?,
                None => writer.delete(*id)?,
            }
        }
        if let Some(seq) = commit {
            writer.commit(seq)?;
        }
        Ok(())
    })
    .await
}

/// Runs index work (disk and CPU bound) off the async workers; a panic in the index becomes an
/// error here rather than taking the forum down.
pub(super) async fn blocking<T: Send + 'static>(work: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> anyhow::Result<T> {
    tokio::task::spawn_blocking(work).await.context("the search index task panicked")?
}

/// How far the follower has read the change log.
///
/// PostgreSQL numbers a change when it is written, not when it commits, so change 11 can become
/// visible before change 10. A number skipped on the way is remembered as a hole for a while:
/// when it shows up it is applied, and the position recorded with each commit stays below the
/// oldest open hole, so a restart reads it again. A number that never shows up belonged to a
/// rolled-back transaction and is forgotten. (SQLite commits one writer at a time: no holes.)
#[derive(Debug, Clone)]
struct Cursor {
    read_through: i64,
    holes: BTreeMap<i64, Instant>,
}

/// How long a skipped number may still appear (a transaction commits within moments of logging).
const HOLE_PATIENCE: Duration = Duration::from_secs(60);
/// Larger jumps are not tracked number by number (PostgreSQL skips a few after a crash).
const MAX_HOLE: i64 = 1000;

impl Cursor {
    fn at(seq: i64) -> Self {
        Self { read_through: seq, holes: BTreeMap::new() }
    }

    /// Where the next read starts.
    fn start(&self) -> i64 {
        self.holes.keys().next().map_or(self.read_through, |hole| hole - 1)
    }

    /// Every change at or below this has been applied: what a commit may record.
    fn applied_through(&self) -> i64 {
        self.start()
    }

    /// Whether a change read from the log is new and must be applied.
    fn accept(&mut self, seq: i64, now: Instant) -> bool {
        if self.holes.remove(&seq).is_some() {
            return true;
        }
        if seq <= self.read_through {
            return false;
        }
        if seq - self.read_through <= MAX_HOLE {
            self.holes.extend((self.read_through + 1..seq).map(|missing| (missing, now)));
        }
        self.read_through = seq;
        true
    }

    fn forget_old_holes(&mut self, now: Instant) {
        self.holes.retain(|_, seen| now.duration_since(*seen) < HOLE_PATIENCE);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_changes_advance_the_cursor() {
        let now = Instant::now();
        let mut c = Cursor::at(4);
        assert!(c.accept(5, now) && c.accept(6, now));
        assert!(!c.accept(6, now), "a change is applied once");
        assert_eq!((c.start(), c.applied_through()), (6, 6));
    }

    #[test]
    fn a_late_commit_fills_its_hole_and_is_applied() {
        let now = Instant::now();
        let mut c = Cursor::at(9);
        assert!(c.accept(11, now));
        assert_eq!(c.applied_through(), 9, "10 may still commit");
        assert_eq!(c.start(), 9, "the next read includes 10");
        assert!(!c.accept(11, now), "11 is not applied twice");
        assert!(c.accept(10, now));
        assert_eq!(c.applied_through(), 11);
    }

    #[test]
    fn a_hole_that_never_fills_is_forgotten() {
        let then = Instant::now();
        let mut c = Cursor::at(1);
        c.accept(3, then);
        c.forget_old_holes(then + HOLE_PATIENCE);
        assert_eq!(c.applied_through(), 3);
    }

    #[test]
    fn huge_jumps_are_not_tracked_as_holes() {
        let mut c = Cursor::at(0);
        c.accept(MAX_HOLE + 5, Instant::now());
        assert_eq!(c.applied_through(), MAX_HOLE + 5);
    }
}
