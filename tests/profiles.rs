//! Issue 28: CSF 2.0 Organizational Profiles (NIST SP 1301) and Tiers (SP 1302): many profiles in
//! one catalogue sharing its evidence, each with its own scope, statuses, plans, ownership
//! changes, outcomes and Tiers; a catalogue of an earlier release upgraded into one default
//! profile with its history intact.

use crate::util::{Workdir, field};

fn listing(w: &Workdir, args: &[&str]) -> Vec<Vec<(String, String)>> {
    let mut a = args.to_vec();
    a.extend(["--format", "csv"]);
    w.run(&a).ok().csv()
}

fn row<'a>(rows: &'a [Vec<(String, String)>], col: &str, value: &str) -> &'a [(String, String)] {
    rows.iter()
        .find(|r| field(r, col) == value)
        .unwrap_or_else(|| panic!("no row with {col} = {value} in {rows:?}"))
}

fn show(w: &Workdir, args: &[&str]) -> std::collections::HashMap<String, String> {
    listing(w, args)
        .iter()
        .map(|r| (field(r, "field").to_string(), field(r, "value").to_string()))
        .collect()
}

/// Two profiles in one catalogue: one evidence import serves both; each has its own scope,
/// statuses, plans, ownership changes, outcomes and Tiers; `--profile`, `CSFKIT_PROFILE` and
/// `profile use` choose which one a command reads and writes.
#[test]
fn two_profiles_share_one_evidence_import_with_their_own_statuses_and_targets() {
    let w = Workdir::new();
    w.run(&[
        "scope",
        "set",
        "--system",
        "Portal",
        "--provider",
        "digitalocean",
        "--services",
        "paas",
    ])
    .ok();
    w.run(&[
        "profile",
        "create",
        "payments",
        "--system",
        "Payments API",
        "--provider",
        "datacrunch",
        "--services",
        "iaas,model",
        "--priorities",
        "high,moderate,low",
        "--description",
        "PCI scope",
    ])
    .ok()
    .stderr_has("profile `payments` created: `Payments API` on datacrunch (iaas,model)");
    // A name taken (in any case) is refused and nothing is made.
    w.run(&["profile", "create", "Payments"])
        .code(65)
        .stderr_has("a profile named `payments` exists already");

    // One evidence import, before any profile is chosen.
    w.write(
        "tracker.csv",
        "\u{feff}control_id,title,collected_on\r\nGV.OC-01,Mission statement,2026-11-15\r\nPR.AA-01,Identity register,2026-11-16\r\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();

    // Statuses per profile.
    w.run(&["assess", "GV.OC-01", "--status", "implemented"]).ok();
    w.run(&[
        "--profile",
        "payments",
        "assess",
        "GV.OC-01",
        "--status",
        "partial",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "assess",
        "PR.AA-01",
        "--status",
        "planned",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "plan",
        "PR.AA-01",
        "--due",
        "2027-03-31",
        "--owner",
        "IAM team",
        "--action",
        "Roll out the identity register",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "ownership",
        "set",
        "PR.AA-01",
        "--service",
        "iaas",
        "--owner",
        "customer",
        "--reason",
        "We run the identity provider",
    ])
    .ok();

    let default = listing(&w, &["assess", "history"]);
    assert_eq!(default.len(), 1, "{default:?}");
    assert_eq!(field(&default[0], "status"), "implemented");
    assert_eq!(field(&default[0], "system"), "Portal");
    let payments = listing(&w, &["--profile", "payments", "assess", "history"]);
    assert_eq!(payments.len(), 2, "{payments:?}");
    assert_eq!(
        field(row(&payments, "control_id", "GV.OC-01"), "status"),
        "partial"
    );
    assert_eq!(field(&payments[0], "system"), "Payments API");
    assert!(listing(&w, &["plan", "list"]).is_empty());
    assert_eq!(listing(&w, &["--profile", "payments", "plan", "list"]).len(), 1);
    assert!(listing(&w, &["ownership", "history"]).is_empty());
    assert_eq!(
        listing(&w, &["--profile", "payments", "ownership", "history"]).len(),
        1
    );

    // The evidence is the organisation's: both profiles see the same rows.
    let ev_default = listing(&w, &["evidence", "list"]);
    let ev_payments = listing(&w, &["--profile", "payments", "evidence", "list"]);
    assert_eq!(ev_default.len(), 2);
    assert_eq!(ev_default, ev_payments);

    // The scope follows the profile: the matrix of each is its provider's.
    let scope = listing(&w, &["--profile", "payments", "scope", "show"]);
    assert_eq!(field(&scope[0], "provider"), "datacrunch");
    assert_eq!(field(&scope[0], "services"), "iaas,model");
    assert_eq!(
        field(&listing(&w, &["scope", "show"])[0], "provider"),
        "digitalocean"
    );

    // Targets per profile, the priority on the profile's own scale.
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "gv.oc-1",
        "--include",
        "--priority",
        "high",
        "--target",
        "Mission reviewed yearly by the board",
        "--rationale",
        "Board mandate",
    ])
    .ok()
    .stderr_has("GV.OC-01 in profile `payments`: included, target priority high");
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "PR.AA-01",
        "--include",
        "--priority",
        "moderate",
    ])
    .ok();
    // A priority off the scale, and a default profile that declares none, are refused.
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "PR.AA-01",
        "--priority",
        "urgent",
    ])
    .code(65)
    .stderr_has(
        "priority `urgent` is not on profile `payments`'s scale; expected one of high, moderate, low",
    );
    w.run(&["profile", "outcome", "PR.AA-01", "--priority", "high"])
        .code(65)
        .stderr_has("profile `default` declares no priority scale");
    // Left out needs a reason.
    w.run(&["profile", "outcome", "DE.CM-02", "--exclude"])
        .code(2)
        .stderr_has("needs a --rationale");
    w.run(&[
        "profile",
        "outcome",
        "DE.CM-02",
        "--exclude",
        "--rationale",
        "No premises",
    ])
    .ok();
    // A category carries an outcome too.
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "GV.OC",
        "--include",
    ])
    .ok();

    let targets = listing(&w, &["--profile", "payments", "profile", "outcomes"]);
    assert_eq!(
        targets.iter().map(|r| field(r, "outcome")).collect::<Vec<_>>(),
        ["GV.OC", "GV.OC-01", "PR.AA-01"],
        "document order"
    );
    let gv = row(&targets, "outcome", "GV.OC-01");
    assert_eq!(field(gv, "included"), "yes");
    assert_eq!(field(gv, "current_status"), "partial");
    assert_eq!(field(gv, "target_priority"), "high");
    assert_eq!(
        field(gv, "target_outcome"),
        "Mission reviewed yearly by the board"
    );
    assert_eq!(field(gv, "rationale"), "Board mandate");
    assert_eq!(
        field(row(&targets, "outcome", "PR.AA-01"), "current_status"),
        "planned"
    );
    let mine = listing(&w, &["profile", "outcomes"]);
    assert_eq!(mine.len(), 1);
    assert_eq!(field(&mine[0], "outcome"), "DE.CM-02");
    assert_eq!(field(&mine[0], "included"), "no");
    assert_eq!(field(&mine[0], "rationale"), "No premises");
    // An option not given keeps the value in force.
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "GV.OC-01",
        "--note",
        "Reviewed 2026",
    ])
    .ok();
    let gv = listing(&w, &["--profile", "payments", "profile", "outcomes"]);
    let gv = row(&gv, "outcome", "GV.OC-01");
    assert_eq!(field(gv, "target_priority"), "high");
    assert_eq!(field(gv, "notes"), "Reviewed 2026");

    // Tiers per profile and aspect, never per subcategory.
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "tier",
        "governance",
        "--current",
        "2",
        "--target",
        "repeatable",
        "--note",
        "Board reviews risk yearly",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "tier",
        "management",
        "--current",
        "partial",
    ])
    .ok();
    w.run(&["profile", "tier", "governance", "--current", "5"])
        .code(2)
        .stderr_has("`5` is not a Tier; expected 1-4");
    let p = show(&w, &["profile", "show", "payments"]);
    assert_eq!(p["tier_governance_current"], "2 risk-informed");
    assert_eq!(p["tier_governance_target"], "3 repeatable");
    assert_eq!(p["tier_governance_note"], "Board reviews risk yearly");
    assert_eq!(p["tier_management_current"], "1 partial");
    assert_eq!(p["tier_management_target"], "");
    assert_eq!(p["system"], "Payments API");
    assert_eq!(p["priorities"], "high,moderate,low");
    let d = show(&w, &["profile", "show"]);
    assert_eq!(d["name"], "default");
    assert_eq!(d["tier_governance_current"], "");
    assert_eq!(d["system"], "Portal");

    // `profile use` makes a profile the one in use; --profile and CSFKIT_PROFILE override it.
    w.run(&["profile", "use", "payments"]).ok();
    let profiles = listing(&w, &["profile", "list"]);
    assert_eq!(field(row(&profiles, "name", "payments"), "in_use"), "*");
    assert_eq!(field(row(&profiles, "name", "default"), "in_use"), "");
    assert_eq!(listing(&w, &["assess", "history"]).len(), 2);
    assert_eq!(
        listing(&w, &["--profile", "default", "assess", "history"]).len(),
        1
    );
    let r = w.run_cmd({
        let mut c = w.cmd(&["assess", "history", "--format", "csv"]);
        c.env("CSFKIT_PROFILE", "default");
        c
    });
    assert_eq!(r.ok().csv().len(), 1);
    // An unknown profile is refused, naming the ones there are; nothing is written.
    w.run(&[
        "--profile",
        "retail",
        "assess",
        "GV.OC-01",
        "--status",
        "implemented",
    ])
    .code(65)
    .stderr_has("profile `retail` is not in the catalogue; the profiles are `default`, `payments`");
    w.run(&["profile", "use", "retail"]).code(65);

    // Every record chains; a record moved to another profile breaks its chain.
    let check = listing(&w, &["check"]);
    assert!(check.iter().all(|r| field(r, "status") == "ok"), "{check:?}");
    {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.execute_batch(
            "DROP TRIGGER assessment_no_update; UPDATE assessment SET profile_id = NULL WHERE seq = 2;",
        )
        .unwrap();
    }
    w.run(&["check"])
        .code(1)
        .stderr_has("assessment record 2: its content is not what was chained");
}

/// A catalogue written by csfkit 0.1.0 upgrades into one profile, `default`: its scope, its
/// statuses, ownership changes and evidence, with every chain head as 0.1.0 printed it; a new
/// profile made on it starts empty and the chains still hold.
#[test]
fn a_catalogue_of_an_earlier_release_upgrades_into_one_default_profile() {
    let w = Workdir::new();
    w.old_catalogue();
    let before: (String, String) = {
        let c = rusqlite::Connection::open(w.db()).unwrap();
        c.query_row("SELECT system, provider_id FROM scope", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap()
    };
    let heads = listing(&w, &["check"]);
    assert!(heads.iter().all(|r| field(r, "status") == "ok"), "{heads:?}");
    // The heads csfkit 0.1.0 printed for this file (as in cli_catalogue.rs).
    assert_eq!(
        field(row(&heads, "log", "assessment"), "head"),
        "16e39d02a232914247aeb3262cbeb30ffca51bfb267ef3a81957d56314bf5f21"
    );
    assert_eq!(
        field(row(&heads, "log", "ownership"), "head"),
        "bddc04921138aa5c87f9c7008de21913ca5772bbaf0ba5d8bc8199aa17663ece"
    );
    let profiles = listing(&w, &["profile", "list"]);
    assert_eq!(profiles.len(), 1, "{profiles:?}");
    assert_eq!(field(&profiles[0], "name"), "default");
    assert_eq!(field(&profiles[0], "in_use"), "*");
    assert_eq!(field(&profiles[0], "system"), before.0);
    assert_eq!(field(&profiles[0], "provider"), before.1);
    assert_eq!(listing(&w, &["assess", "history"]).len(), 2);
    assert_eq!(listing(&w, &["ownership", "history"]).len(), 1);

    // A second profile starts with nothing of the default's but the evidence.
    w.run(&["profile", "create", "lab", "--priorities", "1,2,3"]).ok();
    assert!(listing(&w, &["--profile", "lab", "assess", "history"]).is_empty());
    assert!(listing(&w, &["--profile", "lab", "ownership", "history"]).is_empty());
    assert_eq!(
        listing(&w, &["--profile", "lab", "evidence", "list"]),
        listing(&w, &["evidence", "list"])
    );
    w.run(&["--profile", "lab", "assess", "GV.OC-01", "--status", "planned"])
        .ok();
    w.run(&["assess", "GV.OC-02", "--status", "implemented"]).ok();
    let after = listing(&w, &["check"]);
    assert!(after.iter().all(|r| field(r, "status") == "ok"), "{after:?}");
    assert_eq!(field(row(&after, "log", "assessment"), "records"), "4");
    assert_eq!(listing(&w, &["assess", "history"]).len(), 3);
    // The lab profile has no scope: commands that need one say how to give it.
    w.run(&["--profile", "lab", "matrix"])
        .code(2)
        .stderr_has("no scope");
}

const TEMPLATE_HEADERS: [&str; 19] = [
    "CSF Outcome (Function, Category, or Subcategory)",
    "CSF Outcome Description",
    "Included in Profile?",
    "Rationale",
    "Current Priority",
    "Current Status",
    "Current Policies, Processes, and Procedures",
    "Current Internal Practices",
    "Current Roles and Responsibilities",
    "Current Selected Informative References",
    "Current Artifacts and Evidence",
    "Target Priority",
    "Target CSF Tier",
    "Target Policies, Processes, and Procedures",
    "Target Internal Practices",
    "Target Roles and Responsibilities",
    "Target Selected Informative References",
    "Notes",
    "Considerations",
];

/// A filled Organizational Profile template as a spreadsheet tool writes it: a title row and a
/// blank row above the header, then `rows` (19 cells each, empty cells left unwritten).
fn template(path: &std::path::Path, rows: &[Vec<&str>]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Current and Target Profile").unwrap();
    ws.write_string(0, 0, "Organizational Profile: Example Co payments")
        .unwrap();
    for (c, h) in TEMPLATE_HEADERS.iter().enumerate() {
        ws.write_string(2, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32 + 3, c as u16, *v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

fn sheet_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(path).unwrap();
    let range = wb.worksheet_range("Current and Target Profile").unwrap();
    range
        .rows()
        .map(|r| {
            let mut v: Vec<String> = r.iter().map(|c| c.to_string()).collect();
            v.resize(19, String::new());
            v
        })
        .collect()
}

/// A filled Organizational Profile template written by a spreadsheet library imports into a
/// profile, exports back in the template's layout with the same values (the descriptions from
/// the framework), and that export imports into another profile and exports identically. A bad
/// row refuses the whole file, naming its place.
#[test]
fn a_filled_organizational_profile_template_imports_and_exports_back_with_the_same_values() {
    let w = Workdir::new();
    w.run(&[
        "profile",
        "create",
        "payments",
        "--priorities",
        "High,Moderate,Low",
    ])
    .ok();
    let filled: Vec<Vec<&str>> = vec![
        {
            let mut r = vec![""; 19];
            r[0] = "GOVERN (GV)";
            r[2] = "Yes";
            r[3] = "The whole function is in scope";
            r[12] = "Tier 3";
            r
        },
        vec![
            "GV.OC-01",
            "",
            "Yes",
            "Board mandate",
            "Moderate",
            "Partially Implemented",
            "Charter v2",
            "Mission reviewed ad hoc",
            "CISO",
            "ISO/IEC 27001:2022 5.1",
            "Board minutes 2026-03",
            "High",
            "Tier 3",
            "Charter v3 with yearly review",
            "Mission reviewed yearly by the board",
            "CISO and board secretary",
            "SP 800-53 PM-11",
            "Reviewed 2026",
            "Align with the PCI DSS scope",
        ],
        {
            let mut r = vec![""; 19];
            r[0] = "PR.AA-01";
            r[2] = "No";
            r[3] = "No workforce accounts in this system";
            r
        },
        {
            // Only the outcome and its description: skipped.
            let mut r = vec![""; 19];
            r[0] = "GV.OC-02";
            r[1] = "whatever the sheet said";
            r
        },
    ];
    let input = w.path().join("org-profile.xlsx");
    template(&input, &filled);
    w.run(&["--profile", "payments", "profile", "import", "org-profile.xlsx"])
        .ok()
        .stderr_has("3 outcome rows valid for profile `payments`");
    let outcomes = listing(&w, &["--profile", "payments", "profile", "outcomes"]);
    assert_eq!(
        outcomes.iter().map(|r| field(r, "outcome")).collect::<Vec<_>>(),
        ["GV", "GV.OC-01", "PR.AA-01"]
    );
    assert_eq!(field(&outcomes[2], "included"), "no");

    w.run(&["profile", "export", "payments", "--out", "out.xlsx"])
        .ok();
    let out = sheet_rows(&w.path().join("out.xlsx"));
    assert_eq!(out[0], TEMPLATE_HEADERS.map(String::from).to_vec());
    // One row per CSF 2.0 function, category and subcategory, as the framework holds them.
    let controls = listing(&w, &["controls"]);
    let text: std::collections::HashMap<&str, &str> = controls
        .iter()
        .map(|r| (field(r, "id"), field(r, "text")))
        .collect();
    let functions: std::collections::BTreeSet<&str> = controls.iter().map(|r| field(r, "function")).collect();
    let categories: std::collections::BTreeSet<&str> =
        controls.iter().map(|r| field(r, "category")).collect();
    assert_eq!(out.len() - 1, controls.len() + functions.len() + categories.len());
    for given in &filled[..3] {
        let id = if given[0] == "GOVERN (GV)" { "GV" } else { given[0] };
        let row = out.iter().find(|r| r[0] == id).unwrap();
        for c in 2..19 {
            assert_eq!(row[c], given[c], "{id}, column {}", TEMPLATE_HEADERS[c]);
        }
    }
    let gv_oc_01 = out.iter().find(|r| r[0] == "GV.OC-01").unwrap();
    assert_eq!(
        gv_oc_01[1], text["GV.OC-01"],
        "the description is the framework's"
    );
    let gv_oc_02 = out.iter().find(|r| r[0] == "GV.OC-02").unwrap();
    assert!(gv_oc_02[2..].iter().all(String::is_empty), "{gv_oc_02:?}");

    // The export is a template too: into another profile and out again, the same workbook rows.
    w.run(&["profile", "create", "copy", "--priorities", "High,Moderate,Low"])
        .ok();
    w.run(&["--profile", "copy", "profile", "import", "out.xlsx"])
        .ok();
    w.run(&["profile", "export", "copy", "--out", "copy.xlsx"]).ok();
    assert_eq!(sheet_rows(&w.path().join("copy.xlsx")), out);
    // --force replaces a workbook this command wrote, never the user's template.
    w.run(&["profile", "export", "copy", "--out", "copy.xlsx"])
        .code(2)
        .stderr_has("add --force");
    w.run(&["profile", "export", "copy", "--out", "copy.xlsx", "--force"])
        .ok();
    w.run(&[
        "profile",
        "export",
        "copy",
        "--out",
        "org-profile.xlsx",
        "--force",
    ])
    .code(73)
    .stderr_has("csfkit replaces only a profile workbook that it wrote");

    // A bad row refuses the file: every problem with its sheet, row and column; nothing recorded.
    let bad = w.path().join("bad.xlsx");
    template(
        &bad,
        &[
            {
                let mut r = vec![""; 19];
                r[0] = "GV.OC-99";
                r[2] = "Yes";
                r
            },
            {
                let mut r = vec![""; 19];
                r[0] = "GV.RM-01";
                r[2] = "maybe";
                r[11] = "Urgent";
                r
            },
        ],
    );
    w.run(&["--profile", "payments", "profile", "import", "bad.xlsx"])
        .code(65)
        .stderr_has("Current and Target Profile")
        .stderr_has("row 4")
        .stderr_has("`GV.OC-99` is not a control of nist-csf-2.0")
        .stderr_has("row 5")
        .stderr_has("`maybe` is not yes or no")
        .stderr_has("`Urgent` is not on profile `payments`'s scale; expected one of High, Moderate, Low");
    assert_eq!(
        listing(&w, &["--profile", "payments", "profile", "outcomes"]).len(),
        3
    );
}

const COMMUNITY_HEADERS: [&str; 8] = [
    "CSF 2.0 Core",
    "CSF 2.0 Outcomes",
    "Priority (recommended)",
    "Rationale (recommended)",
    "Informative References/Mappings (recommended)",
    "Recommendations and Considerations (optional)",
    "Implementation Examples (optional)",
    "Notes (optional)",
];

/// A Community Profile in the layout of NIST's Community Profile template, written here (NIST's
/// community profiles are not in the repository). Provenance: the header row is the template's
/// column list as issue 28 gives it; each row's outcome description is read from the catalogue
/// (`csfkit controls`, i.e. frameworks/csf2.xlsx); the priorities, rationales, references and
/// recommendations are this test's own words, not NIST's.
fn community_profile(w: &Workdir, name: &str, rows: &[[&str; 4]]) -> std::path::PathBuf {
    let controls = listing(w, &["controls"]);
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("Community Profile").unwrap();
    ws.write_string(0, 0, "Example incident response community profile (test fixture)")
        .unwrap();
    for (c, h) in COMMUNITY_HEADERS.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    for (r, [id, priority, rationale, refs]) in rows.iter().enumerate() {
        let r = r as u32 + 2;
        let text = controls
            .iter()
            .find(|c| field(c, "id") == *id)
            .map(|c| field(c, "text").to_string())
            .unwrap_or_default();
        ws.write_string(r, 0, *id).unwrap();
        ws.write_string(r, 1, &text).unwrap();
        ws.write_string(r, 2, *priority).unwrap();
        ws.write_string(r, 3, *rationale).unwrap();
        ws.write_string(r, 4, *refs).unwrap();
        ws.write_string(r, 5, "Test drill twice a year").unwrap();
    }
    let path = w.path().join(name);
    wb.save(&path).unwrap();
    path
}

/// A Community Profile adopted as a profile's target: its outcomes included with their
/// priorities on the profile's scale, the file's name and SHA-256 kept; changing an adopted
/// priority later needs a rationale and is listed as a deviation.
#[test]
fn a_community_profile_adopted_as_the_target_records_a_deviation_with_its_rationale() {
    let w = Workdir::new();
    w.run(&["profile", "create", "payments", "--priorities", "High,Medium,Low"])
        .ok();
    let file = community_profile(
        &w,
        "ir-community.xlsx",
        &[
            ["RS.MA-01", "High", "Incidents are run to a plan", "SP 800-61r3"],
            [
                "RS.MA-02",
                "medium",
                "Triage keeps the team on the worst first",
                "",
            ],
            ["DE.AE-02", "Low", "Adverse events are analysed", ""],
        ],
    );
    let sha = crate::util::sha256_file(&file);
    w.run(&["--profile", "payments", "profile", "adopt", "ir-community.xlsx"])
        .ok()
        .stderr_has("adopted 3 outcomes (adopt ir-community.xlsx (");
    let rows = listing(&w, &["--profile", "payments", "profile", "outcomes"]);
    assert_eq!(rows.len(), 3);
    let ma02 = row(&rows, "outcome", "RS.MA-02");
    assert_eq!(field(ma02, "included"), "yes");
    assert_eq!(field(ma02, "target_priority"), "Medium", "the scale's spelling");
    assert_eq!(field(ma02, "adopted_priority"), "Medium");
    assert_eq!(field(ma02, "source"), format!("adopt ir-community.xlsx ({sha})"));
    assert_eq!(field(ma02, "deviation"), "");

    // Changing the adopted priority needs a reason, and is then a deviation.
    w.run(&["--profile", "payments", "profile", "outcome", "RS.MA-02", "--priority", "High"])
        .code(2)
        .stderr_has(&format!(
            "RS.MA-02's priority `Medium` was adopted from ir-community.xlsx ({sha}); changing it is a deviation: pass --rationale"
        ));
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "RS.MA-02",
        "--priority",
        "High",
        "--rationale",
        "Card data raises the stakes",
    ])
    .ok();
    let rows = listing(&w, &["--profile", "payments", "profile", "outcomes"]);
    let ma02 = row(&rows, "outcome", "RS.MA-02");
    assert_eq!(field(ma02, "target_priority"), "High");
    assert_eq!(field(ma02, "adopted_priority"), "Medium");
    assert_eq!(
        field(ma02, "deviation"),
        "priority High instead of Medium: Card data raises the stakes"
    );
    assert_eq!(field(row(&rows, "outcome", "RS.MA-01"), "deviation"), "");

    // A profile whose scale does not hold the community profile's priorities adopts nothing.
    w.run(&["profile", "create", "lab", "--priorities", "1,2,3"]).ok();
    w.run(&["--profile", "lab", "profile", "adopt", "ir-community.xlsx"])
        .code(65)
        .stderr_has("`High` is not on profile `lab`'s scale; expected one of 1, 2, 3")
        .stderr_has("the community profile's priorities High, medium, Low must be on the profile's scale");
    assert!(listing(&w, &["--profile", "lab", "profile", "outcomes"]).is_empty());
}

/// `profile gaps` lists the included subcategories whose status falls short of the target,
/// highest priority first (the profile's own scale), with the evidence state in the profile's
/// scope and the plan in force; met and left-out outcomes are not listed.
#[test]
fn profile_gaps_are_ordered_by_priority_with_evidence_and_plan() {
    let w = Workdir::new();
    w.run(&[
        "profile",
        "create",
        "payments",
        "--system",
        "Payments API",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
        "--priorities",
        "high,moderate,low",
    ])
    .ok();
    w.run(&["profile", "use", "payments"]).ok();
    for (id, priority) in [
        ("GV.OC-01", "low"),
        ("PR.AA-01", "high"),
        ("DE.CM-01", "moderate"),
        ("RS.MA-01", "high"),
        ("ID.AM-01", ""),
    ] {
        let mut args = vec!["profile", "outcome", id, "--include"];
        if !priority.is_empty() {
            args.extend(["--priority", priority]);
        }
        w.run(&args).ok();
    }
    w.run(&[
        "profile",
        "outcome",
        "PR.DS-01",
        "--exclude",
        "--rationale",
        "No stored data",
    ])
    .ok();
    w.run(&["assess", "RS.MA-01", "--status", "implemented"]).ok();
    w.run(&["assess", "DE.CM-01", "--status", "partial"]).ok();
    w.run(&[
        "plan",
        "PR.AA-01",
        "--due",
        "2027-02-28",
        "--owner",
        "IAM team",
        "--action",
        "Register every identity",
    ])
    .ok();
    w.write(
        "tracker.csv",
        "control_id,title,collected_on\nDE.CM-01,Network monitoring report,2026-11-20\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();

    let gaps = listing(&w, &["profile", "gaps"]);
    assert_eq!(
        gaps.iter().map(|r| field(r, "outcome")).collect::<Vec<_>>(),
        ["PR.AA-01", "DE.CM-01", "GV.OC-01", "ID.AM-01"],
        "high, moderate, low, then no priority; RS.MA-01 is met, PR.DS-01 left out"
    );
    let pr = row(&gaps, "outcome", "PR.AA-01");
    assert_eq!(field(pr, "current_status"), "not assessed");
    assert_eq!(field(pr, "plan_due"), "2027-02-28");
    assert_eq!(field(pr, "plan_status"), "open");
    assert_eq!(field(pr, "plan_action"), "Register every identity");
    let de = row(&gaps, "outcome", "DE.CM-01");
    assert_eq!(field(de, "current_status"), "partial");
    assert_eq!(field(de, "evidence"), "current");
    assert_eq!(field(row(&gaps, "outcome", "GV.OC-01"), "evidence"), "none");
    // JSON carries the same rows; another profile's gaps are its own.
    let json = w.run(&["profile", "gaps", "--format", "json"]).ok().json();
    assert_eq!(json.as_array().map(Vec::len), Some(4), "{json}");
    assert!(listing(&w, &["profile", "gaps", "default"]).is_empty());

    // The two profiles compared.
    let diff = listing(&w, &["profile", "diff", "default", "payments"]);
    let pr = diff
        .iter()
        .find(|r| field(r, "outcome") == "PR.AA-01" && field(r, "field") == "target_priority")
        .unwrap();
    assert_eq!((field(pr, "a"), field(pr, "b")), ("", "high"));
    let ma = diff
        .iter()
        .find(|r| field(r, "outcome") == "RS.MA-01" && field(r, "field") == "current_status")
        .unwrap();
    assert_eq!((field(ma, "a"), field(ma, "b")), ("", "implemented"));
}

/// The package of a profile (`export --profile NAME`): its scope, statuses and outcomes in
/// `profile.csv` and the workbook's `Profile` sheet in the template's column order; another
/// profile's package has its own.
#[test]
fn the_package_carries_the_profile_in_use() {
    let w = Workdir::new();
    w.run(&[
        "scope",
        "set",
        "--system",
        "Portal",
        "--provider",
        "digitalocean",
        "--services",
        "paas",
    ])
    .ok();
    w.run(&[
        "profile",
        "create",
        "payments",
        "--system",
        "Payments API",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
        "--priorities",
        "high,low",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "outcome",
        "PR.AA-01",
        "--include",
        "--priority",
        "high",
        "--target",
        "Every identity registered",
    ])
    .ok();
    w.run(&[
        "--profile",
        "payments",
        "assess",
        "PR.AA-01",
        "--status",
        "partial",
    ])
    .ok();
    w.run(&["assess", "PR.AA-01", "--status", "implemented"]).ok();
    w.run(&[
        "--profile",
        "payments",
        "profile",
        "tier",
        "governance",
        "--current",
        "2",
        "--target",
        "3",
    ])
    .ok();
    w.run(&[
        "export",
        "--profile",
        "payments",
        "--out",
        "pkg",
        "--formats",
        "pdf,csv,xlsx",
    ])
    .ok();
    w.run(&["verify", "pkg"]).ok();
    let mut r = csv::Reader::from_path(w.path().join("pkg/profile.csv")).unwrap();
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        TEMPLATE_HEADERS.to_vec()
    );
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let pr = rows.iter().find(|r| &r[0] == "PR.AA-01").unwrap();
    assert_eq!(&pr[2], "Yes");
    assert_eq!(&pr[5], "partial", "the profile's own status");
    assert_eq!(&pr[11], "high");
    assert_eq!(&pr[14], "Every identity registered");
    {
        use calamine::Reader;
        let mut wb: calamine::Xlsx<_> =
            calamine::open_workbook(w.path().join("pkg/audit-workbook.xlsx")).unwrap();
        let sheet = wb.worksheet_range("Profile").unwrap();
        let header: Vec<String> = sheet
            .rows()
            .next()
            .unwrap()
            .iter()
            .map(|c| c.to_string())
            .collect();
        assert_eq!(header, TEMPLATE_HEADERS.map(String::from).to_vec());
        let pr = sheet.rows().find(|r| r[0] == "PR.AA-01").unwrap();
        assert_eq!(pr[5].to_string(), "partial");
    }
    // The report's Current vs Target section: the profile, its Tiers, the outcome short of target.
    if crate::util::have_tool("pdftotext") {
        let text = crate::util::pdf_words(&w.path().join("pkg/report.pdf"));
        assert!(text.contains("Current vs Target Profile"), "{text}");
        assert!(text.contains("Organizational Profile `payments`"), "{text}");
        assert!(text.contains("current 2, target 3"), "{text}");
        assert!(
            text.contains("PR.AA-01 high partial Every identity registered no plan"),
            "{text}"
        );
    } else {
        eprintln!("skipped: pdftotext is not installed");
    }
    // The default profile's package: its own status, no outcome.
    w.run(&["export", "--out", "pkg-default", "--formats", "csv"])
        .ok();
    let mut r = csv::Reader::from_path(w.path().join("pkg-default/profile.csv")).unwrap();
    let pr = r
        .records()
        .map(Result::unwrap)
        .find(|r| &r[0] == "PR.AA-01")
        .unwrap();
    assert_eq!(&pr[5], "implemented");
    assert_eq!(&pr[2], "");
}

/// An assessor's results (issue 26) belong to the profile in use, like the statuses they judge:
/// a result recorded for one system's profile is not in another's package, and moving it to
/// another profile behind csfkit's back fails `check`.
#[test]
fn an_assessors_results_belong_to_the_profile_they_were_imported_in() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    w.run(&[
        "profile",
        "create",
        "portal",
        "--system",
        "Portal",
        "--provider",
        "datacrunch",
        "--services",
        "iaas",
    ])
    .ok();
    w.write(
        "results.csv",
        "Control ID,Method,Result,Finding,Risk,Assessor,Date\nPR.AA-05,test,other than satisfied,Two leavers kept access,high,R. Assessor,2026-11-18\n",
    );
    w.run(&["--profile", "portal", "review", "import", "results.csv"])
        .ok();
    let listed = |profile: &str| -> usize {
        w.run(&["--profile", profile, "review", "list", "--format", "csv"])
            .ok()
            .csv()
            .len()
    };
    assert_eq!(listed("portal"), 1);
    assert_eq!(listed("default"), 0);
    let assessor_result = |profile: &str, out: &str| -> String {
        w.run(&[
            "--profile",
            profile,
            "export",
            "--out",
            out,
            "--formats",
            "csv",
            "--as-of",
            "2026-11-24",
        ])
        .ok();
        let mut rdr = csv::Reader::from_path(w.path().join(out).join("control-matrix.csv")).unwrap();
        let head = rdr.headers().unwrap().clone();
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        let (id, result) = (col("control_id"), col("assessor_result"));
        rdr.records()
            .map(|r| r.unwrap())
            .find(|r| &r[id] == "PR.AA-05")
            .map(|r| r[result].to_string())
            .unwrap()
    };
    assert_eq!(assessor_result("portal", "p1"), "other than satisfied");
    assert_eq!(assessor_result("default", "p2"), "");
    // Moved to the default profile without csfkit: the chain says so.
    let c = rusqlite::Connection::open(w.db()).unwrap();
    c.execute_batch("DROP TRIGGER review_no_update; UPDATE review SET profile_id = NULL;")
        .unwrap();
    drop(c);
    w.run(&["check"]).code(1).stdout_has("review");
}

/// `profile diff` compares one profile at two `--as-of` dates too (issue 28 item 5): what was
/// recorded between them is listed, and a command naming neither two profiles nor two dates is
/// refused.
#[test]
fn profile_diff_compares_one_profile_at_two_dates() {
    let w = Workdir::new();
    w.payments_scope("iaas");
    let at = |when: &str, args: &[&str]| {
        let mut c = w.cmd(args);
        c.env("CSFKIT_TEST_NOW", when);
        w.run_cmd(c).ok();
    };
    at(
        "2026-01-10T09:00:00Z",
        &[
            "profile",
            "create",
            "payments",
            "--system",
            "Payments",
            "--provider",
            "datacrunch",
            "--services",
            "iaas",
            "--priorities",
            "high,low",
        ],
    );
    at(
        "2026-01-10T09:00:00Z",
        &[
            "--profile",
            "payments",
            "profile",
            "outcome",
            "PR.AA-01",
            "--include",
            "--priority",
            "low",
        ],
    );
    at(
        "2026-03-10T09:00:00Z",
        &[
            "--profile",
            "payments",
            "profile",
            "outcome",
            "PR.AA-01",
            "--include",
            "--priority",
            "high",
            "--rationale",
            "after the audit",
        ],
    );
    at(
        "2026-03-10T09:00:00Z",
        &[
            "--profile",
            "payments",
            "assess",
            "PR.AA-01",
            "--status",
            "implemented",
        ],
    );
    let rows = w
        .run(&[
            "profile",
            "diff",
            "payments",
            "--as-of",
            "2026-02-01",
            "--as-of",
            "2026-04-01",
            "--format",
            "csv",
        ])
        .ok()
        .csv();
    let changed: Vec<(String, String, String)> = rows
        .iter()
        .filter(|r| r.iter().any(|(k, v)| k == "outcome" && v == "PR.AA-01"))
        .map(|r| {
            let get = |c: &str| r.iter().find(|(k, _)| k == c).unwrap().1.clone();
            (get("field"), get("a"), get("b"))
        })
        .collect();
    assert!(
        changed.contains(&("target_priority".into(), "low".into(), "high".into())),
        "{changed:?}"
    );
    assert!(
        changed
            .iter()
            .any(|(f, a, b)| f == "current_status" && a.is_empty() && b.contains("implemented")),
        "{changed:?}"
    );
    // The same date twice: nothing changed.
    w.run(&[
        "profile",
        "diff",
        "payments",
        "--as-of",
        "2026-04-01",
        "--as-of",
        "2026-04-01",
    ])
    .ok()
    .stderr_has("profile `payments` at 2026-04-01 and at 2026-04-01 record the same outcomes");
    // One profile and one date compares nothing: refused.
    w.run(&["profile", "diff", "payments", "--as-of", "2026-04-01"])
        .code(2)
        .stderr_has("or one profile at two dates");
}
