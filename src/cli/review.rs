//! `csfkit review import|list`: an independent assessor's results, read back from the Test
//! results sheet of a package's workbook (or a CSV of it) and kept as their own append-only,
//! chained log, apart from the organisation's statuses. The next package shows both.

use std::path::PathBuf;

use clap::Subcommand;

use crate::cli::{Ctx, columns, whoami};
use crate::error::Result;
use crate::import::resolve::Resolver;
use crate::import::review;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::output::{Listing, OutputArgs};

/// `csfkit review ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ReviewCommand {
    /// Record an assessor's results from the Test results sheet of a package's workbook (or a
    /// CSV of it).
    #[command(
        after_help = "Examples:\n  csfkit review import audit-2026/audit-workbook.xlsx --by \"Example Assessors LLP\"\n  \
csfkit review import test-results.csv\n\n\
Headers are found by name among the first rows (the first sheet that has them, or --sheet):\n\
Control ID; Method (examine, interview, test); Sample; Result (satisfied, other than satisfied,\n\
not applicable); Finding; Risk (low, moderate, high); Assessor; Date. A row without a result is\n\
skipped (not assessed yet). A result needs its method, the assessor and the date (not after\n\
today), and a finding when it is other than satisfied; one result per control. Every problem is\n\
reported with its file, sheet, row and column; if any row is invalid nothing is recorded\n\
(exit 65). A result the catalogue already holds for its control (a package's workbook imported\n\
again) is not recorded twice. Each result is recorded with the file's SHA-256, its sheet and\n\
row, who ran the import (--by, else the OS user) and when; append-only and chained like the\n\
other logs (`csfkit check`). The organisation's statuses (`csfkit assess`) are not changed."
    )]
    Import(ImportArgs),
    /// List the assessor's results (oldest first; `in_force` marks the newest per control).
    #[command(after_help = columns::help(
        "Examples:\n  csfkit review list\n  csfkit review list --control PR.AA-05 --format csv",
        columns::REVIEW_LIST
    ))]
    List(ListArgs),
}

/// Arguments of `csfkit review import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The workbook (audit-workbook.xlsx) or a CSV of its Test results sheet.
    file: PathBuf,
    /// Sheet to read (default: the first with the columns, the Test results sheet of csfkit's
    /// workbook).
    #[arg(long, value_name = "NAME")]
    sheet: Option<String>,
    /// CSV/TSV only: the field delimiter, `,` `;` `|` or `tab` (default: the one the first
    /// lines use most outside quoted fields).
    #[arg(long, value_name = "CHAR", value_parser = crate::cli::delimiter)]
    delimiter: Option<u8>,
    /// Who records the results (default: the OS user); the assessor is the sheet's.
    #[arg(long, value_name = "NAME")]
    by: Option<String>,
    /// Validate and report, record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Arguments of `csfkit review list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Only this control's results.
    #[arg(long, value_name = "ID")]
    control: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `csfkit review ...`.
pub(super) fn run(ctx: &Ctx, cmd: &ReviewCommand) -> Result<u8> {
    match cmd {
        ReviewCommand::Import(a) => import(ctx, a),
        ReviewCommand::List(a) => list(ctx, a),
    }
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let read = review::read(&args.file, args.sheet.as_deref(), args.delimiter)?;
    let mut cat = ctx.open()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let today = crate::util::today()?;
    let found = review::validate(&read, &resolver, today, &whoami(args.by.as_deref()))?;
    // A result the catalogue holds in force for its control already is not recorded again.
    let recorded = cat.reviews()?;
    let in_force = crate::view::review::in_force(&recorded);
    let (already, new): (Vec<_>, Vec<_>) = found.reviews.into_iter().partition(|r| {
        in_force
            .get(r.control_id.as_str())
            .is_some_and(|old| review::same_result(old, r))
    });
    let place = match &read.table.sheet {
        Some(s) => format!("{} (sheet `{s}`)", read.name),
        None => read.name.clone(),
    };
    ctx.msg.note(format!(
        "{place}: {} results valid{}{}",
        new.len() + already.len(),
        if already.is_empty() {
            String::new()
        } else {
            format!(", {} already recorded", already.len())
        },
        if found.skipped > 0 {
            format!(", {} rows without a result skipped", found.skipped)
        } else {
            String::new()
        }
    ));
    if args.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    cat.record_reviews(&new)?;
    ctx.msg.note(format!(
        "recorded {} assessor results (source SHA-256 {})",
        new.len(),
        read.sha256
    ));
    Ok(0)
}

fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let control = match &args.control {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let all = cat.reviews()?;
    let in_force = crate::view::review::in_force(&all);
    let mut l = Listing::of(columns::REVIEW_LIST);
    for r in all
        .iter()
        .filter(|r| control.as_deref().is_none_or(|c| c == r.control_id))
    {
        let current = in_force
            .get(r.control_id.as_str())
            .is_some_and(|n| n.seq == r.seq);
        l.push(vec![
            r.seq.to_string(),
            r.control_id.clone(),
            r.method.as_str().to_string(),
            r.sample.clone(),
            r.outcome.as_str().to_string(),
            r.finding.clone(),
            r.risk.map(|k| k.as_str().to_string()).unwrap_or_default(),
            r.assessor.clone(),
            r.assessed_on.to_string(),
            if current { "yes" } else { "no" }.to_string(),
            r.source_file.clone(),
            r.source_sha256.clone(),
            r.source_place.clone(),
            r.recorded_by.clone(),
            r.recorded_at.clone(),
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg
            .note("no assessor result recorded (csfkit review import audit-workbook.xlsx)");
    }
    l.print(&args.out)?;
    Ok(0)
}
