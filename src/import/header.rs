//! Finding the header row of a table: names compared ignoring case, spaces and punctuation,
//! searched among the first [`HEADER_SEARCH_ROWS`] rows (title rows above a header are common).
//! Every importer finds its header here: evidence, assessments, provider matrices.

use crate::import::reader::RawTable;

/// How many rows from the top of a sheet are searched for the header row.
pub const HEADER_SEARCH_ROWS: usize = 30;

/// A header compared ignoring case, spaces and punctuation.
pub fn header_key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

impl RawTable {
    /// The first row (within the first 30) that contains all `names` (compared ignoring case,
    /// spaces and punctuation), with each name's column index.
    pub fn find_header(&self, names: &[&str]) -> Option<(usize, Vec<usize>)> {
        for (i, (_, cells)) in self.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
            let keys: Vec<String> = cells.iter().map(|c| header_key(c)).collect();
            let found: Option<Vec<usize>> = names
                .iter()
                .map(|n| keys.iter().position(|k| *k == header_key(n)))
                .collect();
            if let Some(cols) = found {
                return Some((i, cols));
            }
        }
        None
    }
}
