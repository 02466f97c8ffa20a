//! No listing reads a whole table: every listing statement the pages, feeds and API run
//! (`store::listing_queries`, the very statements the store executes) is planned on both
//! databases, and a plan that scans topics, posts or the audit log fails. At 1,000,000 posts
//! such a scan is seconds per request. SQLite's plans name tables by their alias, so on SQLite
//! every full scan fails except a walk along a `*_listing` index, whose entries are exactly the
//! listing's rows in its order (a page reads its own rows, plus the offset's index entries).
//! PostgreSQL plans with sequential scans turned off, so a statement that could only be answered
//! by one still shows it on this small database. On SQLite a sort inside a subquery (where a
//! page's ids are chosen) is refused too: it sorts every matching row, as the tag listing did.

use crate::common::TestApp;
use goodpractice::store::listing_queries;

/// Why a plan line is refused, if it is.
fn refused(backend: &str, line: &str) -> Option<&'static str> {
    let nested = line.starts_with("  ");
    let line = line.trim();
    if backend == "sqlite" {
        let scan = line.starts_with("SCAN ") && !line.starts_with("SCAN CONSTANT ROW");
        // Inside a subquery the sort would be of every matching row (a page's ids are walked
        // there); the outer statement only puts the page's own rows back in order.
        let sort = nested && line.starts_with("USE TEMP B-TREE FOR ORDER BY");
        if sort {
            return Some("a sort of every matching row");
        }
        (scan && !line.contains("_listing")).then_some("a full scan")
    } else {
        ["Seq Scan on topics", "Seq Scan on posts", "Seq Scan on audit_log"].iter().any(|s| line.contains(s)).then_some("a sequential scan")
    }
}

async fn no_listing_scans_topics_posts_or_audit_rows(app: TestApp) {
    let backend = app.store.backend();
    let mut failures = Vec::new();
    for listing in listing_queries() {
        let plan = app.store.query_plan(&listing).await.unwrap_or_else(|e| panic!("{}: the statement plans: {e}", listing.name));
        assert!(!plan.is_empty(), "{}: a plan", listing.name);
        for line in &plan {
            if let Some(why) = refused(backend, line) {
                failures.push(format!("{} ({why}): {line}\n    plan: {}", listing.name, plan.join(" | ")));
            }
        }
    }
    assert!(failures.is_empty(), "listings that scan on {backend}:\n{}", failures.join("\n"));
}

#[test]
fn the_rule_refuses_scans_and_allows_listing_index_walks() {
    assert_eq!(refused("sqlite", "SCAN t"), Some("a full scan"));
    assert_eq!(refused("sqlite", "SCAN a"), Some("a full scan"));
    assert_eq!(refused("sqlite", "SCAN t USING INDEX topics_latest"), Some("a full scan"));
    assert_eq!(refused("sqlite", "SCAN t USING COVERING INDEX topics_listing"), None);
    assert_eq!(refused("sqlite", "SEARCH a USING INTEGER PRIMARY KEY (rowid<?)"), None);
    assert_eq!(refused("sqlite", "USE TEMP B-TREE FOR ORDER BY"), None);
    assert_eq!(refused("sqlite", "    USE TEMP B-TREE FOR ORDER BY"), Some("a sort of every matching row"));
    assert_eq!(
        refused("postgres", "  ->  Seq Scan on topics t  (cost=10000000000.00..10000000001.01 rows=1 width=8)"),
        Some("a sequential scan")
    );
    assert_eq!(refused("postgres", "Index Scan Backward using audit_log_pkey on audit_log a"), None);
}

crate::on_both_databases!(no_listing_scans_topics_posts_or_audit_rows);
