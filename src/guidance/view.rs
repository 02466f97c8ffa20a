//! What the library pages and feed show of a document: its relations, the topics citing it and
//! where their authors work.

use search_index::analysis::fold;

use super::domain::{DocStatus, Kind};
use crate::error::AppResult;
use crate::store::{CitingTopic, GuidanceRow, RelatedDoc, Store};

/// How many citing topics a document's page and feed list.
pub const CITING_LIMIT: i64 = 100;

/// Documents by kind and status, narrowed to those whose number or title contains every word of
/// `q`, compared without diacritics ("thong tu su co" finds "Thông tư … sự cố").
pub async fn search_library(store: &Store, kind: Option<&str>, status: Option<&str>, q: Option<&str>) -> AppResult<Vec<GuidanceRow>> {
    let kind = kind.filter(|k| !k.is_empty()).map(Kind::parse).transpose()?;
    let status = status.filter(|s| !s.is_empty()).map(DocStatus::parse).transpose()?;
    let rows = store.list_guidance(kind.map(Kind::as_str), status.map(DocStatus::as_str)).await?;
    let words: Vec<String> = fold(q.unwrap_or("")).split_whitespace().map(String::from).collect();
    if words.is_empty() {
        return Ok(rows);
    }
    Ok(rows.into_iter().filter(|row| matches_words(row, &words)).collect())
}

fn matches_words(row: &GuidanceRow, words: &[String]) -> bool {
    let haystack = fold(&format!("{} {} {} {}", row.number, row.display_number, row.title_vi, row.title_en));
    words.iter().all(|w| haystack.contains(w.as_str()))
}

/// A document's relations split by direction.
#[derive(Default)]
pub struct Relations {
    pub amends: Vec<RelatedDoc>,
    pub supersedes: Vec<RelatedDoc>,
    pub amended_by: Vec<RelatedDoc>,
    pub superseded_by: Vec<RelatedDoc>,
}

pub async fn relations(store: &Store, id: i64) -> AppResult<Relations> {
    let mut out = Relations::default();
    for r in store.guidance_relations(id).await? {
        let list = match (r.relation.as_str(), r.newer_is_self) {
            ("amends", true) => &mut out.amends,
            ("amends", false) => &mut out.amended_by,
            (_, true) => &mut out.supersedes,
            (_, false) => &mut out.superseded_by,
        };
        list.push(r);
    }
    Ok(out)
}

/// Topics citing a document, newest first ("most helpful" needs votes, which the forum does
/// not have yet).
pub async fn citing_topics(store: &Store, id: i64) -> AppResult<Vec<CitingTopic>> {
    Ok(store.topics_citing_guidance(id, CITING_LIMIT).await?)
}
