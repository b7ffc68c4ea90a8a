//! `csfkit plan`: record how and when a gap will be closed (one control at a time or from a
//! spreadsheet), and list the plans. Plans are append-only; the newest record per control is
//! the plan in force, and the POA&M of an export is made from it.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Subcommand;

use crate::catalogue::Catalogue;
use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns, whoami};
use crate::error::{Error, Result};
use crate::import::plan;
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::plan::{Milestone, NewPlan, PlanRow, PlanStatus};
use crate::model::review::Risk;
use crate::output::{Listing, OutputArgs};
use crate::util::today;

const HELP: &str = "Examples:
  csfkit plan PR.AA-01 --due 2027-03-31 --owner \"J. Doe\" --action \"Enforce MFA for all admin accounts\"
  csfkit plan PR.AA-01 --due 2027-03-31 --owner \"J. Doe\" --action \"Enforce MFA\" \\
      --milestone \"2027-01-15: MFA for admins\" --milestone \"2027-03-01: MFA for all staff\"
  csfkit plan PR.AA-01 --status closed --note \"MFA enforced since 2027-02-20 (ticket SEC-114)\"
  csfkit plan DE.CM-09 --status risk-accepted --note \"Accepted by the CISO until 2027-12-31\"
  csfkit plan PR.AA-01 --risk moderate
  csfkit plan list --overdue
  csfkit plan import poam.xlsx

A plan says how and when a gap will be closed: due date, owner, action, milestones. Every
record is appended with who (--by, else the OS user) and when; the newest per control is the
plan in force. A later record for the same control keeps what it does not change (--status
closed keeps the due date, owner, action and milestones; --owner alone keeps the status and its
note too). closed and risk-accepted need a --note. --risk rates the weakness (low, moderate,
high): the first rating is the POA&M's Original Risk Rating, a later different one its Adjusted
Risk Rating. A plan for a control that is not a gap now is recorded with a warning; the POA&M shows
it once the control is one. Exports list every gap in poam.csv and the workbook's POA&M sheet.";

/// Arguments of `csfkit plan`.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true, after_help = HELP)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Option<PlanCommand>,
    /// The control (CSF 2.0 subcategory).
    id: Option<String>,
    /// Scheduled completion date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::date)]
    due: Option<NaiveDate>,
    /// Who answers for the plan (point of contact).
    #[arg(long, value_name = "NAME")]
    owner: Option<String>,
    /// What will be done.
    #[arg(long, value_name = "TEXT")]
    action: Option<String>,
    /// A milestone, "YYYY-MM-DD: what is done by then" (repeat for several).
    #[arg(long = "milestone", value_name = "DATE: TEXT")]
    milestones: Vec<String>,
    /// open (default for a new plan), closed or risk-accepted.
    #[arg(long, value_name = "STATUS")]
    status: Option<String>,
    /// Why it was closed or the risk accepted (required then), or a comment.
    #[arg(long, value_name = "TEXT")]
    note: Option<String>,
    /// The weakness's risk: low, moderate or high (the POA&M's Original Risk Rating the first
    /// time, its Adjusted Risk Rating when changed later).
    #[arg(long, value_name = "RISK", value_parser = risk)]
    risk: Option<Risk>,
    /// Who records it (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    scope: ScopeArgs,
}

/// `csfkit plan list|import`
#[derive(Debug, Subcommand)]
pub(super) enum PlanCommand {
    /// List the plan in force per control (--all: every record, oldest first).
    #[command(after_help = columns::help(
        "Examples:\n  csfkit plan list\n  csfkit plan list --overdue --format csv\n  csfkit plan list --all PR.AA-01",
        columns::PLAN_LIST
    ))]
    List(ListArgs),
    /// Record plans from a spreadsheet or CSV (a FedRAMP-style POA&M, or csfkit's poam.csv).
    #[command(
        after_help = "Examples:\n  csfkit plan import plans.xlsx\n  csfkit plan import audit-2026/poam.csv --dry-run\n\n\
Headers are found by name among the first rows: Control ID / Controls -> control; Due / Scheduled\n\
Completion Date -> due; Owner / Point of Contact -> owner; Action / Overall Remediation Plan ->\n\
action; Milestones / Planned Milestones (one per line or separated by ;, each YYYY-MM-DD: text);\n\
Status (open, closed, risk-accepted; FedRAMP's Ongoing, Completed, Risk Accepted); Note /\n\
Comments; By. Rows with no due date, owner, action or milestones (an unplanned gap in an\n\
exported POA&M) are skipped. Every other row is validated and every problem reported with its\n\
row and column; if any row is invalid nothing is recorded (exit 65)."
    )]
    Import(ImportArgs),
}

/// Arguments of `csfkit plan list`.
#[derive(Debug, clap::Args)]
pub(super) struct ListArgs {
    /// Only this control.
    id: Option<String>,
    /// Only open plans past their due date.
    #[arg(long)]
    overdue: bool,
    /// Every record, oldest first, not only the plan in force.
    #[arg(long)]
    all: bool,
    /// Judge overdue at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::as_of_date)]
    as_of: Option<NaiveDate>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit plan import`.
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
    /// Who records, for rows without a `by` (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Read every control ID as this framework's: csf2, csf1.1, sp800-53, iso27001, ccm
    /// (default: by its shape; another framework's ID gets the plan on every CSF 2.0
    /// subcategory whose NIST references cite it).
    #[arg(long, value_name = "NAME", value_parser = crate::cli::ref_framework)]
    framework: Option<crate::model::crosswalk::RefFramework>,
    /// How due dates written as text are read, in chrono syntax (e.g. %d/%m/%Y); date cells
    /// and YYYY-MM-DD are always read.
    #[arg(long, value_name = "FMT")]
    date_format: Option<String>,
    /// Validate and report, record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Runs `csfkit plan`.
pub(super) fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    match &args.command {
        Some(PlanCommand::List(a)) => list(ctx, a),
        Some(PlanCommand::Import(a)) => import(ctx, a),
        None => record(ctx, args),
    }
}

/// `--risk`: low, moderate or high.
fn risk(s: &str) -> std::result::Result<Risk, String> {
    Risk::parse(s).ok_or_else(|| format!("`{s}` is not a risk rating; expected low, moderate or high"))
}

fn system_in_scope(cat: &Catalogue) -> Result<String> {
    Ok(cat.scope()?.map(|s| s.system).unwrap_or_default())
}

/// Builds the record from the options, keeping what the plan in force has for what is not
/// given.
fn new_plan(args: &Args, control: &str, previous: Option<&PlanRow>, by: String) -> Result<NewPlan> {
    // The status and its note carry over unless --status changes it: an update of the owner
    // never reopens a risk acceptance or drops its justification.
    let (status, carried_note) = match (&args.status, previous) {
        (Some(s), p) => {
            let status = s
                .parse::<PlanStatus>()
                .map_err(|e: crate::error::ValueError| Error::Usage(e.message))?;
            (status, p.filter(|p| p.status == status).map(|p| p.note.clone()))
        }
        (None, Some(p)) => (p.status, Some(p.note.clone())),
        (None, None) => (PlanStatus::Open, None),
    };
    let mut milestones = args
        .milestones
        .iter()
        .map(|m| m.parse::<Milestone>())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Usage(format!("--milestone: {}", e.message)))?;
    if milestones.is_empty() {
        milestones = previous.map(|p| p.milestones.clone()).unwrap_or_default();
    }
    milestones.sort_by_key(|m| m.date);
    let given = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let missing = |what: &str| {
        Error::Usage(format!(
            "{control} has no plan yet: pass {what} (usage: csfkit plan ID --due DATE --owner NAME --action TEXT)"
        ))
    };
    let due = match (args.due, previous) {
        (Some(d), _) if !crate::model::plan::in_date_range(d) => {
            return Err(Error::Usage(format!(
                "--due {d}: expected a date from 1900 to 9999 (a POA&M goes to spreadsheets)"
            )));
        }
        (Some(d), _) => d,
        (None, Some(p)) => p.due,
        (None, None) => return Err(missing("--due DATE")),
    };
    let owner = match (given(&args.owner), previous) {
        (Some(o), _) => o,
        (None, Some(p)) => p.owner.clone(),
        (None, None) => return Err(missing("--owner NAME")),
    };
    let action = match (given(&args.action), previous) {
        (Some(a), _) => a,
        (None, Some(p)) => p.action.clone(),
        (None, None) => return Err(missing("--action TEXT")),
    };
    let note = given(&args.note).or(carried_note).unwrap_or_default();
    if status != PlanStatus::Open && note.is_empty() {
        return Err(Error::Data(format!(
            "a {status} plan needs a justification: pass --note \"why\" (the assessor reads it in the POA&M)"
        )));
    }
    // The risk first rated stays the original; a later --risk is the adjusted rating.
    let risk = args.risk.or(previous.and_then(|p| p.risk));
    let original_risk = previous.and_then(|p| p.original_risk.or(p.risk));
    Ok(NewPlan {
        control_id: control.to_string(),
        due,
        owner,
        action,
        milestones,
        status,
        note,
        risk,
        original_risk,
        fedramp: previous.map(|p| p.fedramp.clone()).unwrap_or_default(),
        by,
    })
}

fn record(ctx: &Ctx, args: &Args) -> Result<u8> {
    let Some(id) = &args.id else {
        return Err(Error::Usage(
            "usage: csfkit plan ID --due DATE --owner NAME --action TEXT (or `csfkit plan list`, `csfkit plan import FILE`)".into(),
        ));
    };
    let mut cat = ctx.open()?;
    let (control, legacy) = Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?;
    if let Some(n) = legacy {
        ctx.msg.warn(n);
    }
    let previous = cat.plan_history(Some(&control))?.pop();
    let by = whoami(args.by.as_deref());
    let plan = new_plan(args, &control, previous.as_ref(), by.clone())?;
    warn_unless_gaps(ctx, &cat, &args.scope, std::slice::from_ref(&plan))?;
    let system = system_in_scope(&cat)?;
    cat.record_plans(&system, "cli", std::slice::from_ref(&plan))?;
    ctx.msg.note(format!(
        "{control}: plan {} due {} (owner {}; by {by})",
        plan.status, plan.due, plan.owner
    ));
    Ok(0)
}

/// Warns for each open plan whose control is not a gap of the scope now (the plan is kept;
/// the POA&M shows it once the control is one). Without a scope nothing can be judged.
fn warn_unless_gaps(ctx: &Ctx, cat: &Catalogue, scope: &ScopeArgs, plans: &[NewPlan]) -> Result<()> {
    if scope.provider.is_none() && cat.scope()?.is_none() {
        return Ok(());
    }
    let scope = scope.resolve(cat)?;
    let cov = crate::view::coverage::of_scope(
        cat,
        &scope,
        today()?,
        crate::view::coverage::DEFAULT_STALE_DAYS,
        false,
    )?;
    let gaps: std::collections::HashSet<&str> = cov.gaps().map(|(r, _)| r.control_id.as_str()).collect();
    let not: Vec<&str> = plans
        .iter()
        .filter(|p| p.status == PlanStatus::Open && !gaps.contains(p.control_id.as_str()))
        .map(|p| p.control_id.as_str())
        .collect();
    if !not.is_empty() {
        let shown: Vec<&str> = not.iter().take(10).copied().collect();
        ctx.msg.warn(format!(
            "{}{} {} not a gap of {} ({}) today; the plan is recorded and shows in the POA&M once {} one",
            shown.join(", "),
            if not.len() > shown.len() {
                format!(" and {} more", not.len() - shown.len())
            } else {
                String::new()
            },
            if not.len() == 1 { "is" } else { "are" },
            scope.provider.id,
            crate::model::ownership::join_services(&scope.services),
            if not.len() == 1 { "it is" } else { "each is" }
        ));
    }
    Ok(())
}

fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let point = crate::cli::point_in_time(args.as_of)?;
    let as_of = point.date();
    let cat = crate::cli::open_at(ctx, point)?;
    let control = match &args.id {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let mut rows = cat.plan_history(control.as_deref())?;
    // The record in force per control: with --all, older records are `superseded`, never
    // overdue.
    let in_force: std::collections::HashMap<String, i64> =
        rows.iter().map(|r| (r.control_id.clone(), r.seq)).collect();
    let current = |r: &PlanRow| in_force.get(&r.control_id) == Some(&r.seq);
    if !args.all {
        // The plan in force: the newest record per control, listed in control order.
        let mut newest: std::collections::BTreeMap<String, PlanRow> = Default::default();
        for r in rows {
            newest.insert(r.control_id.clone(), r);
        }
        rows = newest.into_values().collect();
    }
    let mut l = Listing::of(columns::PLAN_LIST);
    for r in rows
        .into_iter()
        .filter(|r| !args.overdue || (current(r) && r.overdue(as_of)))
    {
        let state = r.state(current(&r), as_of);
        l.push(vec![
            r.seq.to_string(),
            r.control_id.clone(),
            r.status.to_string(),
            state.to_string(),
            r.due.to_string(),
            r.owner.clone(),
            r.action.clone(),
            r.milestones_text(),
            r.note.clone(),
            r.system.clone(),
            r.by.clone(),
            r.at.clone(),
            r.source.clone(),
            r.risk.map(|k| k.as_str().to_string()).unwrap_or_default(),
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note(if args.overdue {
            format!("no plan is overdue as of {as_of}")
        } else {
            "no plan recorded (csfkit plan ID --due DATE --owner NAME --action TEXT)".to_string()
        });
    }
    l.print(&args.out)?;
    Ok(0)
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let read = plan::read(&args.file, args.sheet.as_deref(), args.delimiter)?;
    let mut cat = ctx.open()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let found = plan::validate(
        &read,
        &resolver,
        args.framework,
        args.date_format.as_deref(),
        &whoami(args.by.as_deref()),
    )?;
    ctx.msg.note(format!(
        "{}: {} plan rows valid{}",
        read.name,
        found.plans.len(),
        if found.skipped > 0 {
            format!(
                ", {} rows without a plan skipped (no due date, owner, action or milestones)",
                found.skipped
            )
        } else {
            String::new()
        }
    ));
    warn_unless_gaps(ctx, &cat, &ScopeArgs::default(), &found.plans)?;
    if args.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    let system = system_in_scope(&cat)?;
    cat.record_plans(&system, &read.source, &found.plans)?;
    ctx.msg.note(format!("recorded {} plans", found.plans.len()));
    Ok(0)
}
