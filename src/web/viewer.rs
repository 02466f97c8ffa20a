//! Who is asking, as the shell and every feature see it. `accounts::session::identify` finds
//! out once per request and puts it in the request's extensions.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::error::{AppError, Msg};
use crate::store::User;

#[derive(Debug, Clone, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    /// A session cookie was sent but its session is over.
    Expired,
    SignedIn(User),
    /// A suspended member's session or token: it may not act; refusals say why and until when.
    Suspended(Msg),
}

impl Viewer {
    pub fn user(&self) -> Option<&User> {
        match self {
            Viewer::SignedIn(user) => Some(user),
            _ => None,
        }
    }
}

/// A handler argument that only exists for a signed-in user; otherwise the request is refused
/// with "sign in first" (a redirect to the sign-in page for pages).
pub struct RequireUser(pub User);

impl<S: Send + Sync> FromRequestParts<S> for RequireUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        match parts.extensions.get::<Viewer>() {
            Some(Viewer::SignedIn(user)) => Ok(RequireUser(user.clone())),
            Some(Viewer::Suspended(why)) => Err(AppError::Forbidden(why.clone())),
            _ => Err(AppError::LoginRequired),
        }
    }
}
