//! `csfkit export`, `csfkit status` and `csfkit verify`: the audit package (PDF report, CSV
//! control matrix, evidence index, gaps, evidence files, hash manifest), the same coverage in the
//! terminal, and the check an assessor runs on a package.

use std::path::PathBuf;

use chrono::NaiveDate;

use clap::builder::{PossibleValue, TypedValueParser};

use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns};
use crate::error::Result;
use crate::export::format::Format;
use crate::export::{self, verify};
use crate::output::{Listing, OutputArgs};
use crate::util::today;
use crate::view::coverage::FunctionSummary;

const EXPORT_HELP: &str = "Examples:
  csfkit export --provider datacrunch --services iaas,model --out audit-2026
  csfkit export --out audit.zip --zip --as-of 2026-12-31 --organization \"Acme GmbH\"
  csfkit export --out pkg --formats csv --bom            CSVs only, with a BOM for Excel
  csfkit export --out pkg --formats xlsx                 the assessor workbook only
  csfkit export --out pkg --include-files --force        evidence files too, re-hashed
  csfkit export --out pkg --formats pdf,csv,oscal        with the OSCAL documents in oscal/

The package: report.pdf, control-matrix.csv, evidence-index.csv, gaps.csv, poam.csv (one row per
gap with its remediation plan), audit-workbook.xlsx (Summary, Matrix, Gaps, Evidence and POA&M
sheets), manifest.json (every file with its SHA-256), with --include-files the evidence files
under evidence/, and with oscal in --formats oscal/catalog.json, oscal/component-definition.json
and oscal/assessment-results.json. The same catalogue and --as-of give byte-identical files.
`csfkit verify PATH` checks a package.
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
    #[arg(long, value_name = "DATE", value_parser = crate::cli::as_of_date)]
    as_of: Option<NaiveDate>,
    /// Evidence collected more than this many days before the as-of date is stale.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = crate::view::coverage::DEFAULT_STALE_DAYS,
        value_parser = crate::cli::stale_days
    )]
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
    /// Which documents to write, comma-separated (oscal adds the OSCAL 1.2.1 catalog, component
    /// definition and assessment results under oscal/).
    #[arg(
        long,
        value_name = "LIST",
        value_delimiter = ',',
        default_value = DEFAULT_FORMATS,
        value_parser = FormatParser
    )]
    formats: Vec<Format>,
    /// Replace a previous csfkit package at --out: only if every file in it has the bytes its
    /// manifest.json lists (none is the catalogue); what changes in it meanwhile is kept as
    /// PATH.previous.
    #[arg(long)]
    force: bool,
    /// Count only evidence keyed by its CSF ID: rows mapped from SP 800-53, ISO/IEC 27001 or CCM
    /// IDs are listed but not counted (for assessors who accept only direct mapping).
    #[arg(long)]
    no_mapped: bool,
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

/// `--formats` when it is not given: [`crate::export::format::DEFAULT`], as the help shows it.
const DEFAULT_FORMATS: &str = "pdf,csv,xlsx";

/// `--formats`: each name of the comma-separated list one of [`Format::ALL`] (any case); the
/// possible values are shown in help and offered by shell completions.
#[derive(Debug, Clone, Copy)]
struct FormatParser;

impl TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<Format, clap::Error> {
        let s = value.to_string_lossy();
        Format::from_name(&s).ok_or_else(|| {
            let arg = arg.map_or_else(|| "--formats".to_string(), ToString::to_string);
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "invalid value '{s}' for '{arg}': `{s}` is not a format; expected {}, comma-separated (e.g. pdf,xlsx)\n",
                    Format::names()
                ),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Format::ALL.iter().map(|f| PossibleValue::new(f.name()))))
    }
}

/// Arguments of `csfkit status`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help_then(
        "Examples:\n  csfkit status --provider datacrunch --services iaas\n  csfkit status --fail-on-gaps        exit 1 when a customer or shared control lacks current evidence\n  csfkit status --format json",
        columns::STATUS,
        "The implementation status counts are of the customer and shared controls; a line per\nfunction, then the total. The shared_ columns count shared cells (a control on one service\nmodel) by the leaning of a projected cell's referenced controls (see `csfkit matrix --help`)."
    )
)]
pub struct StatusArgs {
    #[command(flatten)]
    scope: ScopeArgs,
    /// Judge freshness at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::as_of_date)]
    as_of: Option<NaiveDate>,
    /// Evidence collected more than this many days before is stale.
    #[arg(
        long,
        value_name = "DAYS",
        default_value_t = crate::view::coverage::DEFAULT_STALE_DAYS,
        value_parser = crate::cli::stale_days
    )]
    stale_days: i64,
    /// Exit 1 when any customer or shared control is a gap.
    #[arg(long)]
    fail_on_gaps: bool,
    /// Count only evidence keyed by its CSF ID: leave out rows mapped from SP 800-53, ISO/IEC
    /// 27001 or CCM IDs (for assessors who accept only direct mapping).
    #[arg(long)]
    no_mapped: bool,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit verify`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit verify audit-2026\n  csfkit verify audit.zip\n  csfkit verify audit.zip --manifest-sha256 9f2c...e1   the hash export printed\n\n\
Exit 0 when every file matches manifest.json; 1 naming each missing, extra or altered file, any\n\
link, FIFO or device (never opened), duplicate zip member, file the manifest should list, or\n\
path with a control character; a zip with bytes in front of its first member, between members or\n\
after its end, or with members sharing bytes, is refused before anything is inflated.\n\
--manifest-sha256 HEX also checks manifest.json against the SHA-256 `csfkit export` printed."
)]
pub struct VerifyArgs {
    /// The package folder or zip.
    path: PathBuf,
    /// The SHA-256 of manifest.json that `csfkit export` printed: checks the manifest itself
    /// (as-of date, catalogue digest, history heads, sources), which nothing inside the package
    /// can vouch for.
    #[arg(long, value_name = "HEX", value_parser = crate::cli::sha256_hex)]
    manifest_sha256: Option<String>,
}

/// Runs `csfkit export`.
pub fn export(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let as_of = match args.as_of {
        Some(d) => d,
        None => today()?,
    };
    let cat = ctx.open()?;
    let scope = args.scope.resolve(&cat)?;
    let opts = export::Options {
        out: args.out.clone(),
        zip: args.zip,
        as_of,
        stale_days: args.stale_days,
        organization: args.organization.clone(),
        title: args.title.clone(),
        include_files: args.include_files,
        formats: args.formats.iter().copied().collect(),
        no_mapped: args.no_mapped,
        force: args.force,
        paper: match args.paper {
            PaperArg::A4 => crate::pdf::Paper::A4,
            PaperArg::Letter => crate::pdf::Paper::Letter,
        },
        raw_csv: args.raw_csv,
        bom: args.bom,
        catalogue: ctx.global.db.clone(),
    };
    let done = export::package(&cat, &scope, &opts)?;
    for w in &done.warnings {
        ctx.msg.warn(w);
    }
    ctx.msg.note(format!(
        "wrote {} ({} files{}): {} controls, {} evidence items, {} gaps, as of {as_of}",
        args.out.display(),
        done.files,
        done.pages
            .map(|p| format!(", report.pdf {p} pages"))
            .unwrap_or_default(),
        done.controls,
        done.evidence_items,
        done.gaps
    ));
    ctx.msg.note(format!(
        "manifest.json SHA-256 {}; check the package with `csfkit verify {}`",
        done.manifest_sha256,
        args.out.display()
    ));
    Ok(0)
}

/// Runs `csfkit status`.
pub fn status(ctx: &Ctx, args: &StatusArgs) -> Result<u8> {
    let as_of = match args.as_of {
        Some(d) => d,
        None => today()?,
    };
    let cat = ctx.open()?;
    let scope = args.scope.resolve(&cat)?;
    let cov = crate::view::coverage::of_scope(&cat, &scope, as_of, args.stale_days, args.no_mapped)?;
    let poam = crate::view::poam::rows(&cov, &cat.plans_in_force()?);
    let lines = crate::view::summary::rows(&cov, &poam);
    let total = cov.by_function();
    let total = FunctionSummary::total("total", &total);
    let mut l = Listing::of(columns::STATUS);
    for row in lines {
        l.push(row);
    }
    l.print(&args.out)?;
    let gaps = total.gaps;
    ctx.msg.note(format!(
        "{} ({}), as of {as_of}: {gaps} gap{} among {} customer and shared controls; inherited controls are provider-attested",
        cov.matrix.provider.id,
        crate::model::ownership::join_services(&cov.matrix.services),
        if gaps == 1 { "" } else { "s" },
        total.ownership.customer_carried()
    ));
    if cov.no_mapped {
        ctx.msg.note(format!(
            "coverage without mapped evidence (--no-mapped): {} rows mapped from other frameworks' IDs left out",
            cov.mapped_left_out
        ));
    } else if cov.mapped_items > 0 {
        ctx.msg.note(format!(
            "{} of {} evidence rows were mapped from SP 800-53, ISO/IEC 27001 or CCM IDs; {} controls have current evidence only through them (--no-mapped leaves them out)",
            cov.mapped_items,
            cov.evidence_items,
            total.evidence.current_mapped_only
        ));
    }
    if gaps > 0 {
        let p = crate::view::poam::counts(&poam);
        ctx.msg.note(format!(
            "remediation: {} planned, {} overdue, {} risk accepted, {} without a plan (csfkit plan list)",
            p.planned, p.overdue, p.risk_accepted, p.unplanned
        ));
    }
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
    let v = verify::verify(&args.path, args.manifest_sha256.as_deref())?;
    for n in &v.notes {
        ctx.msg.note(n);
    }
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
            m.map(|m| m.parameters.as_of.as_str())
                .filter(|d| !d.is_empty())
                .unwrap_or("?")
        ));
        crate::output::stdout_line(&format!("OK {}", args.path.display()))?;
        Ok(0)
    } else {
        crate::output::stdout_line(&format!("FAILED {}", args.path.display()))?;
        Ok(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_formats_are_the_enums() {
        let named: Vec<&str> = crate::export::format::DEFAULT.iter().map(|f| f.name()).collect();
        assert_eq!(DEFAULT_FORMATS, named.join(","));
    }
}
