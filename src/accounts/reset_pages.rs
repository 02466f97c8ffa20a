//! "Quên mật khẩu": asking for a reset link, and the page the mailed link opens.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::reset;
use crate::app::AppState;
use crate::error::AppResult;
use crate::web::{CsrfForm, Page, refill};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/password/forgot", get(forgot_form).post(forgot))
        .route("/password/reset/{token}", get(reset_form).post(reset_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "password_forgot.html")]
struct ForgotPage {
    page: Page,
    error: Option<String>,
    email: String,
    /// The request was taken: the same words whether or not an account uses the address.
    sent: bool,
}

async fn forgot_form(page: Page) -> ForgotPage {
    ForgotPage { page, error: None, email: String::new(), sent: false }
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> AppResult<Response> {
    match reset::request(&state, &form.email, addr.ip()).await {
        Ok(()) => Ok(ForgotPage { page, error: None, email: String::new(), sent: true }.into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, ForgotPage { page, error, email: form.email, sent: false })
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "password_reset.html")]
struct ResetPage {
    page: Page,
    error: Option<String>,
    token: String,
    /// The link no longer works: the page says so and offers a new one, with no form.
    dead: bool,
}

async fn reset_form(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> AppResult<Response> {
    match reset::link_owner(&state, &token).await {
        Ok(_) => Ok(ResetPage { page, error: None, token, dead: false }.into_response()),
        Err(err) => dead_link(err, page),
    }
}

fn dead_link(err: crate::error::AppError, page: Page) -> AppResult<Response> {
    let error = Some(page.msg(&err.message()));
    refill(err, ResetPage { page, error, token: String::new(), dead: true })
}

#[derive(Deserialize)]
struct ResetForm {
    #[serde(default)]
    password: String,
}

async fn reset_submit(
    State(state): State<AppState>,
    page: Page,
    Path(token): Path<String>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> AppResult<Response> {
    match reset::complete(&state, &token, &form.password).await {
        // Signing in again goes through two-factor, if the member has it.
        Ok(_) => Ok(Redirect::to("/login?password_reset=1").into_response()),
        Err(err) if err.message().key == "account.error.reset_link" => dead_link(err, page),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, ResetPage { page, error, token, dead: false })
        }
    }
}
