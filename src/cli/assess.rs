//! `csfkit assess`: record the implementation status of a control (one at a time or from a
//! spreadsheet), and show the append-only history.

use std::path::PathBuf;

use clap::Subcommand;

use crate::catalogue::{Catalogue, NewAssessment};
use crate::cli::{Ctx, columns, values, whoami};
use crate::error::{Error, Result};
use crate::import::assess;
use crate::import::resolve::Resolver;
use crate::model::assessment::Status;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::Service;
use crate::output::{Listing, OutputArgs};

const HELP: &str = "Examples:
  csfkit assess PR.AA-01 --status implemented --note \"SSO with MFA for all staff\"
  csfkit assess PR.DS-11 --status partial --service iaas --note \"Nightly snapshots; restore test pending\"
  csfkit assess DE.CM-02 --status not-applicable --note \"No premises: the provider runs the facilities\"
  csfkit assess history PR.AA-01
  csfkit assess import assessment.xlsx

Statuses: implemented, partial, planned, alternative, not-applicable (the FedRAMP spellings
Implemented, Partially Implemented, Planned, Alternative Implementation and N/A are accepted).
not-applicable needs a --note: it is the Statement of Applicability justification.
Every change is appended with who (--by, else the OS user) and when; nothing is overwritten.";

/// Arguments of `csfkit assess`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, after_help = HELP)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<AssessCommand>,
    /// The control (CSF 2.0 subcategory).
    id: Option<String>,
    /// Implementation status.
    #[arg(long)]
    status: Option<String>,
    /// Note; required for not-applicable (the justification).
    #[arg(long)]
    note: Option<String>,
    /// Who assesses (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Record the status for one service model only.
    #[arg(long, value_parser = values::service())]
    service: Option<Service>,
}

/// `csfkit assess history|import`
#[derive(Debug, Subcommand)]
pub(super) enum AssessCommand {
    /// Show every assessment record, oldest first.
    #[command(
        after_help = columns::help(
        "Examples:\n  csfkit assess history\n  csfkit assess history PR.AA-01 --format csv",
        columns::ASSESS_HISTORY
    )
    )]
    History(HistoryArgs),
    /// Record statuses from a spreadsheet or CSV (columns: control_id, status, note, by).
    #[command(
        after_help = "Examples:\n  csfkit assess import assessment.xlsx\n  csfkit assess import status.csv --dry-run\n\n\
Headers are found by name among the first rows (Control ID / Control / CSF ID / Subcategory ->\n\
control_id; Status / Implementation Status -> status; Note / Notes / Justification / Comments ->\n\
note; By / Assessed By / Assessor -> by; Service / Service Model -> service). Every row is\n\
validated and every problem reported with its row; if any row is invalid nothing is recorded\n\
(exit 65)."
    )]
    Import(ImportArgs),
}

/// Arguments of `csfkit assess history`.
#[derive(Debug, clap::Args)]
pub(super) struct HistoryArgs {
    /// Only this control.
    id: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit assess import`.
#[derive(Debug, clap::Args)]
pub(super) struct ImportArgs {
    /// The spreadsheet or CSV file.
    file: PathBuf,
    /// Sheet to read (default: the first with the columns).
    #[arg(long)]
    sheet: Option<String>,
    /// CSV/TSV only: the field delimiter, `,` `;` `|` or `tab` (default: the one the first
    /// lines use most outside quoted fields).
    #[arg(long, value_name = "CHAR", value_parser = crate::cli::delimiter)]
    delimiter: Option<u8>,
    /// Who assesses, for rows without a `by` (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Read every control ID as this framework's: csf2, csf1.1, sp800-53, iso27001, ccm
    /// (default: by its shape; another framework's ID is recorded for every CSF 2.0
    /// subcategory whose NIST references cite it).
    #[arg(long, value_name = "NAME", value_parser = crate::cli::ref_framework)]
    framework: Option<crate::model::crosswalk::RefFramework>,
    /// Validate and report, record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `csfkit assess`.
pub(super) fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    match &args.command {
        Some(AssessCommand::History(a)) => history(ctx, a),
        Some(AssessCommand::Import(a)) => import(ctx, a),
        None => record(ctx, args),
    }
}

fn system_in_scope(cat: &Catalogue) -> Result<String> {
    Ok(cat.scope()?.map(|s| s.system).unwrap_or_default())
}

fn record(ctx: &Ctx, args: &Args) -> Result<u8> {
    let (Some(id), Some(status)) = (&args.id, &args.status) else {
        return Err(Error::Usage(
            "usage: csfkit assess ID --status STATUS [--note TEXT] (or `csfkit assess history`, `csfkit assess import FILE`)".into(),
        ));
    };
    let status: Status = status
        .parse()
        .map_err(|e: crate::error::ValueError| Error::Usage(e.message))?;
    let note = args.note.clone().unwrap_or_default().trim().to_string();
    if status == Status::NotApplicable && note.is_empty() {
        return Err(Error::Data(
            "not-applicable needs a justification: pass --note \"why this control does not apply\" (it is the Statement of Applicability entry)".into(),
        ));
    }
    let mut cat = ctx.open()?;
    let (control, legacy) = Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?;
    if let Some(n) = legacy {
        ctx.msg.warn(n);
    }
    let by = whoami(args.by.as_deref());
    let system = system_in_scope(&cat)?;
    cat.record_assessments(
        &system,
        "cli",
        &[NewAssessment {
            control_id: control.clone(),
            service: args.service,
            status,
            note,
            by: by.clone(),
        }],
    )?;
    ctx.msg.note(format!(
        "{control}{}: {status} (by {by})",
        args.service.map(|s| format!(" / {s}")).unwrap_or_default()
    ));
    Ok(0)
}

fn history(ctx: &Ctx, args: &HistoryArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.id {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let mut l = Listing::of(columns::ASSESS_HISTORY);
    for r in cat.assessment_history(control.as_deref())? {
        l.push(r.cells());
    }
    if l.rows.is_empty() {
        ctx.msg.note("no assessment recorded");
    }
    l.print(&args.out)?;
    Ok(0)
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let read = assess::read(&args.file, args.sheet.as_deref(), args.delimiter)?;
    let mut cat = ctx.open()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let records = assess::validate(&read, &resolver, args.framework, &whoami(args.by.as_deref()))?;
    ctx.msg
        .note(format!("{}: {} assessment rows valid", read.name, records.len()));
    if args.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    let system = system_in_scope(&cat)?;
    cat.record_assessments(&system, &read.source, &records)?;
    ctx.msg.note(format!("recorded {} assessments", records.len()));
    Ok(0)
}
