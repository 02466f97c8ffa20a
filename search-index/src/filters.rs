//! Operators and request filters as tantivy clauses.

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
    let mut alternatives: Vec<(std::mem::Discriminant<Filter>, Vec<Box<dyn Query>>)> = Vec::new();
    let mut clauses = Vec::new();
    for filter in filters {
        let query = filter_query(filter, fields);
        if !matches!(filter, Filter::Category(_) | Filter::Kind(_) | Filter::Province(_) | Filter::Author(_)) {
            clauses.push(query);
            continue;
        }
        let key = std::mem::discriminant(*filter);
        match alternatives.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(query),
            None => alternatives.push((key, vec![query])),
        }
    }
    clauses.extend(alternatives.into_iter().map(|(_, list)| union(list)));
    clauses.into_iter().map(|q| (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)) as Box<dyn Query>)).collect()
}

/// The documents one filter keeps.
pub(crate) fn filter_query(filter: &Filter, fields: &Fields) -> Box<dyn Query> {
    match filter {
        Filter::Category(slug) => keyword_query(fields.category, slug),
        Filter::Tag(slug) => keyword_query(fields.tags, slug),
        Filter::Kind(kind) => keyword_query(fields.kind, kind),
        Filter::Province(code) => keyword_query(fields.province, code),
        Filter::Guidance(reference) => keyword_query(fields.refs, reference),
        Filter::Author(name) => {
            sequence(fields.author, &fold_tokens(&normalize(name))).unwrap_or_else(|| Box::new(EmptyQuery))
        }
        Filter::Before(day) => created_at_range(fields, Bound::Unbounded, Bound::Excluded(day_start(*day))),
        Filter::After(day) => created_at_range(fields, Bound::Included(day_start(*day)), Bound::Unbounded),
    }
}

fn created_at_range(fields: &Fields, lower: Bound<i64>, upper: Bound<i64>) -> Box<dyn Query> {
    let term = |t: i64| Term::from_field_i64(fields.created_at, t);
    Box::new(RangeQuery::new(lower.map(term), upper.map(term)))
}
