//! Assessment records: status set and shown, N/A needs a justification, append-only history,
//! spreadsheet import all-or-nothing with row numbers, inherited controls provider-attested.

use crate::util::{Workdir, field, sha256_file};

fn status_of(w: &Workdir, id: &str) -> (String, String) {
    let rows = w
        .run(&[
            "matrix",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
            "--format",
            "csv",
        ])
        .ok()
        .csv();
    let r = rows.iter().find(|r| field(r, "control_id") == id).unwrap();
    (
        field(r, "status").to_string(),
        field(r, "status_note").to_string(),
    )
}

#[test]
fn status_is_recorded_shown_and_kept_in_an_append_only_history() {
    let w = Workdir::new();
    w.run(&["assess", "pr.aa-1", "--status", "planned", "--by", "J. Doe"])
        .ok();
    w.run(&[
        "assess",
        "PR.AA-01",
        "--status",
        "Implemented",
        "--note",
        "SSO with MFA",
        "--by",
        "J. Doe",
    ])
    .ok()
    .stderr_has("PR.AA-01: implemented (by J. Doe)");
    w.run(&[
        "assess",
        "PR.AA-01",
        "--status",
        "partial",
        "--service",
        "iaas",
        "--note",
        "break-glass accounts",
    ])
    .ok();
    assert_eq!(
        status_of(&w, "PR.AA-01"),
        (
            "implemented; iaas: partial".to_string(),
            "SSO with MFA | [iaas] break-glass accounts".to_string()
        )
    );
    let hist = w
        .run(&["assess", "history", "PR.AA-01", "--format", "json"])
        .ok()
        .json();
    let hist = hist.as_array().unwrap();
    assert_eq!(hist.len(), 3);
    assert_eq!(hist[0]["status"], "planned");
    assert_eq!(hist[1]["by"], "J. Doe");
    assert_eq!(hist[1]["source"], "cli");
    let c = rusqlite::Connection::open(w.db()).unwrap();
    assert!(
        c.execute("UPDATE assessment SET status = 'implemented'", [])
            .is_err()
    );
    assert!(c.execute("DELETE FROM assessment", []).is_err());
}

#[test]
fn not_applicable_without_a_note_is_refused_with_65() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let before = sha256_file(&w.db());
    w.run(&["assess", "DE.CM-02", "--status", "N/A"])
        .code(65)
        .stderr_has("not-applicable needs a justification");
    assert_eq!(sha256_file(&w.db()), before);
    w.run(&[
        "assess",
        "DE.CM-02",
        "--status",
        "not-applicable",
        "--note",
        "No premises of our own",
    ])
    .ok();
    assert_eq!(status_of(&w, "DE.CM-02").1, "No premises of our own");
    w.run(&["assess", "DE.CM-02", "--status", "done"])
        .code(2)
        .stderr_has("not an implementation status");
    w.run(&["assess", "DE.ZZ-02", "--status", "planned"])
        .code(65)
        .stderr_has("did you mean");
}

#[test]
fn inherited_controls_show_as_provider_attested() {
    let w = Workdir::new();
    // Provider-attested only while an attestation covers the control's service model (issue 25).
    let (status, _) = status_of(&w, "PR.AA-06");
    assert_eq!(status, "inherited, no attestation");
    w.run(&[
        "attestation",
        "add",
        "--provider",
        "datacrunch",
        "--type",
        "SOC 2 Type II",
        "--period",
        "2000-01-01..2999-12-31",
        "--issuer",
        "Audit firm",
        "--url",
        "https://trust.example/soc2",
    ])
    .ok();
    let (status, _) = status_of(&w, "PR.AA-06");
    assert_eq!(status, "provider-attested");
}

#[test]
fn spreadsheet_import_with_one_bad_status_is_rejected_as_a_whole() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let before = sha256_file(&w.db());
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Assessment").unwrap();
    ws.write_string(0, 0, "Payments API — control assessment")
        .unwrap();
    for (c, h) in [
        "Control ID",
        "Implementation Status",
        "Justification",
        "Assessed By",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    let rows = [
        ["GV.OC-01", "Implemented", "", "Zoë"],
        ["PR.AA-01", "Partially Implemented", "MFA rollout 80%", ""],
        ["PR.DS-11", "Sometimes", "", ""],
        ["DE.CM-02", "N/A", "", ""],
        [
            "RC.RP-01",
            "Alternative Implementation",
            "Provider DR runbook",
            "",
        ],
    ];
    for (i, r) in rows.iter().enumerate() {
        for (c, v) in r.iter().enumerate() {
            ws.write_string(3 + i as u32, c as u16, *v).unwrap();
        }
    }
    let f = w.path().join("assessment.xlsx");
    wb.save(&f).unwrap();
    w.run(&["assess", "import", f.to_str().unwrap()])
        .code(65)
        .stderr_has("2 problems found, nothing was changed")
        .stderr_has("sheet `Assessment`, row 6, column `Implementation Status`: `Sometimes`")
        .stderr_has("row 7, column `Justification`")
        .stderr_has("not-applicable needs a justification");
    assert_eq!(sha256_file(&w.db()), before);

    // Fixed file: every FedRAMP spelling is taken, and who/when is recorded.
    let fixed = w.write(
        "assessment.csv",
        "\u{feff}Control ID,Status,Notes,By\r\nGV.OC-01,Implemented,,Zoë\r\nPR.AA-01,Partially Implemented,MFA rollout 80%,\r\nDE.CM-02,N/A,No premises,\r\nRC.RP-01,Alternative Implementation,Provider DR runbook,\r\n",
    );
    w.run(&["assess", "import", fixed.to_str().unwrap(), "--by", "Lead"])
        .ok()
        .stderr_has("recorded 4 assessments");
    assert_eq!(status_of(&w, "PR.AA-01").0, "partial");
    assert_eq!(status_of(&w, "DE.CM-02").0, "not-applicable");
    assert_eq!(status_of(&w, "RC.RP-01").0, "alternative");
    let hist = w.run(&["assess", "history", "--format", "json"]).ok().json();
    let gv = hist
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["control_id"] == "GV.OC-01")
        .unwrap()
        .clone();
    assert_eq!(gv["by"], "Zoë");
    assert!(
        gv["source"]
            .as_str()
            .unwrap()
            .starts_with("import assessment.csv (")
    );
}
