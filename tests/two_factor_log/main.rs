//! Nothing secret of two-factor sign-in reaches the log. A test binary of its own, so the
//! whole process logs at TRACE into one buffer (a subscriber for one thread misses events
//! while other tests run beside it).

#[allow(dead_code)]
#[path = "../integration/common.rs"]
mod common;
#[allow(dead_code)]
#[path = "../integration/two_factor_steps.rs"]
mod two_factor_steps;

use std::sync::{Arc, Mutex};

use goodpractice::accounts::two_factor::totp;

use common::{PASSWORD, TestApp};
use two_factor_steps::*;

/// Collects every log line the process writes.
#[derive(Clone, Default)]
struct CapturedLog(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for CapturedLog {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Enrols, signs in with a wrong code, the right code and a recovery code, with every event of
/// the app, the store and the web stack written at TRACE; then looks for each secret in it.
#[tokio::test]
async fn secrets_and_codes_never_reach_the_log() {
    let log = CapturedLog::default();
    let writer = log.clone();
    // The test's own HTTP client (reqwest, hyper) is left out: it is the browser, not the app.
    let filter = tracing_subscriber::EnvFilter::new("trace,reqwest=off,hyper_util=off,hyper=off");
    let subscriber = tracing_subscriber::fmt().with_env_filter(filter).with_writer(move || writer.clone()).with_ansi(false).finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only test in this binary sets the logger");

    let app = TestApp::sqlite().await;
    let enrolled = signed_up_and_enrolled(&app).await;
    let used_code = code(&enrolled.secret, 1);
    password_step(&app).await;
    answered(code_step(&app, &wrong_code(&enrolled.secret)).await, 401).await;
    assert_eq!(code_step(&app, &used_code).await.status(), 303);
    sign_out(&app).await;
    password_step(&app).await;
    assert_eq!(code_step(&app, &enrolled.recovery_codes[0]).await.status(), 303);

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(
        text.contains("two-factor sign-in turned on"),
        "the log was captured: {} bytes\n{}",
        text.len(),
        text.chars().take(3000).collect::<String>()
    );
    let grouped = totp::grouped(&enrolled.secret);
    let mut secrets = vec![enrolled.secret.as_str(), grouped.as_str(), used_code.as_str(), PASSWORD];
    secrets.extend(enrolled.recovery_codes.iter().map(String::as_str));
    for secret in secrets {
        assert!(!text.contains(secret), "{secret:?} is in the log");
    }
}
