//! Watching a category, tag, topic or guidance document: the choice, the button on each page
//! (a plain form, no JavaScript) and the targets as the API names them.

use crate::error::{AppError, AppResult};
use crate::store::{Store, StoreError, User};

/// What can be watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Category,
    Tag,
    Topic,
    Guidance,
}

impl Target {
    pub fn parse(raw: &str) -> AppResult<Self> {
        match raw {
            "category" => Ok(Self::Category),
            "tag" => Ok(Self::Tag),
            "topic" => Ok(Self::Topic),
            "guidance" => Ok(Self::Guidance),
            _ => Err(AppError::bad("notify.error.watch_kind")),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Category => "category",
            Self::Tag => "tag",
            Self::Topic => "topic",
            Self::Guidance => "guidance",
        }
    }
}

/// The watch button a page shows a signed-in reader.
pub struct WatchButton {
    pub kind: &'static str,
    pub id: i64,
    pub watching: bool,
}

/// The button for `viewer` (none for a visitor who is not signed in).
pub async fn button(store: &Store, viewer: Option<&User>, target: Target, id: i64) -> AppResult<Option<WatchButton>> {
    let Some(user) = viewer else { return Ok(None) };
    let watching = store.watch_level(user.id, target.as_str(), id).await?.as_deref() == Some("watching");
    Ok(Some(WatchButton { kind: target.as_str(), id, watching }))
}

/// The id of a target named by id (pages) or by slug / document number (API); `NotFound` for
/// anything the member cannot see.
pub async fn resolve(store: &Store, viewer: &User, target: Target, raw: &str) -> AppResult<i64> {
    let raw = raw.trim();
    let not_found = |e: StoreError| match e {
        StoreError::NotFound => AppError::NotFound,
        other => other.into(),
    };
    match target {
        Target::Topic => {
            let id: i64 = raw.parse().map_err(|_| AppError::NotFound)?;
            let topic = crate::store::access::visible_topic(store, id, Some(viewer)).await?;
            if topic.deleted_at.is_some() { Err(AppError::NotFound) } else { Ok(topic.id) }
        }
        Target::Category => match raw.parse::<i64>() {
            Ok(id) => store.categories().await?.iter().find(|c| c.id == id).map(|c| c.id).ok_or(AppError::NotFound),
            Err(_) => Ok(store.category_by_slug(raw).await.map_err(not_found)?.id),
        },
        Target::Tag => match raw.parse::<i64>() {
            Ok(id) if store.tag_slug(id).await?.is_some() => Ok(id),
            Ok(_) => Err(AppError::NotFound),
            Err(_) => Ok(store.tag_id(raw).await.map_err(not_found)?),
        },
        Target::Guidance => guidance_id(store, raw).await,
    }
}

async fn guidance_id(store: &Store, raw: &str) -> AppResult<i64> {
    if let Ok(id) = raw.parse::<i64>() {
        return if store.guidance_exists(id).await? { Ok(id) } else { Err(AppError::NotFound) };
    }
    let number = match crate::guidance::service::locate(store, raw).await? {
        Ok(number) => number,
        Err(_) => return Err(AppError::NotFound),
    };
    let doc = store.guidance_by_number(&number).await.map_err(|_| AppError::NotFound)?;
    Ok(doc.id)
}

/// Watches (`true`) or stops watching a target the member can see.
pub async fn set(store: &Store, user: &User, target: Target, raw: &str, watch: bool) -> AppResult<i64> {
    let id = resolve(store, user, target, raw).await?;
    store.set_watch(user.id, target.as_str(), id, if watch { "watching" } else { "muted" }).await?;
    Ok(id)
}
