//! When a form post is refused because the sign-in ended or the form expired, the text someone
//! typed (a long case study written between shifts) is shown back to them to copy, not lost.
//! This is the "refused form text"; drafts saved while composing live in `engagement::drafts`.

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
pub struct RefusedFormText(pub Vec<(&'static str, String)>);

fn is_form_post(parts: &Parts) -> bool {
    parts.method == Method::POST
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

/// Reads a form post's body (at most `limit` bytes) so it can be both handled and kept.
/// Returns the body to hand on and the bytes, or `Err` when the body is over the limit.
pub async fn buffer(parts: &Parts, body: Body, limit: usize) -> Result<(Body, Option<Bytes>), ()> {
    if !is_form_post(parts) {
        return Ok((body, None));
    }
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| ())?;
    Ok((Body::from(bytes.clone()), Some(bytes)))
}

impl RefusedFormText {
    pub fn from_form(bytes: &[u8]) -> RefusedFormText {
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(bytes).into_owned().collect();
        let kept = KEPT_FIELDS
            .iter()
            .filter_map(|(field, label)| {
                let value = pairs.iter().find(|(k, _)| k == field).map(|(_, v)| v.trim().to_string())?;
                (!value.is_empty()).then_some((*label, value))
            })
            .collect();
        RefusedFormText(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::RefusedFormText;

    #[test]
    fn typed_text_is_kept_and_tokens_are_not() {
        let draft = RefusedFormText::from_form(b"csrf=abc&title=T%C3%A9+ng%C3%A3&body=&results=62%25+%E2%86%92+88%25");
        assert_eq!(draft.0, vec![("compose.topic_title", "Té ngã".to_string()), ("section.results", "62% → 88%".to_string())]);
    }
}
