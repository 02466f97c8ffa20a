//! The words of each mail, in the recipient's language (vi unless they chose en in settings).

use super::mail::Outgoing;
use crate::store::{DigestJob, DigestTopic, MailJob};
use crate::web::i18n::{Catalogs, Lang};

/// What every mail needs besides its content.
pub struct Letterhead<'a> {
    pub catalogs: &'a Catalogs,
    pub lang: Lang,
    /// The site's address, no trailing slash.
    pub base: &'a str,
    pub unsubscribe_token: String,
}

impl Letterhead<'_> {
    fn t(&self, key: &str) -> String {
        self.catalogs.get(self.lang, key).to_string()
    }

    fn fill(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key);
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    fn unsubscribe_url(&self) -> String {
        format!("{}/unsubscribe/{}", self.base, self.unsubscribe_token)
    }

    /// Greeting, body paragraphs, then why this mail came and how to stop it.
    fn letter(&self, name: &str, email: &str, subject: String, body: Vec<String>) -> Outgoing {
        let mut paragraphs = vec![self.fill("notify.mail.greeting", &[("name", name)])];
        paragraphs.extend(body);
        paragraphs.push(self.fill("notify.mail.footer", &[("settings", &format!("{}/settings/notifications", self.base))]));
        paragraphs.push(self.t("notify.mail.unsubscribe"));
        paragraphs.push(self.unsubscribe_url());
        Outgoing {
            to_name: name.to_string(),
            to_email: email.to_string(),
            subject,
            paragraphs,
            unsubscribe_url: Some(self.unsubscribe_url()),
            lang: self.lang.code(),
        }
    }
}

/// The mail for one notification.
pub fn notification(head: &Letterhead, job: &MailJob) -> Outgoing {
    let topic = job.topic_title.clone().unwrap_or_default();
    let actor = job.actor_name.clone().unwrap_or_else(|| head.t("moderation.anonymous.author"));
    let (subject, line) = if super::fanout::KINDS.contains(&job.kind.as_str()) {
        let args = [("topic", topic.as_str()), ("actor", actor.as_str())];
        (head.fill(&format!("notify.mail.subject.{}", job.kind), &args), head.fill(&format!("notify.mail.line.{}", job.kind), &args))
    } else {
        (head.t("notify.mail.subject.moderation"), head.t(&format!("moderation.notification.{}", job.kind)))
    };
    let mut body = vec![line];
    if !job.reason.is_empty() {
        body.push(format!("{}: {}", head.t("moderation.queue.reason"), job.reason));
    }
    if job.topic_id.is_some() {
        body.push(head.t("notify.mail.open"));
        body.push(format!("{}/notifications/{}/open", head.base, job.id));
    }
    head.letter(&job.display_name, &job.email, subject, body)
}

/// The weekly digest: the best new practices of the week, most discussed first.
pub fn digest(head: &Letterhead, job: &DigestJob, topics: &[DigestTopic]) -> Outgoing {
    let subject = head.fill("notify.digest.subject", &[("week", &job.week)]);
    let mut body = vec![head.t("notify.digest.intro")];
    for (i, t) in topics.iter().enumerate() {
        let category = if head.lang == Lang::En { &t.category_en } else { &t.category_vi };
        let kind = head.t(&format!("kind.{}", t.kind));
        let mut entry = format!(
            "{}. {} ({kind} · {category} · {})",
            i + 1,
            t.title,
            head.catalogs.plural(head.lang, "phone.plural.replies", t.reply_count)
        );
        if let Some(summary) = t.summary.as_deref().filter(|s| !s.is_empty()) {
            entry.push('\n');
            entry.push_str(summary);
        }
        body.push(entry);
        body.push(format!("{}/t/{}", head.base, t.id));
    }
    if topics.is_empty() {
        body.push(head.t("notify.digest.empty"));
    }
    head.letter(&job.display_name, &job.email, subject, body)
}
