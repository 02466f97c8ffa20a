//! The checks every new post and edit passes before it is stored: watched words (block, hold,
//! replace), suspected patient data, new-member limits, links and images by trust level, and
//! duplicates. The pure checks live in `checks`; this decides what they mean for one author.

use chrono::{Duration, Utc};

use super::checks::{self, WatchedAction, WatchedWord};
use super::{Reason, trust};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::User;

/// What to store: the text after replacements and, when held, the reasons as JSON.
#[derive(Debug)]
pub struct Review {
    pub title: Option<String>,
    pub body: String,
    pub hold: Option<String>,
}

/// New content or an edit of existing content (edits skip the new-member and duplicate rules:
/// the post itself was already counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    New,
    Edit,
}

/// Runs every check on a title (topics) and body. A blocked word refuses the post (422 naming
/// the word); anything else suspicious holds it for review with the reasons. A good practice's
/// `summary` is public too (it is the page's description), so patient data in it holds the post.
pub async fn review(
    state: &AppState,
    author: &User,
    title: Option<&str>,
    summary: Option<&str>,
    body: &str,
    occasion: Occasion,
) -> AppResult<Review> {
    if author.role.can_moderate() {
        return Ok(Review { title: title.map(str::to_string), body: body.to_string(), hold: None });
    }
    let words = watched_words(state).await?;
    let body_out = checks::apply_watched_words(body, &words);
    let title_out = title.map(|t| checks::apply_watched_words(t, &words));
    let mut blocked = body_out.blocked.clone();
    let mut held = body_out.held.clone();
    if let Some(t) = &title_out {
        blocked.extend(t.blocked.iter().cloned());
        held.extend(t.held.iter().cloned());
    }
    if !blocked.is_empty() {
        dedup(&mut blocked);
        return Err(AppError::BadRequest(Msg::new("error.moderation.blocked_word").arg("words", blocked.join(", "))));
    }
    let title = title_out.map(|t| t.text);
    let body = body_out.text;
    let mut reasons = Vec::new();
    if !held.is_empty() {
        dedup(&mut held);
        reasons.push(Reason::new("watched_word", held));
    }
    let checked = format!("{}\n\n{}\n\n{}", title.as_deref().unwrap_or(""), summary.unwrap_or(""), body);
    // Hints (a birth year, a bed number alone) are shown to the author but hold nothing.
    let mut kinds: Vec<String> = checks::patient_data(&checked).iter().filter(|f| !f.kind.is_hint()).map(|f| kind_name(f.kind)).collect();
    if !kinds.is_empty() {
        dedup(&mut kinds);
        reasons.push(Reason::new("patient_data", kinds));
    }
    reasons.extend(trust_reasons(state, author, &body, occasion).await?);
    if occasion == Occasion::New && is_duplicate(state, author, &body).await? {
        reasons.push(Reason::new("duplicate", Vec::new()));
    }
    let hold = if reasons.is_empty() { None } else { Some(serde_json::to_string(&reasons).map_err(anyhow::Error::from)?) };
    Ok(Review { title, body, hold })
}

/// The finding kind's snake_case name, as serialised.
fn kind_name(kind: checks::FindingKind) -> String {
    kind.as_str().to_string()
}

fn dedup(items: &mut Vec<String>) {
    let mut seen = std::collections::HashSet::new();
    items.retain(|i| seen.insert(i.to_lowercase()));
}

/// Level-0 members: their first posts are reviewed, and links/images beyond the allowance hold the post.
async fn trust_reasons(state: &AppState, author: &User, body: &str, occasion: Occasion) -> AppResult<Vec<Reason>> {
    let (level, published) = trust::of(state, author.id).await?;
    if level > 0 {
        return Ok(Vec::new());
    }
    let config = state.config();
    let mut reasons = Vec::new();
    if occasion == Occasion::New && published < config.new_user_held_posts {
        reasons.push(Reason::new("new_user", Vec::new()));
    }
    if checks::link_count(body) as i64 > config.new_user_max_links {
        reasons.push(Reason::new("links", Vec::new()));
    }
    if checks::image_count(body) as i64 > config.new_user_max_images {
        reasons.push(Reason::new("images", Vec::new()));
    }
    Ok(reasons)
}

/// True when the author posted nearly the same text within the duplicate window.
async fn is_duplicate(state: &AppState, author: &User, body: &str) -> AppResult<bool> {
    let since = Utc::now() - Duration::minutes(state.config().duplicate_window_minutes);
    let recent = state.store().recent_bodies(author.id, since, 20).await?;
    Ok(recent.iter().any(|earlier| checks::near_duplicate(earlier, body)))
}

async fn watched_words(state: &AppState) -> AppResult<Vec<WatchedWord>> {
    let rows = state.store().watched_words().await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let action = match r.action.as_str() {
                "block" => WatchedAction::Block,
                "hold" => WatchedAction::Hold,
                "replace" => WatchedAction::Replace,
                _ => return None,
            };
            Some(WatchedWord { pattern: r.pattern, action, replacement: r.replacement })
        })
        .collect())
}
