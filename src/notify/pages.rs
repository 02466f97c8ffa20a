//! Pages (no JavaScript needed): the notification list with unread marks, opening one
//! (or the "this post was removed" page), watch buttons' form, mail settings, and the one-click
//! unsubscribe confirmation reached from a mail without signing in.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::watch::{self, Target};
use crate::app::AppState;
use crate::error::{AppError, AppResult};
use crate::store::{Notification, NotifySettings};
use crate::web::{CsrfForm, NoFields, Page, RequireUser};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(list))
        .route("/notifications/read-all", post(read_all))
        .route("/notifications/{id}/open", get(open))
        .route("/watch", post(set_watch))
        .route("/settings/notifications", get(settings_form).post(save_settings))
        .route("/unsubscribe/{token}", get(unsubscribe_form).post(unsubscribe))
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct ListPage {
    page: Page,
    notifications: Vec<Notification>,
    /// The sanction in force on the reader, told with its reason and end.
    sanction: Option<String>,
}

impl ListPage {
    fn kind_key(&self, n: &Notification) -> String {
        if super::fanout::KINDS.contains(&n.kind.as_str()) {
            format!("notify.kind.{}", n.kind)
        } else {
            format!("moderation.notification.{}", n.kind)
        }
    }

    fn can_appeal(&self, n: &Notification) -> bool {
        n.kind == "post_rejected" && !n.appealed && n.item_id.is_some()
    }
}

async fn list(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<ListPage> {
    let notifications = state.store().notifications(user.id, 100).await?;
    let sanction = state.store().active_sanction(user.id).await?.map(|s| page.msg(&crate::web::sanction_message(&s)));
    Ok(ListPage { page, notifications, sanction })
}

async fn read_all(State(state): State<AppState>, RequireUser(user): RequireUser, CsrfForm(_): CsrfForm<NoFields>) -> AppResult<Redirect> {
    state.store().mark_all_read(user.id).await?;
    Ok(Redirect::to("/notifications"))
}

#[derive(Template, WebTemplate)]
#[template(path = "notify_removed.html")]
struct RemovedPage {
    page: Page,
}

/// Marks the notification read and goes to the post, or says plainly that it was removed.
async fn open(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser, Path(id): Path<String>) -> AppResult<Response> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let store = state.store();
    let (topic_id, post_id) = store.notification_target(user.id, id).await?;
    store.mark_read(user.id, id).await?;
    match (topic_id, post_id) {
        (Some(_), Some(post)) if !store.post_is_public(post).await? => Ok((StatusCode::GONE, RemovedPage { page }).into_response()),
        (Some(topic), Some(post)) => Ok(Redirect::to(&format!("/t/{topic}#post-{post}")).into_response()),
        (Some(topic), None) => Ok(Redirect::to(&format!("/t/{topic}")).into_response()),
        _ => Ok(Redirect::to("/notifications").into_response()),
    }
}

#[derive(Deserialize)]
struct WatchForm {
    kind: String,
    id: String,
    action: String,
    #[serde(default)]
    next: Option<String>,
}

async fn set_watch(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<WatchForm>,
) -> AppResult<Redirect> {
    let target = Target::parse(&form.kind)?;
    let on = match form.action.as_str() {
        "watch" => true,
        "stop" => false,
        _ => return Err(AppError::bad("notify.error.watch_action")),
    };
    watch::set(state.store(), &user, target, &form.id, on).await?;
    Ok(Redirect::to(&crate::web::safe_next(form.next.as_deref())))
}

#[derive(Template, WebTemplate)]
#[template(path = "notify_settings.html")]
struct SettingsPage {
    page: Page,
    handle: String,
    settings: NotifySettings,
    saved: bool,
    error: Option<String>,
}

async fn settings_form(State(state): State<AppState>, page: Page, RequireUser(user): RequireUser) -> AppResult<SettingsPage> {
    let handle = state.store().handle_of(user.id).await?.unwrap_or_default();
    let settings = state.store().notify_settings(user.id).await?;
    Ok(SettingsPage { page, handle, settings, saved: false, error: None })
}

/// Checkboxes are sent only when ticked.
#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    handle: String,
    email_replies: Option<String>,
    email_mentions: Option<String>,
    email_watched: Option<String>,
    email_moderation: Option<String>,
    digest: Option<String>,
    watch_on_reply: Option<String>,
    #[serde(default)]
    language: String,
}

impl SettingsForm {
    fn settings(&self) -> AppResult<NotifySettings> {
        let language = match self.language.as_str() {
            "vi" | "en" => self.language.clone(),
            _ => return Err(AppError::bad("notify.error.language")),
        };
        Ok(NotifySettings {
            email_replies: self.email_replies.is_some(),
            email_mentions: self.email_mentions.is_some(),
            email_watched: self.email_watched.is_some(),
            email_moderation: self.email_moderation.is_some(),
            digest: self.digest.is_some(),
            watch_on_reply: self.watch_on_reply.is_some(),
            language,
        })
    }
}

async fn save_settings(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    let result = save(&state, user.id, &form).await;
    let settings = form.settings().unwrap_or_default();
    match result {
        Ok(handle) => Ok(SettingsPage { page, handle, settings, saved: true, error: None }.into_response()),
        Err(err @ AppError::Internal(_)) => Err(err),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            crate::web::refill(err, SettingsPage { page, handle: form.handle.clone(), settings, saved: false, error })
        }
    }
}

async fn save(state: &AppState, user_id: i64, form: &SettingsForm) -> AppResult<String> {
    let settings = form.settings()?;
    let handle = super::service::change_handle(state.store(), user_id, &form.handle).await?;
    state.store().save_notify_settings(user_id, &settings).await?;
    Ok(handle)
}

#[derive(Template, WebTemplate)]
#[template(path = "notify_unsubscribe.html")]
struct UnsubscribePage {
    page: Page,
    token: String,
    done: bool,
}

/// The link in every mail: a confirmation page with one button (a GET changes nothing, since
/// mail scanners follow links).
async fn unsubscribe_form(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> AppResult<UnsubscribePage> {
    super::service::unsubscribe_target(state.store(), &token).await?;
    Ok(UnsubscribePage { page, token, done: false })
}

/// The button, and RFC 8058 one-click POSTs from mail programs (`List-Unsubscribe=One-Click`).
/// No CSRF token here: mail programs post without the site's cookie, and the signed token in
/// the address is itself the proof that the request comes from the mail we sent.
async fn unsubscribe(State(state): State<AppState>, page: Page, Path(token): Path<String>) -> AppResult<UnsubscribePage> {
    let user_id = super::service::unsubscribe_target(state.store(), &token).await?;
    state.store().unsubscribe_all(user_id).await?;
    Ok(UnsubscribePage { page, token, done: true })
}
