//! Tests of the table reader: CSV rows and lines, unclosed quotes, formats by content, date
//! cells, ods streams and repeats, the delimiter, column letters.

use calamine::Reader;

use super::csv::detect_delimiter;
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
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
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
