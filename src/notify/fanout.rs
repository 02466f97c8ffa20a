//! Who is told about a newly public post. Each member hears once per post, by the most
//! personal reason: a mention, then a reply to their topic, a reply in a topic they watch, a
//! citation of a document they watch, a new topic where they watch its category or a tag.
//! Only notifications are written here (and so queued mail); nothing waits on a mail server.

use std::collections::BTreeMap;

use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{NewNotification, PostRow, Store, TopicRow};

/// Notification kinds made here, most personal first.
/// `collection_item` (a topic added to a followed collection) is written by `collections::follow`.
pub const KINDS: [&str; 6] = ["mention", "reply", "watched_reply", "guidance_citation", "watched_topic", "collection_item"];

/// Recipients and the reason each is told.
#[derive(Default)]
struct Plan {
    author_id: i64,
    chosen: BTreeMap<i64, &'static str>,
}

impl Plan {
    fn add(&mut self, user_id: i64, kind: &'static str) {
        if user_id == self.author_id {
            return;
        }
        let rank = |k: &str| KINDS.iter().position(|x| *x == k).unwrap_or(usize::MAX);
        let entry = self.chosen.entry(user_id).or_insert(kind);
        if rank(kind) < rank(entry) {
            *entry = kind;
        }
    }

    fn add_all(&mut self, users: Vec<i64>, kind: &'static str) {
        for user in users {
            self.add(user, kind);
        }
    }
}

/// Tells everyone concerned about a post that just became public (published at once, or
/// approved by a moderator). Does nothing for a post the public cannot see.
pub async fn post_published(store: &Store, post_id: i64, mail_delay_seconds: i64) -> AppResult<()> {
    if !store.post_is_public(post_id).await? {
        return Ok(());
    }
    let post = store.post(post_id).await?;
    let topic = store.topic(post.topic_id).await?;
    let mut plan = Plan { author_id: post.author_id, ..Plan::default() };
    plan.add_all(super::mentions::resolve(store, &post.body).await?.into_values().collect(), "mention");
    if post.position == 1 {
        opening_post(store, &topic, &mut plan).await?;
    } else {
        reply(store, &topic, &post, &mut plan).await?;
    }
    for doc in store.post_guidance_ids(post_id).await? {
        plan.add_all(store.watchers("guidance", doc).await?, "guidance_citation");
    }
    // The author of an anonymous case study is not named to anyone, watchers included.
    let hide_author = topic.anonymous && post.author_id == topic.author_id;
    let actor_id = (!hide_author).then_some(post.author_id);
    let list: Vec<NewNotification> = plan
        .chosen
        .iter()
        .map(|(user_id, kind)| NewNotification { user_id: *user_id, kind, topic_id: topic.id, post_id, actor_id })
        .collect();
    store.insert_notifications(&list, chrono::Utc::now() + chrono::Duration::seconds(mail_delay_seconds)).await?;
    Ok(())
}

/// A new topic: its author watches it; watchers of its category and tags hear of it.
async fn opening_post(store: &Store, topic: &TopicRow, plan: &mut Plan) -> AppResult<()> {
    store.watch_unless_chosen(topic.author_id, "topic", topic.id).await?;
    let category = store.category_by_slug(&topic.category_slug).await?;
    plan.add_all(store.watchers("category", category.id).await?, "watched_topic");
    for tag in store.topic_tag_ids(topic.id).await? {
        plan.add_all(store.watchers("tag", tag).await?, "watched_topic");
    }
    Ok(())
}

/// A reply: the topic's author (unless they stopped watching) and its watchers hear of it;
/// the replier watches the topic from now on unless they turned that off or chose before.
async fn reply(store: &Store, topic: &TopicRow, post: &PostRow, plan: &mut Plan) -> AppResult<()> {
    if store.watch_level(topic.author_id, "topic", topic.id).await?.as_deref() != Some("muted") {
        plan.add(topic.author_id, "reply");
    }
    for watcher in store.watchers("topic", topic.id).await? {
        plan.add(watcher, if watcher == topic.author_id { "reply" } else { "watched_reply" });
    }
    if store.notify_settings(post.author_id).await?.watch_on_reply {
        store.watch_unless_chosen(post.author_id, "topic", topic.id).await?;
    }
    Ok(())
}

/// [`post_published`] for callers that must not fail because of it: the post is stored either
/// way, so a problem here is logged (without personal data) rather than shown to the author.
pub async fn post_published_logged(state: &AppState, post_id: i64) {
    if let Err(err) = post_published(state.store(), post_id, state.config().mail_delay_seconds).await {
        tracing::warn!(post_id, error = %err, "could not write the notifications for a post");
    }
}
