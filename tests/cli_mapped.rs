//! Evidence keyed by other frameworks: trackers keyed by SP 800-53 Rev 5 and by ISO/IEC
//! 27001:2022 Annex A (xlsx written by a real spreadsheet writer) land on exactly the CSF 2.0
//! subcategories whose NIST informative references cite each ID, computed here from the shipped
//! NIST export (frameworks/csf2.xlsx) with a reader of its own; the ID as written is kept in
//! the listing, the package and the PDF; an ID nothing cites is refused with its row; an
//! enhancement nobody cites falls back to its base control; `control AC-2` and `crosswalk`
//! answer from the same references; coverage with and without `--no-mapped`.

use std::collections::{BTreeMap, BTreeSet};

use calamine::{Data, Reader};

use crate::util::{Workdir, field, have_tool, repo};

/// Each active CSF 2.0 subcategory of the shipped NIST export with its informative references
/// of `source` (e.g. `SP 800-53 Rev 5.2.0`), as written.
fn nist_references(source: &str) -> Vec<(String, Vec<String>)> {
    let mut wb = calamine::open_workbook_auto(repo().join("frameworks/csf2.xlsx")).unwrap();
    let range = wb.worksheet_range("CSF 2.0").unwrap();
    let mut out = Vec::new();
    for row in range.rows() {
        let cell = |i: usize| match row.get(i) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        };
        let sub = cell(2);
        let Some((id, text)) = sub.split_once(':') else {
            continue;
        };
        if !id.contains('-') || text.contains("[Withdrawn") {
            continue;
        }
        let prefix = format!("{source}: ");
        let refs: Vec<String> = cell(4)
            .lines()
            .filter_map(|l| l.trim().strip_prefix(&prefix).map(str::to_string))
            .collect();
        out.push((id.trim().to_string(), refs));
    }
    assert!(out.len() > 100, "the NIST export lists the subcategories");
    out
}

/// An SP 800-53 ID as family and numbers, to compare `AC-02` with `AC-2` and `CM-07(02)` with
/// `CM-7(2)`; None for a reference that names no control (a family such as `PM`).
fn sp_key(s: &str) -> Option<(String, u32, Option<u32>)> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let (family, rest) = t.split_once('-')?;
    let number: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let enhancement = rest
        .split_once('(')
        .map(|(_, e)| e.trim_end_matches(')').parse().unwrap());
    Some((family.to_string(), number.parse().ok()?, enhancement))
}

/// The subcategories NIST's export says cite SP 800-53 `id`, in document order.
fn cited_sp(id: &str) -> Vec<String> {
    let want = sp_key(id);
    assert!(want.is_some(), "{id}");
    nist_references("SP 800-53 Rev 5.2.0")
        .into_iter()
        .filter(|(_, refs)| refs.iter().any(|r| sp_key(r) == want))
        .map(|(id, _)| id)
        .collect()
}

/// The subcategories NIST's export says cite ISO/IEC 27001:2022 Annex A control `n` (`5.15`).
fn cited_iso(n: &str) -> Vec<String> {
    let want = format!("Annex A Controls: {n}");
    nist_references("ISO/IEC 27001:2022")
        .into_iter()
        .filter(|(_, refs)| refs.iter().any(|r| r.trim() == want))
        .map(|(id, _)| id)
        .collect()
}

/// A tracker as teams keep them: a title row, then Control, Title, Collected, Evidence link.
fn tracker(w: &Workdir, name: &str, rows: &[(&str, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Evidence").unwrap();
    ws.write_string(0, 0, "Control evidence tracker (FY2026)")
        .unwrap();
    for (c, h) in ["Control", "Title", "Collected", "Location"].iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (i, (id, title)) in rows.iter().enumerate() {
        let r = i as u32 + 2;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *title).unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 11, 1).unwrap();
        ws.write_date_with_format(r, 2, &d, &date).unwrap();
        ws.write_string(r, 3, format!("https://grc.example/{i}")).unwrap();
    }
    wb.save(w.path().join(name)).unwrap();
}

/// True when the catalogue holds no evidence row (a refused import stored nothing).
fn no_evidence(w: &Workdir) -> bool {
    w.run(&["evidence", "list", "--format", "csv"])
        .ok()
        .csv()
        .is_empty()
}

/// The controls each title landed on, from `evidence list`.
fn landed(w: &Workdir) -> BTreeMap<String, Vec<(String, String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String, String)>> = BTreeMap::new();
    for r in w.run(&["evidence", "list", "--format", "csv"]).ok().csv() {
        out.entry(field(&r, "title").to_string()).or_default().push((
            field(&r, "control_id").to_string(),
            field(&r, "mapped_from").to_string(),
            field(&r, "mapped_framework").to_string(),
        ));
    }
    out
}

#[test]
fn an_sp800_53_tracker_lands_on_exactly_the_subcategories_nist_cites() {
    let w = Workdir::new();
    // Spellings people use, a cited enhancement, and an enhancement nobody cites.
    let rows = [
        ("AC-2", "Account reviews"),
        ("ac-02", "Joiner mover leaver tickets"),
        ("SI-4", "SIEM use cases"),
        ("IR-04", "Incident tickets"),
        ("CM-07(02)", "Allow-listing"),
        ("AC-2 (1)", "Automated account management"),
    ];
    assert!(
        cited_sp("AC-2(1)").is_empty(),
        "the fixture needs an enhancement nobody cites"
    );
    assert!(!cited_sp("CM-7(2)").is_empty(), "and one that is cited");
    tracker(&w, "nist.xlsx", &rows);
    let run = w.run(&["evidence", "import", "nist.xlsx"]).ok();
    // The enhancement nobody cites falls back to its base control, said with its row.
    run.stderr_has("sheet `Evidence`, row 8")
        .stderr_has("AC-2(1) is cited by no CSF 2.0 subcategory; read as its base control AC-2");
    let got = landed(&w);
    for (id, title) in rows {
        let want = if id == "AC-2 (1)" {
            cited_sp("AC-2")
        } else {
            cited_sp(id)
        };
        assert!(!want.is_empty());
        let rows = &got[title];
        let controls: Vec<&str> = rows.iter().map(|(c, _, _)| c.as_str()).collect();
        assert_eq!(controls, want, "{id}");
        // The ID as written and its framework are kept on every row.
        assert!(
            rows.iter().all(|(_, from, f)| from == id && f == "sp800-53"),
            "{rows:?}"
        );
    }
    // Re-importing the same tracker adds nothing.
    w.run(&["evidence", "import", "nist.xlsx"])
        .ok()
        .stderr_has("0 new evidence rows");
}

#[test]
fn an_iso_27001_tracker_lands_on_the_cited_subcategories_and_a_bare_number_needs_the_framework() {
    let w = Workdir::new();
    let rows = [
        ("A.5.15", "Access control policy"),
        ("a.8.2", "Privileged access review"),
        ("5.22", "Supplier service reviews"),
    ];
    tracker(&w, "iso.xlsx", &rows);
    // `5.23` alone could be anything: refused, the row named, the fix given; nothing recorded.
    w.run(&["evidence", "import", "iso.xlsx"])
        .code(65)
        .stderr_has("sheet `Evidence`, row 5, column `Control`")
        .stderr_has("`5.22` could be ISO/IEC 27001:2022 Annex A control A.5.22")
        .stderr_has("--framework iso27001");
    assert!(no_evidence(&w), "all or nothing");
    w.run(&["evidence", "import", "iso.xlsx", "--framework", "iso27001"])
        .ok();
    let got = landed(&w);
    for (id, title) in rows {
        let n = id.trim_start_matches(['A', 'a', '.']);
        let want = cited_iso(n);
        assert!(!want.is_empty(), "{id}");
        let controls: Vec<&str> = got[title].iter().map(|(c, _, _)| c.as_str()).collect();
        assert_eq!(controls, want, "{id}");
        assert!(
            got[title]
                .iter()
                .all(|(_, from, f)| from == id && f == "iso27001")
        );
    }
}

#[test]
fn an_id_nothing_cites_is_refused_with_its_row_and_the_nearest_cited_ids() {
    let w = Workdir::new();
    tracker(
        &w,
        "t.xlsx",
        &[
            ("AC-2", "fine"),
            ("AC-99", "no such control"),
            ("IAM-02", "CCM row"),
        ],
    );
    assert!(cited_sp("AC-99").is_empty());
    w.run(&["evidence", "import", "t.xlsx"])
        .code(65)
        .stderr_has("sheet `Evidence`, row 4, column `Control`")
        .stderr_has("AC-99 is cited by no CSF 2.0 subcategory")
        .stderr_has("cited nearby: AC-");
    assert!(no_evidence(&w), "all or nothing");
    // --framework forces one reading: a CSF ID is then refused.
    tracker(&w, "csf.xlsx", &[("PR.AA-01", "direct")]);
    w.run(&["evidence", "import", "csf.xlsx", "--framework", "sp800-53"])
        .code(65)
        .stderr_has("not a NIST SP 800-53 Rev 5 control ID");
}

#[test]
fn control_and_crosswalk_answer_from_nists_references() {
    let w = Workdir::new();
    let out = w.run(&["control", "AC-2", "--format", "csv"]).ok().csv();
    let controls: Vec<&str> = out.iter().map(|r| field(r, "control_id")).collect();
    assert_eq!(controls, cited_sp("AC-2"));
    assert!(
        out.iter()
            .all(|r| field(r, "from") == "AC-2" && !field(r, "text").is_empty())
    );
    w.run(&["control", "AC-2"]).ok().stdout_has("PR.AA-01");
    w.run(&["control", "5.15"])
        .code(2)
        .stderr_has("--framework iso27001");
    let iso = w
        .run(&["control", "5.15", "--framework", "iso27001", "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(
        iso.iter().map(|r| field(r, "control_id")).collect::<Vec<_>>(),
        cited_iso("5.15")
    );
    // The whole SP 800-53 table is NIST's, pair for pair.
    let table = w
        .run(&["crosswalk", "--from", "sp800-53", "--format", "csv"])
        .ok()
        .csv();
    let got: BTreeSet<(String, String)> = table
        .iter()
        .map(|r| {
            let k = sp_key(field(r, "from")).unwrap();
            (format!("{k:?}"), field(r, "control_id").to_string())
        })
        .collect();
    let mut want = BTreeSet::new();
    for (id, refs) in nist_references("SP 800-53 Rev 5.2.0") {
        for r in refs {
            if let Some(k) = sp_key(&r) {
                want.insert((format!("{k:?}"), id.clone()));
            }
        }
    }
    assert_eq!(got, want);
    w.run(&["crosswalk", "--from", "cobit"])
        .code(2)
        .stderr_has("sp800-53");
}

#[test]
fn the_id_as_written_is_kept_in_the_package_and_coverage_can_leave_mapped_evidence_out() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    tracker(
        &w,
        "t.xlsx",
        &[("AC-2", "Account reviews"), ("PR.AA-01", "SSO settings")],
    );
    w.run(&["evidence", "import", "t.xlsx"]).ok();
    let ac2 = cited_sp("AC-2");
    let status = |extra: &[&str]| {
        let mut a = vec!["status", "--as-of", "2026-11-24", "--format", "csv"];
        a.extend_from_slice(extra);
        let run = w.run(&a).ok();
        let rows = run.csv();
        let total = rows
            .iter()
            .find(|r| field(r, "function") == "total")
            .unwrap()
            .clone();
        (total, run.stderr)
    };
    let (with, note) = status(&[]);
    assert!(note.contains("rows were mapped from SP 800-53"), "{note}");
    let current: usize = field(&with, "evidence_current").parse().unwrap();
    let mapped_only: usize = field(&with, "evidence_current_mapped_only").parse().unwrap();
    let (without, note) = status(&["--no-mapped"]);
    assert!(note.contains("--no-mapped"), "{note}");
    let direct: usize = field(&without, "evidence_current").parse().unwrap();
    // PR.AA-01 has direct evidence; the other subcategories citing AC-2 only mapped evidence.
    assert_eq!(current - direct, mapped_only);
    assert!(mapped_only > 0 && direct >= 1);
    assert_eq!(field(&without, "evidence_current_mapped_only"), "0");

    w.run(&[
        "export",
        "--out",
        "pkg",
        "--as-of",
        "2026-11-24",
        "--formats",
        "pdf,csv,xlsx,oscal",
    ])
    .ok();
    // The OSCAL observations carry the ID as written too.
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("pkg/oscal/assessment-results.json")).unwrap())
            .unwrap();
    let observations = results["assessment-results"]["results"][0]["observations"]
        .as_array()
        .unwrap();
    let prop = |o: &serde_json::Value, name: &str| -> Option<String> {
        o["props"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
    };
    let mapped_obs: Vec<&serde_json::Value> = observations
        .iter()
        .filter(|o| prop(o, "mapped-from").as_deref() == Some("AC-2"))
        .collect();
    assert_eq!(mapped_obs.len(), ac2.len());
    assert!(
        mapped_obs
            .iter()
            .all(|o| prop(o, "mapped-framework").as_deref() == Some("sp800-53"))
    );
    let index = std::fs::read_to_string(w.path().join("pkg/evidence-index.csv")).unwrap();
    let mut r = csv::Reader::from_reader(index.as_bytes());
    let header = r.headers().unwrap().clone();
    let col = |n: &str| header.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let mapped: Vec<&csv::StringRecord> = rows.iter().filter(|r| &r[col("mapped_from")] == "AC-2").collect();
    assert_eq!(mapped.len(), ac2.len());
    assert!(mapped.iter().all(|r| &r[col("mapped_framework")] == "sp800-53"));
    let direct_row = rows.iter().find(|r| &r[col("title")] == "SSO settings").unwrap();
    assert_eq!(&direct_row[col("mapped_from")], "");
    // Without mapped evidence, the controls that had only mapped evidence have none.
    w.run(&[
        "export",
        "--out",
        "direct",
        "--as-of",
        "2026-11-24",
        "--no-mapped",
    ])
    .ok();
    let current = |p: &str| {
        let mut r = csv::Reader::from_path(w.path().join(p)).unwrap();
        let h = r.headers().unwrap().clone();
        let (state, ev) = (
            h.iter().position(|x| x == "evidence_state").unwrap(),
            h.iter().position(|x| x == "effective").unwrap(),
        );
        r.records()
            .map(Result::unwrap)
            // Current, direct or mapped only (the state tells them apart since issue 25).
            .filter(|r| r[state].starts_with("current") && &r[ev] != "inherited")
            .count()
    };
    assert_eq!(
        current("pkg/control-matrix.csv"),
        current("direct/control-matrix.csv") + mapped_only
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("direct/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["parameters"]["no_mapped"], true);
    // The OSCAL findings too: without mapped evidence, the controls that had only mapped
    // evidence are found to lack current evidence, and the result says what was counted.
    let lacking = |dir: &str, extra: &[&str]| {
        let mut args = vec!["oscal", "export", "--out", dir, "--as-of", "2026-11-24"];
        args.extend(extra);
        w.run(&args).ok();
        let doc: serde_json::Value = serde_json::from_slice(
            &std::fs::read(w.path().join(dir).join("assessment-results.json")).unwrap(),
        )
        .unwrap();
        let result = &doc["assessment-results"]["results"][0];
        let counted: Vec<String> = result["props"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == "evidence-counted")
            .map(|p| p["value"].as_str().unwrap().to_string())
            .collect();
        let lacking = result["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| {
                f["props"].as_array().is_some_and(|ps| {
                    ps.iter().any(|p| {
                        p["name"] == "gap-reason"
                            && (p["value"] == "no evidence" || p["value"] == "only expired or stale evidence")
                    })
                })
            })
            .count();
        (lacking, counted)
    };
    let (all, counted_all) = lacking("oscal-all", &[]);
    let (direct_only, counted_direct) = lacking("oscal-direct", &["--no-mapped"]);
    assert_eq!(direct_only, all + mapped_only);
    assert!(counted_all.is_empty());
    assert_eq!(counted_direct, ["direct-only"]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("oscal-direct/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["parameters"]["no_mapped"], true);
    if !have_tool("pdftotext") {
        return;
    }
    let text = |p: &str| crate::util::pdf_words(&w.path().join(p));
    let pdf = text("pkg/report.pdf");
    assert!(
        pdf.contains("[mapped from SP 800-53 AC-2]"),
        "the appendix names the ID"
    );
    assert!(pdf.contains("a mapped item is a claim for the assessor to judge, not proof"));
    assert!(text("direct/report.pdf").contains("(--no-mapped)"));
}

#[test]
fn assessments_and_plans_keyed_by_sp800_53_are_recorded_on_every_citing_subcategory() {
    let w = Workdir::new();
    w.write(
        "status.csv",
        "Control,Implementation Status,Note\r\nAC-2,Implemented,Quarterly reviews\r\n",
    );
    w.run(&["assess", "import", "status.csv"]).ok();
    let history = w.run(&["assess", "history", "--format", "csv"]).ok().csv();
    let controls: Vec<&str> = history.iter().map(|r| field(r, "control_id")).collect();
    assert_eq!(controls, cited_sp("AC-2"));
    assert!(
        history
            .iter()
            .all(|r| field(r, "note") == "Quarterly reviews [mapped from AC-2 (sp800-53)]")
    );
    // A FedRAMP POA&M is keyed by SP 800-53.
    w.write(
        "poam.csv",
        "POAM ID,Controls,Point of Contact,Overall Remediation Plan,Scheduled Completion Date\r\nV-1,SI-4,SecOps,Tune the SIEM,2027-03-31\r\n",
    );
    w.run(&["plan", "import", "poam.csv"]).ok();
    let plans = w.run(&["plan", "list", "--format", "csv"]).ok().csv();
    let mut got: Vec<&str> = plans.iter().map(|r| field(r, "control_id")).collect();
    let mut want = cited_sp("SI-4");
    got.sort_unstable();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn a_cell_listing_several_controls_is_refused_not_cut_to_its_first() {
    let w = Workdir::new();
    // A FedRAMP POA&M often lists several controls in one cell.
    w.write(
        "poam.csv",
        "POAM ID,Controls,Point of Contact,Overall Remediation Plan,Scheduled Completion Date\r\n\
V-1,\"AC-2, SI-4\",SecOps,Tune the SIEM,2027-03-31\r\n",
    );
    w.run(&["plan", "import", "poam.csv"])
        .code(65)
        .stderr_has("row 2, column `Controls`")
        .stderr_has("`AC-2, SI-4` names 2 controls (AC-2, SI-4)");
    assert_eq!(w.run(&["plan", "list", "--format", "csv"]).ok().csv().len(), 0);
    w.write(
        "tracker.csv",
        "Control,Evidence\r\nAC-2 SI-4,Two controls\r\nPR.AA-01; PR.AA-02,Two subcategories\r\nAC-2x,A typo\r\nAC-2(1)(a),A statement part\r\n",
    );
    let run = w.run(&["evidence", "import", "tracker.csv"]).code(65);
    let run = run
        .stderr_has("row 2, column `Control`: `AC-2 SI-4`")
        .stderr_has("names 2 controls (AC-2, SI-4)")
        .stderr_has("row 3, column `Control`: `PR.AA-01; PR.AA-02`")
        .stderr_has("row 4, column `Control`: `AC-2x`");
    // A statement part of an enhancement reads as the enhancement, then its base control.
    let run = run
        .stderr_has("3 problems found")
        .stderr_has("row 5, column `Control`: NIST SP 800-53 Rev 5 AC-2(1) is cited by no CSF 2.0 subcategory; read as its base control AC-2");
    assert!(
        !run.stderr.contains("row 5, column `Control`: `AC-2(1)(a)`"),
        "{}",
        run.stderr
    );
    assert!(no_evidence(&w), "all or nothing");
}

#[test]
fn spellings_of_one_id_are_one_id_and_no_mapped_still_observes_every_item() {
    let w = Workdir::new();
    w.write(
        "tracker.csv",
        "Control,Evidence\r\nPR AA-01,Spaced CSF ID\r\nAC\u{2013}2,Excel's en dash\r\nac-02,Account review\r\nAC-2,Account review\r\n",
    );
    let run = w.run(&["evidence", "import", "tracker.csv"]).code(65);
    let run = run
        .stderr_has("1 problem found")
        .stderr_has("row 5: duplicate of row 4");
    assert_eq!(
        run.stderr.matches("duplicate of row 4").count(),
        1,
        "{}",
        run.stderr
    );
    w.run(&["evidence", "import", "tracker.csv", "--skip-invalid"])
        .ok();
    let got = landed(&w);
    assert_eq!(
        got["Spaced CSF ID"],
        [("PR.AA-01".to_string(), String::new(), String::new())]
    );
    let mut ac2 = cited_sp("AC-2");
    ac2.sort();
    for title in ["Excel's en dash", "Account review"] {
        let mut controls: Vec<&str> = got[title].iter().map(|(c, _, _)| c.as_str()).collect();
        controls.sort_unstable();
        assert_eq!(controls, ac2, "{title}");
    }
    assert!(
        got["Excel's en dash"]
            .iter()
            .all(|(_, from, f)| from == "AC\u{2013}2" && f == "sp800-53")
    );
    // Only mapped evidence: --no-mapped counts none of it, but every item is still observed.
    let w = Workdir::new();
    w.write("mapped.csv", "Control,Evidence\r\nAC-2,Account review\r\n");
    w.run(&["evidence", "import", "mapped.csv"]).ok();
    w.payments_scope("iaas");
    let observations = |dir: &str, extra: &[&str]| {
        let mut args = vec!["oscal", "export", "--out", dir, "--as-of", "2026-11-24"];
        args.extend(extra);
        w.run(&args).ok();
        let doc: serde_json::Value = serde_json::from_slice(
            &std::fs::read(w.path().join(dir).join("assessment-results.json")).unwrap(),
        )
        .unwrap();
        let result = &doc["assessment-results"]["results"][0];
        (
            result["observations"].as_array().map_or(0, Vec::len),
            result["uuid"].as_str().unwrap().to_string(),
        )
    };
    let (all, uuid_all) = observations("all", &[]);
    let (direct, uuid_direct) = observations("direct", &["--no-mapped"]);
    assert_eq!(all, ac2.len());
    assert_eq!(direct, all, "--no-mapped dropped observations");
    assert_ne!(
        uuid_all, uuid_direct,
        "documents that count differently share identifiers"
    );
}
