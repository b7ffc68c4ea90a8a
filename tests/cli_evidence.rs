//! Evidence import: real spreadsheets (xlsx from a spreadsheet writer, CSV with BOM and CRLF,
//! ods and xls written by LibreOffice), row-by-row validation with row numbers, atomicity,
//! idempotence, the evidence-file path rules, hostile files, listings and the template.

use std::io::Write;
use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use crate::util::{Workdir, field, have_tool, sha256_file};

const TITLE_DE: &str = "Zugriffsprüfung Q3 – Ελληνικά – Кириллица";

/// The logical content of the catalogue's evidence: every row and every batch.
fn snapshot(w: &Workdir) -> String {
    let list = w.run(&["evidence", "list", "--format", "csv"]).ok().stdout;
    let batches = w.run(&["evidence", "batches", "--format", "csv"]).ok().stdout;
    format!("{list}\n{batches}")
}

/// An evidence tracker as a compliance team keeps it: a title row, a blank row, a header with
/// the team's own names, real date cells, non-ASCII text and a column csfkit does not know.
fn tracker_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let ws = wb.add_worksheet();
    ws.set_name("Tracker").unwrap();
    ws.write_string(0, 0, "Evidence tracker — FY2026").unwrap();
    let header = [
        "CSF ID",
        "Artifact",
        "Details",
        "Collected By",
        "Collection Date",
        "Expiration Date",
        "Link",
        "Reviewer",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        (
            "PR.AA-01",
            TITLE_DE,
            "Quarterly access review",
            "Anna",
            (2026, 1, 5),
            Some((2027, 1, 5)),
            "https://grc.example/ev/1",
            "Jürgen",
        ),
        (
            "GV.OC-01",
            "Mission statement",
            "",
            "Bob",
            (2026, 2, 1),
            None,
            "",
            "",
        ),
        (
            "DE.CM-01",
            "SIEM network rules",
            "Export",
            "Chloé",
            (2025, 12, 31),
            Some((2026, 12, 31)),
            "",
            "Ilse",
        ),
    ];
    for (i, r) in rows.iter().enumerate() {
        let row = 3 + i as u32;
        ws.write_string(row, 0, r.0).unwrap();
        ws.write_string(row, 1, r.1).unwrap();
        ws.write_string(row, 2, r.2).unwrap();
        ws.write_string(row, 3, r.3).unwrap();
        let d = ExcelDateTime::from_ymd(r.4.0, r.4.1, r.4.2).unwrap();
        ws.write_datetime_with_format(row, 4, &d, &date).unwrap();
        if let Some(v) = r.5 {
            let d = ExcelDateTime::from_ymd(v.0, v.1, v.2).unwrap();
            ws.write_datetime_with_format(row, 5, &d, &date).unwrap();
        }
        if !r.6.is_empty() {
            ws.write_string(row, 6, r.6).unwrap();
        }
        if !r.7.is_empty() {
            ws.write_string(row, 7, r.7).unwrap();
        }
    }
    wb.save(path).unwrap();
}

/// The same tracker as a CSV saved by Excel on Windows: BOM, CRLF, `;` delimiter.
const TRACKER_CSV: &str = "\u{FEFF}Evidence tracker — FY2026\r\n\r\nCSF ID;Artifact;Details;Collected By;Collection Date;Expiration Date;Link;Reviewer\r\n\
PR.AA-01;Zugriffsprüfung Q3 – Ελληνικά – Кириллица;Quarterly access review;Anna;2026-01-05;2027-01-05;https://grc.example/ev/1;Jürgen\r\n\
GV.OC-01;Mission statement;;Bob;2026-02-01;;;\r\n\
DE.CM-01;SIEM network rules;Export;Chloé;2025-12-31;2026-12-31;;Ilse\r\n";

fn imported(w: &Workdir) -> Vec<(String, String, String, String, String, String)> {
    w.run(&["evidence", "list", "--format", "csv"])
        .ok()
        .csv()
        .iter()
        .map(|r| {
            (
                field(r, "control_id").to_string(),
                field(r, "title").to_string(),
                field(r, "owner").to_string(),
                field(r, "collected_on").to_string(),
                field(r, "valid_until").to_string(),
                field(r, "source_row").to_string(),
            )
        })
        .collect()
}

fn expected() -> Vec<(String, String, String, String, String, String)> {
    let s = |a: &str| a.to_string();
    vec![
        (
            s("PR.AA-01"),
            s(TITLE_DE),
            s("Anna"),
            s("2026-01-05"),
            s("2027-01-05"),
            s("4"),
        ),
        (
            s("GV.OC-01"),
            s("Mission statement"),
            s("Bob"),
            s("2026-02-01"),
            s(""),
            s("5"),
        ),
        (
            s("DE.CM-01"),
            s("SIEM network rules"),
            s("Chloé"),
            s("2025-12-31"),
            s("2026-12-31"),
            s("6"),
        ),
    ]
}

#[test]
fn xlsx_with_title_rows_date_cells_and_non_ascii_imports_with_its_provenance() {
    let w = Workdir::new();
    let x = w.path().join("tracker.xlsx");
    tracker_xlsx(&x);
    w.run(&["evidence", "import", "tracker.xlsx", "--collector", "Auditor A"])
        .ok()
        .stderr_has("header on row 3")
        .stderr_has("column A `CSF ID` -> control_id")
        .stderr_has("column H `Reviewer` -> kept as an extra attribute")
        .stderr_has("3 new evidence rows");
    assert_eq!(imported(&w), expected());
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    assert_eq!(field(&rows[0], "source_sheet"), "Tracker");
    assert_eq!(field(&rows[0], "source_file"), "tracker.xlsx");
    let show = w.run(&["evidence", "show", "1", "--format", "json"]).ok().json();
    let get = |k: &str| {
        show.as_array()
            .unwrap()
            .iter()
            .find(|r| r["field"] == k)
            .map(|r| r["value"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(get("extras"), r#"{"Reviewer":"Jürgen"}"#);
    assert_eq!(get("source_sha256"), sha256_file(&x));
    assert_eq!(get("imported_by"), "Auditor A");
    let b = w.run(&["evidence", "batches", "--format", "csv"]).ok().csv();
    assert_eq!(field(&b[0], "source_sha256"), sha256_file(&x));
    assert_eq!(field(&b[0], "imported"), "3");
    assert_eq!(field(&b[0], "sheet"), "Tracker");
}

#[test]
fn csv_with_bom_crlf_and_semicolons_gives_the_same_rows() {
    let w = Workdir::new();
    w.write("tracker.csv", TRACKER_CSV);
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    assert_eq!(imported(&w), expected());
}

#[test]
fn ods_and_xls_written_by_libreoffice_give_the_same_rows() {
    if !have_tool("soffice") {
        return;
    }
    let w = Workdir::new();
    tracker_xlsx(&w.path().join("tracker.xlsx"));
    for ext in ["ods", "xls"] {
        let out = std::process::Command::new("soffice")
            .args(["--headless", "--convert-to", ext, "--outdir"])
            .arg(w.path())
            .arg(w.path().join("tracker.xlsx"))
            .env("HOME", w.path())
            .output()
            .expect("LibreOffice (soffice) is needed: run scripts/install-test-tools.sh");
        assert!(
            out.status.success(),
            "soffice failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let db = w.path().join(format!("{ext}.db"));
        let run = w
            .run_cmd({
                let mut c = w.cmd(&["evidence", "import", &format!("tracker.{ext}")]);
                c.env("CSFKIT_DB", &db);
                c
            })
            .ok();
        assert!(
            run.stderr.contains("3 new evidence rows"),
            "{ext}: {}",
            run.stderr
        );
        let mut c = w.cmd(&["evidence", "list", "--format", "csv"]);
        c.env("CSFKIT_DB", &db);
        let list = w.run_cmd(c).ok();
        let rows: Vec<_> = list
            .csv()
            .iter()
            .map(|r| {
                (
                    field(r, "control_id").to_string(),
                    field(r, "title").to_string(),
                    field(r, "owner").to_string(),
                    field(r, "collected_on").to_string(),
                    field(r, "valid_until").to_string(),
                    field(r, "source_row").to_string(),
                )
            })
            .collect();
        assert_eq!(rows, expected(), "{ext}");
    }
}

#[test]
fn every_invalid_row_is_reported_with_its_row_and_nothing_is_imported() {
    let w = Workdir::new();
    w.write("ok.csv", "control_id,title\nGV.OC-01,Existing\n");
    w.run(&["evidence", "import", "ok.csv"]).ok();
    let before = snapshot(&w);
    w.write(
        "bad.csv",
        "control_id,title,collected_on,valid_until\r\n\
PR.AA-01,Good row,2026-01-05,\r\n\
PR.AX-01,Unknown control,2026-01-05,\r\n\
PR.AA-02,,2026-01-05,\r\n\
#N/A,Formula error,2026-01-05,\r\n\
PR.AA-03,Impossible date,2025-02-31,\r\n\
PR.AA-04,Ambiguous date,03/04/2025,\r\n\
PR.AA-05,Not a date,next week,\r\n\
PR.AA-01,Good row,2026-01-05,\r\n\
PR.AA-06,Expires before collected,2026-01-05,2025-01-05\r\n",
    );
    let r = w.run(&["evidence", "import", "bad.csv"]).code(65);
    for needle in [
        "bad.csv, row 3, column `control_id`: `PR.AX-01`",
        "did you mean PR.AA-01",
        "bad.csv, row 4, column `title`",
        "title is required and empty",
        "bad.csv, row 5, column `control_id`: `#N/A`",
        "bad.csv, row 6, column `collected_on`: `2025-02-31`: `2025-02-31` is not a real date",
        "bad.csv, row 7, column `collected_on`: `03/04/2025`",
        "ambiguous: 3 April 2025 or 4 March 2025",
        "bad.csv, row 8, column `collected_on`: `next week`",
        "bad.csv, row 9: duplicate of row 2",
        "bad.csv, row 10, column `valid_until`",
        "8 problems found, nothing was changed",
    ] {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            r.stderr
        );
    }
    assert_eq!(snapshot(&w), before, "a failed import changed the catalogue");

    // --dry-run validates and writes nothing, also for a valid file.
    w.write("good.csv", "control_id,title\nPR.AA-01,Good row\n");
    w.run(&["evidence", "import", "good.csv", "--dry-run"])
        .ok()
        .stderr_has("dry run, nothing written: 1 data rows read: 1 new");
    assert_eq!(snapshot(&w), before);
}

#[test]
fn date_formats_and_csf_11_ids_follow_the_flags() {
    let w = Workdir::new();
    w.write(
        "d.csv",
        "Control,Evidence,Date Collected\nPR.AC-1,Old ID,03/04/2025\nPR.AA-01,Day first,25/12/2025\n",
    );
    w.run(&["evidence", "import", "d.csv"])
        .code(65)
        .stderr_has("ambiguous");
    w.run(&[
        "evidence",
        "import",
        "d.csv",
        "--date-format",
        "%d/%m/%Y",
        "--strict",
    ])
    .code(65)
    .stderr_has(
        "`PR.AC-1` is a CSF 1.1 ID (refused by --strict); use its CSF 2.0 successors: PR.AA-01, PR.AA-05",
    );
    w.run(&["evidence", "import", "d.csv", "--date-format", "%d/%m/%Y"])
        .ok()
        .stderr_has("CSF 1.1 `PR.AC-1` recorded against CSF 2.0 PR.AA-01, PR.AA-05");
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    let got: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (field(r, "control_id"), field(r, "collected_on")))
        .collect();
    assert_eq!(
        got,
        vec![
            ("PR.AA-01", "2025-04-03"),
            ("PR.AA-05", "2025-04-03"),
            ("PR.AA-01", "2025-12-25")
        ]
    );
}

#[test]
fn skip_invalid_imports_the_rest_writes_the_rejects_and_reimport_adds_nothing() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        "control_id,title,owner\nPR.AA-01,Access review,Anna\nXX.YY-99,Bad,Bob\nDE.CM-01,SIEM,Chloé\n",
    );
    w.run(&[
        "evidence",
        "import",
        "t.csv",
        "--skip-invalid",
        "--errors-out",
        "rejected.csv",
    ])
    .ok()
    .stderr_has("skipped: t.csv, row 3")
    .stderr_has("2 new evidence rows")
    .stderr_has("1 rejected");
    let mut rdr = csv::Reader::from_path(w.path().join("rejected.csv")).unwrap();
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "control_id",
            "title",
            "owner",
            "csfkit_errors",
            "csfkit_source_row"
        ]
    );
    let rec: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rec.len(), 1);
    assert_eq!(&rec[0][0], "XX.YY-99");
    assert!(rec[0][3].starts_with("control_id: "), "{:?}", rec[0]);
    assert_eq!(&rec[0][4], "3");
    let before = w.run(&["evidence", "list", "--format", "csv"]).ok().stdout;
    w.run(&["evidence", "import", "t.csv", "--skip-invalid"])
        .ok()
        .stderr_has("0 new evidence rows, 2 already in the catalogue");
    assert_eq!(
        w.run(&["evidence", "list", "--format", "csv"]).ok().stdout,
        before
    );
    // The fixed reject file imports; its reason column is ignored, not kept as an attribute.
    let fixed = std::fs::read_to_string(w.path().join("rejected.csv"))
        .unwrap()
        .replace("XX.YY-99", "GV.OC-01");
    w.write("fixed.csv", fixed);
    w.run(&["evidence", "import", "fixed.csv"])
        .ok()
        .stderr_has("1 new evidence rows");
    let rows = w
        .run(&["evidence", "list", "--control", "GV.OC-01", "--format", "json"])
        .ok()
        .json();
    assert_eq!(rows.as_array().unwrap().len(), 1);
    let batches = w.run(&["evidence", "batches", "--format", "csv"]).ok().csv();
    assert_eq!(batches.len(), 3);
}

#[test]
fn evidence_files_are_hashed_inside_the_root_and_refused_outside_it() {
    let w = Workdir::new();
    let root = w.path().join("evidence");
    w.write("evidence/policies/access.pdf", b"%PDF-1.4 access policy");
    w.write("outside.pdf", b"secret");
    std::os::unix::fs::symlink(w.path().join("outside.pdf"), root.join("link.pdf")).unwrap();
    let outside_abs = w.path().join("outside.pdf").display().to_string();
    w.write(
        "t.csv",
        format!(
            "control_id,title,location\n\
PR.AA-01,Policy,policies/access.pdf\n\
PR.AA-02,Missing file,policies/nope.pdf\n\
PR.AA-03,URL,https://grc.example/x?y=1\n\
PR.AA-04,Climbs out,../outside.pdf\n\
PR.AA-05,Absolute elsewhere,{outside_abs}\n\
PR.AA-06,File URL,file:///etc/passwd\n\
PR.DS-01,Symlink out,link.pdf\n"
        ),
    );
    let r = w
        .run(&["evidence", "import", "t.csv", "--evidence-root", "evidence"])
        .code(65);
    for needle in [
        "row 5, column `location`: `../outside.pdf`: `../outside.pdf` is outside the evidence root",
        "row 6, column `location`",
        "row 7, column `location`: `file:///etc/passwd`: file:// URLs are not accepted",
        "row 8, column `location`: `link.pdf`: `link.pdf` resolves (through a symbolic link)",
        "4 problems found",
    ] {
        assert!(
            r.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            r.stderr
        );
    }
    w.run(&[
        "evidence",
        "import",
        "t.csv",
        "--evidence-root",
        "evidence",
        "--skip-invalid",
    ])
    .ok()
    .stderr_has("evidence file `policies/nope.pdf` not found");
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    let kinds: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| {
            (
                field(r, "control_id"),
                field(r, "location_kind"),
                field(r, "file_sha256"),
            )
        })
        .collect();
    let policy_sha = sha256_file(&root.join("policies/access.pdf"));
    assert_eq!(
        kinds,
        vec![
            ("PR.AA-01", "file", policy_sha.as_str()),
            ("PR.AA-02", "missing", ""),
            ("PR.AA-03", "url", "")
        ]
    );
}

/// A zip whose one entry inflates to `size` bytes of zeros.
pub fn zip_bomb(path: &Path, size: usize) {
    let f = std::fs::File::create(path).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let opt = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    z.start_file("xl/workbook.xml", opt).unwrap();
    z.write_all(b"<workbook/>").unwrap();
    z.start_file("xl/worksheets/sheet1.xml", opt).unwrap();
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..size / chunk.len() {
        z.write_all(&chunk).unwrap();
    }
    z.finish().unwrap();
}

/// A zip whose sheet entry declares 1,000 bytes in both headers but inflates to 8 MiB.
fn lying_zip(path: &Path) {
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opt =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/workbook.xml", opt).unwrap();
        z.write_all(b"<workbook/>").unwrap();
        z.start_file("xl/worksheets/sheet1.xml", opt).unwrap();
        z.write_all(&vec![b' '; 8 << 20]).unwrap();
        z.finish().unwrap();
    }
    let mut bytes = buf.into_inner();
    let name = b"xl/worksheets/sheet1.xml";
    let positions: Vec<usize> = bytes
        .windows(name.len())
        .enumerate()
        .filter(|(_, w)| w == name)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(positions.len(), 2, "one local and one central header");
    // Uncompressed size: offset 22 of the local header (30 bytes before the name), offset 24 of
    // the central header (46 bytes before the name).
    for (pos, at) in [(positions[0], 30 - 22), (positions[1], 46 - 24)] {
        bytes[pos - at..pos - at + 4].copy_from_slice(&1000u32.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn hostile_and_broken_files_are_refused_and_the_catalogue_is_untouched() {
    let w = Workdir::new();
    w.write("ok.csv", "control_id,title\nGV.OC-01,Existing\n");
    w.run(&["evidence", "import", "ok.csv"]).ok();
    let before = snapshot(&w);
    let db_before = sha256_file(&w.db());

    zip_bomb(&w.path().join("bomb.xlsx"), 256 << 20);
    let size = std::fs::metadata(w.path().join("bomb.xlsx")).unwrap().len();
    assert!(size < 1 << 20, "the bomb should be small: {size}");
    let mut good = Vec::new();
    tracker_xlsx(&w.path().join("good.xlsx"));
    std::fs::File::open(w.path().join("good.xlsx"))
        .and_then(|mut f| std::io::Read::read_to_end(&mut f, &mut good))
        .unwrap();
    w.write("truncated.xlsx", &good[..good.len() / 2]);
    lying_zip(&w.path().join("lying.xlsx"));
    w.write("empty.xlsx", b"");
    w.write("named.xlsx", "control_id,title\nGV.OC-01,x\n");
    w.write("binary.csv", [0u8, 159, 146, 150, 0, 1, 2]);
    // Bad data is 65; a file that cannot be read at all (empty, truncated) is 66.
    for (file, needle, code) in [
        ("bomb.xlsx", "looks like a zip bomb", 65),
        ("truncated.xlsx", "truncated or damaged", 66),
        ("lying.xlsx", "lies about its size", 65),
        ("empty.xlsx", "the file is empty", 66),
        (
            "named.xlsx",
            "the name ends in .xlsx but the file holds CSV text",
            65,
        ),
        ("binary.csv", "not a spreadsheet and not UTF-8 text", 65),
    ] {
        let r = w
            .run(&["evidence", "import", file])
            .code(code)
            .stderr_has(needle)
            .stderr_has(file);
        assert!(!r.stderr.contains("panicked"), "{file}: {}", r.stderr);
    }
    w.run(&["evidence", "import", "no-such-file.xlsx"]).code(66);
    assert_eq!(snapshot(&w), before);
    assert_eq!(sha256_file(&w.db()), db_before);
}

/// The tracker of [`tracker_xlsx`] with every zip entry stored rather than deflated, and one
/// date of its sheet changed in place: the XML is still whole and parses, and only the entry's
/// CRC-32 tells that its bytes are not the ones written.
fn altered_xlsx(good: &Path, path: &Path) {
    use std::io::Read;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(good).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name, stored).unwrap();
        out.write_all(&bytes).unwrap();
    }
    let mut bytes = out.finish().unwrap().into_inner();
    // 2026-01-05, the first row's collection date, as Excel's serial number.
    let (from, to) = (b"<v>46027</v>", b"<v>46028</v>");
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .expect("the first row's date in the stored sheet");
    bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(path, bytes).unwrap();
}

/// The reader checks what the zip entries declare and parses at once; every entry is inflated
/// whole and its CRC-32 checked beside it. A sheet whose bytes changed but still parse (a
/// date one day off) must be refused all the same, with nothing stored.
#[test]
fn a_workbook_whose_sheet_fails_its_checksum_is_refused_though_it_parses() {
    let w = Workdir::new();
    w.write("ok.csv", "control_id,title\nGV.OC-01,Existing\n");
    w.run(&["evidence", "import", "ok.csv"]).ok();
    let before = snapshot(&w);
    let db_before = sha256_file(&w.db());
    tracker_xlsx(&w.path().join("good.xlsx"));
    altered_xlsx(&w.path().join("good.xlsx"), &w.path().join("altered.xlsx"));
    for args in [
        vec!["evidence", "import", "altered.xlsx"],
        vec!["evidence", "import", "altered.xlsx", "--dry-run"],
    ] {
        let r = w
            .run(&args)
            .code(66)
            .stderr_has("altered.xlsx: the file is truncated or damaged")
            .stderr_has("sheet1.xml");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    assert_eq!(snapshot(&w), before);
    assert_eq!(sha256_file(&w.db()), db_before);
    // The same workbook before the change imports: the refusal is the checksum's alone.
    w.run(&["evidence", "import", "good.xlsx"]).ok();
}

#[test]
fn listings_filter_by_control_batch_and_freshness() {
    let w = Workdir::new();
    w.write(
        "t.csv",
        "control_id,title,collected_on,valid_until\n\
PR.AA-01,Current,2026-10-01,2027-10-01\n\
PR.AA-01,Expired,2025-01-01,2026-01-01\n\
DE.CM-01,Old,2024-01-01,\n",
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    let titles = |args: &[&str]| -> Vec<String> {
        let mut c = w.cmd(args);
        c.env("CSFKIT_TODAY", "2026-11-24");
        w.run_cmd(c)
            .ok()
            .csv()
            .iter()
            .map(|r| field(r, "title").to_string())
            .collect()
    };
    assert_eq!(
        titles(&["evidence", "list", "--control", "pr.aa-1", "--format", "csv"]),
        ["Current", "Expired"]
    );
    assert_eq!(
        titles(&["evidence", "list", "--expired", "--format", "csv"]),
        ["Expired"]
    );
    assert_eq!(
        titles(&["evidence", "list", "--stale", "365", "--format", "csv"]),
        ["Expired", "Old"]
    );
    assert_eq!(
        titles(&["evidence", "list", "--batch", "1", "--format", "csv"]).len(),
        3
    );
    assert!(titles(&["evidence", "list", "--batch", "2", "--format", "csv"]).is_empty());
    w.run(&["evidence", "show", "99"])
        .code(65)
        .stderr_has("no evidence with ID 99");
}

#[test]
fn the_template_has_the_header_instructions_and_a_control_drop_down_and_imports_back() {
    use calamine::Reader;
    let w = Workdir::new();
    w.run(&["template", "evidence", "--out", "tpl.xlsx"]).ok();
    w.run(&["template", "evidence", "--out", "tpl.xlsx"])
        .code(2)
        .stderr_has("--force");
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(w.path().join("tpl.xlsx")).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Evidence", "Instructions", "Controls"]);
    let ev = wb.worksheet_range("Evidence").unwrap();
    let header: Vec<String> = ev.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(
        header,
        [
            "control_id",
            "title",
            "description",
            "evidence_type",
            "owner",
            "collected_on",
            "valid_until",
            "location",
            "source_system"
        ]
    );
    let controls = wb.worksheet_range("Controls").unwrap();
    assert_eq!(controls.rows().count(), 107);
    let sheet1 = {
        let f = std::fs::File::open(w.path().join("tpl.xlsx")).unwrap();
        let mut z = zip::ZipArchive::new(f).unwrap();
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut s).unwrap();
        s
    };
    assert!(sheet1.contains("<dataValidation type=\"list\""), "{sheet1}");
    assert!(sheet1.contains("Controls!$A$2:$A$107"));

    w.run(&["template", "evidence", "--out", "tpl.csv"]).ok();
    let mut csv = std::fs::read_to_string(w.path().join("tpl.csv")).unwrap();
    csv.push_str("PR.AA-01,Access review,,report,Anna,2026-01-05,2027-01-05,,IAM\n");
    w.write("tpl.csv", csv);
    w.run(&["evidence", "import", "tpl.csv"])
        .ok()
        .stderr_has("1 new evidence rows");
}

#[test]
fn date_cells_of_the_1904_date_system_read_as_the_same_dates() {
    // rust_xlsxwriter writes the 1900 system only: write serials for 1904 and switch the
    // workbook's date system the way Excel for Mac stores it (`<workbookPr date1904="1">`).
    let w = Workdir::new();
    let plain = w.path().join("plain.xlsx");
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "control_id").unwrap();
    ws.write_string(0, 1, "title").unwrap();
    ws.write_string(0, 2, "collected_on").unwrap();
    ws.write_string(1, 0, "PR.AA-01").unwrap();
    ws.write_string(1, 1, "Mac workbook").unwrap();
    // 2026-01-05 is serial 46027 in the 1900 system and 46027 - 1462 in the 1904 system.
    ws.write_number_with_format(1, 2, 46027.0 - 1462.0, &date)
        .unwrap();
    wb.save(&plain).unwrap();
    let mut src = zip::ZipArchive::new(std::fs::File::open(&plain).unwrap()).unwrap();
    let out = std::fs::File::create(w.path().join("mac.xlsx")).unwrap();
    let mut z = zip::ZipWriter::new(out);
    for i in 0..src.len() {
        let mut entry = src.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
        if name == "xl/workbook.xml" {
            let xml = String::from_utf8(bytes).unwrap();
            assert!(xml.contains("<workbookPr"), "{xml}");
            bytes = xml
                .replacen("<workbookPr", "<workbookPr date1904=\"1\"", 1)
                .into_bytes();
        }
        z.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(&bytes).unwrap();
    }
    z.finish().unwrap();
    w.run(&["evidence", "import", "mac.xlsx"]).ok();
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    assert_eq!(field(&rows[0], "collected_on"), "2026-01-05");
}

#[test]
fn rows_already_stored_and_repeated_rows_are_found_without_holding_every_row() {
    let w = Workdir::new();
    w.write("a.csv", "control_id,title\nPR.AA-01,Shared\n");
    w.run(&["evidence", "import", "a.csv"]).ok();
    let before = snapshot(&w);
    // Row 2 is a CSF 1.1 ID with two successors: PR.AA-01 (already stored by a.csv) and
    // PR.AA-05 (new). Row 4 repeats row 3.
    w.write(
        "b.csv",
        "control_id,title\nPR.AC-1,Shared\nDE.CM-01,New one\nDE.CM-01,New one\nGV.OC-01,Another\n",
    );
    w.run(&["evidence", "import", "b.csv"])
        .code(65)
        .stderr_has("b.csv, row 4: duplicate of row 3");
    assert_eq!(snapshot(&w), before, "a failed import changed the catalogue");
    w.run(&["evidence", "import", "b.csv", "--skip-invalid", "--dry-run"])
        .ok()
        .stderr_has("dry run, nothing written: 4 data rows read: 3 new evidence rows, 1 already in the catalogue (same content), 1 rejected");
    assert_eq!(snapshot(&w), before, "a dry run changed the catalogue");
    w.run(&["evidence", "import", "b.csv", "--skip-invalid"])
        .ok()
        .stderr_has(
            "4 data rows read: 3 new evidence rows, 1 already in the catalogue (same content), 1 rejected",
        );
    let rows = w.run(&["evidence", "list", "--format", "csv"]).ok().csv();
    let got: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (field(r, "control_id"), field(r, "title"), field(r, "source_row")))
        .collect();
    assert_eq!(
        got,
        vec![
            ("PR.AA-01", "Shared", "2"),
            ("PR.AA-05", "Shared", "2"),
            ("DE.CM-01", "New one", "3"),
            ("GV.OC-01", "Another", "5"),
        ]
    );
    w.run(&["evidence", "import", "b.csv", "--skip-invalid"])
        .ok()
        .stderr_has("0 new evidence rows, 4 already in the catalogue (same content), 1 rejected");
    assert_eq!(
        w.run(&["evidence", "list", "--format", "csv"]).ok().csv().len(),
        4
    );
}
