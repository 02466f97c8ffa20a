//! The direction of dependencies (shared/DESIGN.md, docs/ARCHITECTURE.md), read from the source:
//! every `crate::…` path in `src/**/*.rs` (and `super::` paths that climb to the crate root) is an
//! edge from the file's top-level module to the one it names. The test fails, naming file and
//! line, when
//! - the vocabulary (`domain/`) or a base helper (`text.rs`, `log_once.rs`) imports anything of the app;
//! - the store or a shell (`store/`, `web/`, `api/`) imports a feature;
//! - `search-index` imports the app;
//! - a source file under `src/` is over 600 lines;
//! - features import each other in a cycle, beyond the edges listed in `KNOWN_CYCLE_EDGES`
//!   (which can only shrink: an edge listed there that is gone, or no longer in a cycle, fails too).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The bottom: types and helpers everyone may use, which import nothing of the app.
const BASE: &[&str] = &["domain", "text", "log_once"];
/// The database and the two shells: they may import the base, each other and the assembly's
/// `AppState`/`Config`/`AppError`, never a feature.
const SHELL: &[&str] = &["store", "web", "api"];
/// Assembly and plumbing at the top or beside everything (routers, state, config, errors, the
/// API rules gathered from the features for the OpenAPI document); not features.
const ASSEMBLY: &[&str] = &["app", "main", "lib", "config", "error", "api_rules"];

const MAX_LINES: usize = 600;

/// Feature → feature imports that still close a cycle, each with where it comes from. This list
/// may only shrink: remove an edge when it is gone (the test says so). A new edge that closes a
/// cycle fails the test; break it with a type in `domain/`, the shells, or a hook instead.
const KNOWN_CYCLE_EDGES: &[(&str, &str)] = &[
    // Posting is one pipeline (`posting/`), above every feature it calls; the Markdown renderer
    // is the page shell's, who may see what is the store's. What remains:
    ("forum", "moderation"), // reasons and flag form on the topic page, the preview's findings, revisions, deletion
    ("moderation", "forum"), // service.rs: a moderator's edit-and-approve is parsed as a `Body`
    ("guidance", "notify"),  // linking.rs: @mentions in the same Markdown pre-pass; watch buttons
    ("notify", "guidance"),  // watch.rs: a document to watch named in any spelling (`guidance::service::locate`)
];

/// One `crate::x` (or `super::…::x` reaching the root) found in a file.
#[derive(Debug, Clone)]
struct Use {
    file: String,
    line: usize,
    target: String,
}

impl std::fmt::Display for Use {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{} uses crate::{}", self.file, self.line, self.target)
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
}

/// The top-level modules of `src/`: its directories and `.rs` files.
fn top_modules() -> BTreeSet<String> {
    std::fs::read_dir(root().join("src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect()
}

fn features() -> BTreeSet<String> {
    top_modules().into_iter().filter(|m| ![BASE, SHELL, ASSEMBLY].concat().contains(&m.as_str())).collect()
}

/// `src/forum/pages/edit.rs` → ["forum", "pages", "edit"]; `mod.rs` names its folder.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && !(parts.is_empty() && (stem == "lib" || stem == "main")) {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file with whole-line comments (doc comments included) blanked, so a path
/// named in prose is not an import; line numbers stay.
fn code_lines(text: &str) -> Vec<String> {
    text.lines().map(|l| if l.trim_start().starts_with("//") { String::new() } else { l.to_string() }).collect()
}

/// The first identifiers of a `{a, b::c, d as e}` group starting at `rest` (just after `{`).
fn group_heads(rest: &str) -> Vec<String> {
    let (mut depth, mut heads, mut item) = (0, Vec::new(), String::new());
    for c in rest.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => heads.push(std::mem::take(&mut item)),
            c if depth == 0 => item.push(c),
            _ => {}
        }
    }
    heads.push(item);
    heads.into_iter().filter_map(|i| ident_at(i.trim_start())).collect()
}

fn ident_at(text: &str) -> Option<String> {
    let ident: String = text.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    (!ident.is_empty()).then_some(ident)
}

/// The top-level modules a file's paths start from, with their lines.
fn uses_in(file: &str, depth: usize, text: &str) -> Vec<Use> {
    let lines = code_lines(text);
    let joined = lines.join("\n");
    let mut found = Vec::new();
    let line_of = |offset: usize| joined[..offset].matches('\n').count() + 1;
    for (offset, _) in joined.match_indices("crate::") {
        let before = joined[..offset].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &joined[offset + "crate::".len()..];
        let targets = if let Some(group) = rest.strip_prefix('{') { group_heads(group) } else { ident_at(rest).into_iter().collect() };
        found.extend(targets.into_iter().map(|target| Use { file: file.to_string(), line: line_of(offset), target }));
    }
    // `super::super::x` from a file `depth` modules deep names the top-level module `x`.
    if depth > 0 {
        let climb = "super::".repeat(depth);
        for (offset, _) in joined.match_indices(&climb) {
            let rest = &joined[offset + climb.len()..];
            let before = joined[..offset].chars().next_back();
            if rest.starts_with("super::") || before.is_some_and(|c| c.is_alphanumeric() || c == ':' || c == '_') {
                continue;
            }
            found.extend(ident_at(rest).map(|target| Use { file: file.to_string(), line: line_of(offset), target }));
        }
    }
    found
}

struct Source {
    /// Path from the package root, for messages.
    file: String,
    module: String,
    lines: usize,
    uses: Vec<Use>,
}

fn sources() -> Vec<Source> {
    let src = root().join("src");
    let modules = top_modules();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .iter()
        .map(|path| {
            let relative = path.strip_prefix(&src).unwrap();
            let file = format!("src/{}", relative.display());
            let text = std::fs::read_to_string(path).unwrap();
            let module = module_path(relative).first().cloned().unwrap_or_else(|| "lib".to_string());
            // Only paths to another top-level module count (`crate::BODY_LIMIT_BYTES` is lib.rs's own).
            let uses = uses_in(&file, module_path(relative).len(), &text)
                .into_iter()
                .filter(|u| modules.contains(&u.target) && u.target != module)
                .collect();
            Source { file, module, lines: text.lines().count(), uses }
        })
        .collect()
}

fn fail_with(problems: Vec<String>, what: &str) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

#[test]
fn the_vocabulary_and_base_helpers_import_nothing_of_the_app() {
    let problems = sources().into_iter().filter(|s| BASE.contains(&s.module.as_str())).flat_map(|s| s.uses).map(|u| u.to_string());
    fail_with(problems.collect(), "the base (domain/, text.rs, log_once.rs) must import nothing of the app");
}

#[test]
fn the_store_and_the_shells_import_no_feature() {
    let features = features();
    let problems = sources()
        .into_iter()
        .filter(|s| SHELL.contains(&s.module.as_str()))
        .flat_map(|s| s.uses)
        .filter(|u| features.contains(&u.target))
        .map(|u| format!("{u} (a feature; move the shared piece to domain/ or the shell)"));
    fail_with(problems.collect(), "store/, web/ and api/ must import no feature");
}

#[test]
fn search_index_knows_nothing_of_the_app() {
    let crate_dir = root().join("search-index");
    let manifest = std::fs::read_to_string(crate_dir.join("Cargo.toml")).unwrap();
    let mut problems: Vec<String> = manifest
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("goodpractice") || l.contains("path = \"..\""))
        .map(|(n, l)| format!("search-index/Cargo.toml:{}: {l}", n + 1))
        .collect();
    let mut files = Vec::new();
    for dir in ["src", "tests", "examples", "benches"] {
        if crate_dir.join(dir).is_dir() {
            rust_files(&crate_dir.join(dir), &mut files);
        }
    }
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text).iter().enumerate() {
            if line.contains("goodpractice::") || line.contains("extern crate goodpractice") {
                problems.push(format!("{}:{}: {}", path.strip_prefix(root()).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    fail_with(problems, "search-index must not import the app");
}

#[test]
fn no_source_file_is_over_600_lines() {
    let problems = sources()
        .into_iter()
        .filter(|s| s.lines > MAX_LINES)
        .map(|s| format!("{}: {} lines (split it by page, action or concept)", s.file, s.lines));
    fail_with(problems.collect(), "source files over 600 lines");
}

/// Feature → feature edges, each with the places that make it.
fn feature_graph() -> BTreeMap<(String, String), Vec<Use>> {
    let features = features();
    let mut edges: BTreeMap<(String, String), Vec<Use>> = BTreeMap::new();
    for source in sources().into_iter().filter(|s| features.contains(&s.module)) {
        for u in source.uses.into_iter().filter(|u| features.contains(&u.target)) {
            edges.entry((source.module.clone(), u.target.clone())).or_default().push(u);
        }
    }
    edges
}

/// The edges that lie on a cycle: `a → b` where `b` reaches `a` again.
fn cycle_edges(edges: &BTreeMap<(String, String), Vec<Use>>) -> BTreeSet<(String, String)> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges.keys() {
        next.entry(a).or_default().push(b);
    }
    let reaches = |from: &str, to: &str| {
        let (mut seen, mut todo) = (BTreeSet::new(), vec![from]);
        while let Some(m) = todo.pop() {
            if m == to {
                return true;
            }
            if seen.insert(m) {
                todo.extend(next.get(m).into_iter().flatten());
            }
        }
        false
    };
    edges.keys().filter(|(a, b)| reaches(b, a)).cloned().collect()
}

#[test]
fn features_import_each_other_in_no_new_cycle() {
    let edges = feature_graph();
    let cyclic = cycle_edges(&edges);
    let known: BTreeSet<(String, String)> = KNOWN_CYCLE_EDGES.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let mut problems = Vec::new();
    for edge in cyclic.difference(&known) {
        let places: Vec<String> = edges[edge].iter().take(5).map(|u| format!("{}:{}", u.file, u.line)).collect();
        problems.push(format!("new cycle edge {} → {} at {}", edge.0, edge.1, places.join(", ")));
    }
    for edge in known.difference(&cyclic) {
        let state = if edges.contains_key(edge) { "is no longer on a cycle" } else { "no longer exists" };
        problems.push(format!("listed edge {} → {} {state}: remove it from KNOWN_CYCLE_EDGES", edge.0, edge.1));
    }
    fail_with(problems, "feature modules import each other in a cycle");
}

#[test]
fn the_reader_finds_what_it_should() {
    // The reader itself: a grouped use, a full path, a climb to the root, prose and strings aside.
    let text = "use crate::{forum::TopicKind, web::{Page, Lang}};\n/// see crate::notify\nfn f() { crate::accounts::x(); }\nuse super::super::guidance::y;\n";
    let targets: Vec<String> = uses_in("src/a/b.rs", 2, text).into_iter().map(|u| format!("{}@{}", u.target, u.line)).collect();
    assert_eq!(targets, ["forum@1", "web@1", "accounts@3", "guidance@4"]);
    assert_eq!(module_path(Path::new("forum/pages/mod.rs")), ["forum", "pages"]);
    assert_eq!(module_path(Path::new("lib.rs")), Vec::<String>::new());
}
