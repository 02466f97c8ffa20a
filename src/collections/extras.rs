//! What collections add to pages the forum owns: "part of collection X" with the previous and
//! next topic on a topic page (and the curators' "thêm vào bộ sưu tập" form), and a short list
//! on the home and category pages.

use askama::Template;

use super::service::can_curate;
use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{CollectionRow, TopicCollection};
use crate::web::Page;
use crate::web::extras::{Fragment, PageExtras};

/// Collections named on one topic page, and listed on the home or a category page.
const ON_TOPIC: i64 = 5;
const ON_LISTING: i64 = 5;

pub struct Extras;

#[derive(Template)]
#[template(path = "_collections_topic.html")]
struct TopicBox<'a> {
    page: &'a Page,
    topic_id: i64,
    collections: Vec<TopicCollection>,
    /// The curator's choice of collections to add this topic to (empty for others).
    choices: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "_collections_list.html")]
struct ListBox<'a> {
    page: &'a Page,
    collections: Vec<CollectionRow>,
}

/// The fragment, or nothing when it cannot be made: the page itself must still render.
fn or_nothing(made: AppResult<String>) -> String {
    made.unwrap_or_else(|e| {
        tracing::warn!(error = %e, "collections could not be shown on a page");
        String::new()
    })
}

async fn topic_box(state: &AppState, page: &Page, topic_id: i64) -> AppResult<String> {
    let store = state.store();
    let collections = store.topic_collections(topic_id, ON_TOPIC).await?;
    if let Some(user) = &page.viewer
        && !collections.is_empty()
    {
        super::follow::record_read(store, user.id, topic_id).await?;
    }
    let choices = if page.viewer.as_ref().is_some_and(can_curate) { store.collection_choices().await? } else { Vec::new() };
    if collections.is_empty() && choices.is_empty() {
        return Ok(String::new());
    }
    Ok(TopicBox { page, topic_id, collections, choices }.render().map_err(anyhow::Error::from)?)
}

async fn list_box(state: &AppState, page: &Page, category_id: Option<i64>) -> AppResult<String> {
    let collections = state.store().collections(false, category_id, ON_LISTING, 0).await?;
    if collections.is_empty() {
        return Ok(String::new());
    }
    Ok(ListBox { page, collections }.render().map_err(anyhow::Error::from)?)
}

impl PageExtras for Extras {
    fn topic<'a>(&'a self, state: &'a AppState, page: &'a Page, topic_id: i64) -> Fragment<'a> {
        Box::pin(async move { or_nothing(topic_box(state, page, topic_id).await) })
    }

    fn listing<'a>(&'a self, state: &'a AppState, page: &'a Page, category_id: Option<i64>) -> Fragment<'a> {
        Box::pin(async move { or_nothing(list_box(state, page, category_id).await) })
    }
}
