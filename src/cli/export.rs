//! `csfkit export`: the audit package (PDF report, CSV files, workbook, OSCAL documents,
//! evidence files, hash manifest), in the formats `--formats` names.

use std::path::PathBuf;

use chrono::NaiveDate;

use clap::builder::{PossibleValue, TypedValueParser};

use crate::cli::Ctx;
use crate::cli::scope::ScopeArgs;
use crate::error::Result;
use crate::export;
use crate::export::format::Format;

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
under evidence/ (each file once, named by its SHA-256), SHA256SUMS (every file but itself, for
`sha256sum -c`), the history up to --as-of (assessment-history.csv, plan-history.csv,
ownership-history.csv, evidence-batches.csv), with --sign manifest.json.sig, index.html (with html in --formats: the controls, their dossiers
and the package's files with their hashes, searchable in a browser, self-contained), and with oscal in --formats oscal/catalog.json, oscal/component-definition.json
and oscal/assessment-results.json. --as-of D is the catalogue as it stood at the end of D (UTC):
what was recorded after it is left out, evidence collected after it is not yet collected. The
same catalogue, --as-of and SOURCE_DATE_EPOCH (the generation time, seconds since 1970) give
byte-identical files.
`csfkit verify PATH` checks a package.
CSV cells that a spreadsheet would run as a formula are prefixed with ' (not with --raw-csv).";

/// Arguments of `csfkit export`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXPORT_HELP)]
pub(crate) struct ExportArgs {
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
    /// Which documents to write, comma-separated (html is index.html; oscal adds the OSCAL 1.2.1
    /// catalog, component definition and assessment results under oscal/).
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
    /// Sign manifest.json with this OpenSSH ed25519 private key: writes manifest.json.sig, an
    /// SSH signature (namespace csfkit-package) that `ssh-keygen -Y verify` and `csfkit verify
    /// --allowed-signers` check. A key with a passphrase reads it from CSFKIT_SIGN_PASSPHRASE.
    #[arg(long, value_name = "KEY")]
    sign: Option<PathBuf>,
}

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum PaperArg {
    /// 210 × 297 mm.
    A4,
    /// 8.5 × 11 in.
    Letter,
}

/// `--formats` when it is not given: [`crate::export::format::DEFAULT`], as the help shows it.
const DEFAULT_FORMATS: &str = "pdf,csv,xlsx,html";

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

/// Runs `csfkit export`.
pub(super) fn export(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let point = crate::cli::point_in_time(args.as_of)?;
    let generated_at = crate::util::generation_time()?;
    // The key is read before anything is opened or written: a wrong key or passphrase costs
    // nothing.
    let sign = match &args.sign {
        Some(p) => Some(std::sync::Arc::new(export::sign::SigningKey::load(p)?)),
        None => None,
    };
    let as_of = point.date();
    let cat = crate::cli::open_at(ctx, point)?;
    let scope = args.scope.resolve(&cat)?;
    let opts = export::Options {
        out: args.out.clone(),
        zip: args.zip,
        as_of,
        generated_at,
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
        sign,
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
    if let Some(fp) = &done.signed_by {
        ctx.msg.note(format!(
            "manifest.json signed with the ed25519 key {fp} ({}, namespace {}): `ssh-keygen -Y verify -f allowed_signers -I PRINCIPAL -n {} -s manifest.json.sig < manifest.json`",
            export::sign::SIGNATURE,
            export::sign::NAMESPACE,
            export::sign::NAMESPACE
        ));
    }
    Ok(0)
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
