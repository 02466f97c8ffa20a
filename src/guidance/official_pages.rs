//! The official-answer buttons of a question's page. Endorsing a reply as the Ministry of
//! Health's answer, and withdrawing it, each asks first on a page of its own (a form, so it works
//! without JavaScript); only the confirming form changes anything, audited.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::official;
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::access;
use crate::web::{CsrfForm, Page, RequireUser};

#[derive(Deserialize)]
pub(super) struct OfficialForm {
    #[serde(default)]
    post_id: String,
    /// "yes" from the confirmation page's button; anything else shows that page.
    #[serde(default)]
    confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_confirm.html")]
pub(super) struct ConfirmPage {
    page: Page,
    topic_id: i64,
    topic_title: String,
    /// The reply to endorse (`None`: the answer to withdraw).
    post_id: Option<i64>,
    author: String,
    excerpt: String,
    endorser: String,
}

pub(super) async fn endorse(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OfficialForm>,
) -> AppResult<Response> {
    let topic_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let post_id: i64 = form.post_id.trim().parse().map_err(|_| AppError::BadRequest(Msg::new("official.error.not_reply")))?;
    if form.confirm != "yes" {
        super::service::require_editor(&user)?;
        let post = state.store().post(post_id).await.map_err(|_| AppError::BadRequest(Msg::new("official.error.not_reply")))?;
        if post.topic_id != topic_id || post.position < 2 {
            return Err(AppError::BadRequest(Msg::new("official.error.not_reply")));
        }
        return Ok(confirm_page(&state, page, &user, topic_id, Some(post)).await?.into_response());
    }
    official::mark(state.store(), &user, topic_id, post_id).await?;
    Ok(Redirect::to(&format!("/t/{topic_id}#official-answer")).into_response())
}

pub(super) async fn withdraw(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<OfficialForm>,
) -> AppResult<Response> {
    let topic_id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    if form.confirm != "yes" {
        super::service::require_editor(&user)?;
        let answer = state.store().official_endorsement(topic_id).await?.ok_or(AppError::NotFound)?;
        let post = state.store().post(answer.post_id).await?;
        let mut view = confirm_page(&state, page, &user, topic_id, Some(post)).await?;
        view.post_id = None;
        view.endorser = answer.endorsed_by;
        return Ok(view.into_response());
    }
    official::withdraw(state.store(), &user, topic_id).await?;
    Ok(Redirect::to(&format!("/t/{topic_id}")).into_response())
}

async fn confirm_page(
    state: &AppState,
    page: Page,
    user: &crate::store::User,
    topic_id: i64,
    post: Option<crate::store::PostRow>,
) -> AppResult<ConfirmPage> {
    let topic = access::visible_topic(state.store(), topic_id, Some(user)).await?;
    if topic.kind != crate::domain::TopicKind::Question {
        return Err(AppError::bad("official.error.not_question"));
    }
    let (post_id, author, excerpt) = match post {
        Some(p) => (Some(p.id), p.author_name, excerpt(&p.body)),
        None => (None, String::new(), String::new()),
    };
    Ok(ConfirmPage { page, topic_id, topic_title: topic.title, post_id, author, excerpt, endorser: user.display_name.clone() })
}

/// The start of a reply's text, on one line, to recognise it by.
fn excerpt(body: &str) -> String {
    let line = crate::text::clean_line(body);
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
