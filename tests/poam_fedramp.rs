//! Issue 26 item 4, a FedRAMP-complete POA&M: poam.csv and the POA&M sheet with the template's
//! full column set (csfkit's twelve first, in their order), FedRAMP's status words, the risk
//! ratings from `plan --risk` (the first rating Original, a later one Adjusted), a Closed POA&M
//! Items sheet, and the new columns read back by `plan import` (round trip, into the same
//! catalogue and a fresh one).

use std::path::Path;

use calamine::{Data, Reader};

use crate::util::{Workdir, field};

const AS_OF: &str = "2026-11-24";

const TRACKER: &str = "\u{feff}control_id,title,owner,collected_on,valid_until,location\r\n\
PR.AA-01,SSO settings,Anna,2026-01-05,2027-01-05,https://grc.example/sso\r\n";

/// The FedRAMP POA&M template's columns as the issue lists them, after csfkit's twelve.
const FEDRAMP: [&str; 16] = [
    "Weakness Detector Source",
    "Weakness Source Identifier",
    "Asset Identifier",
    "Resources Required",
    "Milestone Changes",
    "Vendor Dependency",
    "Last Vendor Check-in Date",
    "Vendor Dependent Product Name",
    "Original Risk Rating",
    "Adjusted Risk Rating",
    "Risk Adjustment",
    "False Positive",
    "Operational Requirement",
    "Deviation Rationale",
    "Supporting Documents",
    "Auto-Approve",
];

const CSFKIT: [&str; 12] = [
    "POAM ID",
    "Controls",
    "Weakness Name",
    "Weakness Description",
    "Point of Contact",
    "Overall Remediation Plan",
    "Original Detection Date",
    "Scheduled Completion Date",
    "Planned Milestones",
    "Status",
    "Status Date",
    "Comments",
];

fn plan(w: &Workdir, args: &[&str]) -> crate::util::Run {
    let mut a = vec!["plan"];
    a.extend_from_slice(args);
    w.run(&a)
}

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("tracker.csv", TRACKER);
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    plan(
        &w,
        &[
            "PR.AA-05",
            "--due",
            "2027-03-31",
            "--owner",
            "J. Doe",
            "--action",
            "Enforce MFA",
            "--risk",
            "moderate",
        ],
    )
    .ok();
    // A later rating is the adjusted one; the first stays the original.
    plan(&w, &["PR.AA-05", "--risk", "low"]).ok();
    plan(
        &w,
        &[
            "DE.CM-01",
            "--due",
            "2026-06-30",
            "--owner",
            "SOC",
            "--action",
            "Tune SIEM",
            "--risk",
            "high",
        ],
    )
    .ok();
    plan(
        &w,
        &[
            "GV.OC-01",
            "--due",
            "2027-01-31",
            "--owner",
            "CISO",
            "--action",
            "Write it down",
            "--status",
            "risk-accepted",
            "--note",
            "accepted until 2027",
        ],
    )
    .ok();
    // PR.AA-01 has current evidence and is implemented: no gap, its plan closed.
    w.run(&["assess", "PR.AA-01", "--status", "implemented"]).ok();
    plan(
        &w,
        &[
            "PR.AA-01",
            "--due",
            "2026-10-31",
            "--owner",
            "IAM",
            "--action",
            "Roll out SSO",
        ],
    )
    .ok();
    plan(
        &w,
        &[
            "PR.AA-01",
            "--status",
            "closed",
            "--note",
            "SSO live since 2026-10-20",
        ],
    )
    .ok();
    w
}

fn export(w: &Workdir, out: &str) {
    w.run(&["export", "--out", out, "--as-of", AS_OF]).ok();
}

fn rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn row<'a>(header: &[String], rows: &'a [Vec<String>], id: &str) -> Vec<(String, String)> {
    let r: &'a Vec<String> = rows.iter().find(|r| r[1] == id).unwrap();
    header.iter().cloned().zip(r.iter().cloned()).collect()
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<String>> {
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range(name).unwrap();
    range
        .rows()
        .map(|r| {
            r.iter()
                .map(|d| match d {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    Data::DateTime(dt) => dt.as_datetime().unwrap().date().to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_poam_carries_the_fedramp_columns_risk_ratings_and_status_words() {
    let w = setup();
    export(&w, "pkg");
    let pkg = w.path().join("pkg");
    let (header, all) = rows(&pkg.join("poam.csv"));
    let want: Vec<&str> = CSFKIT.iter().chain(FEDRAMP.iter()).copied().collect();
    assert_eq!(header, want);
    let aa05 = row(&header, &all, "PR.AA-05");
    assert_eq!(field(&aa05, "Original Risk Rating"), "Moderate");
    assert_eq!(field(&aa05, "Adjusted Risk Rating"), "Low");
    assert_eq!(field(&aa05, "Risk Adjustment"), "Yes");
    assert_eq!(field(&aa05, "Status"), "Ongoing");
    assert_eq!(field(&aa05, "Vendor Dependency"), "");
    let cm01 = row(&header, &all, "DE.CM-01");
    assert_eq!(field(&cm01, "Status"), "Delayed");
    assert_eq!(field(&cm01, "Original Risk Rating"), "High");
    assert_eq!(field(&cm01, "Adjusted Risk Rating"), "");
    assert_eq!(field(&cm01, "Risk Adjustment"), "No");
    assert_eq!(field(&row(&header, &all, "GV.OC-01"), "Status"), "Risk Accepted");
    // Only FedRAMP's words; a gap without a plan is an open item with empty plan columns.
    let status = header.iter().position(|h| h == "Status").unwrap();
    for r in &all {
        assert!(
            ["Ongoing", "Delayed", "Completed", "Risk Accepted"].contains(&r[status].as_str()),
            "{}: {}",
            r[1],
            r[status]
        );
    }
    let unplanned = row(&header, &all, "DE.AE-02");
    assert_eq!(field(&unplanned, "Status"), "Ongoing");
    assert_eq!(field(&unplanned, "Point of Contact"), "");
    assert_eq!(field(&unplanned, "Original Risk Rating"), "");
    // PR.AA-01 is no gap: it is a closed item, not in the POA&M.
    assert!(!all.iter().any(|r| r[1] == "PR.AA-01"));

    let xlsx = pkg.join("audit-workbook.xlsx");
    let poam = sheet(&xlsx, "POA&M");
    assert_eq!(poam[0], want);
    assert_eq!(poam.len(), all.len() + 1);
    let closed = sheet(&xlsx, "Closed POA&M Items");
    assert_eq!(closed[0], want);
    assert_eq!(closed.len(), 2, "{closed:?}");
    let c = &closed[1];
    assert_eq!(c[1], "PR.AA-01");
    assert_eq!(c[status], "Completed");
    assert_eq!(
        c[header.iter().position(|h| h == "Comments").unwrap()],
        "SSO live since 2026-10-20"
    );

    // The plan history says what each record changed.
    let (ph, prows) = rows(&pkg.join("plan-history.csv"));
    let changed = ph.iter().position(|h| h == "changed").unwrap();
    assert_eq!(prows[1][1], "PR.AA-05");
    assert_eq!(prows[1][changed], "risk");

    // A rating outside the list is a usage error naming the allowed ones.
    plan(&w, &["PR.AA-05", "--risk", "critical"])
        .code(2)
        .stderr_has("expected low, moderate or high");
}

#[test]
fn plan_import_reads_the_fedramp_columns_back() {
    let w = setup();
    export(&w, "pkg");
    let pkg = w.path().join("pkg");
    // The assessor's team fills in FedRAMP columns csfkit does not derive.
    let mut r = csv::Reader::from_path(pkg.join("poam.csv")).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(&header).unwrap();
    for rec in r.records() {
        let mut rec: Vec<String> = rec.unwrap().iter().map(str::to_string).collect();
        if rec[1] == "PR.AA-05" {
            for (col, v) in [
                ("Vendor Dependency", "Yes"),
                ("Vendor Dependent Product Name", "Okta Workforce Identity"),
                ("Last Vendor Check-in Date", "2026-11-02"),
                ("Weakness Detector Source", "Assessor: Example Assessors LLP"),
                ("Supporting Documents", "MFA-rollout-plan.pdf"),
            ] {
                rec[header.iter().position(|h| h == col).unwrap()] = v.to_string();
            }
        }
        out.write_record(&rec).unwrap();
    }
    std::fs::write(w.path().join("edited.csv"), out.into_inner().unwrap()).unwrap();
    w.run(&["plan", "import", "edited.csv"]).ok();
    export(&w, "pkg2");
    let (h2, a2) = rows(&w.path().join("pkg2/poam.csv"));
    let aa05 = row(&h2, &a2, "PR.AA-05");
    assert_eq!(field(&aa05, "Vendor Dependency"), "Yes");
    assert_eq!(
        field(&aa05, "Vendor Dependent Product Name"),
        "Okta Workforce Identity"
    );
    assert_eq!(field(&aa05, "Last Vendor Check-in Date"), "2026-11-02");
    assert_eq!(
        field(&aa05, "Weakness Detector Source"),
        "Assessor: Example Assessors LLP"
    );
    assert_eq!(field(&aa05, "Original Risk Rating"), "Moderate");
    assert_eq!(field(&aa05, "Adjusted Risk Rating"), "Low");

    // Into a fresh catalogue: the same FedRAMP and risk columns come out again.
    let fresh = Workdir::new();
    fresh.write("tracker.csv", TRACKER);
    fresh.run(&["evidence", "import", "tracker.csv"]).ok();
    fresh.payments_scope("iaas,model");
    std::fs::copy(w.path().join("pkg2/poam.csv"), fresh.path().join("poam.csv")).unwrap();
    fresh.run(&["plan", "import", "poam.csv"]).ok();
    export(&fresh, "pkg3");
    let (h3, a3) = rows(&fresh.path().join("pkg3/poam.csv"));
    for id in ["PR.AA-05", "DE.CM-01", "GV.OC-01"] {
        let (x, y) = (row(&h2, &a2, id), row(&h3, &a3, id));
        for col in FEDRAMP
            .iter()
            .chain(["Point of Contact", "Status", "Comments"].iter())
        {
            assert_eq!(field(&x, col), field(&y, col), "{id} {col}");
        }
    }
    // A rating that is not one is a row error with its place.
    w.write(
        "bad.csv",
        "Controls,Scheduled Completion Date,Point of Contact,Overall Remediation Plan,Original Risk Rating\n\
PR.AA-05,2027-03-31,J. Doe,Enforce MFA,Severe\n",
    );
    w.run(&["plan", "import", "bad.csv"])
        .code(65)
        .stderr_has("row 2, column `Original Risk Rating`: `Severe`");
}
