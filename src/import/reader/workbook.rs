//! Workbooks read as they are stored: xlsx and xlsb streamed cell by cell, ods by csfkit's own
//! stream ([`super::ods`]), xls whole (calamine has no streaming reader for it); cells gathered
//! into rows under the caps.

use std::io::{Read, Seek, SeekFrom};

use calamine::{Data, Reader};

use super::cell::{Cell, Limits, ReadError, column_letters};
use super::sniff::Format;

/// What [`super::read`] found.
#[derive(Debug, Clone, Default)]
pub(crate) struct SheetInfo {
    /// The sheet read (None for CSV).
    pub sheet: Option<String>,
}

/// Streams the rows of one sheet of a workbook (any [`Format`] but CSV) to `on_row`, as
/// [`super::read`] describes.
pub(super) fn read<R: Read + Seek>(
    file: &str,
    src: R,
    format: Format,
    sheet: Option<&str>,
    limits: &Limits,
    on_sheet: &mut dyn FnMut(Option<&str>),
    on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
) -> Result<SheetInfo, ReadError> {
    let password = |e: &dyn std::fmt::Display| {
        let m = e.to_string();
        if m.to_ascii_lowercase().contains("password") || m.to_ascii_lowercase().contains("encrypt") {
            ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); save an unprotected copy"
            ))
        } else {
            ReadError::unreadable(format!(
                "{file}: cannot read {}: {m}; the file is damaged or not what its content claims: open it in a spreadsheet program and save a new copy",
                format.name()
            ))
        }
    };
    let choose = |names: &[String]| -> Result<String, ReadError> {
        match sheet {
            None => names
                .first()
                .cloned()
                .ok_or_else(|| ReadError::data(format!("{file}: the workbook has no sheets"))),
            Some(want) => names
                .iter()
                .find(|n| n.as_str() == want)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(want)))
                .cloned()
                .ok_or_else(|| {
                    ReadError::data(format!(
                        "{file}: no sheet named `{want}`; the workbook has: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }),
        }
    };
    let mut row_buf = RowAssembler::new(file, limits);
    let sheet_error = |name: &str, e: &dyn std::fmt::Display| {
        ReadError::unreadable(format!(
            "{file}, sheet `{name}`: {e}; the sheet is damaged: open the file in a spreadsheet program and save a new copy"
        ))
    };
    let name = match format {
        Format::Xlsx => {
            let mut wb: calamine::Xlsx<_> =
                calamine::Xlsx::new(std::io::BufReader::with_capacity(1 << 16, src))
                    .map_err(|e| password(&e))?;
            let names = wb.sheet_names();
            let name = choose(&names)?;
            on_sheet(Some(&name));
            let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| password(&e))?;
            row_buf.stream(on_row, &mut || {
                Ok(cells.next_cell().map_err(|e| sheet_error(&name, &e))?.map(|c| {
                    let (r, col) = c.get_position();
                    (r, col, Cell::from_ref(c.get_value().clone()))
                }))
            })?;
            name
        }
        Format::Xlsb => {
            let mut wb: calamine::Xlsb<_> =
                calamine::Xlsb::new(std::io::BufReader::with_capacity(1 << 16, src))
                    .map_err(|e| password(&e))?;
            let names = wb.sheet_names();
            let name = choose(&names)?;
            on_sheet(Some(&name));
            let mut cells = wb.worksheet_cells_reader(&name).map_err(|e| password(&e))?;
            row_buf.stream(on_row, &mut || {
                Ok(cells.next_cell().map_err(|e| sheet_error(&name, &e))?.map(|c| {
                    let (r, col) = c.get_position();
                    (r, col, Cell::from_ref(c.get_value().clone()))
                }))
            })?;
            name
        }
        Format::Ods => {
            // Streamed by csfkit's own reader: calamine expands repeated rows and cells whole.
            let mut src = src;
            let names = super::ods::sheet_names(file, &mut src)?;
            let name = choose(&names)?;
            on_sheet(Some(&name));
            src.seek(SeekFrom::Start(0))
                .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?;
            super::ods::stream_sheet(file, src, &name, limits, &mut |r, c, v| {
                row_buf.push(r, c, v, on_row)
            })?;
            // After a stop this hands nothing on (the assembler remembers it stopped).
            row_buf.flush(on_row)?;
            name
        }
        Format::Xls => {
            let mut wb = calamine::open_workbook_auto_from_rs(whole(file, src)?).map_err(|e| password(&e))?;
            let names = wb.sheet_names();
            let name = choose(&names)?;
            on_sheet(Some(&name));
            let range = wb.worksheet_range(&name).map_err(|e| sheet_error(&name, &e))?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            let mut cells = range.cells().filter(|(_, _, d)| !matches!(d, Data::Empty));
            row_buf.stream(on_row, &mut || {
                Ok(cells
                    .next()
                    .map(|(i, j, d)| (r0 + i as u32, c0 + j as u32, Cell::from_data(d))))
            })?;
            name
        }
        Format::Csv => unreachable!("handled above"),
    };
    Ok(SheetInfo { sheet: Some(name) })
}

/// The whole file in memory, for the format calamine reads whole anyway (xls).
fn whole<R: Read>(file: &str, mut src: R) -> Result<std::io::Cursor<Vec<u8>>, ReadError> {
    let mut bytes = Vec::new();
    src.read_to_end(&mut bytes)
        .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?;
    Ok(std::io::Cursor::new(bytes))
}

/// The sheet names of a workbook (empty for CSV).
pub(crate) fn sheet_names<R: Read + Seek>(
    file: &str,
    src: R,
    format: Format,
) -> Result<Vec<String>, ReadError> {
    if format == Format::Csv {
        return Ok(Vec::new());
    }
    if format == Format::Ods {
        return super::ods::sheet_names(file, src);
    }
    let wb = calamine::open_workbook_auto_from_rs(whole(file, src)?)
        .map_err(|e| ReadError::unreadable(format!("{file}: cannot read {}: {e}", format.name())))?;
    Ok(wb.sheet_names())
}

/// Gathers streamed cells into rows, enforcing the caps.
struct RowAssembler<'a> {
    file: &'a str,
    limits: &'a Limits,
    row: Option<u32>,
    cells: Vec<Cell>,
    rows: usize,
    stopped: bool,
}

impl<'a> RowAssembler<'a> {
    fn new(file: &'a str, limits: &'a Limits) -> Self {
        RowAssembler {
            file,
            limits,
            row: None,
            cells: Vec::new(),
            rows: 0,
            stopped: false,
        }
    }

    fn push(
        &mut self,
        r: u32,
        c: u32,
        v: Cell,
        on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
    ) -> Result<bool, ReadError> {
        if v.is_blank() {
            return Ok(true);
        }
        if self.row != Some(r) {
            if !self.flush(on_row)? {
                return Ok(false);
            }
            self.row = Some(r);
        }
        let c = c as usize;
        if c >= self.limits.max_cols {
            return Err(ReadError::data(format!(
                "{}: row {} has a value in column {} ; more than {} columns is not an evidence tracker (limit)",
                self.file,
                r + 1,
                column_letters(c),
                self.limits.max_cols
            )));
        }
        // Cells come in column order: most are the next one.
        if self.cells.len() == c {
            self.cells.push(v);
        } else if self.cells.len() < c {
            self.cells.resize(c, Cell::Empty);
            self.cells.push(v);
        } else {
            self.cells[c] = v;
        }
        Ok(true)
    }

    fn flush(
        &mut self,
        on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
    ) -> Result<bool, ReadError> {
        if self.stopped {
            return Ok(false);
        }
        if let Some(r) = self.row.take() {
            self.rows += 1;
            if self.rows > self.limits.max_rows {
                return Err(ReadError::data(format!(
                    "{}: more than {} rows; split the file",
                    self.file, self.limits.max_rows
                )));
            }
            // The next row is about as wide as this one: no growing it cell by cell.
            let width = self.cells.len();
            let cells = std::mem::replace(&mut self.cells, Vec::with_capacity(width));
            if !on_row(r as usize + 1, cells)? {
                self.stopped = true;
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Feeds every cell `next` yields (row, column, value; in document order) and flushes
    /// the last row.
    fn stream(
        &mut self,
        on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
        next: &mut dyn FnMut() -> Result<Option<(u32, u32, Cell)>, ReadError>,
    ) -> Result<(), ReadError> {
        while let Some((r, c, v)) = next()? {
            if !self.push(r, c, v, on_row)? {
                return Ok(());
            }
        }
        self.flush(on_row).map(|_| ())
    }
}
