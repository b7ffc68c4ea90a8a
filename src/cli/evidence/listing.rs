//! `csfkit evidence list|show|batches`: what the catalogue holds, with freshness and the chain
//! of custody of every row.

use chrono::NaiveDate;

use crate::catalogue::evidence::EvidenceFilter;
use crate::cli::{Ctx, columns};
use crate::error::{Error, Result};
use crate::import::resolve::Resolver;
use crate::model::evidence::{Freshness, freshness};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::output::{Listing, OutputArgs};

/// Arguments of `csfkit evidence list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// Only this control.
    #[arg(long)]
    control: Option<String>,
    /// Only evidence past its valid-until date.
    #[arg(long)]
    expired: bool,
    /// Only evidence collected more than DAYS days ago.
    #[arg(long, value_name = "DAYS")]
    stale: Option<i64>,
    /// Only rows of this import batch.
    #[arg(long, value_name = "N")]
    batch: Option<i64>,
    /// Judge freshness at this date (default: today, or CSFKIT_TODAY).
    #[arg(long, value_name = "DATE", value_parser = crate::cli::as_of_date)]
    as_of: Option<NaiveDate>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit evidence show`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    /// Evidence ID (from `evidence list`).
    id: i64,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit evidence batches`.
#[derive(Debug, clap::Args)]
pub(crate) struct BatchesArgs {
    #[command(flatten)]
    out: OutputArgs,
}

pub(super) fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let point = crate::cli::point_in_time(args.as_of)?;
    let as_of = point.date();
    let cat = crate::cli::open_at(ctx, point)?;
    let control = match &args.control {
        Some(id) => Some(Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(id)?.0),
        None => None,
    };
    let items = cat.evidence(&EvidenceFilter {
        control,
        batch: args.batch,
    })?;
    let claims = crate::view::claims::Claims::load(&cat)?;
    let mut l = Listing::of(columns::EVIDENCE_LIST);
    for e in items {
        let fresh = freshness(
            &e,
            as_of,
            args.stale.unwrap_or(crate::view::coverage::DEFAULT_STALE_DAYS),
        );
        if args.expired && fresh != Freshness::Expired {
            continue;
        }
        // --stale: collected more than DAYS ago (undated evidence counts as stale; a
        // placeholder is no evidence).
        if args.stale.is_some_and(|days| {
            fresh == Freshness::Placeholder || e.collected_on.is_some_and(|c| (as_of - c).num_days() <= days)
        }) {
            continue;
        }
        let targets = claims.targets_text(&e);
        let why = claims.counted(&e).reason();
        l.push(vec![
            e.id.to_string(),
            e.control_id,
            e.title,
            e.evidence_type,
            e.owner,
            e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
            e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            fresh.as_str().to_string(),
            e.location,
            e.location_kind,
            e.file_sha256.unwrap_or_default(),
            e.source_file,
            e.source_sheet,
            e.source_row.to_string(),
            e.batch_id.to_string(),
            e.mapped.as_ref().map(|m| m.id.clone()).unwrap_or_default(),
            e.mapped
                .as_ref()
                .map(|m| m.framework.to_string())
                .unwrap_or_default(),
            targets,
            if why.is_empty() { "yes" } else { "no" }.to_string(),
            why,
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note("no evidence matches");
    }
    l.print(&args.out)?;
    Ok(0)
}

pub(super) fn show(ctx: &Ctx, args: &ShowArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let Some(e) = cat.evidence_item(args.id)? else {
        return Err(Error::Data(format!(
            "no evidence with ID {}; `csfkit evidence list` shows the IDs",
            args.id
        )));
    };
    let batch = cat.batches()?.into_iter().find(|b| b.id == e.batch_id);
    let claims = crate::view::claims::Claims::load(&cat)?;
    let mut l = Listing::of(columns::FIELD_VALUE);
    let mut kv = |k: &str, v: String| l.push(vec![k.to_string(), v]);
    kv("id", e.id.to_string());
    kv("control_id", e.control_id.clone());
    kv(
        "mapped_from",
        e.mapped
            .as_ref()
            .map(|m| {
                let how = if m.framework == crate::model::crosswalk::RefFramework::Csf11 {
                    "the control is one of its CSF 2.0 successors in NIST's CSF 1.1 to 2.0 crosswalk"
                } else {
                    "the control is one of the CSF 2.0 subcategories whose NIST references cite it"
                };
                format!("{} ({}; {how})", m.id, m.framework.label())
            })
            .unwrap_or_default(),
    );
    kv("targets", claims.targets_text(&e));
    let why = claims.counted(&e).reason();
    kv(
        "counted",
        if why.is_empty() {
            "yes".to_string()
        } else {
            format!("no: {why}")
        },
    );
    kv("title", e.title.clone());
    kv("description", e.description.clone());
    kv("evidence_type", e.evidence_type.clone());
    kv("owner", e.owner.clone());
    kv(
        "collected_on",
        e.collected_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    kv(
        "valid_until",
        e.valid_until.map(|d| d.to_string()).unwrap_or_default(),
    );
    kv("location", e.location.clone());
    kv("location_kind", e.location_kind.clone());
    kv("file_sha256", e.file_sha256.clone().unwrap_or_default());
    kv(
        "file_size",
        e.file_size.map(|s| s.to_string()).unwrap_or_default(),
    );
    kv("source_system", e.source_system.clone());
    kv("extras", e.extras.clone());
    kv("source_file", e.source_file.clone());
    kv("source_sha256", e.source_sha256.clone());
    kv("source_sheet", e.source_sheet.clone());
    kv("source_row", e.source_row.to_string());
    kv("batch", e.batch_id.to_string());
    if let Some(b) = batch {
        kv("imported_by", b.collector);
        kv("imported_at", b.imported_at);
    }
    l.print(&args.out)?;
    Ok(0)
}

pub(super) fn batches(ctx: &Ctx, args: &BatchesArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let mut l = Listing::of(columns::EVIDENCE_BATCHES);
    for b in cat.batches()? {
        l.push(b.cells());
    }
    if l.rows.is_empty() {
        ctx.msg
            .note("no import batch yet; `csfkit evidence import FILE` adds one");
    }
    l.print(&args.out)?;
    Ok(0)
}
