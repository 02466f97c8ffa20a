//! Posts ↔ guidance: the document numbers a post mentions are resolved against the library,
//! become links in the rendered post, and are recorded (with the documents its author chose)
//! in `post_guidance`; well-formed numbers the library lacks go to the "cited but not in the
//! library" list.

use search_index::{legal_ref_spans, short_form};

use super::domain::{DocNumber, slug_of};
use crate::error::{AppError, AppResult, Msg};
use crate::store::{GuidanceLinks, LibraryNumber, Store};
use crate::web::markdown;

/// The library's numbers, loaded once per post written.
#[derive(Default)]
pub struct Library {
    numbers: Vec<LibraryNumber>,
    /// Members @mentioned in the text being rendered (handle → id), linked to their profiles.
    mentions: std::collections::HashMap<String, i64>,
}

impl Library {
    pub async fn load(store: &Store) -> AppResult<Self> {
        Ok(Self { numbers: store.library_numbers().await?, mentions: Default::default() })
    }

    /// Also links the @mentions of existing members found in `text`.
    pub async fn with_mentions(mut self, store: &Store, text: &str) -> AppResult<Self> {
        self.mentions = crate::notify::mentions::resolve(store, text).await?;
        Ok(self)
    }

    /// The document a canonical reference names: the exact number, or for a short form with no
    /// issuer ("Thông tư 43/2018" → `43/2018/TT`) the one document with that number, year and kind.
    pub fn resolve(&self, reference: &str) -> Option<&LibraryNumber> {
        if let Some(exact) = self.numbers.iter().find(|n| n.number == reference) {
            return Some(exact);
        }
        let mut matches = self.numbers.iter().filter(|n| short_form(&n.number).as_deref() == Some(reference));
        match (matches.next(), matches.next()) {
            (Some(only), None) => Some(only),
            _ => None,
        }
    }
}

/// The post's Markdown rendered with every number of a library document linked to its page.
pub fn render(body: &str, library: &Library) -> String {
    markdown::render_linking(body, &|text| finder(text, library))
}

/// [`render`] within the renderer's bounds and `deadline` (for text being written now).
pub fn try_render(body: &str, library: &Library, deadline: std::time::Instant) -> Result<String, markdown::RenderError> {
    markdown::try_render_linking(body, &|text| finder(text, library), deadline)
}

fn finder(text: &str, library: &Library) -> Vec<(std::ops::Range<usize>, String)> {
    {
        let mut spans: Vec<_> = legal_ref_spans(text)
            .into_iter()
            .filter_map(|span| library.resolve(&span.reference).map(|doc| (span.range, format!("/guidance/{}", slug_of(&doc.number)))))
            .collect();
        spans.extend(crate::notify::mentions::links(text, &library.mentions));
        spans.sort_by_key(|(range, _)| range.start);
        spans
    }
}

/// What a post cites: numbers found in `body` plus the documents its author chose (each must be
/// in the library).
pub fn links(body: &str, chosen: &[String], library: &Library) -> AppResult<GuidanceLinks> {
    let mut links = GuidanceLinks::default();
    for number in chosen.iter().filter(|n| !n.trim().is_empty()) {
        let parsed = DocNumber::parse(number)?;
        let doc = library
            .resolve(parsed.as_str())
            .filter(|d| !d.deleted)
            .ok_or_else(|| AppError::BadRequest(Msg::new("guidance.error.chosen_unknown").arg("value", number.trim())))?;
        push_known(&mut links, doc.id, "chosen");
    }
    for reference in search_index::analysis::legal_refs(body) {
        match library.resolve(&reference) {
            Some(doc) => push_known(&mut links, doc.id, "detected"),
            None if !links.unknown.contains(&reference) => links.unknown.push(reference),
            None => {}
        }
    }
    Ok(links)
}

fn push_known(links: &mut GuidanceLinks, id: i64, how: &'static str) {
    if !links.known.iter().any(|(known, _)| *known == id) {
        links.known.push((id, how));
    }
}

/// Renders and links a post in one step: (HTML, links to record).
pub async fn prepare(store: &Store, body: &str, chosen: &[String]) -> AppResult<(String, GuidanceLinks)> {
    let library = Library::load(store).await?.with_mentions(store, body).await?;
    let links = links(body, chosen, &library)?;
    let body = body.to_string();
    let html = markdown::on_blocking_pool(move |deadline| try_render(&body, &library, deadline)).await?;
    Ok((html, links))
}

/// Numbers typed into the compose form's field: one per line or separated by commas/semicolons.
pub fn split_chosen(field: &str) -> Vec<String> {
    field.split(['\n', ',', ';']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}
