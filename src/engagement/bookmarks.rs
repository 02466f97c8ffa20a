//! Bookmarks: a member keeps topics and posts to come back to. A topic's bookmark is its
//! opening post's, so one list holds both. Only public posts can be bookmarked.

use crate::error::AppResult;
use crate::store::{Store, User};

/// What a bookmark points at, as the page and the API name it.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    Topic(i64),
    Post(i64),
}

impl Target {
    /// The post that holds the bookmark; `NotFound` when the topic or post is not public.
    async fn post_id(self, store: &Store) -> AppResult<i64> {
        let post_id = match self {
            Target::Post(id) => id,
            Target::Topic(id) => store.opening_post_id(id).await?,
        };
        super::helpful::public_post_author(store, post_id).await?;
        Ok(post_id)
    }
}

/// Bookmarks a public topic or post (again: nothing changes). Returns the post id.
pub async fn add(store: &Store, user: &User, target: Target) -> AppResult<i64> {
    let post_id = target.post_id(store).await?;
    store.add_bookmark(user.id, post_id).await?;
    Ok(post_id)
}

/// Removes a bookmark (none: nothing changes). Returns the post id. The member's own bookmark
/// goes even when its post has been hidden since; otherwise a post they may not see answers
/// `NotFound`, as for any other action on it.
pub async fn remove(store: &Store, user: &User, target: Target) -> AppResult<i64> {
    let post_id = match target {
        Target::Post(id) => id,
        Target::Topic(id) => store.opening_post_id(id).await?,
    };
    if !store.remove_bookmark(user.id, post_id).await? {
        super::helpful::public_post_author(store, post_id).await?;
    }
    Ok(post_id)
}
