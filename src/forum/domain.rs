//! Parsed forum values: titles, bodies, summaries and tags within their limits, stored as NFC.

use crate::domain::Tag;
pub use crate::domain::slugify;
use crate::error::{AppError, Msg};
use crate::text;

fn bounded(input: &str, one_line: bool, min: usize, max: usize, key: &'static str) -> Result<String, AppError> {
    let value = if one_line { text::clean_line(input) } else { text::clean(input) };
    let len = text::char_len(&value);
    if (min..=max).contains(&len) {
        Ok(value)
    } else {
        Err(AppError::BadRequest(Msg::new(key).arg("min", min).arg("max", max).arg("len", len)))
    }
}

#[derive(Debug, Clone)]
pub struct Title(String);

impl Title {
    pub const MIN: usize = 5;
    pub const MAX: usize = 200;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        bounded(input, true, Self::MIN, Self::MAX, "error.title_length").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A post body in Markdown.
#[derive(Debug, Clone)]
pub struct Body(String);

impl Body {
    pub const MIN: usize = 2;
    pub const MAX: usize = 40_000;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        bounded(input, false, Self::MIN, Self::MAX, "error.body_length").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The short summary a good practice leads with.
#[derive(Debug, Clone)]
pub struct Summary(String);

impl Summary {
    pub const MIN: usize = 10;
    pub const MAX: usize = 500;

    pub fn parse(input: &str) -> Result<Self, AppError> {
        bounded(input, false, Self::MIN, Self::MAX, "error.summary_length").map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Tag {
    /// `None` for input with no letter or digit.
    fn parse(input: &str) -> Result<Option<Self>, AppError> {
        let slug = slugify(input);
        if slug.is_empty() {
            return Ok(None);
        }
        let label = crate::text::clean_line(input).trim_start_matches('#').trim().to_string();
        if slug.len() > Tags::MAX_LEN || crate::text::char_len(&label) > Tags::MAX_LEN {
            return Err(AppError::BadRequest(Msg::new("error.tag_too_long").arg("max", Tags::MAX_LEN)));
        }
        Ok(Some(Self { slug, label }))
    }
}

/// Up to five tags, each with a lowercase ASCII slug ("Thuốc nguy cơ cao" → "thuoc-nguy-co-cao")
/// and its label as typed; two spellings of one slug are one tag, labelled as first typed.
#[derive(Debug, Clone, Default)]
pub struct Tags(Vec<Tag>);

impl Tags {
    pub const MAX_COUNT: usize = 5;
    pub const MAX_LEN: usize = 40;

    pub fn parse<S: AsRef<str>>(inputs: &[S]) -> Result<Self, AppError> {
        let mut tags: Vec<Tag> = Vec::new();
        for input in inputs {
            if let Some(tag) = Tag::parse(input.as_ref())?
                && !tags.iter().any(|t| t.slug == tag.slug)
            {
                tags.push(tag);
            }
        }
        if tags.len() > Self::MAX_COUNT {
            return Err(AppError::BadRequest(Msg::new("error.too_many_tags").arg("max", Self::MAX_COUNT)));
        }
        Ok(Self(tags))
    }

    /// Tags typed into one field, separated by commas.
    pub fn parse_list(input: &str) -> Result<Self, AppError> {
        Self::parse(&input.split(',').collect::<Vec<_>>())
    }

    pub fn as_slice(&self) -> &[Tag] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_normalization::UnicodeNormalization;

    #[test]
    fn titles_have_limits_and_are_stored_nfc() {
        let nfd: String = "Phòng ngừa té ngã".nfd().collect();
        assert_eq!(Title::parse(&nfd).unwrap().as_str(), "Phòng ngừa té ngã");
        assert!(Title::parse("   ").is_err());
        assert!(Title::parse(&"a".repeat(201)).is_err());
    }

    #[test]
    fn tags_become_slugs_without_duplicates() {
        let nfd: String = "Thuốc nguy cơ cao, thuoc nguy co cao, #Điều  dưỡng,,".nfd().collect();
        let tags = Tags::parse_list(&nfd).unwrap();
        let pairs: Vec<(&str, &str)> = tags.as_slice().iter().map(|t| (t.slug.as_str(), t.label.as_str())).collect();
        assert_eq!(pairs, [("thuoc-nguy-co-cao", "Thuốc nguy cơ cao"), ("dieu-duong", "Điều dưỡng")]);
        assert!(Tags::parse_list("a,b,c,d,e,f").is_err());
    }
}
