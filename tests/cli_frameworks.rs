//! Frameworks: the shipped catalogue matches the NIST export word for word; CSF 1.1 and the
//! crosswalk; `framework import` of other exports and `framework diff`.

use calamine::{Data, Reader};

use crate::util::{Workdir, field, reference, repo, sha256_file};

/// The SHA-256 of NIST's 2026-02-16 export as published (frameworks/README.md).
const CSF2_SHA256: &str = "0202e082c335e6c7c4bbdeedeca633e5747a7ac5a71d2719bc82f73ba1603211";

/// Reads (id, text) of every active subcategory straight from a CPRT export, independently of
/// csfkit's importer: column C cells `XX.YY-NN: text`, skipping `[Withdrawn...]`.
fn subcategories_in(path: &std::path::Path) -> Vec<(String, String)> {
    let mut wb = calamine::open_workbook_auto(path).unwrap();
    let range = wb.worksheet_range("CSF 2.0").unwrap();
    let mut out = Vec::new();
    for row in range.rows() {
        if let Some(Data::String(s)) = row.get(2) {
            if let Some((id, text)) = s.split_once(": ") {
                let shaped = id.len() == 8 && id.as_bytes()[2] == b'.' && id.as_bytes()[5] == b'-';
                if shaped && !text.starts_with("[Withdrawn") {
                    out.push((id.to_string(), text.to_string()));
                }
            }
        }
    }
    out
}

/// The SHA-256 of the CSF 1.1 core workbook (frameworks/README.md).
const CSF11_SHA256: &str = "1cb66997250e59f5c05f381f08c3e8960212360237fbe3eee62513a1d427a0f8";

#[test]
fn shipped_framework_files_are_the_published_exports() {
    // The binary embeds these files; a changed byte (a word edited by hand) fails here.
    assert_eq!(sha256_file(&reference("frameworks/csf2.xlsx")), CSF2_SHA256);
    assert_eq!(
        sha256_file(&reference("frameworks/NIST-CSF-1.1-core.xlsx")),
        CSF11_SHA256
    );
}

/// (id, text) of every active subcategory in NIST's CPRT JSON export, read with serde_json
/// only: subcategory elements without a `WR-<id>` withdraw reason.
fn subcategories_in_cprt_json(path: &std::path::Path) -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let elements = v["response"]["elements"]["elements"].as_array().unwrap();
    let withdrawn: std::collections::HashSet<&str> = elements
        .iter()
        .filter(|e| e["element_type"] == "withdraw_reason")
        .filter_map(|e| e["element_identifier"].as_str()?.strip_prefix("WR-"))
        .collect();
    let mut out: Vec<(String, String)> = elements
        .iter()
        .filter(|e| e["element_type"] == "subcategory")
        .map(|e| {
            (
                e["element_identifier"].as_str().unwrap().to_string(),
                e["text"].as_str().unwrap().to_string(),
            )
        })
        .filter(|(id, _)| !withdrawn.contains(id.as_str()))
        .collect();
    out.sort();
    out
}

#[test]
fn catalogue_text_agrees_with_the_independent_cprt_json_export() {
    // A second NIST file, in another format, read without csfkit's importer: every ID and every
    // word of the embedded catalogue must agree with it, except the one text NIST changed
    // between the 2024 and 2026 exports (tests/data/README.md).
    let w = Workdir::new();
    let rows = w
        .run(&["controls", "--framework", "nist-csf-2.0", "--format", "csv"])
        .ok()
        .csv();
    let mut shipped: Vec<(String, String)> = rows
        .iter()
        .map(|r| (field(r, "id").to_string(), field(r, "text").to_string()))
        .collect();
    shipped.sort();
    let json = subcategories_in_cprt_json(&reference(
        "tests/data/nist-csf-2.0/cprt_CSF_2_0_0_04-24-2024.json",
    ));
    assert_eq!(json.len(), 106);
    assert_eq!(shipped.len(), 106);
    for ((id, text), (jid, jtext)) in shipped.iter().zip(&json) {
        assert_eq!(id, jid);
        if id == "GV.OC-04" {
            assert_eq!(
                text.replace(
                    "services that external stakeholders",
                    "services that stakeholders"
                ),
                *jtext
            );
        } else {
            assert_eq!(text, jtext, "text of {id}");
        }
    }
}

#[test]
fn controls_csv_matches_the_nist_export_word_for_word() {
    let w = Workdir::new();
    let run = w
        .run(&["controls", "--framework", "nist-csf-2.0", "--format", "csv"])
        .ok();
    let rows = run.csv();
    let expected = subcategories_in(&reference("frameworks/csf2.xlsx"));
    assert_eq!(expected.len(), 106);
    assert_eq!(rows.len(), 106);
    for (row, (id, text)) in rows.iter().zip(&expected) {
        assert_eq!(field(row, "id"), id);
        assert_eq!(field(row, "text"), text, "text of {id}");
        assert_eq!(field(row, "function"), &id[..2]);
        assert_eq!(field(row, "category"), &id[..5]);
    }
    // The 2026 wording of GV.OC-04 (see SOURCE.md).
    assert!(
        run.stdout
            .contains("services that external stakeholders depend on")
    );
}

#[test]
fn frameworks_lists_both_versions_with_counts() {
    let w = Workdir::new();
    let v = w.run(&["frameworks", "--format", "json"]).ok().json();
    let fw = |id: &str| {
        v.as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .clone()
    };
    let csf2 = fw("nist-csf-2.0");
    assert_eq!(csf2["functions"], 6);
    assert_eq!(csf2["categories"], 22);
    assert_eq!(csf2["subcategories"], 106);
    assert_eq!(csf2["source_sha256"], CSF2_SHA256);
    assert_eq!(csf2["source_date"], "2026-02-16T03:21:22");
    let csf11 = fw("nist-csf-1.1");
    assert_eq!(csf11["functions"], 5);
    assert_eq!(csf11["categories"], 23);
    assert_eq!(csf11["subcategories"], 108);
}

#[test]
fn csf11_lists_108_subcategories_matching_its_source() {
    let w = Workdir::new();
    let rows = w
        .run(&["controls", "--framework", "nist-csf-1.1", "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(rows.len(), 108);
    let mut wb = calamine::open_workbook_auto(reference("frameworks/NIST-CSF-1.1-core.xlsx")).unwrap();
    let range = wb.worksheet_range("Input").unwrap();
    let expected: Vec<(String, String)> = range
        .rows()
        .skip(1)
        .map(|r| (r[3].to_string(), r[4].to_string()))
        .collect();
    for (row, (id, text)) in rows.iter().zip(&expected) {
        assert_eq!(field(row, "id"), id);
        assert_eq!(field(row, "text"), text);
    }
}

#[test]
fn crosswalk_covers_every_csf11_subcategory() {
    let w = Workdir::new();
    let rows = w
        .run(&["controls", "--framework", "nist-csf-1.1", "--format", "csv"])
        .ok()
        .csv();
    for row in rows {
        let id = field(&row, "id");
        let v = w
            .run(&["control", id, "--framework", "nist-csf-1.1", "--format", "json"])
            .ok()
            .json();
        assert!(
            !v["successors"].as_array().unwrap().is_empty(),
            "CSF 1.1 {id} has no CSF 2.0 successor"
        );
    }
}

#[test]
fn control_shows_examples_references_and_predecessors() {
    let w = Workdir::new();
    let v = w.run(&["control", "GV.OC-01", "--format", "json"]).ok().json();
    assert_eq!(v["id"], "GV.OC-01");
    assert_eq!(v["category"]["id"], "GV.OC");
    assert_eq!(v["function"]["name"], "GOVERN");
    assert!(
        v["examples"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Share the organization's mission")
    );
    let refs = v["references"].as_array().unwrap();
    assert!(
        refs.iter()
            .any(|r| r["source"] == "SP 800-53 Rev 5.2.0" && r["ref"] == "PM-11")
    );
    let preds: Vec<&str> = v["predecessors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(preds, vec!["ID.BE-2", "ID.BE-3"]);
    w.run(&["control", "GV.OC-01"])
        .ok()
        .stdout_has("CSF 1.1 predecessors")
        .stdout_has("Ex1: Share");
}

#[test]
fn csf11_id_names_its_csf2_successors() {
    let w = Workdir::new();
    w.run(&["control", "PR.AC-1"])
        .ok()
        .stderr_has("`PR.AC-1` is a CSF 1.1 identifier; its CSF 2.0 successors are: PR.AA-01, PR.AA-05")
        .stdout_has("CSF 2.0 successors")
        .stdout_has("PR.AA-01")
        .stdout_has("PR.AA-05");
    // A withdrawn-and-moved one.
    w.run(&["control", "DE.AE-5"]).ok().stderr_has("DE.AE-08");
}

#[test]
fn filters_narrow_the_listing() {
    let w = Workdir::new();
    let rows = w
        .run(&["controls", "--category", "gv.oc", "--format", "csv"])
        .ok()
        .csv();
    assert_eq!(rows.len(), 5);
    let rows = w
        .run(&["controls", "--function", "RC", "--format", "csv"])
        .ok()
        .csv();
    assert!(rows.iter().all(|r| field(r, "function") == "RC"));
    assert_eq!(rows.len(), 8);
    let rows = w
        .run(&["controls", "--search", "ENCRYPT", "--format", "csv"])
        .ok()
        .csv();
    assert!(!rows.is_empty());
    w.run(&["controls", "--category", "GV.ZZ"])
        .code(65)
        .stderr_has("did you mean");
    w.run(&["controls", "--function", "GV.OC"])
        .code(2)
        .stderr_has("expected a function");
}

#[test]
fn importing_the_2024_exports_gives_106_and_diff_shows_only_gv_oc_04() {
    let w = Workdir::new();
    w.run(&[
        "framework",
        "import",
        reference("tests/data/nist-csf-2.0/csf2_2024-04-24.xlsx")
            .to_str()
            .unwrap(),
        "--id",
        "csf-2024-xlsx",
    ])
    .ok()
    .stderr_has("106 subcategories");
    w.run(&[
        "framework",
        "import",
        reference("tests/data/nist-csf-2.0/cprt_CSF_2_0_0_04-24-2024.json")
            .to_str()
            .unwrap(),
        "--id",
        "csf-2024-json",
    ])
    .ok()
    .stderr_has("106 subcategories")
    .stderr_has("363 examples");
    for id in ["csf-2024-xlsx", "csf-2024-json"] {
        let rows = w
            .run(&["controls", "--framework", id, "--format", "csv"])
            .ok()
            .csv();
        assert_eq!(rows.len(), 106, "{id}");
        let diff = w
            .run(&["framework", "diff", id, "nist-csf-2.0", "--format", "csv"])
            .ok()
            .csv();
        assert_eq!(diff.len(), 1, "{id}: {diff:?}");
        assert_eq!(field(&diff[0], "id"), "GV.OC-04");
        assert_eq!(field(&diff[0], "change"), "changed");
        assert!(field(&diff[0], "old_text").contains("services that stakeholders depend on"));
        assert!(field(&diff[0], "new_text").contains("services that external stakeholders depend on"));
    }
    // The JSON and the xlsx of the same release agree with each other.
    w.run(&[
        "framework",
        "diff",
        "csf-2024-xlsx",
        "csf-2024-json",
        "--format",
        "csv",
    ])
    .ok()
    .stderr_has("same subcategory texts");
}

#[test]
fn reimporting_a_version_replaces_it_and_reports_the_change() {
    let w = Workdir::new();
    let old = reference("tests/data/nist-csf-2.0/csf2_2024-04-24.xlsx");
    w.run(&["framework", "import", old.to_str().unwrap()])
        .ok()
        .stderr_has("replaced `nist-csf-2.0`: 1 changed, 0 added, 0 removed")
        .stderr_has("GV.OC-04");
    let v = w.run(&["frameworks", "--format", "json"]).ok().json();
    let f = v
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "nist-csf-2.0")
        .unwrap()
        .clone();
    assert_eq!(f["origin"], "imported");
    assert_eq!(f["source"], "csf2_2024-04-24.xlsx");
    // A later run of csfkit does not silently put the embedded version back.
    w.run(&["control", "GV.OC-04"])
        .ok()
        .stdout_has("services that stakeholders depend on");
    // Importing the shipped file again restores the 2026 wording.
    w.run(&[
        "framework",
        "import",
        repo().join("frameworks/csf2.xlsx").to_str().unwrap(),
    ])
    .ok()
    .stderr_has("1 changed");
}

#[test]
fn a_file_that_is_not_an_export_is_refused_and_nothing_changes() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let before = sha256_file(&w.db());
    let f = w.write("notes.csv", "a,b\n1,2\n");
    w.run(&["framework", "import", f.to_str().unwrap()])
        .code(65)
        .stderr_has("not a NIST CSF export");
    // A damaged workbook cannot be read at all (66), as with every other import.
    let f = w.write("other.xlsx", b"PK\x03\x04 truncated");
    w.run(&["framework", "import", f.to_str().unwrap()])
        .code(66)
        .stderr_has("truncated or damaged");
    w.run(&["framework", "import", "missing.xlsx"])
        .code(66)
        .stderr_has("missing.xlsx");
    assert_eq!(sha256_file(&w.db()), before);
}

#[test]
fn a_zip_bomb_is_refused_by_framework_import_like_by_an_evidence_import() {
    let w = Workdir::new();
    w.run(&["init"]).ok();
    let before = sha256_file(&w.db());
    let bomb = w.path().join("bomb.xlsx");
    crate::cli_evidence::zip_bomb(&bomb, 256 << 20);
    for cmd in [&["framework", "import"][..], &["evidence", "import"]] {
        let mut args = cmd.to_vec();
        args.push(bomb.to_str().unwrap());
        let r = w.run(&args).code(65).stderr_has("looks like a zip bomb");
        assert!(!r.stderr.contains("panicked"));
    }
    assert_eq!(sha256_file(&w.db()), before);
}
