//! Mail: building a message (plain text + simple HTML, Vietnamese or English, with RFC 8058
//! one-click unsubscribe headers) and handing it to SMTP or, with no SMTP configured, to a
//! folder of .eml files under `<data_dir>/mail/`. Addresses are never logged.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

/// One mail, written already in the recipient's language.
pub struct Outgoing {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    /// Paragraphs; a paragraph that is a URL becomes a link in the HTML part.
    pub paragraphs: Vec<String>,
    /// The one-click unsubscribe address (also in `List-Unsubscribe`); `None` for account mail
    /// (a password reset link), which is sent whatever the member's settings.
    pub unsubscribe_url: Option<String>,
    pub lang: &'static str,
}

/// Why a mail was not delivered: worth trying again later, or never.
#[derive(Debug)]
pub enum SendError {
    Transient(String),
    Permanent(String),
}

/// Builds the MIME message; fails only for an address that cannot be a mailbox.
pub fn build(from: &str, mail: &Outgoing) -> anyhow::Result<Message> {
    let from: Mailbox = from.parse().context("mail_from is not a mail address")?;
    let to = Mailbox::new(Some(mail.to_name.clone()), mail.to_email.parse().context("recipient address")?);
    let text = mail.paragraphs.join("\n\n") + "\n";
    let mut builder = Message::builder().from(from).to(to).subject(mail.subject.clone());
    if let Some(url) = &mail.unsubscribe_url {
        builder = builder
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe"), format!("<{url}>")))
            .raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("List-Unsubscribe-Post"), "List-Unsubscribe=One-Click".into()));
    }
    let message = builder.raw_header(HeaderValue::new(HeaderName::new_from_ascii_str("Content-Language"), mail.lang.into())).multipart(
        MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html(mail))),
    )?;
    Ok(message)
}

/// The HTML part: the same paragraphs, escaped, links for URLs; no images, no remote content.
fn html(mail: &Outgoing) -> String {
    use crate::text::escape_markup;
    let mut out = format!("<!doctype html><html lang=\"{}\"><body>", mail.lang);
    for p in &mail.paragraphs {
        let escaped = escape_markup(p);
        if p.starts_with("http://") || p.starts_with("https://") {
            out.push_str(&format!("<p><a href=\"{escaped}\">{escaped}</a></p>"));
        } else {
            out.push_str(&format!("<p>{}</p>", escaped.replace('\n', "<br>")));
        }
    }
    out.push_str("</body></html>");
    out
}

/// Sends one mail now, outside the outbox (account mail: its link must not be stored in clear).
pub async fn send_now(config: &Config, mail: &Outgoing) -> Result<(), SendError> {
    let transport = Transport::from_config(config).map_err(|e| SendError::Permanent(e.to_string()))?;
    let message = build(&config.mail_from, mail).map_err(|e| SendError::Permanent(e.to_string()))?;
    transport.send(message).await
}

/// Where mail goes.
pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Folder(PathBuf),
}

impl Transport {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        if config.smtp_host.is_empty() {
            return Ok(Self::Folder(config.data_dir.join("mail")));
        }
        let host = config.smtp_host.as_str();
        let tls = match config.smtp_tls.as_str() {
            "none" => Tls::None,
            "tls" => Tls::Wrapper(TlsParameters::new(host.into())?),
            _ => Tls::Required(TlsParameters::new(host.into())?),
        };
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
            .port(config.smtp_port)
            .tls(tls)
            .timeout(Some(Duration::from_secs(20)));
        if !config.smtp_username.is_empty() {
            builder = builder.credentials(Credentials::new(config.smtp_username.clone(), config.smtp_password.clone()));
        }
        Ok(Self::Smtp(builder.build()))
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Smtp(_) => "smtp".into(),
            Self::Folder(dir) => format!("folder {}", dir.display()),
        }
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Self::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                // Only the SMTP status is kept: a server's text may quote the address.
                let code = e.status().map(|c| c.to_string()).unwrap_or_else(|| "no status".into());
                if e.is_permanent() { SendError::Permanent(code) } else { SendError::Transient(code) }
            }),
            Self::Folder(dir) => write_eml(dir, &message.formatted()).await.map_err(|e| SendError::Transient(e.to_string())),
        }
    }
}

/// Writes one .eml file (temporary name, then rename, so a reader never sees half a mail).
async fn write_eml(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    tokio::fs::create_dir_all(dir).await?;
    let name = format!("{}-{:016x}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"), rand::random::<u64>());
    let temp = dir.join(format!(".{name}.tmp"));
    tokio::fs::write(&temp, bytes).await?;
    tokio::fs::rename(&temp, dir.join(format!("{name}.eml"))).await
}
