//! Everything that goes out as files: the audit package (PDF report, CSV files, workbook, OSCAL
//! documents, evidence files, manifest, folder or zip) and `verify` beside the manifest it
//! checks; the evidence template and matrix files (`files`).
//!
//! A package is made in this order (see `job` for the seam every format plugs into):
//! `reading` reads the sources, the coverage of the scope and the catalogue digest inside one
//! read snapshot; [`start`] makes a writer for each format asked for (`format` is the list;
//! `report` PDF, `csv` CSV files, `workbook` xlsx, `oscal` OSCAL documents); one shared pass
//! over the evidence copies the evidence files in (`evidence_files`) and hands the evidence
//! index's rows to the writers that read them; every writer finishes; `package` writes the
//! manifest, checks the whole as `verify` does and puts it in place.

pub(crate) mod anchor;
pub(crate) mod claims;
pub(crate) mod csv;
pub(crate) mod dossier;
pub(crate) mod evidence_files;
pub(crate) mod files;
pub(crate) mod format;
pub(crate) mod history;
pub(crate) mod html;
pub(crate) mod job;
pub(crate) mod manifest;
pub(crate) mod oscal;
pub(crate) mod package;
pub(crate) mod profile;
pub(crate) mod reading;
pub(crate) mod report;
pub(crate) mod sign;
pub(crate) mod sums;
pub(crate) mod verify;
pub(crate) mod workbook;
pub(crate) mod ziplayout;

use std::collections::HashMap;
use std::path::PathBuf;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::catalogue::Catalogue;
use crate::catalogue::evidence::Batch;
use crate::error::Result;
use crate::export::format::Format;
use crate::export::job::{Cover, Job, Output, Pass, Written};
use crate::export::manifest::Parameters;
use crate::export::package::{Staging, check_interrupted};
use crate::export::reading::{Reading, framework_lines, read, service_names};
use crate::util::hex;
use crate::view::Scope;

pub(crate) use crate::export::job::Options;

/// What an export wrote.
#[derive(Debug, Clone)]
pub(crate) struct Done {
    /// Files in the package, manifest included.
    pub files: usize,
    /// Pages of report.pdf, when written.
    pub pages: Option<usize>,
    /// Controls in the matrix.
    pub controls: usize,
    /// Evidence items counted.
    pub evidence_items: usize,
    /// Controls that are gaps.
    pub gaps: usize,
    /// SHA-256 of manifest.json (keep it apart from the package: `verify --manifest-sha256`).
    pub manifest_sha256: String,
    /// Problems found while packaging (changed evidence files, characters the font lacks).
    pub warnings: Vec<String>,
    /// The fingerprint of the key that signed manifest.json, when it was signed.
    pub signed_by: Option<String>,
}

/// The writer of `format` for one export: the table every format is in. A format added to
/// [`Format`] is refused here by the compiler until it has its writer.
fn start(format: Format, job: &Job<'_>, staging: &mut Staging) -> Result<Box<dyn Output>> {
    Ok(match format {
        Format::Pdf => Box::new(report::PdfOutput),
        Format::Csv => Box::new(csv::CsvOutput::start(job, staging)?),
        Format::Xlsx => Box::new(workbook::XlsxOutput::start(job, staging)?),
        Format::Oscal => Box::new(oscal::OscalOutput),
        Format::Html => Box::new(html::HtmlOutput),
    })
}

/// Writes the audit package of `scope` (see [`Options`]). The evidence streams from the
/// catalogue inside one read snapshot (coverage and digest; the shared pass of the evidence
/// index and files; the PDF appendix; the OSCAL assessment results), so memory does not grow
/// with it and an import committed meanwhile shows in none of the passes. A signal stops the
/// export with [`crate::error::Error::Interrupted`] after the staging folder is removed.
pub(crate) fn package(cat: &Catalogue, scope: &Scope, opts: &Options) -> Result<Done> {
    // A failure after a signal is the signal's doing (the staged writes stop on it); a
    // package already put in place when the signal came is reported as written.
    let result = write_package(cat, scope, opts);
    if result.is_err() {
        check_interrupted()?;
    }
    result
}

fn write_package(cat: &Catalogue, scope: &Scope, opts: &Options) -> Result<Done> {
    let _snapshot = cat.snapshot()?;
    let reading = read(cat, scope, opts.as_of, opts.stale_days, opts.no_mapped)?;
    let cov = &reading.cov;
    let poam = crate::view::poam::rows(cov, &reading.plans);
    let closed_poam = crate::view::poam::closed_rows(cov, &reading.plans);
    let mut staging = Staging::new(&opts.out, opts.zip, opts.force, &opts.catalogue)?;
    Staging::watch_signals();
    let mut written = Written {
        warnings: reading.warnings.clone(),
        ..Written::default()
    };
    // The attestations' files first: every writer names where each is (or why it is not).
    let attestation_files = claims::package_files(&mut staging, cov, &mut written.warnings)?;
    let title = opts.title.clone().unwrap_or_else(|| {
        format!(
            "NIST CSF 2.0 audit package — {}{}",
            scope.system.clone().map(|s| format!("{s}, ")).unwrap_or_default(),
            cov.matrix.provider.name
        )
    });
    let cover = Cover {
        title: title.clone(),
        organization: opts.organization.clone(),
        system: scope.system.clone().unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").into(),
        generated_at: crate::util::rfc3339(opts.generated_at),
        frameworks: framework_lines(&reading.frameworks),
        digest: reading.digest.clone(),
        paper: opts.paper,
    };
    let job = Job {
        cat,
        opts,
        system: scope.system.as_deref(),
        cov,
        digest: &reading.digest,
        cover: &cover,
        poam: &poam,
        plans: &reading.plans,
        closed_poam: &closed_poam,
        reviews: &reading.reviews,
        history: &reading.records,
        attestation_files: &attestation_files,
    };
    let mut outputs = Vec::new();
    for f in &opts.formats {
        outputs.push(start(*f, &job, &mut staging)?);
    }
    let pass = shared_pass(
        &job,
        &reading.batches,
        &mut outputs,
        &mut staging,
        &mut written.warnings,
    )?;
    // The writers the shared pass fed first (they hold what it gave them), then those that
    // stream the evidence again.
    outputs.sort_by_key(|o| !o.reads_index());
    for o in outputs {
        o.finish(&job, &pass, &mut staging, &mut written)?;
    }
    let parameters = Parameters {
        as_of: opts.as_of.to_string(),
        bom: opts.bom,
        formats: opts.formats.iter().map(|f| f.name().to_string()).collect(),
        include_files: opts.include_files,
        no_mapped: opts.no_mapped,
        organization: opts.organization.clone(),
        paper: match opts.paper {
            crate::pdf::Paper::A4 => "a4",
            crate::pdf::Paper::Letter => "letter",
        }
        .into(),
        provider: cov.matrix.provider.id.clone(),
        raw_csv: opts.raw_csv,
        services: service_names(cov),
        stale_days: opts.stale_days,
        system: scope.system.clone(),
        title,
        zip: opts.zip,
    };
    let signer = opts.sign.as_deref();
    finish(&reading, parameters, staging, opts.generated_at, signer, written)
}

/// The shared pass over the evidence: with `--include-files` each evidence file is copied in
/// (re-hashed against the import), and every writer that reads the evidence index gets each
/// row. Returns the evidence files that should be in the package and are not, with why.
fn shared_pass(
    job: &Job<'_>,
    batches: &[Batch],
    outputs: &mut [Box<dyn Output>],
    staging: &mut Staging,
    warnings: &mut Vec<String>,
) -> Result<Pass> {
    let mut pass = Pass::default();
    let include_files = job.opts.include_files;
    let rows = outputs.iter().any(|o| o.reads_index());
    if !rows && !include_files {
        return Ok(pass);
    }
    let roots: HashMap<i64, String> = batches.iter().map(|b| (b.id, b.evidence_root.clone())).collect();
    job.cat.each_evidence(|e| {
        check_interrupted()?;
        let packaged = if include_files {
            pass.files.add(staging, &roots, &e, warnings)?
        } else {
            String::new()
        };
        if rows {
            let row = csv::evidence_row(job.cov, &e, packaged);
            for o in outputs.iter_mut().filter(|o| o.reads_index()) {
                o.index_row(&row)?;
            }
        }
        Ok(())
    })?;
    Ok(pass)
}

/// Writes the manifest of what `staging` holds, checks the whole and puts it in place.
fn finish(
    reading: &Reading,
    parameters: Parameters,
    staging: Staging,
    generated_at: chrono::DateTime<chrono::Utc>,
    signer: Option<&sign::SigningKey>,
    mut written: Written,
) -> Result<Done> {
    let cov = &reading.cov;
    let mut manifest = reading.manifest(parameters, written.warnings.clone(), staging.files());
    manifest.generated_at = crate::util::rfc3339(generated_at);
    let manifest_sha256 = hex(&Sha256::digest(manifest.to_bytes()?));
    // The manifest, SHA256SUMS and the signature.
    let files = manifest.files.len() + 2 + usize::from(signer.is_some());
    // What the replacement kept of a previous package is said after the package's own warnings
    // (the manifest cannot hold it: it is written before).
    written
        .warnings
        .extend(staging.finish(&manifest, generated_at, signer)?);
    Ok(Done {
        files,
        pages: written.pages,
        controls: cov.matrix.rows.len(),
        evidence_items: cov.evidence_items,
        gaps: cov.gaps().count(),
        manifest_sha256,
        warnings: written.warnings,
        signed_by: signer.map(sign::SigningKey::fingerprint),
    })
}

/// What `csfkit oscal export` writes and how.
#[derive(Debug, Clone)]
pub(crate) struct OscalOptions {
    /// The folder to create (a csfkit folder with a manifest, like a package).
    pub out: PathBuf,
    /// The date of the documents; evidence freshness is judged at it.
    pub as_of: NaiveDate,
    /// Evidence collected more than this many days before `as_of` is stale.
    pub stale_days: i64,
    /// When the documents are generated (`SOURCE_DATE_EPOCH` when set).
    pub generated_at: chrono::DateTime<chrono::Utc>,
    /// Replace a previous csfkit folder at `out`.
    pub force: bool,
    /// Leave evidence mapped from other frameworks out of the findings.
    pub no_mapped: bool,
    /// The catalogue file: never inside what an export replaces.
    pub catalogue: PathBuf,
}

/// Writes the OSCAL documents of `scope` into a folder of their own (`catalog.json`,
/// `component-definition.json`, `assessment-results.json` and the `manifest.json` that lets
/// `verify` check them and a later `--force` replace them), under the rules of [`package`]:
/// staged beside the destination, put in place whole, replacing only what csfkit wrote.
pub(crate) fn oscal_export(cat: &Catalogue, scope: &Scope, opts: &OscalOptions) -> Result<Done> {
    // A failure after a signal is the signal's doing (the staged writes stop on it); a
    // package already put in place when the signal came is reported as written.
    let result = write_oscal_export(cat, scope, opts);
    if result.is_err() {
        check_interrupted()?;
    }
    result
}

fn write_oscal_export(cat: &Catalogue, scope: &Scope, opts: &OscalOptions) -> Result<Done> {
    let _snapshot = cat.snapshot()?;
    let reading = read(cat, scope, opts.as_of, opts.stale_days, opts.no_mapped)?;
    let cov = &reading.cov;
    let mut staging = Staging::new(&opts.out, false, opts.force, &opts.catalogue)?;
    Staging::watch_signals();
    let poam = crate::view::poam::rows(cov, &reading.plans);
    let input = oscal::ChainInput {
        cov,
        digest: &reading.digest,
        system: scope.system.as_deref(),
        organization: "",
        packaged: &|_| None,
        reviews: &reading.reviews,
        poam: &poam,
        plans: &reading.plans,
        plan_risk: &|c| reading.plans.get(c).and_then(|(p, _)| p.risk),
    };
    oscal::write_documents(cat, &input, &mut staging, "")?;
    let parameters = Parameters {
        as_of: opts.as_of.to_string(),
        formats: vec![format::OSCAL_EXPORT.into()],
        provider: cov.matrix.provider.id.clone(),
        services: service_names(cov),
        stale_days: opts.stale_days,
        no_mapped: opts.no_mapped,
        system: scope.system.clone(),
        title: format!("OSCAL documents — {}", cov.matrix.provider.name),
        ..Parameters::default()
    };
    let written = Written {
        warnings: reading.warnings.clone(),
        ..Written::default()
    };
    finish(&reading, parameters, staging, opts.generated_at, None, written)
}
