//! The admin's categories page (`/admin/categories`): create, rename in Vietnamese and English,
//! describe, reorder and archive categories, without JavaScript. Each change is audited in its
//! own transaction (`store/admin_categories.rs`). A renamed slug keeps working: `/c/<old>…`
//! answers 301 to the new address ([`redirect_moved`]); the topics belong to the category, not
//! to its slug, so they move with it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{parse_reason, require_admin};
use crate::app::AppState;
use crate::domain::slugify;
use crate::error::{AppError, AppResult, Msg};
use crate::store::{Category, CategoryClash, CategoryFields, Direction, StoreError};
use crate::web::{CsrfForm, Localized, Page, RequireUser, refill};

/// Longest name, in characters after NFC (a menu line on a phone).
const NAME_MAX: usize = 80;
/// Longest description.
const DESCRIPTION_MAX: usize = 500;
/// Longest slug (the address).
const SLUG_MAX: usize = 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/categories", get(categories_page).post(create))
        .route("/admin/categories/{id}", post(update))
        .route("/admin/categories/{id}/move", post(move_category))
        .route("/admin/categories/{id}/archive", post(archive))
}

/// What the form sends (every field optional, so a missing one is a clear message, not a 422
/// from the framework).
#[derive(Deserialize, Default, Clone)]
struct CategoryForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name_vi: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_vi: String,
    #[serde(default)]
    description_en: String,
}

impl CategoryForm {
    fn of(c: &Category) -> Self {
        Self {
            slug: c.slug.clone(),
            name_vi: c.name_vi.clone(),
            name_en: c.name_en.clone(),
            description_vi: c.description_vi.clone(),
            description_en: c.description_en.clone(),
        }
    }
}

/// A form that passed every check.
struct ValidCategory {
    slug: String,
    name_vi: String,
    name_en: String,
    description_vi: String,
    description_en: String,
}

impl ValidCategory {
    fn fields(&self) -> CategoryFields<'_> {
        CategoryFields {
            slug: &self.slug,
            name_vi: &self.name_vi,
            name_en: &self.name_en,
            description_vi: &self.description_vi,
            description_en: &self.description_en,
        }
    }
}

fn too_long(max: usize, len: usize) -> AppError {
    AppError::BadRequest(Msg::new("admin.categories.too_long").arg("max", max).arg("len", len))
}

fn parse_name(raw: &str, missing: &'static str) -> AppResult<String> {
    let name = crate::text::clean_line(raw);
    match crate::text::char_len(&name) {
        0 => Err(AppError::bad(missing)),
        len if len > NAME_MAX => Err(too_long(NAME_MAX, len)),
        _ => Ok(name),
    }
}

fn parse_description(raw: &str) -> AppResult<String> {
    let text = crate::text::clean(raw).trim().to_string();
    match crate::text::char_len(&text) {
        len if len > DESCRIPTION_MAX => Err(too_long(DESCRIPTION_MAX, len)),
        _ => Ok(text),
    }
}

/// The slug typed (or, left empty, made from the Vietnamese name), in the forum's slug form.
fn parse_slug(raw: &str, name_vi: &str) -> AppResult<String> {
    let slug = slugify(if raw.trim().is_empty() { name_vi } else { raw });
    match slug.len() {
        0 => Err(AppError::bad("admin.categories.slug_empty")),
        len if len > SLUG_MAX => Err(too_long(SLUG_MAX, len)),
        _ => Ok(slug),
    }
}

fn parse(form: &CategoryForm) -> AppResult<ValidCategory> {
    let name_vi = parse_name(&form.name_vi, "admin.categories.name_vi_missing")?;
    let name_en = parse_name(&form.name_en, "admin.categories.name_en_missing")?;
    Ok(ValidCategory {
        slug: parse_slug(&form.slug, &name_vi)?,
        description_vi: parse_description(&form.description_vi)?,
        description_en: parse_description(&form.description_en)?,
        name_vi,
        name_en,
    })
}

/// The 409 naming the field another category already has, with the value.
fn clash_error(clash: CategoryClash, valid: &ValidCategory) -> AppError {
    let (key, value) = match clash {
        CategoryClash::Slug => ("admin.categories.clash_slug", &valid.slug),
        CategoryClash::NameVi => ("admin.categories.clash_name_vi", &valid.name_vi),
        CategoryClash::NameEn => ("admin.categories.clash_name_en", &valid.name_en),
    };
    AppError::Conflict(Msg::new(key).arg("value", value))
}

/// The category was removed while the admin looked at the page.
fn gone() -> AppError {
    AppError::Rejected(StatusCode::NOT_FOUND, Msg::new("admin.categories.gone"))
}

fn parse_id(raw: &str) -> AppResult<i64> {
    raw.parse().map_err(|_| gone())
}

/// One category on the page, with its edit form (the refused input when it was just refused).
struct Row {
    category: Category,
    form: CategoryForm,
    error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_categories.html")]
struct CategoriesPage {
    page: Page,
    rows: Vec<Row>,
    /// The "new category" form, and why it was refused.
    new_form: CategoryForm,
    new_error: Option<String>,
    notice: Option<&'static str>,
}

/// Where a refused form's text goes back.
enum Refused {
    None,
    New(CategoryForm, String),
    Edit(i64, CategoryForm, String),
}

async fn render(state: &AppState, page: Page, refused: Refused, notice: Option<&'static str>) -> AppResult<CategoriesPage> {
    let categories = state.store().categories().await?;
    let mut rows: Vec<Row> = categories.into_iter().map(|c| Row { form: CategoryForm::of(&c), category: c, error: None }).collect();
    let (mut new_form, mut new_error) = (CategoryForm::default(), None);
    match refused {
        Refused::None => {}
        Refused::New(form, error) => (new_form, new_error) = (form, Some(error)),
        Refused::Edit(id, form, error) => {
            if let Some(row) = rows.iter_mut().find(|r| r.category.id == id) {
                (row.form, row.error) = (form, Some(error));
            }
        }
    }
    Ok(CategoriesPage { page, rows, new_form, new_error, notice })
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "created" => Some("admin.categories.created"),
        "saved" => Some("admin.categories.saved"),
        "moved" => Some("admin.categories.moved"),
        "archived" => Some("admin.categories.archived_notice"),
        "unarchived" => Some("admin.categories.unarchived_notice"),
        _ => None,
    }
}

async fn categories_page(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Query(done): Query<Done>,
) -> AppResult<CategoriesPage> {
    require_admin(&user)?;
    render(&state, page, Refused::None, notice_of(done.done.as_deref())).await
}

fn done(what: &str, id: i64) -> Response {
    Redirect::to(&format!("/admin/categories?done={what}#category-{id}")).into_response()
}

async fn create(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let result = match parse(&form) {
        Ok(valid) => match state.store().create_category_audited(user.id, &valid.fields()).await? {
            Ok(id) => return Ok(done("created", id)),
            Err(clash) => clash_error(clash, &valid),
        },
        Err(err) => err,
    };
    let message = page.msg(&result.message());
    refill(result, render(&state, page, Refused::New(form, message), None).await?)
}

async fn update(
    State(state): State<AppState>,
    page: Page,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CategoryForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    let result = match parse(&form) {
        Ok(valid) => match state.store().update_category_audited(user.id, id, &valid.fields()).await {
            Ok(Ok(())) => return Ok(done("saved", id)),
            Ok(Err(clash)) => clash_error(clash, &valid),
            Err(StoreError::NotFound) => return Err(gone()),
            Err(other) => return Err(other.into()),
        },
        Err(err) => err,
    };
    let message = page.msg(&result.message());
    refill(result, render(&state, page, Refused::Edit(id, form, message), None).await?)
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    direction: String,
}

async fn move_category(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    let direction = match form.direction.as_str() {
        "up" => Direction::Up,
        "down" => Direction::Down,
        _ => return Err(AppError::bad("admin.categories.direction_unknown")),
    };
    match state.store().move_category_audited(user.id, id, direction).await {
        Ok(_) => Ok(done("moved", id)),
        Err(StoreError::NotFound) => Err(gone()),
        Err(other) => Err(other.into()),
    }
}

#[derive(Deserialize)]
struct ArchiveForm {
    #[serde(default)]
    archive: String,
    #[serde(default)]
    reason: String,
}

async fn archive(
    State(state): State<AppState>,
    RequireUser(user): RequireUser,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ArchiveForm>,
) -> AppResult<Response> {
    require_admin(&user)?;
    let id = parse_id(&id)?;
    let archive = match form.archive.as_str() {
        "yes" => true,
        "no" => false,
        _ => return Err(AppError::bad("admin.categories.archive_unknown")),
    };
    let reason = parse_reason(&form.reason)?;
    match state.store().archive_category_audited(user.id, id, archive, &reason).await {
        Ok(()) => Ok(done(if archive { "archived" } else { "unarchived" }, id)),
        Err(StoreError::NotFound) => Err(gone()),
        Err(StoreError::Conflict) => {
            Err(AppError::Conflict(Msg::new(if archive { "admin.categories.already_archived" } else { "admin.categories.not_archived" })))
        }
        Err(other) => Err(other.into()),
    }
}

/// `/c/<old slug>…` of a renamed category: 301 to the same page under the new slug. Runs after
/// the forum answered 404, so a slug in use never costs a look-up here.
pub async fn redirect_moved(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let candidate = (req.method() == Method::GET || req.method() == Method::HEAD)
        .then(|| req.uri().path().strip_prefix("/c/").map(str::to_string))
        .flatten();
    let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
    let response = next.run(req).await;
    let Some(rest) = candidate.filter(|_| response.status() == StatusCode::NOT_FOUND) else {
        return response;
    };
    let (old, tail) = rest.split_once('/').map_or((rest.as_str(), String::new()), |(o, t)| (o, format!("/{t}")));
    match state.store().category_moved_to(old).await {
        // 301, the status every crawler and old bookmark understands for a moved page.
        Ok(Some(slug)) => (StatusCode::MOVED_PERMANENTLY, [(header::LOCATION, format!("/c/{slug}{tail}{query}"))]).into_response(),
        _ => response,
    }
}
