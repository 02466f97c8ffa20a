//! Settings safe to change while the forum runs (`/admin/settings`): who may sign up and the
//! posting limits. The configured value (code default < `goodpractice.toml` < `GP_*`) holds
//! until an admin sets another here; that one lives in the database (`site_settings`) and is
//! read at every use, so it takes effect at once in every process, without a restart. Each
//! change is audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{parse_reason, require_admin};
use crate::app::AppState;
use crate::config::Config;
use crate::error::{AppError, AppResult, Msg};
use crate::web::{CsrfForm, Page, RequireUser};

/// Who may make an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupMode {
    Open,
    /// Accounts are made, then wait in the moderators' queue.
    Approval,
    Closed,
}

impl SignupMode {
    fn parse(raw: &str) -> Option<Self> {
        match raw {
            "open" => Some(Self::Open),
            "approval" => Some(Self::Approval),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// The settings on the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    SignupMode,
    PostsPerMinute,
    PostsPerMinutePerAddress,
}

const KEYS: [Key; 3] = [Key::SignupMode, Key::PostsPerMinute, Key::PostsPerMinutePerAddress];
/// Highest posting limit accepted (per minute).
const LIMIT_MAX: i64 = 10_000;

impl Key {
    fn name(self) -> &'static str {
        match self {
            Key::SignupMode => "signup_mode",
            Key::PostsPerMinute => "posts_per_minute",
            Key::PostsPerMinutePerAddress => "posts_per_minute_per_address",
        }
    }

    fn parse(raw: &str) -> Option<Self> {
        KEYS.into_iter().find(|k| k.name() == raw)
    }

    /// The file key and environment variable that configure it.
    fn configured_by(self) -> (&'static str, &'static str) {
        match self {
            Key::SignupMode => ("approve_new_accounts", "GP_APPROVE_NEW_ACCOUNTS"),
            Key::PostsPerMinute => ("posts_per_minute", "GP_POSTS_PER_MINUTE"),
            Key::PostsPerMinutePerAddress => ("posts_per_minute_per_address", "GP_POSTS_PER_MINUTE_PER_ADDRESS"),
        }
    }

    fn configured(self, config: &Config) -> String {
        match self {
            Key::SignupMode if config.approve_new_accounts => "approval".into(),
            Key::SignupMode => "open".into(),
            Key::PostsPerMinute => config.posts_per_minute.to_string(),
            Key::PostsPerMinutePerAddress => config.posts_per_minute_per_address.to_string(),
        }
    }

    /// The value as stored, or why it is refused.
    fn check(self, raw: &str) -> AppResult<String> {
        let raw = raw.trim();
        match self {
            Key::SignupMode => SignupMode::parse(raw).map(|_| raw.to_string()).ok_or_else(|| AppError::bad("admin.settings.mode_unknown")),
            _ => match raw.parse::<i64>() {
                Ok(n) if (1..=LIMIT_MAX).contains(&n) => Ok(n.to_string()),
                _ => Err(AppError::BadRequest(Msg::new("admin.settings.limit_range").arg("max", LIMIT_MAX))),
            },
        }
    }
}

/// The value in force: set here, else configured.
async fn effective(state: &AppState, key: Key) -> AppResult<String> {
    Ok(state.store().site_setting(key.name()).await?.unwrap_or_else(|| key.configured(state.config())))
}

async fn effective_number(state: &AppState, key: Key) -> AppResult<i64> {
    let value = effective(state, key).await?;
    Ok(value.parse().unwrap_or_else(|_| key.configured(state.config()).parse().unwrap_or(1)))
}

/// Who may sign up now.
pub async fn signup_mode(state: &AppState) -> AppResult<SignupMode> {
    Ok(SignupMode::parse(&effective(state, Key::SignupMode).await?).unwrap_or(SignupMode::Open))
}

/// Refuses to make an account while sign-up is closed.
pub async fn require_signup_open(state: &AppState) -> AppResult<()> {
    match signup_mode(state).await? {
        SignupMode::Closed => Err(AppError::Forbidden(Msg::new("admin.settings.signup_closed"))),
        _ => Ok(()),
    }
}

/// Posts a member may make per minute.
pub async fn posts_per_minute(state: &AppState) -> AppResult<i64> {
    effective_number(state, Key::PostsPerMinute).await
}

/// Posts one client address may make per minute.
pub async fn posts_per_minute_per_address(state: &AppState) -> AppResult<i64> {
    effective_number(state, Key::PostsPerMinutePerAddress).await
}

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/settings", get(settings_page)).route("/admin/settings/{key}", post(change))
}

/// One setting as the page shows it.
struct Shown {
    key: &'static str,
    value: String,
    is_mode: bool,
    /// Message key of where the value came from, and the variable or file key named.
    origin: &'static str,
    origin_name: &'static str,
    set_by: Option<(String, DateTime<Utc>)>,
    configured: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    page: Page,
    settings: Vec<Shown>,
    notice: bool,
}

fn origin(config: &Config, key: Key) -> (&'static str, &'static str) {
    let (file_key, env) = key.configured_by();
    if config.sources.env_vars.iter().any(|v| v == env) {
        ("admin.settings.from_env", env)
    } else if config.sources.file_keys.iter().any(|k| k == file_key) {
        ("admin.settings.from_file", file_key)
    } else {
        ("admin.settings.from_default", "")
    }
}

async fn shown(state: &AppState) -> AppResult<Vec<Shown>> {
    let rows = state.store().site_settings().await?;
    let config = state.config();
    let shown = KEYS.into_iter().map(|key| {
        let here = rows.iter().find(|r| r.key == key.name());
        let (origin, origin_name) = match here {
            Some(_) => ("admin.settings.from_here", ""),
            None => origin(config, key),
        };
        Shown {
            key: key.name(),
            value: here.map_or_else(|| key.configured(config), |r| r.value.clone()),
            is_mode: key == Key::SignupMode,
            origin,
            origin_name,
            set_by: here.map(|r| (r.set_by_name.clone(), r.set_at)),
            configured: key.configured(config),
        }
    });
    Ok(shown.collect())
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

async fn settings_page(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(done): Query<Done>,
) -> AppResult<SettingsPage> {
    require_admin(&user)?;
    Ok(SettingsPage { page, settings: shown(&state).await?, notice: done.done.is_some() })
}

#[derive(Deserialize)]
struct ChangeForm {
    #[serde(default)]
    value: String,
    /// "yes": back to the configured value.
    #[serde(default)]
    reset: String,
    #[serde(default)]
    reason: String,
}

async fn change(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(key): Path<String>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let key = Key::parse(&key).ok_or(AppError::Rejected(StatusCode::NOT_FOUND, Msg::new("admin.settings.unknown")))?;
    let value = if form.reset == "yes" { None } else { Some(key.check(&form.value)?) };
    let reason = parse_reason(&form.reason)?;
    let before = effective(&state, key).await?;
    let after = value.clone().unwrap_or_else(|| key.configured(state.config()));
    state.store().set_site_setting_audited(user.id, key.name(), value.as_deref(), (&before, &after), &reason).await?;
    Ok(Redirect::to(&format!("/admin/settings?done={}#setting-{}", key.name(), key.name())).into_response())
}
