//! Atom feed per guidance document: the topics that cite it, newest first.

use axum::http::HeaderMap;
use axum::response::Response;

use super::domain::slug_of;
use super::{service, view};
use crate::error::AppResult;
use crate::store::Store;
use crate::web::atom::{Entry, Feed, origin};

/// `anonymous`: the author line of an anonymous case study, in the reader's language.
pub async fn document_feed(store: &Store, headers: &HeaderMap, number: &str, anonymous: &str) -> AppResult<Response> {
    let doc = store.guidance_by_number(number).await?;
    if doc.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    let base = origin(headers);
    let page_url = format!("{base}/guidance/{}", slug_of(&doc.number));
    let entries = view::citing_topics(store, doc.id)
        .await?
        .into_iter()
        .map(|t| Entry {
            url: format!("{base}/t/{}", t.topic_id),
            title: t.title,
            published: t.created_at,
            updated: t.created_at,
            // The store gives anonymous case studies no author (id 0).
            author: if t.author_id == 0 { anonymous.to_string() } else { t.author_name },
            author_url: (t.author_id != 0).then(|| format!("{base}/u/{}", t.author_id)),
            summary: None,
            categories: Vec::new(),
        })
        .collect();
    let feed = Feed {
        self_url: format!("{page_url}/feed.atom"),
        page_url,
        title: format!("{} — {}", doc.display_number, doc.title_vi),
        author: if doc.issuer.is_empty() { "goodpractice".to_string() } else { doc.issuer.clone() },
        updated: doc.updated_at,
        entries,
    };
    Ok(feed.into_response())
}
