//! Configuration: code defaults, then a TOML file (`--config FILE` / `GP_CONFIG`), then `GP_*`
//! environment variables (and `DATABASE_URL`), then command-line flags. Every key is listed in
//! the README. Secrets never appear in `Debug` output.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

#[derive(Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the web server listens on.
    pub bind: SocketAddr,
    /// Folder for the SQLite database and other local files.
    pub data_dir: PathBuf,
    /// `postgres://…` or `sqlite://…`; empty means SQLite at `<data_dir>/goodpractice.db`.
    pub database_url: String,
    /// Folder of this server's search index; empty means `<data_dir>/search`. Each server of a
    /// group sharing one PostgreSQL needs its own.
    pub index_dir: PathBuf,
    /// Folder of uploaded files; empty means `<data_dir>/attachments`. Servers sharing one
    /// PostgreSQL must all see the same folder (a shared mount).
    pub uploads_dir: PathBuf,
    /// Load the demo users and posts on start when the forum has no topics yet.
    pub demo: bool,
    /// Mark cookies `Secure` (set when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Log as JSON lines instead of text.
    pub log_json: bool,
    /// How long a sign-in lasts, in days.
    pub session_days: i64,
    /// Posts (topics and replies) one member may publish per minute.
    pub posts_per_minute: i64,
    /// Posts (topics and replies) allowed from one client address per minute (a hospital may share one).
    pub posts_per_minute_per_address: i64,
    /// Reverse proxies in front of the server: for their requests, per-address limits count the
    /// client named in `X-Forwarded-For`. Empty: the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Failed sign-ins to one account before each further attempt must wait (1, 2, 4… minutes,
    /// at most 15; a successful sign-in starts the count again).
    pub login_failures_allowed: i64,
    /// Failed sign-ins from one client address per 15 minutes, whatever the account: high, since a
    /// whole hospital may reach the forum through one address.
    pub login_failures_per_address: i64,
    /// Previews (`POST /preview`, `POST /api/v1/preview`) one member may ask for per minute.
    pub previews_per_minute: i64,
    /// Password reset mails one address may be sent per hour (asked for it or not: the limit
    /// counts requests, so it says nothing about which addresses have accounts).
    pub password_resets_per_email: i64,
    /// Password reset requests from one client address per hour (a hospital may share one).
    pub password_resets_per_address: i64,
    /// Sign-up requests from one client address per hour (a hospital may share one address).
    pub signups_per_address: i64,
    /// Sign-up mails one email may be sent per hour (new or already used alike: the limit says
    /// nothing about which emails have accounts, and keeps the form from flooding an inbox).
    pub signups_per_email: i64,
    /// Moderation: new sign-ups wait in the review queue and cannot post until a moderator approves them.
    pub approve_new_accounts: bool,
    /// Moderation: how many first posts of a trust-level-0 member wait for review.
    pub new_user_held_posts: i64,
    /// Moderation: links a trust-level-0 member may include before the post waits for review.
    pub new_user_max_links: i64,
    /// Moderation: images a trust-level-0 member may include before the post waits for review.
    pub new_user_max_images: i64,
    /// Moderation: total flag weight that hides a post until a moderator reviews it.
    pub flag_hide_threshold: i64,
    /// Moderation: a post nearly identical to one the author wrote this many minutes before waits for review.
    pub duplicate_window_minutes: i64,
    /// Attachments: largest file accepted, in bytes (images and PDFs; checked by content).
    pub max_upload_bytes: i64,
    /// Attachments: files one member may upload per hour.
    pub uploads_per_hour: i64,
    /// Attachments: an upload no post shows is deleted (row, and file when unshared) after this many hours.
    pub unused_upload_hours: i64,
    /// The site's address as browsers see it (`https://forum.example`), for sign-in redirect URIs.
    /// Empty: taken from the request's Host header (fine on 127.0.0.1; set it in production).
    pub public_url: String,
    /// Roles that must sign in with a second factor (TOTP); such a member is led to enrolment first.
    pub require_two_factor: Vec<crate::domain::Role>,
    /// External sign-in providers (`[[auth.oidc]]` tables).
    pub auth: AuthConfig,
    /// Mail server for notifications and the digest; empty: each mail is written as an .eml file
    /// under `<data_dir>/mail/`.
    pub smtp_host: String,
    pub smtp_port: u16,
    /// `starttls` (default), `tls` (implicit, port 465) or `none` (plain, for a local relay).
    pub smtp_tls: String,
    pub smtp_username: String,
    /// Never printed (not in `Debug`, not in logs).
    pub smtp_password: String,
    /// The From address of every mail.
    pub mail_from: String,
    /// Send the weekly digest from `serve` (Mondays, 08:00 Vietnam time).
    pub weekly_digest: bool,
    /// How long a notification's mail waits before it is sent, so a post deleted or hidden
    /// soon after it was written is never mailed about.
    pub mail_delay_seconds: i64,
    /// Memory for rendered pages kept for signed-out readers (home, categories, topics, tags,
    /// guidance), in MiB; 0 turns the cache off.
    pub page_cache_mb: i64,
    /// `/metrics` is served to scrapers on this machine; with a token set (16 characters or
    /// more), also to anyone sending `Authorization: Bearer <token>`. Never printed.
    pub metrics_token: String,
    /// Key that encrypts members' TOTP secrets in the database: a file holding 64 hex characters
    /// (32 random bytes), kept apart from the database and its backups. Empty: none.
    pub totp_key_file: PathBuf,
    /// The same key given directly (better in `GP_TOTP_KEY` than in the file). Never printed.
    pub totp_key: String,
    /// Which keys the file set and which variables the environment set, so the admin's
    /// settings page can say where a value came from. Not a setting.
    #[serde(skip)]
    pub sources: Sources,
}

/// Where the configured values came from (names only, never values).
#[derive(Clone, Debug, Default)]
pub struct Sources {
    pub file_keys: Vec<String>,
    pub env_vars: Vec<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub oidc: Vec<crate::accounts::oidc::ProviderConfig>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: String::new(),
            index_dir: PathBuf::new(),
            uploads_dir: PathBuf::new(),
            demo: true,
            secure_cookies: false,
            log_json: false,
            session_days: 30,
            posts_per_minute: 5,
            login_failures_allowed: 5,
            login_failures_per_address: 100,
            previews_per_minute: 60,
            password_resets_per_email: 3,
            password_resets_per_address: 30,
            signups_per_address: 20,
            signups_per_email: 3,
            posts_per_minute_per_address: 30,
            trusted_proxies: Vec::new(),
            approve_new_accounts: false,
            new_user_held_posts: 2,
            new_user_max_links: 2,
            new_user_max_images: 0,
            flag_hide_threshold: 3,
            duplicate_window_minutes: 60,
            max_upload_bytes: 10 * 1024 * 1024,
            uploads_per_hour: 30,
            unused_upload_hours: 24,
            public_url: String::new(),
            require_two_factor: Vec::new(),
            auth: AuthConfig::default(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: String::new(),
            mail_from: "Good Practice <no-reply@goodpractice.invalid>".into(),
            weekly_digest: true,
            mail_delay_seconds: 60,
            page_cache_mb: 32,
            metrics_token: String::new(),
            totp_key_file: PathBuf::new(),
            totp_key: String::new(),
            sources: Sources::default(),
        }
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("data_dir", &self.data_dir)
            .field("index_dir", &self.index_dir())
            .field("uploads_dir", &self.uploads_dir())
            .field("database", &self.database_kind())
            .field("demo", &self.demo)
            .field("require_two_factor", &self.require_two_factor)
            .field("auth", &self.auth)
            .field("smtp_host", &self.smtp_host)
            .field("totp_key_file", &self.totp_key_file)
            .finish_non_exhaustive()
    }
}

impl Config {
    /// Defaults, then the file (if any), then the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut config = match file {
            Some(path) => Self::from_file(path)?,
            None => Self::default(),
        };
        config.apply_env(|key| std::env::var(key).ok())?;
        Ok(config)
    }

    fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
        let mut config: Config = toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?;
        config.check_providers()?;
        let table: toml::Table = toml::from_str(&text).with_context(|| format!("invalid config file {}", path.display()))?;
        config.sources.file_keys = table.keys().cloned().collect();
        Ok(config)
    }

    /// Provider ids appear in URLs and must be unique; presets and generic providers need their endpoints.
    pub fn check_providers(&self) -> anyhow::Result<()> {
        let mut seen = std::collections::HashSet::new();
        for p in &self.auth.oidc {
            p.check()?;
            anyhow::ensure!(seen.insert(p.id.as_str()), "[[auth.oidc]] id {:?} appears twice", p.id);
        }
        Ok(())
    }

    /// Applies `GP_*` variables (and `DATABASE_URL`) read through `var`.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        // Remember which variables were set (names only), for the admin's settings page.
        let seen = std::cell::RefCell::new(Vec::new());
        let var = |key: &str| {
            let value = var(key);
            if value.is_some() {
                seen.borrow_mut().push(key.to_string());
            }
            value
        };
        let applied = self.apply_env_vars(&var);
        self.sources.env_vars.extend(seen.take());
        applied
    }

    fn apply_env_vars(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(v) = var("GP_BIND") {
            self.bind = v.parse().with_context(|| format!("GP_BIND is not an address: {v}"))?;
        }
        if let Some(v) = var("GP_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = var("GP_INDEX_DIR") {
            self.index_dir = PathBuf::from(v);
        }
        if let Some(v) = var("GP_UPLOADS_DIR") {
            self.uploads_dir = PathBuf::from(v);
        }
        if let Some(v) = var("DATABASE_URL").or_else(|| var("GP_DATABASE_URL")) {
            self.database_url = v;
        }
        set_bool(&mut self.demo, "GP_DEMO", &var)?;
        set_bool(&mut self.secure_cookies, "GP_SECURE_COOKIES", &var)?;
        set_bool(&mut self.log_json, "GP_LOG_JSON", &var)?;
        set_int(&mut self.session_days, "GP_SESSION_DAYS", &var)?;
        set_int(&mut self.posts_per_minute, "GP_POSTS_PER_MINUTE", &var)?;
        set_int(&mut self.login_failures_allowed, "GP_LOGIN_FAILURES_ALLOWED", &var)?;
        set_int(&mut self.login_failures_per_address, "GP_LOGIN_FAILURES_PER_ADDRESS", &var)?;
        set_int(&mut self.previews_per_minute, "GP_PREVIEWS_PER_MINUTE", &var)?;
        set_int(&mut self.password_resets_per_email, "GP_PASSWORD_RESETS_PER_EMAIL", &var)?;
        set_int(&mut self.password_resets_per_address, "GP_PASSWORD_RESETS_PER_ADDRESS", &var)?;
        set_int(&mut self.signups_per_address, "GP_SIGNUPS_PER_ADDRESS", &var)?;
        set_int(&mut self.signups_per_email, "GP_SIGNUPS_PER_EMAIL", &var)?;
        set_int(&mut self.posts_per_minute_per_address, "GP_POSTS_PER_MINUTE_PER_ADDRESS", &var)?;
        if let Some(v) = var("GP_TRUSTED_PROXIES") {
            self.trusted_proxies = parse_addresses(&v).context("GP_TRUSTED_PROXIES")?;
        }
        set_bool(&mut self.approve_new_accounts, "GP_APPROVE_NEW_ACCOUNTS", &var)?;
        set_int(&mut self.new_user_held_posts, "GP_NEW_USER_HELD_POSTS", &var)?;
        set_int(&mut self.new_user_max_links, "GP_NEW_USER_MAX_LINKS", &var)?;
        set_int(&mut self.new_user_max_images, "GP_NEW_USER_MAX_IMAGES", &var)?;
        set_int(&mut self.flag_hide_threshold, "GP_FLAG_HIDE_THRESHOLD", &var)?;
        set_int(&mut self.duplicate_window_minutes, "GP_DUPLICATE_WINDOW_MINUTES", &var)?;
        set_int(&mut self.max_upload_bytes, "GP_MAX_UPLOAD_BYTES", &var)?;
        set_int(&mut self.uploads_per_hour, "GP_UPLOADS_PER_HOUR", &var)?;
        set_int(&mut self.unused_upload_hours, "GP_UNUSED_UPLOAD_HOURS", &var)?;
        if let Some(v) = var("GP_PUBLIC_URL") {
            self.public_url = v;
        }
        if let Some(v) = var("GP_REQUIRE_TWO_FACTOR") {
            self.require_two_factor = parse_roles(&v).context("GP_REQUIRE_TWO_FACTOR")?;
        }
        if let Some(v) = var("GP_METRICS_TOKEN") {
            self.metrics_token = v;
        }
        if let Some(v) = var("GP_TOTP_KEY_FILE") {
            self.totp_key_file = PathBuf::from(v);
        }
        if let Some(v) = var("GP_TOTP_KEY") {
            self.totp_key = v;
        }
        self.check_metrics_token()?;
        self.apply_mail_env(&var)
    }

    /// A short token could be guessed by anyone who can reach `/metrics`.
    fn check_metrics_token(&self) -> anyhow::Result<()> {
        let token = &self.metrics_token;
        let usable = token.is_empty() || (token.len() >= 16 && token.bytes().all(|b| b.is_ascii_graphic()));
        anyhow::ensure!(usable, "metrics_token (GP_METRICS_TOKEN) must be at least 16 visible ASCII characters, without spaces");
        Ok(())
    }

    fn apply_mail_env(&mut self, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        for (key, field) in [
            ("GP_SMTP_HOST", &mut self.smtp_host),
            ("GP_SMTP_TLS", &mut self.smtp_tls),
            ("GP_SMTP_USERNAME", &mut self.smtp_username),
            ("GP_SMTP_PASSWORD", &mut self.smtp_password),
            ("GP_MAIL_FROM", &mut self.mail_from),
        ] {
            if let Some(v) = var(key) {
                *field = v;
            }
        }
        if let Some(v) = var("GP_SMTP_PORT") {
            self.smtp_port = v.parse().with_context(|| format!("GP_SMTP_PORT must be a port number, not {v:?}"))?;
        }
        set_bool(&mut self.weekly_digest, "GP_WEEKLY_DIGEST", var)?;
        set_int(&mut self.mail_delay_seconds, "GP_MAIL_DELAY_SECONDS", var)?;
        set_int(&mut self.page_cache_mb, "GP_PAGE_CACHE_MB", var)?;
        anyhow::ensure!((0..=4096).contains(&self.page_cache_mb), "page_cache_mb must be from 0 to 4096, not {}", self.page_cache_mb);
        anyhow::ensure!(
            ["starttls", "tls", "none"].contains(&self.smtp_tls.as_str()),
            "smtp_tls must be starttls, tls or none, not {:?}",
            self.smtp_tls
        );
        Ok(())
    }

    /// The search index folder actually used: the configured one, or `<data_dir>/search`.
    pub fn index_dir(&self) -> PathBuf {
        if self.index_dir.as_os_str().is_empty() { self.data_dir.join("search") } else { self.index_dir.clone() }
    }

    /// The uploads folder actually used: the configured one, or `<data_dir>/attachments`.
    pub fn uploads_dir(&self) -> PathBuf {
        if self.uploads_dir.as_os_str().is_empty() { self.data_dir.join("attachments") } else { self.uploads_dir.clone() }
    }

    /// The database URL actually used: the configured one, or SQLite under the data dir.
    pub fn effective_database_url(&self) -> String {
        if self.database_url.is_empty() {
            format!("sqlite://{}", self.data_dir.join("goodpractice.db").display())
        } else {
            self.database_url.clone()
        }
    }

    /// "postgres" or "sqlite", for logs (the URL itself may hold a password).
    pub fn database_kind(&self) -> &'static str {
        if self.effective_database_url().starts_with("postgres") { "postgres" } else { "sqlite" }
    }
}

/// A comma-separated list of IP addresses ("10.0.0.2, ::1"); empty means none.
fn parse_addresses(text: &str) -> anyhow::Result<Vec<std::net::IpAddr>> {
    let parse = |a: &str| a.parse().with_context(|| format!("{a:?} is not an IP address"));
    text.split(',').map(str::trim).filter(|a| !a.is_empty()).map(parse).collect()
}

/// A comma-separated list of roles ("admin, moderator"); empty means none.
fn parse_roles(text: &str) -> anyhow::Result<Vec<crate::domain::Role>> {
    text.split(',').map(str::trim).filter(|r| !r.is_empty()).map(|r| r.parse().map_err(anyhow::Error::msg)).collect()
}

fn set_bool(field: &mut bool, key: &str, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    if let Some(v) = var(key) {
        *field = match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => anyhow::bail!("{key} must be true or false, not {v:?}"),
        };
    }
    Ok(())
}

fn set_int(field: &mut i64, key: &str, var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    if let Some(v) = var(key) {
        *field = v.parse().with_context(|| format!("{key} must be a whole number, not {v:?}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let mut config: Config = toml::from_str("bind = \"0.0.0.0:9000\"\ndemo = false").unwrap();
        config.apply_env(env(&[("GP_BIND", "127.0.0.1:7000")])).unwrap();
        assert_eq!(config.bind.port(), 7000);
        assert!(!config.demo);
        assert_eq!(config.session_days, 30);
    }

    #[test]
    fn the_keys_a_file_and_the_environment_set_are_remembered_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("goodpractice.toml");
        std::fs::write(&path, "approve_new_accounts = true\nposts_per_minute = 5\n").unwrap();
        let mut config = Config::from_file(&path).unwrap();
        config.apply_env(env(&[("GP_POSTS_PER_MINUTE", "9")])).unwrap();
        assert_eq!(config.sources.file_keys, ["approve_new_accounts", "posts_per_minute"]);
        assert_eq!(config.sources.env_vars, ["GP_POSTS_PER_MINUTE"]);
        assert_eq!(config.posts_per_minute, 9);
        assert!(!format!("{config:?}").contains("sources"), "names only, and not in the debug output either");
    }

    #[test]
    fn index_and_uploads_folders_default_under_the_data_dir_and_can_be_moved() {
        let mut config = Config { data_dir: PathBuf::from("/srv/gp"), ..Config::default() };
        assert_eq!(config.index_dir(), PathBuf::from("/srv/gp/search"));
        assert_eq!(config.uploads_dir(), PathBuf::from("/srv/gp/attachments"));
        config.apply_env(env(&[("GP_INDEX_DIR", "/var/lib/gp-index"), ("GP_UPLOADS_DIR", "/mnt/shared/uploads")])).unwrap();
        assert_eq!(config.index_dir(), PathBuf::from("/var/lib/gp-index"));
        assert_eq!(config.uploads_dir(), PathBuf::from("/mnt/shared/uploads"));
        let file: Config = toml::from_str("index_dir = \"/a\"\nuploads_dir = \"/b\"").unwrap();
        assert_eq!((file.index_dir(), file.uploads_dir()), (PathBuf::from("/a"), PathBuf::from("/b")));
    }

    #[test]
    fn the_example_file_in_the_repository_is_valid() {
        let config: Config = toml::from_str(include_str!("../goodpractice.example.toml")).unwrap();
        assert_eq!(config.bind, Config::default().bind);
        config.check_providers().unwrap();
        let ids: Vec<&str> = config.auth.oidc.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["google", "zalo", "facebook"]);
    }

    #[test]
    fn roles_that_require_two_factor_come_from_the_file_or_the_environment() {
        use crate::domain::Role;
        let mut config: Config = toml::from_str("require_two_factor = [\"admin\", \"ministry\"]").unwrap();
        assert_eq!(config.require_two_factor, [Role::Admin, Role::Ministry]);
        config.apply_env(env(&[("GP_REQUIRE_TWO_FACTOR", "moderator, admin")])).unwrap();
        assert_eq!(config.require_two_factor, [Role::Moderator, Role::Admin]);
        let err = config.apply_env(env(&[("GP_REQUIRE_TWO_FACTOR", "boss")])).unwrap_err();
        assert!(format!("{err:#}").contains("GP_REQUIRE_TWO_FACTOR") && format!("{err:#}").contains("boss"));
        assert!(toml::from_str::<Config>("require_two_factor = [\"boss\"]").is_err());
    }

    #[test]
    fn bad_values_are_reported_by_name() {
        let mut config = Config::default();
        let err = config.apply_env(env(&[("GP_DEMO", "maybe")])).unwrap_err();
        assert!(err.to_string().contains("GP_DEMO"));
    }

    #[test]
    fn a_short_metrics_token_is_refused_and_a_long_one_stays_out_of_debug_output() {
        let mut config = Config::default();
        let err = config.apply_env(env(&[("GP_METRICS_TOKEN", "short")])).unwrap_err();
        assert!(err.to_string().contains("GP_METRICS_TOKEN"), "{err}");
        config.apply_env(env(&[("GP_METRICS_TOKEN", "a-long-enough-scrape-token")])).unwrap();
        assert_eq!(config.metrics_token, "a-long-enough-scrape-token");
        assert!(!format!("{config:?}").contains("scrape-token"));
    }

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = Config { database_url: "postgres://gp:secret@127.0.0.1/gp".into(), ..Config::default() };
        assert!(!format!("{config:?}").contains("secret"));
    }

    #[test]
    fn provider_secrets_stay_out_of_debug_output_and_ids_are_unique() {
        let text = "[[auth.oidc]]\nid = \"gov\"\nname = \"Gov\"\nissuer = \"https://id.gov.example\"\n\
                    client_id = \"c\"\nclient_secret = \"hunter2\"\n";
        let config: Config = toml::from_str(text).unwrap();
        assert!(!format!("{config:?}").contains("hunter2"));
        config.check_providers().unwrap();
        let twice: Config = toml::from_str(&format!("{text}{text}")).unwrap();
        assert!(twice.check_providers().unwrap_err().to_string().contains("twice"));
    }
}
