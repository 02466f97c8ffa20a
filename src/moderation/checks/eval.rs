//! Precision and recall of [`patient_data`](super::patient_data) on a labelled set: one
//! sentence per line, `expected kinds<TAB>sentence`, the kinds a comma list of
//! [`FindingKind`] names or `none`; `#` starts a comment line. Scored per sentence and kind:
//! a kind found in a sentence that expects it is a true positive, found but not expected a false
//! positive, expected but not found a false negative (where in the sentence does not count).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::{FindingKind, patient_data};

/// The part of the built-in set the detectors were tuned on.
pub const DEVELOPMENT_SET: &str = include_str!("patient_data_set.tsv");
/// The part written with it and kept out of tuning.
pub const HELD_OUT_SET: &str = include_str!("patient_data_heldout.tsv");
/// Sentences written after the detectors, in the style of real posts; scored once before any
/// change (the first result is in docs/BENCHMARKS.md), then used like the development part.
pub const FRESH_SET: &str = include_str!("patient_data_fresh.tsv");

/// Record numbers, addresses, hints and institutional numbers (issue 14): 99 sentences written
/// after those detectors; its first score is in docs/BENCHMARKS.md.
pub const ISSUE_14_SET: &str = include_str!("patient_data_issue14.tsv");

/// Dates of a patient's care and the dates that are no one's (issue 14): 73 sentences written
/// after the patient-date detector; its first score is in docs/BENCHMARKS.md.
pub const PATIENT_DATES_SET: &str = include_str!("patient_data_dates.tsv");

/// The built-in labelled sets with their names, in the order the command reports them.
pub const BUILT_IN_SETS: [(&str, &str); 5] = [
    ("development part (tuned on)", DEVELOPMENT_SET),
    ("held-out part (never tuned on)", HELD_OUT_SET),
    ("fresh part (written after the detectors)", FRESH_SET),
    ("record numbers and addresses (written after their detectors)", ISSUE_14_SET),
    ("patient dates (written after their detector)", PATIENT_DATES_SET),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Labelled {
    pub line: usize,
    pub expected: BTreeSet<FindingKind>,
    pub sentence: String,
}

/// The sentences of a labelled set, or the first malformed line.
pub fn parse(tsv: &str) -> Result<Vec<Labelled>, String> {
    let mut out = Vec::new();
    for (index, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let line_number = index + 1;
        let (labels, sentence) = line.split_once('\t').ok_or_else(|| format!("line {line_number}: expected `kinds<TAB>sentence`"))?;
        let expected = parse_labels(labels).map_err(|e| format!("line {line_number}: {e}"))?;
        out.push(Labelled { line: line_number, expected, sentence: sentence.trim().to_string() });
    }
    Ok(out)
}

fn parse_labels(labels: &str) -> Result<BTreeSet<FindingKind>, String> {
    if labels.trim() == "none" {
        return Ok(BTreeSet::new());
    }
    labels.split(',').map(|l| l.trim().parse::<FindingKind>()).collect()
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Counts {
    /// 1.0 when nothing was found (no false alarm was raised).
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }

    /// 1.0 when nothing was expected.
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }

    fn add(&mut self, other: Counts) {
        self.true_positives += other.true_positives;
        self.false_positives += other.false_positives;
        self.false_negatives += other.false_negatives;
    }
}

/// The counts one (sentence, kind) pair adds.
fn score(expected: bool, found: bool) -> Counts {
    Counts {
        true_positives: usize::from(expected && found),
        false_positives: usize::from(!expected && found),
        false_negatives: usize::from(expected && !found),
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 { 1.0 } else { part as f64 / whole as f64 }
}

/// A sentence the check got wrong: what was expected and what it found.
#[derive(Debug, Clone)]
pub struct Miss {
    pub labelled: Labelled,
    pub found: BTreeSet<FindingKind>,
    /// The text of each finding, for the report.
    pub matched: Vec<(FindingKind, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Report {
    pub sentences: usize,
    pub per_kind: BTreeMap<FindingKind, Counts>,
    /// All kinds together, on the sentences typed without diacritics only.
    pub without_diacritics: Counts,
    pub sentences_without_diacritics: usize,
    /// Per sentence, what the check is for: a sentence with any identifier (not a hint) must be
    /// held, a sentence without one must not.
    pub sentence_level: Counts,
    pub misses: Vec<Miss>,
}

impl Report {
    /// Micro-averaged over every (sentence, kind) pair.
    pub fn overall(&self) -> Counts {
        let mut all = Counts::default();
        for counts in self.per_kind.values() {
            all.add(*counts);
        }
        all
    }
}

pub fn evaluate(set: &[Labelled]) -> Report {
    let mut report = Report { sentences: set.len(), ..Report::default() };
    for labelled in set {
        let findings = patient_data(&labelled.sentence);
        let found: BTreeSet<FindingKind> = findings.iter().map(|f| f.kind).collect();
        let plain = !search_index::analysis::has_diacritics(&labelled.sentence);
        report.sentences_without_diacritics += usize::from(plain);
        for kind in FindingKind::ALL {
            let outcome = score(labelled.expected.contains(&kind), found.contains(&kind));
            report.per_kind.entry(kind).or_default().add(outcome);
            if plain {
                report.without_diacritics.add(outcome);
            }
        }
        let holds = |kinds: &BTreeSet<FindingKind>| kinds.iter().any(|k| !k.is_hint());
        report.sentence_level.add(score(holds(&labelled.expected), holds(&found)));
        if found != labelled.expected {
            let matched = findings.iter().map(|f| (f.kind, labelled.sentence[f.range.clone()].to_string())).collect();
            report.misses.push(Miss { labelled: labelled.clone(), found, matched });
        }
    }
    report
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{:<22} {:>4} {:>4} {:>4} {:>9} {:>7}", "kind", "tp", "fp", "fn", "precision", "recall")?;
        let rows = self
            .per_kind
            .iter()
            .map(|(k, c)| (if k.is_hint() { format!("{} (hint)", k.as_str()) } else { k.as_str().to_string() }, *c))
            .chain([
                ("overall".to_string(), self.overall()),
                ("no diacritics".to_string(), self.without_diacritics),
                ("sentences held".to_string(), self.sentence_level),
            ]);
        for (name, c) in rows {
            writeln!(
                f,
                "{:<22} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
                name,
                c.true_positives,
                c.false_positives,
                c.false_negatives,
                c.precision(),
                c.recall()
            )?;
        }
        write!(
            f,
            "{} sentences ({} without diacritics), {} with a wrong set of kinds",
            self.sentences,
            self.sentences_without_diacritics,
            self.misses.len()
        )
    }
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |kinds: &BTreeSet<FindingKind>| {
            if kinds.is_empty() { "none".to_string() } else { kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(",") }
        };
        write!(f, "line {}: expected {}, found {}", self.labelled.line, names(&self.labelled.expected), names(&self.found))?;
        for (kind, text) in &self.matched {
            write!(f, " [{}: {text}]", kind.as_str())?;
        }
        write!(f, "\n    {}", self.labelled.sentence)
    }
}
