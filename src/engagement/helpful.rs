//! Helpful marks: a member says a post helped them. Not on their own post; once per post; they
//! can take it back. Only public posts can be marked (anything else is not admitted to exist).

use crate::error::{AppError, AppResult, Msg};
use crate::store::{HelpfulCount, Store, User};

/// Marks a public post helpful (marking it again changes nothing); returns its new count.
pub async fn mark(store: &Store, user: &User, post_id: i64) -> AppResult<HelpfulCount> {
    let author_id = public_post_author(store, post_id).await?;
    if author_id == user.id {
        return Err(AppError::Forbidden(Msg::new("helpful.own_post")));
    }
    store.mark_helpful(post_id, user.id).await?;
    Ok(store.helpful_count(post_id, user.id).await?)
}

/// Takes a mark back (taking back none changes nothing); returns the post's new count.
pub async fn unmark(store: &Store, user: &User, post_id: i64) -> AppResult<HelpfulCount> {
    public_post_author(store, post_id).await?;
    store.unmark_helpful(post_id, user.id).await?;
    Ok(store.helpful_count(post_id, user.id).await?)
}

/// The author of a public post; `NotFound` for a deleted, pending, hidden or missing one.
pub(super) async fn public_post_author(store: &Store, post_id: i64) -> AppResult<i64> {
    if !store.post_is_public(post_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(store.post(post_id).await?.author_id)
}
