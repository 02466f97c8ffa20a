//! The scale benchmark's forum generator (`goodpractice scale generate`): a forum of N posts of
//! realistic Vietnamese text on SQLite or PostgreSQL, written through [`Store::bulk_insert`].
//!
//! For N posts: N/4 topics (one of them with 500 replies, the rest sharing the other replies),
//! N/40 members (20 of them moderators), tags, guidance citations (one document cited by 5,000
//! practices), flags, a moderation queue of N/100 open items (at most 10,000) beside as many
//! decided ones, N audit rows and N/4 notifications plus 5,000 for each staff account that
//! existed before (the benchmark's signed-in reader). Dates run from 2019 to an hour ago,
//! topic ids in date order. The same seed gives the same forum.
//!
//! A thread generates rows while the async side writes the previous chunk, so the two cores
//! share the work. Only an empty forum (standard categories and library, no topics) is filled.

pub mod rng;
pub mod text;

use std::time::Instant;

use chrono::{DateTime, TimeZone, Utc};
use tokio::sync::mpsc;

use crate::store::{BulkTable, Cell, Store};
use rng::Rng;
pub use text::Corpus;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub posts: u64,
    pub seed: u64,
}

impl Plan {
    pub fn topics(&self) -> u64 {
        (self.posts / 4).max(1)
    }
    pub fn replies(&self) -> u64 {
        self.posts - self.topics()
    }
    pub fn members(&self) -> u64 {
        (self.posts / 40).max(40)
    }
    pub fn open_queue_items(&self) -> u64 {
        (self.posts / 100).clamp(1, 10_000)
    }
    pub fn audit_rows(&self) -> u64 {
        self.posts
    }
}

/// Replies of the one long topic (its first and last page are measured).
pub const LONG_TOPIC_REPLIES: u64 = 500;
/// Practices citing the most cited guidance document (its page is measured).
pub const MOST_CITED: u64 = 5_000;
/// Notifications of each staff account that existed before generation.
pub const READER_NOTIFICATIONS: u64 = 5_000;
const MODERATORS: u64 = 20;
/// Topics per chunk: one chunk's rows are written while the next is generated.
const CHUNK_TOPICS: u64 = 2_000;

/// What was written, and how fast.
#[derive(Debug, Default)]
pub struct Report {
    /// Rows written per table.
    pub rows: Vec<(&'static str, u64)>,
    pub posts: u64,
    pub topics: u64,
    /// The topic with [`LONG_TOPIC_REPLIES`] replies, the most used tag's slug, the most cited
    /// document's number and the busiest author: what the benchmark script measures.
    pub long_topic: i64,
    pub top_tag: String,
    pub most_cited: String,
    /// Opening posts citing `most_cited`.
    pub most_cited_by: u64,
    pub busiest_author: i64,
    pub sentences: (usize, usize),
    pub posts_seconds: f64,
    pub total_seconds: f64,
}

impl Report {
    fn add(&mut self, table: BulkTable, n: usize) {
        let name = table.name();
        match self.rows.iter_mut().find(|(t, _)| *t == name) {
            Some((_, count)) => *count += n as u64,
            None => self.rows.push((name, n as u64)),
        }
    }

    pub fn rows_of(&self, table: &str) -> u64 {
        self.rows.iter().find(|(t, _)| *t == table).map_or(0, |(_, n)| *n)
    }
}

/// Rows for several tables, written in this order (parents first).
type Chunk = Vec<(BulkTable, Vec<Vec<Cell>>)>;

/// What the generator needs to know of the forum it fills.
struct Forum {
    categories: Vec<i64>,
    guidance: Vec<(i64, String)>,
    staff: Vec<i64>,
    first_user: i64,
    first_topic: i64,
    first_post: i64,
    first_tag: i64,
    start: i64,
    end: i64,
}

/// Fills the (empty) forum in `store` as `plan` says, with text from `corpus`.
pub async fn generate(store: &Store, plan: &Plan, corpus: Corpus) -> anyhow::Result<Report> {
    if store.count_topics(None).await? > 0 {
        anyhow::bail!("the forum already has topics: generate into an empty database (with --no-demo)");
    }
    if plan.posts < 8 {
        anyhow::bail!("at least 8 posts, please");
    }
    let [users, topics, posts, tags] = store.bulk_max_ids().await?;
    let end = Utc::now().timestamp() - 3_600;
    let forum = Forum {
        categories: store.categories().await?.into_iter().map(|c| c.id).collect(),
        guidance: store.library_numbers().await?.into_iter().filter(|d| !d.deleted).map(|d| (d.id, d.number)).collect(),
        staff: store.staff_user_ids().await?,
        first_user: users + 1,
        first_topic: topics + 1,
        first_post: posts + 1,
        first_tag: tags + 1,
        start: Utc.with_ymd_and_hms(2019, 1, 1, 0, 0, 0).single().map_or(0, |t| t.timestamp()),
        end,
    };
    if forum.categories.is_empty() || forum.guidance.is_empty() {
        anyhow::bail!("the forum has no categories or guidance library: run `goodpractice migrate` and start it once");
    }
    let started = Instant::now();
    let mut report = Report { sentences: corpus.size(), ..Report::default() };
    let (sender, mut receiver) = mpsc::channel::<Chunk>(2);
    let generator = {
        let plan = plan.clone();
        std::thread::spawn(move || Generator::new(plan, forum, corpus).run(&sender))
    };
    let mut posts_done_at = None;
    while let Some(chunk) = receiver.recv().await {
        for (table, rows) in &chunk {
            store.bulk_insert(*table, rows).await?;
            report.add(*table, rows.len());
            if *table == BulkTable::AuditLog && posts_done_at.is_none() {
                posts_done_at = Some(started.elapsed());
            }
        }
    }
    let summary = generator.join().map_err(|_| anyhow::anyhow!("the generator thread panicked"))??;
    store.bulk_finish().await?;
    report.posts = report.rows_of("posts");
    report.topics = report.rows_of("topics");
    report.long_topic = summary.long_topic;
    report.top_tag = summary.top_tag;
    report.most_cited = summary.most_cited;
    report.most_cited_by = summary.most_cited_by;
    report.busiest_author = summary.busiest_author;
    report.posts_seconds = posts_done_at.unwrap_or(started.elapsed()).as_secs_f64();
    report.total_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

/// What the generator thread tells when done.
struct Summary {
    long_topic: i64,
    top_tag: String,
    most_cited: String,
    most_cited_by: u64,
    busiest_author: i64,
}

struct Generator {
    plan: Plan,
    forum: Forum,
    corpus: Corpus,
    rng: Rng,
    /// Replies per topic (index 0 is the long topic).
    replies: Vec<u32>,
    /// Opening posts citing the most cited document, still to choose.
    citations_left: u64,
    open_items_left: u64,
    /// Every `queue_stride`-th reply is flagged: half of them stay open until the queue is full.
    queue_stride: u64,
    replies_seen: u64,
    next_post: i64,
}

impl Generator {
    fn new(plan: Plan, forum: Forum, corpus: Corpus) -> Self {
        let mut rng = Rng::new(plan.seed);
        let topics = plan.topics() as usize;
        let mut replies = vec![0u32; topics];
        let long = LONG_TOPIC_REPLIES.min(plan.replies());
        replies[0] = long as u32;
        for _ in 0..plan.replies() - long {
            // Most topics get a few replies, some many (skewed by a square).
            let r = rng.unit();
            let t = 1 + ((r * r) * (topics.max(2) - 1) as f64) as usize;
            replies[t.min(topics - 1)] += 1;
        }
        if topics == 1 {
            replies[0] = plan.replies() as u32;
        }
        let citations_left = MOST_CITED.min(plan.topics() / 8);
        let open_items_left = plan.open_queue_items();
        let queue_stride = (plan.replies() / (2 * open_items_left)).max(1);
        let next_post = forum.first_post;
        Generator { plan, forum, corpus, rng, replies, citations_left, open_items_left, queue_stride, replies_seen: 0, next_post }
    }

    fn run(mut self, sender: &mpsc::Sender<Chunk>) -> anyhow::Result<Summary> {
        let send = |chunk: Chunk| sender.blocking_send(chunk).map_err(|_| anyhow::anyhow!("the writer stopped"));
        send(self.members())?;
        send(vec![(BulkTable::Tags, self.tags())])?;
        let topics = self.plan.topics();
        let mut first = 0;
        while first < topics {
            let last = (first + CHUNK_TOPICS).min(topics);
            send(self.topics(first..last))?;
            first = last;
        }
        let mut written = 0;
        while written < self.plan.audit_rows() {
            let n = 20_000.min(self.plan.audit_rows() - written);
            send(vec![(BulkTable::AuditLog, self.audit_rows(n))])?;
            written += n;
        }
        send(self.reader_notifications())?;
        Ok(Summary {
            long_topic: self.forum.first_topic,
            top_tag: crate::forum::slugify(text::TAGS[0]),
            most_cited: self.forum.guidance[0].1.clone(),
            most_cited_by: MOST_CITED.min(self.plan.topics() / 8) - self.citations_left,
            busiest_author: self.forum.first_user,
        })
    }

    fn member_id(&mut self) -> i64 {
        // The first members write most (a skewed pick), like the active few of a real forum.
        self.forum.first_user + self.rng.skewed(self.plan.members() as usize) as i64
    }

    fn moderator_id(&mut self) -> i64 {
        let generated = self.forum.first_user + self.rng.below(MODERATORS as usize) as i64;
        match self.forum.staff.is_empty() || self.rng.chance(0.7) {
            true => generated,
            false => self.forum.staff[self.rng.below(self.forum.staff.len())],
        }
    }

    fn time_between(&mut self, from: i64, to: i64) -> DateTime<Utc> {
        let t = from + (self.rng.unit() * (to - from).max(1) as f64) as i64;
        DateTime::from_timestamp(t.min(self.forum.end), 0).unwrap_or_default()
    }

    fn members(&mut self) -> Chunk {
        let provinces = crate::accounts::provinces::all();
        let rows = (0..self.plan.members() as i64)
            .map(|i| {
                let id = self.forum.first_user + i;
                let name = format!("{} {} {}", self.rng.pick(text::SURNAMES), self.rng.pick(text::MIDDLE), self.rng.pick(text::GIVEN));
                let province = &provinces[self.rng.below(provinces.len())];
                let email = format!("scale-{id}@goodpractice.invalid");
                let role = if (i as u64) < MODERATORS { "moderator" } else { "member" };
                let hospital = format!("{} {}", self.rng.pick(text::HOSPITALS), province.name);
                let joined = self.time_between(self.forum.start - 86_400 * 30, self.forum.start);
                vec![
                    id.into(),
                    email.clone().into(),
                    email.into(),
                    name.into(),
                    self.rng.pick(text::JOBS).into(),
                    hospital.into(),
                    self.rng.pick(text::DEPARTMENTS).into(),
                    province.code.into(),
                    role.into(),
                    joined.into(),
                    (1 + self.rng.below(3) as i64).into(),
                    format!("thanh-vien-{id}").into(),
                    false.into(),
                ]
            })
            .collect();
        vec![(BulkTable::Users, rows)]
    }

    fn tags(&mut self) -> Vec<Vec<Cell>> {
        text::TAGS
            .iter()
            .enumerate()
            .map(|(i, label)| vec![(self.forum.first_tag + i as i64).into(), crate::forum::slugify(label).into(), (*label).into()])
            .collect()
    }

    /// Topics `range` (0-based) with their posts, revisions, tags, citations, flags, queue
    /// items, notifications and search changes.
    fn topics(&mut self, range: std::ops::Range<u64>) -> Chunk {
        let mut rows = TopicRows::default();
        let topics = self.plan.topics();
        for i in range {
            // Ids follow dates: topic i opens at its share of the years, plus up to a day.
            let opened = self.forum.start + ((self.forum.end - self.forum.start) as f64 * i as f64 / topics as f64) as i64;
            self.topic(i, opened, &mut rows);
        }
        rows.into_chunk()
    }

    fn topic(&mut self, i: u64, opened: i64, rows: &mut TopicRows) {
        let id = self.forum.first_topic + i as i64;
        let kind = match self.rng.below(20) {
            0..=6 => "discussion",
            7..=11 => "question",
            12..=16 => "good_practice",
            _ => "case_study",
        };
        let author = self.member_id();
        let created = self.time_between(opened, opened + 86_400);
        let replies = self.replies[i as usize] as i64;
        let mut last = created;
        let title = self.corpus.title(&mut self.rng, kind == "question");
        let sentences = 3 + self.rng.below(10);
        let mut body = self.corpus.body(&mut self.rng, sentences);
        let cites_most = kind == "good_practice" && self.citations_left > 0;
        let cited = match cites_most {
            true => Some(0),
            false if self.rng.chance(0.03) => {
                Some(1 + self.rng.below(self.forum.guidance.len().max(2) - 1).min(self.forum.guidance.len() - 1))
            }
            false => None,
        };
        if let Some(doc) = cited {
            body.push_str(&format!("\n\nChúng tôi làm theo {}, áp dụng cho toàn bệnh viện.", self.forum.guidance[doc].1));
        }
        let folded = self.rng.chance(0.1);
        let (title, body) = if folded { (fold(&title), fold(&body)) } else { (title, body) };
        let opening = self.post(id, 1, author, &body, created, Some(&title), rows);
        if let Some(doc) = cited {
            self.citations_left = self.citations_left.saturating_sub(u64::from(doc == 0));
            rows.guidance.push(vec![opening.into(), self.forum.guidance[doc].0.into(), "detected".into()]);
        }
        for position in 2..=replies + 1 {
            let at = self.time_between(created.timestamp(), created.timestamp() + 86_400 * 30);
            last = last.max(at);
            let replier = self.member_id();
            let sentences = 1 + self.rng.below(4);
            let reply = self.corpus.body(&mut self.rng, sentences);
            let post = self.post(id, position, replier, &reply, at, None, rows);
            if replier != author && self.rng.chance(1.0 / 3.0) {
                rows.notifications.push(vec![
                    author.into(),
                    "reply".into(),
                    id.into(),
                    post.into(),
                    replier.into(),
                    "".into(),
                    at.into(),
                    Cell::Time((at.timestamp() < self.forum.end - 86_400 * 30).then_some(at)),
                    "sent".into(),
                ]);
            }
            self.maybe_queue(post, replier, at, rows);
        }
        let anonymous = kind == "case_study" && self.rng.chance(0.3);
        let tier = anonymous.then(|| ["initial", "basic", "specialised"][self.rng.below(3)]);
        let province = anonymous.then(|| crate::accounts::provinces::all()[self.rng.below(34)].code);
        rows.topics.push(vec![
            id.into(),
            self.forum.categories[self.rng.skewed(self.forum.categories.len())].into(),
            author.into(),
            kind.into(),
            title.into(),
            Cell::Text(None),
            "published".into(),
            replies.into(),
            created.into(),
            last.into(),
            anonymous.into(),
            tier.into(),
            province.into(),
        ]);
        let mut tags: Vec<usize> = (0..self.rng.below(4)).map(|_| self.rng.skewed(text::TAGS.len())).collect();
        if i == 0 {
            tags.push(0)
        }
        tags.sort_unstable();
        tags.dedup();
        rows.tags.extend(tags.into_iter().map(|t| vec![id.into(), (self.forum.first_tag + t as i64).into()]));
        rows.changes.push(vec!["topic".into(), id.into(), created.into()]);
    }

    #[allow(clippy::too_many_arguments)]
    fn post(
        &mut self,
        topic: i64,
        position: i64,
        author: i64,
        body: &str,
        at: DateTime<Utc>,
        title: Option<&str>,
        rows: &mut TopicRows,
    ) -> i64 {
        let id = self.next_post;
        self.next_post += 1;
        let html = crate::forum::markdown::render(body);
        rows.posts.push(vec![
            id.into(),
            topic.into(),
            author.into(),
            position.into(),
            body.into(),
            html.into(),
            "published".into(),
            at.into(),
        ]);
        rows.revisions.push(vec![id.into(), 1i64.into(), title.into(), body.into(), author.into(), at.into()]);
        self.helpful_marks(id, author, at, rows);
        id
    }

    /// One post in ten was found helpful by one to four other members (the "most helpful"
    /// orderings then have marks to order by).
    fn helpful_marks(&mut self, post: i64, author: i64, at: DateTime<Utc>, rows: &mut TopicRows) {
        if !self.rng.chance(0.1) {
            return;
        }
        let mut markers: Vec<i64> = (0..1 + self.rng.below(4)).map(|_| self.member_id()).filter(|m| *m != author).collect();
        markers.sort_unstable();
        markers.dedup();
        rows.helpful.extend(markers.into_iter().map(|m| vec![post.into(), m.into(), at.into()]));
    }

    /// Every `queue_stride`-th reply is flagged: every other one stays open until the open
    /// queue has its size, the rest were decided by a moderator.
    fn maybe_queue(&mut self, post: i64, author: i64, at: DateTime<Utc>, rows: &mut TopicRows) {
        self.replies_seen += 1;
        if !self.replies_seen.is_multiple_of(self.queue_stride) {
            return;
        }
        let open = self.open_items_left > 0 && (self.replies_seen / self.queue_stride) % 2 == 1;
        let reasons = ["spam", "off_topic", "inappropriate", "patient_privacy", "unsafe_clinical", "other"];
        let reason = reasons[self.rng.below(reasons.len())];
        let flagger = self.member_id();
        if flagger != author {
            rows.flags.push(vec![post.into(), flagger.into(), reason.into(), "".into(), 1i64.into(), at.into()]);
        }
        let reasons_json = format!("[{{\"kind\":\"flag\",\"reason\":\"{reason}\"}}]");
        if open {
            self.open_items_left -= 1;
            rows.items.push(vec![
                "flagged_post".into(),
                post.into(),
                author.into(),
                reasons_json.into(),
                "open".into(),
                Cell::Text(None),
                Cell::Int(None),
                Cell::Time(None),
                at.into(),
            ]);
        } else {
            let moderator = self.moderator_id();
            let decided = self.time_between(at.timestamp(), at.timestamp() + 86_400 * 3);
            rows.items.push(vec![
                "flagged_post".into(),
                post.into(),
                author.into(),
                reasons_json.into(),
                "approved".into(),
                "keep".into(),
                moderator.into(),
                decided.into(),
                at.into(),
            ]);
        }
    }

    fn audit_rows(&mut self, n: u64) -> Vec<Vec<Cell>> {
        const ACTIONS: [(&str, &str); 8] = [
            ("approve", "queue_item"),
            ("reject", "queue_item"),
            ("hide", "post"),
            ("pin", "topic"),
            ("lock", "topic"),
            ("move", "topic"),
            ("silence", "user"),
            ("delete", "post"),
        ];
        let topics = self.plan.topics() as f64;
        (0..n)
            .map(|_| {
                let (action, item_type) = ACTIONS[self.rng.skewed(ACTIONS.len())];
                let item = self.forum.first_topic + (self.rng.unit() * topics) as i64;
                let at = self.time_between(self.forum.start, self.forum.end);
                let reason = self.corpus.sentence(&mut self.rng).chars().take(120).collect::<String>();
                vec![
                    at.into(),
                    self.moderator_id().into(),
                    action.into(),
                    item_type.into(),
                    item.into(),
                    reason.into(),
                    Cell::Text(None),
                    Cell::Text(None),
                ]
            })
            .collect()
    }

    /// Staff accounts present before generation (the benchmark's reader) get many notifications.
    fn reader_notifications(&mut self) -> Chunk {
        let mut rows = Vec::new();
        let topics = self.plan.topics();
        for reader in self.forum.staff.clone() {
            for k in 0..READER_NOTIFICATIONS {
                let topic = self.forum.first_topic + ((topics - 1) as f64 * (k as f64 / READER_NOTIFICATIONS as f64)) as i64;
                let at = self.time_between(self.forum.end - 86_400 * 365, self.forum.end);
                let actor = self.member_id();
                rows.push(vec![
                    reader.into(),
                    "watched_topic".into(),
                    topic.into(),
                    Cell::Int(None),
                    actor.into(),
                    "".into(),
                    at.into(),
                    Cell::Time(None),
                    "sent".into(),
                ]);
            }
        }
        vec![(BulkTable::Notifications, rows)]
    }
}

/// Rows of a chunk of topics, by table.
#[derive(Default)]
struct TopicRows {
    topics: Vec<Vec<Cell>>,
    posts: Vec<Vec<Cell>>,
    revisions: Vec<Vec<Cell>>,
    tags: Vec<Vec<Cell>>,
    guidance: Vec<Vec<Cell>>,
    flags: Vec<Vec<Cell>>,
    items: Vec<Vec<Cell>>,
    notifications: Vec<Vec<Cell>>,
    changes: Vec<Vec<Cell>>,
    helpful: Vec<Vec<Cell>>,
}

impl TopicRows {
    fn into_chunk(self) -> Chunk {
        vec![
            (BulkTable::Topics, self.topics),
            (BulkTable::Posts, self.posts),
            (BulkTable::PostRevisions, self.revisions),
            (BulkTable::TopicTags, self.tags),
            (BulkTable::PostGuidance, self.guidance),
            (BulkTable::Flags, self.flags),
            (BulkTable::ModerationItems, self.items),
            (BulkTable::Notifications, self.notifications),
            (BulkTable::SearchChanges, self.changes),
            (BulkTable::HelpfulMarks, self.helpful),
        ]
    }
}

/// Text as typed without diacritics (one post in ten), NFC kept.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect()
}
