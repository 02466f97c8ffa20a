//! Demo content: members and posts written for this project, loaded on first start so a new
//! installation shows what the forum is for. Demo members have no password and cannot sign in.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use serde::Deserialize;

use crate::accounts::{Role, provinces};
use crate::forum::Body;
use crate::forum::service::{self, TopicInput};
use crate::store::{NewUser, ProfileUpdate, Store};

#[derive(Deserialize)]
struct Content {
    users: Vec<DemoUser>,
    topics: Vec<DemoTopic>,
}

#[derive(Deserialize)]
struct DemoUser {
    key: String,
    name: String,
    email: String,
    job_title: String,
    hospital: String,
    department: String,
    province: String,
    role: String,
}

#[derive(Deserialize)]
struct DemoTopic {
    category: String,
    kind: String,
    author: String,
    title: String,
    summary: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    days_ago: i64,
    body: String,
    #[serde(default)]
    replies: Vec<DemoReply>,
}

#[derive(Deserialize)]
struct DemoReply {
    author: String,
    days_ago: i64,
    body: String,
}

/// The demo content: also a source of real sentences for the scale benchmark's generator.
pub const CONTENT_TOML: &str = include_str!("content.toml");

/// Loads the demo content unless the forum already has topics. Returns how many topics it added.
pub async fn load_if_empty(store: &Store) -> anyhow::Result<usize> {
    if store.count_topics(None).await? > 0 {
        return Ok(0);
    }
    let content: Content = toml::from_str(CONTENT_TOML)?;
    let users = create_users(store, &content.users).await?;
    for topic in &content.topics {
        create_topic(store, &users, topic).await?;
    }
    Ok(content.topics.len())
}

async fn create_users(store: &Store, users: &[DemoUser]) -> anyhow::Result<HashMap<String, i64>> {
    let mut ids = HashMap::new();
    for u in users {
        let role: Role = u.role.parse().map_err(anyhow::Error::msg)?;
        let id = store.create_user(&NewUser { email: &u.email, password_hash: None, display_name: &u.name, role }).await?;
        let province = provinces::resolve(&u.province).map(|p| p.code);
        let profile = ProfileUpdate {
            display_name: &u.name,
            job_title: &u.job_title,
            hospital: &u.hospital,
            department: &u.department,
            province_code: province,
        };
        store.update_profile(id, &profile).await?;
        ids.insert(u.key.clone(), id);
    }
    Ok(ids)
}

async fn create_topic(store: &Store, users: &HashMap<String, i64>, t: &DemoTopic) -> anyhow::Result<()> {
    let author = |key: &str| users.get(key).copied().ok_or_else(|| anyhow::anyhow!("demo author {key:?} is not a demo user"));
    let input = TopicInput {
        category: t.category.clone(),
        kind: t.kind.clone(),
        title: t.title.clone(),
        summary: t.summary.clone(),
        body: t.body.clone(),
        sections: None,
        tags: t.tags.clone(),
        guidance: Vec::new(),
    };
    let valid = service::validate_topic(store, &input).await.map_err(|e| anyhow::anyhow!("demo topic {:?}: {e}", t.title))?;
    let at = Utc::now() - Duration::days(t.days_ago);
    let created =
        crate::posting::pipeline::insert_topic(store, author(&t.author)?, &valid, at).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    for r in &t.replies {
        let body = Body::parse(&r.body).map_err(|e| anyhow::anyhow!("demo reply: {e}"))?;
        let at = Utc::now() - Duration::days(r.days_ago) + Duration::minutes(1);
        crate::posting::pipeline::insert_reply(store, author(&r.author)?, created.topic_id, &body, at, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(())
}
