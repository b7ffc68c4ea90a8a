//! `csfkit export`, `csfkit status` and `csfkit verify`: the audit package (PDF report, CSV
//! control matrix, evidence index, gaps, evidence files, hash manifest), the same coverage in the
//! terminal, and the check an assessor runs on a package.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use crate::catalogue::{Catalogue, FrameworkRow};
use crate::cli::Ctx;
use crate::cli::scope::{Resolved, ScopeArgs};
use crate::coverage::{Coverage, CoverageBuilder, needs_customer_evidence};
use crate::error::{Error, Result};
use crate::matrix::Matrix;
use crate::model::assessment::Status;
use crate::model::evidence::{EvidenceItem, freshness};
use crate::model::ownership::Service;
use crate::output::{Listing, OutputArgs};
use crate::package::{self, Manifest, Staging, csv_bytes};
use crate::util::hex;
use crate::util::today;

/// Columns of `control-matrix.csv` (stable; documented in README).
pub const MATRIX_COLUMNS: [&str; 23] = [
    "control_id",
    "title",
    "function",
    "category",
    "bare_metal",
    "iaas",
    "paas",
    "saas",
    "model",
    "effective",
    "overridden",
    "override_reason",
    "status",
    "status_note",
    "evidence_count",
    "evidence_current",
    "evidence_state",
    "gap",
    "gap_reasons",
    "basis",
    "provider_responsibility",
    "customer_responsibility",
    "citation",
];

/// Columns of `evidence-index.csv`.
pub const EVIDENCE_COLUMNS: [&str; 21] = [
    "evidence_id",
    "control_id",
    "title",
    "description",
    "evidence_type",
    "owner",
    "collected_on",
    "valid_until",
    "freshness",
    "location",
    "location_kind",
    "file_sha256",
    "file_size",
    "source_system",
    "extras",
    "source_file",
    "source_sha256",
    "source_sheet",
    "source_row",
    "batch",
    "packaged_file",
];

/// Columns of `csfkit status` (all but the first are counts).
const STATUS_COLUMNS: [&str; 14] = [
    "function",
    "controls",
    "inherited",
    "shared",
    "customer",
    "undetermined",
    "evidence_current",
    "evidence_outdated",
    "evidence_none",
    "implemented",
    "not_implemented",
    "not_applicable",
    "not_assessed",
    "gaps",
];

/// Columns of `gaps.csv`.
pub const GAP_COLUMNS: [&str; 7] = [
    "control_id",
    "title",
    "effective",
    "status",
    "evidence_state",
    "evidence_count",
    "reasons",
];

const EXPORT_HELP: &str = "Examples:
  csfkit export --provider datacrunch --services iaas,model --out audit-2026
  csfkit export --out audit.zip --zip --as-of 2026-12-31 --organization \"Acme GmbH\"
  csfkit export --out pkg --formats csv --bom            CSVs only, with a BOM for Excel
  csfkit export --out pkg --include-files --force        evidence files too, re-hashed

The package: report.pdf, control-matrix.csv, evidence-index.csv, gaps.csv, manifest.json (every
file with its SHA-256), and with --include-files the evidence files under evidence/. The same
catalogue and --as-of give byte-identical files. `csfkit verify PATH` checks a package.
CSV cells that a spreadsheet would run as a formula are prefixed with ' (not with --raw-csv).";

/// Arguments of `csfkit export`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXPORT_HELP)]
pub struct ExportArgs {
    /// The package folder (or zip file with --zip) to create.
    #[arg(long, value_name = "PATH")]
    out: PathBuf,
    /// Write one zip file instead of a folder.
    #[arg(long)]
    zip: bool,
    #[command(flatten)]
    scope: ScopeArgs,
    /// Judge evidence freshness at this date, also the package's date (default: today, or
    /// CSFKIT_TODAY).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Evidence collected more than this many days before the as-of date is stale.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    stale_days: i64,
    /// Organisation named on the cover and as the PDF author.
    #[arg(long, value_name = "NAME", default_value = "")]
    organization: String,
    /// Report title (cover and running header).
    #[arg(long, value_name = "TEXT")]
    title: Option<String>,
    /// Copy the evidence files into the package, re-hashed against the import.
    #[arg(long)]
    include_files: bool,
    /// Which documents to write: pdf, csv (comma-separated).
    #[arg(long, value_name = "LIST", default_value = "pdf,csv")]
    formats: String,
    /// Replace an existing --out.
    #[arg(long)]
    force: bool,
    /// Paper size of the PDF.
    #[arg(long, value_enum, default_value_t = PaperArg::A4)]
    paper: PaperArg,
    /// Write CSV cells exactly (no ' before cells starting with = + - @).
    #[arg(long)]
    raw_csv: bool,
    /// Start the CSV files with a UTF-8 BOM (for Excel).
    #[arg(long)]
    bom: bool,
}

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PaperArg {
    /// 210 × 297 mm.
    A4,
    /// 8.5 × 11 in.
    Letter,
}

/// Arguments of `csfkit status`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit status --provider datacrunch --services iaas\n  csfkit status --fail-on-gaps        exit 1 when a customer or shared control lacks current evidence\n  csfkit status --format json\n\n\
Columns: function, controls, inherited, shared, customer, undetermined, evidence_current,\n\
evidence_outdated, evidence_none, implemented, not_implemented, not_applicable, not_assessed\n\
(implementation status of the customer and shared controls), gaps (per function, then a total)."
)]
pub struct StatusArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Judge freshness at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE")]
    as_of: Option<NaiveDate>,
    /// Evidence collected more than this many days before is stale.
    #[arg(long, value_name = "DAYS", default_value_t = 365)]
    stale_days: i64,
    /// Exit 1 when any customer or shared control is a gap.
    #[arg(long)]
    fail_on_gaps: bool,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit verify audit-2026\n  csfkit verify audit.zip\n  csfkit verify audit.zip --manifest-sha256 9f2c...e1   the hash export printed\n\n\
Exit 0 when every file matches manifest.json; 1 naming each missing, extra or altered file, any\n\
link, FIFO or device (never opened), duplicate zip member, or file the manifest should list.\n\
--manifest-sha256 HEX also checks manifest.json against the SHA-256 `csfkit export` printed."
)]
pub struct VerifyArgs {
    /// The package folder or zip.
    path: PathBuf,
    /// The SHA-256 of manifest.json that `csfkit export` printed: checks the manifest itself
    /// (as-of date, catalogue digest, history heads, sources), which nothing inside the package
    /// can vouch for.
    #[arg(long, value_name = "HEX")]
    manifest_sha256: Option<String>,
}

fn check_stale_days(stale_days: i64) -> Result<()> {
    if stale_days < 0 {
        return Err(Error::Usage(format!(
            "--stale-days {stale_days}: expected 0 or more"
        )));
    }
    Ok(())
}

/// Coverage of the scope, counting evidence as it streams from the catalogue.
fn coverage(cat: &Catalogue, scope: &Resolved, as_of: NaiveDate, stale_days: i64) -> Result<Coverage> {
    check_stale_days(stale_days)?;
    let m = crate::matrix::build(cat, &scope.provider, &scope.services)?;
    let mut b = CoverageBuilder::new(m, as_of, stale_days);
    cat.each_evidence(|e| {
        b.add(&e);
        Ok(())
    })?;
    Ok(b.finish())
}

/// Digest over the content the package reflects: frameworks and matrix sources, every matrix
/// row (ownership, overrides, statuses) and every evidence item, fed one at a time. Load
/// times are left out.
struct CatalogueDigest(Sha256);

impl CatalogueDigest {
    fn new(frameworks: &[FrameworkRow], m: &Matrix) -> Result<Self> {
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
    let name = Path::new(&e.location)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    let rel = format!("evidence/{}-{}", e.id, name);
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
            Ok(_) => rel,
            Err(sha) => {
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
fn open_evidence_file(root: &Path, location: &str) -> std::result::Result<std::fs::File, String> {
    let root = std::fs::canonicalize(root).map_err(|e| format!("the evidence root: {e}"))?;
    let mut lexical = root.clone();
    for part in location.replace('\\', "/").split('/') {
        match part {
            "" | "." => {}
            ".." => return Err("the path leaves the evidence root".into()),
            p => lexical.push(p),
        }
    }
    let real = std::fs::canonicalize(&lexical).map_err(|e| e.to_string())?;
    if real != lexical {
        return Err(format!(
            "a symbolic link is in its path (it leads to `{}`); evidence files must be regular files inside the evidence root",
            real.display()
        ));
    }
    crate::util::fs::open_regular(&lexical, false).map_err(|e| e.to_string())
}

fn service_index(s: Service) -> usize {
    Service::ALL.iter().position(|x| *x == s).unwrap_or(0)
}

/// Runs `csfkit export`. A signal during the export stops it with [`Error::Interrupted`]
/// (exit 130) after the staging folder is removed, whatever the write it interrupted said.
pub fn export(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let result = export_package(ctx, args);
    if package::interrupted() {
        return Err(Error::Interrupted);
    }
    result
}

fn export_package(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let mut want_pdf = false;
    let mut want_csv = false;
    for f in args.formats.split(',').map(|s| s.trim().to_ascii_lowercase()) {
        match f.as_str() {
            "pdf" => want_pdf = true,
            "csv" => want_csv = true,
            "" => {}
            other => {
                return Err(Error::Usage(format!(
                    "--formats: `{other}` is not a format; expected pdf, csv or pdf,csv"
                )));
            }
        }
    }
    if !want_pdf && !want_csv {
        return Err(Error::Usage("--formats: name at least one of pdf, csv".into()));
    }
    let as_of = match args.as_of {
        Some(d) => d,
        None => today()?,
    };
    let cat = ctx.open()?;
    // One read transaction for the whole export: the evidence is read three times, and an
    // import committed meanwhile must not show in one pass and not in another (WAL gives the
    // transaction one snapshot). Nothing is written; dropping it ends the read.
    let _snapshot = cat
        .conn()
        .unchecked_transaction()
        .map_err(|e| Error::sqlite("starting a read of the catalogue", e))?;
    let scope = args.scope.resolve(&cat)?;
    check_stale_days(args.stale_days)?;
    let frameworks_loaded = cat.frameworks()?;
    let batches = cat.batches()?;
    let history = cat.chain_heads()?;

    // First pass over the evidence: coverage and the catalogue digest (the cover shows it).
    // Every pass streams from the catalogue, so memory does not grow with the evidence.
    let m = crate::matrix::build(&cat, &scope.provider, &scope.services)?;
    let mut dig = CatalogueDigest::new(&frameworks_loaded, &m)?;
    let mut builder = CoverageBuilder::new(m, as_of, args.stale_days);
    cat.each_evidence(|e| {
        package::check_interrupted()?;
        dig.add(&e)?;
        builder.add(&e);
        Ok(())
    })?;
    let cov = builder.finish();
    let digest = dig.finish();
    let mut staging = Staging::new(&args.out, args.zip, args.force, &ctx.global.db)?;
    Staging::watch_signals();
    let mut warnings = Vec::new();

    // Second pass: evidence files (re-hashed, copied) and the evidence index that names them.
    if want_csv || args.include_files {
        let roots: std::collections::HashMap<i64, String> =
            batches.iter().map(|b| (b.id, b.evidence_root.clone())).collect();
        let mut index = if want_csv {
            let f = staging.create("evidence-index.csv")?;
            Some(package::CsvOut::new(
                f,
                &EVIDENCE_COLUMNS,
                args.raw_csv,
                args.bom,
            )?)
        } else {
            None
        };
        cat.each_evidence(|e| {
            package::check_interrupted()?;
            let packaged = if args.include_files {
                package_file(&mut staging, &roots, &e, &mut warnings)?
            } else {
                String::new()
            };
            if let Some(index) = index.as_mut() {
                index.row(&evidence_row(&cov, &e, packaged))?;
            }
            Ok(())
        })?;
        if let Some(index) = index {
            staging.close(index.finish()?)?;
        }
    }

    let title = args.title.clone().unwrap_or_else(|| {
        format!(
            "NIST CSF 2.0 audit package — {}{}",
            scope.system.clone().map(|s| format!("{s}, ")).unwrap_or_default(),
            cov.matrix.provider.name
        )
    });
    let frameworks: Vec<String> = frameworks_loaded
        .iter()
        .filter(|f| f.id == crate::embedded::DEFAULT_FRAMEWORK)
        .map(|f| {
            format!(
                "{} {} ({}, SHA-256 {})",
                f.name,
                f.version,
                f.source,
                f.source_sha256.get(..16).unwrap_or(&f.source_sha256)
            )
        })
        .collect();

    if want_csv {
        staging.add_bytes("control-matrix.csv", &matrix_csv(&cov, args.raw_csv, args.bom)?)?;
        staging.add_bytes("gaps.csv", &gaps_csv(&cov, args.raw_csv, args.bom)?)?;
    }
    let mut pages = 0;
    if want_pdf {
        let cover = crate::report::Cover {
            title: title.clone(),
            organization: args.organization.clone(),
            system: scope.system.clone().unwrap_or_default(),
            version: env!("CARGO_PKG_VERSION").into(),
            frameworks,
            digest: digest.clone(),
            paper: match args.paper {
                PaperArg::A4 => crate::pdf::Paper::A4,
                PaperArg::Letter => crate::pdf::Paper::Letter,
            },
        };
        // Third pass: the report, its appendix fed row by row.
        let failed = |e: String| Error::Failed(format!("writing report.pdf: {e}"));
        let file = staging.create("report.pdf")?;
        let mut report = crate::report::Report::start(file, &cov, &cover).map_err(failed)?;
        cat.each_evidence(|e| report.evidence(&e).map_err(failed))?;
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
        pages = done.pages;
        staging.close(done.out)?;
    }

    let formats: Vec<&str> = [want_pdf.then_some("pdf"), want_csv.then_some("csv")]
        .into_iter()
        .flatten()
        .collect();
    let manifest = Manifest {
        format: "csfkit-audit-package".into(),
        format_version: 1,
        csfkit_version: env!("CARGO_PKG_VERSION").into(),
        parameters: serde_json::json!({
            "as_of": as_of.to_string(),
            "stale_days": args.stale_days,
            "provider": cov.matrix.provider.id,
            "services": cov.matrix.services.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            "system": scope.system,
            "organization": args.organization,
            "title": title,
            "formats": formats,
            "include_files": args.include_files,
            "paper": match args.paper { PaperArg::A4 => "a4", PaperArg::Letter => "letter" },
            "raw_csv": args.raw_csv,
            "bom": args.bom,
            "zip": args.zip,
        }),
        catalogue_digest: digest,
        sources: serde_json::json!({
            "frameworks": frameworks_loaded.iter().map(|f| serde_json::json!({
                "id": f.id, "version": f.version, "source": f.source, "sha256": f.source_sha256
            })).collect::<Vec<_>>(),
            "matrix": {
                "provider": cov.matrix.provider.id,
                "source": cov.matrix.provider.source,
                "sha256": cov.matrix.provider.source_sha256,
            },
            "evidence_batches": batches.iter().map(|b| serde_json::json!({
                "batch": b.id, "file": b.source_file, "sha256": b.source_sha256, "imported_at": b.imported_at
            })).collect::<Vec<_>>(),
        }),
        history: serde_json::Value::Object(
            history
                .iter()
                .map(|(log, records, head)| {
                    (
                        log.as_str().to_string(),
                        serde_json::json!({ "records": records, "head": head }),
                    )
                })
                .collect(),
        ),
        warnings: warnings.clone(),
        files: staging.files(),
    };
    let manifest_sha = hex(&Sha256::digest(
        [
            serde_json::to_vec_pretty(&manifest)
                .unwrap_or_default()
                .as_slice(),
            b"\n",
        ]
        .concat(),
    ));
    let files = manifest.files.len() + 1;
    staging.finish(&manifest, as_of)?;
    for w in &warnings {
        ctx.msg.warn(w);
    }
    let gaps = cov.gaps().count();
    ctx.msg.note(format!(
        "wrote {} ({} files{}): {} controls, {} evidence items, {gaps} gaps, as of {as_of}",
        args.out.display(),
        files,
        if want_pdf {
            format!(", report.pdf {pages} pages")
        } else {
            String::new()
        },
        cov.matrix.rows.len(),
        cov.evidence_items
    ));
    ctx.msg.note(format!(
        "manifest.json SHA-256 {manifest_sha}; check the package with `csfkit verify {}`",
        args.out.display()
    ));
    Ok(0)
}

fn matrix_csv(cov: &Coverage, raw: bool, bom: bool) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = cov
        .matrix
        .rows
        .iter()
        .zip(&cov.controls)
        .map(|(r, c)| {
            let mut per = vec![String::new(); 5];
            for cell in &r.cells {
                per[service_index(cell.service)] = cell.ownership.to_string();
            }
            let overrides: Vec<&crate::catalogue::OverrideRow> =
                r.cells.iter().filter_map(|c| c.r#override.as_ref()).collect();
            let mut row = vec![
                r.control_id.clone(),
                r.title.clone(),
                r.function.clone(),
                r.category.clone(),
            ];
            row.extend(per);
            row.extend([
                r.effective.to_string(),
                overrides
                    .iter()
                    .map(|o| o.service.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                overrides
                    .iter()
                    .map(|o| format!("[{}] {} (by {}, {})", o.service, o.reason, o.by, o.at))
                    .collect::<Vec<_>>()
                    .join(" | "),
                r.status(),
                r.status_note(),
                c.evidence.to_string(),
                c.current.to_string(),
                if needs_customer_evidence(r) || c.evidence > 0 {
                    c.state.as_str().to_string()
                } else {
                    "provider-attested".into()
                },
                if c.gaps.is_empty() { "no" } else { "yes" }.to_string(),
                c.gaps.join("; "),
                r.joined(|x| &x.basis),
                r.joined(|x| &x.provider_responsibility),
                r.joined(|x| &x.customer_responsibility),
                r.joined(|x| &x.citation),
            ]);
            row
        })
        .collect();
    csv_bytes(&MATRIX_COLUMNS, &rows, raw, bom)
}

/// One row of `evidence-index.csv`.
fn evidence_row(cov: &Coverage, e: &EvidenceItem, packaged: String) -> Vec<String> {
    vec![
        e.id.to_string(),
        e.control_id.clone(),
        e.title.clone(),
        e.description.clone(),
        e.evidence_type.clone(),
        e.owner.clone(),
        e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
        e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
        freshness(e, cov.as_of, cov.stale_days).as_str().to_string(),
        e.location.clone(),
        e.location_kind.clone(),
        e.file_sha256.clone().unwrap_or_default(),
        e.file_size.map(|s| s.to_string()).unwrap_or_default(),
        e.source_system.clone(),
        e.extras.clone(),
        e.source_file.clone(),
        e.source_sha256.clone(),
        e.source_sheet.clone(),
        e.source_row.to_string(),
        e.batch_id.to_string(),
        packaged,
    ]
}

fn gaps_csv(cov: &Coverage, raw: bool, bom: bool) -> Result<Vec<u8>> {
    let rows: Vec<Vec<String>> = cov
        .gaps()
        .map(|(r, c)| {
            vec![
                r.control_id.clone(),
                r.title.clone(),
                r.effective.to_string(),
                r.status(),
                c.state.as_str().to_string(),
                c.evidence.to_string(),
                c.gaps.join("; "),
            ]
        })
        .collect();
    csv_bytes(&GAP_COLUMNS, &rows, raw, bom)
}

/// Runs `csfkit status`.
pub fn status(ctx: &Ctx, args: &StatusArgs) -> Result<u8> {
    let as_of = match args.as_of {
        Some(d) => d,
        None => today()?,
    };
    let cat = ctx.open()?;
    let scope = args.scope.resolve(&cat)?;
    let cov = coverage(&cat, &scope, as_of, args.stale_days)?;
    let mut l = Listing::new(&STATUS_COLUMNS).numeric(&STATUS_COLUMNS[1..]);
    let own = cov.by_function();
    let ev = cov.evidence_by_function();
    let mut total = [0usize; 13];
    for ((f, o), (_, e)) in own.iter().zip(&ev) {
        let gaps = cov.gaps().filter(|(r, _)| &r.function == f).count();
        // Implementation status of the controls the customer must carry (inherited ones are
        // provider-attested and not counted here).
        let mut st = [0usize; 4];
        for r in cov
            .matrix
            .rows
            .iter()
            .filter(|r| &r.function == f && needs_customer_evidence(r))
        {
            let statuses: Vec<Status> = r
                .assessments
                .iter()
                .filter_map(|a| a.status.parse().ok())
                .collect();
            let k = if statuses.is_empty() {
                3
            } else if statuses.iter().all(|s| *s == Status::NotApplicable) {
                2
            } else if statuses.iter().all(|s| s.is_done()) {
                0
            } else {
                1
            };
            st[k] += 1;
        }
        let vals = [
            o.iter().sum(),
            o[0],
            o[1],
            o[2],
            o[3],
            e[0],
            e[1],
            e[2],
            st[0],
            st[1],
            st[2],
            st[3],
            gaps,
        ];
        for (t, v) in total.iter_mut().zip(vals) {
            *t += v;
        }
        let mut row = vec![f.clone()];
        row.extend(vals.iter().map(|v| v.to_string()));
        l.push(row);
    }
    let mut row = vec!["total".to_string()];
    row.extend(total.iter().map(|v| v.to_string()));
    l.push(row);
    l.print(&args.out)?;
    let gaps = total[12];
    ctx.msg.note(format!(
        "{} ({}), as of {as_of}: {gaps} gap{} among {} customer and shared controls; inherited controls are provider-attested",
        cov.matrix.provider.id,
        crate::model::ownership::join_services(&cov.matrix.services),
        if gaps == 1 { "" } else { "s" },
        total[2] + total[3] + total[4]
    ));
    if args.fail_on_gaps && gaps > 0 {
        for (r, c) in cov.gaps().take(20) {
            ctx.msg.warn(format!(
                "gap: {} ({}): {}",
                r.control_id,
                r.effective,
                c.gaps.join("; ")
            ));
        }
        if gaps > 20 {
            ctx.msg.warn(format!(
                "... and {} more gaps (csfkit export writes gaps.csv)",
                gaps - 20
            ));
        }
        return Ok(1);
    }
    Ok(0)
}

/// Runs `csfkit verify`.
pub fn verify(ctx: &Ctx, args: &VerifyArgs) -> Result<u8> {
    if let Some(h) = &args.manifest_sha256 {
        if h.trim().len() != 64 || !h.trim().bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::Usage(format!(
                "--manifest-sha256 `{h}`: expected 64 hexadecimal digits (the SHA-256 `csfkit export` printed)"
            )));
        }
    }
    let v = package::verify(&args.path, args.manifest_sha256.as_deref())?;
    for p in &v.missing {
        ctx.msg.error(format!(
            "missing: {p} (listed in manifest.json, not in the package)"
        ));
    }
    for p in &v.extra {
        ctx.msg
            .error(format!("extra: {p} (in the package, not in manifest.json)"));
    }
    for (p, want, got) in &v.altered {
        ctx.msg
            .error(format!("altered: {p} (SHA-256 {want} expected, {got} found)"));
    }
    for p in &v.problems {
        ctx.msg.error(p);
    }
    if v.passed() {
        let m = v.manifest.as_ref();
        ctx.msg.note(format!(
            "{}: all {} files match manifest.json{} (csfkit {}, as of {})",
            args.path.display(),
            v.ok,
            if args.manifest_sha256.is_some() {
                ", and manifest.json is the one the export printed"
            } else {
                ""
            },
            m.map(|m| m.csfkit_version.as_str()).unwrap_or("?"),
            m.and_then(|m| m.parameters.get("as_of"))
                .and_then(|d| d.as_str())
                .unwrap_or("?")
        ));
        crate::output::stdout_line(&format!("OK {}", args.path.display()))?;
        Ok(0)
    } else {
        crate::output::stdout_line(&format!("FAILED {}", args.path.display()))?;
        Ok(1)
    }
}
