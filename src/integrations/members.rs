//! `GET /api/v1/users/{username}`: a member's public profile and public posts, and
//! `GET /api/v1/users/{username}/posts` for the pages after the first. A post the member wrote in
//! an anonymous case study of their own is never listed: the case study shows "Ẩn danh".

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{cursor, params, topics::next};
use crate::app::AppState;
use crate::domain::provinces;
use crate::error::{AppError, AppResult};
use crate::store::{ApiPostRow, Keyset, PublicMember};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(profile)).routes(routes!(posts))
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 17, "topic_id": 42, "topic_title": "Bảng kiểm an toàn phẫu thuật", "url": "/t/42#post-17",
    "opening_post": false, "body": "Khoa tôi cũng dùng bảng kiểm này.", "created_at": "2025-03-16T10:00:00Z"}))]
struct PostItem {
    id: i64,
    topic_id: i64,
    topic_title: String,
    url: String,
    /// True for the post that started the topic.
    opening_post: bool,
    /// Markdown, as the topic page shows it now.
    body: String,
    created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
struct ProvinceOut {
    code: String,
    name: String,
}

#[derive(Serialize, ToSchema)]
#[schema(example = json!({"id": 5, "handle": "lan_nguyen", "display_name": "Nguyễn Thị Lan", "job_title": "Điều dưỡng trưởng",
    "hospital": "Bệnh viện Bạch Mai", "department": "Khoa Hồi sức", "province": {"code": "01", "name": "Hà Nội"}, "role": "member",
    "joined_at": "2024-05-01T00:00:00Z", "url": "/u/5", "posts": [], "next_cursor": null}))]
struct ProfileOut {
    id: i64,
    /// For @mentions; null for a member without one.
    handle: Option<String>,
    display_name: String,
    job_title: String,
    hospital: String,
    department: String,
    province: Option<ProvinceOut>,
    /// member, moderator, ministry or admin.
    role: String,
    joined_at: DateTime<Utc>,
    /// The profile page on the site.
    url: String,
    /// The first page of public posts, newest first.
    posts: Vec<PostItem>,
    /// For GET /api/v1/users/{username}/posts; null when there are no more.
    next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct PostPage {
    posts: Vec<PostItem>,
    next_cursor: Option<String>,
}

/// The query of the member lists (documentation).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct PostsQuery {
    /// Posts per page, 1 to 100 (default 20); outside that range: 400.
    limit: Option<String>,
    /// `next_cursor` of the previous page, as given; changed or another member's: 400.
    cursor: Option<String>,
}

/// The query of the profile (documentation): the first page only.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct ProfileQuery {
    /// Posts on the first page, 1 to 100 (default 20); outside that range: 400.
    limit: Option<String>,
}

/// A member's public profile with the first page of their public posts.
#[utoipa::path(get, path = "/api/v1/users/{username}", params(("username" = String, Path, description = "The member's handle (with or without @) or number."), ProfileQuery),
    responses((status = 200, body = ProfileOut), (status = 400, description = "An unknown parameter or a limit outside 1–100."), (status = 404)))]
async fn profile(State(state): State<AppState>, Path(name): Path<String>, RawQuery(raw): RawQuery) -> AppResult<Json<ProfileOut>> {
    let member = find(&state, &name).await?;
    let page = posts_page(&state, member.id, raw.as_deref(), false).await?;
    let province =
        member.province_code.as_deref().and_then(provinces::by_code).map(|p| ProvinceOut { code: p.code.into(), name: p.name.into() });
    Ok(Json(ProfileOut {
        url: format!("/u/{}", member.id),
        id: member.id,
        handle: member.handle,
        display_name: member.display_name,
        job_title: member.job_title,
        hospital: member.hospital,
        department: member.department,
        province,
        role: member.role,
        joined_at: member.created_at,
        posts: page.posts,
        next_cursor: page.next_cursor,
    }))
}

/// A member's public posts, newest first, a page at a time.
#[utoipa::path(get, path = "/api/v1/users/{username}/posts", params(("username" = String, Path, description = "The member's handle (with or without @) or number."), PostsQuery),
    responses((status = 200, body = PostPage), (status = 400, description = "An unknown parameter, a limit outside 1–100, or a cursor that was changed or belongs to another member."), (status = 404)))]
async fn posts(State(state): State<AppState>, Path(name): Path<String>, RawQuery(raw): RawQuery) -> AppResult<Json<PostPage>> {
    let member = find(&state, &name).await?;
    Ok(Json(posts_page(&state, member.id, raw.as_deref(), true).await?))
}

async fn find(state: &AppState, name: &str) -> AppResult<PublicMember> {
    state.store().public_member(name.trim()).await?.ok_or(AppError::NotFound)
}

async fn posts_page(state: &AppState, member_id: i64, raw: Option<&str>, takes_cursor: bool) -> AppResult<PostPage> {
    let allowed: &[&str] = if takes_cursor { &["limit", "cursor"] } else { &["limit"] };
    let given = params::parse(raw, allowed)?;
    let limit = params::limit(&given, params::MAX_LIMIT)?;
    let list = format!("users/{member_id}/posts");
    let secret = cursor::key(state.store()).await?;
    let after = match params::get(&given, "cursor") {
        Some(c) => Some(cursor::open(&secret, &list, c).ok_or_else(|| params::bad("error.integrations.bad_cursor", c))?),
        None => None,
    };
    let mut rows = state.store().public_posts(member_id, after, limit + 1).await?;
    let next_cursor =
        next(&mut rows, limit, |r: &ApiPostRow| Keyset { at: r.created_at, id: r.id }).map(|key| cursor::seal(&secret, &list, key));
    let posts = rows
        .into_iter()
        .map(|p| PostItem {
            url: format!("/t/{}#post-{}", p.topic_id, p.id),
            opening_post: p.position == 1,
            id: p.id,
            topic_id: p.topic_id,
            topic_title: p.topic_title,
            body: p.body,
            created_at: p.created_at,
        })
        .collect();
    Ok(PostPage { posts, next_cursor })
}
