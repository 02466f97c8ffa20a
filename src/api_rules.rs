//! The API contract's rules that live in the features (fixed lists of values, length limits),
//! gathered for the OpenAPI document (`api::openapi`), which knows no feature itself.

use serde_json::{Value, json};

use crate::api::openapi::Rules;
use crate::forum::{Body, Summary, Title, TopicKind};
use crate::guidance::domain::{DocStatus, Kind as DocKind};

fn words(values: &[&str]) -> Value {
    json!({"enum": values})
}

/// Every rule, for `api::router`.
pub fn rules() -> Rules {
    Rules { parameters: parameters(), fields: fields() }
}

/// A list filter: one of `values`, or empty for "any" (as when the parameter is left out).
fn guidance_words<'a>(values: impl Iterator<Item = &'a str>) -> Value {
    json!({"enum": std::iter::once("").chain(values).collect::<Vec<_>>()})
}

/// A whole number from `min` to `max`, or the empty text (`minimum`/`maximum` bind numbers only,
/// `maxLength` strings only).
fn number_or_empty(min: i64, max: i64) -> Value {
    json!({"type": ["integer", "string"], "minimum": min, "maximum": max, "maxLength": 0})
}

fn topic_kinds() -> Value {
    json!({"enum": TopicKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>()})
}

/// Free text: its length is counted as stored, after NFC (phones send decomposed Vietnamese, one
/// letter as two or three code points), trimming and dropping control characters, so no JSON
/// Schema `minLength`/`maxLength` can state it exactly; the bounds are given in words and in
/// `x-length-after-nfc`, and a text outside them is a 422 that says so.
fn text(min: usize, max: usize) -> Value {
    json!({
        "description": format!("{min} to {max} characters, counted after NFC normalisation, trimming and dropping control characters."),
        "x-length-after-nfc": {"min": min, "max": max}
    })
}

/// Parameters (operation path, or "" for any; name) whose values come from a list or range.
fn parameters() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        // Any whole number: pages past either end show the first or the last (search's own below).
        ("", "page", json!({"minimum": i64::MIN, "maximum": i64::MAX})),
        ("/api/v1/watches/{kind}/{target}", "kind", words(&["category", "tag", "topic", "guidance"])),
        // Empty means "any", as when the parameter is left out.
        ("/api/v1/moderation/queue", "state", words(&["", "open", "approved", "rejected"])),
        ("/api/v1/moderation/queue", "kind", words(&[&[""][..], &crate::moderation::QUEUE_KINDS[..]].concat())),
        ("/api/v1/moderation/queue/{id}/{action}", "action", words(&["approve", "edit_approve", "reject"])),
        (
            "/api/v1/moderation/topics/{id}/{action}",
            "action",
            words(&["lock", "unlock", "pin", "unpin", "feature", "unfeature", "move", "merge"]),
        ),
        ("/api/v1/guidance", "status", guidance_words(DocStatus::ALL.iter().map(|s| s.as_str()))),
        ("/api/v1/guidance", "kind", guidance_words(DocKind::ALL.iter().map(|k| k.as_str()))),
        (
            "/api/v1/search",
            "kind",
            json!({"enum": std::iter::once("").chain(TopicKind::ALL.iter().map(|k| k.as_str())).collect::<Vec<_>>()}),
        ),
        // The search form sends empty fields for "any": a number in range, or nothing.
        ("/api/v1/search", "limit", number_or_empty(1, 100)),
        ("/api/v1/search", "year", number_or_empty(1900, 9998)),
        ("/api/v1/search", "page", number_or_empty(1, 10_000)),
        ("/api/v1/collections", "page", number_or_empty(1, crate::collections::MAX_API_PAGE)),
        ("/api/v1/collections/{slug}", "page", number_or_empty(1, crate::collections::MAX_API_PAGE)),
        // The integration lists (issue 21): empty means "any"; a limit outside its range is a 400.
        (
            "/api/v1/topics",
            "kind",
            json!({"enum": std::iter::once("").chain(TopicKind::ALL.iter().map(|k| k.as_str())).collect::<Vec<_>>()}),
        ),
        ("/api/v1/topics", "limit", number_or_empty(1, 100)),
        ("/api/v1/tags", "limit", number_or_empty(1, 1000)),
        ("/api/v1/users/{username}", "limit", number_or_empty(1, 100)),
        ("/api/v1/users/{username}/posts", "limit", number_or_empty(1, 100)),
    ]
}

/// Request-body fields (component, property) with a list of values or length bounds.
fn fields() -> Vec<(&'static str, &'static str, Value)> {
    let body = text(Body::MIN, Body::MAX);
    vec![
        ("NewTopicIn", "kind", topic_kinds()),
        ("NewTopicIn", "title", text(Title::MIN, Title::MAX)),
        ("NewTopicIn", "body", body.clone()),
        ("NewTopicIn", "summary", text(Summary::MIN, Summary::MAX)),
        ("NewPostIn", "body", body.clone()),
        ("EditPostIn", "body", body),
        ("PreviewIn", "body", text(0, Body::MAX)),
        ("FlagIn", "reason", words(&crate::moderation::service::FLAG_REASONS)),
        ("SanctionIn", "kind", words(&["silence", "suspend"])),
        ("SanctionIn", "days", json!({"minimum": 1, "maximum": 365})),
        ("TokenRequest", "expires_in_days", json!({"minimum": 1, "maximum": crate::accounts::MAX_TOKEN_DAYS})),
        ("TokenRequest", "label", json!({"maxLength": crate::accounts::TOKEN_LABEL_MAX})),
        ("ReasonIn", "reason", json!({"minLength": 1})),
        ("WatchedWordIn", "pattern", json!({"minLength": 1})),
        ("WatchedWordIn", "action", words(&["block", "hold", "replace"])),
        (
            "DraftIn",
            "scope",
            json!({"pattern": "^(new:(discussion|question|good_practice|case_study)|reply:[1-9][0-9]{0,17}|edit:[1-9][0-9]{0,17})$"}),
        ),
        ("SettingsIo", "handle", json!({"pattern": format!("^@?[a-z0-9_]{{3,{}}}$", crate::text::HANDLE_MAX)})),
        ("SettingsIo", "language", words(&["vi", "en"])),
    ]
    .into_iter()
    .chain(collection_fields())
    .collect()
}

/// Curated collections (`collections::api`).
fn collection_fields() -> Vec<(&'static str, &'static str, Value)> {
    use crate::collections::domain::{INTRO_MAX, SLUG_MAX, TITLE_MAX};
    let slug = json!({"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": SLUG_MAX});
    let mut rules = Vec::new();
    for component in ["NewCollectionIn", "CollectionPatchIn"] {
        rules.push((component, "title", text(3, TITLE_MAX)));
        rules.push((component, "intro", text(1, INTRO_MAX)));
        rules.push((component, "intro_en", text(0, INTRO_MAX)));
        rules.push((component, "slug", slug.clone()));
        rules.push((component, "status", words(&["draft", "published"])));
    }
    rules.push(("CollectionPatchIn", "version", json!({"minimum": 1})));
    rules
}
