//! Steps of a person using two-factor sign-in, shared by the page tests and the log test
//! (which runs in a test binary of its own).

use goodpractice::accounts::two_factor::totp;

use crate::common::{PASSWORD, TestApp, attr_of, count, text_of};

pub const EMAIL: &str = "lan.dieuduong@bvtn.vn";
pub const NAME: &str = "Nguyễn Thị Lan";

pub fn location(res: &reqwest::Response) -> String {
    let value = res.headers().get("location").unwrap_or_else(|| panic!("expected a redirect, got {}", res.status()));
    value.to_str().unwrap().to_string()
}

/// Reads a response that must have `status` and returns its HTML.
pub async fn answered(res: reqwest::Response, status: u16) -> String {
    let got = res.status();
    let html = res.text().await.unwrap();
    let shown = text_of(&html, "p.error-message").or_else(|| text_of(&html, "p.form-error")).unwrap_or_default();
    assert_eq!(got, status, "{shown}");
    html
}

pub fn viewer_name(html: &str) -> Option<String> {
    text_of(html, "header.site .viewer")
}

pub async fn sign_out(app: &TestApp) {
    assert_eq!(app.post_form("/logout", &[]).await.status(), 303);
}

/// The code an authenticator app with this secret shows `steps_ahead` steps from now. Tests use
/// the next step's code after enrolling, since the step the enrolment used is spent.
pub fn code(secret: &str, steps_ahead: i64) -> String {
    let key = totp::base32_decode(secret).expect("the page shows base32");
    totp::totp(&key, chrono::Utc::now().timestamp() + steps_ahead * totp::STEP_SECONDS, totp::DIGITS, totp::Algorithm::Sha1)
}

/// A six-digit code that is not the current one.
pub fn wrong_code(secret: &str) -> String {
    let right: u32 = code(secret, 0).parse().unwrap();
    format!("{:06}", (right + 500_000) % 1_000_000)
}

pub struct Enrolled {
    pub secret: String,
    pub recovery_codes: Vec<String>,
}

/// Opens the two-factor settings, reads the secret the way a person would, confirms it with
/// the app's code and keeps the recovery codes shown.
pub async fn enrol(app: &TestApp) -> Enrolled {
    let (status, html) = app.get_text("/settings/two-factor").await;
    assert_eq!(status, 200);
    let secret = text_of(&html, "#two-factor-secret").expect("the secret is shown as text");
    assert_eq!(count(&html, "figure.qr svg[role=img]"), 1, "an inline QR code");
    assert!(attr_of(&html, "figure.qr svg", "aria-label").is_some_and(|l| !l.is_empty()));
    assert_eq!(count(&html, "img"), 0, "no picture fetched from anywhere");
    let html = answered(app.post_form("/settings/two-factor/enable", &[("code", &wrong_code(&secret))]).await, 422).await;
    assert!(text_of(&html, "p.form-error").unwrap().contains("Mã không đúng"));
    let res = app.post_form("/settings/two-factor/enable", &[("code", &code(&secret, 0))]).await;
    assert_eq!(res.headers()["cache-control"], "no-store");
    let html = answered(res, 200).await;
    let recovery_codes = codes_listed(&html);
    assert_eq!(recovery_codes.len(), 10);
    Enrolled { secret: secret.replace(' ', ""), recovery_codes }
}

pub fn codes_listed(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("ul.recovery-codes li code").unwrap();
    doc.select(&sel).map(|e| e.text().collect::<String>()).collect()
}

/// Password step: the browser is sent to the code page, not signed in.
pub async fn password_step(app: &TestApp) {
    let res = app.login(EMAIL, PASSWORD).await;
    assert_eq!((res.status().as_u16(), location(&res)), (303, "/login/two-factor".to_string()));
}

pub async fn code_step(app: &TestApp, typed: &str) -> reqwest::Response {
    app.post_form("/login/two-factor", &[("code", typed)]).await
}

pub async fn signed_up_and_enrolled(app: &TestApp) -> Enrolled {
    assert_eq!(app.signup(EMAIL, NAME).await.status(), 303);
    let enrolled = enrol(app).await;
    sign_out(app).await;
    enrolled
}
