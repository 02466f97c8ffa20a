//! Auto-checks run on every new post and edit: pure functions over text, no database, no HTTP.
//! The moderation service decides what a finding means (hold, block, flag for review); these
//! functions only say what they found and where, as byte ranges in the text they were given.
//!
//! - [`patient_data`]: suspected patient identifiers (citizen ID, old ID, health-insurance card,
//!   phone, email, date of birth, patient name, hospital record number, home address, a date of
//!   admission, discharge, operation, visit or death), with or without diacritics, and hints
//!   that hold nothing (a birth year, a bed or room number).
//!   Its labelling policy and measured precision/recall are in `README.md` beside this file.
//! - [`apply_watched_words`]: the admin's watched words (block, hold, replace).
//! - [`link_count`], [`image_count`]: for new-user limits.
//! - [`near_duplicate`]: for flood and duplicate detection.
//! - [`highlight_html`]: the text with the matched parts marked, for the moderator.

mod addresses;
mod bare_names;
mod birth_dates;
mod duplicates;
pub mod eval;
mod folded;
mod highlight;
mod identifiers;
mod markdown_counts;
mod name_lists;
mod names;
mod patient_date_words;
mod patient_dates;
mod records;
mod rooms;
mod watched;

use std::ops::Range;

pub use duplicates::near_duplicate;
pub use highlight::{highlight_html, mark_in_html};
pub use markdown_counts::{image_count, link_count};
pub use watched::{
    DEFAULT_REPLACEMENT, MAX_PATTERN_CHARS, PatternError, WatchedAction, WatchedOutcome, WatchedWord, apply_watched_words, parse_pattern,
};

/// What kind of patient identifier a finding looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    CitizenId,
    OldIdNumber,
    InsuranceCard,
    Phone,
    Email,
    BirthDate,
    PatientName,
    BedRoom,
    MedicalRecordNumber,
    StreetAddress,
    BirthYear,
    PatientDate,
}

impl FindingKind {
    pub const ALL: [FindingKind; 12] = [
        FindingKind::CitizenId,
        FindingKind::OldIdNumber,
        FindingKind::InsuranceCard,
        FindingKind::Phone,
        FindingKind::Email,
        FindingKind::BirthDate,
        FindingKind::PatientName,
        FindingKind::BedRoom,
        FindingKind::MedicalRecordNumber,
        FindingKind::StreetAddress,
        FindingKind::BirthYear,
        FindingKind::PatientDate,
    ];

    /// The snake_case name, as serialised and as written in the labelled set.
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::CitizenId => "citizen_id",
            FindingKind::OldIdNumber => "old_id_number",
            FindingKind::InsuranceCard => "insurance_card",
            FindingKind::Phone => "phone",
            FindingKind::Email => "email",
            FindingKind::BirthDate => "birth_date",
            FindingKind::PatientName => "patient_name",
            FindingKind::BedRoom => "bed_room",
            FindingKind::MedicalRecordNumber => "medical_record_number",
            FindingKind::StreetAddress => "street_address",
            FindingKind::BirthYear => "birth_year",
            FindingKind::PatientDate => "patient_date",
        }
    }

    /// The message key of the reason shown to the moderator.
    pub fn i18n_key(self) -> &'static str {
        match self {
            FindingKind::CitizenId => "moderation.finding.citizen_id",
            FindingKind::OldIdNumber => "moderation.finding.old_id_number",
            FindingKind::InsuranceCard => "moderation.finding.insurance_card",
            FindingKind::Phone => "moderation.finding.phone",
            FindingKind::Email => "moderation.finding.email",
            FindingKind::BirthDate => "moderation.finding.birth_date",
            FindingKind::PatientName => "moderation.finding.patient_name",
            FindingKind::BedRoom => "moderation.finding.bed_room",
            FindingKind::MedicalRecordNumber => "moderation.finding.medical_record_number",
            FindingKind::StreetAddress => "moderation.finding.street_address",
            FindingKind::BirthYear => "moderation.finding.birth_year",
            FindingKind::PatientDate => "moderation.finding.patient_date",
        }
    }

    /// A hint is shown to the author and the moderator but never holds a post: a birth year or
    /// a bed/room number alone identifies nobody (they are in nearly every incident report).
    pub fn is_hint(self) -> bool {
        matches!(self, FindingKind::BedRoom | FindingKind::BirthYear)
    }

    /// The placeholder offered in place of the words found ("[số điện thoại]"), a message key.
    pub fn placeholder_key(self) -> &'static str {
        match self {
            FindingKind::CitizenId | FindingKind::OldIdNumber => "preview.placeholder.id_number",
            FindingKind::InsuranceCard => "preview.placeholder.insurance_card",
            FindingKind::Phone => "preview.placeholder.phone",
            FindingKind::Email => "preview.placeholder.email",
            FindingKind::BirthDate | FindingKind::BirthYear => "preview.placeholder.birth_date",
            FindingKind::PatientName => "preview.placeholder.patient_name",
            FindingKind::BedRoom => "preview.placeholder.bed_room",
            FindingKind::MedicalRecordNumber => "preview.placeholder.medical_record_number",
            FindingKind::StreetAddress => "preview.placeholder.street_address",
            FindingKind::PatientDate => "preview.placeholder.patient_date",
        }
    }
}

impl std::str::FromStr for FindingKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FindingKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown finding kind: {s}"))
    }
}

/// One suspected identifier: its kind and where it is (a byte range of the checked text, on
/// character boundaries). Serialised as `{"kind": "phone", "range": {"start": 4, "end": 16}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub range: Range<usize>,
}

/// Suspected patient data in `text` (NFC, with or without diacritics), in text order. A finding
/// is a reason to hold the post for a moderator, not proof: the detectors are tuned for recall
/// on identifiers and few false alarms on clinical prose (doses, dates of incidents, document
/// numbers, lab values, bed counts).
pub fn patient_data(text: &str) -> Vec<Finding> {
    let mut findings = identifiers::find(text);
    findings.extend(birth_dates::find(text));
    let names = names::find(text);
    findings.extend(bare_names::find(text, &names));
    findings.extend(names);
    findings.extend(rooms::find(text));
    findings.extend(addresses::find(text));
    let records = records::find(text);
    // The digits of a record number ("mã BN 230045671") are that record number, not an old ID.
    findings.retain(|f| {
        !matches!(f.kind, FindingKind::OldIdNumber | FindingKind::CitizenId | FindingKind::Phone)
            || !records.iter().any(|r| r.range.start <= f.range.start && f.range.end <= r.range.end)
    });
    findings.extend(records);
    // A date that is part of a date of birth, an address ("16/2 ngõ Quỳnh") or a record number
    // is that, not a date of care.
    let dates: Vec<Finding> =
        patient_dates::find(text).into_iter().filter(|d| !findings.iter().any(|f| overlaps(&f.range, &d.range))).collect();
    findings.extend(dates);
    drop_contained_duplicates(findings)
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    a.start < b.end && b.start < a.end
}

/// Whether `text` has suspected patient data that holds a post (hints do not).
pub fn holds_patient_data(text: &str) -> bool {
    patient_data(text).iter().any(|f| !f.kind.is_hint())
}

/// In text order, one finding per kind and place: a finding inside another of the same kind
/// adds nothing. (Sorted by start, longest first, a finding is inside an earlier one of its kind
/// exactly when that kind has already reached its end.)
fn drop_contained_duplicates(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end), f.kind));
    let mut reached: std::collections::HashMap<FindingKind, usize> = std::collections::HashMap::new();
    findings.retain(|f| {
        let end = reached.entry(f.kind).or_insert(0);
        let inside = *end >= f.range.end && f.range.start < *end;
        *end = (*end).max(f.range.end);
        !inside
    });
    findings
}

#[cfg(test)]
mod tests;
