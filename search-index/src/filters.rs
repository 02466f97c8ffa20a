//! Operators and request filters as tantivy clauses.

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{ConstScoreQuery, EmptyQuery, Occur, Query, RangeQuery};

use crate::analysis::{fold_tokens, normalize};
use crate::clauses::{keyword_query, sequence, union};
use crate::dates::day_start;
use crate::query::Filter;
use crate::schema::Fields;

/// Filters as scoreless required clauses. Repeated operators on a field a topic has one value
/// of (category, kind, province, author) are alternatives; the others must all hold.
pub(crate) fn filter_clauses(filters: &[&Filter], fields: &Fields) -> Vec<(Occur, Box<dyn Query>)> {
    let mut any_of: BTreeMap<&'static str, Vec<Box<dyn Query>>> = BTreeMap::new();
    let mut all = Vec::new();
    for filter in filters {
        let query = filter_query(filter, fields);
        match single_valued(filter) {
            Some(field) => any_of.entry(field).or_default().push(query),
            None => all.push(query),
        }
    }
    all.extend(any_of.into_values().map(union));
    all.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect()
}

/// The field of a filter on something a topic has one of.
fn single_valued(filter: &Filter) -> Option<&'static str> {
    match filter {
        Filter::Category(_) => Some("category"),
        Filter::Kind(_) => Some("kind"),
        Filter::Province(_) => Some("province"),
        Filter::Author(_) => Some("author"),
        _ => None,
    }
}

/// The documents one filter keeps.
pub(crate) fn filter_query(filter: &Filter, fields: &Fields) -> Box<dyn Query> {
    match filter {
        Filter::Category(slug) => keyword_query(fields.category, slug),
        Filter::Tag(slug) => keyword_query(fields.tags, slug),
        Filter::Kind(kind) => keyword_query(fields.kind, kind),
        Filter::Province(code) => keyword_query(fields.province, code),
        Filter::Guidance(reference) => keyword_query(fields.refs, reference),
        Filter::Author(name) => sequence(fields.author, &fold_tokens(&normalize(name))).unwrap_or_else(|| Box::new(EmptyQuery)),
        Filter::Before(day) => created_at_range(fields, Bound::Unbounded, Bound::Excluded(day_start(*day))),
        Filter::After(day) => created_at_range(fields, Bound::Included(day_start(*day)), Bound::Unbounded),
    }
}

fn created_at_range(fields: &Fields, lower: Bound<i64>, upper: Bound<i64>) -> Box<dyn Query> {
    let term = |t: i64| Term::from_field_i64(fields.created_at, t);
    Box::new(RangeQuery::new(lower.map(term), upper.map(term)))
}
