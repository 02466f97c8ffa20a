//! Atom feeds (RFC 4287), written by hand: the elements feed readers need (feed and entry ids,
//! titles, `updated`, self and alternate links, authors), every text escaped. Features build a
//! [`Feed`]; this shell knows none of them.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::text::escape_markup;

/// Entries a feed carries at most.
pub const MAX_ENTRIES: i64 = 30;

pub struct Feed {
    /// The page the feed follows; also the feed's id.
    pub page_url: String,
    /// Where the feed itself is.
    pub self_url: String,
    pub title: String,
    /// Who the feed is from (each entry also names its author).
    pub author: String,
    /// Used when there are no entries.
    pub updated: DateTime<Utc>,
    pub entries: Vec<Entry>,
}

pub struct Entry {
    /// The entry's page; also its id.
    pub url: String,
    pub title: String,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub author: String,
    pub author_url: Option<String>,
    /// Plain text.
    pub summary: Option<String>,
    /// `<category>` elements (a topic's tags).
    pub categories: Vec<Category>,
}

/// An Atom category: `term` is the machine value, `label` what a reader shows, `scheme` the
/// URL the term is read against (`{base}/tag/`).
pub struct Category {
    pub term: String,
    pub label: String,
    pub scheme: String,
}

/// The site's origin as the reader reached it (there is no configured public URL yet). Only
/// characters of a host name are kept, so a forged Host header cannot inject markup.
pub fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    let host: String = host.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']')).collect();
    format!("http://{host}")
}

impl Feed {
    pub fn into_response(self) -> Response {
        let content_type = HeaderValue::from_static("application/atom+xml; charset=utf-8");
        ([(header::CONTENT_TYPE, content_type)], self.render()).into_response()
    }

    fn render(&self) -> String {
        let updated = self.entries.iter().map(|e| e.updated).max().unwrap_or(self.updated).max(self.updated);
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
        element(&mut xml, "id", &self.page_url);
        element(&mut xml, "title", &self.title);
        element(&mut xml, "updated", &updated.to_rfc3339());
        link(&mut xml, "self", "application/atom+xml", &self.self_url);
        link(&mut xml, "alternate", "text/html", &self.page_url);
        xml.push_str(&format!("<author><name>{}</name></author>\n", escape_markup(&self.author)));
        for entry in &self.entries {
            entry.render(&mut xml);
        }
        xml.push_str("</feed>\n");
        xml
    }
}

impl Entry {
    fn render(&self, xml: &mut String) {
        xml.push_str("<entry>\n");
        element(xml, "id", &self.url);
        element(xml, "title", &self.title);
        element(xml, "published", &self.published.to_rfc3339());
        element(xml, "updated", &self.updated.to_rfc3339());
        link(xml, "alternate", "text/html", &self.url);
        let uri = self.author_url.as_deref().map(|u| format!("<uri>{}</uri>", escape_markup(u))).unwrap_or_default();
        xml.push_str(&format!("<author><name>{}</name>{uri}</author>\n", escape_markup(&self.author)));
        if let Some(summary) = &self.summary {
            element(xml, "summary", summary);
        }
        for c in &self.categories {
            let (term, scheme, label) = (escape_markup(&c.term), escape_markup(&c.scheme), escape_markup(&c.label));
            xml.push_str(&format!("<category term=\"{term}\" scheme=\"{scheme}\" label=\"{label}\"/>\n"));
        }
        xml.push_str("</entry>\n");
    }
}

fn element(xml: &mut String, name: &str, text: &str) {
    xml.push_str(&format!("<{name}>{}</{name}>\n", escape_markup(text)));
}

fn link(xml: &mut String, rel: &str, kind: &str, href: &str) {
    xml.push_str(&format!("<link rel=\"{rel}\" type=\"{kind}\" href=\"{}\"/>\n", escape_markup(href)));
}
