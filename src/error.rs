//! `AppError`: what a handler returns when it cannot do what was asked.
//!
//! The error itself only carries a status and a message key; the shells turn it into a page
//! (`web::error_pages`) or a JSON problem (`api::problems`) in the reader's language. Details of
//! 5xx errors are logged once here and never shown.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::store::StoreError;

/// A user-facing message: a key in `web/i18n/*.toml` and the values for its `{placeholders}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Msg {
    pub const fn new(key: &'static str) -> Self {
        Self { key, args: Vec::new() }
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, value.to_string()));
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("bad request: {0:?}")]
    BadRequest(Msg),
    /// A request the framework could not even read (malformed JSON, wrong content type, too large).
    #[error("rejected ({0}): {1:?}")]
    Rejected(StatusCode, Msg),
    #[error("sign-in required")]
    LoginRequired,
    #[error("forbidden: {0:?}")]
    Forbidden(Msg),
    #[error("not found")]
    NotFound,
    #[error("conflict: {0:?}")]
    Conflict(Msg),
    #[error("too many requests: {0:?}")]
    TooManyRequests(Msg),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    pub fn bad(key: &'static str) -> Self {
        Self::BadRequest(Msg::new(key))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Rejected(status, _) => *status,
            Self::LoginRequired => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> Msg {
        match self {
            Self::BadRequest(m) | Self::Rejected(_, m) | Self::Forbidden(m) | Self::Conflict(m) | Self::TooManyRequests(m) => m.clone(),
            Self::LoginRequired => Msg::new("error.login_required"),
            Self::NotFound => Msg::new("error.not_found"),
            Self::Internal(_) => Msg::new("error.internal"),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => Self::NotFound,
            StoreError::Conflict => Self::Conflict(Msg::new("error.conflict")),
            StoreError::Refused(key) => Self::bad(key),
            StoreError::Other(e) => Self::Internal(e),
        }
    }
}

/// Attached to error responses so the shells can render them in the reader's language.
#[derive(Debug, Clone)]
pub struct ErrorReport(pub Msg);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::Internal(err) = &self {
            tracing::error!(error = %format!("{err:#}"), "request failed");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(ErrorReport(self.message()));
        response
    }
}

pub type AppResult<T> = Result<T, AppError>;
