//! The sign-up form and the page its mailed link opens (see [`super::signup`]).

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::session;
use super::signup::{self, SignupAsk};
use crate::app::AppState;
use crate::error::AppResult;
use crate::web::{CsrfForm, NoFields, Page, refill, safe_next};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signup", get(signup_form).post(signup_submit))
        .route("/signup/confirm/{token}", get(confirm_form).post(confirm_submit))
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignupPage {
    page: Page,
    error: Option<String>,
    email: String,
    name: String,
    next: String,
    /// The request was taken: the same words whether or not the email has an account.
    sent: bool,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
}

async fn signup_form(page: Page, Query(q): Query<NextQuery>) -> SignupPage {
    SignupPage { page, error: None, email: String::new(), name: String::new(), next: safe_next(q.next.as_deref()), sent: false }
}

#[derive(Deserialize)]
struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn signup_submit(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    CsrfForm(form): CsrfForm<SignupForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    let lang = page.lang;
    let taken = match SignupAsk::parse(&form.email, &form.name, &form.password, next.clone()) {
        Ok(ask) => signup::request(&state, ask, addr.ip(), lang).await,
        Err(err) => Err(err),
    };
    match taken {
        Ok(()) => Ok(SignupPage { page, error: None, email: form.email, name: String::new(), next, sent: true }.into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, SignupPage { page, error, email: form.email, name: form.name, next, sent: false })
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "signup_confirm.html")]
struct ConfirmPage {
    page: Page,
    error: Option<String>,
    token: String,
    email: String,
    name: String,
    /// The link no longer works: the page says so and offers to sign up or sign in, no form.
    dead: bool,
}

/// The link opens a page with one button, so a mail scanner that follows links makes nothing.
async fn confirm_form(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> AppResult<Response> {
    match signup::pending(&state, &token).await {
        Ok(found) => {
            Ok(ConfirmPage { page, error: None, token, email: found.email, name: found.display_name, dead: false }.into_response())
        }
        Err(err) => dead_link(err, page),
    }
}

fn dead_link(err: crate::error::AppError, page: Page) -> AppResult<Response> {
    let error = Some(page.msg(&err.message()));
    refill(err, ConfirmPage { page, error, token: String::new(), email: String::new(), name: String::new(), dead: true })
}

async fn confirm_submit(
    State(state): State<AppState>,
    page: Page,
    jar: CookieJar,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> AppResult<Response> {
    match signup::complete(&state, &token).await {
        Ok((user_id, next)) => {
            let jar = session::start(&state, jar, user_id).await?;
            Ok((jar, Redirect::to(&safe_next(Some(&next)))).into_response())
        }
        Err(err) => dead_link(err, page),
    }
}
