//! `index.html` (`--formats html`): the package's front door, one self-contained file opened
//! from the unzipped package. A searchable, filterable table of the controls, the dossier of each
//! (requirement, ownership and responsibilities, the attestation behind the provider's part,
//! status with who and when, the plan, every evidence item with its full SHA-256 and a link to
//! the packaged file or URL), the package's files with their hashes and a button that checks
//! the SHA-256 of files the reader picks, in the browser (WebCrypto).
//!
//! Nothing is loaded from anywhere: the style and script are inline, allowed by their SHA-256
//! in a Content-Security-Policy that forbids every other source (`default-src 'none'`). Every
//! value goes through [`escape::escape`].
//!
//! Written last (after every other format), so the file list holds every file of the package
//! but `index.html` itself and what is written after it (`manifest.json`, `SHA256SUMS`, the
//! signature). The dossiers' evidence streams from the catalogue once more, in the order the
//! catalogue keeps it (by the framework's order of controls), so memory does not grow with it.

pub(crate) mod escape;

use std::collections::HashMap;
use std::io::Write;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::export::format::INDEX_HTML;
use crate::export::job::{Job, Output, Pass, Written};
use crate::export::package::Staging;
use crate::model::evidence::{EvidenceItem, freshness};
use crate::view::coverage::{ControlCoverage, Coverage};
use crate::view::poam::PoamRow;

/// The assessor's result in force per control.
type Reviews<'a> = HashMap<&'a str, &'a crate::model::review::Review>;
use escape::{base64, escape as esc, href_path, href_url};

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

/// `--formats html`: `index.html`, written after every other format.
pub(crate) struct HtmlOutput;

impl Output for HtmlOutput {
    fn finish(
        self: Box<Self>,
        job: &Job<'_>,
        pass: &Pass,
        staging: &mut Staging,
        _written: &mut Written,
    ) -> Result<()> {
        let files = staging.files();
        let mut out = staging.create(INDEX_HTML)?;
        let io = |e: std::io::Error| Error::io(format!("writing {INDEX_HTML}"), e);
        head(&mut out, job).map_err(io)?;
        controls(&mut out, job.cov, &crate::view::review::in_force(job.reviews)).map_err(io)?;
        dossiers(&mut out, job, pass)?;
        file_list(&mut out, &files).map_err(io)?;
        write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n").map_err(io)?;
        staging.close(out)
    }
}

/// The Content-Security-Policy: nothing from anywhere but the inline style and script, known
/// by their SHA-256.
pub(crate) fn csp() -> String {
    let h = |s: &str| base64(&Sha256::digest(s.as_bytes()));
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src 'none'; \
         font-src 'none'; connect-src 'none'; media-src 'none'; object-src 'none'; frame-src 'none'; \
         worker-src 'none'; manifest-src 'none'; form-action 'none'; base-uri 'none'",
        h(SCRIPT),
        h(STYLE)
    )
}

fn head(out: &mut impl Write, job: &Job<'_>) -> std::io::Result<()> {
    let c = job.cover;
    let m = &job.cov.matrix;
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        esc(&csp())
    )?;
    writeln!(out, "<meta name=\"referrer\" content=\"no-referrer\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>",
        esc(&c.title)
    )?;
    writeln!(out, "<header>\n<h1>{}</h1>\n<dl class=\"facts\">", esc(&c.title))?;
    let services: Vec<String> = m.services.iter().map(ToString::to_string).collect();
    let org = if c.organization.is_empty() {
        "(not given)"
    } else {
        &c.organization
    };
    let system = if c.system.is_empty() {
        "(no scope recorded)"
    } else {
        &c.system
    };
    for (k, v) in [
        ("Organisation", org.to_string()),
        ("System", system.to_string()),
        ("Provider", format!("{} ({})", m.provider.name, m.provider.id)),
        ("Service models", services.join(", ")),
        (
            "As of",
            format!(
                "{} (the catalogue as it stood at the end of that day, UTC)",
                job.cov.as_of
            ),
        ),
        ("Generated at", c.generated_at.clone()),
        ("Prepared by", format!("{org}, with csfkit {}", c.version)),
        ("Evidence is stale after", format!("{} days", job.cov.stale_days)),
        ("Framework", c.frameworks.join("; ")),
        ("Catalogue digest", format!("SHA-256 {}", c.digest)),
    ] {
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(&v))?;
    }
    writeln!(out, "</dl>")?;
    writeln!(
        out,
        "<p class=\"note\">Statuses are the organisation's self-assessment unless an assessor's result \
         is shown. Evidence mapped from another framework's ID is a claim for the assessor to judge. \
         Every value on this page comes from the catalogue; the CSV files and audit-workbook.xlsx \
         hold the same.</p>"
    )?;
    writeln!(
        out,
        "<nav><a href=\"#controls\">Controls</a><a href=\"#dossiers\">Dossiers</a>\
         <a href=\"#files\">Package files</a><a href=\"#check-files\">Check files</a>\
         <a href=\"report.pdf\">report.pdf</a><a href=\"manifest.json\">manifest.json</a></nav>\n</header>"
    )
}

/// A control's gap in one phrase, or empty.
fn gap_text(c: &ControlCoverage) -> String {
    c.gaps.join("; ")
}

fn controls(out: &mut impl Write, cov: &Coverage, reviews: &Reviews<'_>) -> std::io::Result<()> {
    writeln!(out, "<section id=\"controls\">\n<h2>Controls</h2>")?;
    writeln!(
        out,
        "<div class=\"filters\"><label>Search <input id=\"q\" type=\"search\" \
         placeholder=\"control ID or any word\" autocomplete=\"off\"></label>\
         <label>Ownership <select id=\"f-own\"><option value=\"\">any</option>\
         <option>customer</option><option>shared</option><option>inherited</option>\
         <option>undetermined</option></select></label>\
         <label>Evidence state <select id=\"f-state\"><option value=\"\">any</option>"
    )?;
    for s in [
        "current",
        "current-mapped-only",
        "expired-or-stale",
        "none",
        crate::view::coverage::PROVIDER_ATTESTED,
        crate::view::coverage::INHERITED_NO_ATTESTATION,
    ] {
        writeln!(out, "<option>{s}</option>")?;
    }
    writeln!(
        out,
        "</select></label><label><input id=\"f-gap\" type=\"checkbox\"> gaps only</label>\
         <span id=\"count\"></span></div>\n<p class=\"hint\">Tip: index.html#q=PR.AA-01 opens the \
         page filtered on PR.AA-01.</p>"
    )?;
    writeln!(
        out,
        "<table>\n<thead><tr><th>ID</th><th>Subcategory</th><th>Ownership</th><th>Status</th>\
         <th>Evidence</th><th>Evidence state</th><th>Gap</th><th>Attestation / inheritance gap</th>\
         <th>Assessor's result</th></tr></thead>\n<tbody>"
    )?;
    for (r, c) in cov.matrix.rows.iter().zip(&cov.controls) {
        let id = esc(&r.control_id);
        let status = r.status();
        let state = c.state_text(r);
        let gap = gap_text(c);
        let attestation = match &c.inheritance_gap {
            Some(why) => format!("inheritance gap: {why}"),
            None => r.attestation_text(),
        };
        writeln!(
            out,
            "<tr data-id=\"{id}\" data-own=\"{}\" data-state=\"{}\" data-gap=\"{}\">\
             <td class=\"id\"><a href=\"#c-{id}\">{id}</a></td><td>{}</td><td class=\"w\">{}</td>\
             <td class=\"w\">{}</td><td>{}</td><td>{}</td><td class=\"gap\">{}</td><td>{}</td><td>{}</td></tr>",
            r.effective,
            esc(state),
            u8::from(!c.gaps.is_empty()),
            esc(&r.title),
            r.effective,
            esc(if status.is_empty() {
                "not assessed"
            } else {
                &status
            }),
            c.evidence,
            esc(state),
            esc(&gap),
            esc(&attestation),
            esc(&reviews
                .get(r.control_id.as_str())
                .map(|rv| format!("{} ({}, {})", rv.outcome.as_str(), rv.assessor, rv.assessed_on))
                .unwrap_or_default()),
        )?;
    }
    writeln!(
        out,
        "</tbody>\n</table>\n<p id=\"none\" hidden>No control matches the search and filters.</p>\n</section>"
    )
}

/// The dossiers, in the matrix's order, each with its evidence streamed from the catalogue.
fn dossiers(out: &mut crate::export::package::StagedFile, job: &Job<'_>, pass: &Pass) -> Result<()> {
    let io = |e: std::io::Error| Error::io(format!("writing {INDEX_HTML}"), e);
    let cov = job.cov;
    let rows = &cov.matrix.rows;
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.control_id.as_str(), i))
        .collect();
    let poam: HashMap<&str, &PoamRow> = job.poam.iter().map(|p| (p.control_id.as_str(), p)).collect();
    let reviews = crate::view::review::in_force(job.reviews);
    writeln!(out, "<section id=\"dossiers\">\n<h2>Dossiers</h2>").map_err(io)?;
    // The dossier open, and how many evidence rows it shows so far.
    let mut open: Option<(usize, usize)> = None;
    // Rows that come after their control's dossier was closed (the catalogue keeps evidence in
    // the framework's order, so none are expected): listed after the dossiers.
    let mut late: Vec<String> = Vec::new();
    let mut next = 0;
    job.cat.each_evidence(|e| {
        crate::export::package::check_interrupted()?;
        let Some(&i) = index.get(e.control_id.as_str()) else {
            return Ok(());
        };
        if !matches!(open, Some((o, _)) if o == i) {
            if i < next {
                late.push(evidence_row(&e, cov, pass, true));
                return Ok(());
            }
            if let Some((_, n)) = open.take() {
                dossier_end(out, n).map_err(io)?;
            }
            while next < i {
                dossier_start(out, cov, (&poam, &reviews), next).map_err(io)?;
                dossier_end(out, 0).map_err(io)?;
                next += 1;
            }
            dossier_start(out, cov, (&poam, &reviews), i).map_err(io)?;
            open = Some((i, 0));
            next = i + 1;
        }
        if let Some((_, n)) = open.as_mut() {
            if *n == 0 {
                evidence_head(out, false).map_err(io)?;
            }
            *n += 1;
        }
        out.write_all(evidence_row(&e, cov, pass, false).as_bytes())
            .map_err(io)
    })?;
    if let Some((_, n)) = open.take() {
        dossier_end(out, n).map_err(io)?;
    }
    while next < rows.len() {
        dossier_start(out, cov, (&poam, &reviews), next).map_err(io)?;
        dossier_end(out, 0).map_err(io)?;
        next += 1;
    }
    if !late.is_empty() {
        writeln!(out, "<h3>Further evidence</h3>").map_err(io)?;
        evidence_head(out, true).map_err(io)?;
        for r in &late {
            out.write_all(r.as_bytes()).map_err(io)?;
        }
        writeln!(out, "</tbody></table>").map_err(io)?;
    }
    writeln!(out, "</section>").map_err(io)
}

/// Opens the dossier of matrix row `i`: requirement, ownership, attestation, status, plan.
fn dossier_start(
    out: &mut impl Write,
    cov: &Coverage,
    (poam, reviews): (&HashMap<&str, &PoamRow>, &Reviews<'_>),
    i: usize,
) -> std::io::Result<()> {
    let (r, c) = (&cov.matrix.rows[i], &cov.controls[i]);
    let id = esc(&r.control_id);
    writeln!(out, "<article class=\"dossier\" id=\"c-{id}\">")?;
    writeln!(out, "<h3>{id} — {}</h3>\n<dl class=\"facts\">", esc(&r.title))?;
    let dd = |out: &mut dyn Write, k: &str, v: &str| -> std::io::Result<()> {
        if v.is_empty() {
            return Ok(());
        }
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v))
    };
    dd(out, "Requirement", &r.title)?;
    dd(
        out,
        "Function, category",
        &format!("{}; {}", r.function, r.category),
    )?;
    let cells: Vec<String> = r
        .cells
        .iter()
        .map(|x| {
            let star = x
                .r#override
                .as_ref()
                .map(|_| " (overridden for this catalogue)")
                .unwrap_or("");
            format!("{}: {}{star}", x.service, x.ownership)
        })
        .collect();
    dd(
        out,
        "Ownership",
        &format!("{} ({})", r.effective, cells.join(", ")),
    )?;
    dd(out, "Basis", &r.merged(|x| &x.basis))?;
    dd(out, "Citation", &r.merged(|x| &x.citation))?;
    if r.effective != crate::model::ownership::Ownership::Inherited {
        dd(
            out,
            "Customer's responsibility",
            &r.merged(|x| &x.customer_responsibility),
        )?;
    }
    dd(
        out,
        "Provider's responsibility",
        &r.merged(|x| &x.provider_responsibility),
    )?;
    dd(out, "Provider attestation", &r.attestation_text())?;
    if let Some(why) = &c.inheritance_gap {
        dd(out, "Inheritance gap", why)?;
    }
    let status = r.status();
    dd(
        out,
        "Status (self-assessed)",
        if status.is_empty() {
            "not assessed"
        } else {
            &status
        },
    )?;
    if let Some(rv) = reviews.get(r.control_id.as_str()) {
        dd(out, "Assessor's result", &crate::view::review::summary(rv))?;
    }
    for a in &r.assessments {
        dd(out, "Assessed", &a.describe())?;
    }
    dd(out, "Evidence state", c.state_text(r))?;
    dd(out, "Gap", &gap_text(c))?;
    writeln!(out, "</dl>")?;
    if let Some(p) = poam.get(r.control_id.as_str()) {
        writeln!(out, "<h4>Plan</h4>\n<dl class=\"facts\">")?;
        dd(out, "State", &p.status)?;
        dd(out, "Action", &p.remediation_plan)?;
        dd(out, "Milestones", &p.milestones)?;
        dd(out, "Due", &p.due.map(|d| d.to_string()).unwrap_or_default())?;
        dd(out, "Owner", &p.point_of_contact)?;
        dd(out, "Note (risk)", &p.comments)?;
        writeln!(out, "</dl>")?;
    }
    Ok(())
}

fn evidence_head(out: &mut impl Write, with_control: bool) -> std::io::Result<()> {
    let control = if with_control { "<th>Control</th>" } else { "" };
    writeln!(
        out,
        "<h4>Evidence</h4>\n<table class=\"ev\"><thead><tr>{control}<th>#</th><th>Title and description</th>\
         <th>Type</th><th>Collected</th><th>Valid until</th><th>Freshness</th><th>Direct or mapped</th>\
         <th>Owner</th><th>File or URL, SHA-256</th></tr></thead><tbody>"
    )
}

fn dossier_end(out: &mut impl Write, rows: usize) -> std::io::Result<()> {
    if rows == 0 {
        writeln!(out, "<h4>Evidence</h4>\n<p>No evidence recorded.</p>\n</article>")
    } else {
        writeln!(out, "</tbody></table>\n</article>")
    }
}

/// One evidence item as a table row.
fn evidence_row(e: &EvidenceItem, cov: &Coverage, pass: &Pass, with_control: bool) -> String {
    let control = if with_control {
        format!(
            "<td class=\"id\"><a href=\"#c-{0}\">{0}</a></td>",
            esc(&e.control_id)
        )
    } else {
        String::new()
    };
    let description = if e.description.is_empty() {
        String::new()
    } else {
        format!("<br>{}", esc(&e.description))
    };
    let why = cov.claims.counted(e).reason();
    let fresh = if why.is_empty() {
        freshness(e, cov.as_of, cov.stale_days).as_str().to_string()
    } else {
        format!(
            "{} (not counted: {why})",
            freshness(e, cov.as_of, cov.stale_days).as_str()
        )
    };
    let origin = match &e.mapped {
        Some(m) => format!(
            "mapped from {} {} ({})",
            m.framework.short_label(),
            m.id,
            cov.claims.targets_short(e)
        ),
        None => "direct".into(),
    };
    let location = match (pass.files.packaged(e), pass.files.not_packaged(e)) {
        (Some(p), _) => format!("<a href=\"{}\">{}</a>", href_path(p), esc(p)),
        (None, Some(why)) => format!(
            "{} <span class=\"gap\">(not in the package: {})</span>",
            esc(&e.location),
            esc(why)
        ),
        (None, None) => match (e.location_kind.as_str(), href_url(&e.location)) {
            ("url", Some(href)) => {
                format!(
                    "<a href=\"{href}\" rel=\"noopener noreferrer\">{}</a>",
                    esc(&e.location)
                )
            }
            ("missing", _) => format!("{} (file missing at import)", esc(&e.location)),
            _ => esc(&e.location),
        },
    };
    let sha = e
        .file_sha256
        .as_deref()
        .map(|h| format!("<br><code class=\"sha\">{}</code>", esc(h)))
        .unwrap_or_default();
    format!(
        "<tr>{control}<td>{}</td><td>{}{description}</td><td>{}</td><td class=\"w\">{}</td>\
         <td class=\"w\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{location}{sha}</td></tr>\n",
        e.id,
        esc(&e.title),
        esc(&e.evidence_type),
        e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
        e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        esc(&fresh),
        esc(&origin),
        esc(&e.owner),
    )
}

/// The files of the package known when `index.html` is written, and the checker.
fn file_list(out: &mut impl Write, files: &[crate::export::manifest::ManifestFile]) -> std::io::Result<()> {
    writeln!(
        out,
        "<section id=\"files\">\n<h2>Package files</h2>\n<p>The {} files of the package written before \
         this page, with their size and SHA-256. Not listed: index.html itself and the files written \
         after it (manifest.json, SHA256SUMS and, when signed, manifest.json.sig); manifest.json and \
         SHA256SUMS list every file, this one included, and <code>csfkit verify</code> checks them.</p>",
        files.len()
    )?;
    writeln!(
        out,
        "<table id=\"file-list\"><thead><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>"
    )?;
    for f in files {
        let p = esc(&f.path);
        writeln!(
            out,
            "<tr data-path=\"{p}\" data-sha=\"{}\"><td><a href=\"{}\">{p}</a></td><td>{}</td>\
             <td><code class=\"sha\">{}</code></td></tr>",
            esc(&f.sha256),
            href_path(&f.path),
            f.size,
            esc(&f.sha256)
        )?;
    }
    writeln!(out, "</tbody></table>\n</section>")?;
    writeln!(
        out,
        "<section id=\"check-files\">\n<h2>Check files</h2>\n<p>Pick files of the unzipped package (or \
         its whole folder): this browser computes their SHA-256 (WebCrypto; nothing is sent anywhere) \
         and compares each with the list above.</p>\n<p><input id=\"pick\" type=\"file\" multiple> \
         <button id=\"check\" type=\"button\">Check SHA-256</button> or a whole folder: \
         <input id=\"pick-dir\" type=\"file\" webkitdirectory></p>\n<ul id=\"check-out\"></ul>\n</section>"
    )
}
