//! `goodpractice digest send [--dry-run]`: queues today's weekly digest (once per day; a second
//! run adds nothing) and sends what is due at once, without waiting for a running server. The
//! server's mail task queues it by itself on Monday mornings when `weekly_digest` is on.

use std::fmt;

use chrono::Utc;

use super::mail::Transport;
use super::outbox::{self, Pass};
use crate::app::AppState;
use crate::error::AppResult;
use crate::store::DigestTopic;

pub struct DigestReport {
    pub week: String,
    pub dry_run: bool,
    /// Members newly queued (0 when this day's digest was queued before).
    pub queued: u64,
    pub topics: Vec<DigestTopic>,
    pub pass: Pass,
    pub transport: String,
}

impl fmt::Display for DigestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "weekly digest {} ({} practices):", self.week, self.topics.len())?;
        for t in &self.topics {
            writeln!(f, "  - [{}] {} ({} replies) /t/{}", t.kind, t.title, t.reply_count, t.id)?;
        }
        if self.dry_run {
            return writeln!(f, "dry run: nothing queued or sent");
        }
        writeln!(
            f,
            "queued for {} members; sent {}, turned off {}, to retry {}, failed {} (via {})",
            self.queued, self.pass.sent, self.pass.off, self.pass.retry, self.pass.failed, self.transport
        )
    }
}

/// Queues (unless `dry_run`) and sends the digest; `base` is the site address for links.
pub async fn send(state: &AppState, base: &str, dry_run: bool) -> AppResult<DigestReport> {
    let week = outbox::digest_week(Utc::now());
    let (since, until) = outbox::digest_window(&week)?;
    let topics = state.store().digest_topics(since, until, 10).await?;
    let transport = Transport::from_config(state.config())?;
    let mut report = DigestReport { week, dry_run, queued: 0, topics, pass: Pass::default(), transport: transport.describe() };
    if dry_run {
        return Ok(report);
    }
    report.queued = state.store().queue_digests(&report.week).await?;
    report.pass = outbox::deliver_due(state, &transport, base).await?;
    Ok(report)
}
