//! Issue 27, item 3: report.pdf typeset for reading, checked with poppler. The wide tables
//! (control matrix, customer responsibilities, gaps, evidence appendix) are on landscape pages
//! and the rest portrait; with all five DataCrunch service models in scope no word of the matrix
//! is broken (`GV.OC-` / `01`, `custom` / `er`); each responsibility is one sentence with what
//! differs per service model; the appendix gives the whole SHA-256 on one line in DejaVu Sans
//! Mono; owners and paths break only after their hyphens and slashes; the dossier's plan says
//! its risk rating.

use std::path::Path;

use crate::util::{Workdir, have_tool, tool};

const OWNER: &str = "@security-operations-team";
const PATH: &str = "files/screenshots/identity-provider-mfa-configuration-2026.png";

/// All five service models, two file evidence items with a long owner and a long path, a gap
/// with a rated plan, exported as pdf.
fn package() -> Workdir {
    let w = Workdir::new();
    w.write("files/Access policy.pdf", b"%PDF-1.4 the policy\n");
    w.write(PATH, b"\x89PNG the screenshot\n");
    w.write(
        "t.csv",
        format!(
            "\u{feff}control_id,title,description,evidence_type,owner,collected_on,valid_until,location\r\n\
             PR.AA-01,Access policy,Identity list and roles,report,{OWNER},2026-03-02,2027-03-01,files/Access policy.pdf\r\n\
             PR.AA-01,MFA settings,SSO configuration,screenshot,Anna,2026-01-05,2027-01-05,{PATH}\r\n"
        ),
    );
    w.run(&["evidence", "import", "t.csv"]).ok();
    w.payments_scope("bare-metal,iaas,paas,saas,model");
    w.run(&[
        "assess",
        "GV.OC-01",
        "--status",
        "not-applicable",
        "--note",
        "Batch analytics only",
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
        "--risk",
        "high",
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

/// The text of each page, laid out (`pdftotext -layout`).
fn pages(pdf: &Path) -> Vec<String> {
    tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
        .split('\x0c')
        .map(str::to_string)
        .collect()
}

/// Width and height of each page in points (`pdfinfo -f 1 -l N`).
fn sizes(pdf: &Path, n: usize) -> Vec<(f32, f32)> {
    let info = tool(
        "pdfinfo",
        &["-f", "1", "-l", &n.to_string(), pdf.to_str().unwrap()],
    );
    info.lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size: "))
        .map(|l| {
            let dims: Vec<f32> = l
                .split(" size: ")
                .nth(1)
                .unwrap()
                .split_whitespace()
                .filter_map(|t| t.parse().ok())
                .collect();
            (dims[0], dims[1])
        })
        .collect()
}

/// The page (0-based) with a line `heading`, after the contents page.
fn page_of(pages: &[String], heading: &str) -> usize {
    let contents = pages
        .iter()
        .position(|p| p.lines().any(|l| l.trim() == "Contents"))
        .expect("a contents page");
    pages
        .iter()
        .enumerate()
        .skip(contents + 1)
        .find(|(_, p)| p.lines().any(|l| l.trim() == heading))
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no page with the heading {heading}"))
}

#[test]
fn wide_tables_are_on_landscape_pages_and_the_rest_portrait() {
    if !have_tool("pdftotext") || !have_tool("pdfinfo") {
        return;
    }
    let w = package();
    let pdf = w.path().join("pkg/report.pdf");
    let pages = pages(&pdf);
    let sizes = sizes(&pdf, pages.len());
    let landscape = |i: usize| sizes[i].0 > sizes[i].1;
    assert!(!landscape(0), "the cover is portrait: {:?}", sizes[0]);
    for heading in [
        "Control matrix",
        "Customer responsibilities",
        "Gaps",
        "Evidence appendix",
    ] {
        let at = page_of(&pages, heading);
        assert!(landscape(at), "{heading} on page {}: {:?}", at + 1, sizes[at]);
        assert!((sizes[at].0 - 841.89).abs() < 0.1, "A4 turned: {:?}", sizes[at]);
    }
    for heading in [
        "Summary: controls per function and effective ownership",
        "Control dossiers",
    ] {
        let at = page_of(&pages, heading);
        assert!(!landscape(at), "{heading} on page {}: {:?}", at + 1, sizes[at]);
    }
    // The footer is centred on each page, whichever way it is turned.
    let last = pages.len() - 2;
    assert!(landscape(last), "the appendix ends the report");
    let footer = format!("Page {} of {}", last + 1, pages.len() - 1);
    assert!(pages[last].contains(&footer), "{}", pages[last]);
}

#[test]
fn no_word_of_a_five_model_matrix_is_broken() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = package();
    let pages = pages(&w.path().join("pkg/report.pdf"));
    let from = page_of(&pages, "Control matrix");
    let to = page_of(&pages, "Customer responsibilities");
    let matrix = pages[from..to].join("\n");
    let ids: Vec<String> = std::fs::read_to_string(w.path().join("pkg/control-matrix.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().to_string())
        .collect();
    let words = [
        "customer",
        "inherited",
        "shared",
        "undetermined",
        "Effective",
        "Evidence",
        "not-applicable",
        "assessed",
    ];
    let broken: Vec<&str> = matrix
        .split_whitespace()
        .filter(|t| {
            // `not` of `not assessed` is a word of its own.
            let piece_of = |whole: &str| whole != *t && whole.starts_with(*t) && t.len() >= 3 && *t != "not";
            ids.iter().any(|i| piece_of(i)) || words.iter().any(|w| piece_of(w))
        })
        .collect();
    assert!(broken.is_empty(), "words broken across lines: {broken:?}");
    assert!(matrix.contains("GV.OC-01") && matrix.contains("not-applicable"));
}

#[test]
fn each_responsibility_is_one_sentence_with_what_differs_per_model() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = package();
    let pages = pages(&w.path().join("pkg/report.pdf"));
    let from = page_of(&pages, "Customer responsibilities");
    let to = page_of(&pages, "Gaps");
    let section = pages[from..to].join("\n");
    let flat = crate::util::squeeze(&section);
    // GV.OC-01's texts differ per model only in what the workloads run on: said once.
    let csv = std::fs::read_to_string(w.path().join("pkg/control-matrix.csv")).unwrap();
    let row = csv.lines().find(|l| l.starts_with("GV.OC-01,")).unwrap();
    assert!(
        row.contains("[iaas]") && row.contains("[model]"),
        "the CSV keeps each text whole: {row}"
    );
    let opening = "Define the organization's mission and use it to decide";
    assert!(row.contains(opening), "{row}");
    assert_eq!(flat.matches(opening).count(), 1, "{flat}");
    for label in ["bare-metal:", "iaas:", "paas:", "saas:", "model:"] {
        assert!(flat.contains(label), "{label} in {flat}");
    }
}

#[test]
fn the_appendix_gives_the_whole_sha256_on_one_line_in_a_monospaced_face() {
    if !have_tool("pdftotext") || !have_tool("pdffonts") {
        return;
    }
    let w = package();
    let pdf = w.path().join("pkg/report.pdf");
    let pages = pages(&pdf);
    let appendix = pages[page_of(&pages, "Evidence appendix")..].join("\n");
    let csv = std::fs::read_to_string(w.path().join("pkg/evidence-index.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "file_sha256").unwrap();
    let hashes: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(at).unwrap())
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .collect();
    assert!(hashes.len() >= 2, "{csv}");
    for h in hashes {
        assert!(
            appendix.lines().any(|l| l.split_whitespace().any(|t| t == h)),
            "{h} not whole on one line of the appendix"
        );
    }
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts
            .lines()
            .any(|l| l.contains("DejaVuSansMono") && l.contains(" yes ")),
        "{fonts}"
    );
}

#[test]
fn owners_and_paths_break_only_after_their_hyphens_and_slashes() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = package();
    let pages = pages(&w.path().join("pkg/report.pdf"));
    let appendix = pages[page_of(&pages, "Evidence appendix")..].join("\n");
    // The table, below its header.
    let at = appendix.find("SHA-256   ").expect("the appendix's table");
    let appendix = &appendix[at..];
    for whole in [OWNER, PATH] {
        let pieces: Vec<&str> = appendix
            .split_whitespace()
            .map(|t| t.trim_matches(|c| "[]".contains(c)))
            .filter(|t| t.len() >= 3 && *t != whole && whole.contains(*t))
            .collect();
        assert!(
            !pieces.is_empty() || appendix.contains(whole),
            "{whole} not in the appendix"
        );
        for p in pieces {
            let at = whole.find(p).unwrap();
            let starts_clean = at == 0 || whole[..at].ends_with(['-', '/', '.']);
            let ends_clean = at + p.len() == whole.len() || p.ends_with(['-', '/', '.']);
            assert!(
                starts_clean && ends_clean,
                "`{whole}` broken inside a word: `{p}`"
            );
        }
    }
}

#[test]
fn the_dossier_plan_says_its_risk_rating() {
    if !have_tool("pdftotext") {
        return;
    }
    let w = package();
    let pages = pages(&w.path().join("pkg/report.pdf"));
    let flat = crate::util::squeeze(&pages[page_of(&pages, "Control dossiers")..].join("\n"));
    assert!(flat.contains("action: Forward SIEM rules monthly"), "{flat}");
    assert!(
        flat.contains("risk: high"),
        "no risk rating in the dossier's plan"
    );
}
