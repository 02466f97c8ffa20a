//! Official answers: ministry staff mark one reply of a question as the answer.

use crate::domain::{Status, TopicKind};
use crate::error::{AppError, AppResult, Msg};
use crate::store::access;
use crate::store::{Store, User};

/// Marks `post_id` as the official answer of question `topic_id`, audited.
pub async fn mark(store: &Store, user: &User, topic_id: i64, post_id: i64) -> AppResult<()> {
    super::service::require_editor(user)?;
    let topic = access::visible_topic(store, topic_id, Some(user)).await?;
    if topic.kind != TopicKind::Question {
        return Err(AppError::bad("official.error.not_question"));
    }
    let post = store.post(post_id).await.map_err(|_| AppError::bad("official.error.not_reply"))?;
    let is_reply = post.topic_id == topic_id && post.position > 1;
    if !is_reply || post.deleted_at.is_some() || post.status != Status::Published {
        return Err(AppError::BadRequest(Msg::new("official.error.not_reply")));
    }
    Ok(store.endorse_official_answer_audited(topic_id, post_id, user.id).await?)
}

/// Withdraws the official answer of `topic_id`, audited; 404 when it has none.
pub async fn withdraw(store: &Store, user: &User, topic_id: i64) -> AppResult<()> {
    super::service::require_editor(user)?;
    access::visible_topic(store, topic_id, Some(user)).await?;
    Ok(store.withdraw_official_answer_audited(topic_id, user.id).await?)
}
