//! Drafts saved on the server while a member composes (a nurse called away mid-post finds the
//! text again on any device). Not to be confused with `web::refused_form`, which only shows the
//! text of a refused form back once.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use crate::domain::TopicKind;
use crate::error::{AppError, AppResult, Msg};
use crate::store::User;
use crate::store::{DraftRow, Store};

/// Form fields a draft keeps. Everything else (the CSRF token, buttons) is dropped.
const KEPT_FIELDS: [&str; 15] = [
    "category",
    "title",
    "summary",
    "body",
    "tags",
    "guidance",
    "context",
    "problem",
    "causes",
    "intervention",
    "results",
    "lessons",
    "anonymous",
    "hospital_tier",
    "anon_province",
];

/// Characters a draft may hold in all: a full case study (body limit 40,000) with its title,
/// summary and tags fits; a pasted 10 MB file does not (the request body limit stops it first).
pub const MAX_DRAFT_CHARS: usize = 50_000;

/// Where a draft belongs: composing a new topic of a kind, a reply to a topic, or a new version
/// of a post (its edit form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    NewTopic(TopicKind),
    Reply(i64),
    EditPost(i64),
}

impl Scope {
    /// `new:<kind>`, `reply:<topic id>` or `edit:<post id>`; anything else is not a place one
    /// composes in.
    pub fn parse(raw: &str) -> Option<Scope> {
        let positive = |id: &str| id.parse().ok().filter(|id: &i64| *id > 0);
        match raw.trim().split_once(':')? {
            ("new", kind) => TopicKind::parse(kind).map(Scope::NewTopic),
            ("reply", id) => positive(id).map(Scope::Reply),
            ("edit", id) => positive(id).map(Scope::EditPost),
            _ => None,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Scope::NewTopic(kind) => format!("new:{}", kind.as_str()),
            Scope::Reply(id) => format!("reply:{id}"),
            Scope::EditPost(id) => format!("edit:{id}"),
        }
    }

    /// The page where composing goes on.
    pub fn resume_url(&self) -> String {
        match self {
            Scope::NewTopic(kind) => format!("/new?kind={}", kind.as_str()),
            Scope::Reply(id) => format!("/t/{id}#reply"),
            Scope::EditPost(id) => format!("/posts/{id}/edit"),
        }
    }
}

/// The text of a draft: kept field → NFC text, empty fields left out.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DraftFields(pub BTreeMap<String, String>);

impl DraftFields {
    /// Keeps the known fields of a submitted form, as NFC; refuses more than [`MAX_DRAFT_CHARS`].
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> AppResult<DraftFields> {
        let mut fields = BTreeMap::new();
        let mut total = 0;
        for (name, value) in pairs {
            let Some(name) = KEPT_FIELDS.iter().find(|f| **f == name) else { continue };
            let text = crate::text::clean(value);
            total += crate::text::char_len(&text);
            if total > MAX_DRAFT_CHARS {
                return Err(too_large());
            }
            if !text.is_empty() {
                fields.insert(name.to_string(), text);
            }
        }
        Ok(DraftFields(fields))
    }

    pub fn get(&self, field: &str) -> &str {
        self.0.get(field).map(String::as_str).unwrap_or("")
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The fields as a URL-encoded form, to fill a compose form's struct with serde.
    pub fn to_form(&self) -> String {
        url::form_urlencoded::Serializer::new(String::new()).extend_pairs(self.0.iter()).finish()
    }

    fn parse(json: &str) -> DraftFields {
        serde_json::from_str(json).unwrap_or_default()
    }
}

fn too_large() -> AppError {
    AppError::Rejected(StatusCode::PAYLOAD_TOO_LARGE, Msg::new("draft.too_large").arg("max", MAX_DRAFT_CHARS))
}

/// A saved draft, read back.
pub struct Draft {
    pub row: DraftRow,
    pub scope: Option<Scope>,
    pub fields: DraftFields,
}

impl From<DraftRow> for Draft {
    fn from(row: DraftRow) -> Self {
        Draft { scope: Scope::parse(&row.scope), fields: DraftFields::parse(&row.fields), row }
    }
}

impl Draft {
    /// What the drafts list shows: the title, or the start of the text.
    pub fn excerpt(&self) -> String {
        let text = [self.fields.get("title"), self.fields.get("body"), self.fields.get("context")]
            .into_iter()
            .find(|t| !t.is_empty())
            .unwrap_or("");
        let line = crate::text::clean_line(text);
        match line.char_indices().nth(80) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line,
        }
    }
}

/// Saves what a member is composing. A reply draft needs a topic they can see (else 404, the
/// topic is not admitted to exist); an edit draft a post they may edit. An all-empty draft is
/// deleted instead. Returns the draft's id.
pub async fn save(store: &Store, user: &User, scope: &Scope, fields: &DraftFields) -> AppResult<Option<i64>> {
    let topic_id = topic_of(store, user, scope).await?;
    if fields.is_empty() {
        forget(store, user.id, scope).await?;
        return Ok(None);
    }
    let json = serde_json::to_string(fields).map_err(|e| AppError::Internal(e.into()))?;
    Ok(Some(store.save_draft(user.id, &scope.key(), topic_id, &json).await?))
}

/// The topic a draft belongs to, checked: one the member can see (reply), or the topic of a post
/// they may edit (edit).
async fn topic_of(store: &Store, user: &User, scope: &Scope) -> AppResult<Option<i64>> {
    match scope {
        Scope::NewTopic(_) => Ok(None),
        Scope::Reply(topic_id) => {
            let topic = crate::store::access::visible_topic(store, *topic_id, Some(user)).await?;
            if topic.deleted_at.is_some() {
                return Err(AppError::NotFound);
            }
            Ok(Some(topic.id))
        }
        Scope::EditPost(post_id) => Ok(Some(crate::store::access::editable_post(store, user, *post_id).await?.topic_id)),
    }
}

/// The member's draft for `scope`.
pub async fn load(store: &Store, user_id: i64, scope: &Scope) -> AppResult<Option<Draft>> {
    Ok(store.draft_for(user_id, &scope.key()).await?.map(Draft::from))
}

/// Deletes the member's draft for `scope` (after it was posted).
pub async fn forget(store: &Store, user_id: i64, scope: &Scope) -> AppResult<()> {
    Ok(store.delete_draft_scope(user_id, &scope.key()).await?)
}

/// All the member's drafts, newest first.
pub async fn list(store: &Store, user_id: i64) -> AppResult<Vec<Draft>> {
    Ok(store.drafts(user_id).await?.into_iter().map(Draft::from).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print() {
        assert_eq!(Scope::parse("new:case_study"), Some(Scope::NewTopic(TopicKind::CaseStudy)));
        assert_eq!(Scope::parse("reply:42").map(|s| s.key()), Some("reply:42".to_string()));
        assert_eq!(Scope::parse("edit:3"), Some(Scope::EditPost(3)));
        for bad in ["", "new:poem", "reply:-1", "reply:abc", "edit:0", "edit:x", "change:3", "new"] {
            assert_eq!(Scope::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn drafts_keep_known_fields_as_nfc() {
        let decomposed = "Te\u{302}\u{301} nga\u{303}";
        let fields =
            DraftFields::from_pairs([("csrf", "secret"), ("title", decomposed), ("body", "  "), ("results", "62% → 88%")]).unwrap();
        assert_eq!(fields.get("title"), "Tế ngã");
        assert_eq!(fields.0.len(), 2, "the token and the empty body are not kept: {fields:?}");
    }

    #[test]
    fn a_draft_over_the_limit_is_refused() {
        let long = "ệ".repeat(MAX_DRAFT_CHARS + 1);
        let err = DraftFields::from_pairs([("body", long.as_str())]).unwrap_err();
        assert_eq!(err.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
}
