//! The `goodpractice` command: serve the forum, apply migrations, manage users.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use goodpractice::accounts::{self, DisplayName, Email, Password, Role};
use goodpractice::config::Config;
use goodpractice::error::AppError;
use goodpractice::store::Store;
use goodpractice::web::i18n::{Catalogs, Lang};

/// mimalloc rather than glibc's allocator, purging freed memory at once: the index writer
/// fills and frees about 50 MB over and over while it builds, on threads that then sit idle.
/// With glibc the process kept 354 MiB of anonymous memory after building the index of a
/// million posts, with mimalloc's default 10 ms purge delay 169 MiB (an idle thread never
/// reaches its delayed purge), with no delay 67 MiB (docs/BENCHMARKS.md, scale benchmark).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc.h (v2 and v3); libmimalloc-sys names no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn purge_freed_memory_at_once() {
    // SAFETY: sets one allocator option to a valid value; mimalloc reads options atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

#[derive(Parser)]
#[command(name = "goodpractice", version, about = "A forum for sharing good practices in patient safety")]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Settings every subcommand shares, so a CLI command and a running server use one database.
#[derive(Args)]
struct GlobalArgs {
    /// TOML configuration file (also GP_CONFIG).
    #[arg(long, global = true, env = "GP_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 (also GP_BIND).
    #[arg(long, global = true)]
    bind: Option<String>,
    /// Folder for the SQLite database and local files (also GP_DATA_DIR).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
    /// postgres://… or sqlite://… (also DATABASE_URL).
    #[arg(long, global = true)]
    database_url: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (applies migrations; loads demo content into an empty forum).
    Serve {
        /// Start without demo content (also GP_DEMO=false).
        #[arg(long)]
        no_demo: bool,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Rebuild the search index from the database into a new generation; a running server
    /// keeps serving the old one until the new one is complete, then switches to it.
    Reindex,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Bulk-load published topics from another system.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// The weekly digest of the best new practices.
    Digest {
        #[command(subcommand)]
        command: DigestCommand,
    },
    /// Uploaded images and PDFs.
    Attachments {
        #[command(subcommand)]
        command: AttachmentsCommand,
    },
    /// The scale benchmark's data (see scripts/scale.sh).
    Scale {
        #[command(subcommand)]
        command: ScaleCommand,
    },
    /// Copy the database and the uploads into a new folder, with a manifest of counts and
    /// checksums, while the forum keeps serving.
    Backup {
        /// A new or empty folder.
        #[arg(long)]
        to: PathBuf,
    },
    /// Load a backup into an empty data folder / empty database, then rebuild the search index.
    Restore {
        #[arg(long)]
        from: PathBuf,
    },
    /// Measure the moderation auto-checks on a labelled set.
    Eval {
        #[command(subcommand)]
        command: EvalCommand,
    },
}

#[derive(Subcommand)]
enum DigestCommand {
    /// Queue today's digest for every member who wants it (once a day) and send it now, with
    /// any other mail that is due.
    Send {
        /// Print the practices the digest would list; queue and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum AttachmentsCommand {
    /// Delete uploads that no post shows after `unused_upload_hours` (the server also does
    /// this every hour), and their files when no other attachment has the same bytes.
    Sweep,
}

#[derive(Subcommand)]
enum ScaleCommand {
    /// Fill an empty forum with N posts of realistic Vietnamese text (N/4 topics, members, tags,
    /// citations, flags, a moderation queue, N audit rows, notifications); prints what it wrote.
    Generate {
        /// Posts in all, opening posts included.
        #[arg(long, default_value_t = 1_000_000)]
        posts: u64,
        #[arg(long, default_value_t = 7)]
        seed: u64,
        /// JSON-lines files (`title`, `body` or `text` fields) whose sentences are recombined,
        /// beside the demo content; read now, never copied.
        #[arg(long = "text")]
        texts: Vec<PathBuf>,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Precision and recall of the patient-data check, per kind and overall. Without FILE: the
    /// built-in labelled set, its development and held-out parts separately and together.
    PatientData {
        /// A labelled set: `kinds<TAB>sentence` per line, kinds a comma list or `none`.
        file: Option<PathBuf>,
        /// Also list every sentence that got a wrong set of kinds.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// One JSON object per line: {title, body, category?, kind?, summary?, tags?, author_name?,
    /// created_at?, source_id?}. Lines already imported (same source_id) are skipped.
    Jsonl {
        file: PathBuf,
        /// Category of lines that name none.
        #[arg(long, default_value = goodpractice::import::DEFAULT_CATEGORY)]
        default_category: String,
    },
    /// A Facebook group's history: a member's "Download Your Information" export (folder or
    /// .zip, JSON format) or a Graph API group-feed dump. Posts already imported are skipped.
    Facebook {
        path: PathBuf,
        /// Report what would be imported (counts per year, authors, missing media, skipped
        /// items) without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Category of the imported topics.
        #[arg(long, default_value = goodpractice::import::DEFAULT_CATEGORY)]
        default_category: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user, e.g. the first admin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// member, moderator, ministry or admin.
        #[arg(long, default_value = "member")]
        role: String,
        /// Read the password from standard input (so it stays out of shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

fn load_config(global: &GlobalArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(global.config.as_deref())?;
    if let Some(bind) = &global.bind {
        config.bind = bind.parse().with_context(|| format!("--bind is not an address: {bind}"))?;
    }
    if let Some(dir) = &global.data_dir {
        config.data_dir = dir.clone();
    }
    if let Some(url) = &global.database_url {
        config.database_url = url.clone();
    }
    Ok(config)
}

/// A server logs to standard output; the other commands print their result there (an import's
/// report, "migrations applied"), so their log lines (a slow-statement warning) go to standard error.
fn init_logging(json: bool, to_stderr: bool) {
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let (writer, terminal) = if to_stderr {
        (BoxMakeWriter::new(std::io::stderr), std::io::IsTerminal::is_terminal(&std::io::stderr()))
    } else {
        (BoxMakeWriter::new(std::io::stdout), std::io::IsTerminal::is_terminal(&std::io::stdout()))
    };
    // Colour codes only for a person at a terminal, not in files or log collectors.
    let colour = terminal && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colour).with_writer(writer);
    if json { builder.json().init() } else { builder.init() }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    purge_freed_memory_at_once();
    let cli = Cli::parse();
    let mut config = load_config(&cli.global)?;
    init_logging(config.log_json, !matches!(cli.command, Command::Serve { .. }));
    match cli.command {
        Command::Serve { no_demo } => {
            if no_demo {
                config.demo = false;
            }
            serve(config).await
        }
        Command::Migrate => {
            Store::open(&config.effective_database_url()).await?;
            println!("migrations applied ({})", config.database_kind());
            Ok(())
        }
        Command::Reindex => goodpractice::search::reindex_command(&config).await,
        Command::User { command: UserCommand::Create { email, name, role, .. } } => create_user(&config, &email, &name, &role).await,
        Command::Import { command: ImportCommand::Jsonl { file, default_category } } => {
            import_jsonl(&config, &file, default_category).await
        }
        Command::Import { command: ImportCommand::Facebook { path, dry_run, default_category } } => {
            import_facebook(&config, &path, dry_run, default_category).await
        }
        Command::Eval { command: EvalCommand::PatientData { file, verbose } } => eval_patient_data(file.as_deref(), verbose),
        Command::Digest { command: DigestCommand::Send { dry_run } } => send_digest(config, dry_run).await,
        Command::Attachments { command: AttachmentsCommand::Sweep } => sweep_attachments(&config).await,
        Command::Scale { command: ScaleCommand::Generate { posts, seed, texts } } => scale_generate(config, posts, seed, &texts).await,
        Command::Backup { to } => backup(&config, &to).await,
        Command::Restore { from } => restore(&config, &from).await,
    }
}

async fn send_digest(config: Config, dry_run: bool) -> anyhow::Result<()> {
    let store = Store::open(&config.effective_database_url()).await?;
    let base = goodpractice::notify::outbox::site_base(&config.public_url, &config.bind.to_string());
    let state = goodpractice::app::AppState::new(config, store, Catalogs::load()?, goodpractice::search::SearchHandle::default());
    let report = goodpractice::notify::digest::send(&state, &base, dry_run).await.map_err(|e| anyhow::anyhow!(explain(e)))?;
    match write!(std::io::stdout().lock(), "{report}") {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

async fn scale_generate(mut config: Config, posts: u64, seed: u64, texts: &[PathBuf]) -> anyhow::Result<()> {
    use goodpractice::scale;
    let corpus = scale::Corpus::load(texts)?;
    let store = Store::open(&config.effective_database_url()).await?;
    config.demo = false;
    goodpractice::prepare(&store, &config).await?;
    let report = scale::generate(&store, &scale::Plan { posts, seed }, corpus).await?;
    let rate = report.posts as f64 / report.posts_seconds.max(1e-9);
    println!("sentences: {} clinical, {} regulation", report.sentences.0, report.sentences.1);
    for (table, rows) in &report.rows {
        println!("rows {table} {rows}");
    }
    println!("posts {} in {:.1} s ({rate:.0} posts/s); everything in {:.1} s", report.posts, report.posts_seconds, report.total_seconds);
    println!("long_topic {}", report.long_topic);
    println!("top_tag {}", report.top_tag);
    println!("most_cited {}", report.most_cited);
    println!("busiest_author {}", report.busiest_author);
    Ok(())
}

async fn backup(config: &Config, to: &Path) -> anyhow::Result<()> {
    let manifest = goodpractice::ops::backup(config, to).await?;
    let c = manifest.counts;
    println!(
        "backup written to {} ({}, schema {}): {} users, {} topics, {} posts, {} attachments; {} files with checksums in manifest.json",
        to.display(),
        manifest.database,
        manifest.schema_version,
        c.users,
        c.topics,
        c.posts,
        c.attachments,
        manifest.files.len()
    );
    Ok(())
}

async fn restore(config: &Config, from: &Path) -> anyhow::Result<()> {
    let done = goodpractice::ops::restore(config, from).await?;
    let c = done.counts;
    println!(
        "restored from {}: {} users, {} topics, {} posts, {} attachments; search index rebuilt ({} topics)",
        from.display(),
        c.users,
        c.topics,
        c.posts,
        c.attachments,
        done.topics_indexed
    );
    Ok(())
}

async fn sweep_attachments(config: &Config) -> anyhow::Result<()> {
    use goodpractice::attachments::sweep;
    let store = Store::open(&config.effective_database_url()).await?;
    let swept = sweep::sweep_all(&store, &config.uploads_dir(), sweep::max_age(config)).await.map_err(|e| anyhow::anyhow!(explain(e)))?;
    sweep::log_swept(&swept);
    println!(
        "unused uploads swept: {} attachments and {} files removed, {} kept for drafts",
        swept.attachments, swept.files, swept.kept_for_drafts
    );
    Ok(())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(config.bind).await.with_context(|| format!("cannot listen on {}", config.bind))?;
    println!("goodpractice: http://{}", listener.local_addr()?);
    goodpractice::run(config, listener, shutdown_signal()).await
}

async fn create_user(config: &Config, email: &str, name: &str, role: &str) -> anyhow::Result<()> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from standard input")?;
    let password = password.trim_end_matches(['\r', '\n']);
    let role: Role = role.parse().map_err(anyhow::Error::msg)?;
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("email: {}", explain(e)))?;
    let name = DisplayName::parse(name).map_err(|e| anyhow::anyhow!("name: {}", explain(e)))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("password: {}", explain(e)))?;
    let store = Store::open(&config.effective_database_url()).await?;
    let id = accounts::register(&store, &email, &name, &password, role).await.map_err(|e| anyhow::anyhow!(explain(e)))?;
    println!("created user {id} <{}> with role {}", email.as_str(), role.as_str());
    Ok(())
}

async fn import_jsonl(config: &Config, file: &Path, default_category: String) -> anyhow::Result<()> {
    use goodpractice::import::{Options, jsonl};
    let source = jsonl::Source::open(file)?;
    let store = Store::open(&config.effective_database_url()).await?;
    let report = jsonl::import(&store, source, Options { default_category }).await?;
    // The report may go to a pager or `head` that stops reading: that is not a failure.
    match write!(std::io::stdout().lock(), "{report}") {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

async fn import_facebook(config: &Config, path: &Path, dry_run: bool, default_category: String) -> anyhow::Result<()> {
    use goodpractice::import::{Options, facebook};
    let report = if dry_run {
        let store = Store::open_read_only(&config.effective_database_url()).await?;
        facebook::dry_run(path, facebook::Known::read(store.as_ref()).await?).await?.to_string()
    } else {
        let store = Store::open(&config.effective_database_url()).await?;
        let photos = facebook::media::Photos::new(config.uploads_dir(), goodpractice::attachments::service::max_bytes(config))?;
        facebook::import(&store, path, Options { default_category }, photos).await?.to_string()
    };
    match write!(std::io::stdout().lock(), "{report}") {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

fn eval_patient_data(file: Option<&Path>, verbose: bool) -> anyhow::Result<()> {
    use goodpractice::moderation::checks::eval;
    // (name, labelled text, whether --verbose lists its misses: not for the union of two parts).
    let sets: Vec<(String, String, bool)> = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
            vec![(path.display().to_string(), text, true)]
        }
        None => {
            let mut sets: Vec<_> =
                eval::BUILT_IN_SETS.iter().map(|(name, tsv)| (format!("built-in set, {name}"), tsv.to_string(), true)).collect();
            let all = eval::BUILT_IN_SETS.map(|(_, tsv)| tsv).join("\n");
            sets.push(("built-in set, all parts".to_string(), all, false));
            sets
        }
    };
    let mut out = String::new();
    for (name, text, list_misses) in &sets {
        let set = eval::parse(text).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let report = eval::evaluate(&set);
        out.push_str(&format!("## {name}\n{report}\n"));
        if verbose && *list_misses {
            for miss in &report.misses {
                out.push_str(&format!("{miss}\n"));
            }
        }
        out.push('\n');
    }
    match write!(std::io::stdout().lock(), "{out}") {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => Err(err.into()),
        _ => Ok(()),
    }
}

/// The sentence the site shows for an account error, in English (not the internal message key);
/// the full cause for an internal error.
fn explain(err: AppError) -> String {
    match (err, Catalogs::load()) {
        (AppError::Internal(cause), _) => format!("{cause:#}"),
        (other, Ok(catalogs)) => catalogs.format(Lang::En, &other.message()),
        (other, Err(_)) => other.to_string(),
    }
}

/// Completes on Ctrl-C or SIGTERM, so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
