//! Reading a CSV file or every sheet of a workbook into [`RawTable`]s of text cells with the
//! row numbers a user sees, for the matrix and assessment importers. The reading itself —
//! format by content, container checks, caps, row numbers — is [`crate::workbook`]'s, the same
//! as for evidence.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{Error, Result};
use crate::mapping::RawTable;
use crate::workbook::{self, Cell, Format, Limits};

/// Reads `path`: a spreadsheet gives one table per sheet, CSV one table.
pub fn read_tables(path: &Path) -> Result<Vec<RawTable>> {
    let missing = |e| Error::InputMissing {
        path: path.into(),
        source: e,
    };
    let mut f = crate::fsutil::open_regular(path, true).map_err(missing)?;
    let size = f.metadata().map_err(missing)?.len();
    let file = path.display().to_string();
    let format = workbook::sniff(&file, path, &mut f)?;
    let limits = Limits::for_size(size);
    workbook::check_container(&file, &mut f, size, &limits)?;
    if format == Format::Csv {
        return Ok(vec![table(&file, &mut f, format, None, &limits)?]);
    }
    let names = workbook::sheet_names(&file, &mut f, format)?;
    names
        .iter()
        .map(|name| {
            f.seek(SeekFrom::Start(0))
                .map_err(|e| Error::io(format!("reading `{file}`"), e))?;
            table(&file, &mut f, format, Some(name), &limits)
        })
        .collect()
}

/// Reads CSV bytes (BOM removed; `,` `;` tab or `|` delimiter) into a table whose row numbers
/// are line numbers.
pub fn read_csv(file: &str, bytes: Vec<u8>) -> Result<RawTable> {
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
    workbook::read(file, src, format, sheet, limits, &mut |_| {}, &mut |n, cells| {
        rows.push((n, cells.iter().map(Cell::text).collect()));
        Ok(true)
    })?;
    Ok(RawTable {
        file: file.to_string(),
        sheet: sheet.map(str::to_string),
        rows,
    })
}
