//! Bulk import of published topics from another system (`goodpractice import jsonl FILE`).
//!
//! Each record becomes one published topic with its original date. Topics are written
//! [`BATCH`] to a transaction (one commit, one disk sync, a few multi-row statements, for the
//! lot), so none is ever half-written. A record is known by its `source_id` (or, without one, by
//! a hash of its content), so importing the same file again adds nothing; its replies (a Facebook
//! post's comments) are known the same way, so a later export adds only the comments that are new. Authors who never signed up get a placeholder account per
//! distinct name: no password, an undeliverable `imported+…@goodpractice.invalid` email, marked
//! `placeholder` so that a real member can claim it later. Bad records are skipped with a reason;
//! only a database failure stops the import.

pub mod facebook;
pub mod jsonl;
mod record;

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::accounts::DisplayName;
use crate::error::AppError;
use crate::forum::service::{self, TopicInput, ValidTopic};
use crate::forum::{markdown, seed};
use crate::store::{Category, ImportItem, ImportedReply, ImportedTopic, LaterReplies, NewTopic, Store};
use crate::web::i18n::{Catalogs, Lang};
pub(crate) use record::known_replies;
use record::{created_at, required, source_id};
pub use record::{parse_date, placeholder_email, reply_content_key};

/// Where a record without a category goes (`--default-category`).
pub const DEFAULT_CATEGORY: &str = "quality-management";
/// The kind of a record without one.
pub const DEFAULT_KIND: &str = "discussion";
/// The author of a record without one ("a member of the old group").
pub const DEFAULT_AUTHOR: &str = "Thành viên nhóm cũ";
/// The domain of placeholder accounts' emails (`.invalid` can never receive mail, RFC 2606).
pub const PLACEHOLDER_DOMAIN: &str = "goodpractice.invalid";
/// Longest `source_id` accepted, in characters.
pub const SOURCE_ID_MAX: usize = 200;
/// Topics written per transaction: one commit (one disk sync) for the lot, not one each.
pub const BATCH: usize = 250;

#[derive(Debug, Clone)]
pub struct Options {
    pub default_category: String,
}

impl Default for Options {
    fn default() -> Self {
        Self { default_category: DEFAULT_CATEGORY.to_string() }
    }
}

/// One topic as another system exported it. Only `title` and `body` are required.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "an object with title and body")]
pub struct Record {
    pub title: Option<String>,
    pub body: Option<String>,
    pub category: Option<String>,
    pub kind: Option<String>,
    /// Required for a `good_practice`.
    pub summary: Option<String>,
    pub tags: Option<Vec<String>>,
    pub author_name: Option<String>,
    /// RFC 3339, or `YYYY-MM-DD` (taken as midnight UTC, the same day in Vietnam).
    pub created_at: Option<String>,
    pub source_id: Option<SourceId>,
    /// Replies imported with the topic (a Facebook post's comments); never read from JSON Lines.
    #[serde(skip)]
    pub replies: Vec<ReplyRecord>,
    /// The category is a guess: queue the topic for moderators ("imported, check category").
    #[serde(skip)]
    pub check_category: bool,
}

/// A reply that comes with an imported topic.
#[derive(Debug, Clone)]
pub struct ReplyRecord {
    pub author_name: Option<String>,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// The source's identifier of the comment; without one it is known by a hash of its topic,
    /// date and text ([`reply_content_key`]).
    pub source_id: Option<String>,
    /// Its topic is a guess: moderators are asked to check it ("placed by guess").
    pub placed_by_guess: bool,
}

/// A source's identifier, which exports write as a string or as a number.
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a string or a number")]
pub enum SourceId {
    Text(String),
    Number(serde_json::Number),
}

/// Why a record was not imported: a reason to report (the import goes on), or a failure that
/// stops the import.
#[derive(Debug)]
pub enum Problem {
    Skip(String),
    Fatal(anyhow::Error),
}

type Step<T> = Result<T, Problem>;

fn skip<T>(reason: impl Into<String>) -> Step<T> {
    Err(Problem::Skip(reason.into()))
}

/// Counts, and the skipped lines with their reasons, for the final report.
#[derive(Debug, Default)]
pub struct Report {
    /// What the numbers in `skipped` count: "line" unless set.
    pub unit: &'static str,
    pub imported: u64,
    pub already_imported: u64,
    /// Replies added to topics imported before (a later export's new comments), and to how many
    /// distinct topics.
    pub replies_added: u64,
    pub topics_with_new_replies: u64,
    /// Whether the source has replies at all (the report then counts them).
    pub with_replies: bool,
    pub skipped: Vec<(u64, String)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "imported: {}", self.imported)?;
        writeln!(f, "already imported: {}", self.already_imported)?;
        if self.with_replies {
            writeln!(f, "{} new replies on {} existing topics", self.replies_added, self.topics_with_new_replies)?;
        }
        writeln!(f, "skipped: {}", self.skipped.len())?;
        let unit = if self.unit.is_empty() { "line" } else { self.unit };
        for (line, reason) in &self.skipped {
            writeln!(f, "  {unit} {line}: {reason}")?;
        }
        Ok(())
    }
}

/// What waits for the next batch: a new topic, or new replies to one imported before.
enum Pending {
    // Boxed: a topic with its replies is far larger than the replies-only variant.
    Topic(Box<PendingTopic>),
    Replies { line: u64, source_id: String, replies: Vec<PendingReply> },
}

/// A record that passed every check.
struct PendingTopic {
    line: u64,
    topic: ValidTopic,
    html: String,
    author_id: i64,
    at: DateTime<Utc>,
    source_id: String,
    replies: Vec<PendingReply>,
    check_category: bool,
    /// Of `replies`, how many came later in this run (another export of the same post).
    later_replies: u64,
}

struct PendingReply {
    author_id: i64,
    body: String,
    html: String,
    at: DateTime<Utc>,
    source_id: String,
    placed_by_guess: bool,
}

impl PendingReply {
    fn imported(&self) -> ImportedReply<'_> {
        let (body, body_html, source_id) = (&self.body, &self.html, Some(self.source_id.as_str()));
        ImportedReply { author_id: self.author_id, body, body_html, created_at: self.at, source_id, placed_by_guess: self.placed_by_guess }
    }
}

impl Pending {
    fn item(&self) -> ImportItem<'_> {
        match self {
            Pending::Topic(p) => {
                let topic = NewTopic { source_id: Some(&p.source_id), ..service::new_topic(&p.topic, &p.html, p.author_id, p.at) };
                let replies = p.replies.iter().map(PendingReply::imported).collect();
                ImportItem::Topic(ImportedTopic { topic, replies, check_category: p.check_category })
            }
            Pending::Replies { source_id, replies, .. } => ImportItem::Replies(LaterReplies {
                topic_source_id: source_id,
                replies: replies.iter().map(PendingReply::imported).collect(),
            }),
        }
    }

    fn line(&self) -> u64 {
        match self {
            Pending::Topic(p) => p.line,
            Pending::Replies { line, .. } => *line,
        }
    }

    fn source_id(&self) -> &str {
        match self {
            Pending::Topic(p) => &p.source_id,
            Pending::Replies { source_id, .. } => source_id,
        }
    }

    fn replies_mut(&mut self) -> &mut Vec<PendingReply> {
        match self {
            Pending::Topic(p) => &mut p.replies,
            Pending::Replies { replies, .. } => replies,
        }
    }
}

/// Imports records in order, with the categories and placeholder authors looked up once and the
/// topics written in batches of [`BATCH`] (each topic under a savepoint of its own).
pub struct Importer<'a> {
    store: &'a Store,
    options: Options,
    categories: Vec<Category>,
    authors: HashMap<String, i64>,
    /// Sources imported before, and queued in this run.
    known: HashSet<String>,
    /// Replies' sources (and content keys) imported before, and queued in this run.
    known_replies: HashSet<String>,
    catalogs: Catalogs,
    pending: Vec<Pending>,
    /// Where each topic source of `pending` is, so later replies to it join its item.
    pending_at: HashMap<String, usize>,
    /// Topics imported before that this run gave new replies (counted once each in the report).
    gained_replies: HashSet<String>,
    report: Report,
}

impl<'a> Importer<'a> {
    /// Creates the standard categories in a new database; refuses an unknown default category.
    pub async fn new(store: &'a Store, options: Options) -> anyhow::Result<Importer<'a>> {
        seed::ensure_categories(store).await?;
        let categories = store.categories().await?;
        if !categories.iter().any(|c| c.slug == options.default_category) {
            let slugs: Vec<&str> = categories.iter().map(|c| c.slug.as_str()).collect();
            anyhow::bail!("--default-category {:?} is not a category ({})", options.default_category, slugs.join(", "));
        }
        let known = store.source_ids().await?.into_iter().collect();
        let known_replies = known_replies(store).await?;
        let (catalogs, authors, pending, report) = (Catalogs::load()?, HashMap::new(), Vec::new(), Report::default());
        let (pending_at, gained_replies) = (HashMap::new(), HashSet::new());
        Ok(Importer { store, options, categories, authors, known, known_replies, catalogs, pending, pending_at, gained_replies, report })
    }

    /// Takes what was read on `line`: a record, or why there is none. Fails only when the
    /// database does.
    pub async fn add(&mut self, line: u64, read: Result<Record, Problem>) -> anyhow::Result<()> {
        let checked = match read {
            Ok(record) => self.check(line, &record).await,
            Err(problem) => Err(problem),
        };
        match checked {
            Ok(Some(pending)) => {
                self.report.already_imported += u64::from(matches!(pending, Pending::Replies { .. }));
                self.queue(pending);
            }
            Ok(None) => self.report.already_imported += 1,
            Err(Problem::Skip(reason)) => self.report.skipped.push((line, reason)),
            Err(Problem::Fatal(err)) => return Err(self.stopped(line, err)),
        }
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    /// Writes what is still waiting; the report of the whole import.
    pub async fn finish(mut self) -> anyhow::Result<Report> {
        self.flush().await?;
        Ok(self.report)
    }

    /// Numbers the skipped items as `unit`s in the report (e.g. "item" rather than "line").
    pub fn count_in(&mut self, unit: &'static str) {
        self.report.unit = unit;
    }

    /// Counts, in the report, the replies added to topics imported before.
    pub fn count_replies(&mut self) {
        self.report.with_replies = true;
    }

    /// Puts `pending` in the batch: later replies to a topic already in it join that topic's
    /// item (a batch writes one item per topic, in order).
    fn queue(&mut self, mut pending: Pending) {
        if let Some(&at) = self.pending_at.get(pending.source_id()) {
            let replies = std::mem::take(pending.replies_mut());
            if let Pending::Topic(topic) = &mut self.pending[at] {
                topic.later_replies += replies.len() as u64;
            }
            self.pending[at].replies_mut().extend(replies);
            return;
        }
        self.pending_at.insert(pending.source_id().to_string(), self.pending.len());
        self.pending.push(pending);
    }

    /// Queues `reply` to the topic imported before from `topic_source` (a comment found apart
    /// from its post): `Ok(true)` when queued, `Ok(false)` when imported before, or why it cannot
    /// be imported. Fails only when the database does.
    pub async fn add_reply(&mut self, line: u64, topic_source: &str, reply: &ReplyRecord) -> anyhow::Result<Result<bool, String>> {
        let pending = match self.reply(topic_source, reply).await {
            Ok(Some(pending)) => pending,
            Ok(None) => return Ok(Ok(false)),
            Err(Problem::Skip(reason)) => return Ok(Err(reason)),
            Err(Problem::Fatal(err)) => return Err(self.stopped(line, err)),
        };
        self.queue(Pending::Replies { line, source_id: topic_source.to_string(), replies: vec![pending] });
        if self.pending.len() >= BATCH {
            self.flush().await?;
        }
        Ok(Ok(true))
    }

    /// Whether a reply with this source id was imported before (or is queued in this run).
    pub fn knows_reply(&self, source_id: &str) -> bool {
        self.known_replies.contains(source_id)
    }

    /// Writes the topics and replies waiting for their batch now (so the next lookups see them).
    pub async fn write_pending(&mut self) -> anyhow::Result<()> {
        self.flush().await
    }

    /// Records an item passed over, with why.
    pub fn skipped(&mut self, number: u64, reason: String) {
        self.report.skipped.push((number, reason));
    }

    /// Whether `slug` is one of this forum's categories.
    pub fn has_category(&self, slug: &str) -> bool {
        self.categories.iter().any(|c| c.slug == slug)
    }

    /// Topics written so far.
    pub fn imported(&self) -> u64 {
        self.report.imported
    }

    /// A record ready to write, or the new replies to its topic imported before; `None` when its
    /// source was imported already with all these replies; or why not.
    async fn check(&mut self, line: u64, record: &Record) -> Step<Option<Pending>> {
        let (title, body) = (required(&record.title, "title")?, required(&record.body, "body")?);
        let source_id = source_id(record, title, body)?;
        if self.known.contains(&source_id) {
            let replies = self.replies(line, &source_id, &record.replies).await?;
            return Ok((!replies.is_empty()).then_some(Pending::Replies { line, source_id, replies }));
        }
        let at = created_at(record.created_at.as_deref())?;
        let topic = self.validate(record, title, body)?;
        let author_id = self.author_id(record.author_name.as_deref()).await?;
        let html = markdown::render(topic.body.as_str());
        let replies = self.replies(line, &source_id, &record.replies).await?;
        self.known.insert(source_id.clone());
        let check_category = record.check_category;
        Ok(Some(Pending::Topic(Box::new(PendingTopic {
            line,
            topic,
            html,
            author_id,
            at,
            source_id,
            replies,
            check_category,
            later_replies: 0,
        }))))
    }

    /// The replies to the topic from `topic_source` that can be imported and were not before;
    /// the others are reported and left out.
    async fn replies(&mut self, line: u64, topic_source: &str, replies: &[ReplyRecord]) -> Step<Vec<PendingReply>> {
        let mut kept = Vec::new();
        for (i, reply) in replies.iter().enumerate() {
            match self.reply(topic_source, reply).await {
                Ok(None) => {}
                Ok(Some(pending)) => kept.push(pending),
                Err(Problem::Skip(reason)) => self.report.skipped.push((line, format!("comment {} left out: {reason}", i + 1))),
                Err(fatal) => return Err(fatal),
            }
        }
        Ok(kept)
    }

    /// The reply ready to write (and now known), `None` when it was imported before, or why not.
    async fn reply(&mut self, topic_source: &str, reply: &ReplyRecord) -> Step<Option<PendingReply>> {
        let body = crate::forum::Body::parse(&reply.body).map_err(|e| self.explain(e))?;
        let Some((source_id, content_key)) = self.new_reply_keys(topic_source, reply, body.as_str()) else { return Ok(None) };
        let author_id = self.author_id(reply.author_name.as_deref()).await?;
        let html = markdown::render(body.as_str());
        self.known_replies.insert(content_key);
        self.known_replies.insert(source_id.clone());
        let (body, at, placed_by_guess) = (body.as_str().to_string(), reply.created_at, reply.placed_by_guess);
        Ok(Some(PendingReply { author_id, body, html, at, source_id, placed_by_guess }))
    }

    /// The reply's source id and content key, or `None` when either was imported before.
    fn new_reply_keys(&self, topic_source: &str, reply: &ReplyRecord, body: &str) -> Option<(String, String)> {
        let content_key = reply_content_key(topic_source, reply.created_at, body);
        let source_id = reply.source_id.clone().unwrap_or_else(|| content_key.clone());
        let known = self.known_replies.contains(&source_id) || self.known_replies.contains(&content_key);
        (!known).then_some((source_id, content_key))
    }

    async fn flush(&mut self) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let items: Vec<ImportItem> = self.pending.iter().map(Pending::item).collect();
        let written = match self.store.write_import_batch(&items).await {
            Ok(written) => written,
            Err(err) => return Err(self.stopped(self.pending[0].line(), err.into())),
        };
        drop(items);
        for (pending, topic) in std::mem::take(&mut self.pending).iter().zip(written) {
            match (pending, topic) {
                (Pending::Topic(topic), Some(_)) => {
                    self.report.imported += 1;
                    self.count_new_replies(&topic.source_id, topic.later_replies);
                }
                (Pending::Topic(_), None) => self.report.already_imported += 1,
                (Pending::Replies { replies, source_id, .. }, Some(_)) => {
                    // Comments placed by a guess are counted apart, by the caller that placed them.
                    self.count_new_replies(source_id, replies.iter().filter(|r| !r.placed_by_guess).count() as u64);
                }
                (Pending::Replies { line, .. }, None) => {
                    self.report
                        .skipped
                        .push((*line, "new comments left out: the post they answer is no longer in the database".to_string()));
                }
            }
        }
        self.pending_at.clear();
        Ok(())
    }

    /// Counts `n` replies added to the topic from `source_id` after it was first imported.
    fn count_new_replies(&mut self, source_id: &str, n: u64) {
        if n > 0 {
            self.report.replies_added += n;
            if self.gained_replies.insert(source_id.to_string()) {
                self.report.topics_with_new_replies += 1;
            }
        }
    }

    /// The error that ends an import: where, why, and what was kept.
    fn stopped(&self, line: u64, err: anyhow::Error) -> anyhow::Error {
        let from = self.pending.first().map_or(line, Pending::line);
        anyhow::anyhow!(
            "the import stopped at line {line}: {err:#}\n{} topics were imported, from the lines before line {from}; \
             importing the same file again carries on from there",
            self.report.imported
        )
    }

    fn validate(&self, record: &Record, title: &str, body: &str) -> Step<ValidTopic> {
        let category = record.category.as_deref().map(str::trim).unwrap_or(&self.options.default_category);
        if !self.categories.iter().any(|c| c.slug == category) {
            return skip(format!("unknown category {category:?}"));
        }
        let input = TopicInput {
            category: category.to_string(),
            kind: record.kind.clone().unwrap_or_else(|| DEFAULT_KIND.to_string()),
            title: title.to_string(),
            summary: record.summary.clone(),
            body: body.to_string(),
            sections: None,
            tags: record.tags.clone().unwrap_or_default(),
            guidance: Vec::new(),
        };
        service::validate_topic_among(&self.categories, &input).map_err(|e| self.explain(e))
    }

    /// The placeholder account standing for this author name, created on first use.
    async fn author_id(&mut self, name: Option<&str>) -> Step<i64> {
        let name = DisplayName::parse(name.unwrap_or(DEFAULT_AUTHOR)).map_err(|e| self.explain_field("author_name", e))?;
        if let Some(id) = self.authors.get(name.as_str()) {
            return Ok(*id);
        }
        let email = placeholder_email(name.as_str());
        let Some(id) = self.store.placeholder_user(&email, name.as_str()).await.map_err(fatal)? else {
            return skip(format!("author_name: {email} belongs to an account that is not a placeholder"));
        };
        self.authors.insert(name.as_str().to_string(), id);
        Ok(id)
    }

    /// The sentence the site shows for a validation error, in English.
    fn explain(&self, err: AppError) -> Problem {
        match err {
            AppError::Internal(err) => Problem::Fatal(err),
            other => Problem::Skip(self.catalogs.format(Lang::En, &other.message())),
        }
    }

    fn explain_field(&self, field: &str, err: AppError) -> Problem {
        match self.explain(err) {
            Problem::Skip(reason) => Problem::Skip(format!("{field}: {reason}")),
            fatal => fatal,
        }
    }
}

fn fatal(err: impl Into<anyhow::Error>) -> Problem {
    Problem::Fatal(err.into())
}
