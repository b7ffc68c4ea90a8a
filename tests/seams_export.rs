//! The export side of the seams (issue 23): `--formats` checked by the command line (any case,
//! any order, recorded in one order), `--stale-days` and `--manifest-sha256` refused before
//! anything is opened, and a package whose manifest names a format this build does not know
//! verified on its file list.

use crate::util::{Workdir, sha256_file};

/// A catalogue with a scope and one evidence row.
fn setup() -> Workdir {
    let w = Workdir::new();
    w.write(
        "tracker.csv",
        "control_id,title,collected_on\r\nPR.AA-01,MFA policy,2026-10-01\r\n",
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas");
    w
}

fn manifest(w: &Workdir, pkg: &str) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(w.path().join(pkg).join("manifest.json")).unwrap()).unwrap()
}

fn write_manifest(w: &Workdir, pkg: &str, m: &serde_json::Value) {
    w.write(
        &format!("{pkg}/manifest.json"),
        serde_json::to_vec_pretty(m).unwrap(),
    );
    // SHA256SUMS as the csfkit that wrote such a manifest would: every other file, sorted.
    let dir = w.path().join(pkg);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    names.sort();
    let sums: String = names
        .iter()
        .map(|n| format!("{}  {n}\n", sha256_file(&dir.join(n))))
        .collect();
    w.write(&format!("{pkg}/SHA256SUMS"), sums);
}

#[test]
fn a_manifest_naming_a_format_this_build_does_not_know_is_verified_on_its_file_list() {
    let w = setup();
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--formats",
        "csv",
        "--as-of",
        "2026-11-24",
    ])
    .ok();
    // A later csfkit's package: a `docx` format with a file of its own, listed with its hash.
    let html = w.write("pkg/report.docx", "<h1>audit package</h1>\n");
    let mut m = manifest(&w, "pkg");
    m["parameters"]["formats"] = serde_json::json!(["csv", "docx"]);
    let files = m["files"].as_array_mut().unwrap();
    files.push(serde_json::json!({
        "path": "report.docx",
        "size": std::fs::metadata(&html).unwrap().len(),
        "sha256": sha256_file(&html),
    }));
    files.sort_by_key(|f| f["path"].as_str().unwrap().to_string());
    write_manifest(&w, "pkg", &m);
    w.run(&["verify", "pkg"])
        .ok()
        .stdout_has("OK pkg")
        .stderr_has("names the format `docx`")
        .stderr_has("checked against the manifest's list only");
    // Its file is held to the manifest like any other: changed, it fails.
    w.write("pkg/report.docx", "<h1>changed</h1>\n");
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("altered: report.docx");
    // The formats it knows still require their files, whatever else the manifest names.
    w.write("pkg/report.docx", "<h1>audit package</h1>\n");
    std::fs::remove_file(w.path().join("pkg/gaps.csv")).unwrap();
    let files = m["files"].as_array_mut().unwrap();
    files.retain(|f| f["path"] != "gaps.csv");
    write_manifest(&w, "pkg", &m);
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("does not list `gaps.csv`");
    // A manifest that names no format at all is still refused.
    m["parameters"]["formats"] = serde_json::json!([]);
    write_manifest(&w, "pkg", &m);
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("does not say which formats");
}

#[test]
fn formats_stale_days_and_manifest_hashes_are_refused_before_anything_is_opened() {
    let w = Workdir::new();
    for args in [
        &["export", "--out", "x", "--formats", "pdf,docx"][..],
        &["export", "--out", "x", "--formats", ""],
        &["export", "--out", "x", "--formats", "pdf,,csv"],
        &["export", "--out", "x", "--stale-days=-1"],
        &["status", "--stale-days", "soon"],
        &["status", "--stale-days=-3"],
        &["oscal", "export", "--out", "o", "--stale-days=-1"],
        &["verify", "x", "--manifest-sha256", "12ab"],
        &["verify", "x", "--manifest-sha256", &"g".repeat(64)],
    ] {
        let run = w.run(args).code(2);
        assert!(run.stderr.contains("invalid value"), "{args:?}: {}", run.stderr);
        // Nothing was opened or created: no catalogue, no package.
        assert!(!w.db().exists(), "{args:?} created the catalogue");
        assert!(!w.path().join("x").exists() && !w.path().join("o").exists());
    }
    w.run(&["export", "--out", "x", "--formats", "pdf,docx"])
        .code(2)
        .stderr_has("`docx` is not a format; expected pdf, csv, xlsx, oscal");
    w.run(&["status", "--stale-days=-1"])
        .code(2)
        .stderr_has("expected a whole number of days, 0 or more");
    w.run(&["verify", "x", "--manifest-sha256", "12ab"])
        .code(2)
        .stderr_has("expected 64 hexadecimal digits");
    // The help offers the formats and the default, as the command line spells them.
    w.run(&["export", "--help"])
        .ok()
        .stdout_has("[default: pdf,csv,xlsx,html]")
        .stdout_has("[possible values: pdf, csv, xlsx, oscal, html]");
}

#[test]
fn formats_are_read_in_any_case_and_order_and_recorded_in_one_order() {
    let w = setup();
    // Generated at a fixed time, so that the two packages compare byte for byte.
    let fixed = |args: &[&str]| {
        let mut c = w.cmd(args);
        c.env("SOURCE_DATE_EPOCH", crate::util::SOURCE_DATE_EPOCH);
        w.run_cmd(c).ok();
    };
    fixed(&[
        "export",
        "--out",
        "a",
        "--formats",
        "XLSX,csv,Html,Pdf,csv",
        "--as-of",
        "2026-11-24",
    ]);
    fixed(&["export", "--out", "b", "--as-of", "2026-11-24"]);
    let (a, b) = (manifest(&w, "a"), manifest(&w, "b"));
    assert_eq!(
        a["parameters"]["formats"],
        serde_json::json!(["pdf", "csv", "xlsx", "html"])
    );
    // The same package as the default's, byte for byte.
    assert_eq!(a, b);
    for f in ["report.pdf", "evidence-index.csv", "audit-workbook.xlsx"] {
        assert_eq!(
            std::fs::read(w.path().join("a").join(f)).unwrap(),
            std::fs::read(w.path().join("b").join(f)).unwrap(),
            "{f}"
        );
    }
    w.run(&["verify", "a"]).ok();
}
