//! Comments from `your_comments_in_groups.json` (`group_comments_v2`): a member's own comments,
//! each with its text, time and a title such as "Lan commented on Bình's post." that names the
//! post's author, never the post. A comment is placed under a topic only when that is not in doubt
//! ([`WINDOW`]), queued for moderators to check; every other one is listed with the reason.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::{SOURCE_PREFIX, items, unix_time};
use crate::import::{Importer, ReplyRecord, placeholder_email};
use crate::store::Store;
use crate::text;

/// How far before a comment its post is looked for. A comment answers a post that exists, so
/// the post is older; most group comments come within days of their post, and a post is only
/// taken when its author has exactly one imported post in these two weeks. A longer window finds
/// more posts of active members and places fewer comments (every tie is left out); a shorter one
/// misses late answers. Two weeks keeps the guess narrow, and a moderator checks each one.
pub const WINDOW: Duration = Duration::days(14);

/// A comment from `your_comments_in_groups.json`, strings repaired.
#[derive(Debug)]
pub struct GroupComment {
    /// Where it was: "groups/your_comments_in_groups.json #3".
    pub whence: String,
    pub author: Option<String>,
    pub at: DateTime<Utc>,
    pub text: String,
    /// Links the comment shared (`attachments[].data[].external_context.url`).
    pub links: Vec<String>,
    pub answers: Answers,
}

/// Whose post the comment answers, as its title says.
#[derive(Debug, PartialEq, Eq)]
pub enum Answers {
    PostOf(String),
    /// No post author in the title: why, for the report.
    Unnamed(String),
}

/// A `group_comments_v2` entry: `timestamp`, `title`, `data[].comment` with `timestamp`,
/// `comment`, `author`, `group`; of its attachments, the links are kept (photos are not placed).
pub fn group_comment(v: &Value, whence: String) -> Result<GroupComment, String> {
    let obj = v.as_object().ok_or("not an object")?;
    let comments: Vec<&Value> = items(&v["data"]).map(|d| &d["comment"]).filter(|c| c.is_object()).collect();
    let at = comments.iter().find_map(|c| unix_time(&c["timestamp"])).or_else(|| obj.get("timestamp").and_then(unix_time));
    let Some(at) = at else { return Err("the comment has no timestamp".to_string()) };
    let text = comments.iter().filter_map(|c| c["comment"].as_str()).collect::<Vec<_>>().join("\n\n");
    if text::clean(&text).is_empty() {
        return Err("the comment has no text".to_string());
    }
    let title = obj.get("title").and_then(Value::as_str).map(text::clean_line).unwrap_or_default();
    let (commenter, answers) = read_title(&title);
    let author = comments.iter().find_map(|c| c["author"].as_str()).map(text::clean_line).filter(|a| !a.is_empty()).or(commenter);
    let answers = match answers {
        Title::PostOf(name) => Answers::PostOf(name),
        Title::OwnPost => author.clone().map_or_else(|| Answers::Unnamed(format!("its author is not named (“{title}”)")), Answers::PostOf),
        Title::Unnamed => Answers::Unnamed(format!("the title names no post author (“{title}”)")),
    };
    let links = items(&v["attachments"]).flat_map(|a| items(&a["data"])).filter_map(|d| d["external_context"]["url"].as_str());
    let links = links.map(str::to_string).collect();
    Ok(GroupComment { whence, author, at, text, links, answers })
}

impl GroupComment {
    /// `facebook:group-comment:` and a hash of its author, time and text: the same comment in
    /// another run, or another export of the same member, is known whichever topic it went to.
    pub fn source_id(&self) -> String {
        let mut hash = Sha256::new();
        for part in [self.author.as_deref().unwrap_or(""), &self.at.timestamp().to_string(), &text::clean(&self.text)] {
            hash.update(part.as_bytes());
            hash.update([0]);
        }
        format!("{SOURCE_PREFIX}group-comment:{}", &hex::encode(hash.finalize())[..32])
    }

    fn reply(&self) -> ReplyRecord {
        let mut body = text::clean(&self.text);
        for link in &self.links {
            body.push_str(&format!("\n\n<{link}>"));
        }
        let (author_name, created_at) = (self.author.clone(), self.at);
        ReplyRecord { author_name, body, created_at, source_id: Some(self.source_id()), placed_by_guess: true }
    }
}

/// What the title says the comment answers.
#[derive(Debug, PartialEq, Eq)]
enum Title {
    PostOf(String),
    OwnPost,
    Unnamed,
}

/// The commenter and what the comment answers, from titles in English or Vietnamese:
/// "A commented on B's post.", "A commented on her own post.", "A replied to B's comment.",
/// "A đã bình luận về bài viết của B.", "A đã bình luận về bài viết của mình.".
fn read_title(title: &str) -> (Option<String>, Title) {
    const VERBS: [&str; 5] = [" commented on ", " replied to ", " đã bình luận về ", " đã trả lời ", " đã phản hồi "];
    let Some((at, verb)) = VERBS.iter().filter_map(|v| title.find(v).map(|at| (at, *v))).min() else {
        return (None, Title::Unnamed);
    };
    let commenter = Some(title[..at].trim().to_string()).filter(|c| !c.is_empty());
    let rest = title[at + verb.len()..].trim().trim_end_matches('.').trim();
    let answers = match verb {
        " commented on " => english_post_author(rest),
        " đã bình luận về " => vietnamese_post_author(rest),
        // A reply answers a comment: the title names that comment's author, not the post's.
        _ => Title::Unnamed,
    };
    (commenter, answers)
}

/// "B's post" → B; "his/her/their/your own post" → the commenter's own.
fn english_post_author(rest: &str) -> Title {
    if ["his own post", "her own post", "their own post", "your own post"].contains(&rest) {
        return Title::OwnPost;
    }
    let name = rest.strip_suffix("'s post").or_else(|| rest.strip_suffix("’s post")).map(str::trim);
    name.filter(|n| !n.is_empty()).map_or(Title::Unnamed, |n| Title::PostOf(n.to_string()))
}

/// "bài viết của B" → B; "bài viết của mình" / "của chính mình" → the commenter's own.
fn vietnamese_post_author(rest: &str) -> Title {
    match rest.strip_prefix("bài viết của ").map(str::trim) {
        Some("mình" | "chính mình") => Title::OwnPost,
        Some(name) if !name.is_empty() => Title::PostOf(name.to_string()),
        _ => Title::Unnamed,
    }
}

/// What became of the comments of a run.
#[derive(Debug, Default)]
pub struct Placement {
    pub placed: u64,
    pub imported_before: u64,
    /// (item number, where and why) for each comment left out.
    pub not_placed: Vec<(u64, String)>,
}

impl Placement {
    pub fn total(&self) -> u64 {
        self.placed + self.imported_before + self.not_placed.len() as u64
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.total() == 0 {
            return Ok(());
        }
        writeln!(f, "comments from your_comments_in_groups.json: {}", self.total())?;
        writeln!(f, "  placed by guess under their post's topic (queued for moderators to check): {}", self.placed)?;
        writeln!(f, "  imported before: {}", self.imported_before)?;
        writeln!(f, "  not placed: {}", self.not_placed.len())?;
        for (n, why) in &self.not_placed {
            writeln!(f, "    item {n}: {why}")?;
        }
        Ok(())
    }
}

/// Places each comment under the one imported topic its post's author opened in the
/// [`WINDOW`] before it, through `importer` (so placeholders, checks and batching are the
/// usual ones). The topics of this run must be written already.
pub async fn place(store: &Store, importer: &mut Importer<'_>, comments: Vec<(u64, GroupComment)>) -> anyhow::Result<Placement> {
    let mut placement = Placement::default();
    for (number, comment) in comments {
        if importer.knows_reply(&comment.source_id()) {
            placement.imported_before += 1;
            continue;
        }
        let placed = match topic_for(store, &comment).await? {
            Ok(topic) => importer.add_reply(number, &topic, &comment.reply()).await?.map_err(|why| format!("not imported: {why}")),
            Err(why) => Err(why),
        };
        match placed {
            Ok(true) => placement.placed += 1,
            Ok(false) => placement.imported_before += 1,
            Err(why) => placement.not_placed.push((number, format!("{}: {why}", comment.whence))),
        }
    }
    Ok(placement)
}

/// The `source_id` of the topic the comment answers, or why there is no telling.
async fn topic_for(store: &Store, comment: &GroupComment) -> anyhow::Result<Result<String, String>> {
    let name = match &comment.answers {
        Answers::PostOf(name) => name,
        Answers::Unnamed(why) => return Ok(Err(format!("no author named: {why}"))),
    };
    let found = store.imported_topics_of_between(&placeholder_email(name), comment.at - WINDOW, comment.at, 2).await?;
    Ok(match <[String; 1]>::try_from(found) {
        Ok([topic]) => Ok(topic),
        Err(found) if found.is_empty() => {
            Err(format!("no candidate: no imported post by {name} in the {} days before it", WINDOW.num_days()))
        }
        Err(_) => Err(format!("several candidates: {name} has several imported posts in the {} days before it", WINDOW.num_days())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn titles_name_the_post_author_in_english_and_vietnamese() {
        let cases = [
            ("Nguyễn Văn A commented on Trần Thị B's post.", Some("Nguyễn Văn A"), Title::PostOf("Trần Thị B".into())),
            ("Nguyễn Văn A commented on Trần Thị B’s post.", Some("Nguyễn Văn A"), Title::PostOf("Trần Thị B".into())),
            ("Nguyen Van A commented on his own post.", Some("Nguyen Van A"), Title::OwnPost),
            ("Lan commented on their own post.", Some("Lan"), Title::OwnPost),
            ("Nguyễn Văn A replied to Trần Thị B's comment.", Some("Nguyễn Văn A"), Title::Unnamed),
            ("Nguyễn Văn A đã bình luận về bài viết của Trần Thị B.", Some("Nguyễn Văn A"), Title::PostOf("Trần Thị B".into())),
            ("Nguyễn Văn A đã bình luận về bài viết của mình.", Some("Nguyễn Văn A"), Title::OwnPost),
            ("Nguyễn Văn A đã trả lời bình luận của Trần Thị B.", Some("Nguyễn Văn A"), Title::Unnamed),
            ("Nguyễn Văn A commented on a post.", Some("Nguyễn Văn A"), Title::Unnamed),
            ("", None, Title::Unnamed),
        ];
        for (title, commenter, answers) in cases {
            assert_eq!(read_title(title), (commenter.map(str::to_string), answers), "{title}");
        }
    }

    #[test]
    fn a_comment_is_known_by_its_author_time_and_text() {
        let entry = |text: &str| {
            json!({"timestamp": 1_600_000_100, "title": "Lan commented on her own post.",
            "data": [{"comment": {"timestamp": 1_600_000_000, "comment": text, "author": "Nguyễn Thị Lan"}}]})
        };
        let a = group_comment(&entry("Cảm ơn chị!"), "f #1".into()).unwrap();
        assert_eq!((a.at.timestamp(), a.answers.eq(&Answers::PostOf("Nguyễn Thị Lan".into()))), (1_600_000_000, true));
        assert_eq!(a.source_id(), group_comment(&entry("Cảm ơn chị!"), "g #9".into()).unwrap().source_id());
        assert_ne!(a.source_id(), group_comment(&entry("Cam on chi!"), "f #1".into()).unwrap().source_id());
        assert!(a.source_id().starts_with("facebook:group-comment:"));
        assert_eq!(group_comment(&json!({"title": "x"}), "f #2".into()).unwrap_err(), "the comment has no timestamp");
    }
}
