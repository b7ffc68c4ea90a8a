//! `csfkit oscal export`: the catalogue, its profile, the scope's responsibility matrix, system
//! security plan, assessment plan, assessment results and POA&M as OSCAL 1.2.1 JSON documents
//! in a folder of their own.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::cli::Ctx;
use crate::cli::scope::ScopeArgs;
use crate::error::Result;
use crate::export;

const EXPORT_HELP: &str = "Examples:
  csfkit oscal export --out oscal --provider datacrunch --services iaas,model --as-of 2026-12-31
  csfkit oscal export --out oscal --force              replace the folder an earlier run wrote
  csfkit oscal export --out acme --provider acme       a provider's whole matrix, every model
  csfkit oscal export --out direct --no-mapped         findings on directly keyed evidence only

Writes, as OSCAL 1.2.1 JSON (NIST's schemas), a chain whose every link resolves:
  catalog.json               NIST CSF 2.0: functions and categories as groups, subcategories as
                             controls (id gv.oc-01, label GV.OC-01), statements, implementation
                             examples, informative references
  profile.json               the CSF 2.0 selection of catalog.json
  component-definition.json  one component per service model in scope: each subcategory's
                             ownership (csfkit's and FedRAMP's control-origination), basis,
                             citation, provider and customer responsibility, overrides in force;
                             prepared by the organisation, the provider named on stated cells
  system-security-plan.json  the scope as a system importing profile.json: the provider's
                             services as leveraged components, each subcategory by component
                             (inherited, the customer's part, the status recorded)
  assessment-plan.json       importing the SSP: reviewed controls, subjects, parties, csfkit as
                             the tool, the methods, the period
  assessment-results.json    importing the plan: an observation per evidence item (link,
                             SHA-256), a finding per gap (with its risk) and per assessed
                             control, who determined each (self-assessment, assessor, csfkit)
  plan-of-action-and-milestones.json
                             a POA&M item per gap, linked to its finding and risk, the plan's
                             milestones as tasks
  manifest.json              every file with its SHA-256 (`csfkit verify FOLDER` checks them)
The same catalogue and --as-of give the same bytes: UUIDs are derived from the content and every
timestamp is the as-of date. `csfkit export --formats pdf,csv,oscal` puts the same documents in
a package's oscal/ folder; `csfkit mapping import FILE --layout oscal-component` reads a
component definition back.";

/// `csfkit oscal ...`
#[derive(Debug, Subcommand)]
pub(crate) enum OscalCommand {
    /// Write the catalog, component definition and assessment results as OSCAL 1.2.1 JSON.
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
}

/// Arguments of `csfkit oscal export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The folder to create.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    scope: ScopeArgs,
    /// The date of the documents; evidence freshness is judged at it (default: today, or
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
    /// Replace a folder an earlier csfkit export wrote at --out.
    #[arg(long)]
    force: bool,
    /// Judge the controls on evidence keyed by its CSF ID only: observations of rows mapped from
    /// SP 800-53, ISO/IEC 27001 or CCM IDs are still written (with `mapped-from`), but no finding
    /// counts them.
    #[arg(long)]
    no_mapped: bool,
}

/// Runs `csfkit oscal ...`.
pub(super) fn run(ctx: &Ctx, cmd: &OscalCommand) -> Result<u8> {
    match cmd {
        OscalCommand::Export(a) => export(ctx, a),
    }
}

fn export(ctx: &Ctx, args: &ExportArgs) -> Result<u8> {
    let point = crate::cli::point_in_time(args.as_of)?;
    let generated_at = crate::util::generation_time()?;
    let as_of = point.date();
    let cat = crate::cli::open_at(ctx, point)?;
    let scope = args.scope.resolve(&cat)?;
    let opts = export::OscalOptions {
        out: args.out.clone(),
        as_of,
        generated_at,
        stale_days: args.stale_days,
        force: args.force,
        no_mapped: args.no_mapped,
        catalogue: ctx.global.db.clone(),
    };
    let done = export::oscal_export(&cat, &scope, &opts)?;
    ctx.msg.note(format!(
        "wrote {} ({} files: {}, manifest.json): {} controls, {} evidence items, {} gaps, as of {as_of}",
        args.out.display(),
        done.files,
        export::format::oscal_files("", env!("CARGO_PKG_VERSION")).join(", "),
        done.controls,
        done.evidence_items,
        done.gaps
    ));
    ctx.msg.note(format!(
        "manifest.json SHA-256 {}; check the folder with `csfkit verify {}`",
        done.manifest_sha256,
        args.out.display()
    ));
    Ok(0)
}
