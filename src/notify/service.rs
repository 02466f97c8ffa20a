//! Logic shared by the notification pages and API: handles, unsubscribe tokens.

use axum::http::StatusCode;

use crate::error::{AppError, AppResult, Msg};
use crate::store::{Store, StoreError};
use crate::text::HANDLE_MAX;

/// A valid @handle: 3–30 of a–z, 0–9 and `_`; typed with or without `@`, any letter case,
/// Vietnamese letters folded ("@Lan_Anh", "lân_anh" → `lan_anh`).
pub fn parse_handle(raw: &str) -> AppResult<String> {
    let typed = crate::text::clean_line(raw);
    let folded = search_index::analysis::fold(typed.trim_start_matches('@'));
    let ok = (3..=HANDLE_MAX).contains(&folded.len()) && folded.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if ok { Ok(folded) } else { Err(AppError::bad("notify.error.handle_format")) }
}

/// Gives a member the handle they chose (unchanged when it is already theirs).
pub async fn change_handle(store: &Store, user_id: i64, raw: &str) -> AppResult<String> {
    let handle = parse_handle(raw)?;
    if store.handle_of(user_id).await?.as_deref() == Some(handle.as_str()) {
        return Ok(handle);
    }
    match store.set_handle(user_id, &handle).await {
        Ok(()) => Ok(handle),
        Err(StoreError::Conflict) => Err(AppError::Conflict(Msg::new("notify.error.handle_taken").arg("handle", &handle))),
        Err(other) => Err(other.into()),
    }
}

fn bad_token() -> AppError {
    AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new("notify.error.unsubscribe_token"))
}

/// The member an unsubscribe token was made for; a clear 400 for anything else.
pub async fn unsubscribe_target(store: &Store, token: &str) -> AppResult<i64> {
    let key = super::token::key(store).await?;
    let user_id = super::token::verify(&key, token).ok_or_else(bad_token)?;
    match store.user_by_id(user_id).await {
        Ok(_) => Ok(user_id),
        Err(StoreError::NotFound) => Err(bad_token()),
        Err(other) => Err(other.into()),
    }
}

/// Gives every member without a handle one (accounts made before handles, bulk imports).
pub async fn backfill_handles(store: &Store) -> AppResult<usize> {
    let missing = store.users_without_handle().await?;
    for (id, name) in &missing {
        store.assign_handle(*id, &crate::text::handle_base(name)).await?;
    }
    Ok(missing.len())
}

#[cfg(test)]
mod tests {
    use super::parse_handle;

    #[test]
    fn handles_are_folded_and_checked() {
        assert_eq!(parse_handle("@Lan_Anh").unwrap(), "lan_anh");
        assert_eq!(parse_handle(" lân_anh ").unwrap(), "lan_anh");
        for bad in ["ab", "lan anh", "lan-anh", "@", "a".repeat(31).as_str(), "<script>"] {
            assert!(parse_handle(bad).is_err(), "{bad:?}");
        }
    }
}
