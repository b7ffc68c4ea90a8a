//! OpenDocument spreadsheets (ods) read as a stream: `content.xml` is parsed event by event and
//! each sheet's cells are handed on row by row, so memory does not grow with the sheet.
//!
//! calamine reads an ods file whole and expands every repeated row and cell
//! (`table:number-rows-repeated`, `table:number-columns-repeated`) into its range before a
//! caller sees any: an 852-byte file repeating a 20-cell row 1,900,000 times took 2.9 GB. Here
//! repeats are counted, not expanded: empty rows and cells only move the row and column numbers
//! on, and a repeated row with values is checked against the limits before its first copy is
//! handed on (see [`stream_sheet`]). Cell values are read as calamine reads them (the same
//! attributes, paragraphs joined by line breaks, `text:s` spaces, tabs, line breaks, comments
//! left out), so rows come out the same.

use std::io::{BufReader, Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::cell::{Cell, Limits, ReadError, column_letters};

/// The rows an ods sheet has (LibreOffice's and Excel's limit): a row with values repeated past
/// it is not a spreadsheet's.
pub(super) const SHEET_ROWS: u64 = 1_048_576;

/// Rows with values that repetition may add to a sheet. Such rows are copies of the row before
/// them, which csfkit's imports reject as duplicates: a few are reported row by row like any
/// others; more are refused at once, before a copy is made, so that a file of a few hundred
/// bytes cannot make a million rows.
pub(super) const MAX_REPEATED_ROWS: u64 = 10_000;

type Content<'a, R> = Reader<BufReader<zip::read::ZipFile<'a, R>>>;

fn damaged(file: &str, e: &dyn std::fmt::Display) -> ReadError {
    ReadError::unreadable(format!(
        "{file}: cannot read an OpenDocument spreadsheet (ods): {e}; the file is damaged or not what its content claims: open it in a spreadsheet program and save a new copy"
    ))
}

fn open_archive<R: Read + Seek>(file: &str, src: R) -> Result<zip::ZipArchive<R>, ReadError> {
    let mut archive = zip::ZipArchive::new(src).map_err(|e| {
        ReadError::unreadable(format!(
            "{file}: the file is truncated or damaged (not a readable zip container: {e})"
        ))
    })?;
    // A text document or a presentation has a content.xml too; its mimetype tells.
    if let Ok(mut mimetype) = archive.by_name("mimetype") {
        let mut kind = Vec::new();
        mimetype
            .by_ref()
            .take(256)
            .read_to_end(&mut kind)
            .map_err(|e| damaged(file, &e))?;
        if !kind.starts_with(b"application/vnd.oasis.opendocument.spreadsheet") {
            return Err(ReadError::data(format!(
                "{file}: an OpenDocument file that is not a spreadsheet (mimetype `{}`); expected an ods spreadsheet",
                String::from_utf8_lossy(&kind).trim()
            )));
        }
    }
    // An encrypted document says so in its manifest (its entries are not zip-encrypted).
    if let Ok(mut manifest) = archive.by_name("META-INF/manifest.xml") {
        let mut text = Vec::new();
        manifest
            .by_ref()
            .take(4 << 20)
            .read_to_end(&mut text)
            .map_err(|e| damaged(file, &e))?;
        if text.windows(24).any(|w| w == b"manifest:encryption-data") {
            return Err(ReadError::unreadable(format!(
                "{file}: the workbook is encrypted (password protected); save an unprotected copy"
            )));
        }
    }
    Ok(archive)
}

fn content<'a, R: Read + Seek>(
    file: &str,
    archive: &'a mut zip::ZipArchive<R>,
) -> Result<Content<'a, R>, ReadError> {
    let entry = archive
        .by_name("content.xml")
        .map_err(|e| damaged(file, &format!("content.xml: {e}")))?;
    let mut reader = Reader::from_reader(BufReader::with_capacity(1 << 16, entry));
    let config = reader.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    Ok(reader)
}

fn attr(file: &str, e: &BytesStart<'_>, name: &str) -> Result<Option<String>, ReadError> {
    match e.try_get_attribute(name) {
        Ok(Some(a)) => quick_xml::escape::unescape(&a.value)
            .map(|v| Some(v.into_owned()))
            .map_err(|err| damaged(file, &err)),
        Ok(None) => Ok(None),
        Err(err) => Err(damaged(file, &err)),
    }
}

/// A repeat count attribute (`table:number-rows-repeated`, `table:number-columns-repeated`):
/// at least 1.
fn repeats(file: &str, e: &BytesStart<'_>, name: &str) -> Result<u64, ReadError> {
    match attr(file, e, name)? {
        None => Ok(1),
        Some(v) => match v.trim().parse::<u64>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(damaged(file, &format!("{name}=\"{v}\" is not a count"))),
        },
    }
}

/// Skips the element just started, with everything inside it.
fn skip<R: Read + Seek>(file: &str, reader: &mut Content<'_, R>, buf: &mut Vec<u8>) -> Result<(), ReadError> {
    let mut depth = 1usize;
    while depth > 0 {
        buf.clear();
        match reader.read_event_into(buf) {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(Event::Eof) => return Err(damaged(file, &"content.xml ends inside an element")),
            Ok(_) => {}
            Err(e) => return Err(damaged(file, &e)),
        }
    }
    Ok(())
}

/// The sheet names of an ods file, in order, read from `content.xml` without reading the sheets.
pub(super) fn sheet_names<R: Read + Seek>(file: &str, src: R) -> Result<Vec<String>, ReadError> {
    let mut archive = open_archive(file, src)?;
    let mut reader = content(file, &mut archive)?;
    let mut names = Vec::new();
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                if let Some(name) = attr(file, &e, "table:name")? {
                    names.push(name);
                }
                skip(file, &mut reader, &mut buf)?;
            }
            Ok(Event::Eof) => return Ok(names),
            Ok(_) => {}
            Err(e) => return Err(damaged(file, &e)),
        }
    }
}

/// One cell's value as calamine reads it: the first value attribute (`office:value`,
/// `office:string-value`, `office:date-value`, `office:time-value`, `office:boolean-value`), or
/// for a string without `office:string-value` (and an error, whose text LibreOffice keeps in
/// the content) the text of its paragraphs. Reads to the end of the cell. Text longer than a
/// cell may hold is refused.
fn cell_value<R: Read + Seek>(
    file: &str,
    at: &dyn Fn() -> String,
    reader: &mut Content<'_, R>,
    e: &BytesStart<'_>,
    buf: &mut Vec<u8>,
    limits: &Limits,
) -> Result<Cell, ReadError> {
    let mut value: Option<Cell> = None;
    let mut string = false;
    let mut error = false;
    for a in e.attributes().with_checks(false) {
        let a = a.map_err(|err| damaged(file, &err))?;
        let key = a.key.as_ref();
        // Unescaped as calamine does it (no attribute-value normalisation).
        let text = || quick_xml::escape::unescape(&a.value).map_err(|err| damaged(file, &err));
        match key {
            "office:value" if value.is_none() => {
                let v = text()?;
                let n = v.trim().parse::<f64>().map_err(|_| {
                    ReadError::data(format!(
                        "{}: office:value=\"{v}\" is not a number; the file is damaged: open it in a spreadsheet program and save a new copy",
                        at()
                    ))
                })?;
                value = Some(Cell::Number(n));
            }
            "office:string-value" if value.is_none() => value = Some(Cell::Text(text()?.into_owned())),
            "office:date-value" if value.is_none() => value = Some(Cell::DateIso(text()?.into_owned())),
            "office:time-value" if value.is_none() => value = Some(Cell::Text(text()?.into_owned())),
            "office:boolean-value" if value.is_none() => {
                let v = text()?;
                value = Some(Cell::Bool(v == "TRUE" || v == "true"));
            }
            "office:value-type" if value.is_none() => string = text()? == "string",
            "calcext:value-type" => error = text()? == "error",
            _ => {}
        }
    }
    let from_content =
        (value.is_none() && string) || (error && matches!(&value, Some(Cell::Text(s)) if s.is_empty()));
    if !from_content {
        skip(file, reader, buf)?;
        return Ok(value.unwrap_or(Cell::Empty));
    }
    let too_long = || {
        ReadError::data(format!(
            "{}: the cell holds more than {} characters (a spreadsheet cell's limit); the file is damaged or not a tracker",
            at(),
            limits.max_cell_chars
        ))
    };
    // Bytes, not characters, are counted while reading: at most 4 a character.
    let max_bytes = limits.max_cell_chars.saturating_mul(4);
    let mut s = String::new();
    let mut first_paragraph = true;
    let mut depth = 1usize;
    loop {
        buf.clear();
        match reader.read_event_into(buf) {
            Ok(Event::Text(t)) => s.push_str(&t.xml10_content()),
            Ok(Event::GeneralRef(r)) => {
                if let Some(x) = quick_xml::escape::resolve_xml_entity(r.as_ref()) {
                    s.push_str(x);
                } else if let Ok(Some(c)) = r.resolve_char_ref() {
                    s.push(c);
                } else {
                    return Err(damaged(file, &format!("unknown entity `&{};`", r.as_ref())));
                }
            }
            Ok(Event::Start(e)) => {
                depth += 1;
                match e.name().as_ref() {
                    // Comments are not the cell's value.
                    "office:annotation" => {
                        skip(file, reader, buf)?;
                        depth -= 1;
                    }
                    "text:p" if first_paragraph => first_paragraph = false,
                    "text:p" => s.push('\n'),
                    "text:s" => {
                        let n = repeats(file, &e, "text:c")?;
                        if n > max_bytes as u64 {
                            return Err(too_long());
                        }
                        s.extend(std::iter::repeat_n(' ', usize::try_from(n).unwrap_or(usize::MAX)));
                    }
                    "text:tab" => s.push('\t'),
                    "text:line-break" => s.push('\n'),
                    _ => {}
                }
            }
            Ok(Event::End(_)) => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Ok(Event::Eof) => return Err(damaged(file, &"content.xml ends inside a cell")),
            Ok(_) => {}
            Err(e) => return Err(damaged(file, &e)),
        }
        if s.len() > max_bytes {
            return Err(too_long());
        }
    }
    if s.chars().count() > limits.max_cell_chars {
        return Err(too_long());
    }
    Ok(Cell::Text(s))
}

/// Streams the cells of sheet `name` with values to `cell` as (row, column, value), both 0-based
/// and counting repeats, in document order; `cell` returns false to stop. Empty rows and cells
/// are not handed on, however often they repeat. A row with values is read once, checked, and
/// handed on once per repetition: refused before its first copy when the repeats would run past
/// the sheet's last row ([`SHEET_ROWS`]) or, counted over the sheet, add more than
/// [`MAX_REPEATED_ROWS`] rows; a cell with a value repeated past `limits.max_cols` columns is
/// refused before it is copied. (The row limit of `limits` is the caller's, on the rows it is
/// handed.)
pub(super) fn stream_sheet<R: Read + Seek>(
    file: &str,
    src: R,
    name: &str,
    limits: &Limits,
    cell: &mut dyn FnMut(u32, u32, Cell) -> Result<bool, ReadError>,
) -> Result<(), ReadError> {
    let mut archive = open_archive(file, src)?;
    let mut reader = content(file, &mut archive)?;
    let mut buf = Vec::with_capacity(1024);
    let mut cell_buf = Vec::with_capacity(1024);
    // Find the sheet.
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table" => {
                if attr(file, &e, "table:name")?.as_deref() == Some(name) {
                    break;
                }
                skip(file, &mut reader, &mut buf)?;
            }
            Ok(Event::Eof) => {
                return Err(ReadError::data(format!("{file}: no sheet named `{name}`")));
            }
            Ok(_) => {}
            Err(e) => return Err(damaged(file, &e)),
        }
    }
    let sheet_at = |row: u64| format!("{file}, sheet `{name}`, row {}", row + 1);
    let max_cols = limits.max_cols as u64;
    let mut row: u64 = 0;
    let mut repeated_rows: u64 = 0;
    let mut cells: Vec<(u32, Cell)> = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.name().as_ref() == "table:table-row" => {
                let times = repeats(file, &e, "table:number-rows-repeated")?;
                // The row's cells with values, each repeated cell copied (within the columns
                // allowed).
                cells.clear();
                let mut col: u64 = 0;
                loop {
                    buf.clear();
                    match reader.read_event_into(&mut buf) {
                        Ok(Event::Start(c))
                            if matches!(
                                c.name().as_ref(),
                                "table:table-cell" | "table:covered-table-cell"
                            ) =>
                        {
                            let n = repeats(file, &c, "table:number-columns-repeated")?;
                            let at = || format!("{}, column {}", sheet_at(row), column_letters(col as usize));
                            let v = cell_value(file, &at, &mut reader, &c, &mut cell_buf, limits)?;
                            if !v.is_blank() {
                                if col.saturating_add(n) > max_cols {
                                    return Err(ReadError::data(format!(
                                        "{}: a value repeated {n} times (table:number-columns-repeated) from column {} runs past column {}; more than {} columns is not an evidence tracker (limit)",
                                        sheet_at(row),
                                        column_letters(col as usize),
                                        column_letters(limits.max_cols - 1),
                                        limits.max_cols
                                    )));
                                }
                                for k in 0..n {
                                    cells.push(((col + k) as u32, v.clone()));
                                }
                            }
                            col = col.saturating_add(n);
                        }
                        Ok(Event::Start(_)) => skip(file, &mut reader, &mut buf)?,
                        Ok(Event::End(_)) => break,
                        Ok(Event::Eof) => return Err(damaged(file, &"content.xml ends inside a row")),
                        Ok(_) => {}
                        Err(e) => return Err(damaged(file, &e)),
                    }
                }
                if cells.is_empty() {
                    row = row.saturating_add(times);
                    continue;
                }
                if row.saturating_add(times) > SHEET_ROWS {
                    return Err(ReadError::data(format!(
                        "{}: a row with values is repeated {times} times (table:number-rows-repeated), past row {SHEET_ROWS}, the last row a sheet has; the file is damaged or made to exhaust memory and was not read",
                        sheet_at(row)
                    )));
                }
                repeated_rows = repeated_rows.saturating_add(times - 1);
                if repeated_rows > MAX_REPEATED_ROWS {
                    return Err(ReadError::data(format!(
                        "{}: a row with values is repeated {times} times (table:number-rows-repeated); the copies of repeated rows add more than {MAX_REPEATED_ROWS} rows to the sheet (each a copy of the row before it, which an import rejects as a duplicate): delete the repeated rows and save the file again",
                        sheet_at(row)
                    )));
                }
                for k in 0..times {
                    let r = u32::try_from(row + k).unwrap_or(u32::MAX);
                    for (c, v) in &cells {
                        if !cell(r, *c, v.clone())? {
                            return Ok(());
                        }
                    }
                }
                row += times;
            }
            Ok(Event::Start(e))
                if matches!(
                    e.name().as_ref(),
                    "table:table-header-rows" | "table:table-rows" | "table:table-row-group"
                ) => {}
            Ok(Event::Start(_)) => skip(file, &mut reader, &mut buf)?,
            Ok(Event::End(e)) if e.name().as_ref() == "table:table" => return Ok(()),
            Ok(Event::End(_)) => {}
            Ok(Event::Eof) => return Err(damaged(file, &"content.xml ends inside a sheet")),
            Ok(_) => {}
            Err(e) => return Err(damaged(file, &e)),
        }
    }
}
