//! Trust levels 0–3. The rule is deliberately simple so members can read it in the guide:
//!
//! | level | reached when                                   | unlocks                                   |
//! |-------|------------------------------------------------|-------------------------------------------|
//! | 0     | a new account                                  | first posts reviewed; few links, no images|
//! | 1     | 1 day old and 3 published posts                | posting without review, links, images     |
//! | 2     | 14 days old and 10 published posts             | flags weigh 2                             |
//! | 3     | 60 days old and 50 published posts            | flags weigh 3                             |
//!
//! The stored `users.trust_level` is a floor (accounts from before moderation start at 1); the
//! effective level is the higher of it and what age and published posts earn.

use chrono::{DateTime, Utc};

use crate::app::AppState;
use crate::error::AppResult;

const STEPS: [(i64, i64, i64); 3] = [(3, 60, 50), (2, 14, 10), (1, 1, 3)];

/// The level earned by an account of this age with this many published posts.
pub fn earned(created_at: DateTime<Utc>, published_posts: i64, now: DateTime<Utc>) -> i64 {
    let age_days = (now - created_at).num_days();
    STEPS.iter().find(|(_, days, posts)| age_days >= *days && published_posts >= *posts).map(|(level, _, _)| *level).unwrap_or(0)
}

/// How much one flag from a member of this level counts toward hiding a post.
pub fn flag_weight(level: i64) -> i64 {
    level.clamp(1, 3)
}

/// A member's effective level and their count of published posts.
pub async fn of(state: &AppState, user_id: i64) -> AppResult<(i64, i64)> {
    let (stored, created_at, published) = state.store().trust_inputs(user_id).await?;
    Ok((stored.max(earned(created_at, published, Utc::now())), published))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn trust_grows_with_age_and_published_posts() {
        let now = Utc::now();
        assert_eq!(earned(now, 100, now), 0, "a new account is level 0 whatever it posted");
        assert_eq!(earned(now - Duration::days(2), 2, now), 0);
        assert_eq!(earned(now - Duration::days(2), 3, now), 1);
        assert_eq!(earned(now - Duration::days(20), 10, now), 2);
        assert_eq!(earned(now - Duration::days(90), 50, now), 3);
        assert_eq!(earned(now - Duration::days(90), 9, now), 1);
    }

    #[test]
    fn flags_weigh_one_to_three() {
        assert_eq!((flag_weight(0), flag_weight(1), flag_weight(2), flag_weight(3)), (1, 1, 2, 3));
    }
}
