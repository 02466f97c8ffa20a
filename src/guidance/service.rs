//! Library logic shared by the pages and the API: who may edit, creating and changing documents
//! (relations checked for loops), reading a document with what cites it.

use std::collections::HashMap;

use super::domain::{self, DocNumber, GuidanceInput, number_from_slug};
use super::linking::Library;
use crate::domain::Role;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{GuidanceFields, GuidanceRow, Store, StoreError, User};

/// Ministry staff and admins keep the library and the criteria catalog.
pub fn can_edit(user: &User) -> bool {
    matches!(user.role, Role::Ministry | Role::Admin)
}

pub fn require_editor(user: &User) -> AppResult<()> {
    if can_edit(user) { Ok(()) } else { Err(AppError::Forbidden(Msg::new("guidance.error.staff_only"))) }
}

/// Creates a document; `Conflict` with a readable message when the number exists (even withdrawn).
pub async fn create(store: &Store, user: &User, input: &GuidanceInput) -> AppResult<GuidanceRow> {
    require_editor(user)?;
    let fields = domain::validate_new(input)?;
    let relations = relations_for(store, None, &fields, input).await?;
    let short = search_index::short_form(&fields.number);
    let waiting = store.posts_citing_unknown(&fields.number, short.as_deref()).await?;
    match store.create_guidance(&fields, &relations, short.as_deref()).await {
        Err(StoreError::Conflict) => return Err(duplicate(&fields.number)),
        other => other?,
    };
    relink(store, &waiting).await?;
    Ok(store.guidance_by_number(&fields.number).await?)
}

/// Posts that cited a number before its document was added get their links now. Done after
/// the document is committed: the HTML is derived from text that does not change.
async fn relink(store: &Store, posts: &[(i64, String)]) -> AppResult<()> {
    if posts.is_empty() {
        return Ok(());
    }
    let library = Library::load(store).await?;
    for (post_id, body) in posts {
        store.set_post_html(*post_id, &super::linking::render(body, &library)).await?;
    }
    Ok(())
}

fn duplicate(number: &str) -> AppError {
    AppError::Conflict(Msg::new("guidance.error.duplicate").arg("number", number))
}

/// Applies the fields `input` sends to the document `number`.
pub async fn update(store: &Store, user: &User, number: &str, input: &GuidanceInput) -> AppResult<GuidanceRow> {
    require_editor(user)?;
    let row = live_document(store, number).await?;
    let fields = domain::apply(domain::fields_of(&row), input)?;
    let relations = relations_for(store, Some(row.id), &fields, input).await?;
    store.update_guidance(row.id, &fields, &relations).await?;
    Ok(store.guidance_by_number(&row.number).await?)
}

/// Withdraws a document; posts that cite it keep their links, which now say "withdrawn".
pub async fn withdraw(store: &Store, user: &User, number: &str) -> AppResult<()> {
    require_editor(user)?;
    let row = live_document(store, number).await?;
    Ok(store.delete_guidance(row.id).await?)
}

/// A document that is not withdrawn, by canonical number.
async fn live_document(store: &Store, number: &str) -> AppResult<GuidanceRow> {
    let row = store.guidance_by_number(number).await?;
    if row.deleted_at.is_some() {
        return Err(withdrawn());
    }
    Ok(row)
}

pub fn withdrawn() -> AppError {
    AppError::Rejected(axum::http::StatusCode::GONE, Msg::new("guidance.error.withdrawn"))
}

/// The relations to store for a document: those `input` sends, or (on update, when it sends
/// none) the ones it has. Each named document must exist, and no chain may lead back to itself.
async fn relations_for(
    store: &Store,
    self_id: Option<i64>,
    fields: &GuidanceFields,
    input: &GuidanceInput,
) -> AppResult<Vec<(String, i64)>> {
    if input.amends.is_none() && input.supersedes.is_none() {
        if let Some(id) = self_id {
            return existing_relations(store, id).await;
        }
        return Ok(Vec::new());
    }
    let library = Library::load(store).await?;
    let mut relations = Vec::new();
    let named = [("amends", &input.amends), ("supersedes", &input.supersedes)];
    for (relation, numbers) in named {
        for raw in numbers.iter().flatten().filter(|n| !n.trim().is_empty()) {
            let number = DocNumber::parse(raw)?;
            let doc = library
                .resolve(number.as_str())
                .filter(|d| !d.deleted)
                .ok_or_else(|| AppError::BadRequest(Msg::new("guidance.error.related_unknown").arg("value", raw.trim())))?;
            if Some(doc.id) == self_id || doc.number == fields.number {
                return Err(AppError::bad("guidance.error.loop"));
            }
            relations.push((relation.to_string(), doc.id));
        }
    }
    if let Some(id) = self_id {
        check_no_loop(store, id, &relations).await?;
    }
    Ok(relations)
}

async fn existing_relations(store: &Store, id: i64) -> AppResult<Vec<(String, i64)>> {
    let rows = store.guidance_relations(id).await?;
    let library = Library::load(store).await?;
    Ok(rows.into_iter().filter(|r| r.newer_is_self).filter_map(|r| library.resolve(&r.number).map(|d| (r.relation, d.id))).collect())
}

/// Refuses relations that would make `id` (indirectly) amend or supersede itself: A supersedes
/// B supersedes A. A new document cannot be in a loop, as nothing points at it yet.
async fn check_no_loop(store: &Store, id: i64, relations: &[(String, i64)]) -> AppResult<()> {
    let mut edges: HashMap<i64, Vec<i64>> = HashMap::new();
    for (newer, older) in store.guidance_relation_pairs().await? {
        if newer != id {
            edges.entry(newer).or_default().push(older);
        }
    }
    edges.insert(id, relations.iter().map(|(_, older)| *older).collect());
    let mut stack: Vec<i64> = edges.get(&id).cloned().unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    while let Some(node) = stack.pop() {
        if node == id {
            return Err(AppError::bad("guidance.error.loop"));
        }
        if seen.insert(node) {
            stack.extend(edges.get(&node).into_iter().flatten());
        }
    }
    Ok(())
}

/// Where a typed path segment points: `Ok(number)` when it is the canonical slug, `Err(slug)`
/// when it is another spelling of a document (redirect there), NotFound otherwise.
pub async fn locate(store: &Store, segment: &str) -> AppResult<Result<String, String>> {
    if let Some(number) = number_from_slug(segment) {
        return Ok(Ok(number));
    }
    let reference = search_index::analysis::normalize_legal_ref(segment).ok_or(AppError::NotFound)?;
    let library = Library::load(store).await?;
    let number = library.resolve(&reference).map(|d| d.number.clone()).unwrap_or(reference);
    Ok(Err(domain::slug_of(&number)))
}
