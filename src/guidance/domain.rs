//! Guidance documents as ministry staff write them: parsed into checked values before anything
//! is stored (a document number, a kind, a status, dates that exist, an http(s) link).

use search_index::analysis::normalize_legal_ref;

use crate::error::{AppError, AppResult, Msg};
use crate::store::{GuidanceFields, GuidanceRow};
use crate::text::{char_len, clean, clean_line};

/// A document number in its canonical form (`43/2018/TT-BYT`, `5316/QD-BYT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocNumber(String);

impl DocNumber {
    /// The whole of `input` must be one document number, in any common spelling.
    pub fn parse(input: &str) -> AppResult<Self> {
        let trimmed = clean_line(input);
        let spans = search_index::legal_ref_spans(&search_index::analysis::clean(&trimmed));
        match spans.as_slice() {
            [only] if only.range.start == 0 && only.range.end == trimmed.len() => Ok(Self(only.reference.clone())),
            _ => Err(AppError::BadRequest(Msg::new("guidance.error.number").arg("value", trimmed))),
        }
    }

    /// Trusted canonical text (from the database or the search-index crate).
    pub fn from_canonical(number: String) -> Self {
        Self(number)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path segment for this number: `/` becomes `-` (`43-2018-TT-BYT`). Unambiguous, since a
    /// year is four digits and every code starts with a letter.
    pub fn slug(&self) -> String {
        slug_of(&self.0)
    }
}

pub fn slug_of(number: &str) -> String {
    number.replace('/', "-")
}

/// `43-2018-TT-BYT` → `43/2018/TT-BYT`, `5316-QD-BYT` → `5316/QD-BYT`; `None` when the slug is
/// not in canonical form (the caller then tries other spellings and redirects).
pub fn number_from_slug(slug: &str) -> Option<String> {
    let (number, rest) = slug.split_once('-')?;
    let number_ok = !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !number.starts_with('0');
    if !number_ok || rest.is_empty() {
        return None;
    }
    let candidate = match rest.split_once('-') {
        Some((year, code)) if year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit()) => format!("{number}/{year}/{code}"),
        _ => format!("{number}/{rest}"),
    };
    (normalize_legal_ref(&candidate).as_deref() == Some(candidate.as_str())).then_some(candidate)
}

macro_rules! string_enum {
    ($name:ident { $($variant:ident = $text:literal),+ $(,)? }, $error:literal, $prefix:literal) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> AppResult<Self> {
                Self::ALL.iter().copied().find(|k| k.as_str() == s.trim())
                    .ok_or_else(|| AppError::BadRequest(Msg::new($error).arg("value", s.trim())))
            }

            /// The i18n key of its name.
            pub fn label_key(self) -> &'static str {
                match self { $($name::$variant => concat!($prefix, $text)),+ }
            }
        }
    };
}

string_enum!(Kind {
    Law = "law",
    Decree = "decree",
    Circular = "circular",
    JointCircular = "joint_circular",
    Decision = "decision",
    Directive = "directive",
    Resolution = "resolution",
    OfficialLetter = "official_letter",
    Guideline = "guideline",
    Other = "other",
}, "guidance.error.kind", "guidance.kind.");

string_enum!(DocStatus {
    InForce = "in_force",
    Amended = "amended",
    Superseded = "superseded",
    Expired = "expired",
}, "guidance.error.status", "guidance.status.");

/// The i18n key of a stored kind or status (`None` for a value the code no longer knows).
pub fn kind_label(kind: &str) -> &'static str {
    Kind::parse(kind).map(Kind::label_key).unwrap_or("guidance.kind.other")
}

pub fn status_label(status: &str) -> &'static str {
    DocStatus::parse(status).map(DocStatus::label_key).unwrap_or("guidance.status.in_force")
}

/// A date as precise as it is known: `2018-12-26`, `2024-02` or `2024`, typed that way or day
/// first (`26/12/2018`); every part must exist (no 31/02/2024). See [`super::dates`].
pub fn parse_partial_date(input: &str) -> AppResult<Option<String>> {
    super::dates::parse(input)
}

/// A document as sent by a form or the API, before checking; `None` keeps what is stored.
#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct GuidanceInput {
    /// Any common spelling; stored in canonical form. Fixed once created.
    pub number: Option<String>,
    /// The number as the document writes it (defaults to what was typed).
    pub display_number: Option<String>,
    /// law, decree, circular, joint_circular, decision, directive, resolution, official_letter, guideline, other.
    pub kind: Option<String>,
    pub issuer: Option<String>,
    pub title_vi: Option<String>,
    pub title_en: Option<String>,
    /// YYYY-MM-DD, YYYY-MM or YYYY, or day first (DD/MM/YYYY, MM/YYYY); empty to clear.
    pub issued_on: Option<String>,
    pub effective_on: Option<String>,
    pub dates_verified: Option<bool>,
    /// in_force, amended, superseded or expired.
    pub status: Option<String>,
    pub official_url: Option<String>,
    pub summary: Option<String>,
    /// Numbers of documents this one amends.
    pub amends: Option<Vec<String>>,
    /// Numbers of documents this one supersedes.
    pub supersedes: Option<Vec<String>>,
}

const TITLE_MAX: usize = 500;
const SUMMARY_MAX: usize = 5000;
const SHORT_MAX: usize = 200;

/// Checks every field of a new document; the first problem found is reported.
pub fn validate_new(input: &GuidanceInput) -> AppResult<GuidanceFields> {
    let number = DocNumber::parse(input.number.as_deref().unwrap_or(""))?;
    let display = input.display_number.as_deref().map(clean_line).filter(|d| !d.is_empty());
    let display = display.unwrap_or_else(|| clean_line(input.number.as_deref().unwrap_or("")));
    let blank = GuidanceFields {
        number: number.as_str().to_string(),
        display_number: display,
        kind: String::new(),
        issuer: String::new(),
        title_vi: String::new(),
        title_en: String::new(),
        issued_on: None,
        effective_on: None,
        dates_verified: false,
        status: DocStatus::InForce.as_str().into(),
        official_url: String::new(),
        summary: String::new(),
    };
    if input.kind.is_none() {
        return Err(AppError::BadRequest(Msg::new("guidance.error.kind").arg("value", "")));
    }
    apply(blank, input)
}

/// `stored` with the fields `input` sends replaced, all checked again.
pub fn apply(mut g: GuidanceFields, input: &GuidanceInput) -> AppResult<GuidanceFields> {
    if let Some(number) = &input.number
        && DocNumber::parse(number)?.as_str() != g.number
    {
        return Err(AppError::bad("guidance.error.number_fixed"));
    }
    let set = |target: &mut String, value: &Option<String>, max: usize, key: &'static str| -> AppResult<()> {
        if let Some(v) = value {
            let v = if max > SHORT_MAX { clean(v) } else { clean_line(v) };
            if char_len(&v) > max {
                return Err(AppError::BadRequest(Msg::new(key).arg("max", max)));
            }
            *target = v;
        }
        Ok(())
    };
    set(&mut g.display_number, &input.display_number, SHORT_MAX, "guidance.error.too_long")?;
    if g.display_number.is_empty() {
        // Left empty: the document is shown by its number, never by an empty heading or link.
        g.display_number = g.number.clone();
    }
    set(&mut g.issuer, &input.issuer, SHORT_MAX, "guidance.error.too_long")?;
    set(&mut g.title_vi, &input.title_vi, TITLE_MAX, "guidance.error.too_long")?;
    set(&mut g.title_en, &input.title_en, TITLE_MAX, "guidance.error.too_long")?;
    set(&mut g.summary, &input.summary, SUMMARY_MAX, "guidance.error.too_long")?;
    if let Some(kind) = &input.kind {
        g.kind = Kind::parse(kind)?.as_str().into();
    }
    if let Some(status) = &input.status {
        g.status = DocStatus::parse(status)?.as_str().into();
    }
    if let Some(d) = &input.issued_on {
        g.issued_on = parse_partial_date(d)?;
    }
    if let Some(d) = &input.effective_on {
        g.effective_on = parse_partial_date(d)?;
    }
    if let Some(v) = input.dates_verified {
        g.dates_verified = v;
    }
    if let Some(url) = &input.official_url {
        g.official_url = parse_official_url(url)?;
    }
    check_whole(&g)?;
    Ok(g)
}

fn check_whole(g: &GuidanceFields) -> AppResult<()> {
    if g.title_vi.trim().is_empty() {
        return Err(AppError::bad("guidance.error.title_required"));
    }
    // Only full dates compare; a month-only date may well be "before" a full one in the same month.
    if let (Some(issued), Some(effective)) = (&g.issued_on, &g.effective_on)
        && issued.len() == 10
        && effective.len() == 10
        && effective < issued
    {
        return Err(AppError::bad("guidance.error.effective_before_issued"));
    }
    Ok(())
}

fn parse_official_url(input: &str) -> AppResult<String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    match url::Url::parse(s) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u.to_string()),
        _ => Err(AppError::bad("guidance.error.url")),
    }
}

/// The stored fields of a row, for applying a PATCH to.
pub fn fields_of(row: &GuidanceRow) -> GuidanceFields {
    GuidanceFields {
        number: row.number.clone(),
        display_number: row.display_number.clone(),
        kind: row.kind.clone(),
        issuer: row.issuer.clone(),
        title_vi: row.title_vi.clone(),
        title_en: row.title_en.clone(),
        issued_on: row.issued_on.clone(),
        effective_on: row.effective_on.clone(),
        dates_verified: row.dates_verified,
        status: row.status.clone(),
        official_url: row.official_url.clone(),
        summary: row.summary.clone(),
    }
}

pub use crate::domain::HOSPITAL_TIERS;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for number in ["43/2018/TT-BYT", "5316/QD-BYT", "15/2023/QH15", "11/2016/TTLT-BYT-BTC", "1234/BYT-KCB"] {
            assert_eq!(number_from_slug(&slug_of(number)).as_deref(), Some(number), "{number}");
        }
        assert_eq!(number_from_slug("43-2018-tt-byt"), None);
        assert_eq!(number_from_slug("043-2018-TT-BYT"), None);
    }

    #[test]
    fn partial_dates() {
        assert_eq!(parse_partial_date("2018-12-26").unwrap().as_deref(), Some("2018-12-26"));
        assert_eq!(parse_partial_date("2024-02").unwrap().as_deref(), Some("2024-02"));
        assert_eq!(parse_partial_date("").unwrap(), None);
        assert_eq!(parse_partial_date("26/12/2018").unwrap().as_deref(), Some("2018-12-26"));
        for bad in ["2023-02-30", "2018-13", "31/02/2024", "2018-1-5", "yesterday", "99999"] {
            assert!(parse_partial_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_number_must_be_the_whole_input() {
        assert_eq!(DocNumber::parse(" 43 / 2018 / tt - byt ").unwrap().as_str(), "43/2018/TT-BYT");
        assert_eq!(DocNumber::parse("5316/QÐ-BYT").unwrap().as_str(), "5316/QD-BYT");
        assert!(DocNumber::parse("see 43/2018/TT-BYT").is_err());
        assert!(DocNumber::parse("12/07/2013").is_err());
    }
}
