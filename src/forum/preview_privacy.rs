//! The patient-data warning of a preview: the same check that holds a post, run on each field
//! the author is writing (the body, a case study's sections), with the words found, why, and a
//! placeholder to put in their place ("[tên người bệnh]", "[số điện thoại]"). The replacement
//! is done here for the form without JavaScript and by `engagement.js` with it.
//!
//! Offsets are *characters* (Unicode scalar values, as Rust `chars()` and JavaScript
//! `Array.from` count them) into the field after NFC normalisation and trimming, which is the
//! text as submitted whenever it was already NFC (what browsers send for Vietnamese typed there).

use super::case_study::{Section, Sections};
use crate::moderation::checks::{self, FindingKind};

/// One suspected identifier in one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFinding {
    /// `body`, or a case study section's key (`context`, `problem`, …).
    pub field: &'static str,
    pub kind: FindingKind,
    pub text: String,
    /// Character offsets into the field (see the module header).
    pub start: usize,
    pub end: usize,
}

impl FieldFinding {
    /// A hint is shown but would not hold the post.
    pub fn hint(&self) -> bool {
        self.kind.is_hint()
    }

    /// The value of the form's replace button for this finding: `field:start:end`.
    pub fn token(&self) -> String {
        format!("{}:{}:{}", self.field, self.start, self.end)
    }
}

/// The fields of a form or API request, cleaned as they will be stored.
pub fn fields(body: &str, sections: &Sections) -> Vec<(&'static str, String)> {
    let mut out = vec![("body", crate::text::clean(body))];
    out.extend(Section::ALL.iter().map(|s| (s.key(), crate::text::clean(sections.get(*s)))).filter(|(_, t)| !t.is_empty()));
    out
}

/// Suspected patient data in each field, in field and text order.
pub fn find(fields: &[(&'static str, String)]) -> Vec<FieldFinding> {
    fields.iter().flat_map(|(field, text)| find_in(field, text)).collect()
}

fn find_in(field: &'static str, text: &str) -> Vec<FieldFinding> {
    checks::patient_data(text)
        .into_iter()
        .map(|f| FieldFinding {
            field,
            kind: f.kind,
            text: text[f.range.clone()].to_string(),
            start: text[..f.range.start].chars().count(),
            end: text[..f.range.end].chars().count(),
        })
        .collect()
}

/// Which findings a form's replace button asks to replace: `all` (every finding that would
/// hold the post) or one `field:start:end` token.
pub enum Replace<'a> {
    All,
    One(&'a str),
}

impl<'a> Replace<'a> {
    pub fn parse(raw: &'a str) -> Option<Replace<'a>> {
        match raw.trim() {
            "" => None,
            "all" => Some(Replace::All),
            token => Some(Replace::One(token)),
        }
    }

    fn wants(&self, f: &FieldFinding) -> bool {
        match self {
            Replace::All => !f.hint(),
            Replace::One(token) => f.token() == *token,
        }
    }
}

/// `text` with the chosen findings of `field` replaced by their placeholders. Findings are
/// found again on the text itself, so a stale or forged token replaces nothing.
pub fn replace(field: &'static str, text: &str, which: &Replace, placeholder: impl Fn(FindingKind) -> String) -> String {
    let mut chosen: Vec<FieldFinding> = find_in(field, text).into_iter().filter(|f| which.wants(f)).collect();
    chosen.sort_by_key(|f| std::cmp::Reverse(f.start));
    let mut chars: Vec<char> = text.chars().collect();
    let mut last_start = usize::MAX;
    for f in chosen {
        // Overlapping findings of two kinds: the later one (taken first) wins.
        if f.end > last_start {
            continue;
        }
        chars.splice(f.start..f.end, placeholder(f.kind).chars());
        last_start = f.start;
    }
    chars.into_iter().collect()
}

/// Replaces the chosen findings in a form's body and sections (all cleaned as they will be stored).
pub fn replace_in_form(body: &mut String, sections: &mut Sections, which: &Replace, placeholder: impl Fn(FindingKind) -> String) {
    *body = replace("body", &crate::text::clean(body), which, &placeholder);
    for s in Section::ALL {
        let text = sections.get_mut(s);
        if !text.trim().is_empty() {
            *text = replace(s.key(), &crate::text::clean(text), which, &placeholder);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholder(kind: FindingKind) -> String {
        match kind {
            FindingKind::Phone => "[số điện thoại]".into(),
            FindingKind::PatientName => "[tên người bệnh]".into(),
            other => format!("[{}]", other.as_str()),
        }
    }

    #[test]
    fn offsets_are_characters_and_replacing_all_leaves_hints() {
        let text = "Bệnh nhân Nguyễn Văn Nam, sinh năm 1958, gọi 0912 345 678.";
        let found = find(&fields(text, &Sections::default()));
        let phone = found.iter().find(|f| f.kind == FindingKind::Phone).unwrap();
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(chars[phone.start..phone.end].iter().collect::<String>(), "0912 345 678");
        let out = replace("body", text, &Replace::All, placeholder);
        assert_eq!(out, "Bệnh nhân [tên người bệnh], sinh năm 1958, gọi [số điện thoại].");
    }

    #[test]
    fn one_token_replaces_one_finding_and_a_forged_token_nothing() {
        let text = "BN Trần Văn Hùng, SĐT 0912 345 678";
        let found = find(&fields(text, &Sections::default()));
        let phone = found.iter().find(|f| f.kind == FindingKind::Phone).unwrap().token();
        assert_eq!(replace("body", text, &Replace::One(&phone), placeholder), "BN Trần Văn Hùng, SĐT [số điện thoại]");
        assert_eq!(replace("body", text, &Replace::One("body:0:99999"), placeholder), text);
    }
}
