//! `csfkit evidence retarget ID --to ... --reason ...`: narrow the subcategories a mapped tracker
//! row counts for after its import. The evidence rows stay as imported (append-only); the
//! retarget is a record of its own, chained like the other logs, and the newest one per tracker
//! row is in force.

use crate::catalogue::{NewRetarget, TrackerRow};
use crate::cli::{Ctx, whoami};
use crate::error::{Error, Result};
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;

/// Arguments of `csfkit evidence retarget`.
#[derive(Debug, clap::Args)]
pub(crate) struct RetargetArgs {
    /// An evidence ID of the tracker row (any of the rows its control ID landed on; `evidence
    /// list` shows them).
    pub id: i64,
    /// The CSF 2.0 subcategories the row's evidence counts for from now on, comma-separated:
    /// some of those it landed on.
    #[arg(long, value_name = "IDS")]
    pub to: String,
    /// Why (required; shown to the assessor).
    #[arg(long)]
    pub reason: String,
    /// Who decides (default: the OS user).
    #[arg(long)]
    pub by: Option<String>,
}

/// The subcategories `to` names, each resolved (forgiving spellings) and among `allowed`, in
/// `allowed`'s order without repeats.
fn targets(resolver: &Resolver, to: &str, allowed: &[String], id: i64) -> Result<Vec<String>> {
    let mut named = Vec::new();
    for part in to
        .split([',', ';', ' ', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (control, _) = resolver.resolve_one(part)?;
        if !allowed.contains(&control) {
            return Err(Error::Data(format!(
                "--to: `{part}` is not among the subcategories evidence {id}'s tracker row landed on; expected some of: {}",
                allowed.join(", ")
            )));
        }
        named.push(control);
    }
    if named.is_empty() {
        return Err(Error::Usage(format!(
            "--to names no subcategory; expected some of: {}",
            allowed.join(", ")
        )));
    }
    Ok(allowed.iter().filter(|a| named.contains(a)).cloned().collect())
}

/// Runs `csfkit evidence retarget`.
pub(super) fn run(ctx: &Ctx, args: &RetargetArgs) -> Result<u8> {
    let reason = args.reason.trim();
    if reason.is_empty() {
        return Err(Error::Usage(
            "--reason must say why the row is narrowed (it is shown to the assessor)".into(),
        ));
    }
    let mut cat = ctx.open()?;
    let Some((row, mapped_from, rows)) = cat.tracker_row_of(args.id)? else {
        return Err(Error::Data(format!(
            "no evidence with ID {}; `csfkit evidence list` shows the IDs",
            args.id
        )));
    };
    let mut allowed: Vec<String> = Vec::new();
    for (_, control) in &rows {
        if !allowed.contains(control) {
            allowed.push(control.clone());
        }
    }
    let Some(mapped_from) = mapped_from else {
        return Err(Error::Data(format!(
            "evidence {} is keyed by its own CSF 2.0 ID ({}); only a row mapped from another framework's ID (SP 800-53, ISO/IEC 27001, CCM or CSF 1.1), which lands on several subcategories, can be retargeted",
            args.id,
            allowed.join(", ")
        )));
    };
    if allowed.len() < 2 {
        return Err(Error::Data(format!(
            "evidence {} (`{mapped_from}`) landed on {} only: there is nothing to narrow",
            args.id,
            allowed.join(", ")
        )));
    }
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let targets = targets(&resolver, &args.to, &allowed, args.id)?;
    let TrackerRow {
        batch_id,
        source_sheet,
        source_row,
    } = row.clone();
    let seq = cat.record_retarget(&NewRetarget {
        row,
        evidence_id: args.id,
        mapped_from: mapped_from.clone(),
        targets: targets.clone(),
        reason: reason.to_string(),
        by: whoami(args.by.as_deref()),
    })?;
    let sheet = if source_sheet.is_empty() {
        String::new()
    } else {
        format!(" sheet `{source_sheet}`,")
    };
    ctx.msg.note(format!(
        "retarget #{seq}: the evidence of batch {batch_id},{sheet} row {source_row} (`{mapped_from}`) counts for {} only ({} of the {} subcategories it landed on); its other rows stay listed, not counted",
        targets.join(", "),
        targets.len(),
        allowed.len()
    ));
    Ok(0)
}
