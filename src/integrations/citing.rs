//! The practices citing a guidance document, for ministry staff following how it is applied:
//! counts by province, tier, category and year, the topics newest first by cursor (the `citing`
//! member of `GET /api/v1/guidance/{number}` and `GET /api/v1/guidance/{number}/citing`), and the
//! same topics as a CSV file that Excel opens with its Vietnamese intact (UTF-8 with a BOM),
//! streamed in batches by key. The guidance feature names the document; this reads the store.

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::{cursor, params, topics::next};
use crate::app::AppState;
use crate::domain::{TopicKind, provinces};
use crate::error::AppResult;
use crate::store::{CitingGroup, CitingTopicRow, Keyset, Store};

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 42, "title": "Bảng kiểm an toàn phẫu thuật", "url": "/t/42", "kind": "good_practice",
    "category": "safe-surgery", "province": "01", "hospital_tier": "specialised", "created_at": "2025-03-15T08:30:00Z",
    "last_posted_at": "2025-03-16T10:00:00Z", "reply_count": 3}))]
pub struct CitingTopicOut {
    id: i64,
    title: String,
    url: String,
    kind: TopicKind,
    /// Category slug.
    category: String,
    /// The province code the topic shows (an anonymous case study's own, else its author's); null when not said.
    province: Option<String>,
    /// initial, basic or specialised; null when not said.
    hospital_tier: Option<String>,
    created_at: DateTime<Utc>,
    last_posted_at: DateTime<Utc>,
    reply_count: i64,
}

/// How many citing topics share one value (a province code, tier, category slug or year); the
/// value is null when the topic does not say.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"value": "01", "label": "Hà Nội", "count": 12}))]
pub struct CountOut {
    value: Option<String>,
    /// The province's name (provinces only).
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    count: i64,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"total": 2, "by_province": [{"value": "01", "label": "Hà Nội", "count": 2}],
    "by_tier": [{"value": "specialised", "count": 2}], "by_category": [{"value": "safe-surgery", "count": 2}],
    "by_year": [{"value": "2025", "count": 2}], "topics": [], "next_cursor": null}))]
pub struct CitingOut {
    /// Visible topics with a visible post citing the document (a kept count).
    total: i64,
    /// Most first; each list adds up to `total`.
    by_province: Vec<CountOut>,
    by_tier: Vec<CountOut>,
    by_category: Vec<CountOut>,
    /// Oldest year first (the year the topic was started, UTC).
    by_year: Vec<CountOut>,
    /// The first page, newest first.
    topics: Vec<CitingTopicOut>,
    /// For GET /api/v1/guidance/{number}/citing; null when there are no more.
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CitingPage {
    topics: Vec<CitingTopicOut>,
    next_cursor: Option<String>,
}

fn list_name(guidance_id: i64) -> String {
    format!("guidance/{guidance_id}/citing")
}

/// The counts and the first page, for the document's API answer.
pub async fn summary(state: &AppState, guidance_id: i64) -> AppResult<CitingOut> {
    let store = state.store();
    let groups = store.citing_groups(guidance_id).await?;
    let page = page(state, guidance_id, None).await?;
    let count = |key: fn(&CitingGroup) -> &str| counts(&groups, key);
    let mut by_province = count(|g| &g.province);
    for c in &mut by_province {
        c.label = c.value.as_deref().and_then(provinces::by_code).map(|p| p.name.to_string());
    }
    let mut by_year = count(|g| &g.year);
    by_year.sort_by(|a, b| a.value.cmp(&b.value));
    Ok(CitingOut {
        total: store.guidance_topic_count(guidance_id).await?,
        by_province,
        by_tier: count(|g| &g.tier),
        by_category: count(|g| &g.category_slug),
        by_year,
        topics: page.topics,
        next_cursor: page.next_cursor,
    })
}

fn counts(groups: &[CitingGroup], key: fn(&CitingGroup) -> &str) -> Vec<CountOut> {
    let mut sums: BTreeMap<&str, i64> = BTreeMap::new();
    for g in groups {
        *sums.entry(key(g)).or_default() += g.n;
    }
    let mut out: Vec<CountOut> =
        sums.into_iter().map(|(v, n)| CountOut { value: (!v.is_empty()).then(|| v.to_string()), label: None, count: n }).collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out
}

/// A page of citing topics; `raw` is the query (`limit`, `cursor`).
pub async fn page(state: &AppState, guidance_id: i64, raw: Option<&str>) -> AppResult<CitingPage> {
    let given = params::parse(raw, &["limit", "cursor"])?;
    let limit = params::limit(&given, params::MAX_LIMIT)?;
    let list = list_name(guidance_id);
    let secret = cursor::key(state.store()).await?;
    let after = match params::get(&given, "cursor") {
        Some(c) => Some(cursor::open(&secret, &list, c).ok_or_else(|| params::bad("error.integrations.bad_cursor", c))?),
        None => None,
    };
    let mut rows = state.store().citing_topics(guidance_id, after, limit + 1).await?;
    let next_cursor =
        next(&mut rows, limit, |r: &CitingTopicRow| Keyset { at: r.created_at, id: r.id }).map(|k| cursor::seal(&secret, &list, k));
    Ok(CitingPage { topics: rows.into_iter().map(topic_out).collect(), next_cursor })
}

fn topic_out(r: CitingTopicRow) -> CitingTopicOut {
    CitingTopicOut {
        url: format!("/t/{}", r.id),
        kind: TopicKind::parse(&r.kind).unwrap_or(TopicKind::Discussion),
        category: r.category_slug,
        province: (!r.province.is_empty()).then_some(r.province),
        hospital_tier: (!r.tier.is_empty()).then_some(r.tier),
        id: r.id,
        title: r.title,
        created_at: r.created_at,
        last_posted_at: r.last_posted_at,
        reply_count: r.reply_count,
    }
}

/// Rows per query of the export.
const CSV_BATCH: i64 = 500;
/// The byte order mark: Excel reads a CSV without it in the machine's legacy code page.
const BOM: &str = "\u{feff}";
const CSV_HEADER: &str = "id,title,url,kind,category,province_code,province,hospital_tier,year,created_at,last_posted_at,reply_count\r\n";

/// The citing topics as a CSV download named after the document (`file_stem`, e.g. 43-2018-TT-BYT).
pub fn csv_response(state: &AppState, guidance_id: i64, file_stem: &str) -> Response {
    let store = state.store().clone();
    let base = state.site_base();
    // Fused: the compressor polls once more after the end (see moderation's audit export).
    let pieces = futures_util::StreamExt::fuse(futures_util::stream::unfold(Export::Header, move |at| {
        next_piece(store.clone(), base.clone(), guidance_id, at)
    }));
    let stem: String = file_stem.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    let disposition = format!("attachment; filename=\"citing-{stem}.csv\"");
    let headers = [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, disposition)];
    (headers, Body::from_stream(pieces)).into_response()
}

enum Export {
    Header,
    After(Option<Keyset>),
    Done,
}

async fn next_piece(store: Store, base: String, guidance_id: i64, at: Export) -> Option<(Result<Bytes, std::io::Error>, Export)> {
    match at {
        Export::Header => Some((Ok(Bytes::from(format!("{BOM}{CSV_HEADER}"))), Export::After(None))),
        Export::Done => None,
        Export::After(after) => match store.citing_topics(guidance_id, after, CSV_BATCH).await {
            Ok(rows) if rows.is_empty() => None,
            Ok(rows) => {
                let key = rows.last().map(|r| Keyset { at: r.created_at, id: r.id });
                let next = if (rows.len() as i64) < CSV_BATCH { Export::Done } else { Export::After(key) };
                Some((Ok(csv_rows(&base, &rows)), next))
            }
            Err(err) => {
                // The status line has gone: the client sees the transfer cut, never a partial file taken as whole.
                tracing::error!(error = %err, "citing practices export failed");
                Some((Err(std::io::Error::other("citing practices export failed")), Export::Done))
            }
        },
    }
}

/// One CSV field: quoted, quotes doubled, a leading formula character neutralised so a
/// spreadsheet never runs a title a member wrote.
fn csv_field(value: &str) -> String {
    let safe = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

fn csv_rows(base: &str, rows: &[CitingTopicRow]) -> Bytes {
    let mut csv = String::with_capacity(rows.len() * 200);
    for r in rows {
        let province = provinces::by_code(&r.province).map(|p| p.name).unwrap_or("");
        let fields = [
            r.id.to_string(),
            r.title.clone(),
            format!("{base}/t/{}", r.id),
            r.kind.clone(),
            r.category_slug.clone(),
            r.province.clone(),
            province.to_string(),
            r.tier.clone(),
            r.created_at.year().to_string(),
            r.created_at.to_rfc3339(),
            r.last_posted_at.to_rfc3339(),
            r.reply_count.to_string(),
        ];
        csv.push_str(&fields.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
        csv.push_str("\r\n");
    }
    Bytes::from(csv)
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("Nhầm thuốc, \"ca đêm\""), "\"Nhầm thuốc, \"\"ca đêm\"\"\"");
        assert_eq!(csv_field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_field("-5 ca"), "\"'-5 ca\"");
    }
}
