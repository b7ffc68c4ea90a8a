//! Issue 25: claims marked as claims. A row keyed by SP 800-53 IR-4 lands on every subcategory
//! NIST's references give and is marked as mapped in every output (matrix CSV, workbook, PDF read
//! back with pdftotext, OSCAL, status); a tracker column narrows it, `evidence retarget` narrows
//! it after import in a chained log. Provider attestations: an expired one leaves the inherited
//! controls as inheritance gaps (apart from the gaps), a current one (or its bridge letter) is
//! named on each inherited and shared cell. A placeholder row (no date, no location) is stored,
//! listed and never counted. The expected subcategories are computed here from the shipped NIST
//! export with a reader of this file's own.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{Workdir, have_tool, repo, sha256_file, squeeze};

const AS_OF: &str = "2026-11-24";

/// The CSF 2.0 subcategories whose `SP 800-53 Rev 5.2.0` references in the shipped NIST export
/// cite control `id` (`IR-4`, `AC-2`; base controls only), in document order.
fn cited_sp(id: &str) -> Vec<String> {
    let key = |s: &str| -> Option<(String, u32)> {
        let t: String = s
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase();
        if t.contains('(') {
            return None;
        }
        let (family, number) = t.split_once('-')?;
        Some((family.to_string(), number.parse().ok()?))
    };
    let want = key(id).expect("a base control");
    let mut wb = calamine::open_workbook_auto(repo().join("frameworks/csf2.xlsx")).unwrap();
    let range = wb.worksheet_range("CSF 2.0").unwrap();
    let mut out = Vec::new();
    for row in range.rows() {
        let cell = |i: usize| match row.get(i) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        };
        let sub = cell(2);
        let Some((sid, text)) = sub.split_once(':') else {
            continue;
        };
        if !sid.contains('-') || text.contains("[Withdrawn") {
            continue;
        }
        let cites = cell(4).lines().any(|l| {
            l.trim()
                .strip_prefix("SP 800-53 Rev 5.2.0: ")
                .and_then(key)
                .is_some_and(|k| k == want)
        });
        if cites && !out.contains(&sid.trim().to_string()) {
            out.push(sid.trim().to_string());
        }
    }
    out
}

/// A tracker as teams keep them (xlsx): Control, Title, Collected, Location and the targets
/// column `CSF Subcategories`.
fn tracker(w: &Workdir, name: &str, rows: &[(&str, &str, &str)]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Evidence").unwrap();
    for (c, h) in ["Control", "Title", "Collected", "Location", "CSF Subcategories"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    for (i, (id, title, targets)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, *title).unwrap();
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2026, 10, 1).unwrap();
        ws.write_date_with_format(r, 2, &d, &date).unwrap();
        ws.write_string(r, 3, format!("https://grc.example/{i}")).unwrap();
        if !targets.is_empty() {
            ws.write_string(r, 4, *targets).unwrap();
        }
    }
    wb.save(w.path().join(name)).unwrap();
}

/// A CSV file's rows as (header -> value) maps.
fn csv_file(p: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let h = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            h.iter()
                .zip(rec.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A listing's rows as (header -> value) maps.
fn listing(w: &Workdir, args: &[&str]) -> Vec<HashMap<String, String>> {
    w.run(args)
        .ok()
        .csv()
        .into_iter()
        .map(|r| r.into_iter().collect())
        .collect()
}

/// The rows of `control-matrix.csv` by control.
fn matrix(pkg: &Path) -> HashMap<String, HashMap<String, String>> {
    csv_file(&pkg.join("control-matrix.csv"))
        .into_iter()
        .map(|r| (r["control_id"].clone(), r))
        .collect()
}

/// A workbook sheet's rows as (header -> text) maps.
fn sheet(path: &Path, name: &str) -> Vec<HashMap<String, String>> {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    let text = |d: &Data| match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Empty => String::new(),
        other => other.to_string(),
    };
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(text).collect();
    rows.map(|r| header.iter().cloned().zip(r.iter().map(text)).collect())
        .collect()
}

/// The text of a PDF as pdftotext reads it, lines joined by spaces; None (and "skipped") when
/// pdftotext is not installed.
fn pdf_text(p: &Path) -> Option<String> {
    if !have_tool("pdftotext") {
        return None;
    }
    Some(crate::util::after_contents(&crate::util::tool(
        "pdftotext",
        &[p.to_str().unwrap(), "-"],
    )))
}

/// The text of control `id`'s row in the report's control matrix: from its ID to the next ID.
fn matrix_row(pdf: &str, id: &str) -> String {
    let section = pdf
        .split("\nControl matrix\n")
        .nth(1)
        .and_then(|s| s.split("\nCustomer responsibilities\n").next())
        .expect("a control matrix section");
    let lines: Vec<&str> = section.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == id)
        .unwrap_or_else(|| panic!("{id} not in the matrix"));
    let is_id = |l: &str| {
        let t = l.trim();
        t.len() == 8 && t.as_bytes()[2] == b'.' && t.as_bytes()[5] == b'-'
    };
    let end = lines[start + 1..]
        .iter()
        .position(|l| is_id(l))
        .map_or(lines.len(), |p| start + 1 + p);
    squeeze(&lines[start..end].join("\n"))
}

/// The OSCAL assessment results' findings by control and its observations.
fn oscal(pkg: &Path) -> (HashMap<String, serde_json::Value>, Vec<serde_json::Value>) {
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("oscal/assessment-results.json")).unwrap()).unwrap();
    let result = &doc["assessment-results"]["results"][0];
    let findings = result["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let title = f["title"].as_str().unwrap();
            (title.split(':').next().unwrap().to_string(), f.clone())
        })
        .collect();
    (
        findings,
        result["observations"].as_array().cloned().unwrap_or_default(),
    )
}

/// The values of an OSCAL object's csfkit property `name` (with their classes).
fn props(v: &serde_json::Value, name: &str) -> Vec<(String, String)> {
    v["props"]
        .as_array()
        .map(|ps| {
            ps.iter()
                .filter(|p| p["name"] == name)
                .map(|p| {
                    (
                        p["value"].as_str().unwrap_or("").to_string(),
                        p["class"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn prop(v: &serde_json::Value, name: &str) -> String {
    props(v, name)
        .into_iter()
        .next()
        .map(|(v, _)| v)
        .unwrap_or_default()
}

/// The `total` line of `status --format csv`.
fn status_total(w: &Workdir) -> HashMap<String, String> {
    listing(w, &["status", "--as-of", AS_OF, "--format", "csv"])
        .into_iter()
        .find(|r| r["function"] == "total")
        .unwrap()
}

fn export(w: &Workdir, out: &str) {
    w.run(&[
        "export",
        "--out",
        out,
        "--as-of",
        AS_OF,
        "--formats",
        "pdf,csv,xlsx,oscal",
        "--force",
    ])
    .ok();
}

#[test]
fn an_ir4_row_is_marked_as_mapped_in_every_output_and_its_fan_out_narrowed_by_its_column() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    let ir4 = cited_sp("IR-4");
    let ac2 = cited_sp("AC-2");
    assert!(ir4.len() > 10, "IR-4 spreads: {ir4:?}");
    for id in ["PR.AA-01", "PR.AA-05"] {
        assert!(
            ac2.contains(&id.to_string()),
            "the fixture narrows AC-2 to {id}: {ac2:?}"
        );
    }
    assert!(ac2.len() > 2 && !ir4.contains(&"PR.AA-01".to_string()));
    // A listed subcategory outside the ID's fan-out is a row error naming the allowed ones;
    // nothing is stored.
    tracker(&w, "bad.xlsx", &[("IR-4", "Tabletop", "RS.MA-02, PR.AA-01")]);
    w.run(&["evidence", "import", "bad.xlsx"])
        .code(65)
        .stderr_has("sheet `Evidence`, row 2, column `CSF Subcategories`")
        .stderr_has("`PR.AA-01` is not among the CSF 2.0 subcategories `IR-4` stands for")
        .stderr_has(&ir4.join(", "));
    assert!(listing(&w, &["evidence", "list", "--format", "csv"]).is_empty());

    tracker(
        &w,
        "tracker.xlsx",
        &[
            ("IR-4", "Incident tabletop", ""),
            ("AC-2", "Access review", "PR.AA-01, pr.aa-5"),
            ("PR.AA-01", "SSO settings", ""),
        ],
    );
    w.run(&["evidence", "import", "tracker.xlsx"])
        .ok()
        .stderr_has("column E `CSF Subcategories` -> targets");
    // The listing shows the spread: NIST's whole fan-out, or the subcategories offered for.
    let rows = listing(&w, &["evidence", "list", "--format", "csv"]);
    let of = |title: &str| -> Vec<&HashMap<String, String>> {
        rows.iter().filter(|r| r["title"] == title).collect()
    };
    let tabletop = of("Incident tabletop");
    assert_eq!(
        tabletop
            .iter()
            .map(|r| r["control_id"].clone())
            .collect::<Vec<_>>(),
        ir4
    );
    let spread = format!("IR-4: {} subcategories", ir4.len());
    assert!(
        tabletop
            .iter()
            .all(|r| r["targets"] == spread && r["counted"] == "yes"),
        "{tabletop:?}"
    );
    let review = of("Access review");
    assert_eq!(
        review
            .iter()
            .map(|r| r["control_id"].as_str())
            .collect::<Vec<_>>(),
        ["PR.AA-01", "PR.AA-05"],
        "the column narrows AC-2 to the subcategories it lists"
    );
    let narrowed = format!(
        "AC-2: 2 of {} subcategories, offered for PR.AA-01, PR.AA-05",
        ac2.len()
    );
    assert!(review.iter().all(|r| r["targets"] == narrowed), "{review:?}");
    assert_eq!(of("SSO settings")[0]["targets"], "");
    let shown = w.run(&["evidence", "show", &tabletop[0]["id"]]).ok().stdout;
    assert!(shown.contains(&spread), "{shown}");

    export(&w, "pkg");
    let pkg = w.path().join("pkg");
    let m = matrix(&pkg);
    let mapped_only: BTreeSet<String> = m
        .values()
        .filter(|r| r["evidence_state"] == "current-mapped-only")
        .map(|r| r["control_id"].clone())
        .collect();
    let expected: BTreeSet<String> = ir4
        .iter()
        .map(String::as_str)
        .chain(["PR.AA-05"])
        .filter(|id| m[*id]["effective"] != "inherited")
        .map(str::to_string)
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(
        mapped_only, expected,
        "matrix CSV: the controls with mapped evidence only"
    );
    for id in &expected {
        let r = &m[id];
        assert_eq!(
            (
                r["evidence_current_direct"].as_str(),
                r["evidence_current_mapped"].as_str()
            ),
            ("0", "1"),
            "{id}"
        );
    }
    let sso = &m["PR.AA-01"];
    assert_eq!(sso["evidence_state"], "current", "direct evidence beside mapped");
    assert_eq!(
        (
            sso["evidence_current_direct"].as_str(),
            sso["evidence_current_mapped"].as_str()
        ),
        ("1", "1")
    );
    // AC-2's other subcategories got nothing: the column narrowed the fan-out.
    for id in ac2
        .iter()
        .filter(|c| !["PR.AA-01", "PR.AA-05"].contains(&c.as_str()))
    {
        assert_eq!(m[id]["evidence_count"], "0", "{id}");
    }
    // The evidence index says the same per row.
    let index = csv_file(&pkg.join("evidence-index.csv"));
    assert!(
        index
            .iter()
            .filter(|r| r["mapped_from"] == "IR-4")
            .all(|r| r["targets"] == spread && r["counted"] == "yes")
    );

    // The workbook's Matrix sheet: the same states and counts.
    let xlsx = sheet(&pkg.join("audit-workbook.xlsx"), "Matrix");
    assert_eq!(xlsx.len(), m.len());
    for r in &xlsx {
        let c = &m[&r["control_id"]];
        for col in [
            "evidence_state",
            "evidence_current_direct",
            "evidence_current_mapped",
        ] {
            assert_eq!(r[col], c[col], "{} {col}", r["control_id"]);
        }
    }

    // status: direct and mapped only apart.
    let total = status_total(&w);
    assert_eq!(total["evidence_current_mapped_only"], expected.len().to_string());
    let direct = m.values().filter(|r| r["evidence_state"] == "current").count();
    assert_eq!(total["evidence_current_direct"], direct.to_string());
    assert_eq!(total["evidence_current"], (direct + expected.len()).to_string());

    // OSCAL: each finding says which, each observation how far its row spreads.
    let (findings, observations) = oscal(&pkg);
    for id in &expected {
        let f = &findings[id];
        assert_eq!(prop(f, "evidence-state"), "current-mapped-only", "{id}");
        assert_eq!(prop(f, "evidence-current-direct"), "0", "{id}");
        assert_eq!(prop(f, "evidence-current-mapped"), "1", "{id}");
    }
    let ir4_obs: Vec<&serde_json::Value> = observations
        .iter()
        .filter(|o| prop(o, "mapped-from") == "IR-4")
        .collect();
    assert_eq!(ir4_obs.len(), ir4.len());
    assert!(ir4_obs.iter().all(|o| prop(o, "targets") == spread));

    // The report: the matrix row, the coverage table's split, the appendix's spread.
    let Some(pdf) = pdf_text(&pkg.join("report.pdf")) else {
        return;
    };
    for id in &expected {
        let row = matrix_row(&pdf, id);
        assert!(row.contains("current, mapped only"), "{id}: {row}");
    }
    let row = matrix_row(&pdf, "PR.AA-01");
    assert!(row.contains("current") && !row.contains("mapped only"), "{row}");
    let flat = squeeze(&pdf);
    assert!(
        flat.contains("Current, mapped only"),
        "the coverage table splits current evidence"
    );
    assert!(
        flat.contains(&format!(
            "[mapped from SP 800-53 IR-4] {spread}",
            spread = spread.trim_start_matches("IR-4: ")
        )),
        "the appendix says how far IR-4 spreads"
    );
    assert!(flat.contains(&format!(
        "[mapped from SP 800-53 AC-2] 2 of {} subcategories, offered for PR.AA-01, PR.AA-05",
        ac2.len()
    )));
}

#[test]
fn evidence_retarget_narrows_a_tracker_row_after_import_in_a_chained_log() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    let ir4 = cited_sp("IR-4");
    tracker(
        &w,
        "tracker.xlsx",
        &[
            ("IR-4", "Incident tabletop", ""),
            ("PR.AA-01", "SSO settings", ""),
        ],
    );
    w.run(&["evidence", "import", "tracker.xlsx"]).ok();
    let rows = listing(&w, &["evidence", "list", "--format", "csv"]);
    let id_of = |control: &str| {
        rows.iter()
            .find(|r| r["control_id"] == control && r["title"] == "Incident tabletop")
            .unwrap()["id"]
            .clone()
    };
    let triage = id_of("RS.MA-02");
    let direct = rows.iter().find(|r| r["title"] == "SSO settings").unwrap()["id"].clone();
    // Refusals: outside what it landed on (named), a direct row, no reason, no such row.
    w.run(&[
        "evidence", "retarget", &triage, "--to", "PR.AA-01", "--reason", "x",
    ])
    .code(65)
    .stderr_has("`PR.AA-01` is not among the subcategories")
    .stderr_has(&ir4.join(", "));
    w.run(&[
        "evidence", "retarget", &direct, "--to", "PR.AA-01", "--reason", "x",
    ])
    .code(65)
    .stderr_has("keyed by its own CSF 2.0 ID");
    w.run(&[
        "evidence", "retarget", &triage, "--to", "RS.MA-02", "--reason", "  ",
    ])
    .code(2)
    .stderr_has("--reason");
    w.run(&[
        "evidence", "retarget", "99999", "--to", "RS.MA-02", "--reason", "x",
    ])
    .code(65)
    .stderr_has("no evidence with ID 99999");
    // Nothing was recorded by the refusals.
    let check = listing(&w, &["check", "--format", "csv"]);
    assert_eq!(
        check.iter().find(|r| r["log"] == "retarget").unwrap()["records"],
        "0"
    );

    w.run(&[
        "evidence",
        "retarget",
        &triage,
        "--to",
        "rs.ma-2, RS.AN-03",
        "--reason",
        "The tabletop exercised triage and analysis only",
        "--by",
        "A. Auditor",
    ])
    .ok()
    .stderr_has("retarget #1")
    .stderr_has(&format!("2 of the {} subcategories", ir4.len()));
    let rows = listing(&w, &["evidence", "list", "--format", "csv"]);
    let tabletop: Vec<_> = rows
        .iter()
        .filter(|r| r["title"] == "Incident tabletop")
        .collect();
    assert_eq!(tabletop.len(), ir4.len(), "the evidence rows stay as imported");
    for r in &tabletop {
        let offered = ["RS.MA-02", "RS.AN-03"].contains(&r["control_id"].as_str());
        assert_eq!(r["counted"], if offered { "yes" } else { "no" }, "{r:?}");
        assert!(
            r["targets"].starts_with(&format!(
                "IR-4: 2 of {} subcategories, retargeted to RS.MA-02, RS.AN-03 (retarget #1 by A. Auditor at ",
                ir4.len()
            )),
            "{r:?}"
        );
        if !offered {
            assert!(r["not_counted_reason"].contains("retarget #1"), "{r:?}");
        }
    }
    export(&w, "pkg");
    let m = matrix(&w.path().join("pkg"));
    assert_eq!(m["RS.MA-02"]["evidence_state"], "current-mapped-only");
    let categorize = &m["RS.MA-03"];
    assert_eq!(categorize["evidence_count"], "0");
    assert_eq!(categorize["evidence_not_offered"], "1");
    assert!(
        categorize["gap_reasons"].starts_with("no evidence"),
        "{categorize:?}"
    );
    // Chained like the other logs, pinned by the manifest, checked by check.
    let check = listing(&w, &["check", "--format", "csv"]);
    let log = check.iter().find(|r| r["log"] == "retarget").unwrap();
    assert_eq!((log["records"].as_str(), log["status"].as_str()), ("1", "ok"));
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(w.path().join("pkg/manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["history"]["retarget"]["head"], log["head"].as_str());
    // A later retarget is in force: it may widen the row again.
    w.run(&[
        "evidence",
        "retarget",
        &id_of("RS.AN-03"),
        "--to",
        "RS.MA-02,RS.MA-03,RS.AN-03",
        "--reason",
        "Categorising was exercised too",
    ])
    .ok()
    .stderr_has("retarget #2");
    let rows = listing(
        &w,
        &["evidence", "list", "--control", "RS.MA-03", "--format", "csv"],
    );
    assert_eq!(rows[0]["counted"], "yes");
    // The log is append-only, and a record changed behind csfkit's back fails check.
    let db = rusqlite::Connection::open(w.db()).unwrap();
    let e = db
        .execute(
            "UPDATE evidence_retarget SET targets = 'RS.MA-02' WHERE seq = 1",
            [],
        )
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    db.execute_batch(
        "DROP TRIGGER evidence_retarget_no_update;
         UPDATE evidence_retarget SET targets = 'RS.MA-02' WHERE seq = 1;",
    )
    .unwrap();
    drop(db);
    w.run(&["check"]).code(1).stderr_has("evidence retarget 1");
}

/// `attestation add` with `args` after the provider, type and issuer.
fn attest(w: &Workdir, args: &[&str]) -> crate::util::Run {
    let mut all = vec![
        "attestation",
        "add",
        "--provider",
        "datacrunch",
        "--type",
        "SOC 2 Type II",
        "--issuer",
        "Example Audit LLP",
    ];
    all.extend_from_slice(args);
    w.run(&all)
}

#[test]
fn an_expired_attestation_leaves_inheritance_gaps_and_a_current_one_is_named_on_each_cell() {
    let w = Workdir::new();
    w.payments_scope("iaas,model");
    let matrix_now = listing(&w, &["matrix", "--format", "csv"]);
    let inherited: BTreeSet<String> = matrix_now
        .iter()
        .filter(|r| r["effective"] == "inherited")
        .map(|r| r["control_id"].clone())
        .collect();
    assert!(inherited.len() >= 3, "{inherited:?}");
    // Before any attestation, an inherited control is not said to be provider-attested.
    assert!(
        matrix_now
            .iter()
            .filter(|r| inherited.contains(&r["control_id"]))
            .all(|r| r["status"] == "inherited, no attestation")
    );

    // A SOC 2 report whose period ended before the as-of date, with its file.
    let report = w.write(
        "reports/soc2-2025.pdf",
        b"%PDF-1.4 SOC 2 Type II report (fixture)\n",
    );
    attest(
        &w,
        &[
            "--period",
            "2024-10-01..2025-09-30",
            "--file",
            "reports/soc2-2025.pdf",
            "--services",
            "iaas,model",
            "--note",
            "CUECs: section 4",
        ],
    )
    .ok()
    .stderr_has("recorded attestation #1: SOC 2 Type II, Example Audit LLP, 2024-10-01..2025-09-30")
    .stderr_has(&sha256_file(&report));
    let listed = listing(&w, &["attestation", "list", "--as-of", AS_OF, "--format", "csv"]);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["standing"], "ended");
    assert_eq!(listed[0]["file_sha256"], sha256_file(&report));

    export(&w, "expired");
    let pkg = w.path().join("expired");
    let gaps_file: BTreeSet<String> = csv_file(&pkg.join("inheritance-gaps.csv"))
        .into_iter()
        .map(|r| {
            assert!(
                r["reasons"].contains("attestation #1") && r["reasons"].contains("ended 2025-09-30"),
                "{r:?}"
            );
            assert_eq!(r["services"], "iaas,model");
            r["control_id"].clone()
        })
        .collect();
    assert_eq!(
        gaps_file, inherited,
        "every inherited control is an inheritance gap"
    );
    // Never mixed into the customer's gaps or the POA&M.
    for f in ["gaps.csv", "poam.csv"] {
        let text = std::fs::read_to_string(pkg.join(f)).unwrap();
        for id in &inherited {
            assert!(!text.contains(&format!("{id},")), "{id} in {f}");
        }
    }
    let m = matrix(&pkg);
    for id in &inherited {
        assert_eq!(m[id]["evidence_state"], "inherited-no-attestation", "{id}");
        assert_eq!(m[id]["gap"], "no", "{id}");
        assert_eq!(m[id]["attestation"], "none in force", "{id}");
        assert!(!m[id]["inheritance_gap"].is_empty(), "{id}");
    }
    let total = status_total(&w);
    assert_eq!(total["inheritance_gaps"], inherited.len().to_string());
    assert_eq!(total["inherited_attested"], "0");
    // The package carries the attestation and its file, listed in the manifest, hashed.
    let att = csv_file(&pkg.join("attestations.csv"));
    assert_eq!(att.len(), 1);
    assert_eq!(att[0]["standing"], "ended");
    assert_eq!(att[0]["packaged_file"], "attestations/1-soc2-2025.pdf");
    assert_eq!(
        sha256_file(&pkg.join("attestations/1-soc2-2025.pdf")),
        sha256_file(&report)
    );
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pkg.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for f in [
        "attestations.csv",
        "inheritance-gaps.csv",
        "attestations/1-soc2-2025.pdf",
    ] {
        assert!(files.contains(&f), "{f} not in the manifest: {files:?}");
    }
    w.run(&["verify", "expired"]).ok();
    // The workbook and OSCAL: inheritance gaps apart; the report's own section.
    let xlsx = pkg.join("audit-workbook.xlsx");
    let gaps_sheet: BTreeSet<String> = sheet(&xlsx, "Inheritance gaps")
        .into_iter()
        .map(|r| r["control_id"].clone())
        .collect();
    assert_eq!(gaps_sheet, inherited);
    let (findings, _) = oscal(&pkg);
    for id in &inherited {
        let f = &findings[id];
        assert_eq!(f["target"]["status"]["reason"], "no-attestation", "{id}");
        assert!(prop(f, "inheritance-gap").contains("attestation #1"), "{id}");
    }
    if let Some(pdf) = pdf_text(&pkg.join("report.pdf")) {
        let section = pdf
            .split("\nInheritance gaps\n")
            .nth(1)
            .and_then(|s| s.split("\nEvidence appendix\n").next())
            .expect("an Inheritance gaps section");
        for id in &inherited {
            assert!(section.contains(id.as_str()), "{id} not in the section");
        }
    }

    // A current report: its period ended, its bridge letter covers the as-of date.
    attest(
        &w,
        &[
            "--period",
            "2025-10-01..2026-09-30",
            "--bridge-until",
            "2026-12-31",
            "--url",
            "https://trust.example.com/datacrunch/soc2-2026",
        ],
    )
    .ok();
    export(&w, "current");
    let pkg = w.path().join("current");
    assert!(csv_file(&pkg.join("inheritance-gaps.csv")).is_empty());
    let named = "attestation #2: SOC 2 Type II, Example Audit LLP, 2025-10-01..2026-09-30, bridge letter to 2026-12-31";
    let m = matrix(&pkg);
    for id in &inherited {
        assert_eq!(m[id]["attestation"], named, "{id}");
        assert_eq!(m[id]["evidence_state"], "provider-attested", "{id}");
        assert_eq!(m[id]["status"], "provider-attested", "{id}");
        assert_eq!(m[id]["inheritance_gap"], "", "{id}");
    }
    // Shared cells name it too; customer cells do not.
    let shared = m
        .values()
        .find(|r| r["effective"] == "shared" && r["iaas"] == "shared")
        .unwrap();
    assert_eq!(shared["attestation"], named);
    let customer = m.values().find(|r| r["effective"] == "customer").unwrap();
    assert_eq!(customer["attestation"], "");
    let total = status_total(&w);
    assert_eq!(total["inheritance_gaps"], "0");
    assert_eq!(total["inherited_attested"], inherited.len().to_string());
    let xlsx = sheet(&pkg.join("audit-workbook.xlsx"), "Matrix");
    for r in xlsx.iter().filter(|r| inherited.contains(&r["control_id"])) {
        assert_eq!(r["attestation"], named);
    }
    let att = sheet(&pkg.join("audit-workbook.xlsx"), "Attestations");
    assert_eq!(
        att.iter().map(|r| r["standing"].as_str()).collect::<Vec<_>>(),
        ["ended", "in-force"]
    );
    let (findings, _) = oscal(&pkg);
    for id in &inherited {
        let f = &findings[id];
        assert_eq!(f["target"]["status"]["state"], "satisfied", "{id}");
        assert_eq!(f["target"]["status"]["reason"], "provider-attested", "{id}");
        let classes: BTreeSet<String> = props(f, "attestation")
            .into_iter()
            .map(|(v, class)| {
                assert_eq!(v, named);
                class
            })
            .collect();
        assert_eq!(classes, BTreeSet::from(["iaas".to_string(), "model".to_string()]));
    }
    if let Some(pdf) = pdf_text(&pkg.join("report.pdf")) {
        for id in &inherited {
            assert!(matrix_row(&pdf, id).contains("att. #2"), "{id}");
        }
    }
    // After the bridge letter, the same package date a year on has gaps again.
    let later = listing(&w, &["status", "--as-of", "2027-01-01", "--format", "csv"]);
    let total = later.iter().find(|r| r["function"] == "total").unwrap();
    assert_eq!(total["inheritance_gaps"], inherited.len().to_string());
    // The attestation log is chained and checked.
    let check = listing(&w, &["check", "--format", "csv"]);
    let log = check.iter().find(|r| r["log"] == "attestation").unwrap();
    assert_eq!((log["records"].as_str(), log["status"].as_str()), ("2", "ok"));
    let db = rusqlite::Connection::open(w.db()).unwrap();
    db.execute_batch(
        "DROP TRIGGER attestation_no_update;
         UPDATE attestation SET period_end = '2027-09-30' WHERE seq = 1;",
    )
    .unwrap();
    drop(db);
    w.run(&["check"]).code(1).stderr_has("provider attestation 1");
}

#[test]
fn an_attestation_file_changed_after_it_was_recorded_is_left_out_of_the_package() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    w.write("soc2.pdf", b"the report as received\n");
    attest(&w, &["--period", "2026-01-01..2026-12-31", "--file", "soc2.pdf"]).ok();
    w.write("soc2.pdf", b"the report, edited afterwards\n");
    let run = w
        .run(&["export", "--out", "pkg", "--as-of", AS_OF, "--formats", "csv"])
        .ok();
    assert!(
        run.stderr.contains("attestation #1 (SOC 2 Type II): file")
            && run.stderr.contains("changed since it was recorded"),
        "{}",
        run.stderr
    );
    let att = csv_file(&w.path().join("pkg/attestations.csv"));
    assert!(
        att[0]["packaged_file"].starts_with("changed since recorded"),
        "{att:?}"
    );
    assert!(!w.path().join("pkg/attestations").exists());
    w.run(&["verify", "pkg"]).ok();
}

#[test]
fn attestation_add_refuses_what_it_cannot_stand_behind() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let period = ["--period", "2025-10-01..2026-09-30"];
    let url = ["--url", "https://trust.example.com/soc2"];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = period.to_vec();
        a.extend_from_slice(extra);
        attest(&w, &a)
    };
    // Neither or both of --file and --url.
    with(&[]).code(2).stderr_has("--file");
    w.write("r.pdf", b"x");
    with(&["--file", "r.pdf", "--url", "https://x.example/r"]).code(2);
    // A bridge letter before the period's end; a period backwards; a URL that is none.
    with(&[&url[..], &["--bridge-until", "2026-09-01"][..]].concat())
        .code(2)
        .stderr_has("before the period's end 2026-09-30");
    attest(&w, &["--period", "2026-09-30..2025-10-01", "--url", url[1]])
        .code(2)
        .stderr_has("ends before it starts");
    with(&["--url", "trust.example.com"])
        .code(2)
        .stderr_has("is not a URL");
    // A service model the provider's matrix does not cover; a provider the catalogue lacks.
    w.run(&[
        "attestation",
        "add",
        "--provider",
        "digitalocean",
        "--type",
        "ISO/IEC 27001",
        "--issuer",
        "X",
        "--period",
        "2025-01-01..2027-12-31",
        "--url",
        url[1],
        "--services",
        "model",
    ])
    .code(65)
    .stderr_has("model");
    w.run(&[
        "attestation",
        "add",
        "--provider",
        "acme",
        "--type",
        "SOC 2",
        "--issuer",
        "X",
        "--period",
        "2025-01-01..2027-12-31",
        "--url",
        url[1],
    ])
    .code(65)
    .stderr_has("acme");
    // A FIFO given as the file is refused at once, never waited on; a missing file too.
    let fifo = w.path().join("pipe.pdf");
    rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
    with(&["--file", "pipe.pdf"]).code(66).stderr_has("FIFO");
    with(&["--file", "missing.pdf"]).code(66);
    assert!(
        listing(&w, &["attestation", "list", "--format", "csv"]).is_empty(),
        "nothing recorded"
    );
}

#[test]
fn a_placeholder_row_is_stored_listed_and_never_counted() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    // A tracker with "Not started" rows: no collection date and no location (CSV, BOM, CRLF).
    let csv = "\u{feff}Control ID,Evidence Title,Date Collected,Valid Until,Location,Status\r\n\
PR.AA-05,Quarterly access review,,,,Not started\r\n\
DE.CM-01,SIEM alert rules,2026-11-02,,https://grc.example.com/ev/18,Done\r\n\
PR.DS-01,Disk encryption report,,2027-06-30,,Not started\r\n";
    w.write("tracker.csv", csv);
    w.run(&["evidence", "import", "tracker.csv"])
        .ok()
        .stderr_has("2 rows with neither a collection date nor a location (rows 2, 4)")
        .stderr_has("never counted as evidence")
        .stderr_has("3 new evidence rows");
    let rows = listing(&w, &["evidence", "list", "--as-of", AS_OF, "--format", "csv"]);
    let by = |c: &str| rows.iter().find(|r| r["control_id"] == c).unwrap();
    for c in ["PR.AA-05", "PR.DS-01"] {
        assert_eq!(by(c)["freshness"], "placeholder", "{c}");
        assert_eq!(by(c)["counted"], "no", "{c}");
    }
    assert_eq!(by("DE.CM-01")["counted"], "yes");
    export(&w, "pkg");
    let m = matrix(&w.path().join("pkg"));
    for c in ["PR.AA-05", "PR.DS-01"] {
        let r = &m[c];
        assert_eq!(r["evidence_count"], "0", "{c}");
        assert_eq!(r["evidence_placeholders"], "1", "{c}");
        assert_eq!(r["evidence_state"], "none", "{c}");
        // The gap's reason stays "no evidence", not "only expired or stale evidence".
        assert!(r["gap_reasons"].starts_with("no evidence;"), "{c}: {r:?}");
    }
    assert_eq!(m["DE.CM-01"]["evidence_state"], "current");
    let gaps = csv_file(&w.path().join("pkg/gaps.csv"));
    let access = gaps.iter().find(|g| g["control_id"] == "PR.AA-05").unwrap();
    assert_eq!(access["evidence_state"], "none");
    assert_eq!(access["evidence_count"], "0");
    let index = csv_file(&w.path().join("pkg/evidence-index.csv"));
    let row = index.iter().find(|r| r["control_id"] == "PR.AA-05").unwrap();
    assert_eq!(
        (row["freshness"].as_str(), row["counted"].as_str()),
        ("placeholder", "no")
    );
    assert!(row["not_counted_reason"].contains("placeholder"));
    let total = status_total(&w);
    assert_eq!(total["evidence_current"], "1");
    let s = w.run(&["status", "--as-of", AS_OF]).ok();
    assert!(s.stderr.contains("2 placeholder row(s)"), "{}", s.stderr);
    // The OSCAL observation is there, not related to the finding it does not support.
    let (findings, observations) = oscal(&w.path().join("pkg"));
    let placeholder = observations
        .iter()
        .find(|o| o["title"] == "Quarterly access review")
        .unwrap();
    assert!(prop(placeholder, "not-counted").starts_with("placeholder"));
    assert!(findings["PR.AA-05"].get("related-observations").is_none());
}
