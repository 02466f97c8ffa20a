//! Sign-up, sign-in, profile pages.

use std::net::SocketAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum_extra::extract::CookieJar;
use serde::Deserialize;

use super::provinces::{self, Province};
use super::{DisplayName, RequireUser, Role};
use crate::app::AppState;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{ProfileUpdate, TopicRow, User};
use crate::text;
use crate::web::Localized;
use crate::web::{CsrfForm, Page, refill, safe_next};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/u/{id}", get(profile))
        .route("/settings/profile", get(settings_form).post(save_settings))
        .route("/settings/ministry-request", axum::routing::post(request_ministry))
}

#[derive(Deserialize, Default)]
struct NextQuery {
    next: Option<String>,
    /// Set when a two-factor sign-in took too long or too many tries and must start again.
    two_factor_expired: Option<String>,
    /// Set after a password was reset with a mailed link.
    password_reset: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    page: Page,
    error: Option<String>,
    email: String,
    next: String,
    /// `next`, URL-encoded, for the provider buttons' links.
    next_encoded: String,
    providers: Vec<super::oidc::ProviderButton>,
    two_factor_expired: bool,
    password_reset: bool,
}

impl LoginPage {
    fn new(state: &AppState, page: Page, error: Option<String>, email: String, next: String) -> Self {
        let next_encoded = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
        Self {
            page,
            error,
            email,
            next,
            next_encoded,
            providers: super::oidc::buttons(state, &[]),
            two_factor_expired: false,
            password_reset: false,
        }
    }
}

async fn login_form(State(state): State<AppState>, page: Page, Query(q): Query<NextQuery>) -> LoginPage {
    let mut login_page = LoginPage::new(&state, page, None, String::new(), safe_next(q.next.as_deref()));
    login_page.two_factor_expired = q.two_factor_expired.is_some();
    login_page.password_reset = q.password_reset.is_some();
    login_page
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    page: Page,
    jar: CookieJar,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> AppResult<Response> {
    let next = safe_next(form.next.as_deref());
    match super::authenticate(&state, &form.email, &form.password, addr.ip()).await {
        Ok(user) => super::two_factor::complete_sign_in(&state, jar, user.id, &next).await,
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            refill(err, LoginPage::new(&state, page, error, form.email, next))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "profile.html")]
struct ProfilePage {
    page: Page,
    user: User,
    province: Option<&'static Province>,
    topics: Vec<TopicRow>,
    /// An imported author nobody has claimed yet: signed-in readers get a "this is me" link.
    claimable: bool,
}

impl ProfilePage {
    /// For the ministry badge in the topic list (every topic listed is this member's).
    fn is_ministry(&self, author_id: &i64) -> bool {
        *author_id == self.user.id && self.user.role == Role::Ministry
    }

    fn role_key(&self) -> &'static str {
        match self.user.role {
            Role::Member => "role.member",
            Role::Moderator => "role.moderator",
            Role::Ministry => "role.ministry",
            Role::Admin => "role.admin",
        }
    }
}

async fn profile(State(state): State<AppState>, page: Page, Path(id): Path<String>) -> AppResult<ProfilePage> {
    // An address that names no member is "not found", like /t/abc, not a malformed request.
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let user = state.store().user_by_id(id).await?;
    let topics = state.store().topics_by_author(id, 20).await?;
    let province = user.province_code.as_deref().and_then(provinces::by_code);
    let claimable = state.store().is_claimable_placeholder(id).await?;
    Ok(ProfilePage { page, user, province, topics, claimable })
}

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    page: Page,
    error: Option<String>,
    saved: bool,
    form: SettingsForm,
    provinces: &'static [Province],
    /// Sign-in providers, with those linked to this member marked.
    providers: Vec<super::oidc::ProviderButton>,
    linked: bool,
    unlinked: bool,
    ministry: MinistryStatus,
}

/// Where the member stands on ministry staff status, for the request form on the settings page.
struct MinistryStatus {
    /// Only a plain member can ask.
    can_request: bool,
    /// The latest request's state: "open", "approved" or "rejected".
    request_state: Option<String>,
    just_requested: bool,
    error: Option<String>,
    note: String,
}

async fn ministry_status(state: &AppState, user: &User) -> AppResult<MinistryStatus> {
    let request_state = state.store().ministry_request_state(user.id).await?;
    let can_request = user.role == Role::Member && request_state.as_deref() != Some("open");
    Ok(MinistryStatus { can_request, request_state, just_requested: false, error: None, note: String::new() })
}

async fn provider_buttons(state: &AppState, user_id: i64) -> AppResult<Vec<super::oidc::ProviderButton>> {
    let linked: Vec<String> = state.store().identities_of(user_id).await?.into_iter().map(|i| i.provider_id).collect();
    Ok(super::oidc::buttons(state, &linked))
}

impl SettingsPage {
    fn tiers(&self) -> &'static [&'static str] {
        crate::domain::HOSPITAL_TIERS
    }
}

#[derive(Deserialize, Default, Clone)]
struct SettingsForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    job_title: String,
    #[serde(default)]
    hospital: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    province: String,
    /// initial, basic or specialised (guidance pages count citing authors by tier).
    #[serde(default)]
    hospital_tier: String,
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
    linked: Option<String>,
    unlinked: Option<String>,
    ministry_requested: Option<String>,
}

/// The profile form filled in with what the member has saved.
async fn saved_form(state: &AppState, user: &User) -> AppResult<SettingsForm> {
    let hospital_tier = state.store().hospital_tier(user.id).await?.unwrap_or_default();
    Ok(SettingsForm {
        hospital_tier,
        display_name: user.display_name.clone(),
        job_title: user.job_title.clone(),
        hospital: user.hospital.clone(),
        department: user.department.clone(),
        province: user.province_code.clone().unwrap_or_default(),
    })
}

async fn settings_form(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(q): Query<SavedQuery>,
) -> AppResult<SettingsPage> {
    let form = saved_form(&state, &user).await?;
    let providers = provider_buttons(&state, user.id).await?;
    let (linked, unlinked) = (q.linked.is_some(), q.unlinked.is_some());
    let mut ministry = ministry_status(&state, &user).await?;
    ministry.just_requested = q.ministry_requested.is_some();
    Ok(SettingsPage {
        page,
        error: None,
        saved: q.saved.is_some(),
        form,
        provinces: provinces::all(),
        providers,
        linked,
        unlinked,
        ministry,
    })
}

const PROFILE_FIELD_MAX: usize = 120;

async fn save_settings(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> AppResult<Response> {
    match update_profile(&state, user.id, &form).await {
        Ok(()) => Ok(Redirect::to("/settings/profile?saved=1").into_response()),
        Err(err) => {
            let error = Some(page.msg(&err.message()));
            let providers = provider_buttons(&state, user.id).await?;
            let ministry = ministry_status(&state, &user).await?;
            let page = SettingsPage {
                page,
                error,
                saved: false,
                form,
                provinces: provinces::all(),
                providers,
                linked: false,
                unlinked: false,
                ministry,
            };
            refill(err, page)
        }
    }
}

async fn update_profile(state: &AppState, user_id: i64, form: &SettingsForm) -> AppResult<()> {
    let name = DisplayName::parse(&form.display_name)?;
    let field = |value: &str| -> AppResult<String> {
        let v = text::clean_line(value);
        if text::char_len(&v) > PROFILE_FIELD_MAX {
            return Err(AppError::BadRequest(Msg::new("error.field_too_long").arg("max", PROFILE_FIELD_MAX)));
        }
        Ok(v)
    };
    let (job_title, hospital, department) = (field(&form.job_title)?, field(&form.hospital)?, field(&form.department)?);
    let province = match form.province.trim() {
        "" => None,
        typed => Some(provinces::resolve(typed).ok_or_else(|| AppError::bad("error.province_unknown"))?.code),
    };
    let tier = super::domain::parse_hospital_tier(&form.hospital_tier)?;
    let update = ProfileUpdate {
        display_name: name.as_str(),
        job_title: &job_title,
        hospital: &hospital,
        department: &department,
        province_code: province,
    };
    state.store().update_profile(user_id, &update).await?;
    state.store().set_hospital_tier(user_id, tier).await?;
    Ok(())
}

#[derive(Deserialize)]
struct MinistryRequestForm {
    /// Position and unit, for the moderator who checks it.
    #[serde(default)]
    note: String,
}

/// "Request ministry staff status": a moderator approves (the role changes, audited) or rejects it.
async fn request_ministry(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<MinistryRequestForm>,
) -> AppResult<Response> {
    match crate::moderation::service::request_ministry(&state, &user, &form.note).await {
        Ok(()) => Ok(Redirect::to("/settings/profile?ministry_requested=1").into_response()),
        Err(err) => {
            let mut ministry = ministry_status(&state, &user).await?;
            ministry.error = Some(page.msg(&err.message()));
            ministry.note = form.note;
            let providers = provider_buttons(&state, user.id).await?;
            let form = saved_form(&state, &user).await?;
            let page = SettingsPage {
                page,
                error: None,
                saved: false,
                form,
                provinces: provinces::all(),
                providers,
                linked: false,
                unlinked: false,
                ministry,
            };
            refill(err, page)
        }
    }
}
