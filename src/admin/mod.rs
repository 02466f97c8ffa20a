//! Running the forum from the browser (issue 17): the categories page, the run-time settings
//! page and claims of imported history. Members' accounts are managed in `accounts::admin`.

pub mod categories;
pub mod claims;
pub mod settings;

use axum::Router;

use crate::app::AppState;
use crate::domain::Role;
use crate::error::{AppError, AppResult, Msg};
use crate::store::User;

pub fn router() -> Router<AppState> {
    categories::router().merge(settings::router()).merge(claims::router())
}

/// Only admins change how the forum is set up.
fn require_admin(user: &User) -> AppResult<()> {
    if user.role == Role::Admin { Ok(()) } else { Err(AppError::Forbidden(Msg::new("account.admin.admins_only"))) }
}

/// The reason an admin may give with a change: one line, at most 500 characters.
fn parse_reason(raw: &str) -> AppResult<String> {
    const MAX: usize = 500;
    let reason = crate::text::clean_line(raw);
    if crate::text::char_len(&reason) > MAX {
        return Err(AppError::BadRequest(Msg::new("error.field_too_long").arg("max", MAX)));
    }
    Ok(reason)
}
