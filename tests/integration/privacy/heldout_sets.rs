//! The patient-data check on labelled sets it was not tuned on (issue #14): each held-out file
//! in tests/data, its sentence-level precision and recall (a sentence with any identifier must
//! be held, a clean one, or one with hints only, must not). First runs and protocols are in
//! docs/BENCHMARKS.md.

/// tests/data/patient-data-heldout.tsv: 264 sentences, half typed without diacritics, written
/// before the record-number, address and hint rules (see the file's header). A sentence with
/// any identifier must be held, a clean one (hints only) must not.
#[test]
fn the_check_holds_the_held_out_sentences_with_identifiers_and_no_others() {
    use goodpractice::moderation::checks::eval;
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/patient-data-heldout.tsv")).unwrap();
    let set = eval::parse(&tsv).unwrap();
    let plain = set.iter().filter(|l| !search_index::analysis::has_diacritics(&l.sentence)).count();
    assert!(set.len() >= 250 && plain * 2 >= set.len(), "{} sentences, {plain} without diacritics", set.len());
    let report = eval::evaluate(&set);
    let misses: Vec<String> = report.misses.iter().map(ToString::to_string).collect();
    let held = report.sentence_level;
    assert!(held.recall() >= 0.95, "sentence-level recall {:.3}\n{report}\n{}", held.recall(), misses.join("\n"));
    assert!(held.precision() >= 0.95, "sentence-level precision {:.3}\n{report}\n{}", held.precision(), misses.join("\n"));
}

/// tests/data/patient-data-heldout-2.tsv: 300 sentences (150 without diacritics) written by a
/// helper who never saw the detector, its code or the earlier sets, from the kind definitions
/// only; copied unedited. Its first run (before any change) held sentences with precision 0.961
/// and recall 0.885, short of the target; general rules for the classes it missed
/// (named hamlets with their commune, device insertion and removal as procedures, a few words
/// between "ngày sinh" and the date, "điện tử"/"ngoại trú" record codes) brought it to 0.964 and
/// 0.964. The target is asserted; since those rules were made after reading its misses, this set
/// is now a development set too (docs/BENCHMARKS.md keeps the first-run numbers).
#[test]
fn the_check_on_a_set_written_by_someone_who_never_saw_it() {
    use goodpractice::moderation::checks::eval;
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/patient-data-heldout-2.tsv")).unwrap();
    let set = eval::parse(&tsv).unwrap();
    let plain = set.iter().filter(|l| !search_index::analysis::has_diacritics(&l.sentence)).count();
    assert!(set.len() == 300 && plain == 150, "{} sentences, {plain} without diacritics", set.len());
    let report = eval::evaluate(&set);
    let misses: Vec<String> = report.misses.iter().map(ToString::to_string).collect();
    let held = report.sentence_level;
    assert!(held.precision() >= 0.95, "sentence-level precision {:.3}\n{report}\n{}", held.precision(), misses.join("\n"));
    assert!(held.recall() >= 0.95, "sentence-level recall {:.3}\n{report}\n{}", held.recall(), misses.join("\n"));
}

/// tests/data/patient-data-heldout-3.tsv: 320 sentences (160 without diacritics) written by a
/// third helper who never saw the detector, its rules or the earlier sets; copied unedited.
/// First run (detector 754b539): sentence-level precision 0.992, recall 0.847. Rules were then
/// added looking only at its odd data lines; the even lines, scored once at the end, gave
/// precision 0.965 and recall 0.859, the whole file 0.985 and 0.938 (docs/BENCHMARKS.md, "A third
/// independent set"). With the rules written for the fourth set (before it was read, then from
/// its odd lines), the whole file gives 0.993 and 0.979; this asserts that floor (recall ≥ 0.97)
/// and the precision target (≥ 0.95). The third set's even lines were scored (not read) again
/// only to check that no rule lowered them.
#[test]
fn the_check_on_a_third_set_written_by_someone_who_never_saw_it() {
    use goodpractice::moderation::checks::eval;
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/patient-data-heldout-3.tsv")).unwrap();
    let set = eval::parse(&tsv).unwrap();
    let plain = set.iter().filter(|l| !search_index::analysis::has_diacritics(&l.sentence)).count();
    assert!(set.len() == 320 && plain == 160, "{} sentences, {plain} without diacritics", set.len());
    let report = eval::evaluate(&set);
    let misses: Vec<String> = report.misses.iter().map(ToString::to_string).collect();
    let held = report.sentence_level;
    assert!(held.precision() >= 0.95, "sentence-level precision {:.3}\n{report}\n{}", held.precision(), misses.join("\n"));
    assert!(held.recall() >= 0.97, "sentence-level recall {:.3}\n{report}\n{}", held.recall(), misses.join("\n"));
}

/// tests/data/patient-data-heldout-4.tsv: 400 sentences (200 without diacritics) written by a
/// fourth helper who never saw the detector, its code, its rules or the earlier sets, labelled
/// from the kind definitions only; copied unedited (commit 1e3d679) before anyone looked at it.
/// First run with the detector of main (3ee00c7): sentence-level precision 0.956, recall 0.864;
/// with this branch's rules written before the set was read (540fc73): 0.957 and 0.905. Rules
/// were then added looking only at its odd data lines; the even lines, scored once at the end,
/// gave precision 0.971 and recall 0.919 (short of 0.95), the whole file 0.979 and 0.955. The
/// whole file reaches the targets only because half of it was tuned on: this asserts
/// them (precision ≥ 0.95, recall ≥ 0.95) as a floor against regressions, not as the honest
/// measure, which is the test half's (docs/BENCHMARKS.md, "A fourth independent set").
#[test]
fn the_check_on_a_fourth_set_written_by_someone_who_never_saw_it() {
    use goodpractice::moderation::checks::eval;
    let tsv = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/patient-data-heldout-4.tsv")).unwrap();
    let set = eval::parse(&tsv).unwrap();
    let plain = set.iter().filter(|l| !search_index::analysis::has_diacritics(&l.sentence)).count();
    assert!(set.len() == 400 && plain == 200, "{} sentences, {plain} without diacritics", set.len());
    let report = eval::evaluate(&set);
    let misses: Vec<String> = report.misses.iter().map(ToString::to_string).collect();
    let held = report.sentence_level;
    assert!(held.precision() >= 0.95, "sentence-level precision {:.3}\n{report}\n{}", held.precision(), misses.join("\n"));
    assert!(held.recall() >= 0.95, "sentence-level recall {:.3}\n{report}\n{}", held.recall(), misses.join("\n"));
}
