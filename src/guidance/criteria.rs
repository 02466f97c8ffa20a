//! The hospital quality criteria catalog (Decision 6858/QĐ-BYT): codes like `C4` (a group) or
//! `A1.1` (a criterion), kept by ministry staff and admins, and the criteria a topic is tagged with.

use crate::error::{AppError, AppResult, Msg};
use crate::store::access;
use crate::store::{Store, User};
use crate::text::{char_len, clean_line};

const TITLE_MAX: usize = 300;

/// `a1.1` → `A1.1`; parts A–E, a group number and an optional criterion number.
pub fn parse_code(input: &str) -> AppResult<String> {
    let code = input.trim().to_ascii_uppercase();
    let mut chars = code.chars();
    let part_ok = chars.next().is_some_and(|c| ('A'..='E').contains(&c));
    let rest: String = chars.collect();
    let numbers: Vec<&str> = rest.split('.').collect();
    let numbers_ok = (1..=2).contains(&numbers.len())
        && numbers.iter().all(|n| (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0'));
    if part_ok && numbers_ok { Ok(code) } else { Err(AppError::BadRequest(Msg::new("criteria.error.code").arg("value", input.trim()))) }
}

/// Adds or corrects a criterion; a title saved by a person counts as confirmed.
pub async fn save(store: &Store, code: &str, title_vi: &str, title_en: &str) -> AppResult<String> {
    let code = parse_code(code)?;
    let (title_vi, title_en) = (clean_line(title_vi), clean_line(title_en));
    if title_vi.is_empty() {
        return Err(AppError::bad("criteria.error.title"));
    }
    if char_len(&title_vi) > TITLE_MAX || char_len(&title_en) > TITLE_MAX {
        return Err(AppError::BadRequest(Msg::new("guidance.error.too_long").arg("max", TITLE_MAX)));
    }
    store.upsert_criterion(&code, &code[..1], &title_vi, &title_en, true).await?;
    Ok(code)
}

/// Tags a topic with the criteria in `codes` (commas or spaces between), replacing earlier tags.
/// The topic's author, moderators, ministry staff and admins may do it.
pub async fn tag_topic(store: &Store, user: &User, topic_id: i64, codes: &str) -> AppResult<()> {
    let topic = access::visible_topic(store, topic_id, Some(user)).await?;
    let allowed = topic.author_id == user.id || user.role.can_moderate() || super::service::can_edit(user);
    if !allowed {
        return Err(AppError::Forbidden(Msg::new("error.not_your_post")));
    }
    let mut ids = Vec::new();
    for raw in codes.split([',', ' ', ';', '\n']).filter(|c| !c.trim().is_empty()) {
        let code = parse_code(raw)?;
        let criterion =
            store.criterion(&code).await.map_err(|_| AppError::BadRequest(Msg::new("criteria.error.unknown").arg("value", &code)))?;
        ids.push(criterion.id);
    }
    Ok(store.set_topic_criteria(topic_id, &ids).await?)
}

#[cfg(test)]
mod tests {
    use super::parse_code;

    #[test]
    fn codes() {
        assert_eq!(parse_code(" a1.1 ").unwrap(), "A1.1");
        assert_eq!(parse_code("C10").unwrap(), "C10");
        for bad in ["F1", "A", "A1.", "A01", "A1.1.1", "A123", "1.1"] {
            assert!(parse_code(bad).is_err(), "{bad}");
        }
    }
}
