//! Issue 27, items 1, 2 and 4 (and the part of 3 that can be read back): report.pdf read as an
//! assessor reads it. pdftotext finds a not-applicable justification, a plan's action and
//! milestone and who assessed; qpdf shows an outline entry per section and per dossier control,
//! link annotations (to the dossiers, to URLs) and the destinations they name; no control ID of
//! the catalogue is broken across lines; no text is set below 7.5 pt.

use std::path::Path;

use crate::util::{Workdir, have_tool, tool};

/// A scope (iaas, model) with evidence under PR.AA-01 (a packaged file and a URL), a plan with
/// a milestone on DE.CM-01, a not-applicable GV.OC-01; exported with its files.
fn package() -> Workdir {
    let w = Workdir::new();
    w.write("files/Access policy.pdf", b"%PDF-1.4 the policy\n");
    w.write(
        "t.csv",
        "\u{feff}control_id,title,description,evidence_type,owner,collected_on,valid_until,location\r\n\
         PR.AA-01,Access policy,Identity list and roles,report,@security-team,2026-03-02,2027-03-01,files/Access policy.pdf\r\n\
         PR.AA-01,SSO settings,SSO configuration,screenshot,Anna,2026-01-05,2027-01-05,https://grc.example/sso\r\n\
         GV.RM-01,Risk objectives,signed,minutes,Board,2026-02-01,2027-02-01,https://grc.example/risk\r\n\
         DE.CM-01,SIEM rules,rules export,config,Chloé,2024-03-01,,https://grc.example/siem\r\n",
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    w.payments_scope("iaas,model");
    w.run(&[
        "assess",
        "GV.OC-01",
        "--status",
        "not-applicable",
        "--note",
        "No mission-critical dependency: batch analytics only",
        "--by",
        "Dana Auditee",
    ])
    .ok();
    w.run(&[
        "plan",
        "DE.CM-01",
        "--due",
        "2027-02-01",
        "--owner",
        "@soc-team",
        "--action",
        "Forward SIEM rules monthly",
        "--milestone",
        "2026-12-15: rules exported",
    ])
    .ok();
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--include-files",
        "--formats",
        "pdf,csv",
    ])
    .ok();
    w
}

/// A string of qpdf's JSON (`u:text`) as text.
fn text(v: &serde_json::Value) -> Option<&str> {
    v.as_str().map(|s| s.strip_prefix("u:").unwrap_or(s))
}

/// The control IDs of the scope, from control-matrix.csv.
fn control_ids(pkg: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(pkg.join("control-matrix.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect()
}

#[test]
fn the_dossiers_say_why_not_applicable_the_plan_and_who_assessed() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = package();
    let pdf = w.path().join("pkg/report.pdf");
    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    // Lines joined: a value may wrap in its column.
    let flat = crate::util::squeeze(&text);
    for want in [
        "Statement of Applicability",
        "No mission-critical dependency: batch analytics only",
        "Dana Auditee",
        "Forward SIEM rules monthly",
        "2026-12-15: rules exported",
        "@soc-team",
        "Control dossiers",
        "Statuses are the organisation's self-assessment unless an assessor's result is shown",
        "Prepared by",
    ] {
        assert!(flat.contains(want), "report.pdf lacks {want:?}");
    }
    // The dossier of PR.AA-01 shows its evidence with description, type and the full SHA-256.
    let sha = crate::util::sha256_file(&w.path().join("files/Access policy.pdf"));
    let dossier = &flat[flat.find("PR.AA-01 — Identities").expect("PR.AA-01's dossier")..];
    let dossier = &dossier[..dossier.find("PR.AA-02 — ").unwrap()];
    for want in [
        "Identity list and roles",
        "report, collected 2026-03-02, valid until 2027-03-01",
        sha.as_str(),
        "https://grc.example/sso",
    ] {
        assert!(
            dossier.contains(want),
            "PR.AA-01's dossier lacks {want:?}: {dossier}"
        );
    }
}

#[test]
fn the_outline_has_every_section_and_a_dossier_per_control_and_links_go_somewhere() {
    if !have_tool("qpdf") {
        return;
    }
    let w = package();
    let pkg = w.path().join("pkg");
    let json: serde_json::Value = serde_json::from_str(&tool(
        "qpdf",
        &["--json", pkg.join("report.pdf").to_str().unwrap()],
    ))
    .unwrap();
    let outline = json["outlines"].as_array().expect("an outline");
    let titles: Vec<&str> = outline.iter().map(|o| text(&o["title"]).unwrap()).collect();
    for section in [
        "Contents",
        "Control matrix",
        "Customer responsibilities",
        "Gaps",
        "Provider attestations",
        "Inheritance gaps",
        "Statement of Applicability",
        "Control dossiers",
        "Evidence appendix",
    ] {
        assert!(
            titles.contains(&section),
            "no outline entry {section:?} in {titles:?}"
        );
    }
    let dossiers = outline.iter().find(|o| o["title"] == "Control dossiers").unwrap();
    let kids: Vec<&str> = dossiers["kids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| text(&k["title"]).unwrap())
        .collect();
    let ids = control_ids(&pkg);
    assert_eq!(kids.len(), ids.len(), "one entry per control of the scope");
    for (kid, id) in kids.iter().zip(&ids) {
        assert!(kid.starts_with(&format!("{id} — ")), "{kid} for {id}");
    }
    // Every entry points at a page.
    for o in outline {
        assert!(o["destpageposfrom1"].as_u64().is_some_and(|p| p >= 1), "{o}");
    }

    // Link annotations: to named destinations (the dossiers, the appendix, the sections) and URIs.
    let objects = json["objects"]
        .as_object()
        .or_else(|| json["qpdf"][1].as_object())
        .unwrap();
    let mut dests = Vec::new();
    let mut uris = Vec::new();
    let mut defined = Vec::new();
    for v in objects.values() {
        let v = v.get("value").unwrap_or(v);
        if v["/Subtype"] == "/Link" {
            if let Some(d) = text(&v["/Dest"]) {
                dests.push(d.to_string());
            }
            if let Some(u) = text(&v["/A"]["/URI"]) {
                uris.push(u.to_string());
            }
        }
        if let Some(names) = v["/Names"].as_array() {
            defined.extend(names.iter().step_by(2).filter_map(text).map(String::from));
        }
    }
    assert!(dests.len() > ids.len(), "{} links to destinations", dests.len());
    assert!(uris.iter().any(|u| u.ends_with("grc.example/sso")), "{uris:?}");
    assert!(
        uris.iter()
            .any(|u| u.starts_with("evidence/") && u.ends_with("Access%20policy.pdf")),
        "{uris:?}"
    );
    // The destinations the links name are defined (the name tree of the catalog).
    for name in ["c-PR.AA-01", "c-GV.OC-01", "a-PR.AA-01", "s-Gaps"] {
        assert!(dests.iter().any(|d| d == name), "no link to {name}");
        assert!(
            defined.iter().any(|d| d == name),
            "destination {name} not defined: {defined:?}"
        );
    }
}

#[test]
fn no_control_id_is_broken_and_no_text_is_below_7_5_points() {
    if !have_tool("pdftotext") || !have_tool("qpdf") {
        return;
    }
    let w = package();
    let pkg = w.path().join("pkg");
    let pdf = pkg.join("report.pdf");
    let layout = tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"]);
    let ids = control_ids(&pkg);
    let categories: Vec<&str> = ids.iter().map(|i| i.split('-').next().unwrap()).collect();
    // A piece of a control ID at the end of a cell's line: `GV.RM-0` (then `1` below).
    let broken: Vec<(usize, &str)> = layout
        .lines()
        .enumerate()
        .flat_map(|(n, line)| line.split_whitespace().map(move |t| (n + 1, t)))
        .map(|(n, t)| (n, t.trim_matches(|c: char| "(),;:[]".contains(c))))
        .filter(|(_, t)| {
            t.contains('.')
                && !t.ends_with('.')
                && !ids.iter().any(|i| i == t)
                && !categories.contains(t)
                && ids.iter().any(|i| i.starts_with(t))
        })
        .collect();
    assert!(broken.is_empty(), "control IDs broken across lines: {broken:?}");

    // Every font size set in the content streams (`/F 7.5 Tf`) is at least 7.5 pt.
    let raw = tool(
        "qpdf",
        &["--qdf", "--object-streams=disable", pdf.to_str().unwrap(), "-"],
    );
    let sizes: Vec<f32> = raw
        .match_indices(" Tf")
        .filter_map(|(i, _)| raw[..i].rsplit([' ', '\n']).next()?.parse().ok())
        .collect();
    assert!(sizes.len() > 10, "{sizes:?}");
    let small: Vec<f32> = sizes.into_iter().filter(|s| *s < 7.5).collect();
    assert!(small.is_empty(), "text set below 7.5 pt: {small:?}");
}
