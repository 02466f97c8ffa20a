//! Kept topic counts (per category, tag, province and guidance document, and helpful marks per
//! topic) stay exactly equal to a fresh `COUNT(*)` while several writers race through a random
//! mix of what moves them: new topics (published or held, anonymous or not, with tags and
//! citations), replies citing documents, marking posts helpful and taking marks back, hiding and
//! restoring posts, approving held posts, moving, merging and deleting topics, deleting replies,
//! members changing province. On both databases.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::sync::Mutex;

use crate::common::TestApp;
use goodpractice::accounts::Role;
use goodpractice::forum::{Status, Tag, Tags, TopicKind};
use goodpractice::store::{Decision, GuidanceLinks, NewPost, NewTopic, ProfileUpdate, Store, TopicAction, TopicFilter, TopicFlag};

const WRITERS: u64 = 4;
const STEPS: usize = 60;
const TAGS: [&str; 5] = ["kiểm tra chéo", "an toàn thuốc", "té ngã", "nhiễm khuẩn", "bàn giao ca"];
const PROVINCES: [&str; 4] = ["01", "79", "48", "92"];

/// What the writers share: the topics and posts made so far (ids only).
#[derive(Default)]
struct Made {
    topics: Vec<(i64, i64)>,
    replies: Vec<i64>,
    held: Vec<i64>,
}

struct World<'a> {
    store: &'a Store,
    members: Vec<i64>,
    moderator: i64,
    categories: Vec<i64>,
    documents: Vec<i64>,
    made: Mutex<Made>,
}

fn action(actor_id: i64, action: &'static str, item_type: &'static str, item_id: i64) -> TopicAction<'static> {
    TopicAction { actor_id, action, item_type, item_id, reason: "Kiểm tra số đếm", before: None, after: None }
}

fn tags_for(rng: &mut StdRng) -> Vec<Tag> {
    let chosen: Vec<&str> = (0..rng.random_range(0..=3)).map(|_| TAGS[rng.random_range(0..TAGS.len())]).collect();
    Tags::parse(&chosen).unwrap().as_slice().to_vec()
}

fn links_for(rng: &mut StdRng, documents: &[i64]) -> GuidanceLinks {
    let mut known: Vec<(i64, &'static str)> = Vec::new();
    for _ in 0..rng.random_range(0..=2) {
        let id = documents[rng.random_range(0..documents.len())];
        if !known.iter().any(|(k, _)| *k == id) {
            known.push((id, "detected"));
        }
    }
    GuidanceLinks { known, unknown: Vec::new() }
}

impl World<'_> {
    async fn new_topic(&self, rng: &mut StdRng) {
        let held = rng.random_bool(0.25);
        let anonymous = rng.random_bool(0.2).then(|| ("specialised", PROVINCES[rng.random_range(0..PROVINCES.len())]));
        let tags = tags_for(rng);
        let links = links_for(rng, &self.documents);
        let t = NewTopic {
            category_id: self.categories[rng.random_range(0..self.categories.len())],
            author_id: self.members[rng.random_range(0..self.members.len())],
            kind: if anonymous.is_some() { TopicKind::CaseStudy } else { TopicKind::Discussion },
            title: "Bàn giao người bệnh giữa các ca trực",
            summary: None,
            body: "Khoa chúng tôi dùng phiếu bàn giao theo Thông tư 43/2018/TT-BYT.",
            body_html: "<p>Khoa chúng tôi dùng phiếu bàn giao.</p>",
            status: if held { Status::Pending } else { Status::Published },
            tags: &tags,
            created_at: chrono::Utc::now(),
            source_id: None,
            hold: held.then_some("[]"),
            anonymous,
            attachments: &[],
        };
        let (topic_id, post_id) = self.store.create_topic_linked(&t, &links).await.expect("topic created");
        let mut made = self.made.lock().await;
        made.topics.push((topic_id, post_id));
        if held {
            made.held.push(post_id);
        }
    }

    async fn reply(&self, rng: &mut StdRng) {
        let Some((topic_id, _)) = self.pick_topic(rng).await else {
            return;
        };
        let held = rng.random_bool(0.2);
        let links = links_for(rng, &self.documents);
        let p = NewPost {
            topic_id,
            author_id: self.members[rng.random_range(0..self.members.len())],
            body: "Đồng ý, nên đối chiếu với Quyết định 5316/QĐ-BYT.",
            body_html: "<p>Đồng ý.</p>",
            status: if held { Status::Pending } else { Status::Published },
            created_at: chrono::Utc::now(),
            hold: held.then_some("[]"),
            attachments: &[],
        };
        // A topic deleted or merged meanwhile may refuse the reply; counts must hold either way.
        if let Ok(post_id) = self.store.create_post_linked(&p, &links).await {
            let mut made = self.made.lock().await;
            made.replies.push(post_id);
            if held {
                made.held.push(post_id);
            }
        }
    }

    async fn pick_topic(&self, rng: &mut StdRng) -> Option<(i64, i64)> {
        let made = self.made.lock().await;
        (!made.topics.is_empty()).then(|| made.topics[rng.random_range(0..made.topics.len())])
    }

    async fn pick_post(&self, rng: &mut StdRng) -> Option<i64> {
        let made = self.made.lock().await;
        let all = made.topics.len() + made.replies.len();
        if all == 0 {
            return None;
        }
        let i = rng.random_range(0..all);
        Some(if i < made.topics.len() { made.topics[i].1 } else { made.replies[i - made.topics.len()] })
    }

    async fn hide_or_restore(&self, rng: &mut StdRng) {
        let Some(post_id) = self.pick_post(rng).await else {
            return;
        };
        let status = if rng.random_bool(0.5) { "rejected" } else { "published" };
        let a = action(self.moderator, "hide", "post", post_id);
        let _ = self.store.set_post_status_audited(post_id, status, &a, "post_hidden").await;
    }

    async fn approve(&self, rng: &mut StdRng) {
        let post_id = {
            let mut made = self.made.lock().await;
            if made.held.is_empty() {
                return;
            }
            let i = rng.random_range(0..made.held.len());
            made.held.swap_remove(i)
        };
        let Ok(Some(item)) = self.store.open_item_for_post(post_id).await else {
            return;
        };
        let d = Decision {
            item_id: item.id,
            actor_id: self.moderator,
            state: "approved",
            action: "approve",
            post_status: Some("published"),
            reason: "Phù hợp",
            new_body: None,
            notify: "post_approved",
            grant_role: None,
        };
        let _ = self.store.decide(&d).await;
    }

    async fn move_topic(&self, rng: &mut StdRng) {
        let Some((topic_id, _)) = self.pick_topic(rng).await else {
            return;
        };
        let category = self.categories[rng.random_range(0..self.categories.len())];
        let _ = self.store.move_topic_audited(topic_id, category, &action(self.moderator, "move", "topic", topic_id)).await;
    }

    async fn delete(&self, rng: &mut StdRng) {
        let Some(post_id) = self.pick_post(rng).await else {
            return;
        };
        let _ = self.store.delete_post(post_id).await;
    }

    async fn merge(&self, rng: &mut StdRng) {
        let (Some((from, _)), Some((into, _))) = (self.pick_topic(rng).await, self.pick_topic(rng).await) else {
            return;
        };
        if from == into {
            return;
        }
        let Ok(offset) = self.store.max_position(into).await else {
            return;
        };
        let a = action(self.moderator, "merge", "topic", from);
        let _ = self.store.merge_topics_audited(from, into, offset, chrono::Utc::now(), &a).await;
    }

    /// A member marks a post helpful or takes the mark back (held and hidden posts too: the store
    /// refuses those in the app, but a mark made before a post was hidden stays in the table).
    async fn mark_or_unmark(&self, rng: &mut StdRng) {
        let Some(post_id) = self.pick_post(rng).await else {
            return;
        };
        let member = self.members[rng.random_range(0..self.members.len())];
        let _ = if rng.random_bool(0.7) {
            self.store.mark_helpful(post_id, member).await
        } else {
            self.store.unmark_helpful(post_id, member).await
        };
    }

    async fn change_province(&self, rng: &mut StdRng) {
        let member = self.members[rng.random_range(0..self.members.len())];
        let province = rng.random_bool(0.8).then(|| PROVINCES[rng.random_range(0..PROVINCES.len())]);
        let p = ProfileUpdate {
            display_name: "Điều dưỡng Lan",
            job_title: "Điều dưỡng",
            hospital: "Bệnh viện Bạch Mai",
            department: "Hồi sức",
            province_code: province,
        };
        self.store.update_profile(member, &p).await.expect("profile saved");
    }

    async fn pin_or_unpin(&self, rng: &mut StdRng) {
        let Some((topic_id, _)) = self.pick_topic(rng).await else {
            return;
        };
        let a = action(self.moderator, "pin", "topic", topic_id);
        let _ = self.store.set_topic_flag_audited(topic_id, TopicFlag::Pinned, rng.random_bool(0.5), &a).await;
    }

    async fn step(&self, rng: &mut StdRng) {
        match rng.random_range(0..110) {
            0..30 => self.new_topic(rng).await,
            30..48 => self.reply(rng).await,
            48..62 => self.hide_or_restore(rng).await,
            100..110 => self.mark_or_unmark(rng).await,
            62..69 => self.approve(rng).await,
            69..76 => self.move_topic(rng).await,
            76..84 => self.delete(rng).await,
            84..89 => self.merge(rng).await,
            89..94 => self.pin_or_unpin(rng).await,
            _ => self.change_province(rng).await,
        }
    }
}

async fn kept_counts_equal_fresh_counts_under_racing_writers(app: TestApp) {
    let store = &app.store;
    let mut members = Vec::new();
    for i in 0..6 {
        members.push(app.create_user(&format!("thanh-vien-{i}@benhvien.vn"), &format!("Thành viên {i}"), Role::Member).await);
    }
    let moderator = app.create_user("dieu-phoi@benhvien.vn", "Điều phối Viên", Role::Moderator).await;
    let categories: Vec<i64> = store.categories().await.unwrap().into_iter().map(|c| c.id).take(4).collect();
    let documents: Vec<i64> = store.library_numbers().await.unwrap().into_iter().map(|d| d.id).take(4).collect();
    assert!(documents.len() >= 2 && categories.len() >= 2, "the seeded library and categories exist");
    let world = World { store, members, moderator, categories, documents, made: Mutex::new(Made::default()) };

    let writer = |seed: u64| {
        let world = &world;
        async move {
            let mut rng = StdRng::seed_from_u64(seed);
            for _ in 0..STEPS {
                world.step(&mut rng).await;
            }
        }
    };
    let writers: Vec<_> = (0..WRITERS).map(|w| writer(0x5ca1e + w)).collect();
    futures_util::future::join_all(writers).await;

    let kept = store.kept_topic_counts().await.unwrap();
    let counted = store.counted_topic_counts().await.unwrap();
    assert!(
        !counted.categories.is_empty() && !counted.tags.is_empty() && !counted.guidance.is_empty() && !counted.helpful.is_empty(),
        "the run left visible topics, tags, citations and helpful marks to count: {counted:?}"
    );
    assert_eq!(kept, counted, "kept counts equal a fresh COUNT(*)");

    // And pages read the kept counts: the categories API sums to the visible topics.
    let api: serde_json::Value = app.get("/api/v1/categories").await.json().await.unwrap();
    let listed: i64 = api.as_array().unwrap().iter().map(|c| c["topic_count"].as_i64().unwrap()).sum();
    assert_eq!(listed, counted.categories.iter().map(|(_, n)| n).sum::<i64>());

    // Each tag's listing, walked along the keys its tag rows keep, is the one a fresh sort of
    // the visible topics carrying the tag gives.
    let made: Vec<i64> = world.made.lock().await.topics.iter().map(|t| t.0).collect();
    for label in TAGS {
        let slug = Tags::parse(&[label]).unwrap().as_slice()[0].slug.clone();
        let mut fresh = Vec::new();
        for &id in &made {
            let topic = store.topic(id).await.unwrap();
            let tagged = store.topic_tags(id).await.unwrap().iter().any(|g| g.slug == slug);
            if tagged && topic.status == Status::Published && topic.deleted_at.is_none() {
                fresh.push(topic);
            }
        }
        fresh.sort_by_key(|t| std::cmp::Reverse((t.pinned, t.last_posted_at, t.id)));
        let fresh: Vec<i64> = fresh.iter().map(|t| t.id).collect();
        let filter = TopicFilter { category_id: None, tag: Some(&slug) };
        let walked: Vec<i64> = store.latest_topics(&filter, 10_000, 0).await.unwrap().iter().map(|t| t.id).collect();
        assert_eq!(walked, fresh, "the listing of tag {slug}");
    }
}

crate::on_both_databases!(kept_counts_equal_fresh_counts_under_racing_writers);
