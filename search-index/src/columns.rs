//! Reading fast-field columns a block of documents at a time, for the facet counters.

use std::collections::HashMap;
use std::sync::Arc;

use tantivy::DocId;
use tantivy::columnar::{Column, ColumnIndex, ColumnValues, StrColumn};

/// A column's values: read straight from the array when every document has exactly one.
pub(crate) enum Values<T: Copy + PartialOrd + std::fmt::Debug + Send + Sync + 'static> {
    Dense(Arc<dyn ColumnValues<T>>),
    Sparse(Column<T>),
}

impl<T: Copy + PartialOrd + std::fmt::Debug + Send + Sync + Default + 'static> Values<T> {
    pub(crate) fn of(column: &Column<T>) -> Values<T> {
        match column.index {
            ColumnIndex::Full => Values::Dense(column.values.clone()),
            _ => Values::Sparse(column.clone()),
        }
    }

    /// Calls `f` with every value of the documents in `docs` (one block-wise read per column
    /// rather than one lookup per document).
    pub(crate) fn for_each(&self, docs: &[DocId], scratch: &mut Scratch<T>, mut f: impl FnMut(T)) {
        let rows: &[u32] = match self {
            Values::Dense(_) => docs,
            Values::Sparse(column) => {
                scratch.docs.clear();
                scratch.rows.clear();
                column.row_ids_for_docs(docs, &mut scratch.docs, &mut scratch.rows);
                &scratch.rows
            }
        };
        scratch.values.resize(rows.len(), T::default());
        let values = match self {
            Values::Dense(values) => values,
            Values::Sparse(column) => &column.values,
        };
        values.get_vals(rows, &mut scratch.values[..rows.len()]);
        scratch.values[..rows.len()].iter().for_each(|v| f(*v));
    }
}

/// Buffers reused from block to block.
pub(crate) struct Scratch<T> {
    docs: Vec<DocId>,
    rows: Vec<u32>,
    values: Vec<T>,
}

impl<T> Default for Scratch<T> {
    fn default() -> Self {
        Scratch { docs: Vec::new(), rows: Vec::new(), values: Vec::new() }
    }
}

/// The values seen and their counts; the empty value (no province) is not a facet entry.
/// The dictionary is read once, in ordinal order.
pub(crate) fn ordinals_to_strings(column: &StrColumn, counts: &[u64]) -> HashMap<String, u64> {
    let seen: Vec<u64> = (0..counts.len() as u64).filter(|&ord| counts[ord as usize] > 0).collect();
    let mut values = Vec::with_capacity(seen.len());
    // A read error here would mean a corrupt segment; the counts are dropped, not the search.
    let _ = column.dictionary().sorted_ords_to_term_cb(&seen, |bytes| values.push(String::from_utf8_lossy(bytes).into_owned()));
    seen.iter().zip(values).filter(|(_, v)| !v.is_empty()).map(|(&ord, v)| (v, counts[ord as usize])).collect()
}
