//! Operating a forum: backup and restore (`goodpractice backup` / `restore`).

pub mod backup;
mod manifest;
mod pg_tools;
pub mod restore;

pub use backup::backup;
pub use manifest::Manifest;
pub use restore::{Restored, restore};
