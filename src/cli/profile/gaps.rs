//! `csfkit profile gaps|diff`: the included outcomes short of their target by priority, with
//! evidence and plans; two profiles compared, or one profile at two dates.

use crate::catalogue::Catalogue;
use crate::cli::{Ctx, columns};
use crate::error::{Error, Result};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::profile::included_text;
use crate::output::{Listing, OutputArgs};

use super::open_on;

/// Arguments of `csfkit profile gaps`.
#[derive(Debug, clap::Args)]
pub(crate) struct GapsArgs {
    /// The profile (default: the one in use).
    name: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit profile diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The first profile.
    a: String,
    /// The second profile (leave it out to compare the first at two `--as-of` dates).
    b: Option<String>,
    /// The catalogue as it stood at the end of DATE: once for two profiles at that date, twice
    /// (earlier date first) for one profile at two dates.
    #[arg(long = "as-of", value_name = "DATE", value_parser = crate::cli::as_of_date, action = clap::ArgAction::Append)]
    as_of: Vec<chrono::NaiveDate>,
    #[command(flatten)]
    out: OutputArgs,
}
/// The evidence state of each subcategory: as `status` judges it in the profile's scope, or,
/// for a profile without one, how many evidence rows name it.
fn evidence_states(cat: &Catalogue) -> Result<std::collections::HashMap<String, String>> {
    let mut out = std::collections::HashMap::new();
    if let Ok(scope) = crate::cli::scope::ScopeArgs::default().resolve(cat) {
        let cov = crate::view::coverage::of_scope(
            cat,
            &scope,
            crate::cli::point_in_time(None)?.date(),
            crate::view::coverage::DEFAULT_STALE_DAYS,
            false,
        )?;
        for c in &cov.controls {
            let row = &cov.matrix.rows[c.row];
            out.insert(row.control_id.clone(), c.state_text(row).to_string());
        }
    } else {
        let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        cat.each_evidence(|e| {
            *counts.entry(e.control_id).or_default() += 1;
            Ok(())
        })?;
        for (k, n) in counts {
            out.insert(k, format!("{n} rows, no scope"));
        }
    }
    Ok(out)
}

pub(super) fn gaps(ctx: &Ctx, a: &GapsArgs) -> Result<u8> {
    let cat = open_on(ctx, a.name.as_deref())?;
    let profile = cat.current_profile()?;
    let statuses = cat.current_assessments()?;
    let plans = cat.plans_in_force()?;
    let order = cat.element_order(DEFAULT_FRAMEWORK)?;
    let evidence = evidence_states(&cat)?;
    let rank = |p: &str| {
        profile
            .priorities
            .iter()
            .position(|s| s == p)
            .unwrap_or(usize::MAX)
    };
    let mut rows: Vec<_> = cat
        .outcomes_in_force()?
        .into_values()
        .map(|r| r.outcome)
        .filter(|o| o.included == Some(true) && o.element_id.contains('-'))
        .filter(|o| !crate::export::profile::met(statuses.get(&o.element_id)))
        .collect();
    rows.sort_by_key(|o| {
        (
            rank(&o.target_priority),
            order.get(&o.element_id).copied().unwrap_or(i64::MAX),
        )
    });
    let mut l = Listing::of(columns::PROFILE_GAPS);
    for o in rows {
        let plan = plans.get(&o.element_id).map(|(p, _)| p);
        l.push(vec![
            o.element_id.clone(),
            o.target_priority,
            statuses
                .get(&o.element_id)
                .map(|s| crate::catalogue::assessment_summary(s))
                .unwrap_or_else(|| "not assessed".into()),
            o.target_outcome,
            evidence
                .get(&o.element_id)
                .cloned()
                .unwrap_or_else(|| "none".into()),
            plan.map(|p| p.due.to_string()).unwrap_or_default(),
            plan.map(|p| p.status.as_str().to_string()).unwrap_or_default(),
            plan.map(|p| p.action.clone()).unwrap_or_default(),
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note(format!(
            "profile `{}`: no included subcategory falls short of its target",
            profile.name
        ));
    }
    l.print(&a.out)?;
    Ok(0)
}

pub(super) fn diff(ctx: &Ctx, a: &DiffArgs) -> Result<u8> {
    let mut cat = ctx.open_any_profile()?;
    let pa = cat.profile_named(&a.a)?;
    // Each side: a profile, and the point in time it is read at (None: now).
    let (sa, sb) = match (&a.b, a.as_of.as_slice()) {
        (Some(b), []) => {
            let pb = cat.profile_named(b)?;
            ((pa.id, None), (pb.id, None))
        }
        (Some(b), [d]) => {
            let pb = cat.profile_named(b)?;
            ((pa.id, Some(*d)), (pb.id, Some(*d)))
        }
        (None, [d1, d2]) => ((pa.id, Some(*d1)), (pa.id, Some(*d2))),
        _ => {
            return Err(Error::Usage(
                "profile diff compares two profiles (`profile diff A B [--as-of DATE]`) or one profile at two dates (`profile diff A --as-of DATE --as-of DATE`)".into(),
            ));
        }
    };
    let what = match (&a.b, sa.1, sb.1) {
        (Some(b), _, _) => format!("profiles `{}` and `{b}`", pa.name),
        (None, Some(d1), Some(d2)) => format!("profile `{}` at {d1} and at {d2}", pa.name),
        _ => format!("profile `{}`", pa.name),
    };
    let mut read = |(id, at): (i64, Option<chrono::NaiveDate>)| -> Result<_> {
        cat.use_profile(id);
        cat.stand_at(crate::cli::point_in_time(at)?);
        let statuses = cat.current_assessments()?;
        let outcomes = cat.outcomes_in_force()?;
        let mut m: std::collections::BTreeMap<String, [String; 4]> = std::collections::BTreeMap::new();
        for (k, r) in outcomes {
            let o = r.outcome;
            m.insert(
                k,
                [
                    included_text(o.included).to_string(),
                    o.target_priority,
                    o.target_outcome,
                    String::new(),
                ],
            );
        }
        for (k, s) in statuses {
            m.entry(k).or_default()[3] = crate::catalogue::assessment_summary(&s);
        }
        Ok(m)
    };
    let ma = read(sa)?;
    let mb = read(sb)?;
    let order = cat.element_order(DEFAULT_FRAMEWORK)?;
    let mut ids: Vec<&String> = ma.keys().chain(mb.keys()).collect();
    ids.sort_by_key(|k| (order.get(*k).copied().unwrap_or(i64::MAX), (*k).clone()));
    ids.dedup();
    let empty: [String; 4] = Default::default();
    let mut l = Listing::of(columns::PROFILE_DIFF);
    for id in ids {
        let (va, vb) = (ma.get(id).unwrap_or(&empty), mb.get(id).unwrap_or(&empty));
        for (i, what) in ["included", "target_priority", "target", "current_status"]
            .iter()
            .enumerate()
        {
            if va[i] != vb[i] {
                l.push(vec![
                    id.clone(),
                    (*what).to_string(),
                    va[i].clone(),
                    vb[i].clone(),
                ]);
            }
        }
    }
    if l.rows.is_empty() {
        ctx.msg.note(format!("{what} record the same outcomes"));
    }
    l.print(&a.out)?;
    Ok(0)
}
