//! Reading evidence spreadsheets as they really are: the format decided from the content, hostile
//! containers refused before any parser sees them, and rows streamed with typed cells and the row
//! numbers a user sees.
//!
//! Formats: xlsx / xlsm / xlsb (streamed cell by cell), ods (streamed by [`crate::import::ods`],
//! repeated rows and cells counted, never expanded), xls (whole sheet, calamine has no streaming
//! reader for it), CSV and TSV (delimiter given, or detected among `, ; \t |` counting
//! outside quoted fields; BOM removed).
//! Everything here is defensive: declared and actual inflated sizes of a zip container are checked
//! first, rows, columns and cell lengths are capped, and the caller runs [`read`] on a thread of
//! its own so that a panic inside a parser becomes an error naming the file.

use std::cell::RefCell;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::rc::Rc;

use calamine::{Data, DataRef, Reader};

use crate::error::{Error, Location, Result};
use chrono::NaiveDateTime;

/// Why a file could not be read: `unreadable` (empty, truncated, damaged, encrypted, an I/O
/// error: exit 66) or bad data (a format csfkit does not take, a hostile container, a broken
/// row: exit 65). The message names the file and says what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    /// The file cannot be read at all (exit 66), rather than holding bad data (exit 65).
    pub unreadable: bool,
    /// What is wrong, starting with the file's name.
    pub message: String,
}

impl ReadError {
    /// The file holds data csfkit refuses.
    pub fn data(message: impl Into<String>) -> Self {
        ReadError {
            unreadable: false,
            message: message.into(),
        }
    }

    /// The file cannot be read: empty, truncated, damaged, encrypted, or an I/O error.
    pub fn unreadable(message: impl Into<String>) -> Self {
        ReadError {
            unreadable: true,
            message: message.into(),
        }
    }
}

impl From<String> for ReadError {
    fn from(message: String) -> Self {
        ReadError::data(message)
    }
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<ReadError> for crate::error::Error {
    fn from(e: ReadError) -> Self {
        if e.unreadable {
            crate::error::Error::Unreadable(e.message)
        } else {
            crate::error::Error::Data(e.message)
        }
    }
}

/// A cell, typed as the file stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing in it.
    Empty,
    /// Text.
    Text(String),
    /// A number that is not formatted as a date.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// A real date cell (an Excel serial in either date system, already converted).
    Date(Option<NaiveDateTime>),
    /// An ISO 8601 date or date-time string stored as a date (ods).
    DateIso(String),
    /// A formula error such as `#N/A` or `#REF!`.
    Error(String),
}

impl Cell {
    /// Text of the cell as a person would read it (dates as ISO).
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) | Cell::DateIso(s) | Cell::Error(s) => s.clone(),
            Cell::Number(f) => number_text(*f),
            Cell::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
            Cell::Date(Some(d)) => {
                // Written directly: chrono's format strings are slow for a million cells.
                use chrono::{Datelike, Timelike};
                let (y, m, day) = (d.year(), d.month(), d.day());
                if !(0..=9999).contains(&y) {
                    d.to_string()
                } else if d.time() == chrono::NaiveTime::MIN {
                    format!("{y:04}-{m:02}-{day:02}")
                } else {
                    format!(
                        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}",
                        d.hour(),
                        d.minute(),
                        d.second()
                    )
                }
            }
            Cell::Date(None) => "(date out of range)".to_string(),
        }
    }

    /// True for an empty cell or one holding only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            _ => false,
        }
    }

    fn from_data(d: &Data) -> Cell {
        match d {
            Data::Empty => Cell::Empty,
            Data::String(s) => Cell::Text(s.clone()),
            Data::Float(f) => Cell::Number(*f),
            Data::Int(i) => Cell::Number(*i as f64),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(d) => Cell::Date(d.as_datetime()),
            Data::DateTimeIso(s) => Cell::DateIso(s.clone()),
            Data::DurationIso(s) => Cell::Text(s.clone()),
            Data::Error(e) => Cell::Error(format!("{e}")),
        }
    }

    fn from_ref(d: DataRef<'_>) -> Cell {
        match d {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::Text(s),
            DataRef::SharedString(s) => Cell::Text(s.to_string()),
            DataRef::Float(f) => Cell::Number(f),
            DataRef::Int(i) => Cell::Number(i as f64),
            DataRef::Bool(b) => Cell::Bool(b),
            DataRef::DateTime(d) => Cell::Date(d.as_datetime()),
            DataRef::DateTimeIso(s) => Cell::DateIso(s),
            DataRef::DurationIso(s) => Cell::Text(s),
            DataRef::Error(e) => Cell::Error(format!("{e}")),
        }
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// The container formats csfkit reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Office Open XML workbook (xlsx, xlsm).
    Xlsx,
    /// Excel binary workbook.
    Xlsb,
    /// Excel 97-2003 workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
    /// Delimited text.
    Csv,
}

impl Format {
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Xlsx => "an Excel workbook (xlsx)",
            Format::Xlsb => "an Excel binary workbook (xlsb)",
            Format::Xls => "an Excel 97-2003 workbook (xls)",
            Format::Ods => "an OpenDocument spreadsheet (ods)",
            Format::Csv => "CSV text",
        }
    }

    /// The usual file extension, also the name stored with an import batch.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Xlsx => "xlsx",
            Format::Xlsb => "xlsb",
            Format::Xls => "xls",
            Format::Ods => "ods",
            Format::Csv => "csv",
        }
    }

    fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "xlsx" | "xlsm" | "xltx" | "xltm" => Format::Xlsx,
            "xlsb" => Format::Xlsb,
            "xls" | "xla" => Format::Xls,
            "ods" => Format::Ods,
            "csv" | "tsv" | "txt" => Format::Csv,
            _ => return None,
        })
    }
}

/// Caps that keep a hostile or broken file from taking the machine down, and the one choice a
/// user can make about how a file is split (`--delimiter`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The field delimiter of delimited text (`--delimiter`); None: detected.
    pub delimiter: Option<u8>,
    /// Data rows read from one sheet.
    pub max_rows: usize,
    /// Columns (the highest column index with a value).
    pub max_cols: usize,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Bytes a zip container may inflate to, in total.
    pub max_inflated: u64,
}

impl Limits {
    /// The defaults for a file of `size` bytes: 2 million rows, 1,024 columns, 32,767
    /// characters per cell, and a container that inflates to at most 100 times its size
    /// (at least 64 MiB, at most 4 GiB).
    pub fn for_size(size: u64) -> Limits {
        Limits {
            delimiter: None,
            max_rows: 2_000_000,
            max_cols: 1024,
            max_cell_chars: 32_767,
            max_inflated: size.saturating_mul(100).clamp(64 << 20, 4 << 30),
        }
    }

    /// The same caps, delimited text split at `delimiter` (None: detected).
    #[must_use]
    pub fn with_delimiter(self, delimiter: Option<u8>) -> Limits {
        Limits { delimiter, ..self }
    }
}

/// Decides the format from the content, refusing what csfkit cannot or must not read. The
/// message names the file and says what it holds and what was expected. Reads the start of
/// `src` (and, for an old-style compound file, scans it for encryption streams); leaves `src`
/// at its start.
pub fn sniff<R: Read + Seek>(file: &str, path: &Path, src: &mut R) -> Result<Format, ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::with_capacity(8192);
    src.by_ref().take(8192).read_to_end(&mut head).map_err(io)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let found = sniff_head(file, path, &head, src)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    Ok(found)
}

fn sniff_head<R: Read + Seek>(
    file: &str,
    path: &Path,
    bytes: &[u8],
    src: &mut R,
) -> Result<Format, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::unreadable(format!(
            "{file}: the file is empty (0 bytes); expected a spreadsheet (xlsx, xlsb, xls, ods) or CSV with a header row"
        )));
    }
    let by_ext = Format::from_extension(path);
    let found = if bytes.starts_with(b"PK\x03\x04") {
        zip_format(file, src)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        let needles = [utf16("EncryptedPackage"), utf16("EncryptionInfo")];
        if stream_contains(src, &needles)
            .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?
        {
            return Err(ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); remove the password in your spreadsheet program (File > Info > Protect Workbook) and save a copy"
            )));
        }
        Format::Xls
    } else if bytes.starts_with(b"PK") || bytes.starts_with(&[0xD0, 0xCF]) {
        return Err(ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (its container header is incomplete)"
        )));
    } else if let Some(what) = markup(bytes) {
        return Err(ReadError::data(format!(
            "{file}: the file holds {what}, not a spreadsheet or CSV (some systems save web pages or XML with a spreadsheet name); open it in a spreadsheet program and save it as xlsx, or export CSV"
        )));
    } else {
        let head = &bytes[..bytes.len().min(8192)];
        let text_like = std::str::from_utf8(head).is_ok()
            || std::str::from_utf8(&head[..head.len().saturating_sub(3)]).is_ok();
        if head.contains(&0) || !text_like {
            return Err(ReadError::data(format!(
                "{file}: not a spreadsheet and not UTF-8 text; expected xlsx, xlsb, xls, ods or CSV (save CSV as UTF-8)"
            )));
        }
        Format::Csv
    };
    if let Some(ext) = by_ext {
        let same = ext == found
            || matches!(
                (ext, found),
                (Format::Xlsx | Format::Xlsb, Format::Xlsx | Format::Xlsb)
            );
        if !same {
            let ext_name = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
            return Err(ReadError::data(format!(
                "{file}: the name ends in .{ext_name} but the file holds {}; rename it to match its content (for example .{}) or save it again in the right format",
                found.name(),
                found.extension()
            )));
        }
    }
    Ok(found)
}

/// What markup a text file starts with: an HTML page or an XML document (such as the "XML
/// Spreadsheet 2003" format), which a CSV parser would take for one column of tags.
fn markup(bytes: &[u8]) -> Option<&'static str> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let head: Vec<u8> = text[start..text.len().min(start + 256)]
        .iter()
        .map(u8::to_ascii_lowercase)
        .collect();
    if head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<table") {
        Some("an HTML page")
    } else if head.starts_with(b"<?xml") {
        let all = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
        if all.contains("<html") {
            Some("an HTML page")
        } else if all.contains("urn:schemas-microsoft-com:office:spreadsheet") {
            Some("an Excel 2003 XML spreadsheet")
        } else {
            Some("an XML document")
        }
    } else {
        None
    }
}

fn utf16(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether any of `needles` occurs in `src` from its start, read in chunks that overlap by the
/// longest needle (so a match across a chunk boundary is found).
fn stream_contains<R: Read + Seek>(src: &mut R, needles: &[Vec<u8>]) -> std::io::Result<bool> {
    src.seek(SeekFrom::Start(0))?;
    let keep = needles.iter().map(Vec::len).max().unwrap_or(1).saturating_sub(1);
    let mut buf = vec![0u8; 1 << 16];
    let mut filled = 0;
    loop {
        let n = src.read(&mut buf[filled..])?;
        if n == 0 {
            return Ok(false);
        }
        filled += n;
        if needles.iter().any(|x| contains(&buf[..filled], x)) {
            return Ok(true);
        }
        let tail = filled.saturating_sub(keep);
        buf.copy_within(tail..filled, 0);
        filled -= tail;
    }
}

/// Which spreadsheet a zip container holds, from its entry names.
fn zip_format<R: Read + Seek>(file: &str, src: &mut R) -> Result<Format, ReadError> {
    let archive = zip::ZipArchive::new(src).map_err(|e| {
        ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (not a readable zip container: {e})"
        ))
    })?;
    let names: Vec<String> = archive
        .file_names()
        .filter_map(|n| n.ok().map(|n| n.into_owned()))
        .collect();
    let has = |n: &str| names.iter().any(|x| x == n);
    if has("xl/workbook.xml") {
        Ok(Format::Xlsx)
    } else if has("xl/workbook.bin") {
        Ok(Format::Xlsb)
    } else if has("content.xml") && has("mimetype") {
        Ok(Format::Ods)
    } else {
        Err(ReadError::data(format!(
            "{file}: a zip archive that is not a spreadsheet (no xl/workbook.xml, xl/workbook.bin or content.xml); expected xlsx, xlsb or ods"
        )))
    }
}

/// Checks a zip container before any parser opens it: the sizes its entries declare, then the
/// sizes they really inflate to (a lying header is caught too), against `limits.max_inflated`.
/// `size` is the file's size (for messages). Leaves `src` at its start.
pub fn check_container<R: Read + Seek>(
    file: &str,
    src: &mut R,
    size: u64,
    limits: &Limits,
) -> Result<(), ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut magic = [0u8; 4];
    let n = src.read(&mut magic).map_err(io)?;
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    if n < 4 || &magic != b"PK\x03\x04" {
        return Ok(());
    }
    let checked = check_zip(file, &mut *src, size, limits);
    src.seek(SeekFrom::Start(0)).map_err(io)?;
    checked
}

fn check_zip<R: Read + Seek>(file: &str, src: R, size: u64, limits: &Limits) -> Result<(), ReadError> {
    let mut archive = zip::ZipArchive::new(src).map_err(|e| {
        ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (not a readable zip container: {e})"
        ))
    })?;
    let cap = limits.max_inflated;
    let mut declared: u64 = 0;
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| ReadError::unreadable(format!("{file}: damaged zip entry {i}: {e}")))?;
        if entry.encrypted() {
            return Err(ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); save an unprotected copy"
            )));
        }
        declared = declared.saturating_add(entry.size());
    }
    if declared > cap {
        return Err(ReadError::data(bomb(file, size, declared, cap)));
    }
    let mut actual: u64 = 0;
    let mut buf = vec![0u8; 64 * 1024];
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            ReadError::unreadable(format!(
                "{file}: the file is truncated or damaged (zip entry {i}: {e})"
            ))
        })?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        let declared_size = entry.size();
        let mut seen: u64 = 0;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                // The zip reader stops an entry at its declared size itself.
                Err(e) if e.to_string().contains("declared") => {
                    return Err(ReadError::data(lying(file, &name, declared_size)));
                }
                Err(e) => {
                    return Err(ReadError::unreadable(format!(
                        "{file}: the file is truncated or damaged (zip entry `{name}`: {e})"
                    )));
                }
            };
            seen += n as u64;
            if seen > declared_size {
                return Err(ReadError::data(lying(file, &name, declared_size)));
            }
            if actual + seen > cap {
                return Err(ReadError::data(bomb(file, size, actual + seen, cap)));
            }
        }
        actual += seen;
    }
    Ok(())
}

fn lying(file: &str, name: &str, declared: u64) -> String {
    format!(
        "{file}: zip entry `{name}` inflates beyond the {declared} bytes it declares; refusing a file that lies about its size"
    )
}

fn bomb(file: &str, size: u64, inflated: u64, cap: u64) -> String {
    format!(
        "{file}: the {size}-byte file inflates to more than {} MiB (at least {inflated} bytes, limit {cap}); this looks like a zip bomb and was not opened",
        cap >> 20
    )
}

/// What [`read`] found.
#[derive(Debug, Clone, Default)]
pub struct SheetInfo {
    /// The sheet read (None for CSV).
    pub sheet: Option<String>,
    /// The sheets the workbook has.
    pub sheets: Vec<String>,
}

/// Streams the rows of one sheet to `on_row` (call [`check_container`] first for a zip-based
/// format: this function trusts the container) as (row number as the user sees it, cells, with
/// column 0 = column A). Empty rows are skipped. `on_row` returns false to stop early.
/// `on_sheet` hears the sheet chosen (`sheet`, or the first) before any row.
pub fn read<R: Read + Seek>(
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
        read_csv(file, src, limits, on_row)?;
        return Ok(SheetInfo::default());
    }
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
    let (name, names) = match format {
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
            (name, names)
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
            (name, names)
        }
        Format::Ods => {
            // Streamed by csfkit's own reader: calamine expands repeated rows and cells whole.
            let mut src = src;
            let names = crate::import::ods::sheet_names(file, &mut src)?;
            let name = choose(&names)?;
            on_sheet(Some(&name));
            src.seek(SeekFrom::Start(0))
                .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?;
            crate::import::ods::stream_sheet(file, src, &name, limits, &mut |r, c, v| {
                row_buf.push(r, c, v, on_row)
            })?;
            // After a stop this hands nothing on (the assembler remembers it stopped).
            row_buf.flush(on_row)?;
            (name, names)
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
            (name, names)
        }
        Format::Csv => unreachable!("handled above"),
    };
    Ok(SheetInfo {
        sheet: Some(name),
        sheets: names,
    })
}

/// The whole file in memory, for the format calamine reads whole anyway (xls).
fn whole<R: Read>(file: &str, mut src: R) -> Result<std::io::Cursor<Vec<u8>>, ReadError> {
    let mut bytes = Vec::new();
    src.read_to_end(&mut bytes)
        .map_err(|e| ReadError::unreadable(format!("{file}: cannot read the file: {e}")))?;
    Ok(std::io::Cursor::new(bytes))
}

/// The sheet names of a workbook (empty for CSV).
pub fn sheet_names<R: Read + Seek>(file: &str, src: R, format: Format) -> Result<Vec<String>, ReadError> {
    if format == Format::Csv {
        return Ok(Vec::new());
    }
    if format == Format::Ods {
        return crate::import::ods::sheet_names(file, src);
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
        if self.cells.len() <= c {
            self.cells.resize(c + 1, Cell::Empty);
        }
        self.cells[c] = v;
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
            let cells = std::mem::take(&mut self.cells);
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

/// Spreadsheet column letters for a 0-based index (0 -> A, 27 -> AB).
pub fn column_letters(mut c: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// The delimiters csfkit recognises in delimited text, in the order a tie is decided.
pub const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// The delimiter of delimited text: among `,` `;` tab `|`, the one a record of the first 30 uses
/// most (title rows above the header have none); `,` when there is none. Only delimiters outside
/// quoted fields count: `GV.OC-01,x,"a; b; c; d"` is comma-separated, however many `;` the quoted
/// cell holds. A quote opens a field at the start of a line or after one of the four delimiters
/// (optionally after spaces); inside, `""` is a quote and a line break belongs to the field.
pub fn detect_delimiter(text: &str) -> u8 {
    let mut best = (0usize, b',');
    let mut counts = [0usize; 4];
    let mut records = 0;
    let mut quoted = false;
    // Whether a quote here would open a field: at the start of a line or after a delimiter
    // (spaces allowed in between).
    let mut field_start = true;
    let mut bytes = text.bytes().peekable();
    while let Some(b) = bytes.next() {
        if quoted {
            if b == b'"' {
                if bytes.peek() == Some(&b'"') {
                    bytes.next();
                } else {
                    quoted = false;
                }
            }
            continue;
        }
        match b {
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            b'\n' => {
                for (i, d) in DELIMITERS.iter().enumerate() {
                    if counts[i] > best.0 {
                        best = (counts[i], *d);
                    }
                }
                counts = [0; 4];
                field_start = true;
                records += 1;
                if records >= 30 {
                    return best.1;
                }
            }
            b' ' | b'\r' if field_start => {}
            _ => {
                if let Some(i) = DELIMITERS.iter().position(|d| *d == b) {
                    counts[i] += 1;
                    field_start = true;
                } else {
                    field_start = false;
                }
            }
        }
    }
    for (i, d) in DELIMITERS.iter().enumerate() {
        if counts[i] > best.0 {
            best = (counts[i], *d);
        }
    }
    best.1
}

/// The bytes a CSV parser has been given, kept from the start of the current record on, so
/// that the line a record starts on can be counted without holding the whole file.
struct Lines {
    /// Bytes read so far from `start` on (`start` = stream offset of `buf[0]`).
    buf: Vec<u8>,
    start: u64,
    /// `buf[..counted]` is already counted in `newlines`.
    counted: usize,
    newlines: usize,
}

impl Lines {
    /// The 1-based line of a record whose parse began at stream offset `pos` (the csv crate
    /// reports the offset of the line end before it after a CRLF, so line ends are skipped).
    fn line_at(&mut self, pos: u64) -> usize {
        let mut i = usize::try_from(pos.saturating_sub(self.start))
            .unwrap_or(usize::MAX)
            .min(self.buf.len());
        i = i.max(self.counted);
        while matches!(self.buf.get(i), Some(b'\r' | b'\n')) {
            i += 1;
        }
        self.newlines += self.buf[self.counted..i].iter().filter(|b| **b == b'\n').count();
        self.counted = i;
        // Drop what is counted once it is a good part of the buffer (not per record: that
        // would move the read-ahead every time).
        if self.counted >= 1 << 16 && self.counted * 2 >= self.buf.len() {
            self.buf.drain(..self.counted);
            self.start += self.counted as u64;
            self.counted = 0;
        }
        self.newlines + 1
    }
}

/// Where the bytes given to the CSV parser stand with respect to quoting, followed byte by byte
/// with the parser's own rules (a quote opens a field only at its start; `""` inside is a
/// quote). The CSV parser itself takes a quote that is never closed as a field running to the
/// end of the file; this tracker is how such a file is refused, naming the line of the quote.
struct Quotes {
    delimiter: u8,
    state: Quoting,
    /// The line being read (1-based).
    line: usize,
    /// The line the open quoted field starts on.
    open_line: usize,
    /// Bytes inside the open quoted field so far.
    quoted: u64,
    /// Bytes a quoted field may hold before it is taken for a missing closing quote.
    max_quoted: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Quoting {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

impl Quotes {
    /// Follows `bytes`; `Err(line)` when a quoted field that starts on `line` grows past the
    /// longest value a cell may hold.
    fn feed(&mut self, bytes: &[u8]) -> Result<(), usize> {
        for &b in bytes {
            if b == b'\n' {
                self.line += 1;
            }
            self.state = match self.state {
                Quoting::FieldStart | Quoting::Unquoted | Quoting::QuoteInQuoted => {
                    if b == b'"' && self.state == Quoting::QuoteInQuoted {
                        Quoting::Quoted
                    } else if b == self.delimiter || b == b'\n' || b == b'\r' {
                        Quoting::FieldStart
                    } else if b == b'"' && self.state == Quoting::FieldStart {
                        self.open_line = self.line;
                        self.quoted = 0;
                        Quoting::Quoted
                    } else {
                        Quoting::Unquoted
                    }
                }
                Quoting::Quoted => {
                    self.quoted += 1;
                    if self.quoted > self.max_quoted {
                        return Err(self.open_line);
                    }
                    if b == b'"' {
                        Quoting::QuoteInQuoted
                    } else {
                        Quoting::Quoted
                    }
                }
            };
        }
        Ok(())
    }
}

/// Hands bytes to the CSV parser, keeps a copy in [`Lines`] and follows the quoting.
struct Tee<R> {
    inner: R,
    lines: Rc<RefCell<Lines>>,
    quotes: Rc<RefCell<Quotes>>,
}

impl<R: Read> Read for Tee<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(out)?;
        self.lines.borrow_mut().buf.extend_from_slice(&out[..n]);
        if self.quotes.borrow_mut().feed(&out[..n]).is_err() {
            return Err(std::io::Error::other("unclosed quote"));
        }
        Ok(n)
    }
}

/// The refusal of a quoted field that never closes.
fn unclosed_quote(file: &str, open: &Quotes, eof: bool) -> String {
    if eof {
        format!(
            "{file}: line {}: a quoted field starts here and is never closed, so lines {}-{} would be read as one value; add the closing quote (a quote inside a value is written twice: \"\") and import again",
            open.open_line, open.open_line, open.line
        )
    } else {
        format!(
            "{file}: line {}: a quoted field starts here and runs past {} bytes (longer than a spreadsheet cell can be): a closing quote is missing; add it (a quote inside a value is written twice: \"\") and import again",
            open.open_line, open.max_quoted
        )
    }
}

/// Reads delimited text as a stream: BOM removed, delimiter `limits.delimiter` or, when None,
/// among `, ; \t |` (the one the first lines use most outside quotes), quoted newlines allowed,
/// row numbers = the line each record starts on.
fn read_csv<R: Read>(
    file: &str,
    mut src: R,
    limits: &Limits,
    on_row: &mut dyn FnMut(usize, Vec<Cell>) -> Result<bool, ReadError>,
) -> Result<(), ReadError> {
    let io = |e: std::io::Error| ReadError::unreadable(format!("{file}: cannot read the file: {e}"));
    // The first 64 KiB decide the delimiter; they are then read again from memory.
    let mut head = Vec::with_capacity(1 << 16);
    src.by_ref().take(1 << 16).read_to_end(&mut head).map_err(io)?;
    let body = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head).to_vec();
    let valid = match std::str::from_utf8(&body) {
        Ok(t) => t,
        // A character cut at the end of the sample is fine; anything else is checked per field.
        Err(e) => std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default(),
    };
    let delimiter = limits.delimiter.unwrap_or_else(|| detect_delimiter(valid));
    let lines = Rc::new(RefCell::new(Lines {
        buf: Vec::new(),
        start: 0,
        counted: 0,
        newlines: 0,
    }));
    let quotes = Rc::new(RefCell::new(Quotes {
        delimiter,
        state: Quoting::FieldStart,
        line: 1,
        open_line: 0,
        quoted: 0,
        // Up to 4 bytes a character, doubled quotes, and some slack.
        max_quoted: (limits.max_cell_chars as u64).saturating_mul(8).max(1 << 16),
    }));
    let tee = Tee {
        inner: std::io::Cursor::new(body).chain(src),
        lines: lines.clone(),
        quotes: quotes.clone(),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(tee);
    let mut rows = 0usize;
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(_) if quotes.borrow().quoted > quotes.borrow().max_quoted => {
                return Err(ReadError::data(unclosed_quote(file, &quotes.borrow(), false)));
            }
            Err(e) => return Err(ReadError::data(format!("{file}: {e}"))),
        }
        let line = lines
            .borrow_mut()
            .line_at(rec.position().map_or(0, csv::Position::byte));
        let mut fields = Vec::with_capacity(rec.len());
        for (i, f) in rec.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(t) => fields.push(t),
                Err(_) => {
                    return Err(ReadError::data(format!(
                        "{file}: line {line}, column {}: not valid UTF-8 text; save the CSV as UTF-8 (in Excel: CSV UTF-8)",
                        column_letters(i)
                    )));
                }
            }
        }
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        rows += 1;
        if rows > limits.max_rows {
            return Err(ReadError::data(format!(
                "{file}: more than {} rows; split the file",
                limits.max_rows
            )));
        }
        if fields.len() > limits.max_cols && fields.iter().skip(limits.max_cols).any(|f| !f.trim().is_empty())
        {
            return Err(ReadError::data(format!(
                "{file}: line {line} has more than {} fields; is the delimiter right?",
                limits.max_cols
            )));
        }
        let cells = fields
            .iter()
            .map(|f| {
                if f.is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text((*f).to_string())
                }
            })
            .collect();
        if !on_row(line, cells)? {
            return Ok(());
        }
    }
    if quotes.borrow().state == Quoting::Quoted {
        // The last record ran to the end of the file inside quotes. The error fails the
        // import, so nothing of the file is stored.
        return Err(ReadError::data(unclosed_quote(file, &quotes.borrow(), true)));
    }
    Ok(())
}

/// A table read from a file: rows of text cells with the row number a user sees.
#[derive(Debug, Clone, Default)]
pub struct RawTable {
    /// File name for messages.
    pub file: String,
    /// Sheet name, for spreadsheets.
    pub sheet: Option<String>,
    /// (row number as shown by a spreadsheet program, cells).
    pub rows: Vec<(usize, Vec<String>)>,
}

impl RawTable {
    /// The location of a cell of this table, for a [`crate::error::Problem`].
    pub fn loc(&self, row: usize, column: Option<&str>) -> Location {
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
pub fn read_tables(path: &Path, delimiter: Option<u8>) -> Result<Vec<RawTable>> {
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
pub fn tables_from_bytes(name: &str, bytes: &[u8], delimiter: Option<u8>) -> Result<Vec<RawTable>> {
    let mut src = std::io::Cursor::new(bytes);
    tables_from(name, Path::new(name), &mut src, bytes.len() as u64, delimiter)
}

/// The refusal of `--delimiter` for a file that is not delimited text.
pub fn delimiter_for_text_only(file: &str, format: Format) -> Error {
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
    check_container(file, f, size, &limits)?;
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
pub fn csv_table(file: &str, bytes: Vec<u8>) -> Result<RawTable> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(bytes: &[u8]) -> Vec<(usize, Vec<String>)> {
        let mut out = Vec::new();
        read(
            "x.csv",
            std::io::Cursor::new(bytes),
            Format::Csv,
            None,
            &Limits::for_size(bytes.len() as u64),
            &mut |_| {},
            &mut |n, cells| {
                out.push((n, cells.iter().map(Cell::text).collect()));
                Ok(true)
            },
        )
        .unwrap();
        out
    }

    #[test]
    fn csv_rows_carry_the_line_a_user_sees() {
        let r = rows(b"\xEF\xBB\xBFa;b\r\nc;d\r\n\"e\nf\";g\r\n\r\nh;i\r\n");
        let lines: Vec<usize> = r.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 3, 6]);
        assert_eq!(r[2].1, vec!["e\nf", "g"]);
    }

    #[test]
    fn long_csv_streams_with_exact_line_numbers() {
        // Past the 64 KiB delimiter sample and the buffer compaction: every third record has
        // a quoted newline, blank lines sit between some records, lines end in CRLF.
        let mut text = String::from("\u{FEFF}id;note\r\n");
        let mut expected = vec![(1, "id".to_string())];
        let mut line = 2;
        for i in 0..20_000 {
            if i % 7 == 0 {
                text.push_str("\r\n");
                line += 1;
            }
            if i % 3 == 0 {
                text.push_str(&format!("r{i};\"two\nlines\"\r\n"));
                expected.push((line, format!("r{i}")));
                line += 2;
            } else {
                text.push_str(&format!("r{i};plain\r\n"));
                expected.push((line, format!("r{i}")));
                line += 1;
            }
        }
        assert!(text.len() > 300_000);
        let got: Vec<(usize, String)> = rows(text.as_bytes())
            .into_iter()
            .map(|(n, cells)| (n, cells[0].clone()))
            .collect();
        assert_eq!(got.len(), expected.len());
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e);
        }
    }

    #[test]
    fn an_unclosed_quote_is_refused_naming_its_line() {
        let mut text = String::from("a,b\n");
        for i in 2..10 {
            text.push_str(&format!("r{i},x\n"));
        }
        text.push_str("r10,\"opened here\n");
        for i in 11..=2000 {
            text.push_str(&format!("r{i},y\n"));
        }
        let err = read(
            "x.csv",
            std::io::Cursor::new(text.clone().into_bytes()),
            Format::Csv,
            None,
            &Limits::for_size(text.len() as u64),
            &mut |_| {},
            &mut |_, _| Ok(true),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("line 10: a quoted field starts here and is never closed"),
            "{err}"
        );
        // Quoted newlines and doubled quotes that do close are fine.
        let ok = rows(b"a,b\n\"x\ny\",\"say \"\"hi\"\"\"\nc,d\n");
        assert_eq!(ok.len(), 3);
        assert_eq!(ok[1].1, vec!["x\ny", "say \"hi\""]);
        // A quoted field that runs on for megabytes stops early instead of filling memory.
        let mut big = String::from("a,b\nr,\"");
        big.push_str(&"z".repeat(3 << 20));
        let err = read(
            "x.csv",
            std::io::Cursor::new(big.clone().into_bytes()),
            Format::Csv,
            None,
            &Limits::for_size(big.len() as u64),
            &mut |_| {},
            &mut |_, _| Ok(true),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("line 2: a quoted field starts here and runs past"),
            "{err}"
        );
    }

    #[test]
    fn invalid_utf8_in_a_streamed_csv_names_the_line() {
        let mut bytes = b"a,b\n".repeat(30_000);
        bytes.extend_from_slice(b"x,\xFF\xFE\n");
        let err = read(
            "x.csv",
            std::io::Cursor::new(bytes.clone()),
            Format::Csv,
            None,
            &Limits::for_size(bytes.len() as u64),
            &mut |_| {},
            &mut |_, _| Ok(true),
        )
        .unwrap_err();
        assert!(
            err.message.contains("line 30001, column B") && err.message.contains("UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn formats_are_decided_by_content() {
        let p = Path::new("evidence.xlsx");
        let sniff = |f: &str, p: &Path, b: &[u8]| sniff(f, p, &mut std::io::Cursor::new(b.to_vec()));
        let e = sniff("evidence.xlsx", p, b"control_id,title\nGV.OC-01,x\n").unwrap_err();
        assert!(e.message.contains("holds CSV text") && !e.unreadable, "{e}");
        let empty = sniff("e.xlsx", p, b"").unwrap_err();
        assert!(empty.message.contains("empty") && empty.unreadable);
        let truncated = sniff("e.xlsx", p, b"PK\x03\x04garbage").unwrap_err();
        assert!(truncated.message.contains("truncated") && truncated.unreadable);
        let html = sniff("e.xls", Path::new("e.xls"), b"\r\n<!DOCTYPE html><html><table>").unwrap_err();
        assert!(html.message.contains("an HTML page"), "{html}");
        assert_eq!(sniff("e.csv", Path::new("e.csv"), b"a,b\n").unwrap(), Format::Csv);
        assert_eq!(sniff("e", Path::new("e"), b"a,b\n").unwrap(), Format::Csv);
    }

    #[test]
    fn date_cells_read_as_iso_text() {
        let at = |y, m, d, h, min, sec| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .and_then(|x| x.and_hms_opt(h, min, sec))
                .unwrap()
        };
        assert_eq!(Cell::Date(Some(at(2025, 3, 7, 0, 0, 0))).text(), "2025-03-07");
        assert_eq!(
            Cell::Date(Some(at(2025, 12, 31, 9, 5, 1))).text(),
            "2025-12-31T09:05:01"
        );
        assert_eq!(Cell::Date(Some(at(987, 1, 2, 0, 0, 0))).text(), "0987-01-02");
    }

    /// An ods file with `content` as the body of its spreadsheet.
    fn ods(tables: &str) -> Vec<u8> {
        use std::io::Write;
        let content = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
        );
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        z.start_file("mimetype", stored).unwrap();
        z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        z.start_file("META-INF/manifest.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
        z.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(content.as_bytes()).unwrap();
        z.finish().unwrap().into_inner()
    }

    /// A sheet's name and its rows (row number, cells).
    type Sheet = (String, Vec<(usize, Vec<Cell>)>);

    /// Every row of every sheet of `bytes` (an ods file) as csfkit's reader streams them.
    fn ods_rows(bytes: &[u8]) -> Result<Vec<Sheet>, ReadError> {
        let mut out = Vec::new();
        for name in sheet_names("t.ods", std::io::Cursor::new(bytes), Format::Ods)? {
            let mut rows = Vec::new();
            read(
                "t.ods",
                std::io::Cursor::new(bytes),
                Format::Ods,
                Some(&name),
                &Limits::for_size(bytes.len() as u64),
                &mut |_| {},
                &mut |n, cells| {
                    rows.push((n, cells));
                    Ok(true)
                },
            )?;
            out.push((name, rows));
        }
        Ok(out)
    }

    #[test]
    fn ods_streams_the_rows_calamine_reads() {
        let cell = |v: &str| {
            format!(
                r#"<table:table-cell office:value-type="string" calcext:value-type="string"><text:p>{v}</text:p></table:table-cell>"#
            )
        };
        let tables = format!(
            r#"<table:table table:name="Tracker"><table:table-column table:number-columns-repeated="4"/><table:table-header-rows><table:table-row>{h1}{h2}{h3}<table:table-cell table:number-columns-repeated="2"/>{h4}</table:table-row></table:table-header-rows><table:table-row table:number-rows-repeated="3"><table:table-cell table:number-columns-repeated="1024"/></table:table-row><table:table-row>{id}<table:table-cell office:value-type="string"><text:p>two  <text:s text:c="3"/>spaces<text:tab/>tab</text:p><text:p>second <text:span>span</text:span> and <text:a>link</text:a><text:line-break/>break &amp; &#x263A;</text:p><office:annotation><dc:creator>x</dc:creator><text:p>a comment</text:p></office:annotation></table:table-cell><table:table-cell office:value-type="float" office:value="42.5"><text:p>42.5</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2026-10-01T14:30:00"><text:p>01/10/2026</text:p></table:table-cell><table:table-cell office:value-type="percentage" office:value="0.25"/><table:table-cell office:value-type="boolean" office:boolean-value="true"/></table:table-row><table:table-row table:number-rows-repeated="2">{id}<table:table-cell table:number-columns-repeated="3" office:value-type="string"><text:p>same</text:p></table:table-cell><table:table-cell office:value-type="string" calcext:value-type="error" office:string-value=""><text:p>#N/A</text:p></table:table-cell><table:covered-table-cell office:value-type="time" office:time-value="PT10H30M00S"/><table:table-cell office:value-type="string" office:string-value="from the attribute"><text:p>shown</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row></table:table><table:table table:name="Second"><table:table-row><table:table-cell/>{x}</table:table-row></table:table>"#,
            h1 = cell("control_id"),
            h2 = cell("title"),
            h3 = cell("note"),
            h4 = cell("far"),
            id = cell("GV.OC-01"),
            x = cell("x"),
        );
        let bytes = ods(&tables);
        let ours = ods_rows(&bytes).unwrap();
        // calamine, whole: the same sheets, rows, columns and values.
        let mut wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.clone())).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names, vec!["Tracker", "Second"]);
        let mut theirs = Vec::new();
        for name in &names {
            let range = wb.worksheet_range(name).unwrap();
            let (r0, c0) = range.start().unwrap();
            let mut rows: Vec<(usize, Vec<Cell>)> = Vec::new();
            for (i, j, d) in range.cells() {
                let v = Cell::from_data(d);
                if v.is_blank() {
                    continue;
                }
                let (r, c) = ((r0 as usize) + i + 1, (c0 as usize) + j);
                if rows.last().is_none_or(|(n, _)| *n != r) {
                    rows.push((r, Vec::new()));
                }
                let cells = &mut rows.last_mut().unwrap().1;
                if cells.len() <= c {
                    cells.resize(c + 1, Cell::Empty);
                }
                cells[c] = v;
            }
            theirs.push((name.clone(), rows));
        }
        assert_eq!(ours, theirs);
        let tracker = &ours[0].1;
        assert_eq!(
            tracker.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            vec![1, 5, 6, 7]
        );
        assert_eq!(
            tracker[1].1[1],
            Cell::Text("two     spaces\ttab\nsecond span and link\nbreak & \u{263A}".into())
        );
        assert_eq!(tracker[2].1[4], Cell::Text("#N/A".into()));
        assert_eq!(tracker[2].1[1], Cell::Text("same".into()));
        assert_eq!(tracker[2].1[3], Cell::Text("same".into()));
        assert_eq!(tracker[0].1[5], Cell::Text("far".into()));
    }

    #[test]
    fn ods_repeats_are_counted_before_they_are_expanded() {
        let row = |times: u64, cells: &str| {
            format!(r#"<table:table-row table:number-rows-repeated="{times}">{cells}</table:table-row>"#)
        };
        let v = r#"<table:table-cell office:value-type="string"><text:p>v</text:p></table:table-cell>"#;
        let sheet = |rows: String| format!(r#"<table:table table:name="S">{rows}</table:table>"#);
        // Past the sheet's last row: refused at once, naming the row and the repeat.
        let e = ods_rows(&ods(&sheet(row(1, v) + &row(1_900_000, &v.repeat(20))))).unwrap_err();
        assert!(
            e.message.contains("sheet `S`, row 2") && e.message.contains("1900000 times") && !e.unreadable,
            "{e}"
        );
        // More copies than the duplicates allowance.
        let e = ods_rows(&ods(&sheet(row(10_002, v)))).unwrap_err();
        assert!(e.message.contains("more than 10000 rows"), "{e}");
        assert_eq!(ods_rows(&ods(&sheet(row(10_001, v)))).unwrap()[0].1.len(), 10_001);
        // A value repeated across more columns than a tracker has.
        let wide = r#"<table:table-cell table:number-columns-repeated="2000" office:value-type="string"><text:p>v</text:p></table:table-cell>"#;
        let e = ods_rows(&ods(&sheet(row(1, wide)))).unwrap_err();
        assert!(e.message.contains("more than 1024 columns"), "{e}");
        // Empty rows and cells cost nothing however often they repeat.
        let empty = r#"<table:table-cell table:number-columns-repeated="16384"/>"#;
        let rows = ods_rows(&ods(&sheet(row(1_000_000, empty) + &row(1, v)))).unwrap();
        assert_eq!(rows[0].1[0].0, 1_000_001);
        // A space count that would fill memory.
        let spaces = r#"<table:table-cell office:value-type="string"><text:p><text:s text:c="4000000000"/></text:p></table:table-cell>"#;
        let e = ods_rows(&ods(&sheet(row(1, spaces)))).unwrap_err();
        assert!(e.message.contains("more than 32767 characters"), "{e}");
    }

    #[test]
    fn the_delimiter_is_counted_outside_quoted_fields() {
        assert_eq!(
            detect_delimiter("control_id,title,note\nGV.OC-01,x,\"a; b; c; d; e; f; g; h\"\n"),
            b','
        );
        assert_eq!(detect_delimiter("a;b\n\"x, y, z, w\";\"p, q\"\n"), b';');
        assert_eq!(detect_delimiter("a|b|c\n1| \"p, q, r, s\"|3\n"), b'|');
        assert_eq!(detect_delimiter("a\tb\tc\n\"x;y;z;w\"\t2\t3\n"), b'\t');
        // A quoted field spanning lines, with doubled quotes inside.
        assert_eq!(
            detect_delimiter("id,note\r\n1,\"line one; \"\"quoted\"\"; a\nline two; b; c; d\"\r\n"),
            b','
        );
        // A quote inside an unquoted field opens nothing.
        assert_eq!(
            detect_delimiter("size;model;price\n5\" screen, matte;X1;9\n"),
            b';'
        );
        // Title rows without delimiters above the header; none at all gives `,`.
        assert_eq!(detect_delimiter("Evidence tracker\n\nid;title\n"), b';');
        assert_eq!(detect_delimiter("just one column\n"), b',');
    }

    #[test]
    fn column_letters_follow_spreadsheets() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }
}
