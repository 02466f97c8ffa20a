//! A reply: posted, previewed, or given back on the topic's last page with the problem stated.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{attach, preview_of};
use crate::app::AppState;
use crate::attachments::UploadForm;
use crate::error::{AppError, AppResult};
use crate::forum::case_study::Sections;
use crate::forum::preview::Preview;
use crate::forum::preview_privacy::{Replace, replace_in_form};
use crate::forum::{POSTS_PER_PAGE, parse_id, set_share_links, topic_page};
use crate::posting::pipeline;
use crate::web::RequireUser;
use crate::web::{Page, refill};

#[derive(Deserialize)]
pub(super) struct ReplyForm {
    #[serde(default)]
    body: String,
    /// Set by the "Xem trước" button.
    #[serde(default)]
    preview: String,
    /// Set by a preview's replace button (see [`ComposeForm`]).
    #[serde(default)]
    replace: String,
}

pub(super) async fn reply(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    headers: axum::http::HeaderMap,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    upload: UploadForm<ReplyForm>,
) -> AppResult<Response> {
    let id = parse_id(&id)?;
    let mut form = upload.form;
    if let Some(which) = Replace::parse(&form.replace) {
        let mut no_sections = Sections::default();
        replace_in_form(&mut form.body, &mut no_sections, &which, |k| page.t(k.placeholder_key()).to_string());
    }
    // The chosen file is stored first, so a preview shows it and keeps it in the text.
    let file_added = upload.file.is_some();
    if let Err(err) = attach(&state, &user, upload.file, &mut form.body).await {
        return reply_again(&state, page, &headers, id, form.body, Err(err)).await;
    }
    if !form.preview.is_empty() || !form.replace.is_empty() {
        let shown = preview_of(&state, user.id, false, &form.body, &Sections::default(), file_added, "reply-form").await;
        return reply_again(&state, page, &headers, id, form.body, shown).await;
    }
    let replied = pipeline::reply(&state, &user, id, &form.body, Some(addr.ip())).await;
    match replied {
        Ok((post_id, _)) => {
            let last = state.store().count_topic_posts(id).await?;
            let page_no = (last + POSTS_PER_PAGE - 1) / POSTS_PER_PAGE;
            Ok(Redirect::to(&format!("/t/{id}?page={page_no}#post-{post_id}")).into_response())
        }
        Err(err @ (AppError::NotFound | AppError::Internal(_))) => Err(err),
        Err(err) => reply_again(&state, page, &headers, id, form.body, Err(err)).await,
    }
}

/// The topic's last page with the reply box holding `body`, and the preview asked for or the
/// problem stated.
async fn reply_again(
    state: &AppState,
    page: Page,
    headers: &axum::http::HeaderMap,
    id: i64,
    body: String,
    shown: AppResult<Preview>,
) -> AppResult<Response> {
    let (preview, err) = match shown {
        Ok(p) => (Some(p), None),
        Err(err) => (None, Some(err)),
    };
    let error = err.as_ref().map(|e| page.msg(&e.message()));
    let mut view = topic_page(state, page, id, Some(i64::MAX), body, error).await?;
    view.preview = preview;
    set_share_links(state, headers, &mut view);
    match err {
        Some(err) => refill(err, view),
        None => Ok(view.into_response()),
    }
}
