//! Relevance of the Vietnamese search, side by side with the engines a forum would otherwise use.
//!
//! ```text
//! cargo run --release -p search-index --example evaluate [-- --repeat 5 --worst 20 --all --no-postgres]
//! cargo run --release -p search-index --example evaluate -- --set search-index/eval/qa --set ../shared/eval/alqac
//! ```
//!
//! Loads `eval/corpus.jsonl` (topics) and `eval/queries.tsv` (graded judgements), indexes the
//! topics in our engine (`SearchIndex::in_memory()`), in SQLite FTS5 (every word required, and
//! any word, both ranked by bm25) and — when `TEST_DATABASE_URL` is set — in PostgreSQL full-text
//! search (`simple` + `unaccent`, GIN, `ts_rank`), runs every query (top 10) and prints P@1,
//! MRR@10 and nDCG@10 overall and per query type, query latency (p50/p99 over `--repeat` passes,
//! the engines interleaved query by query so that they share the machine's load), and the
//! queries on which our engine does worst. How each engine is set up: `support/mod.rs`.
//! `--set DIR` (repeatable) adds a relevance set in the BEIR layout (`corpus.jsonl`,
//! `queries.jsonl`, `qrels/test.tsv`), e.g. the held-out question → passage set in `eval/qa/`
//! or an outside benchmark kept outside the repository; a set that is absent is skipped with a
//! line saying so, so the same command runs on machines that do not have it. `--no-own` leaves
//! out the set in `eval/`. Every set runs twice: with its queries as written, and with every
//! query stripped of its diacritics (as people often type), and ends in one summary table.
//! `--experiments` adds rows that help tune the ranking (our engine with Vietnamese question
//! words removed from the query before searching).

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use search_index::SearchIndex;
use support::*;
use unicode_normalization::UnicodeNormalization;

struct Options {
    repeat: usize,
    worst: usize,
    all: bool,
    postgres: bool,
    experiments: bool,
    /// Only run this query on every engine and show what each returns.
    query: Option<String>,
    /// With `--query`: why our engine scores these topics as it does.
    explain: Vec<i64>,
    /// Relevance sets in BEIR layout, run after `eval/` (see `support::load_beir`).
    sets: Vec<PathBuf>,
    /// Run the judged set in `eval/` too.
    own: bool,
}

fn options() -> Result<Options, BoxError> {
    let mut o = Options {
        repeat: 5,
        worst: 20,
        all: false,
        postgres: true,
        experiments: false,
        query: None,
        explain: Vec::new(),
        sets: Vec::new(),
        own: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--repeat" => o.repeat = args.next().ok_or("--repeat needs a number")?.parse()?,
            "--worst" => o.worst = args.next().ok_or("--worst needs a number")?.parse()?,
            "--all" => o.all = true,
            "--no-postgres" => o.postgres = false,
            "--experiments" => o.experiments = true,
            "--query" => o.query = Some(args.next().ok_or("--query needs the text")?),
            "--explain" => o.explain.push(args.next().ok_or("--explain needs a topic number")?.parse()?),
            "--set" => o.sets.push(args.next().ok_or("--set needs a folder")?.into()),
            "--no-own" => o.own = false,
            "-h" | "--help" => {
                println!(
                    "usage: evaluate [--repeat N] [--worst N] [--all] [--no-postgres] [--experiments] [--query TEXT [--explain ID]...] [--no-own] [--set BEIR_DIR]..."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)").into()),
        }
    }
    Ok(o)
}

enum Engine {
    Ours(SearchIndex),
    /// Our engine, given the query without Vietnamese question words (an experiment for tuning).
    OursWithoutQuestionWords(SearchIndex),
    Fts5(Fts5),
    Postgres(Postgres),
}

impl Engine {
    async fn search(&self, query: &str) -> Result<Vec<i64>, String> {
        match self {
            Engine::Ours(index) => search_ours(index, query),
            Engine::OursWithoutQuestionWords(index) => search_ours(index, &without_question_words(query)),
            Engine::Fts5(fts) => fts.search(query).await,
            Engine::Postgres(pg) => pg.search(query, None, false).await,
        }
    }
}

struct Run {
    name: &'static str,
    /// For the per-query lines.
    short: &'static str,
    engine: Engine,
    build: Duration,
    results: Vec<Result<Vec<i64>, String>>,
    scores: Vec<Scores>,
    times: Vec<Duration>,
}

fn main() -> Result<(), BoxError> {
    let options = options()?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(run(options))
}

async fn run(options: Options) -> Result<(), BoxError> {
    let mut summary = Vec::new();
    for (name, dir) in set_list(&options) {
        let loaded = match &dir {
            None => (load_corpus()?, load_queries()?),
            Some(dir) if !dir.join("corpus.jsonl").is_file() => {
                println!("# Set {name}: skipped, {} is absent\n", dir.display());
                continue;
            }
            Some(dir) => load_beir(dir)?,
        };
        println!("# Set {name}\n");
        let (corpus, queries) = loaded;
        print_set(&corpus, &queries);
        let mut runs = build_engines(&corpus, &options).await?;
        if let Some(text) = &options.query {
            show_one_query(&runs, &corpus, text).await;
            explain(&runs, text, &options.explain)?;
            return drop_schemas(&runs).await;
        }
        for variant in Variant::ALL {
            let queries: Vec<Query> = queries.iter().map(|q| variant.apply(q)).collect();
            evaluate_variant(&mut runs, &queries, &corpus, &options, variant).await;
            summary.push(summary_row(&name, variant, &runs, &queries));
        }
        drop_schemas(&runs).await?;
    }
    print_summary(&summary);
    Ok(())
}

/// The sets to run, by name: `eval/` (unless `--no-own`), then each `--set` folder.
fn set_list(options: &Options) -> Vec<(String, Option<PathBuf>)> {
    let own = options.own.then(|| ("eval (own forum set)".to_string(), None));
    let given = options.sets.iter().map(|dir| (dir.display().to_string(), Some(dir.clone())));
    own.into_iter().chain(given).collect()
}

/// How the queries of a set are sent.
#[derive(Clone, Copy, PartialEq)]
enum Variant {
    AsWritten,
    /// Every query with its diacritics removed (đ → d), as people often type.
    WithoutDiacritics,
}

impl Variant {
    const ALL: [Variant; 2] = [Variant::AsWritten, Variant::WithoutDiacritics];

    fn label(self) -> &'static str {
        match self {
            Variant::AsWritten => "as written",
            Variant::WithoutDiacritics => "without diacritics",
        }
    }

    fn apply(self, query: &Query) -> Query {
        match self {
            Variant::AsWritten => query.clone(),
            Variant::WithoutDiacritics => Query { text: without_diacritics(&query.text), ..query.clone() },
        }
    }
}

/// Runs the queries on every engine and prints the tables; latency only for the queries as
/// written (the variant without diacritics is for quality).
async fn evaluate_variant(runs: &mut [Run], queries: &[Query], corpus: &[Topic], options: &Options, variant: Variant) {
    println!("## Queries {}\n", variant.label());
    for run in runs.iter_mut() {
        run.results.clear();
        run.scores.clear();
        run.times.clear();
        for query in queries {
            let result = run.engine.search(&query.text).await;
            run.scores.push(score(result.as_deref().unwrap_or(&[]), &query.judgements));
            run.results.push(result);
        }
    }
    let repeat = if variant == Variant::AsWritten { options.repeat } else { 0 };
    if repeat > 0 {
        time_engines(runs, queries, repeat).await;
    }
    print_overall(runs, queries, repeat);
    print_per_type(runs, queries);
    let worst = if options.all { queries.len() } else { options.worst };
    print_worst(runs, queries, corpus, worst);
}

/// One line of the closing summary: a set, a variant, and P@1 / nDCG@10 per engine.
struct SummaryRow {
    set: String,
    variant: &'static str,
    queries: usize,
    engines: Vec<(&'static str, Scores)>,
}

fn summary_row(set: &str, variant: Variant, runs: &[Run], queries: &[Query]) -> SummaryRow {
    SummaryRow {
        set: set.to_string(),
        variant: variant.label(),
        queries: queries.len(),
        engines: runs.iter().map(|r| (r.short, mean(&r.scores))).collect(),
    }
}

fn print_summary(rows: &[SummaryRow]) {
    let Some(first) = rows.first() else { return };
    println!("# Summary: P@1 / nDCG@10\n");
    let names: Vec<&str> = first.engines.iter().map(|(name, _)| *name).collect();
    println!("| set | queries | sent | {} |", names.join(" | "));
    println!("|---|---:|---|{}", "---:|".repeat(names.len()));
    for row in rows {
        let cells: Vec<String> = row.engines.iter().map(|(_, m)| format!("{:.1} / {:.3}", m.p1 * 100.0, m.ndcg)).collect();
        println!("| {} | {} | {} | {} |", row.set, row.queries, row.variant, cells.join(" | "));
    }
    println!();
}

async fn drop_schemas(runs: &[Run]) -> Result<(), BoxError> {
    for run in runs {
        if let Engine::Postgres(pg) = &run.engine {
            pg.drop_schema().await?;
        }
    }
    Ok(())
}

/// `--query`: the top 10 of every engine for one query, with titles.
async fn show_one_query(runs: &[Run], corpus: &[Topic], text: &str) {
    for run in runs {
        println!("## {}", run.name);
        match run.engine.search(text).await {
            Ok(ids) if ids.is_empty() => println!("(nothing)"),
            Ok(ids) => {
                for id in ids {
                    let title = corpus.iter().find(|t| t.id == id).map_or("?", |t| t.title.as_str());
                    println!("{id:>4}  {title}");
                }
            }
            Err(e) => println!("error: {e}"),
        }
        println!();
    }
}

/// `--explain ID`: our engine's score of a topic for the `--query`, term by term.
fn explain(runs: &[Run], text: &str, topics: &[i64]) -> Result<(), BoxError> {
    let Some(Engine::Ours(index)) = runs.first().map(|r| &r.engine) else { return Ok(()) };
    for &topic in topics {
        println!("## Why topic {topic}\n{}\n", index.explain(text, topic)?.unwrap_or_else(|| "(no match)".into()));
    }
    Ok(())
}

fn print_set(corpus: &[Topic], queries: &[Query]) {
    let mut by_type: BTreeMap<&str, usize> = BTreeMap::new();
    for q in queries {
        *by_type.entry(q.qtype.as_str()).or_default() += 1;
    }
    let judged: usize = queries.iter().map(|q| q.judgements.len()).sum();
    println!("Relevance set: {} topics, {} queries, {judged} judgements", corpus.len(), queries.len());
    let types: Vec<String> = QUERY_TYPES.iter().map(|t| format!("{t} {}", by_type.get(t).unwrap_or(&0))).collect();
    println!("Query types: {}", types.join(", "));
    println!("Queries typed without any diacritic (any type): {}\n", queries.iter().filter(|q| q.text.is_ascii()).count());
}

async fn build_engines(corpus: &[Topic], options: &Options) -> Result<Vec<Run>, BoxError> {
    let new_run = |(name, short), engine, build| Run { name, short, engine, build, results: vec![], scores: vec![], times: vec![] };
    let mut runs = Vec::new();
    let started = Instant::now();
    let ours = build_ours(corpus)?;
    let build = started.elapsed();
    if options.experiments {
        let experiment = Engine::OursWithoutQuestionWords(ours.clone());
        runs.push(new_run(("goodpractice (search-index)", "ours"), Engine::Ours(ours), build));
        runs.push(new_run(("experiment: goodpractice, question words dropped", "ours without question words"), experiment, build));
    } else {
        runs.push(new_run(("goodpractice (search-index)", "ours"), Engine::Ours(ours), build));
    }
    let started = Instant::now();
    let fts = Fts5::build(corpus, Fts5Mode::AllWords).await?;
    runs.push(new_run(("SQLite FTS5, all words (forum default)", "FTS5 all words"), Engine::Fts5(fts), started.elapsed()));
    let started = Instant::now();
    let fts = Fts5::build(corpus, Fts5Mode::AnyWord).await?;
    runs.push(new_run(("SQLite FTS5, any word (OR)", "FTS5 any word"), Engine::Fts5(fts), started.elapsed()));
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) if options.postgres && !url.is_empty() => {
            let started = Instant::now();
            let pg = Postgres::connect(&url, "gp_eval").await?;
            pg.load_corpus(corpus).await?;
            runs.push(new_run(("PostgreSQL FTS (simple + unaccent)", "PostgreSQL"), Engine::Postgres(pg), started.elapsed()));
        }
        _ => println!("(PostgreSQL skipped: TEST_DATABASE_URL is not set or --no-postgres was given)\n"),
    }
    Ok(runs)
}

/// Runs every query `repeat` times on every engine, one engine after the other for each query,
/// so that a burst of load on the machine hits all engines alike.
async fn time_engines(runs: &mut [Run], queries: &[Query], repeat: usize) {
    for pass in 0..=repeat {
        for query in queries {
            for run in runs.iter_mut() {
                let started = Instant::now();
                let _ = run.engine.search(&query.text).await;
                if pass > 0 {
                    // pass 0 warms caches and is not counted
                    run.times.push(started.elapsed());
                }
            }
        }
    }
}

fn print_overall(runs: &[Run], queries: &[Query], repeat: usize) {
    println!("### Quality and latency ({} queries, latency over {repeat} interleaved passes)\n", queries.len());
    println!("| engine | P@1 | MRR@10 | nDCG@10 | p50 ms | p99 ms | queries with no result | index build ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for run in runs {
        let m = mean(&run.scores);
        let empty = run.results.iter().filter(|r| r.as_ref().map_or(true, |v| v.is_empty())).count();
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {empty} | {:.0} |",
            run.name,
            m.p1,
            m.rr,
            m.ndcg,
            percentile_ms(&run.times, 0.50),
            percentile_ms(&run.times, 0.99),
            run.build.as_secs_f64() * 1000.0
        );
    }
    let ours = percentile_ms(&runs[0].times, 0.5);
    for run in runs[1..].iter().filter(|_| repeat > 0) {
        println!("\np50 latency of {} ÷ ours: {:.2}×", run.name, percentile_ms(&run.times, 0.5) / ours);
    }
    for run in runs {
        for (q, r) in queries.iter().zip(&run.results) {
            if let Err(e) = r {
                println!("error: {} on query {} {:?}: {e}", run.name, q.id, q.text);
            }
        }
    }
    println!();
}

fn print_per_type(runs: &[Run], queries: &[Query]) {
    println!("### Per query type: P@1 / MRR@10 / nDCG@10\n");
    let header: Vec<&str> = runs.iter().map(|r| r.name).collect();
    println!("| type | n | {} |", header.join(" | "));
    println!("|---|---:|{}", "---|".repeat(runs.len()));
    let mut groups: Vec<(String, Vec<usize>)> =
        QUERY_TYPES.iter().map(|t| (t.to_string(), (0..queries.len()).filter(|&i| queries[i].qtype == *t).collect())).collect();
    groups.push(("(any type, typed without diacritics)".into(), (0..queries.len()).filter(|&i| queries[i].text.is_ascii()).collect()));
    groups.push(("all".into(), (0..queries.len()).collect()));
    // A set of one type (a BEIR set is all questions) has nothing to show for the others.
    for (name, members) in groups.into_iter().filter(|(_, members)| !members.is_empty()) {
        let cells: Vec<String> = runs
            .iter()
            .map(|run| {
                let m = mean(&members.iter().map(|&i| run.scores[i]).collect::<Vec<_>>());
                format!("{:.2} / {:.2} / {:.2}", m.p1, m.rr, m.ndcg)
            })
            .collect();
        println!("| {name} | {} | {} |", members.len(), cells.join(" | "));
    }
    println!();
}

fn print_worst(runs: &[Run], queries: &[Query], corpus: &[Topic], count: usize) {
    if count == 0 {
        return;
    }
    let ours = &runs[0];
    let mut order: Vec<usize> = (0..queries.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (ours.scores[a], ours.scores[b]);
        (x.ndcg + x.p1).partial_cmp(&(y.ndcg + y.p1)).unwrap().then(a.cmp(&b))
    });
    let title = |id: i64| corpus.iter().find(|t| t.id == id).map_or("?".to_string(), |t| t.title.chars().take(60).collect());
    println!("### Our engine's {count} weakest queries (lowest nDCG@10 + P@1)\n");
    for &i in order.iter().take(count) {
        let q = &queries[i];
        let s = ours.scores[i];
        let shown: String = q.text.nfc().collect();
        let nfd = if q.qtype == "nfd" { " (sent as NFD)" } else { "" };
        println!("#### q{} [{}] {shown}{nfd}", q.id, q.qtype);
        let others: Vec<String> = runs[1..].iter().map(|r| format!("{} {:.2}", r.short, r.scores[i].ndcg)).collect();
        println!("nDCG@10 ours {:.2}, P@1 {:.0}; others: {}", s.ndcg, s.p1, others.join(", "));
        let mut expected: Vec<(&i64, &u8)> = q.judgements.iter().collect();
        expected.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let expected: Vec<String> = expected.iter().map(|(id, g)| format!("{id}:{g}")).collect();
        println!("expected: {}", expected.join(" "));
        match &ours.results[i] {
            Ok(ids) => {
                let got: Vec<String> = ids
                    .iter()
                    .map(|id| match q.judgements.get(id) {
                        Some(g) => format!("{id}:{g}"),
                        None => format!("{id}"),
                    })
                    .collect();
                println!("got:      {}", if got.is_empty() { "(nothing)".to_string() } else { got.join(" ") });
                for id in ids.iter().take(3) {
                    println!("          {id} {}", title(*id));
                }
            }
            Err(e) => println!("got:      error {e}"),
        }
        if let Some((best, _)) = expected.first().and_then(|e| e.split_once(':')) {
            println!("best:     {best} {}", title(best.parse().unwrap_or(0)));
        }
        if !q.note.is_empty() {
            println!("note:     {}", q.note);
        }
        println!();
    }
}
