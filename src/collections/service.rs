//! The logic the pages and the API share: who may curate, and each change with its refusals
//! turned into answers a person understands.

use crate::domain::Role;
use crate::error::{AppError, AppResult, Msg};
use crate::forum::markdown;
use crate::store::{CollectionChange, CollectionFields, CollectionRow, Store, StoreError, User};

use super::domain::{parse_intro, parse_note, parse_slug, parse_title};

/// Moderators, ministry staff and admins curate collections.
pub fn can_curate(user: &User) -> bool {
    matches!(user.role, Role::Moderator | Role::Ministry | Role::Admin)
}

pub fn require_curator(user: &User) -> AppResult<()> {
    if can_curate(user) { Ok(()) } else { Err(AppError::Forbidden(Msg::new("collections.error.curators_only"))) }
}

/// What a curator sent for a collection, as typed.
#[derive(Debug, Default, Clone, serde::Deserialize)]
pub struct CollectionInput {
    #[serde(default)]
    pub slug: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub intro: String,
    #[serde(default)]
    pub intro_en: String,
    #[serde(default)]
    pub category: String,
    /// `published` or `draft`.
    #[serde(default)]
    pub status: String,
}

/// A collection's fields checked and rendered, ready for the store.
struct Valid {
    slug: String,
    title: String,
    intro: String,
    intro_html: String,
    intro_en: Option<String>,
    intro_en_html: Option<String>,
    category_id: i64,
    published: bool,
}

impl Valid {
    fn fields(&self) -> CollectionFields<'_> {
        CollectionFields {
            slug: &self.slug,
            title: &self.title,
            intro: &self.intro,
            intro_html: &self.intro_html,
            intro_en: self.intro_en.as_deref(),
            intro_en_html: self.intro_en_html.as_deref(),
            category_id: self.category_id,
            published: self.published,
        }
    }
}

/// Markdown to sanitized HTML on the blocking pool, within the forum's bounds.
pub async fn render(text: &str) -> AppResult<String> {
    let text = text.to_string();
    markdown::on_blocking_pool(move |deadline| markdown::try_render_linking(&text, &|_| Vec::new(), deadline)).await
}

async fn validate(store: &Store, input: &CollectionInput) -> AppResult<Valid> {
    let title = parse_title(&input.title)?;
    let slug = parse_slug(&input.slug, &title)?;
    let intro = parse_intro(&input.intro, true)?.unwrap_or_default();
    let intro_en = parse_intro(&input.intro_en, false)?;
    let published = match input.status.as_str() {
        "published" => true,
        "draft" | "" => false,
        _ => return Err(AppError::bad("collections.error.status")),
    };
    let category_id = match store.category_by_slug(input.category.trim()).await {
        Ok(c) => c.id,
        Err(StoreError::NotFound) => return Err(AppError::bad("collections.error.category")),
        Err(e) => return Err(e.into()),
    };
    let intro_html = render(&intro).await?;
    let intro_en_html = match &intro_en {
        Some(text) => Some(render(text).await?),
        None => None,
    };
    Ok(Valid { slug, title, intro, intro_html, intro_en, intro_en_html, category_id, published })
}

fn slug_taken(slug: &str) -> impl FnOnce(StoreError) -> AppError + '_ {
    move |e| match e {
        StoreError::Conflict => AppError::Conflict(Msg::new("collections.error.slug_taken").arg("slug", slug)),
        other => other.into(),
    }
}

/// A change to a collection refused by the store, in words.
fn refused(e: StoreError) -> AppError {
    match e {
        StoreError::Refused(key) if key == crate::store::COLLECTION_STALE => AppError::Conflict(Msg::new(key)),
        StoreError::Conflict => AppError::Conflict(Msg::new("collections.error.duplicate_topic")),
        other => other.into(),
    }
}

/// Creates a collection; returns its slug.
pub async fn create(store: &Store, user: &User, input: &CollectionInput) -> AppResult<String> {
    require_curator(user)?;
    let valid = validate(store, input).await?;
    store.create_collection(user.id, &valid.fields()).await.map_err(slug_taken(&valid.slug))?;
    Ok(valid.slug)
}

/// Changes a collection the curator saw at `version`; returns its (possibly new) slug.
pub async fn update(
    store: &Store,
    user: &User,
    collection: &CollectionRow,
    version: Option<i64>,
    input: &CollectionInput,
) -> AppResult<String> {
    require_curator(user)?;
    let valid = validate(store, input).await?;
    let change = CollectionChange { actor_id: user.id, collection_id: collection.id, version };
    store.update_collection(change, &valid.fields()).await.map_err(|e| match e {
        StoreError::Conflict => slug_taken(&valid.slug)(e),
        other => refused(other),
    })?;
    Ok(valid.slug)
}

/// A collection the viewer may see: published, or any for curators.
pub async fn visible(store: &Store, slug: &str, viewer: Option<&User>) -> AppResult<CollectionRow> {
    let row = store.collection_by_slug(slug).await?;
    if row.status == "published" || viewer.is_some_and(can_curate) { Ok(row) } else { Err(AppError::NotFound) }
}

/// What a curator does to one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemOp {
    Remove,
    Up,
    Down,
}

impl ItemOp {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "remove" => Some(Self::Remove),
            "up" => Some(Self::Up),
            "down" => Some(Self::Down),
            _ => None,
        }
    }
}

/// Adds a public topic at the end of the collection, with the curator's note.
pub async fn add_item(store: &Store, user: &User, collection_id: i64, version: Option<i64>, topic_id: i64, note: &str) -> AppResult<()> {
    require_curator(user)?;
    let note = parse_note(note)?;
    let note_html = if note.is_empty() { String::new() } else { render(&note).await? };
    let change = CollectionChange { actor_id: user.id, collection_id, version };
    store.add_collection_item(change, topic_id, &note, &note_html).await.map_err(refused)
}

pub async fn item_op(store: &Store, user: &User, collection_id: i64, version: Option<i64>, topic_id: i64, op: ItemOp) -> AppResult<()> {
    require_curator(user)?;
    let change = CollectionChange { actor_id: user.id, collection_id, version };
    match op {
        ItemOp::Remove => store.remove_collection_item(change, topic_id).await,
        ItemOp::Up => store.move_collection_item(change, topic_id, true).await,
        ItemOp::Down => store.move_collection_item(change, topic_id, false).await,
    }
    .map_err(refused)
}
