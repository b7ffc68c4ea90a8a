//! `csfkit status`: the evidence coverage of the scope in the terminal, per function, with the
//! gaps counted by their remediation plans; `--fail-on-gaps` for pipelines.

use chrono::NaiveDate;

use crate::cli::scope::ScopeArgs;
use crate::cli::{Ctx, columns};
use crate::error::Result;
use crate::output::{Listing, OutputArgs};
use crate::view::coverage::FunctionSummary;

/// Arguments of `csfkit status`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help_then(
        "Examples:\n  csfkit status --provider datacrunch --services iaas\n  csfkit status --fail-on-gaps        exit 1 when a customer or shared control lacks current evidence\n  csfkit status --format json",
        columns::STATUS,
        "The implementation status counts are of the customer and shared controls; a line per\nfunction, then the total. The shared_ columns count shared cells (a control on one service\nmodel) by the leaning of a projected cell's referenced controls (see `csfkit matrix --help`).\nevidence_current counts controls with current evidence, direct or mapped;\nevidence_current_direct those with current evidence keyed by their own CSF ID. Inherited\ncontrols are counted apart: inherited_attested when a provider attestation (`csfkit\nattestation add`) is in force for every service model, else inheritance_gaps, which are\nnot among gaps and do not fail --fail-on-gaps. Placeholder rows (no collection date and no\nlocation) and rows retargeted to other subcategories are never counted."
    )
)]
pub(crate) struct StatusArgs {
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

/// Runs `csfkit status`.
pub(super) fn run(ctx: &Ctx, args: &StatusArgs) -> Result<u8> {
    let point = crate::cli::point_in_time(args.as_of)?;
    let as_of = point.date();
    let cat = crate::cli::open_at(ctx, point)?;
    let scope = args.scope.resolve(&cat)?;
    if let Some(w) = scope.matrix_later_than(&cat) {
        ctx.msg.warn(w);
    }
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
        "{} ({}), as of {as_of}: {gaps} gap{} among {} customer and shared controls; {} inherited controls: {} provider-attested, {} inheritance gap{} (no provider attestation in force; not counted as gaps)",
        cov.matrix.provider.id,
        crate::model::ownership::join_services(&cov.matrix.services),
        if gaps == 1 { "" } else { "s" },
        total.ownership.customer_carried(),
        total.ownership.inherited,
        total.inherited_attested,
        total.inheritance_gaps,
        if total.inheritance_gaps == 1 { "" } else { "s" },
    ));
    if total.inheritance_gaps > 0 {
        ctx.msg.note(
            "an inherited control is provider-attested only while an attestation recorded with `csfkit attestation add` covers its service model at the as-of date",
        );
    }
    if cov.placeholders > 0 || cov.not_offered > 0 {
        ctx.msg.note(format!(
            "not counted as evidence: {} placeholder row(s) (no collection date and no location), {} row(s) retargeted to other subcategories",
            cov.placeholders, cov.not_offered
        ));
    }
    if cov.no_mapped {
        ctx.msg.note(format!(
            "coverage without mapped evidence (--no-mapped): {} rows mapped from other frameworks' IDs left out",
            cov.mapped_left_out
        ));
    } else if cov.mapped_items > 0 {
        ctx.msg.note(format!(
            "{} of {} evidence rows were mapped from SP 800-53, ISO/IEC 27001 or CCM IDs; of {} customer and shared controls with current evidence, {} have it keyed by their own CSF ID and {} only through mapping (evidence_current_direct, evidence_current_mapped_only; --no-mapped leaves mapped rows out)",
            cov.mapped_items,
            cov.evidence_items,
            total.evidence.current,
            total.evidence.current_direct,
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
