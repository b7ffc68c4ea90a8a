//! Reading evidence spreadsheets as they really are: the format decided from the content, hostile
//! containers refused before any parser sees them, and rows streamed with typed cells and the row
//! numbers a user sees. One reader for every importer: [`read`] streams one sheet, [`read_tables`]
//! and [`tables_from_bytes`] read every sheet into [`RawTable`]s.
//!
//! - `sniff`: the format from the content (xlsx / xlsm, xlsb, xls, ods, CSV), zip containers
//!   checked against their declared and actual inflated sizes;
//! - `workbook`: xlsx and xlsb streamed cell by cell, xls whole (calamine has no streaming reader
//!   for it), cells gathered into rows under the caps;
//! - `ods`: ods content read as a stream, repeated rows and cells counted, never expanded;
//! - `csv`: CSV and TSV (delimiter given, or detected among `, ; \t |` counting outside quoted
//!   fields; BOM removed; an unclosed quote refused naming its line);
//! - `cell`: the typed cells, the caps ([`Limits`]) and [`ReadError`].
//!
//! Everything here is defensive: rows, columns and cell lengths are capped, and the caller runs
//! [`read`] on a thread of its own so that a panic inside a parser becomes an error naming the file.

mod cell;
mod csv;
mod ods;
mod sniff;
#[cfg(test)]
mod tests;
mod workbook;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Location, Result};

pub(crate) use cell::{Cell, Limits, ReadError, column_letters};
pub(crate) use sniff::{Depth, Format, check_container, sniff};
pub(crate) use workbook::{SheetInfo, sheet_names};

/// Streams the rows of one sheet to `on_row` (call [`check_container`] first for a zip-based
/// format, to [`Depth::Declared`] at least: this function trusts the container) as (row number as the user sees it, cells, with
/// column 0 = column A). Empty rows are skipped. `on_row` returns false to stop early.
/// `on_sheet` hears the sheet chosen (`sheet`, or the first) before any row.
pub(crate) fn read<R: Read + Seek>(
    file: &str,
    src: R,
    format: Format,
    sheet: Option<&str>,
    limits: &Limits,
    on_sheet: &mut dyn FnMut(Option<&str>),
    on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
) -> Result<SheetInfo, ReadError> {
    if format == Format::Csv {
        on_sheet(None);
        csv::read_csv(file, src, limits, on_row)?;
        return Ok(SheetInfo::default());
    }
    workbook::read(file, src, format, sheet, limits, on_sheet, on_row)
}

/// A table read from a file: rows of text cells with the row number a user sees.
#[derive(Debug, Clone, Default)]
pub(crate) struct RawTable {
    /// File name for messages.
    pub file: String,
    /// Sheet name, for spreadsheets.
    pub sheet: Option<String>,
    /// (row number as shown by a spreadsheet program, cells).
    pub rows: Vec<(usize, Vec<String>)>,
}

impl RawTable {
    /// The location of a cell of this table, for a [`crate::error::Problem`].
    pub(crate) fn loc(&self, row: usize, column: Option<&str>) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: Some(row),
            column: column.map(str::to_string),
        }
    }
}

/// Reads `path`: a spreadsheet gives one table per sheet, CSV one table (split at `delimiter`,
/// `--delimiter`, or the one detected when None).
pub(crate) fn read_tables(path: &Path, delimiter: Option<u8>) -> Result<Vec<RawTable>> {
    let missing = |e| Error::InputMissing {
        path: path.into(),
        source: e,
    };
    let mut f = crate::util::fs::open_regular(path, true).map_err(missing)?;
    let size = f.metadata().map_err(missing)?.len();
    tables_from(&path.display().to_string(), path, &mut f, size, delimiter)
}

/// Reads a file already in memory (`name` for messages and its extension), with the same
/// checks as a file on disk: one table per sheet, or one for CSV (split at `delimiter`, or the
/// one detected when None).
pub(crate) fn tables_from_bytes(name: &str, bytes: &[u8], delimiter: Option<u8>) -> Result<Vec<RawTable>> {
    let mut src = std::io::Cursor::new(bytes);
    tables_from(name, Path::new(name), &mut src, bytes.len() as u64, delimiter)
}

/// The refusal of `--delimiter` for a file that is not delimited text.
pub(crate) fn delimiter_for_text_only(file: &str, format: Format) -> Error {
    Error::Usage(format!(
        "--delimiter is for CSV and TSV files; `{file}` is {}, whose cells are already separated: leave --delimiter out",
        format.name()
    ))
}

fn tables_from<R: Read + Seek>(
    file: &str,
    path: &Path,
    f: &mut R,
    size: u64,
    delimiter: Option<u8>,
) -> Result<Vec<RawTable>> {
    let format = sniff(file, path, f)?;
    if delimiter.is_some() && format != Format::Csv {
        return Err(delimiter_for_text_only(file, format));
    }
    let limits = Limits::for_size(size).with_delimiter(delimiter);
    check_container(file, f, size, &limits, Depth::Inflated)?;
    if format == Format::Csv {
        return Ok(vec![table(file, &mut *f, format, None, &limits)?]);
    }
    let names = sheet_names(file, &mut *f, format)?;
    names
        .iter()
        .map(|name| {
            f.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(format!("reading `{file}`"), e))?;
            table(file, &mut *f, format, Some(name), &limits)
        })
        .collect()
}

/// Reads CSV bytes (BOM removed; `,` `;` tab or `|` delimiter) into a table whose row numbers
/// are line numbers.
pub(crate) fn csv_table(file: &str, bytes: Vec<u8>) -> Result<RawTable> {
    let limits = Limits::for_size(bytes.len() as u64);
    table(file, std::io::Cursor::new(bytes), Format::Csv, None, &limits)
}

fn table<R: Read + Seek>(
    file: &str,
    src: R,
    format: Format,
    sheet: Option<&str>,
    limits: &Limits,
) -> Result<RawTable> {
    let mut rows = Vec::new();
    read(file, src, format, sheet, limits, &mut |_| {}, &mut |n, cells| {
        rows.push((n, cells.iter().map(Cell::text).collect()));
        Ok(true)
    })?;
    Ok(RawTable {
        file: file.to_string(),
        sheet: sheet.map(str::to_string),
        rows,
    })
}
