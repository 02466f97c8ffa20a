//! When a form post is refused because the sign-in ended or the form expired, the text someone
//! typed (a long case study written between shifts) is shown back to them to copy, not lost.

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{Method, header};

/// Form fields worth giving back, with the label each is shown under.
const KEPT_FIELDS: [(&str, &str); 9] = [
    ("title", "compose.topic_title"),
    ("summary", "compose.summary"),
    ("body", "compose.body"),
    ("context", "section.context"),
    ("problem", "section.problem"),
    ("causes", "section.causes"),
    ("intervention", "section.intervention"),
    ("results", "section.results"),
    ("lessons", "section.lessons"),
];

/// What was typed into a refused form: (label key, text), non-empty fields only.
#[derive(Debug, Default)]
pub struct Draft(pub Vec<(&'static str, String)>);

fn content_type(parts: &Parts) -> &str {
    parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default()
}

fn is_form_post(parts: &Parts) -> bool {
    parts.method == Method::POST && (content_type(parts).starts_with("application/x-www-form-urlencoded") || is_multipart(parts))
}

/// A form that may carry a file (compose, reply): its body may be as large as an upload.
pub fn is_multipart(parts: &Parts) -> bool {
    content_type(parts).starts_with("multipart/form-data")
}

/// Past this many bytes a too-large body is no longer drained; the connection is closed.
const DRAIN_CEILING: usize = 128 * 1024 * 1024;

/// Reads a form post's body (at most `limit` bytes) so it can be both handled and kept.
/// Returns the body to hand on and the bytes, or `Err` when the body is over the limit.
pub async fn buffer(parts: &Parts, body: Body, limit: usize) -> Result<(Body, Option<Bytes>), ()> {
    if !is_form_post(parts) {
        return Ok((body, None));
    }
    let bytes = read_limited(body, limit).await.ok_or(())?;
    Ok((Body::from(bytes.clone()), Some(bytes)))
}

/// The body if it is at most `limit` bytes. A longer one is read to the end and dropped (up to a
/// ceiling) so the browser gets to see the readable 413 page instead of a broken connection.
pub async fn read_limited(body: Body, limit: usize) -> Option<Bytes> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let (mut kept, mut seen) = (Vec::new(), 0usize);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.ok()?;
        seen += chunk.len();
        if seen > DRAIN_CEILING {
            break;
        }
        if seen <= limit {
            kept.extend_from_slice(&chunk);
        }
    }
    (seen <= limit).then(|| Bytes::from(kept))
}

impl Draft {
    /// The draft of a URL-encoded or multipart form body (files are left out).
    pub async fn from_body(content_type: &str, bytes: Bytes) -> Draft {
        if !content_type.starts_with("multipart/form-data") {
            return Draft::from_form(&bytes);
        }
        let fields = multipart_text_fields(content_type, bytes).await;
        Draft::from_pairs(&fields)
    }

    pub fn from_form(bytes: &[u8]) -> Draft {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(bytes).into_owned().collect();
        Draft::from_pairs(&pairs)
    }

    fn from_pairs(pairs: &[(String, String)]) -> Draft {
        let kept = KEPT_FIELDS
            .iter()
            .filter_map(|(field, label)| {
                let value = pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v.trim().to_string())?;
                (!value.is_empty()).then_some((*label, value))
            })
            .collect();
        Draft(kept)
    }
}

/// The text fields of a multipart body; whatever cannot be read is left out.
async fn multipart_text_fields(content_type: &str, body: Bytes) -> Vec<(String, String)> {
    let Ok(boundary) = multer::parse_boundary(content_type) else { return Vec::new() };
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::convert::Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut fields = Vec::new();
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.file_name().is_some() {
            continue;
        }
        let name = field.name().unwrap_or_default().to_string();
        if let Ok(text) = field.text().await {
            fields.push((name, text));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::Draft;

    #[test]
    fn typed_text_is_kept_and_tokens_are_not() {
        let draft = Draft::from_form(b"csrf=abc&title=T%C3%A9+ng%C3%A3&body=&results=62%25+%E2%86%92+88%25");
        assert_eq!(draft.0, vec![("compose.topic_title", "Té ngã".to_string()), ("section.results", "62% → 88%".to_string())]);
    }
}
