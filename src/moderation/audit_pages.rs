//! The audit log page and its CSV export. Both walk the log by key (`?before=` an entry id),
//! never by offset or count: at a million entries the last page costs what the first does, and
//! the export streams one batch at a time instead of building the file in memory.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::service;
use crate::app::AppState;
use crate::error::AppResult;
use crate::store::{AuditEntry, Store};
use crate::web::RequireUser;
use crate::web::{BeforeParam, Page};

const AUDIT_PER_PAGE: i64 = 50;
const CSV_BATCH: i64 = 1000;

#[derive(Template, WebTemplate)]
#[template(path = "moderation_audit.html")]
pub(super) struct AuditPage {
    page: Page,
    entries: Vec<AuditEntry>,
    /// Showing older entries than the newest (a "newest" link is offered).
    paged: bool,
    /// The `before` of the next (older) page, when there is one.
    older: Option<i64>,
}

impl AuditPage {
    /// The action in words ("Duyệt bài", "Xoá nội dung một phiên bản"); the code itself for an
    /// action this version does not know.
    fn action_words<'a>(&'a self, action: &'a str) -> String {
        let key = format!("moderation.audit_action.{action}");
        let words = self.page.t(&key);
        if words == key { action.to_string() } else { words.to_string() }
    }

    /// What the entry is about when it is not a topic: a member, a watched word.
    fn item_words(&self, e: &AuditEntry) -> String {
        let key = format!("moderation.audit_item.{}", e.item_type);
        let words = self.page.t(&key);
        let kind = if words == key { e.item_type.as_str() } else { words };
        format!("{kind} #{}", e.item_id)
    }
}

pub(super) async fn audit(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(p): Query<BeforeParam>,
) -> AppResult<AuditPage> {
    service::require_moderator(&user)?;
    let before = p.cursor()?;
    // One more than shown tells whether an older page exists.
    let mut entries = state.store().audit_log(before, AUDIT_PER_PAGE + 1).await?;
    let older = if entries.len() as i64 > AUDIT_PER_PAGE {
        entries.truncate(AUDIT_PER_PAGE as usize);
        entries.last().map(|e| e.id)
    } else {
        None
    };
    Ok(AuditPage { page, entries, paged: before.is_some(), older })
}

/// One CSV field: quoted, quotes doubled, and a leading formula character neutralised so a
/// spreadsheet never runs text a member wrote.
fn csv_field(value: &str) -> String {
    let safe = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

const CSV_HEADER: &str = "id,at,actor_id,actor,action,item_type,item_id,reason,before_text,after_text\r\n";

fn csv_rows(rows: &[AuditEntry]) -> Bytes {
    let mut csv = String::with_capacity(rows.len() * 160);
    for a in rows {
        let fields = [
            a.id.to_string(),
            a.at.to_rfc3339(),
            a.actor_id.to_string(),
            a.actor_name.clone(),
            a.action.clone(),
            a.item_type.clone(),
            a.item_id.to_string(),
            a.reason.clone(),
            a.before_text.clone().unwrap_or_default(),
            a.after_text.clone().unwrap_or_default(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    Bytes::from(csv)
}

/// Where the export is: the header still to send, the key of the next batch, or done.
enum Export {
    Header,
    Before(Option<i64>),
    Done,
}

/// The next piece of the file and where the export is after it.
async fn next_piece(store: Store, at: Export) -> Option<(Result<Bytes, std::io::Error>, Export)> {
    match at {
        Export::Header => Some((Ok(Bytes::from_static(CSV_HEADER.as_bytes())), Export::Before(None))),
        Export::Done => None,
        Export::Before(before) => match store.audit_log(before, CSV_BATCH).await {
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                let next = if (rows.len() as i64) < CSV_BATCH { Export::Done } else { Export::Before(rows.last().map(|a| a.id)) };
                Some((Ok(csv_rows(&rows)), next))
            }
            Err(err) => {
                // The status line has gone: the client sees the transfer cut, never a partial file taken as whole.
                tracing::error!(error = %err, "audit log export failed");
                Some((Err(std::io::Error::other("audit log export failed")), Export::Done))
            }
        },
    }
}

pub(super) async fn audit_csv(State(state): State<AppState>, RequireUser(user): RequireUser) -> AppResult<Response> {
    service::require_moderator(&user)?;
    let store = state.store().clone();
    // Fused: the gzip/br compressor polls the body once more after its end, and an unfused
    // `unfold` panics there, cutting the download just before its last bytes.
    let pieces = futures_util::StreamExt::fuse(futures_util::stream::unfold(Export::Header, move |at| next_piece(store.clone(), at)));
    let headers =
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8"), (header::CONTENT_DISPOSITION, "attachment; filename=\"audit-log.csv\"")];
    Ok((headers, Body::from_stream(pieces)).into_response())
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("Nguyễn, Lan"), "\"Nguyễn, Lan\"");
    }
}
