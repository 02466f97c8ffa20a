//! `import facebook --dry-run`: reads the export as a real run would and compares it with what
//! the database holds, opened read only (or not there yet); writes nothing, anywhere.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Datelike, Utc};

use super::{Export, Item, Message, Notes, Post, category, comments, count_media, progress_bar, source_id_of, start_reading, write_media};
use crate::import::{DEFAULT_AUTHOR, Record, ReplyRecord, known_replies, reply_content_key};
use crate::store::Store;

/// What the database holds already, as a dry run compares against it (read only).
#[derive(Debug, Default)]
pub struct Known {
    /// What was read, for the report ("no database yet" when there is none).
    pub database: String,
    pub posts: HashSet<String>,
    /// Imported comments' source ids and content keys ([`reply_content_key`]).
    pub comments: HashSet<String>,
}

impl Known {
    /// What `store` holds; nothing when there is no database yet.
    pub async fn read(store: Option<&Store>) -> anyhow::Result<Known> {
        let Some(store) = store else {
            return Ok(Known { database: "no database yet, everything would be new".to_string(), ..Known::default() });
        };
        let posts: HashSet<String> = store.source_ids().await?.into_iter().collect();
        let comments = known_replies(store).await?;
        let database = format!("{} posts and {} comments imported before", posts.len(), store.reply_source_ids().await?.len());
        Ok(Known { database, posts, comments })
    }
}

/// Topics and replies of one year (or of the whole export): new, and imported before.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub topics_new: u64,
    pub topics_known: u64,
    pub replies_new: u64,
    pub replies_known: u64,
}

/// What `--dry-run` found: what a real run would import, without writing anything.
#[derive(Debug, Default)]
pub struct DryRun {
    pub total: Counts,
    /// By the year of each post and of each comment.
    pub per_year: BTreeMap<i32, Counts>,
    /// New replies that would go to topics imported before, and how many such topics.
    pub replies_new_on_known: u64,
    pub topics_gaining_replies: u64,
    pub authors: BTreeMap<String, u64>,
    /// Suggested category (or "--default-category") → posts.
    pub categories: BTreeMap<String, u64>,
    pub duplicates: u64,
    pub media: u64,
    pub media_missing: Vec<String>,
    pub skipped: Vec<(u64, String)>,
    pub notes: Notes,
    /// Comments of `your_comments_in_groups.json`, and how many of them were imported before.
    pub group_comments: u64,
    pub group_comments_known: u64,
    known: Known,
    /// Posts met so far in this export: whether each is new (not imported before).
    seen_in_export: HashMap<String, bool>,
    /// Comments met so far in this export (source ids and content keys).
    seen_comments: HashSet<String>,
    /// Topics imported before that would gain replies.
    gaining: HashSet<String>,
}

impl fmt::Display for DryRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.total;
        writeln!(f, "dry run: nothing was written")?;
        writeln!(f, "database: {}", self.known.database)?;
        writeln!(f, "topics: {} new, {} already imported", t.topics_new, t.topics_known)?;
        writeln!(
            f,
            "replies: {} new, {} already imported ({} new replies on {} existing topics)",
            t.replies_new, t.replies_known, self.replies_new_on_known, self.topics_gaining_replies
        )?;
        writeln!(f, "per year (new / already imported):")?;
        for (year, c) in &self.per_year {
            writeln!(f, "  {year}: topics {} / {}, replies {} / {}", c.topics_new, c.topics_known, c.replies_new, c.replies_known)?;
        }
        writeln!(f, "authors of new topics and replies: {}", self.authors.len())?;
        for (name, n) in &self.authors {
            writeln!(f, "  {name}: {n}")?;
        }
        writeln!(f, "categories suggested from the text:")?;
        for (slug, n) in &self.categories {
            writeln!(f, "  {slug}: {n}")?;
        }
        writeln!(f, "duplicates within the export: {}", self.duplicates)?;
        if self.group_comments > 0 {
            writeln!(
                f,
                "comments from your_comments_in_groups.json: {} (imported before: {}; a real run places the others \
                         only where their post is clear, and lists the rest)",
                self.group_comments, self.group_comments_known
            )?;
        }
        write_media(f, self.media, &self.media_missing)?;
        writeln!(f, "skipped: {}", self.skipped.len())?;
        for (n, reason) in &self.skipped {
            writeln!(f, "  item {n}: {reason}")?;
        }
        write!(f, "{}", self.notes)
    }
}

impl DryRun {
    fn add(&mut self, number: u64, read: Result<Item, String>) {
        match read {
            Ok(Item::Post(record, post)) => self.add_post(&record, &post),
            Ok(Item::Comment(comment)) => self.count_group_comment(&comment),
            Err(reason) => self.skipped.push((number, reason)),
        }
    }

    fn add_post(&mut self, record: &Record, post: &Post) {
        count_media(post, &mut self.media, &mut self.media_missing);
        let id = source_id_of(post);
        let post_is_new = match self.seen_in_export.get(&id) {
            Some(&new) => {
                self.duplicates += 1;
                new
            }
            None => {
                let new = !self.known.posts.contains(&id);
                self.seen_in_export.insert(id.clone(), new);
                self.count_topic(record, post, new);
                new
            }
        };
        let new_replies = self.count_replies(&id, &record.replies);
        if !post_is_new && new_replies > 0 {
            self.replies_new_on_known += new_replies;
            self.topics_gaining_replies += u64::from(self.gaining.insert(id));
        }
    }

    /// The topic, new or imported before, in the counts; a new one's category and author.
    fn count_topic(&mut self, record: &Record, post: &Post, new: bool) {
        let mut counts = Counts::default();
        *(if new { &mut counts.topics_new } else { &mut counts.topics_known }) += 1;
        self.add_counts(post.at, counts);
        if new {
            let slug = category::suggest(&post.text).unwrap_or("--default-category");
            *self.categories.entry(slug.to_string()).or_default() += 1;
            self.count_author(&record.author_name);
        }
    }

    /// Counts a post's comments as a real run tells them apart: imported before, met already in
    /// this export, or new. How many are new.
    fn count_replies(&mut self, post_source: &str, replies: &[ReplyRecord]) -> u64 {
        let mut new = 0;
        for reply in replies {
            let Ok(body) = crate::forum::Body::parse(&reply.body) else { continue };
            let content_key = reply_content_key(post_source, reply.created_at, body.as_str());
            let source_id = reply.source_id.clone().unwrap_or_else(|| content_key.clone());
            let mut counts = Counts::default();
            if self.known.comments.contains(&source_id) || self.known.comments.contains(&content_key) {
                counts.replies_known = 1;
            } else if !self.seen_comments.contains(&source_id) && !self.seen_comments.contains(&content_key) {
                counts.replies_new = 1;
                new += 1;
                self.count_author(&reply.author_name);
            }
            self.seen_comments.extend([source_id, content_key]);
            self.add_counts(Some(reply.created_at), counts);
        }
        new
    }

    fn add_counts(&mut self, at: Option<DateTime<Utc>>, c: Counts) {
        let years = [Some(&mut self.total), at.map(|at| self.per_year.entry(at.year()).or_default())];
        for sum in years.into_iter().flatten() {
            sum.topics_new += c.topics_new;
            sum.topics_known += c.topics_known;
            sum.replies_new += c.replies_new;
            sum.replies_known += c.replies_known;
        }
    }

    fn count_author(&mut self, name: &Option<String>) {
        *self.authors.entry(name.clone().unwrap_or_else(|| DEFAULT_AUTHOR.to_string())).or_default() += 1;
    }

    fn count_group_comment(&mut self, comment: &comments::GroupComment) {
        self.group_comments += 1;
        if self.known.comments.contains(&comment.source_id()) {
            self.group_comments_known += 1;
        }
    }

    fn posts_read(&self) -> u64 {
        self.total.topics_new + self.total.topics_known + self.duplicates
    }
}

/// Reads `path` as [`super::import`] would, and says what it would do against what the database
/// holds already (`known`, read beforehand). Writes nothing.
pub async fn dry_run(path: &Path, known: Known) -> anyhow::Result<DryRun> {
    let export = Arc::new(Export::open(path)?);
    let mut report = DryRun { known, ..DryRun::default() };
    let progress = progress_bar(export.total_len());
    let (mut rx, read_bytes, reading) = start_reading(export.clone());
    while let Some(message) = rx.recv().await {
        match message {
            Message::Note(note) => report.notes.0.push(note),
            Message::Element { number, read } => report.add(number, read),
        }
        progress.set_position(read_bytes.load(Ordering::Relaxed));
        progress.set_message(format!("{} posts read", report.posts_read()));
    }
    reading.await??;
    progress.finish_and_clear();
    Ok(report)
}
