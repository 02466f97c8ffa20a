//! Shared by `examples/evaluate.rs` and `tests/relevance.rs`: the relevance set in `eval/`,
//! the metrics, and the engines we compare against, set up the way a forum would set them up.
//!
//! * SQLite FTS5: `fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')`, ranked by
//!   `bm25()`. The user's text becomes one FTS5 string per word (`"word"`), or per quoted phrase,
//!   joined by spaces, which FTS5 reads as AND — what forum software on SQLite does (Flarum's and
//!   Discourse's own searches also require every word). [`Fts5Mode::AnyWord`] ORs them instead,
//!   as a more forgiving baseline.
//! * PostgreSQL: a stored `tsvector` column `to_tsvector('simple', unaccent(title || ' ' || body))`
//!   with a GIN index, queried with `plainto_tsquery('simple', unaccent(q))` (and
//!   `phraseto_tsquery` for quoted phrases), ranked by `ts_rank` — Discourse's approach
//!   (a precomputed search vector, `simple` configuration plus `unaccent` for languages without
//!   a stemmer). Lives in a schema of its own that [`Postgres::drop_schema`] removes.
//!
//! Queries go to every engine exactly as the user typed them (NFD queries stay NFD).
#![allow(dead_code)] // each user of this module uses a different part of it

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use search_index::{Doc, SearchIndex, SearchRequest};
use serde::Deserialize;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Row};
use unicode_normalization::UnicodeNormalization;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Results asked of every engine (the metrics look at the top 10).
pub const TOP_K: usize = 10;

/// One topic of `eval/corpus.jsonl`.
#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub id: i64,
    pub title: String,
    pub body: String,
    pub category: String,
    pub kind: String,
    pub tags: Vec<String>,
    /// YYYY-MM-DD
    pub created_at: String,
}

/// One line of `eval/queries.tsv`.
#[derive(Debug, Clone)]
pub struct Query {
    pub id: u32,
    /// diacritics, no_diacritics, abbreviation, tone_placement, nfd, question, phrase, mixed,
    /// rare_term (one rare word — a drug, disease, device or procedure — decides the answer)
    pub qtype: String,
    pub text: String,
    /// topic id → grade (2 highly relevant, 1 relevant)
    pub judgements: HashMap<i64, u8>,
    pub note: String,
}

pub const QUERY_TYPES: [&str; 9] =
    ["diacritics", "no_diacritics", "abbreviation", "tone_placement", "nfd", "question", "phrase", "mixed", "rare_term"];

pub fn eval_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("eval")
}

pub fn load_corpus() -> Result<Vec<Topic>, BoxError> {
    let path = eval_dir().join("corpus.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut topics = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let topic: Topic = serde_json::from_str(line).map_err(|e| format!("corpus.jsonl line {}: {e}", n + 1))?;
        topics.push(topic);
    }
    Ok(topics)
}

/// Reads the judgements. Queries of type `nfd` are stored decomposed; they are decomposed again
/// here so that an editor that normalised the file cannot silently turn them into NFC queries.
pub fn load_queries() -> Result<Vec<Query>, BoxError> {
    let path = eval_dir().join("queries.tsv");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut queries = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("id\t") || line.trim().is_empty() {
            continue;
        }
        let query = parse_query_line(line).map_err(|e| format!("queries.tsv line {}: {e}", n + 1))?;
        queries.push(query);
    }
    Ok(queries)
}

fn parse_query_line(line: &str) -> Result<Query, BoxError> {
    let cols: Vec<&str> = line.split('\t').collect();
    let [id, qtype, text, judged, note] = cols[..] else {
        return Err(format!("expected 5 tab-separated columns, found {}", cols.len()).into());
    };
    if !QUERY_TYPES.contains(&qtype) {
        return Err(format!("unknown query type {qtype:?}").into());
    }
    let mut judgements = HashMap::new();
    for pair in judged.split_whitespace() {
        let (topic, grade) = pair.split_once(':').ok_or_else(|| format!("bad judgement {pair:?}"))?;
        judgements.insert(topic.parse()?, grade.parse()?);
    }
    let text = if qtype == "nfd" { text.nfd().collect() } else { text.to_string() };
    Ok(Query { id: id.parse()?, qtype: qtype.to_string(), text, judgements, note: note.to_string() })
}

/// A relevance set in the BEIR layout that public retrieval benchmarks use: `DIR/corpus.jsonl`
/// (`{"_id", "title", "text"}`), `DIR/queries.jsonl` (`{"_id", "text"}`) and `DIR/qrels/test.tsv`
/// (`query-id`, `corpus-id`, `score`; a header line). String ids become numbers in file order;
/// the query's own id is kept in `note`. Only judged queries are kept, all as type `question`.
pub fn load_beir(dir: &Path) -> Result<(Vec<Topic>, Vec<Query>), BoxError> {
    #[derive(Deserialize)]
    struct Passage {
        #[serde(rename = "_id")]
        id: String,
        #[serde(default)]
        title: String,
        text: String,
    }
    #[derive(Deserialize)]
    struct Question {
        #[serde(rename = "_id")]
        id: String,
        text: String,
    }
    let passages: Vec<Passage> = read_jsonl(&dir.join("corpus.jsonl"))?;
    let questions: Vec<Question> = read_jsonl(&dir.join("queries.jsonl"))?;
    let topic_ids: HashMap<&str, i64> = passages.iter().enumerate().map(|(i, p)| (p.id.as_str(), i as i64 + 1)).collect();
    let mut qrels: HashMap<String, HashMap<i64, u8>> = HashMap::new();
    let qrels_path = dir.join("qrels").join("test.tsv");
    let text = std::fs::read_to_string(&qrels_path).map_err(|e| format!("{}: {e}", qrels_path.display()))?;
    for (n, line) in text.lines().enumerate().skip(1).filter(|(_, l)| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [query, passage, grade] = cols[..] else {
            return Err(format!("qrels line {}: expected 3 tab-separated columns", n + 1).into());
        };
        let topic = *topic_ids.get(passage).ok_or_else(|| format!("qrels line {}: unknown passage {passage:?}", n + 1))?;
        let grade: u8 = grade.trim().parse().map_err(|e| format!("qrels line {}: {e}", n + 1))?;
        if grade > 0 {
            qrels.entry(query.to_string()).or_default().insert(topic, grade);
        }
    }
    let corpus = passages
        .iter()
        .enumerate()
        .map(|(i, p)| Topic {
            id: i as i64 + 1,
            title: p.title.clone(),
            body: p.text.clone(),
            category: "other".to_string(),
            kind: "discussion".to_string(),
            tags: Vec::new(),
            created_at: "2024-01-01".to_string(),
        })
        .collect();
    let queries = questions
        .into_iter()
        .filter_map(|q| {
            let judgements = qrels.remove(&q.id)?;
            Some((q, judgements))
        })
        .enumerate()
        .map(|(i, (q, judgements))| Query { id: i as u32 + 1, qtype: "question".to_string(), text: q.text, judgements, note: q.id })
        .collect();
    Ok((corpus, queries))
}

fn read_jsonl<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Vec<T>, BoxError> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut items = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        items.push(serde_json::from_str(line).map_err(|e| format!("{} line {}: {e}", path.display(), n + 1))?);
    }
    Ok(items)
}

pub fn unix_seconds(date: &str) -> i64 {
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").map(|d| d.and_hms_opt(9, 0, 0).unwrap().and_utc().timestamp()).unwrap_or(0)
}

pub fn to_doc(topic: &Topic) -> Doc {
    Doc {
        topic_id: topic.id,
        post_id: topic.id * 10,
        title: topic.title.clone(),
        body: topic.body.clone(),
        category: topic.category.clone(),
        kind: topic.kind.clone(),
        tags: topic.tags.clone(),
        province: None,
        author: "eval".to_string(),
        created_at: unix_seconds(&topic.created_at),
        guidance: Vec::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Metrics

/// P@1, reciprocal rank within the top 10, nDCG@10 with gains 2^grade − 1.
#[derive(Debug, Clone, Copy, Default)]
pub struct Scores {
    pub p1: f64,
    pub rr: f64,
    pub ndcg: f64,
}

pub fn score(ranked: &[i64], judgements: &HashMap<i64, u8>) -> Scores {
    let grade = |id: &i64| judgements.get(id).copied().unwrap_or(0);
    let top: Vec<u8> = ranked.iter().take(TOP_K).map(grade).collect();
    let p1 = if top.first().is_some_and(|&g| g > 0) { 1.0 } else { 0.0 };
    let rr = top.iter().position(|&g| g > 0).map_or(0.0, |i| 1.0 / (i as f64 + 1.0));
    let dcg = |grades: &[u8]| -> f64 {
        // (+ 0.0: an empty float sum is -0.0)
        grades.iter().enumerate().map(|(i, &g)| (2f64.powi(g as i32) - 1.0) / (i as f64 + 2.0).log2()).sum::<f64>() + 0.0
    };
    let mut ideal: Vec<u8> = judgements.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    ideal.truncate(TOP_K);
    let ideal_dcg = dcg(&ideal);
    let ndcg = if ideal_dcg > 0.0 { dcg(&top) / ideal_dcg } else { 0.0 };
    Scores { p1, rr, ndcg }
}

/// Mean of the three metrics over a set of per-query scores.
pub fn mean(scores: &[Scores]) -> Scores {
    let n = scores.len().max(1) as f64;
    Scores {
        p1: scores.iter().map(|s| s.p1).sum::<f64>() / n,
        rr: scores.iter().map(|s| s.rr).sum::<f64>() / n,
        ndcg: scores.iter().map(|s| s.ndcg).sum::<f64>() / n,
    }
}

/// The value at quantile `q` (0..=1) of the durations, in milliseconds (nearest rank).
pub fn percentile_ms(durations: &[Duration], q: f64) -> f64 {
    if durations.is_empty() {
        return f64::NAN;
    }
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// The user's text, split the way a forum's search box would split it for an SQL engine

/// Quoted phrases and loose words of a query. Words with no letter or digit ("?", "–") are dropped.
#[derive(Debug, Default, PartialEq)]
pub struct Terms {
    pub phrases: Vec<String>,
    pub words: Vec<String>,
}

pub fn split_terms(query: &str) -> Terms {
    let mut terms = Terms::default();
    for (i, part) in query.split('"').enumerate() {
        if i % 2 == 1 {
            if part.chars().any(char::is_alphanumeric) {
                terms.phrases.push(part.trim().to_string());
            }
        } else {
            terms.words.extend(part.split_whitespace().filter(|w| w.chars().any(char::is_alphanumeric)).map(str::to_string));
        }
    }
    terms
}

/// The text as typed on a keyboard without Vietnamese input: every diacritic removed, đ → d,
/// case and everything else kept ("Đái tháo đường?" → "Dai thao duong?").
pub fn without_diacritics(text: &str) -> String {
    let bare: String = text
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c => c,
        })
        .collect();
    bare.nfc().collect()
}

/// Vietnamese function words that carry the question rather than its topic ("làm thế nào",
/// "có … không", "gì", "bao lâu"). Only for the `--experiments` rows of the evaluation: they show
/// how much of our engine's loss on questions comes from requiring these words to match.
pub const QUESTION_WORDS: &[&str] = &[
    "làm", "thế", "nào", "sao", "gì", "không", "có", "cần", "để", "ở", "thì", "là", "của", "cho", "khi", "bao", "lâu", "như", "vì", "được",
    "nên", "những", "các", "phải", "bị", "và", "với", "trong", "ai", "đâu", "đủ", "tại", "lam", "the", "nao", "gi", "khong", "co", "can",
    "de", "o", "thi", "la", "cua", "nhu", "duoc", "nhung", "cac", "phai", "bi", "va", "voi", "dau", "du",
];

/// The query without [`QUESTION_WORDS`] (and without "?"), when that leaves anything.
pub fn without_question_words(query: &str) -> String {
    let nfc: String = query.nfc().collect();
    let kept: Vec<&str> = nfc
        .split_whitespace()
        .filter(|w| {
            let bare = w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            !bare.is_empty() && !QUESTION_WORDS.contains(&bare.as_str())
        })
        .collect();
    let text = kept.join(" ").replace('?', "");
    if text.trim().is_empty() { query.to_string() } else { text }
}

// ---------------------------------------------------------------------------------------------
// Our engine

pub fn build_ours(corpus: &[Topic]) -> Result<SearchIndex, BoxError> {
    let index = SearchIndex::in_memory()?;
    // One thread: exact ties (passages that differ only in spacing) rank alike in every run.
    let mut writer = index.writer_in_order()?;
    for topic in corpus {
        writer.upsert(&to_doc(topic))?;
    }
    writer.commit(None)?;
    Ok(index)
}

pub fn search_ours(index: &SearchIndex, query: &str) -> Result<Vec<i64>, String> {
    let request = SearchRequest { query: query.to_string(), limit: TOP_K, ..Default::default() };
    let results = index.search(&request).map_err(|e| e.to_string())?;
    Ok(results.hits.iter().map(|h| h.topic_id).collect())
}

// ---------------------------------------------------------------------------------------------
// SQLite FTS5

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fts5Mode {
    /// Every word must occur (forum default).
    AllWords,
    /// Any word may occur; bm25 sorts it out.
    AnyWord,
}

/// The FTS5 MATCH expression for the user's text, or None when nothing searchable is left.
pub fn fts5_match(query: &str, mode: Fts5Mode) -> Option<String> {
    let terms = split_terms(query);
    let quoted: Vec<String> = terms.phrases.iter().chain(terms.words.iter()).map(|t| format!("\"{}\"", t.replace('"', "\"\""))).collect();
    if quoted.is_empty() {
        return None;
    }
    Some(quoted.join(if mode == Fts5Mode::AllWords { " " } else { " OR " }))
}

pub struct Fts5 {
    pool: SqlitePool,
    mode: Fts5Mode,
}

impl Fts5 {
    /// An in-memory FTS5 table holding the corpus.
    pub async fn build(corpus: &[Topic], mode: Fts5Mode) -> Result<Fts5, BoxError> {
        let options = SqliteConnectOptions::new().in_memory(true);
        // One connection: each in-memory SQLite connection is a database of its own.
        let pool = SqlitePoolOptions::new().max_connections(1).min_connections(1).idle_timeout(None).max_lifetime(None);
        let pool = pool.connect_with(options).await?;
        sqlx::query("CREATE VIRTUAL TABLE topics USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')")
            .execute(&pool)
            .await?;
        let mut tx = pool.begin().await?;
        for topic in corpus {
            sqlx::query("INSERT INTO topics (rowid, title, body) VALUES ($1, $2, $3)")
                .bind(topic.id)
                .bind(&topic.title)
                .bind(&topic.body)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(Fts5 { pool, mode })
    }

    pub async fn search(&self, query: &str) -> Result<Vec<i64>, String> {
        let Some(expr) = fts5_match(query, self.mode) else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query("SELECT rowid FROM topics WHERE topics MATCH $1 ORDER BY bm25(topics) LIMIT $2")
            .bind(expr)
            .bind(TOP_K as i64)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| e.to_string())?;
        Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL full-text search

pub struct Postgres {
    pool: PgPool,
    schema: String,
}

/// The tsquery for the user's text: phrases with `phraseto_tsquery`, loose words with
/// `plainto_tsquery`, all ANDed, everything through `unaccent` and the `simple` configuration.
/// Returns the SQL expression and its text parameters, numbered from `first_param`.
pub fn pg_tsquery(query: &str, first_param: usize) -> Option<(String, Vec<String>)> {
    let terms = split_terms(query);
    let mut parts = Vec::new();
    let mut params = Vec::new();
    for phrase in &terms.phrases {
        params.push(phrase.clone());
        parts.push(format!("phraseto_tsquery('simple', public.unaccent(${}))", first_param + params.len() - 1));
    }
    if !terms.words.is_empty() {
        params.push(terms.words.join(" "));
        parts.push(format!("plainto_tsquery('simple', public.unaccent(${}))", first_param + params.len() - 1));
    }
    if parts.is_empty() {
        return None;
    }
    Some((format!("({})", parts.join(" && ")), params))
}

impl Postgres {
    /// Connects, makes the `unaccent` extension available (it is a trusted extension, so the
    /// database owner may create it; CI creates it as superuser beforehand) and a fresh schema.
    pub async fn connect(url: &str, schema_prefix: &str) -> Result<Postgres, BoxError> {
        let pool = PgPoolOptions::new().max_connections(2).connect(url).await?;
        let has_unaccent: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'unaccent')").fetch_one(&pool).await?;
        if !has_unaccent {
            sqlx::query("CREATE EXTENSION IF NOT EXISTS unaccent").execute(&pool).await.map_err(|e| {
                format!("the unaccent extension is missing and cannot be created ({e}); as superuser: create extension unaccent")
            })?;
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let schema = format!("{schema_prefix}_{}_{nanos}", std::process::id());
        sqlx::query(AssertSqlSafe(format!("CREATE SCHEMA {schema}"))).execute(&pool).await?;
        sqlx::query(AssertSqlSafe(format!(
            "CREATE TABLE {schema}.topics (id BIGINT PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, \
             category TEXT NOT NULL, kind TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL, search_data TSVECTOR)"
        )))
        .execute(&pool)
        .await?;
        Ok(Postgres { pool, schema })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    pub fn table(&self) -> String {
        format!("{}.topics", self.schema)
    }

    /// Loads the relevance corpus with ordinary INSERTs, then builds the vectors and the index.
    pub async fn load_corpus(&self, corpus: &[Topic]) -> Result<(), BoxError> {
        let table = self.table();
        let mut tx = self.pool.begin().await?;
        for topic in corpus {
            sqlx::query(AssertSqlSafe(format!(
                "INSERT INTO {table} (id, title, body, category, kind, created_at) \
                 VALUES ($1, $2, $3, $4, $5, to_timestamp($6))"
            )))
            .bind(topic.id)
            .bind(&topic.title)
            .bind(&topic.body)
            .bind(&topic.category)
            .bind(&topic.kind)
            .bind(unix_seconds(&topic.created_at) as f64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.build_search_data().await
    }

    /// Fills the stored vectors and creates the GIN index (after loading: faster than before).
    pub async fn build_search_data(&self) -> Result<(), BoxError> {
        let table = self.table();
        sqlx::query(AssertSqlSafe(format!(
            "UPDATE {table} SET search_data = to_tsvector('simple', public.unaccent(title || ' ' || body))"
        )))
        .execute(&self.pool)
        .await?;
        sqlx::query(AssertSqlSafe(format!("CREATE INDEX ON {table} USING GIN (search_data)"))).execute(&self.pool).await?;
        sqlx::query(AssertSqlSafe(format!("ANALYZE {table}"))).execute(&self.pool).await?;
        Ok(())
    }

    /// Ranked ids for the user's text, optionally within a category or kind, by rank or newest first.
    pub async fn search(&self, query: &str, filter: Option<(&str, &str)>, newest: bool) -> Result<Vec<i64>, String> {
        let Some((tsquery, params)) = pg_tsquery(query, 1) else {
            return Ok(Vec::new());
        };
        let table = self.table();
        let filter_sql = match filter {
            Some((column, _)) => format!(" AND {column} = ${}", params.len() + 1),
            None => String::new(),
        };
        let order = if newest { "created_at DESC" } else { "ts_rank(search_data, tsq.q) DESC, id" };
        let sql = format!(
            "SELECT id FROM {table}, (SELECT {tsquery} AS q) AS tsq \
             WHERE search_data @@ tsq.q{filter_sql} ORDER BY {order} LIMIT {TOP_K}"
        );
        let mut statement = sqlx::query(AssertSqlSafe(sql));
        for p in &params {
            statement = statement.bind(p);
        }
        if let Some((_, value)) = filter {
            statement = statement.bind(value);
        }
        let rows = statement.fetch_all(&self.pool).await.map_err(|e| e.to_string())?;
        Ok(rows.iter().map(|r| r.get::<i64, _>(0)).collect())
    }

    /// Size of the table with its indexes and TOAST, in bytes.
    pub async fn total_bytes(&self) -> Result<i64, BoxError> {
        let bytes: i64 =
            sqlx::query_scalar(AssertSqlSafe(format!("SELECT pg_total_relation_size('{}')", self.table()))).fetch_one(&self.pool).await?;
        Ok(bytes)
    }

    pub async fn drop_schema(&self) -> Result<(), BoxError> {
        sqlx::query(AssertSqlSafe(format!("DROP SCHEMA {} CASCADE", self.schema))).execute(&self.pool).await?;
        Ok(())
    }
}
