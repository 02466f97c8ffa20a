//! The shared vocabulary: the types every layer names (roles, topic kind and status, tags,
//! provinces, hospital tiers). It sits below everything else and imports nothing of the app
//! (std, serde and other crates only) — `tests/integration/architecture.rs` checks that.

pub mod attachment;
pub mod provinces;
mod role;
mod tag;
mod tiers;
mod topic;

pub use role::Role;
pub use tag::{Tag, slugify};
pub use tiers::HOSPITAL_TIERS;
pub use topic::{FACEBOOK_SOURCE_PREFIX, Status, TopicKind};
