//! Sign-in limits that slow a guesser without locking out a hospital, shared by every app
//! process through the database (only hashes of the email and address are stored):
//!
//! - **Per account**: `login_failures_allowed` failures are free; after that each attempt must
//!   wait 1, 2, 4, 8, then 15 minutes after the one before. A right password starts again at 0.
//! - **Per client address**: `login_failures_per_address` failures per 15-minute window, whatever
//!   the account: high enough for the hundreds of staff behind one hospital's address.
//!
//! An attempt is counted *before* its password is checked, in one locked database step, and
//! taken back when it succeeds: twenty guesses sent at once are counted one after another, so no
//! more than the allowance get through. Both refusals say which limit was met and for how long.

use std::net::IpAddr;

use chrono::Utc;

use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::AttemptClaim;

/// The per-address window.
const ADDRESS_WINDOW_MINUTES: i64 = 15;
/// The first wait after the free failures, doubled after each further failure…
const FIRST_WAIT_MINUTES: i64 = 1;
/// …up to this.
const LONGEST_WAIT_MINUTES: i64 = 15;
/// Failures older than this (with none since) are forgotten.
const FORGET_AFTER_HOURS: i64 = 24;

fn account_key(account: &str) -> String {
    super::session::token_hash(&format!("email:{}", account.to_lowercase()))
}

fn address_key(ip: IpAddr) -> String {
    super::session::token_hash(&format!("login-ip:{ip}"))
}

/// How long (minutes) the attempt after `failures` consecutive failures must wait.
fn wait_minutes(failures: i64, allowed: i64) -> i64 {
    if failures < allowed.max(1) {
        return 0;
    }
    let doublings = (failures - allowed.max(1)).min(10) as u32;
    (FIRST_WAIT_MINUTES << doublings).min(LONGEST_WAIT_MINUTES)
}

/// A sign-in attempt that was let through the limits. Call [`Attempt::succeeded`] when the
/// credentials were right; otherwise it stays counted as a failure.
#[must_use]
pub struct Attempt {
    account_key: String,
    address_key: String,
    window: i64,
}

/// Lets an attempt on `account` (an email, or a two-factor key) from `ip` through, or refuses it
/// with a 429 that names the limit met and when to try again.
pub async fn begin(state: &AppState, account: &str, ip: IpAddr) -> AppResult<Attempt> {
    let now = Utc::now().timestamp_millis();
    let window_ms = ADDRESS_WINDOW_MINUTES * 60_000;
    let window = now - now.rem_euclid(window_ms);
    let attempt = Attempt { account_key: account_key(account), address_key: address_key(ip), window };
    let store = state.store();
    let per_address = state.config().login_failures_per_address;
    if store.count_hit(&attempt.address_key, window).await? > per_address {
        store.refund_hit(&attempt.address_key, window).await?;
        let minutes = minutes_until(now, window + window_ms);
        return Err(AppError::TooManyRequests(
            Msg::new("error.login_address_rate").arg("limit", per_address).arg("window", ADDRESS_WINDOW_MINUTES).arg("minutes", minutes),
        ));
    }
    let allowed = state.config().login_failures_allowed;
    let forget_before = now - FORGET_AFTER_HOURS * 3_600_000;
    let claim = store.claim_login_attempt(&attempt.account_key, now, forget_before, |n| wait_minutes(n, allowed) * 60_000).await;
    match claim {
        Ok(AttemptClaim::Allowed { .. }) => Ok(attempt),
        Ok(AttemptClaim::Refused { failures, next_attempt_ms }) => {
            store.refund_hit(&attempt.address_key, window).await?;
            Err(AppError::TooManyRequests(
                Msg::new("error.login_rate")
                    .arg("failures", failures)
                    .arg("minutes", minutes_until(now, next_attempt_ms))
                    .arg("allowed", allowed)
                    .arg("longest", LONGEST_WAIT_MINUTES),
            ))
        }
        Err(err) => {
            store.refund_hit(&attempt.address_key, window).await?;
            Err(err.into())
        }
    }
}

/// Counts one hit for `key` (hashed before it is stored) in the current clock hour, shared by
/// every app process; `Some(minutes until the hour ends)` when that went past `limit`.
pub async fn past_hourly_limit(state: &AppState, key: &str, limit: i64) -> AppResult<Option<i64>> {
    const HOUR_MS: i64 = 3_600_000;
    let now = Utc::now().timestamp_millis();
    let window = now - now.rem_euclid(HOUR_MS);
    let hits = state.store().count_hit(&super::session::token_hash(key), window).await?;
    Ok((hits > limit).then(|| minutes_until(now, window + HOUR_MS)))
}

/// Whole minutes from `now_ms` to `until_ms`, at least 1.
fn minutes_until(now_ms: i64, until_ms: i64) -> i64 {
    ((until_ms - now_ms + 59_999) / 60_000).max(1)
}

impl Attempt {
    /// The credentials were right: the account's count starts again and the address's slot is
    /// given back (only failures count against a shared address).
    pub async fn succeeded(self, state: &AppState) -> AppResult<()> {
        state.store().reset_login_attempts(&self.account_key).await?;
        state.store().refund_hit(&self.address_key, self.window).await?;
        Ok(())
    }

    /// The credentials were wrong. The attempt was counted when it began; this only says so.
    pub fn failed(self) {}
}

/// Forgets old windows and backoffs (sign-ins are rare enough to carry the housekeeping).
pub async fn prune(state: &AppState) -> AppResult<()> {
    let now = Utc::now().timestamp_millis();
    let day = 24 * 3_600_000;
    state.store().prune_rate_limits(now - day, now - FORGET_AFTER_HOURS * 3_600_000).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_after_the_free_failures_up_to_fifteen_minutes() {
        let waits: Vec<i64> = (1..=11).map(|n| wait_minutes(n, 5)).collect();
        assert_eq!(waits, [0, 0, 0, 0, 1, 2, 4, 8, 15, 15, 15]);
        assert_eq!(wait_minutes(1000, 5), 15, "no overflow however long the attack");
    }

    #[test]
    fn minutes_are_rounded_up() {
        assert_eq!(minutes_until(0, 1), 1);
        assert_eq!(minutes_until(0, 60_000), 1);
        assert_eq!(minutes_until(0, 60_001), 2);
        assert_eq!(minutes_until(10, 0), 1);
    }
}
