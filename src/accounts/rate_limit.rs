//! Failed sign-ins are counted per email and per client address in the database, so several
//! app processes share the count. Only hashes of the email and address are stored.

use std::net::IpAddr;

use chrono::{Duration, Utc};

use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};

const WINDOW_MINUTES: i64 = 15;
/// One address may sit in front of a whole hospital, so it gets more room than one email.
const ADDRESS_FACTOR: i64 = 4;

fn email_key(email: &str) -> String {
    super::session::token_hash(&format!("email:{}", email.to_lowercase()))
}

fn address_key(ip: IpAddr) -> String {
    super::session::token_hash(&format!("ip:{ip}"))
}

/// Refuses the attempt when this email or address failed too often lately.
pub async fn check(state: &AppState, email: &str, ip: IpAddr) -> AppResult<()> {
    let allowed = state.config().login_failures_allowed;
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let store = state.store();
    let by_email = store.login_failures_since(&email_key(email), since).await?;
    let by_address = store.login_failures_since(&address_key(ip), since).await?;
    if by_email >= allowed || by_address >= allowed * ADDRESS_FACTOR {
        return Err(AppError::TooManyRequests(Msg::new("error.login_rate").arg("minutes", WINDOW_MINUTES)));
    }
    Ok(())
}

pub async fn record_failure(state: &AppState, email: &str, ip: IpAddr) -> AppResult<()> {
    state.store().record_login_failure(&email_key(email)).await?;
    state.store().record_login_failure(&address_key(ip)).await?;
    Ok(())
}

pub async fn clear(state: &AppState, email: &str) -> AppResult<()> {
    state.store().clear_login_failures(&email_key(email)).await?;
    Ok(())
}
