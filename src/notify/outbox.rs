//! The mail task: one per process, it reads the outbox (notifications whose mail is queued, and
//! queued weekly digests) every few seconds, claims each row so two processes never send the
//! same mail, and sends it. Posting never waits on it. A failed delivery is tried again later
//! (1, 2, 4, 8 minutes), at most `MAX_ATTEMPTS` times; a permanent SMTP refusal stops at once.
//! It also queues the weekly digest on Monday mornings when `weekly_digest` is on. With several
//! servers on one database only the holder of the `mail` job lease works the outbox; the lease
//! lasts `LEASE` and is renewed at every pass, so a killed server's mail moves to another
//! within seconds.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Datelike, FixedOffset, Utc, Weekday};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::compose::{self, Letterhead};
use super::mail::{self, SendError, Transport};
use crate::app::AppState;
use crate::error::AppResult;
use crate::log_once::FailureLog;
use crate::store::{JobLease, MailJob, NotifySettings, Store};
use crate::web::Lang;

pub const MAX_ATTEMPTS: i64 = 5;
const POLL: Duration = Duration::from_millis(500);
const BATCH: i64 = 50;
/// How long a claimed row is left alone before another process may try it (a crash mid-send).
const CLAIM_MINUTES: i64 = 10;
/// How long one pass's hold on the `mail` job lease lasts (ten polls).
const LEASE: Duration = Duration::from_secs(5);

/// Counts of one pass over the outbox.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub sent: usize,
    pub off: usize,
    pub dropped: usize,
    pub retry: usize,
    pub failed: usize,
}

pub struct MailTask {
    stop: Arc<Notify>,
    handle: JoinHandle<()>,
}

impl MailTask {
    pub fn spawn(state: AppState, base: String) -> anyhow::Result<Self> {
        let transport = Transport::from_config(state.config())?;
        tracing::info!(transport = %transport.describe(), "mail task started");
        let stop = Arc::new(Notify::new());
        let stopped = stop.clone();
        let lease = JobLease::new("mail", LEASE);
        let handle = tokio::spawn(async move {
            let mut digest = DigestSchedule::default();
            let mut failures = Failures::default();
            loop {
                if holds(&lease, state.store(), &mut failures.lease).await {
                    one_pass(&state, &transport, &base, &mut digest, &mut failures).await;
                }
                tokio::select! {
                    _ = tokio::time::sleep(POLL) => {}
                    _ = stopped.notified() => break,
                }
            }
            lease.release(state.store()).await;
        });
        Ok(Self { stop, handle })
    }

    pub async fn stop(self) {
        self.stop.notify_one();
        let _ = self.handle.await;
    }
}

/// The failures of each step of the mail task, each logged once while it lasts.
#[derive(Default)]
struct Failures {
    lease: FailureLog,
    digest: FailureLog,
    pass: FailureLog,
}

/// Whether this process holds the `mail` job lease for the next pass (false when the database
/// cannot say: better a pass skipped than a mail sent twice).
async fn holds(lease: &JobLease, store: &Store, failures: &mut FailureLog) -> bool {
    match lease.hold(store).await {
        Ok(ours) => {
            failures.succeeded();
            ours
        }
        Err(err) => {
            if failures.failed(&err.to_string()) {
                tracing::warn!(error = %err, "could not take the mail job lease (not logged again while it keeps failing)");
            }
            false
        }
    }
}

/// One round: queue the weekly digest when due, then send what the outbox holds.
async fn one_pass(state: &AppState, transport: &Transport, base: &str, digest: &mut DigestSchedule, failures: &mut Failures) {
    if state.config().weekly_digest {
        match digest.tick(state.store(), Utc::now()).await {
            Ok(_) if failures.digest.succeeded() => tracing::info!("the weekly digest can be queued again"),
            Ok(_) => {}
            Err(err) if failures.digest.failed(&err.to_string()) => {
                tracing::warn!(error = %err, "could not queue the weekly digest (not logged again while it keeps failing)");
            }
            Err(_) => {}
        }
    }
    match deliver_due(state, transport, base).await {
        Ok(_) if failures.pass.succeeded() => tracing::info!("the mail outbox works again"),
        Ok(_) => {}
        Err(err) if failures.pass.failed(&err.to_string()) => {
            tracing::warn!(error = %err, "mail outbox pass failed (not logged again while it keeps failing)");
        }
        Err(_) => {}
    }
}

/// The site address mail links use: `public_url`, or the address the server listens on.
pub fn site_base(public_url: &str, listening: &str) -> String {
    let configured = public_url.trim().trim_end_matches('/');
    if configured.is_empty() { format!("http://{listening}") } else { configured.to_string() }
}

/// Whether a member wants this kind of notification by email.
pub fn wants(settings: &NotifySettings, kind: &str) -> bool {
    match kind {
        "mention" => settings.email_mentions,
        "reply" => settings.email_replies,
        "watched_reply" | "watched_topic" | "guidance_citation" | "collection_item" => settings.email_watched,
        _ => settings.email_moderation,
    }
}

fn lang_of(settings: &NotifySettings) -> Lang {
    Lang::parse(&settings.language).unwrap_or_default()
}

fn letterhead<'a>(state: &'a AppState, base: &'a str, key: &[u8], user_id: i64, lang: Lang) -> Letterhead<'a> {
    Letterhead { catalogs: state.catalogs(), lang, base, unsubscribe_token: super::token::sign(key, user_id) }
}

/// Sends every mail that is due now, notifications then digests.
pub async fn deliver_due(state: &AppState, transport: &Transport, base: &str) -> AppResult<Pass> {
    let store = state.store();
    let mut pass = Pass::default();
    let jobs = store.due_mails(Utc::now(), BATCH).await?;
    if jobs.is_empty() && store.due_digests(Utc::now(), 1).await?.is_empty() {
        return Ok(pass);
    }
    let key = super::token::key(store).await?;
    for job in jobs {
        if store.claim_mail(job.id, Utc::now() + chrono::Duration::minutes(CLAIM_MINUTES)).await? {
            deliver_notification(state, transport, base, &key, &job, &mut pass).await?;
        }
    }
    for job in store.due_digests(Utc::now(), BATCH).await? {
        if !store.claim_digest(job.id, Utc::now() + chrono::Duration::minutes(CLAIM_MINUTES)).await? {
            continue;
        }
        let settings = store.notify_settings(job.user_id).await?;
        if !settings.digest {
            store.set_digest_state(job.id, "off").await?;
            pass.off += 1;
            continue;
        }
        let (since, until) = digest_window(&job.week)?;
        let topics = store.digest_topics(since, until, 10).await?;
        let head = letterhead(state, base, &key, job.user_id, lang_of(&settings));
        let outcome = send(state, transport, &compose::digest(&head, &job, &topics)).await;
        record(store, Row::Digest(job.id), job.attempts, outcome, &mut pass).await?;
    }
    Ok(pass)
}

async fn deliver_notification(
    state: &AppState,
    transport: &Transport,
    base: &str,
    key: &[u8],
    job: &MailJob,
    pass: &mut Pass,
) -> AppResult<()> {
    let store = state.store();
    let settings = store.notify_settings(job.user_id).await?;
    if !wants(&settings, &job.kind) {
        store.set_mail_state(job.id, "off").await?;
        pass.off += 1;
        return Ok(());
    }
    // A post deleted or hidden since the notification was written is not mailed about.
    if let Some(post_id) = job.post_id
        && !store.post_is_public(post_id).await?
    {
        store.set_mail_state(job.id, "dropped").await?;
        pass.dropped += 1;
        return Ok(());
    }
    let head = letterhead(state, base, key, job.user_id, lang_of(&settings));
    let outcome = send(state, transport, &compose::notification(&head, job)).await;
    record(store, Row::Notification(job.id), job.attempts, outcome, pass).await
}

async fn send(state: &AppState, transport: &Transport, out: &mail::Outgoing) -> Result<(), SendError> {
    let message = mail::build(&state.config().mail_from, out).map_err(|e| SendError::Permanent(e.to_string()))?;
    transport.send(message).await
}

enum Row {
    Notification(i64),
    Digest(i64),
}

/// Marks a row sent, schedules another attempt, or gives up.
async fn record(store: &Store, row: Row, attempts: i64, outcome: Result<(), SendError>, pass: &mut Pass) -> AppResult<()> {
    let attempts = attempts + 1;
    let (state, retry_at) = match outcome {
        Ok(()) => ("sent", None),
        Err(SendError::Permanent(why)) => {
            tracing::warn!(why, "mail refused for good");
            ("failed", None)
        }
        Err(SendError::Transient(why)) if attempts >= MAX_ATTEMPTS => {
            tracing::warn!(why, attempts, "mail given up after repeated failures");
            ("failed", None)
        }
        Err(SendError::Transient(why)) => {
            tracing::info!(why, attempts, "mail will be tried again");
            ("queued", Some(Utc::now() + chrono::Duration::minutes(1 << (attempts - 1))))
        }
    };
    match state {
        "sent" => pass.sent += 1,
        "failed" => pass.failed += 1,
        _ => pass.retry += 1,
    }
    match (row, retry_at) {
        (Row::Notification(id), Some(at)) => store.retry_mail_at(id, attempts, at).await?,
        (Row::Notification(id), None) => store.set_mail_state(id, state).await?,
        (Row::Digest(id), Some(at)) => store.retry_digest_at(id, attempts, at).await?,
        (Row::Digest(id), None) => store.set_digest_state(id, state).await?,
    }
    Ok(())
}

fn vietnam() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).expect("valid offset")
}

/// The digest key for a moment: its date in Vietnam (`2026-11-30`).
pub fn digest_week(at: DateTime<Utc>) -> String {
    at.with_timezone(&vietnam()).format("%Y-%m-%d").to_string()
}

/// What a digest keyed `week` covers: the seven days up to the end of that day (Vietnam time).
pub fn digest_window(week: &str) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let day = chrono::NaiveDate::parse_from_str(week, "%Y-%m-%d").map_err(anyhow::Error::from)?;
    let end_local = day.succ_opt().unwrap_or(day).and_hms_opt(0, 0, 0).expect("midnight exists");
    let end = end_local.and_local_timezone(vietnam()).single().expect("fixed offset").with_timezone(&Utc);
    Ok((end - chrono::Duration::days(7), end))
}

/// On Mondays from 08:00 in Vietnam, queues that day's digest once.
/// When the weekly digest is queued: Monday from 08:00 in Vietnam, once per week. The week
/// done is remembered, so the rest of Monday costs no query and logs nothing (before, a week in
/// which no member wanted the digest was "queued" again, and logged, every half second).
#[derive(Debug, Default)]
pub struct DigestSchedule {
    week_done: Option<String>,
}

impl DigestSchedule {
    /// Queues this week's digest if it is due and was not queued yet (by this process or
    /// another): the members queued when it did, `None` when there was nothing to do.
    pub async fn tick(&mut self, store: &Store, now: DateTime<Utc>) -> AppResult<Option<u64>> {
        let local = now.with_timezone(&vietnam());
        if local.weekday() != Weekday::Mon || local.format("%H").to_string().as_str() < "08" {
            return Ok(None);
        }
        let week = digest_week(now);
        if self.week_done.as_deref() == Some(week.as_str()) {
            return Ok(None);
        }
        let queued = match store.digest_week_queued(&week).await? {
            true => None,
            false => Some(store.queue_digests(&week).await?),
        };
        if let Some(queued) = queued {
            tracing::info!(week, queued, "weekly digest queued");
        }
        self.week_done = Some(week);
        Ok(queued)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_covers_the_seven_days_before_the_end_of_its_day_in_vietnam() {
        let (since, until) = digest_window("2026-11-30").unwrap();
        assert_eq!(until.to_rfc3339(), "2026-11-30T17:00:00+00:00");
        assert_eq!(since.to_rfc3339(), "2026-11-23T17:00:00+00:00");
        let late_sunday_utc = DateTime::parse_from_rfc3339("2026-11-29T18:30:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(digest_week(late_sunday_utc), "2026-11-30", "already Monday in Vietnam");
    }

    #[test]
    fn settings_choose_the_kinds_that_are_mailed() {
        let mut s = NotifySettings::default();
        assert!(["mention", "reply", "watched_topic", "post_rejected"].iter().all(|k| wants(&s, k)));
        s.email_watched = false;
        assert!(!wants(&s, "watched_reply") && !wants(&s, "guidance_citation") && wants(&s, "reply"));
        s.email_moderation = false;
        assert!(!wants(&s, "post_hidden"));
    }
}
