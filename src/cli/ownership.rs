//! `csfkit ownership set|reset|history`: per-control overrides of the matrix, each with a
//! recorded justification, who and when; the history is append-only.

use clap::Subcommand;

use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns, values, whoami};
use crate::error::{Error, Result};
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Ownership, Service};
use crate::output::{Listing, OutputArgs};
use crate::view::matrix;

/// `csfkit ownership ...`
#[derive(Debug, Subcommand)]
pub(crate) enum OwnershipCommand {
    /// Override who owns one control for one service model (a reason is required).
    #[command(
        after_help = "Examples:\n  csfkit ownership set PR.AA-01 --service iaas --owner shared \\\n      \
--reason \"Provider SSO federation manages workforce identities (contract §4.2)\"\n  \
csfkit ownership set GV.SC-07 --service saas --owner customer --reason \"Vendor review is ours\" --by \"A. Auditor\"\n\n\
The override applies to the scope's provider (or --provider). Who (--by, else the OS user) and\n\
when are recorded; the history is append-only (`csfkit ownership history`)."
    )]
    Set(SetArgs),
    /// Withdraw an override: the matrix value is in force again (recorded with a reason).
    #[command(
        after_help = "Examples:\n  csfkit ownership reset PR.AA-01 --service iaas --reason \"Contract amendment withdrawn\""
    )]
    Reset(ResetArgs),
    /// Show every ownership change, oldest first, for one control or all.
    #[command(
        after_help = columns::help(
        "Examples:\n  csfkit ownership history\n  csfkit ownership history PR.AA-01 --format csv",
        columns::OWNERSHIP_HISTORY
    )
    )]
    History(HistoryArgs),
}

/// Arguments of `csfkit ownership set`.
#[derive(Debug, clap::Args)]
pub(crate) struct SetArgs {
    /// The control (CSF 2.0 subcategory).
    pub id: String,
    /// The service model whose cell changes.
    #[arg(long, value_parser = values::service())]
    pub service: Service,
    /// The new owner.
    #[arg(long, value_parser = ["inherited", "shared", "customer"])]
    pub owner: String,
    /// Why (required; shown to the assessor).
    #[arg(long)]
    pub reason: String,
    /// Who decides (default: the OS user).
    #[arg(long)]
    pub by: Option<String>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// Arguments of `csfkit ownership reset`.
#[derive(Debug, clap::Args)]
pub(crate) struct ResetArgs {
    /// The control (CSF 2.0 subcategory).
    pub id: String,
    /// The service model whose override is withdrawn.
    #[arg(long, value_parser = values::service())]
    pub service: Service,
    /// Why (required).
    #[arg(long)]
    pub reason: String,
    /// Who decides (default: the OS user).
    #[arg(long)]
    pub by: Option<String>,
    #[command(flatten)]
    pub scope: ScopeArgs,
}

/// Arguments of `csfkit ownership history`.
#[derive(Debug, clap::Args)]
pub(crate) struct HistoryArgs {
    /// Only this control.
    pub id: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `csfkit ownership ...`.
pub(super) fn run(ctx: &Ctx, cmd: &OwnershipCommand) -> Result<u8> {
    match cmd {
        OwnershipCommand::Set(a) => change(
            ctx,
            &a.id,
            a.service,
            Some(
                a.owner
                    .parse()
                    .map_err(|e: crate::error::ValueError| Error::Usage(e.message))?,
            ),
            &a.reason,
            a.by.as_deref(),
            &a.scope,
        ),
        OwnershipCommand::Reset(a) => {
            change(ctx, &a.id, a.service, None, &a.reason, a.by.as_deref(), &a.scope)
        }
        OwnershipCommand::History(a) => history(ctx, a),
    }
}

fn change(
    ctx: &Ctx,
    id: &str,
    service: Service,
    owner: Option<Ownership>,
    reason: &str,
    by: Option<&str>,
    scope: &ScopeArgs,
) -> Result<u8> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::Usage(
            "--reason must say why the ownership changes; the assessor reads it".into(),
        ));
    }
    let mut cat = ctx.open()?;
    let (control, note) = Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?;
    if let Some(n) = note {
        ctx.msg.warn(n);
    }
    let mut scope = scope.clone();
    // The cell must exist in the provider's matrix: default the services to the one changed.
    scope.services = Some(service.as_str().to_string());
    let resolved = scope.resolve(&cat)?;
    let m = matrix::build(&cat, &resolved.provider, &[service])?;
    let row = m
        .rows
        .iter()
        .find(|r| r.control_id == control)
        .ok_or_else(|| Error::Data(format!("`{control}` is not in the matrix")))?;
    let cell = &row.cells[0];
    let who = whoami(by);
    let (seq, previous) =
        cat.record_override(&resolved.provider.id, &control, service, owner, reason, &who)?;
    match owner {
        Some(o) => ctx.msg.note(format!(
            "{control} / {service} ({}): {previous} -> {o} (change #{seq} by {who})",
            resolved.provider.id
        )),
        None => ctx.msg.note(format!(
            "{control} / {service} ({}): override withdrawn, back to {} (change #{seq} by {who})",
            resolved.provider.id, cell.matrix
        )),
    }
    Ok(0)
}

fn history(ctx: &Ctx, args: &HistoryArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.id {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let rows = cat.override_history(None, control.as_deref())?;
    let mut l = Listing::of(columns::OWNERSHIP_HISTORY);
    for r in rows {
        l.push(r.cells());
    }
    if l.rows.is_empty() {
        ctx.msg.note("no ownership changes recorded");
    }
    l.print(&args.out)?;
    Ok(0)
}
