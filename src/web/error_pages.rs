//! Turns every 4xx/5xx response of the HTML site into a page a person understands, in their
//! language: our own `AppError`s and the framework's rejections (bad path, body too large…) alike.
//! A page that asks for sign-in redirects there, remembering where the reader was going.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

use super::Page;
use super::refused_form::{self, RefusedFormText};
use crate::app::AppState;
use crate::error::{ErrorReport, Msg};
use crate::web::Viewer;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    page: Page,
    status: u16,
    message: String,
    draft: RefusedFormText,
}

pub async fn render_error_pages(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if crate::is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    // Built before the request goes on (its parts move into it), without the unread count: a
    // query on every signed-in request for a page that is rarely an error.
    let page = Page::uncounted(&parts, &state);
    let is_get = parts.method == Method::GET;
    let expired = matches!(parts.extensions.get::<Viewer>(), Some(Viewer::Expired));
    // A form that may carry a file may be as large as an upload (checked again by its extractor).
    let max_upload = super::upload_limit::max_bytes(state.config()) as usize;
    // Only members send files (a visitor's multipart form keeps the ordinary limit); an expired
    // session still gets its text back.
    let member = matches!(parts.extensions.get::<Viewer>(), Some(Viewer::SignedIn(_) | Viewer::Expired));
    let (limit, too_large) = if refused_form::is_multipart(&parts) && member {
        (crate::BODY_LIMIT_BYTES + max_upload, super::upload_limit::too_large(max_upload as u64).message())
    } else {
        (crate::BODY_LIMIT_BYTES, Msg::new("error.body_too_large"))
    };
    let Ok((body, form_bytes)) = refused_form::buffer(&parts, body, limit).await else {
        let message = page.msg(&too_large);
        let status = StatusCode::PAYLOAD_TOO_LARGE;
        return (status, ErrorPage { page, status: status.as_u16(), message, draft: RefusedFormText::default() }).into_response();
    };
    let content_type = parts.headers.get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let response = next.run(Request::from_parts(parts, body)).await;

    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_html(&response) {
        return response;
    }
    if status == StatusCode::UNAUTHORIZED && is_get {
        return Redirect::to(&format!("/login?next={}", page.here_encoded())).into_response();
    }
    let msg = match response.extensions().get::<ErrorReport>() {
        Some(_) if status == StatusCode::UNAUTHORIZED && expired => Msg::new("error.session_expired"),
        Some(report) => report.0.clone(),
        None => generic_message(status),
    };
    let message = page.msg(&msg);
    // Refused for who is asking (sign-in over, form expired): give back what they typed.
    let refused = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
    let draft = match form_bytes.filter(|_| refused) {
        Some(bytes) => RefusedFormText::from_body(&content_type, bytes).await,
        None => RefusedFormText::default(),
    };
    (status, ErrorPage { page, status: status.as_u16(), message, draft }).into_response()
}

fn is_html(response: &Response) -> bool {
    response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("text/html"))
}

/// A message for a status the framework produced on its own.
pub fn generic_message(status: StatusCode) -> Msg {
    Msg::new(match status.as_u16() {
        404 => "error.not_found",
        405 => "error.method_not_allowed",
        413 => "error.body_too_large",
        415 => "error.unsupported_media_type",
        422 => "error.unprocessable",
        429 => "error.too_many_requests",
        400..=499 => "error.bad_request",
        _ => "error.internal",
    })
}
