//! `goodpractice eval patient-data`: precision and recall of the patient-data check, as a
//! maintainer runs it after adding sentences to a labelled set.

use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_goodpractice");

fn eval(args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(["eval", "patient-data"]).args(args).env("RUST_LOG", "warn").env("RUST_BACKTRACE", "0");
    for var in ["DATABASE_URL", "GP_DATABASE_URL", "GP_CONFIG", "GP_DATA_DIR"] {
        cmd.env_remove(var);
    }
    cmd.output().expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_built_in_set_is_scored_per_part_and_per_kind() {
    let out = eval(&[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for heading in ["development part", "held-out part", "fresh part", "all parts"] {
        assert!(report.contains(heading), "{heading} missing in\n{report}");
    }
    for kind in ["citizen_id", "old_id_number", "insurance_card", "phone", "email", "birth_date", "patient_name", "bed_room", "overall"] {
        assert!(report.lines().any(|l| l.starts_with(kind)), "{kind} missing in\n{report}");
    }
}

#[test]
fn a_file_is_scored_and_verbose_lists_the_misses() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("set.tsv");
    let set = "# a comment\nphone\tGọi 0912 345 678 nhé.\nnone\tLiều 500 mg mỗi 12 giờ.\nemail\tKhông có email ở đây.\n";
    std::fs::write(&file, set).unwrap();
    let out = eval(&[file.to_str().unwrap(), "--verbose"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    let overall = report.lines().find(|l| l.starts_with("overall")).unwrap();
    assert_eq!(overall.split_whitespace().collect::<Vec<_>>(), ["overall", "1", "0", "1", "1.000", "0.500"]);
    assert!(report.contains("3 sentences (0 without diacritics), 1 with a wrong set of kinds"), "{report}");
    assert!(report.contains("line 4: expected email, found none\n    Không có email ở đây."), "{report}");
}

#[test]
fn a_malformed_file_is_refused_with_the_line_number() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.tsv");
    std::fs::write(&file, "phone\tGọi 0912 345 678.\nfax\tSố fax 024 3826 1234.\n").unwrap();
    let out = eval(&[file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("line 2: unknown finding kind: fax"), "{}", text(&out.stderr));
    let missing = eval(&[dir.path().join("missing.tsv").to_str().unwrap()]);
    assert!(!missing.status.success());
    assert!(text(&missing.stderr).contains("cannot read"), "{}", text(&missing.stderr));
}
