//! The API shell shared by features: JSON input with clear rejections, JSON problem responses,
//! and the OpenAPI document assembled from the features' annotated handlers.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use axum_extra::extract::CookieJar;
use serde::de::DeserializeOwned;
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::error::{AppError, ErrorReport, Msg};
use crate::web::{Lang, lang_of};

pub mod etag;
pub mod openapi;

/// A JSON request body; anything unreadable is answered with a problem that says what is wrong.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|_| AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, Msg::new("error.body_too_large")))?;
        let is_object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
        match Json::<T>::from_request(Request::from_parts(parts, axum::body::Body::from(bytes)), state).await {
            // serde reads a struct from an array too (`[]` would be "every field left out").
            Ok(_) if !is_object => Err(AppError::Rejected(
                StatusCode::UNPROCESSABLE_ENTITY,
                Msg::new("error.json_data").arg("detail", "expected a JSON object {…}"),
            )),
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(explain(rejection)),
        }
    }
}

fn explain(rejection: JsonRejection) -> AppError {
    let detail = rejection.body_text();
    let (status, key) = match &rejection {
        JsonRejection::MissingJsonContentType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "error.json_content_type"),
        JsonRejection::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "error.json_syntax"),
        JsonRejection::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "error.json_data"),
        _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => (StatusCode::PAYLOAD_TOO_LARGE, "error.body_too_large"),
        _ => (rejection.status(), "error.bad_request"),
    };
    AppError::Rejected(status, Msg::new(key).arg("detail", detail))
}

/// The API speaks the reader's language too: the `gp_lang` cookie, else `Accept-Language`, else Vietnamese.
fn api_lang(req: &Request) -> Lang {
    let jar = CookieJar::from_headers(req.headers());
    if jar.get(crate::web::LANG_COOKIE).is_some() {
        return lang_of(&jar);
    }
    let accept = req.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or("");
    if accept.trim_start().starts_with("en") { Lang::En } else { Lang::Vi }
}

/// Middleware: every 4xx/5xx of the API becomes an RFC 9457 problem document.
pub async fn render_problems(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !crate::is_api_path(req.uri().path()) {
        return next.run(req).await;
    }
    let lang = api_lang(&req);
    let response = next.run(req).await;
    let status = response.status();
    let already_json = response.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    if !(status.is_client_error() || status.is_server_error()) || already_json {
        return response;
    }
    let msg = match response.extensions().get::<ErrorReport>() {
        Some(report) => report.0.clone(),
        None => crate::web::generic_message(status),
    };
    let problem = serde_json::json!({
        "type": "about:blank",
        "title": status.canonical_reason().unwrap_or("Error"),
        "status": status.as_u16(),
        "detail": state.catalogs().format(lang, &msg),
        "code": msg.key,
    });
    let mut out = (status, Json(problem)).into_response();
    out.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("application/problem+json"));
    out
}

/// Adds the bearer-token scheme and the document's title to the OpenAPI document.
fn describe(mut doc: OpenApi) -> OpenApi {
    doc.info.title = "goodpractice API".into();
    doc.info.version = "1".into();
    doc.info.description = Some(
        "Forum API for sharing good practices in patient safety. Send `Authorization: Bearer <token>` from POST /api/v1/tokens. Every GET answered 200 with JSON carries a weak `ETag`; send it back in `If-None-Match` to get 304 Not Modified with no body when nothing changed.".into(),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    doc
}

/// The API routes of all features plus `/api/openapi.json`.
pub fn router(features: OpenApiRouter<AppState>, rules: &openapi::Rules) -> Router<AppState> {
    let (router, doc) = features.split_for_parts();
    let doc = describe(doc);
    let json = serde_json::to_value(&doc).map(|d| openapi::complete(d, rules)).map(|d| d.to_string()).unwrap_or_else(|_| "{}".into());
    router
        .layer(axum::middleware::from_fn(etag::tag))
        .route("/api/openapi.json", axum::routing::get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json.clone()) }))
}
