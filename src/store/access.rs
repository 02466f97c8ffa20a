//! Who may see a topic and who may change a post. Every feature asks (the forum's pages, the
//! posting pipeline, drafts, watches, moderation, guidance), so the rules live with the rows
//! they read rather than in one feature the others would have to call up into.

use crate::domain::Status;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{PostRow, Store, TopicRow, User};

/// Whether `viewer` may see a topic: published and not deleted, or their own, or a moderator.
pub fn can_view(topic: &TopicRow, viewer: Option<&User>) -> bool {
    let public = topic.status == Status::Published && topic.deleted_at.is_none();
    public || viewer.is_some_and(|u| u.role.can_moderate() || (u.id == topic.author_id && topic.deleted_at.is_none()))
}

/// A topic the viewer may see, or NotFound (hidden topics are not admitted to exist).
pub async fn visible_topic(store: &Store, id: i64, viewer: Option<&User>) -> AppResult<TopicRow> {
    let topic = store.topic(id).await?;
    if can_view(&topic, viewer) { Ok(topic) } else { Err(AppError::NotFound) }
}

/// A post the user may change: their own, or anyone's for moderators; never a deleted one.
pub async fn editable_post(store: &Store, user: &User, post_id: i64) -> AppResult<PostRow> {
    let post = store.post(post_id).await?;
    if post.deleted_at.is_some() {
        return Err(AppError::NotFound);
    }
    if post.author_id != user.id && !user.role.can_moderate() {
        // Someone else's post is admitted to exist only when this member could read it: a
        // pending or hidden post answers exactly as a missing one.
        let topic = store.topic(post.topic_id).await?;
        let readable = post.status == Status::Published && topic.status == Status::Published && topic.deleted_at.is_none();
        return Err(if readable { AppError::Forbidden(Msg::new("error.not_your_post")) } else { AppError::NotFound });
    }
    Ok(post)
}
