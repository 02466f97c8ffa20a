//! The sentence a sanction in force is shown with, wherever a sanctioned member is refused or
//! reminded (the viewer of every request, moderation's checks, the notifications page).

use crate::error::Msg;
use crate::store::Sanction;

/// "You may not post until …. Reason: …" for a sanction in force.
pub fn sanction_message(s: &Sanction) -> Msg {
    let key = if s.kind == "suspend" { "error.moderation.suspended" } else { "error.moderation.silenced" };
    let until = s.until.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).expect("valid offset"));
    Msg::new(key).arg("until", until.format("%d/%m/%Y %H:%M")).arg("reason", &s.reason)
}
