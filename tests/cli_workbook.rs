//! The assessor workbook and the POA&M: audit-workbook.xlsx read back by calamine (and by
//! openpyxl, a second reader, when installed) against the package's own CSV files, its frozen
//! headers and filters in the sheet XML, date cells, no formula cells even for evidence written
//! to inject one, determinism; remediation plans recorded, carried forward, imported (FedRAMP
//! headers, a bad row refused as a whole, the package's poam.csv filled in and read back) and
//! shown in the POA&M, the PDF gaps table and `status`.

use std::io::Read;
use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{Workdir, field, have_tool};

const AS_OF: &str = "2026-11-24";

/// Evidence a spreadsheet would run as formulas, a BOM and CRLF line ends, as users' trackers
/// come.
const TRACKER: &str = "\u{feff}control_id,title,description,owner,collected_on,valid_until,location\r\n\
PR.AA-01,SSO settings,\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",Anna,2026-01-05,2027-01-05,https://grc.example/sso\r\n\
PR.AA-05,+SUM(A1:A9),-42.5,@admin,2025-01-05,2025-06-30,https://grc.example/x\r\n\
DE.CM-01,SIEM rules,\"multi\r\nline\",Chloé,2026-03-01,,https://grc.example/siem\r\n";

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("tracker.csv", TRACKER);
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    w
}

fn plan(w: &Workdir, args: &[&str]) -> crate::util::Run {
    let mut a = vec!["plan"];
    a.extend_from_slice(args);
    w.run(&a)
}

fn export(w: &Workdir, out: &str, extra: &[&str]) -> crate::util::Run {
    let mut args = vec!["export", "--out", out, "--as-of", AS_OF];
    args.extend_from_slice(extra);
    // Generated at a fixed time (2026-11-24T12:00:00Z), so that two exports compare byte for
    // byte.
    let mut c = w.cmd(&args);
    c.env("SOURCE_DATE_EPOCH", crate::util::SOURCE_DATE_EPOCH);
    w.run_cmd(c)
}

/// A workbook cell as the CSV writes it: text as is, whole numbers without a fraction, dates as
/// YYYY-MM-DD.
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

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    r.records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// The XML of every part of the workbook whose name starts with `prefix`.
fn parts(path: &Path, prefix: &str) -> Vec<(String, String)> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        if name.starts_with(prefix) {
            let mut s = String::new();
            f.read_to_string(&mut s).unwrap();
            out.push((name, s));
        }
    }
    out.sort();
    out
}

#[test]
fn the_workbook_holds_the_csv_rows_with_frozen_headers_filters_dates_and_no_formulas() {
    let w = setup();
    plan(
        &w,
        &[
            "PR.AA-05",
            "--due",
            "2027-03-31",
            "--owner",
            "J. Doe",
            "--action",
            "Enforce MFA for admin accounts",
            "--milestone",
            "2027-01-15: MFA for admins",
        ],
    )
    .ok();
    // --raw-csv: the CSV cells exactly, as the workbook holds them (it needs no neutralising).
    export(&w, "pkg", &["--raw-csv"]).ok();
    let pkg = w.path().join("pkg");
    let xlsx = pkg.join("audit-workbook.xlsx");
    let wb: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    assert_eq!(
        wb.sheet_names(),
        [
            "Summary",
            "Matrix",
            "Test results",
            "Gaps",
            "Evidence",
            "POA&M",
            "Closed POA&M Items",
            "Inheritance gaps",
            "Attestations",
            "Assessment history",
            "Plan history",
            "Ownership history",
            "Evidence batches",
            "Review history",
            "Profile"
        ]
    );

    // Every sheet but the Summary is its CSV file, row for row and cell for cell; the Matrix
    // sheet leaves out the columns of service models out of scope and the tally columns empty
    // in every row (issue 26), every other column is the CSV's.
    for (name, csv_file) in [
        ("Matrix", "control-matrix.csv"),
        ("Gaps", "gaps.csv"),
        ("Evidence", "evidence-index.csv"),
        ("POA&M", "poam.csv"),
    ] {
        let rows = sheet(&xlsx, name);
        let csv = csv_rows(&pkg.join(csv_file));
        assert_eq!(rows.len(), csv.len(), "{name}: rows");
        let header: Vec<String> = rows[0].iter().map(text).collect();
        let at: Vec<usize> = header
            .iter()
            .map(|h| {
                csv[0]
                    .iter()
                    .position(|c| c == h)
                    .unwrap_or_else(|| panic!("{name}: {h}"))
            })
            .collect();
        for (i, (got, want)) in rows.iter().zip(&csv).enumerate() {
            let got: Vec<String> = got.iter().map(text).collect();
            let want: Vec<String> = at
                .iter()
                .map(|c| want.get(*c).cloned().unwrap_or_default())
                .collect();
            assert_eq!(got, want, "{name} row {}", i + 1);
        }
        if name == "Matrix" {
            let dropped: Vec<&String> = csv[0].iter().filter(|h| !header.contains(h)).collect();
            assert!(dropped.iter().any(|h| *h == "bare_metal") && dropped.iter().any(|h| *h == "saas"));
            assert!(header.contains(&"iaas".to_string()) && header.contains(&"model".to_string()));
            for h in &dropped {
                let c = csv[0].iter().position(|x| x == *h).unwrap();
                assert!(
                    csv[1..].iter().all(|r| r[c].is_empty()),
                    "{h} dropped but not empty"
                );
            }
        }
    }
    // The injection evidence is text: no cell anywhere is a formula.
    let evidence = sheet(&xlsx, "Evidence");
    let hyperlink = evidence.iter().find(|r| text(&r[1]) == "PR.AA-01").unwrap();
    assert_eq!(
        hyperlink[3],
        Data::String("=HYPERLINK(\"http://evil.example\",\"x\")".into())
    );
    let sums = evidence.iter().find(|r| text(&r[1]) == "PR.AA-05").unwrap();
    assert_eq!(sums[2], Data::String("+SUM(A1:A9)".into()));
    assert_eq!(sums[3], Data::String("-42.5".into()));
    assert_eq!(sums[5], Data::String("@admin".into()));
    for (part, xml) in parts(&xlsx, "xl/worksheets/sheet") {
        assert!(
            !xml.contains("<f>") && !xml.contains("<f "),
            "{part} has a formula"
        );
        // Panes frozen at the first data cell (the header row and the control's column) and
        // an autofilter over the table.
        assert!(
            xml.contains(r#"ySplit="1" topLeftCell="B2" activePane="bottomRight" state="frozen"/>"#)
                || xml.contains(r#"ySplit="1" topLeftCell="C2" activePane="bottomRight" state="frozen"/>"#),
            "{part}: no frozen header"
        );
        assert!(xml.contains("<autoFilter ref=\"A1:"), "{part}: no autofilter");
        assert!(xml.contains("customWidth=\"1\""), "{part}: no column widths");
    }
    assert!(
        parts(&xlsx, "xl/")
            .iter()
            .all(|(_, x)| !x.contains("HYPERLINK(\"http") || !x.contains("<f"))
    );
    // Dates are date cells, counts are numbers.
    assert!(matches!(hyperlink[6], Data::DateTime(_)), "{:?}", hyperlink[6]);
    assert!(matches!(hyperlink[7], Data::DateTime(_)), "{:?}", hyperlink[7]);
    assert!(matches!(hyperlink[0], Data::Float(_)), "{:?}", hyperlink[0]);
    let matrix = sheet(&xlsx, "Matrix");
    let count = matrix[0]
        .iter()
        .position(|h| text(h) == "evidence_count")
        .unwrap();
    assert!(matrix[1..].iter().all(|r| matches!(r[count], Data::Float(_))));

    // The plan is in the POA&M row of its control; a gap without one says so.
    let poam = sheet(&xlsx, "POA&M");
    let header: Vec<String> = poam[0].iter().map(text).collect();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let row = poam
        .iter()
        .find(|r| text(&r[col("Controls")]) == "PR.AA-05")
        .unwrap();
    assert_eq!(text(&row[col("Point of Contact")]), "J. Doe");
    assert_eq!(
        text(&row[col("Overall Remediation Plan")]),
        "Enforce MFA for admin accounts"
    );
    assert!(matches!(row[col("Scheduled Completion Date")], Data::DateTime(_)));
    assert_eq!(text(&row[col("Scheduled Completion Date")]), "2027-03-31");
    assert_eq!(
        text(&row[col("Planned Milestones")]),
        "2027-01-15: MFA for admins"
    );
    assert_eq!(text(&row[col("Status")]), "Ongoing");
    assert_eq!(text(&row[col("POAM ID")]), "POAM-PR.AA-05");
    let weakness = text(&row[col("Weakness Description")]);
    assert!(weakness.contains("Evidence: expired-or-stale"), "{weakness}");
    let unplanned = poam
        .iter()
        .find(|r| text(&r[col("Controls")]) == "GV.OC-01")
        .unwrap();
    // FedRAMP's status words (issue 26): a gap without a plan is an open item.
    assert_eq!(text(&unplanned[col("Status")]), "Ongoing");
    assert_eq!(text(&unplanned[col("Point of Contact")]), "");

    // The Summary is the status table, then the cover facts.
    let summary = sheet(&xlsx, "Summary");
    let status = w
        .run(&["status", "--as-of", AS_OF, "--format", "csv"])
        .ok()
        .stdout;
    let status = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(status.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect::<Vec<_>>())
        .collect::<Vec<_>>();
    // Its headers are spelled for people (issue 26): `shared_provider_led` is `Shared provider
    // led`; its rows are the status table's.
    let readable: Vec<String> = status[0]
        .iter()
        .map(|h| {
            let h = h.replace('_', " ");
            format!("{}{}", h[..1].to_uppercase(), &h[1..])
        })
        .collect();
    assert_eq!(summary[0].iter().map(text).collect::<Vec<_>>(), readable);
    for (got, want) in summary.iter().zip(&status).skip(1) {
        assert_eq!(&got.iter().map(text).collect::<Vec<_>>(), want);
    }
    // Its filter leaves the total row out.
    let n = summary.iter().position(|r| text(&r[0]) == "total").unwrap();
    assert!(
        parts(&xlsx, "xl/worksheets/sheet1.xml")[0]
            .1
            .contains(&format!("<autoFilter ref=\"A1:Z{n}\"/>")),
        "the Summary's filter takes in the total row"
    );
    let facts: Vec<(String, Data)> = summary[status.len()..]
        .iter()
        .filter(|r| !r.is_empty())
        .map(|r| (text(&r[0]), r.get(1).cloned().unwrap_or(Data::Empty)))
        .collect();
    let as_of = facts.iter().find(|(k, _)| k == "As of").unwrap();
    assert!(matches!(as_of.1, Data::DateTime(_)));
    assert_eq!(text(&as_of.1), AS_OF);
    assert!(
        facts
            .iter()
            .any(|(k, v)| k == "customer" && text(v).contains("the customer alone"))
    );

    // Listed in the manifest and checked by verify: one byte changed fails it.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "audit-workbook.xlsx")
    );
    assert_eq!(
        manifest["parameters"]["formats"],
        serde_json::json!(["pdf", "csv", "xlsx", "html"])
    );
    w.run(&["verify", "pkg"]).ok();
    let mut bytes = std::fs::read(&xlsx).unwrap();
    let n = bytes.len();
    bytes[n / 2] ^= 1;
    std::fs::write(&xlsx, bytes).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("altered: audit-workbook.xlsx");
}

#[test]
fn two_exports_with_the_same_as_of_give_the_same_workbook_and_formats_choose_the_files() {
    let w = setup();
    export(&w, "a", &[]).ok();
    // Another second on the clock: nothing in the workbook may depend on it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    export(&w, "b", &[]).ok();
    let a = std::fs::read(w.path().join("a/audit-workbook.xlsx")).unwrap();
    let b = std::fs::read(w.path().join("b/audit-workbook.xlsx")).unwrap();
    assert!(a == b, "two exports with the same --as-of differ");
    let core = parts(&w.path().join("a/audit-workbook.xlsx"), "docProps/core.xml");
    // Created when it was generated: SOURCE_DATE_EPOCH.
    assert!(core[0].1.contains("2026-11-24T12:00:00Z"), "{}", core[0].1);

    // --formats xlsx: the workbook, the manifest, which says so, and SHA256SUMS; verify holds it
    // to that.
    export(&w, "x", &["--formats", "xlsx"]).ok();
    let mut files: Vec<String> = std::fs::read_dir(w.path().join("x"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["SHA256SUMS", "audit-workbook.xlsx", "manifest.json"]);
    w.run(&["verify", "x"]).ok();
    let m = w.path().join("x/manifest.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&m).unwrap()).unwrap();
    v["files"] = serde_json::json!([]);
    std::fs::remove_file(w.path().join("x/audit-workbook.xlsx")).unwrap();
    std::fs::write(&m, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
    w.run(&["verify", "x"]).code(1).stderr_has("audit-workbook.xlsx");
    // The default writes all three; a CSV package holds the POA&M.
    let a: Vec<String> = std::fs::read_dir(w.path().join("a"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for f in ["report.pdf", "poam.csv", "audit-workbook.xlsx", "gaps.csv"] {
        assert!(a.iter().any(|x| x == f), "{f} missing from {a:?}");
    }
    w.run(&["export", "--out", "y", "--formats", "pdf,docx"])
        .code(2)
        .stderr_has("`docx` is not a format");
}

/// A Python that has openpyxl, if any (a second, independent xlsx reader).
fn openpyxl() -> Option<&'static str> {
    for py in ["python3", "/usr/bin/python3"] {
        let ok = std::process::Command::new(py)
            .args(["-c", "import openpyxl"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(py);
        }
    }
    // Reported (and failed when CSFKIT_REQUIRE_TOOLS is set) like the other outside checkers.
    have_tool("openpyxl-python-module");
    None
}

#[test]
fn openpyxl_reads_the_same_sheets_frozen_headers_filters_and_dates() {
    let w = setup();
    export(&w, "pkg", &[]).ok();
    let Some(py) = openpyxl() else { return };
    let script = r#"
import sys, openpyxl, datetime
wb = openpyxl.load_workbook(sys.argv[1])
for ws in wb.worksheets:
    print(ws.title, ws.max_row, ws.freeze_panes, ws.auto_filter.ref, sep="|")
ev = wb["Evidence"]
for row in ev.iter_rows(min_row=2, values_only=True):
    print("EV", row[1], type(row[6]).__name__, row[6], row[3], sep="|")
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                print("FORMULA", ws.title, c.coordinate)
"#;
    let out = std::process::Command::new(py)
        .args(["-c", script])
        .arg(w.path().join("pkg/audit-workbook.xlsx"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = String::from_utf8(out.stdout).unwrap();
    // Each sheet: as many rows as its CSV, its filter over every column the CSV has.
    let last = |n: usize| {
        let (a, b) = ((n - 1) / 26, (n - 1) % 26);
        let letter = |i: usize| char::from(b'A' + u8::try_from(i).unwrap());
        if a == 0 {
            letter(b).to_string()
        } else {
            format!("{}{}", letter(a - 1), letter(b))
        }
    };
    for (sheet, file) in [
        ("Matrix", "control-matrix.csv"),
        ("Gaps", "gaps.csv"),
        ("Evidence", "evidence-index.csv"),
        ("POA&M", "poam.csv"),
    ] {
        let rows = csv_rows(&w.path().join("pkg").join(file));
        // The Matrix sheet has the CSV's columns but those left out (issue 26).
        let cols = if sheet == "Matrix" {
            self::sheet(&w.path().join("pkg/audit-workbook.xlsx"), "Matrix")[0].len()
        } else {
            rows[0].len()
        };
        let n = rows.len();
        // Panes frozen at the first data cell: B2 (C2 on the Evidence sheet, its ID and control).
        let top = if sheet == "Evidence" { "C2" } else { "B2" };
        assert!(
            out.contains(&format!("{sheet}|{n}|{top}|A1:{}{n}", last(cols))),
            "{sheet}: {out}"
        );
    }
    assert!(
        out.contains("EV|PR.AA-01|datetime|2026-01-05 00:00:00|=HYPERLINK(\"http://evil.example\",\"x\")"),
        "{out}"
    );
    assert!(!out.contains("FORMULA"), "{out}");
}

#[test]
fn plans_are_recorded_append_only_carried_forward_and_listed() {
    let w = setup();
    // A new plan needs the due date, owner and action.
    plan(&w, &["PR.AA-05", "--owner", "J. Doe"])
        .code(2)
        .stderr_has("pass --due DATE");
    plan(
        &w,
        &[
            "pr.aa-5",
            "--due",
            "2026-10-31",
            "--owner",
            "J. Doe",
            "--action",
            "Rotate admin keys",
            "--milestone",
            "2026-09-01: inventory",
            "--by",
            "Alice",
        ],
    )
    .ok()
    .stderr_has("PR.AA-05: plan open due 2026-10-31");
    plan(&w, &["PR.AA-05", "--milestone", "soon: x"])
        .code(2)
        .stderr_has("expected `YYYY-MM-DD: what is done by then`");
    plan(
        &w,
        &["PR.AA-99", "--due", "2027-01-01", "--owner", "x", "--action", "y"],
    )
    .code(65)
    .stderr_has("PR.AA-0");
    // Overdue as of the listing date.
    let listed = w
        .run(&["plan", "list", "--as-of", AS_OF, "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(listed.len(), 1);
    assert_eq!(field(&listed[0], "state"), "overdue");
    assert_eq!(field(&listed[0], "milestones"), "2026-09-01: inventory");
    assert_eq!(field(&listed[0], "by"), "Alice");
    let overdue = w
        .run(&[
            "plan",
            "list",
            "--overdue",
            "--as-of",
            "2026-10-01",
            "--format",
            "csv",
        ])
        .ok()
        .csv();
    assert!(overdue.is_empty());
    // Risk accepted needs a note; then it keeps due date, owner, action and milestones.
    plan(&w, &["PR.AA-05", "--status", "risk-accepted"])
        .code(65)
        .stderr_has("needs a justification");
    plan(
        &w,
        &[
            "PR.AA-05",
            "--status",
            "risk-accepted",
            "--note",
            "CISO accepts until 2027",
        ],
    )
    .ok();
    let all = w.run(&["plan", "list", "--all", "--format", "csv"]).ok().csv();
    assert_eq!(all.len(), 2, "append-only: both records are kept");
    let now = &all[1];
    assert_eq!(field(now, "status"), "risk-accepted");
    assert_eq!(field(now, "due"), "2026-10-31");
    assert_eq!(field(now, "owner"), "J. Doe");
    assert_eq!(field(now, "milestones"), "2026-09-01: inventory");
    // A control that is no gap: recorded, with a warning.
    w.run(&["assess", "PR.AA-01", "--status", "implemented"]).ok();
    plan(
        &w,
        &[
            "PR.AA-01",
            "--due",
            "2027-01-01",
            "--owner",
            "Ops",
            "--action",
            "Keep it so",
        ],
    )
    .ok()
    .stderr_has("PR.AA-01 is not a gap of datacrunch (iaas,model) today");
    // status counts the gaps by plan.
    let s = w.run(&["status", "--as-of", AS_OF, "--format", "csv"]).ok().csv();
    let total = s.iter().find(|r| field(r, "function") == "total").unwrap();
    assert_eq!(field(total, "gaps_risk_accepted"), "1");
    assert_eq!(field(total, "gaps_planned"), "0");
    let gaps: usize = field(total, "gaps").parse().unwrap();
    assert_eq!(field(total, "gaps_unplanned"), (gaps - 1).to_string());
    let pr = s.iter().find(|r| field(r, "function") == "PR").unwrap();
    assert_eq!(field(pr, "gaps_risk_accepted"), "1");
}

#[test]
fn plan_import_reads_a_fedramp_poam_all_or_nothing_and_the_packages_poam_round_trips() {
    let w = setup();
    // A FedRAMP-style POA&M written by a real spreadsheet writer, title rows above the header,
    // the due date a real date cell; one bad row.
    let write = |name: &str, bad: bool| {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Open POA&M Items").unwrap();
        ws.write_string(0, 0, "Plan of Action and Milestones — Payments")
            .unwrap();
        let header = [
            "POAM ID",
            "Controls",
            "Weakness Name",
            "Point of Contact",
            "Overall Remediation Plan",
            "Scheduled Completion Date",
            "Planned Milestones",
            "Status",
            "Comments",
        ];
        for (c, h) in header.iter().enumerate() {
            ws.write_string(2, c as u16, *h).unwrap();
        }
        let date = rust_xlsxwriter::Format::new().set_num_format("dd/mm/yyyy");
        let rows: [[&str; 9]; 3] = [
            [
                "V-1",
                "PR.AA-05",
                "Stale keys",
                "J. Doe",
                "Rotate keys",
                "",
                "2027-01-15: inventory\n2027-02-15: rotate",
                "Ongoing",
                "",
            ],
            [
                "V-2",
                "DE.CM-01",
                "SIEM",
                "SecOps",
                "Tune rules",
                "",
                "",
                "Risk Accepted",
                "Compensating control: MDR",
            ],
            [
                "V-3",
                if bad { "PR.AC-01" } else { "GV.OC-01" },
                "Mission",
                "CEO",
                "Write it",
                "",
                if bad { "next week: draft" } else { "" },
                "Ongoing",
                "",
            ],
        ];
        for (r, row) in rows.iter().enumerate() {
            let r = r as u32 + 3;
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string(r, c as u16, *v).unwrap();
                }
            }
            let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2027, 3, r as u8).unwrap();
            ws.write_date_with_format(r, 5, &d, &date).unwrap();
        }
        wb.save(w.path().join(name)).unwrap();
    };
    write("bad.xlsx", true);
    w.run(&["plan", "import", "bad.xlsx"])
        .code(65)
        .stderr_has("Open POA&M Items")
        .stderr_has("row 6")
        .stderr_has("PR.AA-01")
        .stderr_has("Planned Milestones");
    assert!(
        w.run(&["plan", "list", "--format", "csv"]).ok().csv().is_empty(),
        "nothing recorded"
    );
    write("good.xlsx", false);
    w.run(&["plan", "import", "good.xlsx", "--by", "Auditee"])
        .ok()
        .stderr_has("3 plan rows valid");
    let listed = w.run(&["plan", "list", "--format", "csv"]).ok().csv();
    assert_eq!(listed.len(), 3);
    let pr = listed
        .iter()
        .find(|r| field(r, "control_id") == "PR.AA-05")
        .unwrap();
    assert_eq!(field(pr, "due"), "2027-03-03");
    assert_eq!(
        field(pr, "milestones"),
        "2027-01-15: inventory; 2027-02-15: rotate"
    );
    assert_eq!(field(pr, "by"), "Auditee");
    assert!(field(pr, "source").starts_with("import good.xlsx ("));
    let de = listed
        .iter()
        .find(|r| field(r, "control_id") == "DE.CM-01")
        .unwrap();
    assert_eq!(field(de, "status"), "risk-accepted");

    // The package's poam.csv, one more plan filled in and imported back: the rows without a
    // plan are skipped, the others recorded again as they were.
    export(&w, "pkg", &[]).ok();
    let poam = std::fs::read_to_string(w.path().join("pkg/poam.csv")).unwrap();
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut rows = csv::Reader::from_reader(poam.as_bytes());
    let header = rows.headers().unwrap().clone();
    out.write_record(&header).unwrap();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut unplanned = 0;
    for r in rows.records() {
        let mut r: Vec<String> = r.unwrap().iter().map(str::to_string).collect();
        if r[col("Controls")] == "ID.AM-02" {
            r[col("Point of Contact")] = "IT".into();
            r[col("Overall Remediation Plan")] = "Inventory every server".into();
            r[col("Scheduled Completion Date")] = "2027-06-30".into();
        } else if r[col("Point of Contact")].is_empty() {
            // An open item without a plan (Ongoing, plan columns empty).
            unplanned += 1;
        }
        out.write_record(&r).unwrap();
    }
    w.write("poam-filled.csv", out.into_inner().unwrap());
    w.run(&["plan", "import", "poam-filled.csv"])
        .ok()
        .stderr_has("4 plan rows valid")
        .stderr_has(&format!("{unplanned} rows without a plan skipped"));
    let listed = w.run(&["plan", "list", "--format", "csv"]).ok().csv();
    assert_eq!(listed.len(), 4);
    let id = listed
        .iter()
        .find(|r| field(r, "control_id") == "ID.AM-02")
        .unwrap();
    assert_eq!(field(id, "owner"), "IT");
    let pr = listed
        .iter()
        .find(|r| field(r, "control_id") == "PR.AA-05")
        .unwrap();
    assert_eq!(
        field(pr, "milestones"),
        "2027-01-15: inventory; 2027-02-15: rotate"
    );
    assert_eq!(field(pr, "status"), "open");
}

#[test]
fn the_pdf_gaps_table_shows_the_due_date_and_owner_of_a_plan() {
    let w = setup();
    plan(
        &w,
        &[
            "GV.OC-01",
            "--due",
            "2026-10-01",
            "--owner",
            "Board",
            "--action",
            "Write the mission",
        ],
    )
    .ok();
    plan(
        &w,
        &[
            "GV.OC-02",
            "--due",
            "2027-02-01",
            "--owner",
            "Legal",
            "--action",
            "Stakeholder map",
        ],
    )
    .ok();
    export(&w, "pkg", &["--formats", "pdf"]).ok();
    if !have_tool("pdftotext") {
        return;
    }
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(w.path().join("pkg/report.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = crate::util::after_contents(&String::from_utf8_lossy(&out.stdout));
    let gaps = text.split("\nGaps\n").nth(1).expect("a Gaps section");
    let line = |id: &str| {
        gaps.lines()
            .find(|l| l.trim_start().starts_with(id))
            .unwrap_or_else(|| panic!("{id} not in the gaps table"))
            .to_string()
    };
    assert!(
        line("GV.OC-01").contains("2026-10-01 OVERDUE"),
        "{}",
        line("GV.OC-01")
    );
    assert!(line("GV.OC-01").contains("Board"));
    assert!(line("GV.OC-02").contains("2027-02-01"));
    assert!(line("GV.OC-02").contains("Legal"));
    assert!(line("GV.OC-03").contains("no plan"));
    assert!(
        gaps.contains("1 with a remediation plan on schedule, 1 overdue"),
        "{gaps}"
    );
}

#[test]
fn a_poam_csv_imports_back_exactly_and_updates_keep_status_and_note() {
    let w = setup();
    plan(
        &w,
        &[
            "PR.AA-02",
            "--due",
            "2027-06-01",
            "--owner",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "--action=- rotate keys",
            "--milestone",
            "2027-01-15: cut over; 2027-03-01 review follows",
            "--milestone",
            "2027-04-01: step one\nstep two",
        ],
    )
    .ok();
    plan(
        &w,
        &[
            "PR.AA-03",
            "--due",
            "2026-12-02",
            "--owner",
            "Ops",
            "--action",
            "Accept the residual risk",
            "--status",
            "risk-accepted",
            "--note=@accepted by the CISO",
        ],
    )
    .ok();
    // An update of the owner alone keeps the risk acceptance and its justification.
    plan(&w, &["PR.AA-03", "--owner", "New Owner"]).ok();
    let listed = w
        .run(&["plan", "list", "PR.AA-03", "--format", "csv", "--raw-csv"])
        .ok()
        .csv();
    assert_eq!(field(&listed[0], "owner"), "New Owner");
    assert_eq!(field(&listed[0], "status"), "risk-accepted");
    assert_eq!(field(&listed[0], "note"), "@accepted by the CISO");
    // A superseded record is never overdue.
    plan(
        &w,
        &["PR.AA-04", "--due", "2026-01-01", "--owner", "o", "--action", "a"],
    )
    .ok();
    plan(&w, &["PR.AA-04", "--status", "closed", "--note", "done"]).ok();
    let all = w
        .run(&[
            "plan", "list", "PR.AA-04", "--all", "--format", "csv", "--as-of", AS_OF,
        ])
        .ok()
        .csv();
    let states: Vec<&str> = all.iter().map(|r| field(r, "state")).collect();
    assert_eq!(states, ["superseded", "closed"]);
    let overdue = w
        .run(&[
            "plan",
            "list",
            "--all",
            "--overdue",
            "--format",
            "csv",
            "--as-of",
            AS_OF,
        ])
        .ok()
        .csv();
    assert!(overdue.iter().all(|r| field(r, "control_id") != "PR.AA-04"));
    plan(
        &w,
        &[
            "PR.AA-06",
            "--due",
            "+10000-01-01",
            "--owner",
            "o",
            "--action",
            "a",
        ],
    )
    .code(2);

    // The package's poam.csv into a new catalogue gives the same plans, text exact.
    export(&w, "pkg", &["--formats", "csv"]).ok();
    let poam = std::fs::read(w.path().join("pkg/poam.csv")).unwrap();
    let w2 = setup();
    w2.write("poam.csv", &poam);
    w2.run(&["plan", "import", "poam.csv"]).ok();
    let fields = [
        "control_id",
        "due",
        "owner",
        "action",
        "milestones",
        "status",
        "note",
    ];
    let plans = |w: &Workdir| -> Vec<Vec<String>> {
        w.run(&["plan", "list", "--format", "csv", "--raw-csv"])
            .ok()
            .csv()
            .iter()
            .map(|r| fields.iter().map(|f| field(r, f).to_string()).collect())
            .collect()
    };
    assert_eq!(plans(&w2), plans(&w));
    assert!(
        plans(&w2)
            .iter()
            .any(|p| p[2] == "=HYPERLINK(\"http://evil.example\",\"x\")")
    );

    // A risk acceptance typed into a row without a plan is checked, not skipped.
    let text = String::from_utf8(poam).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    let mut edited = false;
    for rec in r.records() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        if !edited && rec[col("Point of Contact")].is_empty() {
            rec[col("Status")] = "Risk Accepted".into();
            rec[col("Comments")] = "Accepted by the CISO until 2027-12-31".into();
            edited = true;
        }
        out.write_record(&rec).unwrap();
    }
    let w3 = setup();
    w3.write("poam.csv", out.into_inner().unwrap());
    w3.run(&["plan", "import", "poam.csv"])
        .code(65)
        .stderr_has("a plan needs a due date");
    assert!(w3.run(&["plan", "list", "--format", "csv"]).ok().csv().is_empty());

    // Due dates written as text in another order are read with --date-format.
    w3.write(
        "dmy.csv",
        "Control,Due,Owner,Action\r\nPR.AA-01,01/02/2027,IAM,Enforce MFA\r\n",
    );
    w3.run(&["plan", "import", "dmy.csv"])
        .code(65)
        .stderr_has("--date-format");
    w3.run(&["plan", "import", "dmy.csv", "--date-format", "%d/%m/%Y"])
        .ok();
    let got = w3.run(&["plan", "list", "--format", "csv"]).ok().csv();
    assert_eq!(field(&got[0], "due"), "2027-02-01");
}

#[test]
fn the_catalogue_digest_covers_the_plans_the_poam_shows() {
    let w = setup();
    let digest = |out: &str| {
        export(&w, out, &["--formats", "csv"]).ok();
        let m: serde_json::Value =
            serde_json::from_slice(&std::fs::read(w.path().join(out).join("manifest.json")).unwrap())
                .unwrap();
        m["catalogue_digest"].as_str().unwrap().to_string()
    };
    let before = digest("before");
    plan(
        &w,
        &[
            "PR.AA-01",
            "--due",
            "2027-01-31",
            "--owner",
            "IAM",
            "--action",
            "MFA",
        ],
    )
    .ok();
    assert_ne!(digest("after"), before);
}
