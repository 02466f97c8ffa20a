//! One record's fields as the importer reads them: the required ones, its source id (given, or
//! derived from its content), its date, and the placeholder author's email.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sha2::{Digest, Sha256};

use super::{PLACEHOLDER_DOMAIN, Record, SOURCE_ID_MAX, SourceId, Step, skip};
use crate::store::Store;
use crate::text;

/// A field that must be present and not blank.
pub(super) fn required<'r>(value: &'r Option<String>, field: &str) -> Step<&'r str> {
    match value.as_deref() {
        Some(v) if !v.trim().is_empty() => Ok(v),
        Some(_) => skip(format!("{field} is empty")),
        None => skip(format!("{field} is missing")),
    }
}

/// The record's own `source_id`, or one derived from what it says, who said it and when.
pub(super) fn source_id(record: &Record, title: &str, body: &str) -> Step<String> {
    let given = match &record.source_id {
        None => return Ok(content_source_id(record, title, body)),
        Some(SourceId::Text(s)) => text::clean_line(s),
        Some(SourceId::Number(n)) => n.to_string(),
    };
    match text::char_len(&given) {
        0 => skip("source_id is empty"),
        n if n > SOURCE_ID_MAX => skip(format!("source_id is longer than {SOURCE_ID_MAX} characters")),
        _ => Ok(given),
    }
}

/// `content:` and a hash of the record's title, body, author and date as NFC text, so a record
/// without a `source_id` is still imported once, however its file is re-encoded.
fn content_source_id(record: &Record, title: &str, body: &str) -> String {
    let mut hash = Sha256::new();
    let parts = [Some(title), Some(body), record.author_name.as_deref(), record.created_at.as_deref()];
    for part in parts {
        hash.update(text::clean(part.unwrap_or("")).as_bytes());
        hash.update([0]);
    }
    format!("content:{}", &hex::encode(hash.finalize())[..32])
}

/// `reply:` and a hash of the reply's topic source, date and (NFC, checked) text: how a reply
/// without a source id, or imported before replies remembered theirs, is recognised.
pub fn reply_content_key(topic_source: &str, at: DateTime<Utc>, body: &str) -> String {
    let mut hash = Sha256::new();
    for part in [topic_source, &at.timestamp().to_string(), body] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    format!("reply:{}", &hex::encode(hash.finalize())[..32])
}

/// Every imported reply's source id, and the content key of those imported before replies
/// remembered their source (so upgrading and importing again adds no duplicates).
pub(crate) async fn known_replies(store: &Store) -> anyhow::Result<HashSet<String>> {
    let mut known: HashSet<String> = store.reply_source_ids().await?.into_iter().collect();
    for (topic_source, at, body) in store.unmarked_imported_replies().await? {
        known.insert(reply_content_key(&topic_source, at, &body));
    }
    Ok(known)
}

/// `imported+<first 16 hex digits of SHA-256 of the NFC name>@goodpractice.invalid`.
pub fn placeholder_email(name: &str) -> String {
    let digest = Sha256::digest(text::clean_line(name).as_bytes());
    format!("imported+{}@{PLACEHOLDER_DOMAIN}", &hex::encode(digest)[..16])
}

/// The record's date: RFC 3339 (any offset), or a plain date at midnight UTC; now when missing.
/// A date more than a day ahead is refused (it would sit on top of the latest topics).
pub(super) fn created_at(value: Option<&str>) -> Step<DateTime<Utc>> {
    let Some(value) = value.map(str::trim) else { return Ok(Utc::now()) };
    let Some(at) = parse_date(value) else {
        return skip(format!("created_at {value:?} is neither RFC 3339 nor YYYY-MM-DD"));
    };
    if at > Utc::now() + Duration::days(1) {
        return skip(format!("created_at {value:?} is in the future"));
    }
    Ok(at)
}

pub fn parse_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Some(at.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()?;
    Some(date.and_time(NaiveTime::MIN).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn dates_are_rfc3339_or_plain_days() {
        assert_eq!(parse_date("2019-03-15").unwrap().to_rfc3339(), "2019-03-15T00:00:00+00:00");
        assert_eq!(parse_date("2019-03-15T08:30:00+07:00").unwrap().to_rfc3339(), "2019-03-15T01:30:00+00:00");
        assert!(parse_date("15/03/2019").is_none());
        assert!(parse_date("2019-02-30").is_none());
        assert!(created_at(Some("2999-01-01")).is_err());
    }

    #[test]
    fn one_placeholder_email_per_name_whatever_its_normal_form() {
        let nfd: String = "Nguyễn Thị Lan".nfd().collect();
        let email = placeholder_email("Nguyễn Thị Lan");
        assert_eq!(placeholder_email(&nfd), email);
        assert_ne!(placeholder_email("Nguyễn Thị Lam"), email);
        assert!(email.starts_with("imported+") && email.ends_with("@goodpractice.invalid"), "{email}");
    }

    #[test]
    fn replies_are_known_by_their_post_time_and_text() {
        let at = "2016-05-01T11:00:00Z".parse().unwrap();
        let key = reply_content_key("facebook:1_2", at, "Rất hữu ích 👍");
        assert_eq!(reply_content_key("facebook:1_2", at, "Rất hữu ích 👍"), key);
        assert_ne!(reply_content_key("facebook:1_3", at, "Rất hữu ích 👍"), key, "the same words under another post");
        assert_ne!(reply_content_key("facebook:1_2", at + Duration::seconds(1), "Rất hữu ích 👍"), key);
        assert_ne!(reply_content_key("facebook:1_2", at, "Rat huu ich 👍"), key);
        assert!(key.starts_with("reply:") && key.len() == "reply:".len() + 32, "{key}");
    }

    #[test]
    fn records_without_source_id_are_known_by_content() {
        let record = |title: &str| Record { title: Some(title.into()), body: Some("Nội dung".into()), ..Default::default() };
        let nfd: String = "Bàn giao ca".nfd().collect();
        let a = source_id(&record("Bàn giao ca"), "Bàn giao ca", "Nội dung").unwrap();
        assert_eq!(source_id(&record(&nfd), &nfd, "Nội dung").unwrap(), a);
        assert!(a.starts_with("content:"));
        let numbered = Record { source_id: Some(SourceId::Number(42.into())), ..record("x") };
        assert_eq!(source_id(&numbered, "x", "y").unwrap(), "42");
    }
}
