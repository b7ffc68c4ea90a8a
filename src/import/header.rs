//! Finding the header row of a table: names compared ignoring case, spaces and punctuation
//! ([`header_key`]), searched among the first [`HEADER_SEARCH_ROWS`] rows (title rows above a
//! header are common). Which names stand for which field is [`crate::import::layout`]'s.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Location, Result};
use crate::import::layout::Field;
use crate::import::layout::header_key;
use crate::import::reader::RawTable;

/// How many rows from the top of a sheet are searched for the header row.
pub(crate) const HEADER_SEARCH_ROWS: usize = 30;

impl RawTable {
    /// The first row (within the first 30) that contains all `names` (compared ignoring case,
    /// spaces and punctuation), with each name's column index.
    pub(crate) fn find_header(&self, names: &[&str]) -> Option<(usize, Vec<usize>)> {
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

/// A file read once (its SHA-256 taken from the same bytes as its rows) with its header row
/// found by the header names of its fields.
pub(crate) struct FieldTable {
    /// The file's name, for a record's source.
    pub name: String,
    /// `import <name> (<sha256>)`: what each record says it came from.
    pub source: String,
    /// The SHA-256 of the file's bytes (hex).
    pub sha256: String,
    /// The table the header was found in.
    pub table: RawTable,
    /// Index of the header row in `table.rows`.
    pub header_row: usize,
    /// Column of each field found.
    pub cols: HashMap<&'static str, usize>,
}

impl FieldTable {
    /// Reads `file` (CSV split at `delimiter`, or the detected one when None) and finds, in
    /// `sheet` or the first sheet that has one, the first row (of the first
    /// [`HEADER_SEARCH_ROWS`]) naming every field of `required`. `fields` gives each field's
    /// header names ([`crate::import::layout::csfkit`]). `what` describes the required columns
    /// for the error when none is found.
    pub(crate) fn read(
        file: &Path,
        sheet: Option<&str>,
        delimiter: Option<u8>,
        fields: &[Field],
        required: &[&str],
        what: &str,
    ) -> Result<FieldTable> {
        let bytes = crate::util::fs::read_regular(file).map_err(|e| Error::InputMissing {
            path: file.to_path_buf(),
            source: e,
        })?;
        // Read once: the hash recorded is the hash of the rows validated.
        let tables =
            crate::import::reader::tables_from_bytes(&file.display().to_string(), &bytes, delimiter)?;
        let mut found = None;
        'tables: for t in tables {
            if let Some(s) = sheet {
                if !t.sheet.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)) {
                    continue;
                }
            }
            for (i, (_, cells)) in t.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
                let mut cols: HashMap<&'static str, usize> = HashMap::new();
                for (c, h) in cells.iter().enumerate() {
                    let k = header_key(h);
                    if let Some(f) = fields.iter().find(|f| f.is_named_by(&k)) {
                        cols.entry(f.name).or_insert(c);
                    }
                }
                if required.iter().all(|f| cols.contains_key(f)) {
                    found = Some((t, i, cols));
                    break 'tables;
                }
            }
        }
        let Some((table, header_row, cols)) = found else {
            return Err(Error::NoHeader {
                at: Location::in_file(file.display().to_string()).in_sheet(sheet.map(str::to_string)),
                message: format!("no header row with {what}"),
            });
        };
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let sha256 = crate::util::sha256_hex(&bytes);
        let source = format!("import {name} ({sha256})");
        Ok(FieldTable {
            name,
            source,
            sha256,
            table,
            header_row,
            cols,
        })
    }

    /// The data rows below the header: (row number, cell of each field by name) for every row
    /// with at least one of `fields` filled in.
    pub(crate) fn rows<'a>(
        &'a self,
        fields: &'a [Field],
    ) -> impl Iterator<Item = (usize, impl Fn(&str) -> &'a str + 'a)> + 'a {
        self.table.rows[self.header_row + 1..]
            .iter()
            .map(move |(n, row)| {
                let get = move |f: &str| {
                    self.cols
                        .get(f)
                        .and_then(|c| row.get(*c))
                        .map(|s| s.trim())
                        .unwrap_or("")
                };
                (*n, get)
            })
            .filter(move |(_, get)| fields.iter().any(|f| !get(f.name).is_empty()))
    }

    /// Where a field's cell of row `row` is, for a problem.
    pub(crate) fn loc(&self, row: usize, field: &str) -> Location {
        Location {
            file: self.table.file.clone(),
            sheet: self.table.sheet.clone(),
            row: Some(row),
            column: self
                .cols
                .get(field)
                .and_then(|c| self.table.rows[self.header_row].1.get(*c))
                .cloned(),
        }
    }

    /// The file name as the table reports it, for an [`Error::Invalid`].
    pub(crate) fn file(&self) -> &str {
        &self.table.file
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::layout::csfkit::ASSESSMENT;

    /// A file without the required columns is refused as having no header, naming the file.
    #[test]
    fn no_header_is_told_from_other_bad_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("status.csv");
        std::fs::write(&path, "Control ID,Owner\nGV.OC-01,ann\n").unwrap();
        let what = "a control and a status column";
        match FieldTable::read(&path, None, None, ASSESSMENT, &["control_id", "status"], what) {
            Err(Error::NoHeader { at, message }) => {
                assert_eq!(at.file, path.display().to_string());
                assert_eq!((at.sheet, at.row), (None, None));
                assert_eq!(message, format!("no header row with {what}"));
            }
            other => panic!("expected no header, got {:?}", other.map(|t| t.header_row)),
        }
        std::fs::write(
            &path,
            "Notes\nSubcategory,Implementation Status\nGV.OC-01,implemented\n",
        )
        .unwrap();
        let t = FieldTable::read(&path, None, None, ASSESSMENT, &["control_id", "status"], what).unwrap();
        assert_eq!((t.header_row, t.cols.get("status")), (1, Some(&1)));
    }
}
