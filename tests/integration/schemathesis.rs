//! The API contract, checked from outside by schemathesis (PyPI; `.ci/run` installs it): every
//! operation of `/api/openapi.json` is called with generated valid and invalid data, as an admin
//! (the widest access), and every check schemathesis has must pass: no server error, only
//! documented statuses, answers matching their schemas, invalid data refused, valid data
//! accepted (with the per-operation exceptions explained in `tests/schemathesis/schemathesis.toml`).
//!
//! Bounded: `GP_SCHEMATHESIS_SECONDS` (default 90) of generation per database, and the process is
//! killed two minutes past that. `GP_REQUIRE_SCHEMATHESIS=1` turns a missing schemathesis into a
//! failure (CI sets it); `GP_SCHEMATHESIS` names the executable.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use goodpractice::accounts::Role;
use serde_json::json;

use crate::common::TestApp;
use crate::on_both_databases;

fn required() -> bool {
    std::env::var("GP_REQUIRE_SCHEMATHESIS").is_ok_and(|v| v == "1" || v.eq_ignore_ascii_case("true"))
}

/// The schemathesis executable: `GP_SCHEMATHESIS`, the virtualenv `.ci/run` makes, or PATH.
fn schemathesis() -> Option<PathBuf> {
    let candidates = std::env::var_os("GP_SCHEMATHESIS")
        .map(PathBuf::from)
        .into_iter()
        .chain([PathBuf::from("/opt/gp-schemathesis/bin/schemathesis")])
        .chain(
            std::env::var_os("PATH")
                .into_iter()
                .flat_map(|p| std::env::split_paths(&p).map(|d| d.join("schemathesis")).collect::<Vec<_>>()),
        );
    candidates.into_iter().find(|p| p.is_file())
}

fn seconds() -> u64 {
    std::env::var("GP_SCHEMATHESIS_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(90)
}

/// Something for the operations to find: a question with a reply, so ids in paths can exist.
async fn arrange(app: &TestApp, token: &str) {
    let topic = app
        .api_topic(token, json!({"category": "medication-safety", "kind": "question", "title": "Dán nhãn thuốc nguy cơ cao thế nào?", "body": "Khoa các anh chị dán nhãn kali clorid ra sao?"}))
        .await;
    let res = app.post_json(&format!("/api/v1/topics/{topic}/posts"), Some(token), &json!({"body": "Nhãn đỏ, để riêng một ngăn."})).await;
    assert_eq!(res.status(), 201);
}

async fn the_api_keeps_its_documented_contract(app: TestApp) {
    let Some(executable) = schemathesis() else {
        assert!(!required(), "GP_REQUIRE_SCHEMATHESIS=1 but schemathesis was not found (run .ci/run, or set GP_SCHEMATHESIS)");
        eprintln!("skipping: schemathesis is not installed");
        return;
    };
    let token = app.token_for("quantri@bvtn.vn", "Quản Trị Viên", Role::Admin).await;
    arrange(&app, &token).await;
    let config = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis/schemathesis.toml");
    let report = tempfile::tempdir().unwrap();
    let log_path = report.path().join("schemathesis.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = std::process::Command::new(&executable)
        .arg("--config-file")
        .arg(&config)
        .arg("run")
        .arg(app.url("/api/openapi.json"))
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--max-time", &seconds().to_string(), "--workers", "1", "--seed", "20261207", "--no-color"])
        .current_dir(report.path())
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start schemathesis");
    // The app answers on this runtime, so wait without blocking it; stop a run that hangs.
    let deadline = std::time::Instant::now() + Duration::from_secs(seconds() + 120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("schemathesis is running") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("schemathesis ran past its time limit:\n{}", tail(&std::fs::read_to_string(&log_path).unwrap_or_default(), 100));
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let text = String::from_utf8_lossy(&std::fs::read(&log_path).unwrap()).into_owned();
    let summary = text.lines().rev().find(|l| l.starts_with('=') && l.contains(" in ")).unwrap_or("").to_string();
    eprintln!("schemathesis on {}: {summary}", app.backend);
    assert!(status.success(), "schemathesis found problems on {}:\n{}", app.backend, tail(&text, 250));
}

/// The last `lines` lines, long lines cut (a generated body can be megabytes).
fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].iter().map(|l| l.chars().take(400).collect::<String>()).collect::<Vec<_>>().join("\n")
}

on_both_databases!(the_api_keeps_its_documented_contract);
