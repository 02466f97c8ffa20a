//! Atom feed (RFC 4287) per guidance document: the topics that cite it, newest first.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::domain::slug_of;
use super::{service, view};
use crate::error::AppResult;
use crate::text::escape_markup;
use crate::store::Store;


/// The site's origin as the reader reached it (no configured public URL exists yet).
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']')).collect();
    format!("http://{host}")
}

pub async fn document_feed(store: &Store, headers: &HeaderMap, number: &str) -> AppResult<Response> {
    let doc = store.guidance_by_number(number).await?;
    if doc.deleted_at.is_some() {
        return Err(service::withdrawn());
    }
    let topics = view::citing_topics(store, doc.id).await?;
    let base = origin(headers);
    let page_url = format!("{base}/guidance/{}", slug_of(&doc.number));
    let updated = topics.iter().map(|t| t.created_at).max().unwrap_or(doc.updated_at).max(doc.updated_at);
    let mut body = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    body.push_str(&format!("<id>{}</id>\n", escape_markup(&page_url)));
    body.push_str(&format!("<title>{} — {}</title>\n", escape_markup(&doc.display_number), escape_markup(&doc.title_vi)));
    body.push_str(&format!("<updated>{}</updated>\n", updated.to_rfc3339()));
    body.push_str(&format!("<link rel=\"self\" type=\"application/atom+xml\" href=\"{}/feed.atom\"/>\n", escape_markup(&page_url)));
    body.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape_markup(&page_url)));
    body.push_str(&format!("<author><name>{}</name></author>\n", escape_markup(if doc.issuer.is_empty() { "goodpractice" } else { &doc.issuer })));
    for topic in &topics {
        let url = format!("{base}/t/{}", topic.topic_id);
        body.push_str("<entry>\n");
        body.push_str(&format!("<id>{}</id>\n", escape_markup(&url)));
        body.push_str(&format!("<title>{}</title>\n", escape_markup(&topic.title)));
        body.push_str(&format!("<updated>{}</updated>\n", topic.created_at.to_rfc3339()));
        body.push_str(&format!("<published>{}</published>\n", topic.created_at.to_rfc3339()));
        body.push_str(&format!("<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n", escape_markup(&url)));
        body.push_str(&format!("<author><name>{}</name><uri>{base}/u/{}</uri></author>\n", escape_markup(&topic.author_name), topic.author_id));
        body.push_str("</entry>\n");
    }
    body.push_str("</feed>\n");
    let content_type = HeaderValue::from_static("application/atom+xml; charset=utf-8");
    Ok(([(header::CONTENT_TYPE, content_type)], body).into_response())
}
