//! Hostile and careless input, second round (issue 22, items 14, 16, 19, 20, 22): the CSV
//! delimiter counted outside quotes and `--delimiter` on every import; impossible times in cells
//! and flags refused, not cut off; control characters from files shown escaped on the terminal
//! (kept exactly in CSV and JSON); `--as-of` bounded to what every output can write; ods files
//! whose repeated rows and cells are counted against the limits before anything is expanded.

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::util::{Workdir, field, have_tool, reference};

/// The evidence rows of the catalogue, by the JSON listing (which keeps every character).
fn evidence(w: &Workdir) -> Vec<Value> {
    w.run(&["evidence", "list", "--format", "json"])
        .ok()
        .json()
        .as_array()
        .unwrap()
        .clone()
}

// ---------------------------------------------------------------------------------------------
// Item 14: the delimiter of a CSV is guessed outside quoted cells; --delimiter on every import.

#[test]
fn a_comma_csv_whose_quoted_cells_hold_semicolons_and_pipes_imports_as_comma_separated() {
    let w = Workdir::new();
    w.write(
        "tracker.csv",
        "control_id,title,owner\r\n\
GV.OC-01,\"a; b; c; d; e; f; g; h\",x\r\n\
GV.OC-02,\"p | q | r | s | t | u\",y\r\n",
    );
    let run = w.run(&["evidence", "import", "tracker.csv"]).ok();
    assert!(run.stderr.contains("2 new evidence rows"), "{}", run.stderr);
    let rows = evidence(&w);
    assert_eq!(rows[0]["title"], "a; b; c; d; e; f; g; h");
    assert_eq!(rows[1]["title"], "p | q | r | s | t | u");
    assert_eq!(rows[1]["owner"], "y");
}

#[test]
fn the_readmes_semicolon_separated_milestones_import_from_a_comma_csv() {
    let w = Workdir::new();
    w.write(
        "plans.csv",
        "Control ID,Due,Owner,Action,Milestones\n\
PR.AA-01,2027-03-31,J. Doe,Enforce MFA,\"2027-01-15: MFA for admins; 2027-01-22: pilot; 2027-02-01: MFA for staff; 2027-02-15: tokens; 2027-03-01: legacy off; 2027-03-15: audit\"\n",
    );
    w.run(&["plan", "import", "plans.csv"]).ok();
    let list = w.run(&["plan", "list", "--format", "json"]).ok().json();
    let milestones = list[0]["milestones"].as_str().unwrap();
    // Five `;` in the cell against four `,` in each line: counted inside quotes, `;` won.
    assert_eq!(milestones.matches("2027-").count(), 6, "{milestones}");
    assert!(milestones.contains("2027-03-15: audit"), "{milestones}");
}

#[test]
fn delimiter_is_taken_by_evidence_assess_plan_and_mapping_import() {
    let w = Workdir::new();
    // `;`-separated, but the unquoted titles hold more commas than the lines hold `;`: the
    // guess would take `,`, --delimiter says otherwise.
    w.write(
        "evidence.csv",
        "control_id;title\nGV.OC-01;review, signed, filed, archived\n",
    );
    w.run(&["evidence", "import", "evidence.csv", "--delimiter", ";"])
        .ok();
    assert_eq!(evidence(&w)[0]["title"], "review, signed, filed, archived");

    w.write(
        "status.tsv",
        "Control ID\tStatus\tNote\nGV.OC-01\timplemented\tdone, checked, signed\n",
    );
    w.run(&["assess", "import", "status.tsv", "--delimiter", "tab"])
        .ok();
    let history = w.run(&["assess", "history", "--format", "json"]).ok().json();
    assert_eq!(history[0]["note"], "done, checked, signed");

    w.write(
        "plans.csv",
        "Control ID|Due|Owner|Action\nPR.AA-01|2027-03-31|Doe, J.|Enforce MFA, then tokens, then audit\n",
    );
    w.run(&["plan", "import", "plans.csv", "--delimiter", "|"]).ok();
    let plans = w.run(&["plan", "list", "--format", "json"]).ok().json();
    assert_eq!(plans[0]["owner"], "Doe, J.");

    // A whole matrix written with `;` reads back cell for cell.
    let shipped = w
        .run(&["mapping", "export", "--provider", "datacrunch"])
        .ok()
        .stdout;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(shipped.as_bytes());
    let mut out = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
    for r in rdr.records() {
        out.write_record(&r.unwrap()).unwrap();
    }
    w.write("acme.csv", out.into_inner().unwrap());
    w.run(&[
        "mapping",
        "import",
        "acme.csv",
        "--provider",
        "acme",
        "--delimiter",
        ";",
    ])
    .ok();
    let back = w.run(&["mapping", "export", "--provider", "acme"]).ok().stdout;
    assert_eq!(back, shipped);
}

#[test]
fn delimiter_is_refused_for_a_workbook_and_for_an_unknown_character() {
    let w = Workdir::new();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "control_id").unwrap();
    ws.write_string(0, 1, "title").unwrap();
    ws.write_string(1, 0, "GV.OC-01").unwrap();
    ws.write_string(1, 1, "x").unwrap();
    wb.save(w.path().join("t.xlsx")).unwrap();
    w.run(&["evidence", "import", "t.xlsx", "--delimiter", ";"])
        .code(2)
        .stderr_has("--delimiter is for CSV and TSV files; `t.xlsx` is an Excel workbook (xlsx)");
    w.run(&["assess", "import", "t.xlsx", "--delimiter", ";"])
        .code(2)
        .stderr_has("--delimiter is for CSV and TSV files");
    w.write("t.csv", "control_id,title\nGV.OC-01,x\n");
    w.run(&["evidence", "import", "t.csv", "--delimiter", "x"])
        .code(2)
        .stderr_has("`x` is not a delimiter csfkit reads; expected `,` `;` `|` or `tab`");
    assert!(evidence(&w).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Item 16: impossible times are refused, in cells and in flags, never cut off.

#[test]
fn impossible_times_in_cells_are_refused_with_their_row_and_nothing_is_imported() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        "control_id,title,collected_on\r\n\
GV.OC-01,fine,2026-10-01T14:30:00Z\r\n\
GV.OC-02,hour 25,9999-12-31T25:61\r\n\
GV.OC-03,garbage,2026-10-01Tgarbage\r\n",
    );
    let run = w.run(&["evidence", "import", "t.csv"]).code(65);
    for needle in [
        "row 3, column `collected_on`: `9999-12-31T25:61`",
        "there is no hour 25",
        "row 4, column `collected_on`: `2026-10-01Tgarbage`",
        "expected YYYY-MM-DD, optionally followed by a time such as T14:30",
    ] {
        assert!(run.stderr.contains(needle), "{needle}\n{}", run.stderr);
    }
    assert!(evidence(&w).is_empty());
    // The valid one alone imports, its date kept.
    w.write(
        "ok.csv",
        "control_id,title,collected_on\nGV.OC-01,fine,2026-10-01T14:30:00Z\n",
    );
    w.run(&["evidence", "import", "ok.csv"]).ok();
    assert_eq!(evidence(&w)[0]["collected_on"], "2026-10-01");
}

#[test]
fn an_impossible_due_time_in_a_plan_file_is_refused() {
    let w = Workdir::new();
    w.write(
        "plans.csv",
        "Control ID,Due,Owner,Action\nPR.AA-01,2027-03-31T24:00,J. Doe,Enforce MFA\n",
    );
    w.run(&["plan", "import", "plans.csv"])
        .code(65)
        .stderr_has("`2027-03-31T24:00` is not a date and time csfkit can read: there is no hour 24");
    let plans = w.run(&["plan", "list", "--format", "json"]).ok().json();
    assert_eq!(plans, serde_json::json!([]));
}

#[test]
fn date_flags_say_what_is_wrong_with_a_time_or_an_impossible_day() {
    let w = Workdir::new();
    w.run(&[
        "plan",
        "PR.AA-01",
        "--due",
        "2026-10-01T25:00",
        "--owner",
        "x",
        "--action",
        "y",
    ])
    .code(2)
    .stderr_has("`2026-10-01T25:00` is not a date; expected YYYY-MM-DD (e.g. 2026-12-31), a date alone without a time");
    w.run(&["plan", "list", "--as-of", "2026-02-30"])
        .code(2)
        .stderr_has("`2026-02-30` is not a real date (no such day)");
    w.run(&["evidence", "list", "--as-of", "9999-12-31T25:61"])
        .code(2)
        .stderr_has("`9999-12-31T25:61` is not a date; expected YYYY-MM-DD");
}

// ---------------------------------------------------------------------------------------------
// Item 19: control characters from files reach the terminal escaped; CSV and JSON keep them.

const HOSTILE_TITLE: &str = "ok\u{1b}[2K\rFAILED hidden\u{202e}txt.exe";

#[test]
fn control_characters_in_cells_are_escaped_in_tables_and_kept_in_csv_and_json() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        format!("control_id,title\nGV.OC-01,\"{HOSTILE_TITLE}\"\n"),
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    let table = w.run(&["evidence", "list"]).ok().stdout;
    assert!(
        !table.contains('\u{1b}') && !table.contains('\r') && !table.contains('\u{202e}'),
        "{table:?}"
    );
    assert!(
        table.contains(r"ok\x1b[2K\x0dFAILED hidden\u{202e}txt.exe"),
        "{table}"
    );
    let show = w.run(&["evidence", "show", "1"]).ok().stdout;
    assert!(show.contains(r"\x1b[2K") && !show.contains('\u{1b}'), "{show:?}");
    // The data formats keep the value exactly.
    assert_eq!(evidence(&w)[0]["title"], HOSTILE_TITLE);
    let csv = w.run(&["evidence", "list", "--format", "csv"]).ok();
    assert_eq!(field(&csv.csv()[0], "title"), HOSTILE_TITLE);
}

#[test]
fn control_characters_in_messages_are_escaped_on_stderr() {
    let w = Workdir::new();
    // A cell quoted by a validation message.
    w.write("bad.csv", "control_id,title\n\"GV.OC-99\u{1b}[1A\u{1b}[2K\",x\n");
    let run = w.run(&["evidence", "import", "bad.csv"]).code(65);
    assert!(!run.stderr.contains('\u{1b}'), "{:?}", run.stderr);
    assert!(run.stderr.contains(r"GV.OC-99\x1b[1A\x1b[2K"), "{}", run.stderr);
    // A file name quoted by an error, and by the verdict line of verify.
    let name = "pkg\u{1b}[1A\u{1b}[2KOK\u{202e}";
    std::fs::create_dir(w.path().join(name)).unwrap();
    let run = w.run(&["verify", name]);
    assert_ne!(run.code, 0);
    for out in [&run.stderr, &run.stdout] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'), "{out:?}");
    }
    assert!(
        run.stderr.contains(r"pkg\x1b[1A\x1b[2KOK\u{202e}"),
        "{}",
        run.stderr
    );
    // A usage error quoting the value given.
    let run = w
        .run(&["plan", "list", "--as-of", "20\r26-01-01\u{202e}"])
        .code(2);
    assert!(
        !run.stderr.contains('\r') && run.stderr.contains(r"20\x0d26-01-01\u{202e}"),
        "{:?}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// Item 20: --as-of (and CSFKIT_TODAY) bounded to what every output can write.

/// NIST's OSCAL 1.2.1 pattern for a date-time with a time zone, from the schema in tests/data.
fn oscal_date_time() -> jsonschema::Validator {
    let schema: Value = serde_json::from_slice(
        &std::fs::read(reference("tests/data/oscal/oscal_assessment-results_schema.json")).unwrap(),
    )
    .unwrap();
    let pattern = schema["definitions"]["DateTimeWithTimezoneDatatype"]["pattern"].clone();
    assert!(pattern.is_string(), "the schema has no date-time pattern");
    jsonschema::validator_for(&serde_json::json!({"type": "string", "pattern": pattern})).unwrap()
}

#[test]
fn as_of_dates_no_output_can_write_are_refused_and_nothing_is_written() {
    let w = Workdir::new();
    for (args, date) in [
        (vec!["export", "--out", "p1", "--formats", "oscal"], "0000-01-01"),
        (vec!["export", "--out", "p2"], "9999-12-31"),
        (vec!["oscal", "export", "--out", "o1"], "1899-12-31"),
        (vec!["oscal", "export", "--out", "o2"], "3000-01-01"),
        (vec!["status"], "9999-12-31"),
    ] {
        let mut all = args.clone();
        all.extend(["--provider", "datacrunch", "--services", "iaas", "--as-of", date]);
        w.run(&all).code(2).stderr_has(&format!(
            "`{date}` is outside the dates a package can carry; expected a date from 1900-01-01 to 2999-12-31"
        ));
    }
    for out in ["p1", "p2", "o1", "o2"] {
        assert!(!w.path().join(out).exists(), "{out} was written");
    }
    // CSFKIT_TODAY is the default as-of date: bounded the same way.
    let mut c = w.cmd(&[
        "oscal",
        "export",
        "--out",
        "o3",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
    ]);
    c.env("CSFKIT_TODAY", "0000-01-01");
    w.run_cmd(c)
        .code(2)
        .stderr_has("CSFKIT_TODAY: `0000-01-01` is outside the dates a package can carry");
    assert!(!w.path().join("o3").exists());
}

#[test]
fn the_first_and_last_as_of_dates_give_oscal_timestamps_that_match_nists_pattern() {
    let w = Workdir::new();
    let pattern = oscal_date_time();
    for (out, date) in [("first", "1900-01-01"), ("last", "2999-12-31")] {
        w.run(&[
            "oscal",
            "export",
            "--out",
            out,
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
            "--as-of",
            date,
        ])
        .ok();
        let doc: Value = serde_json::from_slice(
            &std::fs::read(w.path().join(out).join("assessment-results.json")).unwrap(),
        )
        .unwrap();
        let stamp = &doc["assessment-results"]["metadata"]["last-modified"];
        assert_eq!(stamp, &Value::from(format!("{date}T00:00:00Z")));
        assert!(pattern.is_valid(stamp), "{stamp} fails NIST's pattern");
        let start = &doc["assessment-results"]["results"][0]["start"];
        assert!(pattern.is_valid(start), "{start} fails NIST's pattern");
    }
}

// ---------------------------------------------------------------------------------------------
// Item 22: repeated rows and cells of an ods file counted before anything is expanded.

/// An ods file (mimetype, manifest, content.xml) with `rows` as the rows of sheet `Tracker`.
fn ods(path: &Path, rows: &str) {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3"><office:body><office:spreadsheet><table:table table:name="Tracker">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated = zip::write::SimpleFileOptions::default();
    z.start_file("mimetype", stored).unwrap();
    z.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    z.start_file("META-INF/manifest.xml", deflated).unwrap();
    z.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#).unwrap();
    z.start_file("content.xml", deflated).unwrap();
    z.write_all(content.as_bytes()).unwrap();
    z.finish().unwrap();
}

fn text_cell(v: &str) -> String {
    format!(r#"<table:table-cell office:value-type="string"><text:p>{v}</text:p></table:table-cell>"#)
}

fn row(times: u64, cells: &str) -> String {
    format!(r#"<table:table-row table:number-rows-repeated="{times}">{cells}</table:table-row>"#)
}

#[test]
fn a_tiny_ods_repeating_a_row_past_the_sheet_is_refused_before_it_is_expanded() {
    let w = Workdir::new();
    let header = text_cell("control_id") + &text_cell("title") + &text_cell("note").repeat(18);
    let data = text_cell("GV.OC-01") + &text_cell("x") + &text_cell("v").repeat(18);
    let path = w.path().join("bomb.ods");
    ods(&path, &(row(1, &header) + &row(1_900_000, &data)));
    assert!(std::fs::metadata(&path).unwrap().len() < 2048);
    // (The build before this took 2.9 GB and minutes here, and reported 1,048,575 duplicates.)
    for cmd in [
        vec!["evidence", "import", "bomb.ods"],
        vec!["assess", "import", "bomb.ods"],
    ] {
        w.run(&cmd).code(65).stderr_has(
            "bomb.ods, sheet `Tracker`, row 2: a row with values is repeated 1900000 times (table:number-rows-repeated), past row 1048576, the last row a sheet has",
        );
    }
    assert!(evidence(&w).is_empty());
    // Within the sheet, the copies of a repeated row still count: more than a few thousand
    // identical rows are refused at once.
    ods(&path, &(row(1, &header) + &row(20_000, &data)));
    w.run(&["evidence", "import", "bomb.ods"])
        .code(65)
        .stderr_has("the copies of repeated rows add more than 10000 rows to the sheet");
    // A value repeated across more columns than a tracker may have.
    let wide = r#"<table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>v</text:p></table:table-cell>"#;
    ods(&path, &(row(1, &header) + &row(1, wide)));
    w.run(&["evidence", "import", "bomb.ods"])
        .code(65)
        .stderr_has("more than 1024 columns is not an evidence tracker");
}

#[test]
fn empty_repeated_rows_and_cells_and_repeated_values_read_at_their_places() {
    let w = Workdir::new();
    // As LibreOffice writes a sheet: formatted empty cells to the last column, empty rows
    // between the data repeated, the rest of the sheet one repeated empty row; a value
    // repeated over two cells; two identical rows as one repeated row.
    let empty_tail = r#"<table:table-cell table:number-columns-repeated="16380"/>"#;
    let header = text_cell("control_id") + &text_cell("title") + &text_cell("owner") + empty_tail;
    let rows = row(1, &(text_cell("Evidence tracker") + empty_tail))
        + &row(1, &header)
        + &row(
            1,
            &(text_cell("GV.OC-01") + &text_cell("first") + &text_cell("Ann") + empty_tail),
        )
        + &row(100_000, empty_tail)
        + &row(
            1,
            &(text_cell("GV.OC-02")
                + r#"<table:table-cell table:number-columns-repeated="2" office:value-type="string"><text:p>same</text:p></table:table-cell>"#
                + empty_tail),
        )
        + &row(2, &(text_cell("GV.OC-03") + &text_cell("twice") + empty_tail))
        + &row(948_470, empty_tail);
    ods(&w.path().join("t.ods"), &rows);
    let run = w.run(&["evidence", "import", "t.ods", "--skip-invalid"]).ok();
    assert!(run.stderr.contains("3 new evidence rows"), "{}", run.stderr);
    assert!(
        run.stderr.contains("row 100006") && run.stderr.contains("duplicate of row 100005"),
        "{}",
        run.stderr
    );
    let got: Vec<(String, String, String, String)> = evidence(&w)
        .iter()
        .map(|e| {
            (
                e["control_id"].as_str().unwrap().to_string(),
                e["title"].as_str().unwrap().to_string(),
                e["owner"].as_str().unwrap().to_string(),
                e["source_row"].to_string(),
            )
        })
        .collect();
    let s = |v: &str| v.to_string();
    assert_eq!(
        got,
        vec![
            (s("GV.OC-01"), s("first"), s("Ann"), s("3")),
            (s("GV.OC-02"), s("same"), s("same"), s("100004")),
            (s("GV.OC-03"), s("twice"), s(""), s("100005")),
        ]
    );
}

#[test]
fn an_ods_written_by_libreoffice_with_repeated_cells_reads_as_its_xlsx() {
    if !have_tool("soffice") {
        return;
    }
    let w = Workdir::new();
    // Identical neighbouring cells and empty rows, which LibreOffice stores as repeats.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["control_id", "title", "owner", "source_system"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for r in 1..=3u32 {
        ws.write_string(r, 0, format!("GV.OC-0{r}")).unwrap();
        ws.write_string(r, 1, "Quarterly review").unwrap();
        ws.write_string(r, 2, "GRC").unwrap();
        ws.write_string(r, 3, "GRC").unwrap();
    }
    ws.write_string(6, 0, "GV.OC-05").unwrap();
    ws.write_string(6, 1, "After a gap").unwrap();
    wb.save(w.path().join("t.xlsx")).unwrap();
    let out = std::process::Command::new("soffice")
        .args(["--headless", "--convert-to", "ods", "--outdir"])
        .arg(w.path())
        .arg(w.path().join("t.xlsx"))
        .env("HOME", w.path())
        .output()
        .expect("soffice");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let content = {
        let mut z = zip::ZipArchive::new(std::fs::File::open(w.path().join("t.ods")).unwrap()).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name("content.xml").unwrap(), &mut s).unwrap();
        s
    };
    assert!(
        content.contains("table:number-columns-repeated"),
        "LibreOffice wrote no repeats"
    );
    let list = |file: &str| {
        let mut c = w.cmd(&["evidence", "import", file]);
        c.env("CSFKIT_DB", w.path().join(format!("{file}.db")));
        w.run_cmd(c).ok();
        let mut c = w.cmd(&["evidence", "list", "--format", "csv"]);
        c.env("CSFKIT_DB", w.path().join(format!("{file}.db")));
        w.run_cmd(c)
            .ok()
            .csv()
            .iter()
            .map(|r| {
                ["control_id", "title", "owner", "source_row"]
                    .map(|f| field(r, f).to_string())
                    .join("|")
            })
            .collect::<Vec<_>>()
    };
    let from_ods = list("t.ods");
    assert_eq!(from_ods, list("t.xlsx"));
    assert_eq!(from_ods.len(), 4);
    assert_eq!(from_ods[3], "GV.OC-05|After a gap||7");
}
