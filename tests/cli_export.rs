//! The audit package: the PDF read back by poppler (every control ID, non-ASCII evidence text,
//! embedded fonts, "Page N of M"), the CSVs by a CSV parser (formula injection neutralised,
//! negatives intact, every field round-trips), the manifest by `verify` (a flipped byte fails),
//! determinism (two exports, same bytes), status --fail-on-gaps, and the assessments carried.

use crate::util::{Workdir, field, have_tool, tool};

const TITLE: &str = "Zugriffsprüfung – Ελληνικά – Кириллица";

fn setup() -> Workdir {
    let w = Workdir::new();
    w.write("evidence/policy.pdf", b"%PDF-1.4 access control policy");
    w.write(
        "tracker.csv",
        format!(
            "control_id,title,description,owner,collected_on,valid_until,location\n\
PR.AA-01,{TITLE},=HYPERLINK(\"http://evil.example\"),Anna,2026-01-05,2027-01-05,evidence/policy.pdf\n\
PR.AA-05,+SUM(A1:A9),-42.5,@admin,2025-01-05,2025-06-30,https://grc.example/x\n\
DE.CM-01,SIEM rules,\"multi\nline\",Chloé,2026-03-01,,\n"
        ),
    );
    w.run(&["evidence", "import", "tracker.csv"]).ok();
    w.payments_scope("iaas,model");
    w.run(&[
        "assess",
        "PR.AA-01",
        "--status",
        "implemented",
        "--note",
        "SSO with MFA",
    ])
    .ok();
    w.run(&[
        "assess",
        "DE.CM-02",
        "--status",
        "not-applicable",
        "--note",
        "No premises of our own",
    ])
    .ok();
    w
}

fn export(w: &Workdir, out: &str, extra: &[&str]) {
    let mut args = vec![
        "export",
        "--out",
        out,
        "--as-of",
        "2026-11-24",
        "--organization",
        "Acme GmbH",
    ];
    args.extend_from_slice(extra);
    // Generated at a fixed time, so that two exports can be compared byte for byte.
    let mut c = w.cmd(&args);
    c.env("SOURCE_DATE_EPOCH", crate::util::SOURCE_DATE_EPOCH);
    w.run_cmd(c).ok();
}

#[test]
fn the_pdf_reads_back_with_every_control_the_fonts_embedded_and_page_numbers() {
    if !["pdftotext", "pdfinfo", "pdffonts", "qpdf"]
        .iter()
        .all(|t| have_tool(t))
    {
        return;
    }
    let w = setup();
    export(&w, "pkg", &[]);
    let pdf = w.path().join("pkg/report.pdf");
    let p = pdf.to_str().unwrap();
    let text = tool("pdftotext", &["-layout", p, "-"]);
    let ids = w.run(&["controls", "--format", "csv"]).ok().csv();
    assert_eq!(ids.len(), 106);
    for r in &ids {
        let id = field(r, "id");
        assert!(text.contains(id), "the PDF lacks {id}");
    }
    // The title wraps inside its table cell: look for each word.
    for word in ["Zugriffsprüfung", "Ελληνικά", "Кириллица"] {
        assert!(text.contains(word), "the PDF lacks {word} of the evidence title");
    }
    assert!(text.contains("Acme GmbH") && text.contains("Payments"));
    // Dates in the appendix are never broken over two lines.
    let mut index = csv::Reader::from_path(w.path().join("pkg/evidence-index.csv")).unwrap();
    let head = index.headers().unwrap().clone();
    let mut dates = 0;
    for r in index.records().map(Result::unwrap) {
        for col in ["collected_on", "valid_until"] {
            let d = &r[head.iter().position(|h| h == col).unwrap()];
            assert!(d.is_empty() || text.contains(d), "the PDF breaks the date {d}");
            dates += usize::from(!d.is_empty());
        }
    }
    assert!(dates > 0);
    let info = tool("pdfinfo", &[p]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .unwrap();
    assert!(pages > 5);
    for n in [1, pages] {
        assert!(
            text.contains(&format!("Page {n} of {pages}")),
            "no 'Page {n} of {pages}'"
        );
    }
    assert!(
        // When it was generated (SOURCE_DATE_EPOCH), not the as-of date.
        info.contains("CreationDate:    Tue Nov 24 12:00:00 2026"),
        "{info}"
    );
    let fonts = tool("pdffonts", &[p]);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty());
    for r in rows {
        assert!(
            r.contains("DejaVuSans") && r.contains(" yes "),
            "font not embedded: {r}"
        );
    }
    tool("qpdf", &["--check", p]);
    // Letter paper on request.
    export(&w, "letter", &["--paper", "letter", "--formats", "pdf"]);
    let info = tool("pdfinfo", &[w.path().join("letter/report.pdf").to_str().unwrap()]);
    assert!(info.contains("612 x 792 pts (letter)"), "{info}");
}

#[test]
fn csvs_neutralise_formulas_keep_negatives_and_round_trip_every_field() {
    let w = setup();
    export(&w, "pkg", &["--formats", "csv"]);
    assert!(!w.path().join("pkg/report.pdf").exists());
    let mut rdr = csv::Reader::from_path(w.path().join("pkg/evidence-index.csv")).unwrap();
    let head: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    let get = |r: &csv::StringRecord, c: &str| r[head.iter().position(|h| h == c).unwrap()].to_string();
    let by_title = |t: &str| rows.iter().find(|r| get(r, "title") == t).unwrap().clone();
    let a = by_title(TITLE);
    assert_eq!(get(&a, "description"), "'=HYPERLINK(\"http://evil.example\")");
    let b = by_title("'+SUM(A1:A9)");
    assert_eq!(get(&b, "description"), "-42.5");
    assert_eq!(get(&b, "owner"), "'@admin");
    assert_eq!(get(&b, "freshness"), "expired");
    let c = by_title("SIEM rules");
    assert_eq!(get(&c, "description"), "multi\nline");
    assert_eq!(get(&c, "owner"), "Chloé");
    assert_eq!(get(&a, "file_sha256").len(), 64);
    // --raw-csv keeps cells exactly; --bom starts with a BOM; CRLF line ends.
    export(&w, "raw", &["--formats", "csv", "--raw-csv", "--bom"]);
    let bytes = std::fs::read(w.path().join("raw/evidence-index.csv")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBFevidence_id,"));
    assert!(String::from_utf8_lossy(&bytes).contains("\r\n"));
    let mut rdr = csv::Reader::from_reader(&bytes[3..]);
    let raw: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert!(
        raw.iter()
            .any(|r| r.iter().any(|c| c == "=HYPERLINK(\"http://evil.example\")"))
    );
    // The matrix carries ownership, statuses and the N/A justification.
    let m = csv::Reader::from_path(w.path().join("pkg/control-matrix.csv"))
        .unwrap()
        .into_records()
        .map(Result::unwrap)
        .collect::<Vec<_>>();
    assert_eq!(m.len(), 106);
    let row = |id: &str| m.iter().find(|r| &r[0] == id).unwrap().clone();
    assert_eq!(&row("PR.AA-01")[12], "implemented");
    assert_eq!(&row("PR.AA-01")[13], "SSO with MFA");
    assert_eq!(&row("DE.CM-02")[12], "not-applicable");
    assert_eq!(&row("DE.CM-02")[13], "No premises of our own");
    assert_eq!(&row("PR.AA-06")[9], "inherited");
    // No attestation recorded: inherited, and said to rest on none (issue 25).
    assert_eq!(&row("PR.AA-06")[12], "inherited, no attestation");
    let gaps = std::fs::read_to_string(w.path().join("pkg/gaps.csv")).unwrap();
    assert!(
        !gaps.contains("PR.AA-06"),
        "an inherited control is not a customer gap"
    );
    assert!(gaps.contains("PR.AA-05"), "expired evidence leaves a gap");
}

#[test]
fn verify_passes_a_fresh_package_and_names_an_altered_missing_or_extra_file() {
    let w = setup();
    export(&w, "pkg", &["--include-files"]);
    export(&w, "pkg.zip", &["--zip", "--include-files"]);
    w.run(&["verify", "pkg"]).ok().stdout_has("OK");
    w.run(&["verify", "pkg.zip"]).ok();
    // Stored by its content: the first 16 hex digits of its SHA-256, then its name.
    let sha = crate::util::sha256_file(&w.path().join("evidence/policy.pdf"));
    assert!(
        w.path()
            .join(format!("pkg/evidence/{}-policy.pdf", &sha[..16]))
            .exists()
    );
    // Flip one byte of the PDF.
    let pdf = w.path().join("pkg/report.pdf");
    let mut bytes = std::fs::read(&pdf).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    std::fs::write(&pdf, &bytes).unwrap();
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("altered: report.pdf");
    std::fs::remove_file(w.path().join("pkg/gaps.csv")).unwrap();
    w.write("pkg/extra.txt", "x");
    w.run(&["verify", "pkg"])
        .code(1)
        .stderr_has("missing: gaps.csv")
        .stderr_has("extra: extra.txt");
    // A zip with a flipped byte inside an entry fails too.
    let zip = w.path().join("pkg.zip");
    let mut z = std::fs::read(&zip).unwrap();
    let mid = z.len() / 3;
    z[mid] ^= 0x40;
    std::fs::write(&zip, &z).unwrap();
    let r = w.run(&["verify", "pkg.zip"]).code(1);
    assert!(
        r.stderr.contains("altered:") || r.stderr.contains("cannot read") || r.stderr.contains("damaged"),
        "{}",
        r.stderr
    );
    // The output must not exist unless --force, and --force replaces only what csfkit wrote:
    // not while the folder holds a file of the user's.
    w.run(&["export", "--out", "pkg", "--as-of", "2026-11-24"])
        .code(73)
        .stderr_has("--force");
    w.run(&["export", "--out", "pkg", "--as-of", "2026-11-24", "--force"])
        .code(73)
        .stderr_has("it holds `extra.txt`");
    assert!(w.path().join("pkg/extra.txt").exists());
    std::fs::remove_file(w.path().join("pkg/extra.txt")).unwrap();
    // Nor while a file is not the one its manifest lists (the flipped byte; issue 22).
    w.run(&["export", "--out", "pkg", "--as-of", "2026-11-24", "--force"])
        .code(73)
        .stderr_has("`report.pdf` is not the file its manifest.json lists");
    bytes[i] ^= 0x01;
    std::fs::write(&pdf, &bytes).unwrap();
    export(&w, "pkg", &["--force"]);
    w.run(&["verify", "pkg"]).ok();
}

#[test]
fn a_changed_evidence_file_is_reported_and_not_copied() {
    let w = setup();
    w.write("evidence/policy.pdf", b"%PDF-1.4 edited after import");
    w.run(&[
        "export",
        "--out",
        "pkg",
        "--as-of",
        "2026-11-24",
        "--include-files",
    ])
    .ok()
    .stderr_has("changed since import");
    assert!(!w.path().join("pkg/evidence").exists());
    let idx = std::fs::read_to_string(w.path().join("pkg/evidence-index.csv")).unwrap();
    assert!(idx.contains("changed since import"));
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(w.path().join("pkg/manifest.json")).unwrap()).unwrap();
    assert!(
        manifest["warnings"][0]
            .as_str()
            .unwrap()
            .contains("changed since import")
    );
}

#[test]
fn two_exports_of_the_same_catalogue_are_byte_identical_zip_included() {
    let w = setup();
    export(&w, "a.zip", &["--zip"]);
    export(&w, "b.zip", &["--zip"]);
    assert_eq!(
        std::fs::read(w.path().join("a.zip")).unwrap(),
        std::fs::read(w.path().join("b.zip")).unwrap()
    );
    export(&w, "a", &[]);
    export(&w, "b", &[]);
    for f in [
        "report.pdf",
        "control-matrix.csv",
        "evidence-index.csv",
        "gaps.csv",
        "manifest.json",
    ] {
        assert_eq!(
            std::fs::read(w.path().join("a").join(f)).unwrap(),
            std::fs::read(w.path().join("b").join(f)).unwrap(),
            "{f} differs"
        );
    }
}

#[test]
fn status_shows_coverage_and_fails_on_gaps_for_pipelines() {
    let w = setup();
    let mut c = w.cmd(&["status", "--format", "csv"]);
    c.env("CSFKIT_TODAY", "2026-11-24");
    let rows = w.run_cmd(c).ok().csv();
    let total = rows.iter().find(|r| field(r, "function") == "total").unwrap();
    assert_eq!(field(total, "controls"), "106");
    assert_eq!(field(total, "evidence_current"), "2");
    assert_eq!(field(total, "implemented"), "1", "PR.AA-01 is implemented");
    let mut c = w.cmd(&["status", "--fail-on-gaps"]);
    c.env("CSFKIT_TODAY", "2026-11-24");
    w.run_cmd(c).code(1).stderr_has("gap: ");
    w.run(&["export", "--out", "x", "--formats", "nope"]).code(2);
}

#[test]
fn the_readme_main_job_runs_on_the_embedded_defaults_without_a_catalogue() {
    let w = Workdir::new();
    assert!(!w.db().exists());
    w.run(&[
        "export",
        "--provider",
        "datacrunch",
        "--services",
        "iaas,model",
        "--out",
        "audit-package",
    ])
    .ok()
    .stderr_has("created catalogue");
    w.run(&["verify", "audit-package"]).ok();
}

#[test]
fn the_report_reads_as_a_crm_and_its_appendix_follows_csf_order() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = setup();
    // An evidence file that disappears before the export, and one missing from the start.
    w.write("evidence/gone.txt", "soon gone");
    w.write(
        "more.csv",
        "control_id,title,location\nGV.OC-01,Board minutes,evidence/gone.txt\nRS.MA-01,Runbook,evidence/never.txt\n",
    );
    w.run(&["evidence", "import", "more.csv"]).ok();
    std::fs::remove_file(w.path().join("evidence/gone.txt")).unwrap();
    export(&w, "pkg", &["--include-files"]);
    let text = crate::util::after_contents(&tool(
        "pdftotext",
        &[w.path().join("pkg/report.pdf").to_str().unwrap(), "-"],
    ));
    // The customer responsibility section: every customer and shared control with what the
    // customer must do, its basis and citation, as the matrix holds them.
    let at = text.find("Customer responsibilities").expect("a CRM section");
    let crm = &text[at..text.find("Gaps").unwrap()];
    let matrix = w.run(&["matrix", "--format", "csv"]).ok().csv();
    let carried: Vec<_> = matrix
        .iter()
        .filter(|r| matches!(field(r, "effective"), "customer" | "shared"))
        .collect();
    assert!(carried.len() > 50);
    for r in &carried {
        assert!(
            crm.contains(field(r, "control_id")),
            "{} missing",
            field(r, "control_id")
        );
    }
    assert!(crm.contains("rule 5") && crm.contains("derived") && crm.contains("stated"));
    // The appendix lists evidence in CSF order: GV before PR before DE before RS.
    let appendix = &text[text.find("Evidence appendix").unwrap()..];
    let pos = |id: &str| {
        appendix
            .find(id)
            .unwrap_or_else(|| panic!("{id} not in the appendix"))
    };
    assert!(pos("GV.OC-01") < pos("PR.AA-01"));
    assert!(pos("PR.AA-05") < pos("DE.CM-01"));
    assert!(pos("DE.CM-01") < pos("RS.MA-01"));
    // Files missing at import or at export are marked (the cell may wrap).
    let flat = crate::util::squeeze(appendix);
    assert!(flat.contains("[file missing at import]"), "{flat}");
    assert!(flat.contains("[not in the package: missing at export]"), "{flat}");
    let index = std::fs::read_to_string(w.path().join("pkg/evidence-index.csv")).unwrap();
    let order: Vec<&str> = index
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    assert_eq!(order.first(), Some(&"GV.OC-01"), "{order:?}");
}
