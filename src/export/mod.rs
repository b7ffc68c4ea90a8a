//! Everything that goes out as files: the audit package (PDF report, CSV files, evidence
//! files, manifest, folder or zip), each output written by a function of its own and fed by
//! the catalogue's read API and the views; `verify` beside the manifest it checks.

pub mod csv;
pub mod files;
pub mod manifest;
pub mod oscal;
pub mod package;
pub mod report;
pub mod workbook;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::catalogue::evidence::Batch;
use crate::catalogue::{Catalogue, FrameworkRow};
use crate::error::{Error, Result};
use crate::export::csv::{CsvOut, EVIDENCE_COLUMNS, evidence_row, gaps_csv, matrix_csv, poam_csv};
use crate::export::manifest::{
    BatchSource, ChainHead, FrameworkSource, Manifest, ManifestFile, MatrixSource, Parameters, Sources,
};
use crate::export::package::{Staging, check_interrupted};
use crate::export::workbook::AuditWorkbook;
use crate::model::evidence::EvidenceItem;
use crate::util::hex;
use crate::view::Scope;
use crate::view::coverage::{Coverage, CoverageBuilder};
use crate::view::matrix::Matrix;
use crate::view::poam::PoamRow;

/// What to write and how.
#[derive(Debug, Clone)]
pub struct Options {
    /// The package folder, or zip file with `zip`.
    pub out: PathBuf,
    /// One zip file instead of a folder.
    pub zip: bool,
    /// The date freshness is judged at; also the package's date.
    pub as_of: NaiveDate,
    /// Evidence collected more than this many days before `as_of` is stale.
    pub stale_days: i64,
    /// Organisation on the cover.
    pub organization: String,
    /// Report title (default: made from the system and the provider).
    pub title: Option<String>,
    /// Copy the evidence files in, re-hashed against the import.
    pub include_files: bool,
    /// Write the PDF report.
    pub pdf: bool,
    /// Write the CSV files.
    pub csv: bool,
    /// Write the workbook.
    pub xlsx: bool,
    /// Write the OSCAL documents under `oscal/`.
    pub oscal: bool,
    /// Leave evidence mapped from other frameworks out of the coverage.
    pub no_mapped: bool,
    /// Replace a previous csfkit package at `out`.
    pub force: bool,
    /// PDF paper size.
    pub paper: crate::pdf::Paper,
    /// Write CSV cells exactly.
    pub raw_csv: bool,
    /// Start CSV files with a BOM.
    pub bom: bool,
    /// The catalogue file: never inside what an export replaces.
    pub catalogue: PathBuf,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Done {
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
}

/// Writes the audit package of `scope` (see [`Options`]). The evidence streams from the
/// catalogue three times inside one read snapshot (coverage and digest; evidence index and
/// files; the PDF appendix), so memory does not grow with it and an import committed meanwhile
/// shows in none of the passes. A signal stops the export with [`Error::Interrupted`] after
/// the staging folder is removed.
pub fn package(cat: &Catalogue, scope: &Scope, opts: &Options) -> Result<Done> {
    // A failure after a signal is the signal's doing (the staged writes stop on it); a
    // package already put in place when the signal came is reported as written.
    let result = write_package(cat, scope, opts);
    if result.is_err() {
        package::check_interrupted()?;
    }
    result
}

/// What a package reflects, read inside its snapshot: the sources named in the manifest, the
/// coverage of the scope and the digest over the catalogue content.
struct Reading {
    frameworks: Vec<FrameworkRow>,
    batches: Vec<Batch>,
    history: Vec<(crate::catalogue::chain::Log, i64, String)>,
    cov: Coverage,
    /// The remediation plans in force (the digest covers them; the POA&M shows them).
    plans: HashMap<String, (crate::model::plan::PlanRow, String)>,
    digest: String,
}

/// The first pass over the evidence (call inside a read snapshot): coverage of `scope` at
/// `as_of` (without mapped evidence with `no_mapped`) and the catalogue digest (the cover
/// shows it), with the sources.
fn read(
    cat: &Catalogue,
    scope: &Scope,
    as_of: NaiveDate,
    stale_days: i64,
    no_mapped: bool,
) -> Result<Reading> {
    let frameworks = cat.frameworks()?;
    let batches = cat.batches()?;
    let history = cat.chain_heads()?;
    let m = crate::view::matrix::build(cat, &scope.provider, &scope.services)?;
    let plans = cat.plans_in_force()?;
    let mut dig = CatalogueDigest::new(&frameworks, &m, &plans)?;
    let mut builder = CoverageBuilder::new(m, as_of, stale_days).without_mapped(no_mapped);
    cat.each_evidence(|e| {
        check_interrupted()?;
        dig.add(&e)?;
        builder.add(&e);
        Ok(())
    })?;
    Ok(Reading {
        frameworks,
        batches,
        history,
        cov: builder.finish(),
        plans,
        digest: dig.finish(),
    })
}

impl Reading {
    /// The manifest of a package made with `parameters` from this reading.
    fn manifest(&self, parameters: Parameters, warnings: Vec<String>, files: Vec<ManifestFile>) -> Manifest {
        let provider = &self.cov.matrix.provider;
        Manifest {
            format: "csfkit-audit-package".into(),
            format_version: 1,
            csfkit_version: env!("CARGO_PKG_VERSION").into(),
            parameters,
            catalogue_digest: self.digest.clone(),
            sources: Sources {
                evidence_batches: self
                    .batches
                    .iter()
                    .map(|b| BatchSource {
                        batch: b.id,
                        file: b.source_file.clone(),
                        imported_at: b.imported_at.clone(),
                        sha256: b.source_sha256.clone(),
                    })
                    .collect(),
                frameworks: self
                    .frameworks
                    .iter()
                    .map(|f| FrameworkSource {
                        id: f.id.clone(),
                        sha256: f.source_sha256.clone(),
                        source: f.source.clone(),
                        version: f.version.clone(),
                    })
                    .collect(),
                matrix: MatrixSource {
                    provider: provider.id.clone(),
                    sha256: provider.source_sha256.clone(),
                    source: provider.source.clone(),
                },
            },
            history: self
                .history
                .iter()
                .map(|(log, records, head)| {
                    (
                        log.as_str().to_string(),
                        ChainHead {
                            head: head.clone(),
                            records: *records,
                        },
                    )
                })
                .collect(),
            warnings,
            files,
        }
    }
}

fn write_package(cat: &Catalogue, scope: &Scope, opts: &Options) -> Result<Done> {
    let as_of = opts.as_of;
    let _snapshot = cat.snapshot()?;
    let reading = read(cat, scope, as_of, opts.stale_days, opts.no_mapped)?;
    let (cov, digest, batches, frameworks_loaded) = (
        &reading.cov,
        &reading.digest,
        &reading.batches,
        &reading.frameworks,
    );
    let poam = crate::view::poam::rows(cov, &reading.plans);
    let mut staging = Staging::new(&opts.out, opts.zip, opts.force, &opts.catalogue)?;
    Staging::watch_signals();
    let mut warnings = Vec::new();
    let title = opts.title.clone().unwrap_or_else(|| {
        format!(
            "NIST CSF 2.0 audit package — {}{}",
            scope.system.clone().map(|s| format!("{s}, ")).unwrap_or_default(),
            cov.matrix.provider.name
        )
    });
    let cover = report::Cover {
        title: title.clone(),
        organization: opts.organization.clone(),
        system: scope.system.clone().unwrap_or_default(),
        version: env!("CARGO_PKG_VERSION").into(),
        frameworks: framework_lines(frameworks_loaded),
        digest: digest.clone(),
        paper: opts.paper,
    };
    let mut workbook = if opts.xlsx {
        Some(start_workbook(cov, &cover, &poam, &staging)?)
    } else {
        None
    };

    // Second pass: evidence files (re-hashed, copied) and the evidence index that names them
    // (CSV and workbook). Evidence files that should be in the package and are not, with why
    // (for the appendix).
    let mut not_packaged = HashMap::new();
    if opts.csv || opts.include_files || opts.xlsx {
        not_packaged = write_evidence(
            cat,
            cov,
            batches,
            opts,
            &mut staging,
            workbook.as_mut(),
            &mut warnings,
        )?;
    }
    if let Some(wb) = workbook {
        warnings.extend(wb.finish()?);
        staging.adopt(manifest::WORKBOOK)?;
    }
    if opts.csv {
        staging.add_bytes("control-matrix.csv", &matrix_csv(cov, opts.raw_csv, opts.bom)?)?;
        staging.add_bytes("gaps.csv", &gaps_csv(cov, opts.raw_csv, opts.bom)?)?;
        staging.add_bytes(manifest::POAM, &poam_csv(&poam, opts.raw_csv, opts.bom)?)?;
    }
    let pages = if opts.pdf {
        // Third pass: the report, its appendix fed row by row.
        Some(write_report(
            cat,
            cov,
            &cover,
            &poam,
            &not_packaged,
            &mut staging,
            &mut warnings,
        )?)
    } else {
        None
    };
    if opts.oscal {
        // Fourth pass: the assessment results stream the evidence once more.
        let packaged = |e: &EvidenceItem| {
            (opts.include_files && e.location_kind == "file" && !not_packaged.contains_key(&e.id))
                .then(|| format!("../{}", packaged_name(e)))
        };
        let input = oscal::results::ResultsInput {
            cov,
            digest,
            system: scope.system.as_deref(),
            import_ap: "../manifest.json",
            packaged: &packaged,
        };
        write_oscal(cat, &input, &mut staging, "oscal/")?;
    }
    let parameters = Parameters {
        as_of: as_of.to_string(),
        bom: opts.bom,
        formats: [
            opts.pdf.then_some("pdf"),
            opts.csv.then_some("csv"),
            opts.xlsx.then_some("xlsx"),
            opts.oscal.then_some("oscal"),
        ]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect(),
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
    let manifest = reading.manifest(parameters, warnings.clone(), staging.files());
    let manifest_sha256 = hex(&Sha256::digest(manifest.to_bytes()?));
    let files = manifest.files.len() + 1;
    // What the replacement kept of a previous package is said after the package's own warnings
    // (the manifest cannot hold it: it is written before).
    warnings.extend(staging.finish(&manifest, as_of)?);
    Ok(Done {
        files,
        pages,
        controls: cov.matrix.rows.len(),
        evidence_items: cov.evidence_items,
        gaps: cov.gaps().count(),
        manifest_sha256,
        warnings,
    })
}

/// What `csfkit oscal export` writes and how.
#[derive(Debug, Clone)]
pub struct OscalOptions {
    /// The folder to create (a csfkit folder with a manifest, like a package).
    pub out: PathBuf,
    /// The date of the documents; evidence freshness is judged at it.
    pub as_of: NaiveDate,
    /// Evidence collected more than this many days before `as_of` is stale.
    pub stale_days: i64,
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
pub fn oscal_export(cat: &Catalogue, scope: &Scope, opts: &OscalOptions) -> Result<Done> {
    // A failure after a signal is the signal's doing (the staged writes stop on it); a
    // package already put in place when the signal came is reported as written.
    let result = write_oscal_export(cat, scope, opts);
    if result.is_err() {
        package::check_interrupted()?;
    }
    result
}

fn write_oscal_export(cat: &Catalogue, scope: &Scope, opts: &OscalOptions) -> Result<Done> {
    let _snapshot = cat.snapshot()?;
    let reading = read(cat, scope, opts.as_of, opts.stale_days, opts.no_mapped)?;
    let cov = &reading.cov;
    let mut staging = Staging::new(&opts.out, false, opts.force, &opts.catalogue)?;
    Staging::watch_signals();
    let input = oscal::results::ResultsInput {
        cov,
        digest: &reading.digest,
        system: scope.system.as_deref(),
        import_ap: "manifest.json",
        packaged: &|_| None,
    };
    write_oscal(cat, &input, &mut staging, "")?;
    let parameters = Parameters {
        as_of: opts.as_of.to_string(),
        formats: vec!["oscal-export".into()],
        provider: cov.matrix.provider.id.clone(),
        services: service_names(cov),
        stale_days: opts.stale_days,
        no_mapped: opts.no_mapped,
        system: scope.system.clone(),
        title: format!("OSCAL documents — {}", cov.matrix.provider.name),
        ..Parameters::default()
    };
    let manifest = reading.manifest(parameters, Vec::new(), staging.files());
    let manifest_sha256 = hex(&Sha256::digest(manifest.to_bytes()?));
    let files = manifest.files.len() + 1;
    let warnings = staging.finish(&manifest, opts.as_of)?;
    Ok(Done {
        files,
        pages: None,
        controls: cov.matrix.rows.len(),
        evidence_items: cov.evidence_items,
        gaps: cov.gaps().count(),
        manifest_sha256,
        warnings,
    })
}

/// The service models of a coverage's scope, as the manifest names them.
fn service_names(cov: &Coverage) -> Vec<String> {
    cov.matrix
        .services
        .iter()
        .map(|s| s.as_str().to_string())
        .collect()
}

/// The cover's line for the default framework: name, version, source and a short hash.
fn framework_lines(frameworks: &[FrameworkRow]) -> Vec<String> {
    frameworks
        .iter()
        .filter(|f| f.id == crate::model::framework::DEFAULT_FRAMEWORK)
        .map(|f| {
            format!(
                "{} {} ({}, SHA-256 {})",
                f.name,
                f.version,
                f.source,
                f.source_sha256.get(..16).unwrap_or(&f.source_sha256)
            )
        })
        .collect()
}

/// `evidence-index.csv`, the workbook's evidence rows and, with `include_files`, the evidence
/// files under `evidence/`. Returns the evidence files that should be in the package and are
/// not, with why.
fn write_evidence(
    cat: &Catalogue,
    cov: &Coverage,
    batches: &[Batch],
    opts: &Options,
    staging: &mut Staging,
    mut workbook: Option<&mut AuditWorkbook>,
    warnings: &mut Vec<String>,
) -> Result<HashMap<i64, String>> {
    let mut not_packaged = HashMap::new();
    let roots: HashMap<i64, String> = batches.iter().map(|b| (b.id, b.evidence_root.clone())).collect();
    let mut index = if opts.csv {
        let f = staging.create("evidence-index.csv")?;
        Some(CsvOut::new(f, &EVIDENCE_COLUMNS, opts.raw_csv, opts.bom)?)
    } else {
        None
    };
    cat.each_evidence(|e| {
        check_interrupted()?;
        let packaged = if opts.include_files {
            package_file(staging, &roots, &e, warnings)?
        } else {
            String::new()
        };
        if opts.include_files && !packaged.is_empty() && !packaged.starts_with("evidence/") {
            not_packaged.insert(e.id, packaged.clone());
        }
        if index.is_some() || workbook.is_some() {
            let row = evidence_row(cov, &e, packaged);
            if let Some(index) = index.as_mut() {
                index.row(&row)?;
            }
            if let Some(wb) = workbook.as_deref_mut() {
                wb.evidence(&row)?;
            }
        }
        Ok(())
    })?;
    if let Some(index) = index {
        staging.close(index.finish()?)?;
    }
    Ok(not_packaged)
}

/// Starts `audit-workbook.xlsx` in the staging folder: every sheet but the evidence rows.
fn start_workbook(
    cov: &Coverage,
    cover: &report::Cover,
    poam: &[PoamRow],
    staging: &Staging,
) -> Result<AuditWorkbook> {
    use crate::export::workbook::{EVIDENCE_COLS, GAP_COLS, POAM_COLS, SUMMARY_COLS, Tables, matrix_cols};
    let m = &cov.matrix;
    let facts = vec![
        ("Title".to_string(), cover.title.clone()),
        ("Organisation".into(), cover.organization.clone()),
        ("System".into(), cover.system.clone()),
        (
            "Provider".into(),
            format!("{} ({})", m.provider.name, m.provider.id),
        ),
        (
            "Service models".into(),
            crate::model::ownership::join_services(&m.services),
        ),
        ("As of".into(), cov.as_of.to_string()),
        (
            "Evidence is stale after (days)".into(),
            cov.stale_days.to_string(),
        ),
        ("Framework".into(), cover.frameworks.join("; ")),
        (
            "Responsibility matrix".into(),
            format!("{} ({})", m.provider.name, m.provider.source),
        ),
        ("Catalogue digest (SHA-256)".into(), cover.digest.clone()),
        ("Controls".into(), m.rows.len().to_string()),
        ("Evidence items".into(), cov.evidence_items.to_string()),
        ("Gaps".into(), cov.gaps().count().to_string()),
        (
            "Evidence mapped from other frameworks".into(),
            if cov.no_mapped {
                format!(
                    "{} rows left out of the coverage (--no-mapped); listed in the Evidence sheet",
                    cov.mapped_left_out
                )
            } else {
                format!(
                    "{} of the rows counted (SP 800-53, ISO/IEC 27001 or CCM IDs read through NIST's informative references)",
                    cov.mapped_items
                )
            },
        ),
        ("Produced by".into(), format!("csfkit {}", cover.version)),
    ];
    let tables = Tables {
        summary: (&SUMMARY_COLS, crate::view::summary::rows(cov, poam)),
        facts,
        matrix: (matrix_cols(), crate::export::csv::matrix_rows(cov)),
        gaps: (&GAP_COLS, crate::export::csv::gap_rows(cov)),
        evidence: &EVIDENCE_COLS,
        poam: (&POAM_COLS, poam.iter().map(PoamRow::cells).collect()),
    };
    AuditWorkbook::start(
        staging.path_for(manifest::WORKBOOK)?,
        staging.dir(),
        &cover.title,
        &cover.organization,
        cov.as_of,
        tables,
    )
}

/// `report.pdf`, its evidence appendix fed row by row from the catalogue. Returns its pages.
fn write_report(
    cat: &Catalogue,
    cov: &Coverage,
    cover: &report::Cover,
    poam: &[PoamRow],
    not_packaged: &HashMap<i64, String>,
    staging: &mut Staging,
    warnings: &mut Vec<String>,
) -> Result<usize> {
    let failed = |e: crate::pdf::PdfError| match e {
        crate::pdf::PdfError::Io(e) => Error::io("writing report.pdf", e),
        other => Error::Failed(format!("writing report.pdf: {other}")),
    };
    let file = staging.create("report.pdf")?;
    let mut report = report::Report::start(file, cov, cover, poam).map_err(failed)?;
    cat.each_evidence(|e| {
        report
            .evidence(&e, not_packaged.get(&e.id).map(String::as_str))
            .map_err(failed)
    })?;
    let done = report.finish().map_err(failed)?;
    if !done.missing_chars.is_empty() {
        let list: Vec<String> = done
            .missing_chars
            .iter()
            .map(|c| format!("{c} (U+{:04X})", *c as u32))
            .collect();
        warnings.push(format!(
            "report.pdf: the embedded font (DejaVu Sans) cannot show {}; they appear as ? in the PDF and exactly in the CSV files",
            list.join(", ")
        ));
    }
    let pages = done.pages;
    staging.close(done.out)?;
    Ok(pages)
}

/// Coverage of a scope at a date, counting evidence as it streams from the catalogue (what
/// `csfkit status` shows).
pub fn coverage(
    cat: &Catalogue,
    scope: &Scope,
    as_of: NaiveDate,
    stale_days: i64,
    no_mapped: bool,
) -> Result<Coverage> {
    let m = crate::view::matrix::build(cat, &scope.provider, &scope.services)?;
    let mut b = CoverageBuilder::new(m, as_of, stale_days).without_mapped(no_mapped);
    cat.each_evidence(|e| {
        b.add(&e);
        Ok(())
    })?;
    Ok(b.finish())
}

/// Digest over the content the package reflects: frameworks and matrix sources, every matrix
/// row (ownership, overrides, statuses), the remediation plans in force (the POA&M) and every
/// evidence item, fed one at a time. Load times are left out; a catalogue without plans has
/// the digest csfkit 0.1 gave it.
struct CatalogueDigest(Sha256);

impl CatalogueDigest {
    fn new(
        frameworks: &[FrameworkRow],
        m: &Matrix,
        plans: &HashMap<String, (crate::model::plan::PlanRow, String)>,
    ) -> Result<Self> {
        let mut h = Sha256::new();
        for f in frameworks {
            h.update(format!("framework\x1f{}\x1f{}\x1f{}\n", f.id, f.version, f.source_sha256).as_bytes());
        }
        h.update(
            format!(
                "provider\x1f{}\x1f{}\x1f{}\n",
                m.provider.id, m.provider.source_sha256, m.provider.cells
            )
            .as_bytes(),
        );
        for r in &m.rows {
            h.update(serde_json::to_vec(&(
                &r.control_id,
                &r.cells,
                &r.effective,
                &r.assessments,
            ))?);
            h.update(b"\n");
        }
        let mut controls: Vec<&String> = plans.keys().collect();
        controls.sort();
        for c in controls {
            h.update(b"plan\x1f");
            h.update(serde_json::to_vec(&plans[c])?);
            h.update(b"\n");
        }
        Ok(CatalogueDigest(h))
    }

    fn add(&mut self, e: &EvidenceItem) -> Result<()> {
        self.0.update(serde_json::to_vec(e)?);
        self.0.update(b"\n");
        Ok(())
    }

    fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// Where an evidence file is copied in the package: `evidence/<evidence id>-<file name>`. The
/// file name is the location's last part, `/` and `\` both separating parts (as on import: a
/// tracker kept on Windows or synced by OneDrive writes `evidence\screenshots\mfa.png`); a
/// control character in it (which `verify` refuses in a package path) becomes `_`.
fn packaged_name(e: &EvidenceItem) -> String {
    let name = e
        .location
        .trim_end_matches(['/', '\\'])
        .rsplit(['/', '\\'])
        .next()
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .unwrap_or("file");
    let name: String = name
        .chars()
        .map(|c| if c.is_control() { '_' } else { c })
        .collect();
    format!("evidence/{}-{}", e.id, name)
}

/// The three OSCAL documents of `input`'s scope, under `prefix` in the package.
fn write_oscal(
    cat: &Catalogue,
    input: &oscal::results::ResultsInput<'_>,
    staging: &mut Staging,
    prefix: &str,
) -> Result<()> {
    let as_of = input.cov.as_of;
    staging.add_bytes(
        &format!("{prefix}{}", oscal::CATALOG),
        &oscal::catalog::catalog(cat, as_of)?,
    )?;
    staging.add_bytes(
        &format!("{prefix}{}", oscal::COMPONENT_DEFINITION),
        &oscal::component::component_definition(cat, &input.cov.matrix, as_of)?,
    )?;
    let mut f = staging.create(&format!("{prefix}{}", oscal::ASSESSMENT_RESULTS))?;
    // JSON is written token by token: buffer before the staged file hashes and writes it.
    let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut f);
    oscal::results::write_assessment_results(cat, input, &mut out)?;
    out.into_inner()
        .map_err(|e| Error::io("writing assessment-results.json", e.into_error()))?;
    staging.close(f)
}

/// Copies one evidence file into the package when it still has the hash recorded at import;
/// returns what `evidence-index.csv` says in its `packaged_as` column.
fn package_file(
    staging: &mut Staging,
    roots: &std::collections::HashMap<i64, String>,
    e: &EvidenceItem,
    warnings: &mut Vec<String>,
) -> Result<String> {
    if e.location_kind != "file" {
        return Ok(String::new());
    }
    let Some(root) = roots.get(&e.batch_id) else {
        return Ok(String::new());
    };
    let root = Path::new(root);
    let src = root.join(e.location.replace('\\', "/"));
    let rel = packaged_name(e);
    let file = match open_evidence_file(root, &e.location) {
        Ok(f) => f,
        Err(err) => {
            warnings.push(format!(
                "evidence {} ({}): file {} cannot be read now ({err}); not included",
                e.id,
                e.control_id,
                src.display()
            ));
            return Ok("missing at export".into());
        }
    };
    // Copied and hashed from the one handle opened above; a copy whose hash is not the one
    // recorded at import is taken out again.
    let recorded = e.file_sha256.as_deref().unwrap_or("-");
    Ok(
        match staging.add_reader(&rel, file, &format!("`{}`", src.display()), Some(recorded))? {
            package::Copied::AsRecorded(_) => rel,
            package::Copied::Differs(sha) => {
                warnings.push(format!(
                    "evidence {} ({}): file {} changed since import (SHA-256 {recorded} recorded, {sha} now); not included",
                    e.id,
                    e.control_id,
                    src.display(),
                ));
                format!("changed since import (now {sha}); not included")
            }
        },
    )
}

/// Opens an evidence file for packaging under the rules of its import, checked again now: the
/// path stays inside the evidence root, no symbolic link sits anywhere in it (one swapped in
/// after the import is caught), and it is a regular file (a FIFO or a device is refused
/// without blocking).
fn open_evidence_file(root: &Path, location: &str) -> std::io::Result<std::fs::File> {
    let refused = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    let root = std::fs::canonicalize(root)
        .map_err(|e| std::io::Error::new(e.kind(), format!("the evidence root: {e}")))?;
    let mut lexical = root.clone();
    for part in location.replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(refused("the path leaves the evidence root".into())),
            p => lexical.push(p),
        }
    }
    let real = std::fs::canonicalize(&lexical)?;
    if real != lexical {
        return Err(refused(format!(
            "a symbolic link is in its path (it leads to `{}`); evidence files must be regular files inside the evidence root",
            real.display()
        )));
    }
    crate::util::fs::open_regular(&lexical, false)
}
