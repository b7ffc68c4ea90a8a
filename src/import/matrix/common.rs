//! What the matrix layouts share: choosing the sheet that holds a layout, the result of an
//! import, the references a projection follows, and the refusal of an answer without an ID.

use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result};
use crate::import::reader::RawTable;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Cell, CellSource};

/// A row with an answer and no control ID: its answer would count for nothing.
pub(super) fn no_id(location: Location, answer: &str) -> Problem {
    Problem {
        location,
        value: Some(answer.to_string()),
        message: "a row with an answer needs its control ID; if the ID cell is merged over several rows, unmerge it and write the ID on each row".into(),
    }
}

pub(super) fn pick<'a>(
    tables: &'a [RawTable],
    sheet: Option<&str>,
    fits: impl Fn(&RawTable) -> bool,
    what: &str,
) -> Result<&'a RawTable> {
    if let Some(name) = sheet {
        return tables
            .iter()
            .find(|t| {
                t.sheet
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(name.trim()))
            })
            .ok_or_else(|| Error::BadInput {
                at: Location::in_file(tables.first().map_or("", |t| t.file.as_str())),
                message: format!(
                    "no sheet `{name}`; sheets: {}",
                    tables
                        .iter()
                        .filter_map(|t| t.sheet.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
    }
    let fitting: Vec<&RawTable> = tables.iter().filter(|t| fits(t)).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::NoHeader {
            at: Location::in_file(tables.first().map_or("", |t| t.file.as_str())),
            message: format!("no sheet has the {what} header"),
        }),
        many => Err(Error::Usage(format!(
            "several sheets hold a {what}: {}; choose one with --sheet",
            many.iter()
                .filter_map(|t| t.sheet.clone())
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What an importer read: the cells, the rows of the source behind projected cells (none for
/// the csfkit layout, which does not carry them), and the sheet read.
#[derive(Debug, Clone, Default)]
pub(crate) struct Imported {
    /// The cells, in catalogue order, then service order.
    pub cells: Vec<Cell>,
    /// The source rows behind projected cells.
    pub sources: Vec<CellSource>,
    /// The sheet read (spreadsheets).
    pub sheet: Option<String>,
}

/// Each active CSF 2.0 subcategory (catalogue order) with its normalised references of `source`.
pub(super) fn references(
    cat: &Catalogue,
    source: &str,
    key: fn(&str) -> Option<String>,
) -> Result<Vec<(String, Vec<String>)>> {
    Ok(cat
        .references_by_source(DEFAULT_FRAMEWORK, source)?
        .into_iter()
        .map(|(c, refs)| {
            let mut keys: Vec<String> = refs.iter().filter_map(|r| key(r)).collect();
            keys.dedup();
            (c, keys)
        })
        .collect())
}
