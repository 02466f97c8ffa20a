//! Who is asking, as the shell and every feature see it. `accounts::session::identify` finds
//! out once per request and puts it in the request's extensions.

use crate::error::Msg;
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
