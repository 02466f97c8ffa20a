//! Completes the OpenAPI document the handlers' annotations produce with what the shells answer
//! on every route, so a client (or schemathesis) learns every status it can get:
//!
//! - 400 anywhere: invalid text in the address (`web::hardening`), malformed JSON;
//! - 413, 415 and 422 where a body is read (`ApiJson`: too large, not JSON, fields missing or
//!   of the wrong type or breaking a rule the message names);
//! - 404 where the path names something (missing, or not visible to the caller);
//! - 401 and 403 where a bearer token is required (no or unknown token; the role may not, a
//!   sanction, or two-factor sign-in to set up first);
//!
//! and every 4xx is described as the RFC 9457 problem document `render_problems` sends.

use serde_json::{Map, Value, json};

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

/// Text in a path: no control characters (`web::hardening` answers 400 to them).
const NO_CONTROLS: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]*$";
/// Text in a query: the same, but tabs and line breaks are allowed (a pasted search).
const NO_CONTROLS_BUT_LINES: &str = "^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f]*$";

/// Rules the handlers enforce that their Rust types do not show: each parameter (by operation
/// path and name) and request-body field (by component and property) gets these schema keys.
/// The features' rules are gathered where the routers are (`crate::api_rules`).
#[derive(Default)]
pub struct Rules {
    pub parameters: Vec<(&'static str, &'static str, Value)>,
    pub fields: Vec<(&'static str, &'static str, Value)>,
}

/// The document with the shells' answers added to every operation, and `rules` applied.
pub fn complete(mut doc: Value, rules: &Rules) -> Value {
    doc["components"]["schemas"]["Problem"] = problem_schema();
    for (component, field, rule) in &rules.fields {
        let rule = rule.clone();
        if let Some(schema) = doc["components"]["schemas"][*component]["properties"].get_mut(*field) {
            merge(schema, rule);
        }
    }
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else { return doc };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(operation) = item.get_mut(method).and_then(Value::as_object_mut) {
                complete_operation(path, operation, rules);
            }
        }
    }
    doc
}

fn complete_operation(path: &str, operation: &mut Map<String, Value>, rules: &Rules) {
    for parameter in operation.get_mut("parameters").and_then(Value::as_array_mut).into_iter().flatten() {
        let name = parameter["name"].as_str().unwrap_or("").to_string();
        if schema_is(&parameter["schema"], "string") {
            let pattern = if parameter["in"] == "query" { NO_CONTROLS_BUT_LINES } else { NO_CONTROLS };
            merge(&mut parameter["schema"], json!({"pattern": pattern}));
        }
        let schema = &mut parameter["schema"];
        let matching = rules.parameters.iter().filter(|(p, n, _)| (*p == path || p.is_empty()) && *n == name);
        for (_, _, rule) in matching {
            merge(schema, rule.clone());
        }
    }
    let has_body = operation.contains_key("requestBody");
    let secured = operation.get("security").and_then(Value::as_array).is_some_and(|s| !s.is_empty());
    let responses = operation.entry("responses").or_insert_with(|| json!({}));
    let Some(responses) = responses.as_object_mut() else { return };
    let documented: Vec<String> = responses.keys().cloned().collect();
    let mut add = |status: &str, description: &str| {
        let response = responses.entry(status).or_insert_with(|| json!({"description": description}));
        if status.starts_with('4') && response.get("content").is_none() {
            response["content"] = json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
        }
    };
    add("400", "The address holds invalid text (NUL or other control characters, bytes that are not UTF-8), or the JSON is malformed.");
    if has_body {
        add("413", "The body is larger than the server accepts.");
        add("415", "The body is not sent as JSON (Content-Type: application/json).");
        add("422", "A field is missing, of the wrong type, or breaks a rule the message names.");
    }
    if path.contains('{') {
        add("404", "Nothing of that name, or nothing the caller may see.");
    }
    if RATE_LIMITED.contains(&path) {
        add("429", "Too many requests in a short time; the message says how long to wait.");
    }
    if secured {
        add("401", "Sign in first: no bearer token, or one that is unknown.");
        add("403", "Not allowed: the role may not do this, an active sanction, or two-factor sign-in must be set up first.");
    }
    // Statuses a handler documented without a body are problem documents too.
    for status in documented.iter().filter(|s| s.starts_with('4')) {
        add(status, "");
    }
}

/// Rate-limited operations answer 429 with the limit in the message.
const RATE_LIMITED: [&str; 6] =
    ["/api/v1/topics", "/api/v1/topics/{id}/posts", "/api/v1/uploads", "/api/v1/tokens", "/api/v1/preview", "/api/v1/password/forgot"];

fn schema_is(schema: &Value, ty: &str) -> bool {
    match &schema["type"] {
        Value::String(t) => t == ty,
        Value::Array(types) => types.iter().any(|t| t == ty),
        _ => false,
    }
}

/// Adds `rule`'s keys to `schema`.
/// Adds `rule`'s keys to `schema` (a description is appended to the one there).
pub fn merge(schema: &mut Value, rule: Value) {
    let Some(schema) = schema.as_object_mut() else { return };
    let Value::Object(rule) = rule else { return };
    for (key, value) in rule {
        match (key.as_str(), schema.get(&key).and_then(Value::as_str), value.as_str()) {
            ("description", Some(before), Some(added)) => {
                let joined = format!("{before} {added}");
                schema.insert(key, Value::String(joined));
            }
            _ => {
                schema.insert(key, value);
            }
        }
    }
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "An RFC 9457 problem document; `detail` is a sentence in the reader's language (Vietnamese, or English with Accept-Language: en).",
        "required": ["type", "title", "status", "detail", "code"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "code": {"type": "string", "description": "The message key, stable across languages (e.g. error.login_rate)."}
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_gets_the_shells_answers() {
        let doc = json!({"paths": {
            "/api/v1/posts/{id}": {"patch": {"requestBody": {}, "security": [{"bearer": []}], "responses": {"200": {"description": "ok"}, "409": {"description": "conflict"}}}},
            "/api/v1/categories": {"get": {"responses": {"200": {"description": "ok"}}}}
        }});
        let doc = complete(doc, &Rules::default());
        let patch = &doc["paths"]["/api/v1/posts/{id}"]["patch"]["responses"];
        let mut statuses: Vec<&String> = patch.as_object().unwrap().keys().collect();
        statuses.sort();
        assert_eq!(statuses, ["200", "400", "401", "403", "404", "409", "413", "415", "422"]);
        assert_eq!(patch["409"]["description"], "conflict", "a handler's own words are kept");
        assert_eq!(patch["409"]["content"]["application/problem+json"]["schema"]["$ref"], "#/components/schemas/Problem");
        let get = doc["paths"]["/api/v1/categories"]["get"]["responses"].as_object().unwrap();
        assert_eq!(get.keys().collect::<Vec<_>>(), ["200", "400"]);
    }
}
