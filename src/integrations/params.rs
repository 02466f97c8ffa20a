//! The query string of a list: only the parameters the list names, each at most once, an empty
//! value meaning "any" (as when left out), a limit from 1 to 100; anything else is a 400 whose
//! message names the parameter and the values it takes.

use axum::http::StatusCode;

use crate::error::{AppError, AppResult, Msg};

/// How many items a page holds when `limit` is left out, and at most.
pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// A 400 with `key`'s message about `value`.
pub fn bad(key: &'static str, value: &str) -> AppError {
    let shown: String = value.chars().take(80).collect();
    AppError::Rejected(StatusCode::BAD_REQUEST, Msg::new(key).arg("value", shown))
}

/// The parameters of `raw`, each one of `allowed`; empty values left out.
pub fn parse(raw: Option<&str>, allowed: &[&str]) -> AppResult<Vec<(String, String)>> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or("")).map_err(|_| bad("error.integrations.bad_query", raw.unwrap_or("")))?;
    let mut seen: Vec<(String, String)> = Vec::new();
    for (name, value) in pairs {
        if !allowed.contains(&name.as_str()) {
            let err = AppError::Rejected(
                StatusCode::BAD_REQUEST,
                Msg::new("error.integrations.unknown_parameter")
                    .arg("value", name.chars().take(40).collect::<String>())
                    .arg("allowed", allowed.join(", ")),
            );
            return Err(err);
        }
        if seen.iter().any(|(n, _)| *n == name) {
            return Err(bad("error.integrations.repeated_parameter", &name));
        }
        seen.push((name, value.trim().to_string()));
    }
    seen.retain(|(_, value)| !value.is_empty());
    Ok(seen)
}

/// The value of `name`, if given (and not empty).
pub fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

/// The page size: `limit` from 1 to `max` (default `DEFAULT_LIMIT`); anything else is a 400.
pub fn limit(params: &[(String, String)], max: i64) -> AppResult<i64> {
    let Some(value) = get(params, "limit") else { return Ok(DEFAULT_LIMIT.min(max)) };
    match value.parse::<i64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(AppError::Rejected(
            StatusCode::BAD_REQUEST,
            Msg::new("error.integrations.bad_limit").arg("value", value.chars().take(40).collect::<String>()).arg("max", max),
        )),
    }
}

/// A tag typed as people write it ("kiểm tra chéo") as its slug ("kiem-tra-cheo").
pub fn tag_slug(input: &str) -> String {
    crate::domain::slugify(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_named_parameters_once_each() {
        let allowed = ["kind", "limit"];
        assert_eq!(parse(Some("kind=question&limit="), &allowed).unwrap(), vec![("kind".to_string(), "question".to_string())]);
        assert!(parse(Some("kind=a&kind=b"), &allowed).is_err());
        assert!(parse(Some("sort=new"), &allowed).is_err());
        assert!(parse(None, &allowed).unwrap().is_empty());
        let given = |l: &str| limit(&[("limit".to_string(), l.to_string())], 100);
        assert_eq!(given("100").unwrap(), 100);
        for l in ["0", "101", "-1", "1e3", "ten"] {
            assert!(given(l).is_err(), "{l}");
        }
        assert_eq!(limit(&[], 100).unwrap(), DEFAULT_LIMIT);
        assert_eq!(tag_slug("Kiểm tra chéo"), "kiem-tra-cheo");
        assert_eq!(tag_slug("Đối chiếu"), "doi-chieu");
    }
}
