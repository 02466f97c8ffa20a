//! The sweep of unused uploads: an attachment uploaded (by the API or a form) but shown by no
//! post after `unused_upload_hours` is deleted, and its files with it once no other attachment
//! names the same bytes (files are shared by content hash). An upload that one of its
//! uploader's drafts still shows is kept: the member may post it later. The server runs it every
//! hour (`SweepTask`); `goodpractice attachments sweep` runs it once. With several servers on
//! one database only the holder of the `upload_sweep` job lease sweeps; it renews the lease at
//! each round, and another server takes over after a round it missed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::files::Files;
use crate::error::AppResult;
use crate::store::{JobLease, Store, UnlinkedAttachment};

/// Attachments looked at per batch; the server's hourly pass stops after one batch.
const BATCH: i64 = 200;
/// How often the server sweeps, how soon after start-up it first does (a server restarted
/// often still sweeps), and the pause between batches when one batch did not finish the work.
const EVERY: Duration = Duration::from_secs(60 * 60);
const FIRST: Duration = Duration::from_secs(60);
const NEXT_BATCH: Duration = Duration::from_secs(5);
/// A file put this recently is kept even when no row names it: an upload of the same bytes may
/// be between writing the file and recording its row.
const FILE_GRACE: Duration = Duration::from_secs(10 * 60);
/// How long one round's hold on the `upload_sweep` lease lasts: past the holder's next round,
/// so it keeps the job while alive.
const LEASE: Duration = Duration::from_secs(65 * 60);

/// What one sweep removed (counts only: the log never names a member or a file).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    pub attachments: usize,
    pub files: usize,
    /// Unlinked but shown by one of the uploader's drafts, so kept.
    pub kept_for_drafts: usize,
}

/// How old an unused upload must be before it is swept.
pub fn max_age(config: &crate::config::Config) -> chrono::Duration {
    chrono::Duration::hours(config.unused_upload_hours.max(1))
}

/// One batch: up to `BATCH` unused uploads older than `max_age` with ids after `after`, which
/// moves past them (an upload kept for a draft is not looked at again in this round). `done`
/// is false when more may remain.
pub async fn sweep_batch(store: &Store, uploads_dir: &Path, max_age: chrono::Duration, after: &mut i64) -> AppResult<(Swept, bool)> {
    let candidates = store.unlinked_attachments_after(*after, Utc::now() - max_age, BATCH).await?;
    let done = (candidates.len() as i64) < BATCH;
    let files = Files::new(uploads_dir);
    let mut swept = Swept::default();
    for candidate in candidates {
        *after = candidate.id;
        if shown_by_a_draft(store, &candidate).await? {
            swept.kept_for_drafts += 1;
        } else if store.delete_unlinked_attachment(candidate.id).await? {
            swept.attachments += 1;
            swept.files += remove_unused_files(store, &files, &candidate).await?;
        }
    }
    Ok((swept, done))
}

/// Sweeps every unused upload older than `max_age`, batch after batch (the one-shot command).
pub async fn sweep_all(store: &Store, uploads_dir: &Path, max_age: chrono::Duration) -> AppResult<Swept> {
    let (mut total, mut after) = (Swept::default(), 0);
    loop {
        let (swept, done) = sweep_batch(store, uploads_dir, max_age, &mut after).await?;
        total.attachments += swept.attachments;
        total.files += swept.files;
        total.kept_for_drafts += swept.kept_for_drafts;
        if done {
            return Ok(total);
        }
    }
}

async fn shown_by_a_draft(store: &Store, candidate: &UnlinkedAttachment) -> AppResult<bool> {
    let drafts = store.drafts(candidate.uploader_id).await?;
    Ok(drafts.iter().any(|d| mentions_attachment(&d.fields, candidate.id)))
}

/// Whether a text holds `/attachments/{id}` (not the start of a longer number). Drafts are JSON
/// of form fields, so this reads the raw text rather than Markdown: it may keep an upload a
/// draft only names in passing, never lose one a draft shows.
fn mentions_attachment(text: &str, id: i64) -> bool {
    let needle = super::url(id);
    text.match_indices(&needle).any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Removes the attachment's file and thumbnail when no remaining row names them.
async fn remove_unused_files(store: &Store, files: &Files, candidate: &UnlinkedAttachment) -> AppResult<usize> {
    let mut removed = 0;
    for sha256 in [Some(&candidate.sha256), candidate.thumb_sha256.as_ref()].into_iter().flatten() {
        if store.attachment_files_named(sha256).await? == 0 && files.remove_unused(sha256, FILE_GRACE) {
            removed += 1;
        }
    }
    Ok(removed)
}

/// The server's sweeper: a round of batches every hour, the first a minute after start-up.
pub struct SweepTask {
    stop: Arc<Notify>,
    handle: JoinHandle<()>,
}

impl SweepTask {
    pub fn spawn(store: Store, uploads_dir: std::path::PathBuf, max_age: chrono::Duration) -> Self {
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let lease = JobLease::new("upload_sweep", LEASE);
        let handle = tokio::spawn(async move {
            let (mut after, mut pause) = (0, FIRST);
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = stopped.notified() => break,
                }
                if !holds(&lease, &store).await {
                    (after, pause) = (0, EVERY);
                    continue;
                }
                let done = match sweep_batch(&store, &uploads_dir, max_age, &mut after).await {
                    Ok((swept, done)) => {
                        log_swept(&swept);
                        done
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "sweep of unused uploads failed");
                        true
                    }
                };
                (after, pause) = if done { (0, EVERY) } else { (after, NEXT_BATCH) };
            }
            lease.release(&store).await;
        });
        Self { stop, handle }
    }

    pub async fn stop(self) {
        self.stop.notify_one();
        let _ = self.handle.await;
    }
}

/// Whether this process holds the sweep's job lease for this round (false when the database
/// cannot say; the next round tries again).
async fn holds(lease: &JobLease, store: &Store) -> bool {
    lease.hold(store).await.unwrap_or_else(|err| {
        tracing::warn!(error = %err, "could not take the upload sweep's job lease");
        false
    })
}

pub fn log_swept(swept: &Swept) {
    if swept.attachments > 0 || swept.kept_for_drafts > 0 {
        tracing::info!(
            attachments = swept.attachments,
            files = swept.files,
            kept_for_drafts = swept.kept_for_drafts,
            "unused uploads swept"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::mentions_attachment;

    #[test]
    fn a_draft_mentions_an_attachment_only_by_its_whole_number() {
        let fields = r#"{"body":"Ảnh: ![bảng kiểm](/attachments/12)"}"#;
        assert!(mentions_attachment(fields, 12));
        assert!(!mentions_attachment(fields, 1));
        assert!(mentions_attachment(r#"{"body":"![a](/attachments/7/thumb)"}"#, 7));
    }
}
