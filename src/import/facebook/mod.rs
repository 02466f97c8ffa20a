//! `goodpractice import facebook PATH`: a Facebook group's history into the archive.
//!
//! PATH is a member's "Download Your Information" export (folder or .zip, any of its layouts,
//! see [`layouts`]) or a Graph API group-feed dump. The files are read on a thread of their own,
//! one post at a time ([`reader`]), every string repaired ([`mojibake`]); each post becomes a
//! topic through the JSON Lines importer ([`super::Importer`]), so placeholders, batching and
//! idempotency are the same: a post is known by `facebook:<post id>` or, without an id, by a hash
//! of its author, time and text, so re-runs and overlapping exports add nothing. A post and its
//! comments are written together under one savepoint, or not at all.

pub mod category;
pub mod comments;
pub mod dry_run;
pub mod layouts;
pub mod media;
pub mod mojibake;
pub mod reader;

use std::fmt;
use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{DEFAULT_AUTHOR, Importer, Options, Problem, Record, ReplyRecord, SourceId};
use crate::store::Store;
use crate::text;
use layouts::Export;
use reader::{Event, Kind};

pub use dry_run::{DryRun, Known, dry_run};

/// Prefix of every Facebook topic's `source_id`; the topic page marks such topics as imported.
pub use crate::domain::FACEBOOK_SOURCE_PREFIX as SOURCE_PREFIX;
/// Longest title cut from a post's first line, in characters.
const TITLE_CHARS: usize = 100;

/// A post as read from the export, strings repaired.
#[derive(Debug, Default)]
pub struct Post {
    pub id: Option<String>,
    pub author: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub text: String,
    pub links: Vec<String>,
    /// Media named by the post: (uri, present in the export).
    pub media: Vec<(String, bool)>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Default)]
pub struct Comment {
    /// The Graph API's comment id (Download Your Information comments have none).
    pub id: Option<String>,
    pub author: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub text: String,
}

/// What an element of the export becomes. Nearly every element is a post: boxing it to even
/// the variants' sizes would only add an allocation per post.
#[allow(clippy::large_enum_variant)]
pub enum Item {
    /// A post: the topic record, and the post it came from.
    Post(Record, Post),
    /// A comment of `your_comments_in_groups.json`, placed (or not) once every post is written.
    Comment(comments::GroupComment),
}

/// What a run found besides topics: refused zip entries, unknown keys, broken files.
#[derive(Debug, Default)]
pub struct Notes(pub Vec<String>);

/// The report of a real run: the importer's, then the notes and the media not yet imported.
pub struct ImportReport {
    pub import: super::Report,
    pub notes: Notes,
    pub media: u64,
    pub media_missing: Vec<String>,
    /// Photos stored as attachments of their topics.
    pub photos_imported: u64,
    /// (uri, why) for photos present in the export but refused (type, size, unreadable…).
    pub photos_refused: Vec<(String, String)>,
    /// Posts whose category was suggested from their text (the others: `--default-category`).
    pub suggested: u64,
    /// Posts read whose category was not clear: each imported one is an "imported, check
    /// category" item in the moderation queue.
    pub to_check: u64,
    /// The comments of `your_comments_in_groups.json`: placed, known, or left out and why.
    pub comments: comments::Placement,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.import)?;
        write!(f, "{}", self.comments)?;
        writeln!(f, "categories suggested from the text: {}", self.suggested)?;
        writeln!(f, "categories to check (no clear keyword; queued for moderators when imported): {}", self.to_check)?;
        write_media(f, self.media, &self.media_missing)?;
        writeln!(f, "photos imported as attachments: {}", self.photos_imported)?;
        writeln!(f, "photos in the export but refused: {}", self.photos_refused.len())?;
        for (uri, why) in self.photos_refused.iter().take(50) {
            writeln!(f, "  {uri}: {why}")?;
        }
        write!(f, "{}", self.notes)
    }
}

impl fmt::Display for Notes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.0.is_empty() {
            writeln!(f, "notes: {}", self.0.len())?;
            for note in &self.0 {
                writeln!(f, "  {note}")?;
            }
        }
        Ok(())
    }
}

fn write_media(f: &mut fmt::Formatter<'_>, media: u64, missing: &[String]) -> fmt::Result {
    let present = media - missing.len() as u64;
    writeln!(f, "photos and media named by posts: {media} (in the export: {present}; images and PDFs among them become attachments)")?;
    writeln!(f, "media missing from the export: {}", missing.len())?;
    for uri in missing.iter().take(50) {
        writeln!(f, "  {uri}")?;
    }
    if missing.len() > 50 {
        writeln!(f, "  … and {} more", missing.len() - 50)?;
    }
    Ok(())
}

fn count_media(post: &Post, media: &mut u64, missing: &mut Vec<String>) {
    for (uri, present) in &post.media {
        *media += 1;
        if !present {
            missing.push(uri.clone());
        }
    }
}

/// What the reading thread sends: an element with its number in the run and where it was.
#[allow(clippy::large_enum_variant)] // as for `Item`: nearly every message is a post
enum Message {
    /// The element as a record and its post (read and repaired on the reading thread, beside
    /// the database work), or why it is skipped.
    Element {
        number: u64,
        read: Result<Item, String>,
    },
    Note(String),
}

/// Imports `path` into `store`; the report lists what was skipped and why.
pub async fn import(store: &Store, path: &Path, options: Options, mut photos: media::Photos) -> anyhow::Result<ImportReport> {
    let export = Arc::new(Export::open(path)?);
    let mut importer = Importer::new(store, options).await?;
    importer.count_in("item");
    importer.count_replies();
    let (mut notes, mut media, mut media_missing, mut suggested) = (Notes::default(), 0, Vec::new(), 0);
    let (mut to_check, mut group_comments) = (0, Vec::new());
    let progress = progress_bar(export.total_len());
    let (mut rx, read_bytes, reading) = start_reading(export.clone());
    while let Some(message) = rx.recv().await {
        match message {
            Message::Note(note) => notes.0.push(note),
            Message::Element { number, read } => {
                let read = match read {
                    Ok(Item::Comment(comment)) => {
                        group_comments.push((number, comment));
                        continue;
                    }
                    Ok(Item::Post(mut record, post)) => {
                        count_media(&post, &mut media, &mut media_missing);
                        record.category = category::suggest(&post.text).filter(|slug| importer.has_category(slug)).map(str::to_string);
                        suggested += u64::from(record.category.is_some());
                        record.check_category = !(record.category.is_some() && category::is_clear(&post.text));
                        to_check += u64::from(record.check_category);
                        photos.attach(store, &export, &post, &mut record).await?;
                        Ok(record)
                    }
                    Err(reason) => Err(reason),
                };
                importer.add(number, read.map_err(Problem::Skip)).await?;
            }
        }
        progress.set_position(read_bytes.load(Ordering::Relaxed));
        progress.set_message(format!("{} imported", importer.imported()));
    }
    reading.await??;
    // Comments are placed among the topics once all of this run's are written.
    importer.write_pending().await?;
    let comments = comments::place(store, &mut importer, group_comments).await?;
    let import = importer.finish().await?;
    photos.link(store).await?;
    progress.finish_and_clear();
    let (photos_imported, photos_refused) = (photos.imported, photos.refused);
    Ok(ImportReport { import, notes, media, media_missing, photos_imported, photos_refused, suggested, to_check, comments })
}

type Reading = (tokio::sync::mpsc::Receiver<Message>, Arc<AtomicU64>, tokio::task::JoinHandle<anyhow::Result<()>>);

/// Reads the export's files on a blocking thread, one element at a time; the channel's bound
/// keeps the reader at most a few posts ahead of the database.
fn start_reading(export: Arc<Export>) -> Reading {
    let (tx, rx) = tokio::sync::mpsc::channel(256);
    let read_bytes = Arc::new(AtomicU64::new(0));
    let counter = read_bytes.clone();
    let reading = tokio::task::spawn_blocking(move || {
        for (name, reason) in &export.refused {
            let _ = tx.blocking_send(Message::Note(format!("{name}: {reason}")));
        }
        let mut number = 0u64;
        export.for_each_file(|entry, input| {
            let counting = Counting { inner: input, count: &counter };
            let mut sink = |event: Event| {
                let message = match event {
                    Event::UnknownKey(key) => Message::Note(format!("{}: unknown key {key:?} passed over", entry.name)),
                    Event::Element { kind, index, value } => {
                        number += 1;
                        let whence = format!("{} #{}", entry.name, index + 1);
                        let read = convert(&export, kind, value, &whence).map_err(|reason| format!("{whence}: {reason}"));
                        Message::Element { number, read }
                    }
                };
                tx.blocking_send(message).map_err(|_| "the import stopped".to_string())
            };
            if let Err(e) = reader::read(counting, &mut sink) {
                if tx.is_closed() {
                    return Ok(());
                }
                let note = format!("{}: invalid JSON ({e}); the posts before this point were read, nothing after it", entry.name);
                let _ = tx.blocking_send(Message::Note(note));
            }
            Ok(())
        })
    });
    (rx, read_bytes, reading)
}

/// A reader that counts the bytes read through it (the progress bar's position).
struct Counting<'a> {
    inner: &'a mut dyn Read,
    count: &'a AtomicU64,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An element (found at `whence`) as a topic record and its post, or a comment; or why it is skipped.
fn convert(export: &Export, kind: Kind, mut value: Value, whence: &str) -> Result<Item, String> {
    mojibake::repair_value(&mut value);
    let post = match kind {
        Kind::DyiPost => dyi_post(export, &value)?,
        Kind::GraphPost => graph_post(&value)?,
        Kind::DyiComment => return comments::group_comment(&value, whence.to_string()).map(Item::Comment),
    };
    Ok(Item::Post(record(&post)?, post))
}

fn record(post: &Post) -> Result<Record, String> {
    let Some(at) = post.at else { return Err("the post has no timestamp".to_string()) };
    let text = text::clean(&post.text);
    // A post of photos only is imported when its photos are in the export: they become its body.
    if text.is_empty() && !post.media.iter().any(|(_, present)| *present) {
        return Err(if post.media.is_empty() {
            "the post has no text".to_string()
        } else {
            "the post has only photos or media, none of them in the export".to_string()
        });
    }
    let mut body = text.clone();
    for link in &post.links {
        body.push_str(&format!("\n\n<{link}>"));
    }
    let replies = post
        .comments
        .iter()
        .enumerate()
        .map(|(i, c)| match c.at {
            Some(at) => {
                let source_id = c.id.as_ref().map(|id| format!("{SOURCE_PREFIX}comment:{id}"));
                Ok(ReplyRecord {
                    author_name: c.author.clone(),
                    body: text::clean(&c.text),
                    created_at: at,
                    source_id,
                    placed_by_guess: false,
                })
            }
            None => Err(format!("comment {} has no timestamp", i + 1)),
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Record {
        title: Some(title(&text, post.author.as_deref(), at)),
        body: Some(body),
        author_name: post.author.clone(),
        created_at: Some(at.to_rfc3339()),
        source_id: Some(SourceId::Text(source_id_of(post))),
        replies,
        ..Record::default()
    })
}

/// The post's first line, cut at a word before [`TITLE_CHARS`]; a dated title when too short.
fn title(text: &str, author: Option<&str>, at: DateTime<Utc>) -> String {
    let first = text::clean_line(text.lines().find(|l| !l.trim().is_empty()).unwrap_or(""));
    if text::char_len(&first) < crate::forum::Title::MIN {
        return format!("Bài đăng của {} ngày {}", author.unwrap_or(DEFAULT_AUTHOR), at.format("%d/%m/%Y"));
    }
    if text::char_len(&first) <= TITLE_CHARS {
        return first;
    }
    let cut: String = first.chars().take(TITLE_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', '.', ';', ':', ' ']))
}

/// `facebook:<post id>`, or `facebook:content:` and a hash of the author, time and text.
pub fn source_id_of(post: &Post) -> String {
    if let Some(id) = &post.id {
        return format!("{SOURCE_PREFIX}{id}");
    }
    let mut hash = Sha256::new();
    hash.update(post.author.as_deref().unwrap_or("").as_bytes());
    hash.update([0]);
    hash.update(post.at.map(|at| at.timestamp()).unwrap_or(0).to_string().as_bytes());
    hash.update([0]);
    hash.update(text::clean(&post.text).as_bytes());
    format!("{SOURCE_PREFIX}content:{}", &hex::encode(hash.finalize())[..32])
}

/// A Download Your Information post: `timestamp`, `title` ("Name posted in Group."), `data[].post`,
/// `attachments[].data[]` with `media.uri` or `external_context.url`.
fn dyi_post(export: &Export, v: &Value) -> Result<Post, String> {
    let obj = v.as_object().ok_or("not an object")?;
    let at = obj.get("timestamp").and_then(unix_time);
    let text = items(&v["data"]).filter_map(|d| d["post"].as_str()).collect::<Vec<_>>().join("\n\n");
    let author = obj.get("title").and_then(Value::as_str).and_then(author_from_title);
    let mut post = Post { at, text, author, ..Post::default() };
    for data in items(&v["attachments"]).flat_map(|a| items(&a["data"])) {
        if let Some(uri) = data["media"]["uri"].as_str() {
            post.media.push((uri.to_string(), export.has_media(uri)));
        }
        if let Some(url) = data["external_context"]["url"].as_str() {
            post.links.push(url.to_string());
        }
    }
    Ok(post)
}

/// A Graph API feed post: `id`, `from.name`, `message`, `created_time`, `attachments.data[]`,
/// `comments.data[]`.
fn graph_post(v: &Value) -> Result<Post, String> {
    if !v.is_object() {
        return Err("not an object".to_string());
    }
    let mut post = Post {
        id: graph_id(&v["id"]),
        author: v["from"]["name"].as_str().map(str::to_string),
        at: graph_time(&v["created_time"]),
        text: v["message"].as_str().unwrap_or("").to_string(),
        ..Post::default()
    };
    for a in items(&v["attachments"]["data"]).flat_map(|a| std::iter::once(a).chain(items(&a["subattachments"]["data"]))) {
        if let Some(src) = a["media"]["image"]["src"].as_str() {
            // The dump links to Facebook's servers: the file itself is not in the export.
            post.media.push((src.to_string(), false));
        } else if let Some(url) = a["url"].as_str() {
            post.links.push(url.to_string());
        }
    }
    post.comments = items(&v["comments"]["data"])
        .map(|c| Comment {
            id: graph_id(&c["id"]),
            author: c["from"]["name"].as_str().map(str::to_string),
            at: graph_time(&c["created_time"]),
            text: c["message"].as_str().unwrap_or("").to_string(),
        })
        .collect();
    Ok(post)
}

/// A Graph API object's `id`: a string or a number.
fn graph_id(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

fn unix_time(v: &Value) -> Option<DateTime<Utc>> {
    let secs = v.as_i64().filter(|s| *s > 0)?;
    Utc.timestamp_opt(secs, 0).single()
}

/// Graph API times: `2016-05-01T10:00:00+0000`, RFC 3339, or Unix seconds.
fn graph_time(v: &Value) -> Option<DateTime<Utc>> {
    if let Some(s) = v.as_str() {
        let s = s.trim();
        let parsed = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%z").or_else(|_| DateTime::parse_from_rfc3339(s));
        return parsed.ok().map(|at| at.with_timezone(&Utc));
    }
    unix_time(v)
}

/// "Nguyễn Thị Lan posted in Nhóm An toàn người bệnh." → "Nguyễn Thị Lan".
fn author_from_title(title: &str) -> Option<String> {
    const VERBS: [&str; 6] = [" posted in ", " shared ", " updated ", " đã đăng ", " đã chia sẻ ", " đã cập nhật "];
    let end = VERBS.iter().filter_map(|v| title.find(v)).min()?;
    let name = title[..end].trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// A bar on standard error while it is a terminal; nothing otherwise.
fn progress_bar(len: u64) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{wide_bar} {percent:>3}% {binary_bytes}/{binary_total_bytes} · {msg} · {eta} left")
        .expect("a valid progress template");
    ProgressBar::new(len).with_style(style)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authors_come_from_dyi_titles() {
        assert_eq!(author_from_title("Nguyễn Thị Lan posted in Nhóm An toàn.").as_deref(), Some("Nguyễn Thị Lan"));
        assert_eq!(author_from_title("Trần Văn Bình đã đăng trong Nhóm.").as_deref(), Some("Trần Văn Bình"));
        assert_eq!(author_from_title("Something else"), None);
    }

    #[test]
    fn graph_times_in_every_shape() {
        let want = Utc.with_ymd_and_hms(2016, 5, 1, 3, 0, 0).unwrap();
        assert_eq!(graph_time(&Value::from("2016-05-01T10:00:00+0700")), Some(want));
        assert_eq!(graph_time(&Value::from("2016-05-01T03:00:00Z")), Some(want));
        assert_eq!(graph_time(&Value::from(want.timestamp())), Some(want));
        assert_eq!(graph_time(&Value::from("hôm qua")), None);
    }

    #[test]
    fn titles_are_the_first_line_cut_at_a_word() {
        let at = Utc.with_ymd_and_hms(2019, 3, 15, 0, 0, 0).unwrap();
        assert_eq!(title("Bàn giao ca bằng SBAR\nchi tiết", None, at), "Bàn giao ca bằng SBAR");
        assert_eq!(title("Hi 👋", Some("Lan"), at), "Bài đăng của Lan ngày 15/03/2019");
        let long = "từ ".repeat(60);
        let t = title(&long, None, at);
        assert!(t.ends_with('…') && t.chars().count() <= TITLE_CHARS + 1, "{t}");
    }

    #[test]
    fn posts_without_ids_are_known_by_author_time_and_text() {
        let at = Some(Utc.with_ymd_and_hms(2019, 3, 15, 0, 0, 0).unwrap());
        let a = Post { author: Some("Lan".into()), at, text: "Nội dung".into(), ..Post::default() };
        let b = Post { author: Some("Lan".into()), at, text: "Nội dung".into(), ..Post::default() };
        assert_eq!(source_id_of(&a), source_id_of(&b));
        let c = Post { text: "Nội dung khác".into(), ..b };
        assert_ne!(source_id_of(&a), source_id_of(&c));
        let d = Post { id: Some("123_456".into()), ..a };
        assert_eq!(source_id_of(&d), "facebook:123_456");
    }
}
