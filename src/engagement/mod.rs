//! Engagement: drafts saved while composing, helpful marks, bookmarks, share links, and the
//! home page's featured good practices and recent case studies.

mod api;
pub mod bookmarks;
pub mod drafts;
pub mod helpful;
mod pages;
pub mod share;

use axum::Router;

use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{HelpfulCount, Store, TopicRow, User};
pub use share::ShareLinks;

pub fn router() -> Router<AppState> {
    pages::router()
}

pub fn api_router() -> utoipa_axum::router::OpenApiRouter<AppState> {
    api::router()
}

/// What this feature adds to a topic page: helpful counts, the reader's marks and bookmarks,
/// the share box, whether moderators featured it.
#[derive(Debug, Default)]
pub struct TopicEngagement {
    helpful: Vec<HelpfulCount>,
    bookmarked: Vec<i64>,
    pub share: ShareLinks,
    pub featured: bool,
}

impl TopicEngagement {
    pub fn helpful_count(&self, post_id: &i64) -> i64 {
        self.helpful.iter().find(|h| h.post_id == *post_id).map(|h| h.count).unwrap_or(0)
    }

    /// The reader marked this post helpful.
    pub fn marked(&self, post_id: &i64) -> bool {
        self.helpful.iter().any(|h| h.post_id == *post_id && h.mine)
    }

    pub fn bookmarked(&self, post_id: &i64) -> bool {
        self.bookmarked.contains(post_id)
    }
}

/// Loads a topic page's engagement for `viewer`; `site` is the absolute base for share links.
pub async fn for_topic(store: &Store, topic: &TopicRow, viewer: Option<&User>, site: &str) -> AppResult<TopicEngagement> {
    let viewer_id = viewer.map(|u| u.id).unwrap_or(0);
    let bookmarked = match viewer {
        Some(u) => store.topic_bookmarks(u.id, topic.id).await?,
        None => Vec::new(),
    };
    Ok(TopicEngagement {
        helpful: store.topic_helpful_counts(topic.id, viewer_id).await?,
        bookmarked,
        share: ShareLinks::for_url(format!("{site}/t/{}", topic.id)),
        featured: store.is_featured(topic.id).await?,
    })
}

/// How many featured topics and case studies the home page leads with (light on a phone).
const HOME_FEATURED: i64 = 4;
const HOME_CASE_STUDIES: i64 = 4;

/// What the home page shows above the latest topics.
#[derive(Debug, Default)]
pub struct Home {
    pub featured: Vec<TopicRow>,
    pub case_studies: Vec<TopicRow>,
}

pub async fn home(store: &Store) -> AppResult<Home> {
    Ok(Home { featured: store.featured_topics(HOME_FEATURED).await?, case_studies: store.recent_case_studies(HOME_CASE_STUDIES).await? })
}
