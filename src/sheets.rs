//! Reading a CSV file or every sheet of a workbook into [`RawTable`]s of text cells with the
//! row numbers a user sees, for the matrix importers.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Reader};

use crate::error::{Error, Result};
use crate::mapping::RawTable;

/// Text of a cell as a person would read it; dates as ISO.
pub fn cell_text(c: &Data) -> String {
    match c {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::DateTime(d) => d
            .as_datetime()
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| d.as_f64().to_string()),
        Data::Error(e) => format!("#{e:?}"),
        other => other.to_string(),
    }
}

/// Reads `path`: a spreadsheet (decided by content) gives one table per sheet, anything else is
/// read as CSV (BOM removed, `,` `;` tab or `|` delimiter).
pub fn read_tables(path: &Path) -> Result<Vec<RawTable>> {
    let bytes = std::fs::read(path).map_err(|e| Error::InputMissing {
        path: path.into(),
        source: e,
    })?;
    let file = path.display().to_string();
    if bytes.is_empty() {
        return Err(Error::Data(format!("{file}: the file is empty")));
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        let mut wb = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes))
            .map_err(|e| Error::Data(format!("{file}: cannot read the workbook: {e}")))?;
        let mut out = Vec::new();
        for name in wb.sheet_names() {
            let range = wb
                .worksheet_range(&name)
                .map_err(|e| Error::Data(format!("{file}, sheet `{name}`: {e}")))?;
            let first = range.start().map_or(0, |(r, _)| r as usize);
            let first_col = range.start().map_or(0, |(_, c)| c as usize);
            let rows = range
                .rows()
                .enumerate()
                .map(|(i, r)| {
                    let mut cells = vec![String::new(); first_col];
                    cells.extend(r.iter().map(cell_text));
                    (first + i + 1, cells)
                })
                .collect();
            out.push(RawTable {
                file: file.clone(),
                sheet: Some(name),
                rows,
            });
        }
        return Ok(out);
    }
    Ok(vec![read_csv(&file, bytes)?])
}

/// Reads CSV bytes (BOM removed; `,` `;` tab or `|` delimiter, whichever the first line uses
/// most) into a table whose row numbers are line numbers.
pub fn read_csv(file: &str, bytes: Vec<u8>) -> Result<RawTable> {
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Data(format!("{file}: not a spreadsheet and not UTF-8 text")))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let delimiter = crate::workbook::detect_delimiter(text);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    // The csv crate's own line numbers lag by one after a CRLF, so count them here from the
    // record's byte offset: the row number a user sees is the line the record starts on.
    let newlines: Vec<usize> = text
        .bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i)
        .collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| Error::Data(format!("{file}: {e}")))?;
        let mut start = rec.position().map_or(0, |p| p.byte() as usize);
        while matches!(text.as_bytes().get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        let line = newlines.partition_point(|n| *n < start) + 1;
        rows.push((line, rec.iter().map(str::to_string).collect()));
    }
    Ok(RawTable {
        file: file.to_string(),
        sheet: None,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_rows_carry_the_line_a_user_sees_even_with_crlf_and_quoted_newlines() {
        let t = read_csv(
            "x.csv",
            b"\xEF\xBB\xBFa;b\r\nc;d\r\n\"e\nf\";g\r\n\r\nh;i\r\n".to_vec(),
        )
        .unwrap();
        let lines: Vec<usize> = t.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![1, 2, 3, 6]);
        assert_eq!(t.rows[0].1, vec!["a", "b"]);
        assert_eq!(t.rows[2].1, vec!["e\nf", "g"]);
    }
}
