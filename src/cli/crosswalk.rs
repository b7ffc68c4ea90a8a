//! `csfkit crosswalk --from F` and `csfkit control AC-2`: other frameworks' controls and the
//! CSF 2.0 subcategories that stand for them (NIST's informative references for SP 800-53,
//! ISO/IEC 27001 Annex A and CCM; NIST's crosswalk for CSF 1.1).

use std::collections::HashMap;

use crate::catalogue::{Catalogue, ControlFilter};
use crate::cli::{Ctx, columns};
use crate::error::{Error, Result};
use crate::import::resolve::{Legacy, Resolver};
use crate::model::crosswalk::RefFramework;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::output::{Listing, OutputArgs};

/// Arguments of `csfkit crosswalk`.
#[derive(Debug, clap::Args)]
#[command(after_help = columns::help(
    "Examples:\n  csfkit crosswalk --from sp800-53\n  csfkit crosswalk --from iso27001 --format csv > iso-to-csf.csv\n  \
csfkit crosswalk --from ccm --format json\n  csfkit crosswalk --from csf1.1\n\n\
One row per control of the framework and CSF 2.0 subcategory citing it, in the framework's\n\
order. SP 800-53 Rev 5, ISO/IEC 27001:2022 Annex A and CCM v4 come from NIST's informative\n\
references on each CSF 2.0 subcategory (the catalogue's CSF 2.0 export); CSF 1.1 from NIST's\n\
CSF 1.1 -> 2.0 crosswalk. These are the tables evidence, assessment and plan imports use for\n\
IDs of those frameworks. NIST's references are informative: a mapping is a claim an assessor\n\
judges, not an equivalence.",
    columns::CROSSWALK
))]
pub(crate) struct Args {
    /// The framework to map from: sp800-53, iso27001, ccm, csf1.1.
    #[arg(long, value_name = "NAME", value_parser = crate::cli::ref_framework)]
    from: RefFramework,
    #[command(flatten)]
    out: OutputArgs,
}

/// The official text of every CSF 2.0 subcategory.
fn texts(cat: &Catalogue) -> Result<HashMap<String, String>> {
    Ok(cat
        .controls(&ControlFilter {
            framework: DEFAULT_FRAMEWORK.into(),
            function: None,
            category: None,
            search: None,
        })?
        .into_iter()
        .map(|r| (r.id, r.text))
        .collect())
}

/// Runs `csfkit crosswalk`.
pub(super) fn run(ctx: &Ctx, args: &Args) -> Result<u8> {
    let cat = ctx.open()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let texts = texts(&cat)?;
    let mut l = Listing::of(columns::CROSSWALK);
    let rows: Vec<(String, Vec<String>)> = match args.from {
        RefFramework::Csf2 => {
            return Err(Error::Usage(
                "--from csf2: the CSF 2.0 subcategories are the target; pick sp800-53, iso27001, ccm or csf1.1".into(),
            ));
        }
        RefFramework::Csf11 => resolver.csf11_table(),
        f => resolver
            .crosswalk()
            .table(f)
            .into_iter()
            .map(|(k, ids)| (k.to_string(), ids.to_vec()))
            .collect(),
    };
    for (from, ids) in &rows {
        for id in ids {
            l.push(vec![
                from.clone(),
                args.from.to_string(),
                id.clone(),
                texts.get(id).cloned().unwrap_or_default(),
            ]);
        }
    }
    ctx.msg.note(format!(
        "{}: {} controls cited by {} CSF 2.0 subcategories ({} pairs)",
        args.from.label(),
        rows.len(),
        {
            let mut all: Vec<&String> = rows.iter().flat_map(|(_, ids)| ids).collect();
            all.sort();
            all.dedup();
            all.len()
        },
        l.rows.len()
    ));
    l.print(&args.out)?;
    Ok(0)
}

/// `csfkit control AC-2`: the CSF 2.0 subcategories citing another framework's control, each
/// with its text. `forced` reads the ID as that framework's (`--framework iso27001` for `5.15`).
pub(super) fn cited_by(
    ctx: &Ctx,
    cat: &Catalogue,
    input: &str,
    forced: Option<RefFramework>,
    out: &OutputArgs,
) -> Result<u8> {
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;
    let found = resolver
        .map(input, forced, Legacy::Expand)
        .map_err(|e| Error::Data(e.message))?;
    let Some((_, f)) = found.from else {
        return Err(Error::Data(format!(
            "`{input}` is a CSF 2.0 ID, not another framework's"
        )));
    };
    if let Some(w) = &found.warning {
        ctx.msg.warn(w);
    }
    let texts = texts(cat)?;
    let mut key = f
        .key(&crate::ids::clean(input), true)
        .unwrap_or_else(|| input.trim().to_string());
    if found.warning.is_some() {
        // An enhancement no subcategory cites was read as its base control.
        if let Some(base) = crate::model::crosswalk::base_control(&key) {
            key = base.to_string();
        }
    }
    ctx.msg.note(format!(
        "{} {key} is cited by {} CSF 2.0 subcategor{} in NIST's informative references (informative: a claim to judge, not an equivalence)",
        f.label(),
        found.ids.len(),
        if found.ids.len() == 1 { "y" } else { "ies" }
    ));
    let mut l = Listing::of(columns::CROSSWALK);
    for id in found.ids {
        let text = texts.get(&id).cloned().unwrap_or_default();
        l.push(vec![key.clone(), f.to_string(), id, text]);
    }
    l.print(out)?;
    Ok(0)
}
