//! Issue 26, the assessor's loop: the Test results sheet of a real exported workbook (read with
//! calamine, filled in and written again with rust_xlsxwriter as an assessor's spreadsheet
//! program would), `review import`, and the next package showing the organisation's status
//! beside the assessor's result, who and when (matrix CSV, Matrix and Test results sheets,
//! review-history.csv, the manifest's chain heads). A malformed sheet (a CSV of it with a BOM
//! and CRLF) is refused with its rows, exit 65, nothing recorded.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{Workdir, field, have_tool, sha256_file};

const AS_OF: &str = "2026-11-24";

const TRACKER: &str = "\u{feff}control_id,title,owner,collected_on,valid_until,location\r\n\
PR.AA-05,Access review Q3,Anna,2026-09-30,2027-09-30,https://grc.example/access-review\r\n\
GV.OC-01,Mission statement,Ben,2026-02-01,2027-02-01,https://grc.example/mission\r\n";

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("tracker.csv", TRACKER);
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    // The organisation says implemented; the assessor will say otherwise.
    w.run(&[
        "assess",
        "PR.AA-05",
        "--status",
        "implemented",
        "--by",
        "Org Admin",
    ])
    .ok();
    w
}

fn export(w: &Workdir, out: &str) {
    w.run(&["export", "--out", out, "--as-of", AS_OF]).ok();
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::DateTime(dt) => dt.as_datetime().unwrap().date().to_string(),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The XML of one part of the workbook.
fn part(path: &Path, name: &str) -> String {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

/// The Test results sheet of `from` written to `to` as the assessor's copy: every cell as it
/// was (dates as date cells), with `fill` (control, column, value; a `Date` as a date cell)
/// typed into it. The other sheets are copied as text, so the import must find the right one.
fn fill(from: &Path, to: &Path, fill: &[(&str, &str, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for name in ["Summary", "Matrix", "Test results"] {
        let rows = sheet(from, name);
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        let header: Vec<String> = rows[0].iter().map(text).collect();
        for (r, row) in rows.iter().enumerate() {
            let r32 = u32::try_from(r).unwrap();
            for (c, cell) in row.iter().enumerate() {
                let c16 = u16::try_from(c).unwrap();
                match cell {
                    Data::DateTime(dt) => {
                        let d = dt.as_datetime().unwrap().date().to_string();
                        let x = rust_xlsxwriter::ExcelDateTime::parse_from_str(&d).unwrap();
                        ws.write_datetime_with_format(r32, c16, &x, &date).unwrap();
                    }
                    Data::Empty => {}
                    other => {
                        ws.write_string(r32, c16, text(other)).unwrap();
                    }
                }
            }
            if name != "Test results" || r == 0 {
                continue;
            }
            let id = text(&row[0]);
            for (control, col, value) in fill.iter().filter(|(c, ..)| *c == id) {
                let _ = control;
                let c = u16::try_from(header.iter().position(|h| h == col).unwrap()).unwrap();
                if *col == "Date" {
                    let x = rust_xlsxwriter::ExcelDateTime::parse_from_str(value).unwrap();
                    ws.write_datetime_with_format(r32, c, &x, &date).unwrap();
                } else {
                    ws.write_string(r32, c, *value).unwrap();
                }
            }
        }
    }
    wb.save(to).unwrap();
}

fn matrix_row(pkg: &Path, id: &str) -> Vec<(String, String)> {
    let mut r = csv::Reader::from_path(pkg.join("control-matrix.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(Result::unwrap)
        .find(|rec| &rec[0] == id)
        .map(|rec| {
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .unwrap()
}

#[test]
fn an_assessors_filled_test_results_sheet_comes_back_in_the_next_package() {
    let w = setup();
    export(&w, "pkg");
    let xlsx = w.path().join("pkg/audit-workbook.xlsx");
    let rows = sheet(&xlsx, "Test results");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    for col in [
        "Control ID",
        "Control",
        "Ownership",
        "Organisation's status",
        "Evidence",
    ] {
        assert!(header.contains(&col.to_string()), "{col} in {header:?}");
    }
    assert_eq!(
        header[header.len() - 7..],
        [
            "Method", "Sample", "Result", "Finding", "Risk", "Assessor", "Date"
        ]
    );
    // One row per control of the matrix; the assessor's columns empty before any review.
    assert_eq!(rows.len(), 107);
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[header.len() - 7..].iter().all(|c| text(c).is_empty()))
    );
    // Validation lists from the assessor's vocabulary, panes frozen at the first data cell.
    let names: Vec<String> = {
        let wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        wb.sheet_names()
    };
    let n = names.iter().position(|s| s == "Test results").unwrap() + 1;
    let xml = part(&xlsx, &format!("xl/worksheets/sheet{n}.xml"));
    for list in [
        "\"examine,interview,test\"",
        "\"satisfied,other than satisfied,not applicable\"",
        "\"low,moderate,high\"",
    ] {
        assert!(xml.contains(list), "no validation list {list}");
    }
    assert!(xml.contains("type=\"date\""), "no date validation");
    assert!(
        xml.contains(r#"xSplit="1" ySplit="1" topLeftCell="B2""#),
        "panes not frozen at B2"
    );
    assert!(xml.contains("orientation=\"landscape\"") && xml.contains("fitToHeight=\"0\""));

    let filled = w.path().join("filled.xlsx");
    fill(
        &xlsx,
        &filled,
        &[
            ("PR.AA-05", "Method", "examine"),
            ("PR.AA-05", "Sample", "12 of 40 admin accounts"),
            ("PR.AA-05", "Result", "other than satisfied"),
            ("PR.AA-05", "Finding", "3 admin accounts without MFA"),
            ("PR.AA-05", "Risk", "high"),
            ("PR.AA-05", "Assessor", "A. Assessor (Example Assessors LLP)"),
            ("PR.AA-05", "Date", "2026-11-18"),
            ("GV.OC-01", "Method", "interview"),
            ("GV.OC-01", "Result", "Satisfied"),
            ("GV.OC-01", "Assessor", "A. Assessor (Example Assessors LLP)"),
            ("GV.OC-01", "Date", "2026-11-17"),
        ],
    );
    w.run(&["review", "import", "filled.xlsx", "--by", "Lead Auditor"])
        .ok()
        .stderr_has("2 results valid")
        .stderr_has("104 rows without a result skipped");
    let listed = w.run(&["review", "list", "--format", "csv"]).ok().csv();
    assert_eq!(listed.len(), 2);
    let pr = listed
        .iter()
        .find(|r| field(r, "control_id") == "PR.AA-05")
        .unwrap();
    assert_eq!(field(pr, "result"), "other than satisfied");
    assert_eq!(field(pr, "risk"), "high");
    assert_eq!(field(pr, "assessed_on"), "2026-11-18");
    assert_eq!(field(pr, "source_sha256"), sha256_file(&filled));
    assert_eq!(field(pr, "source_place"), "Test results row 58");
    assert_eq!(field(pr, "recorded_by"), "Lead Auditor");
    // The organisation's status is untouched.
    let history = w.run(&["assess", "history", "--format", "csv"]).ok().csv();
    assert_eq!(history.len(), 1);

    export(&w, "pkg2");
    let pkg2 = w.path().join("pkg2");
    let row = matrix_row(&pkg2, "PR.AA-05");
    assert_eq!(field(&row, "status"), "implemented");
    assert_eq!(field(&row, "status_by"), "Org Admin");
    assert_eq!(field(&row, "assessor_result"), "other than satisfied");
    assert_eq!(field(&row, "assessor_risk"), "high");
    assert_eq!(field(&row, "assessor_finding"), "3 admin accounts without MFA");
    assert_eq!(field(&row, "assessor"), "A. Assessor (Example Assessors LLP)");
    assert_eq!(field(&row, "assessor_date"), "2026-11-18");
    assert_eq!(
        field(&matrix_row(&pkg2, "GV.OC-01"), "assessor_result"),
        "satisfied"
    );
    assert_eq!(field(&matrix_row(&pkg2, "DE.CM-01"), "assessor_result"), "");

    // The workbook: the Matrix sheet's assessor columns and the Test results sheet filled in.
    let xlsx2 = pkg2.join("audit-workbook.xlsx");
    let m = sheet(&xlsx2, "Matrix");
    let mh: Vec<String> = m[0].iter().map(text).collect();
    let mrow = m.iter().find(|r| text(&r[0]) == "PR.AA-05").unwrap();
    let mc = |n: &str| text(&mrow[mh.iter().position(|h| h == n).unwrap()]);
    assert_eq!(mc("status"), "implemented");
    assert_eq!(mc("assessor_result"), "other than satisfied");
    assert_eq!(mc("assessor"), "A. Assessor (Example Assessors LLP)");
    assert_eq!(mc("assessor_date"), "2026-11-18");
    let t = sheet(&xlsx2, "Test results");
    let trow = t.iter().find(|r| text(&r[0]) == "PR.AA-05").unwrap();
    let tc = |n: &str| text(&trow[header.iter().position(|h| h == n).unwrap()]);
    assert_eq!(tc("Organisation's status"), "implemented");
    assert_eq!(tc("Result"), "other than satisfied");
    assert_eq!(tc("Sample"), "12 of 40 admin accounts");
    assert_eq!(tc("Date"), "2026-11-18");

    // review-history.csv and its sheet, and the manifest's head of the review log.
    let mut r = csv::Reader::from_path(pkg2.join("review-history.csv")).unwrap();
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(recs.len(), 2);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg2.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["history"]["review"]["records"], 2);
    assert_eq!(
        manifest["history"]["review"]["head"].as_str().unwrap(),
        &recs[1][recs[1].len() - 1]
    );
    assert_eq!(sheet(&xlsx2, "Review history").len(), 3);
    w.run(&["verify", "pkg2"]).ok();
    w.run(&["check", "--against", "pkg2"]).ok();

    // The next package's workbook imported again records nothing twice.
    w.run(&["review", "import", "pkg2/audit-workbook.xlsx"])
        .ok()
        .stderr_has("2 already recorded")
        .stderr_has("recorded 0 assessor results");
    assert_eq!(w.run(&["review", "list", "--format", "csv"]).ok().csv().len(), 2);
}

#[test]
fn a_malformed_test_results_sheet_is_refused_with_its_rows_and_nothing_is_recorded() {
    let w = setup();
    // A CSV of the sheet as Excel saves one: BOM, CRLF, the columns in another order.
    w.write(
        "results.csv",
        "\u{feff}Control ID,Result,Method,Finding,Risk,Assessor,Date\r\n\
GV.OC-01,satisfied,interview,,,A. Assessor,2026-11-17\r\n\
PR.AA-05,other than satisfied,poke,MFA missing,severe,A. Assessor,2026-11-18\r\n\
DE.CM-01,satisfied,examine,,,,2026-11-18\r\n\
PR.AA-01,other than satisfied,test,,low,A. Assessor,\r\n\
ZZ.ZZ-99,satisfied,test,,,A. Assessor,2026-11-18\r\n\
GV.OC-02,,,,,,\r\n",
    );
    let run = w.run(&["review", "import", "results.csv"]).code(65);
    for needle in [
        "row 3, column `Method`: `poke`",
        "expected examine, interview or test",
        "row 3, column `Risk`: `severe`",
        "row 4, column `Assessor`",
        "row 5, column `Finding`",
        "row 5, column `Date`",
        "row 6, column `Control ID`: `ZZ.ZZ-99`",
        "nothing was changed",
    ] {
        assert!(run.stderr.contains(needle), "{needle} in {}", run.stderr);
    }
    // The valid row 2 was not recorded either: all or nothing.
    w.run(&["review", "list", "--format", "csv"]).ok();
    assert!(
        w.run(&["review", "list", "--format", "csv"])
            .ok()
            .csv()
            .is_empty()
    );
    w.run(&["check"]).ok().stderr_has("0 assessor results");

    // The same file with the rows fixed records two results and skips the row without one.
    w.write(
        "results.csv",
        "\u{feff}Control ID,Result,Method,Finding,Risk,Assessor,Date\r\n\
GV.OC-01,satisfied,interview,,,A. Assessor,2026-11-17\r\n\
PR.AA-05,other than satisfied,examine,MFA missing,moderate,A. Assessor,2026-11-18\r\n\
GV.OC-02,,,,,,\r\n",
    );
    w.run(&["review", "import", "results.csv"])
        .ok()
        .stderr_has("2 results valid, 1 rows without a result skipped");
    let listed = w
        .run(&["review", "list", "--control", "pr.aa-05", "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(listed.len(), 1);
    assert_eq!(field(&listed[0], "source_place"), "row 3");
    // A result dated after today is refused.
    w.write(
        "later.csv",
        "Control ID,Result,Method,Assessor,Date\nGV.OC-03,satisfied,test,A. Assessor,2999-01-01\n",
    );
    w.run(&["review", "import", "later.csv"])
        .code(65)
        .stderr_has("is after today");
}

#[test]
fn the_evidence_sheet_spreads_the_trackers_own_columns_and_links_web_locations() {
    let w = Workdir::new();
    w.write(
        "tracker.csv",
        "\u{feff}control_id,title,owner,collected_on,valid_until,location,Reviewer,Ticket\r\n\
PR.AA-01,SSO settings,Anna,2026-01-05,2027-01-05,https://grc.example/sso,Bob,SEC-1\r\n\
PR.AA-02,Odd link,Anna,2026-01-05,2027-01-05,javascript:alert(1),,SEC-2\r\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas");
    export(&w, "pkg");
    let xlsx = w.path().join("pkg/audit-workbook.xlsx");
    let ev = sheet(&xlsx, "Evidence");
    let header: Vec<String> = ev[0].iter().map(text).collect();
    assert!(!header.contains(&"extras".to_string()), "{header:?}");
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let sso = ev
        .iter()
        .find(|r| text(&r[col("title")]) == "SSO settings")
        .unwrap();
    assert_eq!(text(&sso[col("Reviewer")]), "Bob");
    assert_eq!(text(&sso[col("Ticket")]), "SEC-1");
    // evidence-index.csv keeps the JSON cell, for scripts.
    let index = std::fs::read_to_string(w.path().join("pkg/evidence-index.csv")).unwrap();
    assert!(
        index.contains(r#""{""Reviewer"":""Bob"",""Ticket"":""SEC-1""}""#),
        "{index}"
    );
    // The web location is a hyperlink; a `javascript:` one is not.
    let names: Vec<String> = {
        let wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
        wb.sheet_names()
    };
    let n = names.iter().position(|s| s == "Evidence").unwrap() + 1;
    let rels = part(&xlsx, &format!("xl/worksheets/_rels/sheet{n}.xml.rels"));
    assert!(rels.contains("Target=\"https://grc.example/sso\""), "{rels}");
    assert!(!rels.contains("javascript"), "{rels}");
    let xml = part(&xlsx, &format!("xl/worksheets/sheet{n}.xml"));
    assert_eq!(xml.matches("<hyperlink ").count(), 1, "{xml}");
}

/// The assessor's result reaches the two documents people read, beside the organisation's own
/// status: the PDF dossier and index.html (issue 26 with the dossiers of issue 27).
#[test]
fn the_assessors_result_is_in_the_pdf_dossier_and_index_html_beside_the_self_assessed_status() {
    let w = setup();
    w.write(
        "results.csv",
        "\u{feff}Control ID,Method,Sample,Result,Finding,Risk,Assessor,Date\r\n\
PR.AA-05,test,5 of 40 leavers,other than satisfied,Two leavers kept access,high,R. Assessor,2026-11-18\r\n",
    );
    w.run(&["review", "import", "results.csv"]).ok();
    export(&w, "pkg");
    let pkg = w.path().join("pkg");
    let html = std::fs::read_to_string(pkg.join("index.html")).unwrap();
    assert!(
        html.contains("<dt>Assessor&#39;s result</dt>") || html.contains("<dt>Assessor's result</dt>"),
        "no assessor's result in index.html"
    );
    assert!(html.contains(
        "other than satisfied (test, sample: 5 of 40 leavers); finding: Two leavers kept access; risk high"
    ));
    assert!(html.contains("Status (self-assessed)"));
    if !have_tool("pdftotext") {
        return;
    }
    let text = crate::util::pdf_words(&pkg.join("report.pdf"));
    assert!(text.contains("Status (self-assessed)"), "{text}");
    assert!(
        text.contains("Assessor's result"),
        "no assessor's result in the PDF"
    );
    assert!(
        text.contains("Two leavers kept access; risk high"),
        "no finding in the PDF"
    );
    assert!(
        text.contains("by R. Assessor on 2026-11-18"),
        "no assessor in the PDF"
    );
}
