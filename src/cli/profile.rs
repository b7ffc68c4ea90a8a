//! `csfkit profile ...`: Organizational Profiles (NIST SP 1301). A catalogue holds many
//! profiles, each with its scope and priority scale; commands read and write the profile in use.
//! Per profile, current and target outcomes per function, category or subcategory, and the
//! Tiers (NIST SP 1302) for risk governance and risk management.

mod files;
mod gaps;

use clap::Subcommand;

use crate::catalogue::{Catalogue, NewOutcome};
use crate::cli::{Ctx, columns, whoami};
use crate::error::{Error, Result};
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{join_services, parse_services};
use crate::output::{Listing, OutputArgs};

/// `csfkit profile ...`
#[derive(Debug, Subcommand)]
pub(crate) enum ProfileCommand {
    /// Create a profile with its scope (system, provider, service models) and priority scale.
    #[command(after_help = "Examples:\n  \
csfkit profile create payments --system \"Payments API\" --provider datacrunch --services iaas,model \\\n    \
--priorities high,moderate,low --description \"PCI scope\"\n  \
csfkit profile create portal --priorities 1,2,3,4,5\n\n\
A catalogue made before profiles has one, `default`: its recorded scope with every status,\n\
plan and ownership change. Evidence is the organisation's: every profile sees all of it;\n\
statuses, plans, ownership changes, outcomes and Tiers belong to one profile.")]
    Create(CreateArgs),
    /// List the profiles; `*` marks the one in use.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit profile list\n  csfkit profile list --format csv",
        columns::PROFILE_LIST
    ))]
    List(ListArgs),
    /// Show a profile: its scope, priority scale and Tiers.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit profile show\n  csfkit profile show payments --format json",
        columns::PROFILE_SHOW
    ))]
    Show(ShowArgs),
    /// Make NAME the profile commands read and write (`--profile` overrides it for one command).
    #[command(after_help = "Examples:\n  csfkit profile use payments\n  csfkit profile use default")]
    Use(UseArgs),
    /// Record a profile's current and target for one outcome (function, category or subcategory).
    #[command(after_help = "Examples:\n  \
csfkit profile outcome GV.OC-01 --include --priority high --target \"Mission reviewed yearly\" \\\n    \
--rationale \"Board mandate\"\n  \
csfkit profile outcome DE.CM-02 --exclude --rationale \"No premises: the provider runs them\"\n\n\
Options not given keep the value in force; every change is appended with who and when.\n\
--priority must be a value of the profile's scale (`profile create --priorities`).")]
    Outcome(OutcomeArgs),
    /// List a profile's outcomes in force with today's statuses.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit profile outcomes\n  csfkit profile outcomes payments --format csv",
        columns::PROFILE_OUTCOMES
    ))]
    Outcomes(OutcomesArgs),
    /// Record a profile's current and target Tier for risk governance or risk management.
    #[command(after_help = "Examples:\n  \
csfkit profile tier governance --current 2 --target 3 --note \"Board reviews risk yearly\"\n  \
csfkit profile tier management --current partial --target repeatable\n\n\
Tiers (NIST SP 1302): 1 partial, 2 risk-informed, 3 repeatable, 4 adaptive. They characterise\n\
the profile as a whole, never one subcategory.")]
    Tier(TierArgs),
    /// Read NIST's Organizational Profile template into the profile in use (all or nothing).
    #[command(after_help = "Examples:\n  \
csfkit profile import org-profile.xlsx\n  \
csfkit --profile payments profile import org-profile.xlsx --dry-run\n\n\
Reads the sheet `Current and Target Profile` (or --sheet) of NIST's Organizational Profile\n\
template: its header row is found among the first 30 rows by name (CSF Outcome, Included in\n\
Profile?, Rationale, Current Priority, Current Status, ..., Target Priority, Target CSF Tier,\n\
..., Notes, Considerations). The outcome cell may be `GV.OC-01`, `GOVERN (GV)` or `GV.OC-01:\n\
text`; a CSF 1.1 ID with one CSF 2.0 successor is read as it, with a note. Target priorities\n\
must be on the profile's scale. Rows with nothing but the outcome and its description are\n\
skipped; if any row is invalid nothing is recorded (exit 65).")]
    Import(files::ImportArgs),
    /// Write a profile as NIST's Organizational Profile template (xlsx).
    #[command(after_help = "Examples:\n  \
csfkit profile export --out org-profile.xlsx\n  \
csfkit profile export payments --out payments-profile.xlsx --force\n\n\
One row per CSF 2.0 function, category and subcategory in the template's column order; the\n\
description is the framework's text, Current Status today's statuses (else the one imported),\n\
Target Internal Practices the target outcome. --force replaces only a workbook this command wrote.")]
    Export(files::ExportArgs),
    /// Adopt a Community Profile (NIST's Community Profile template) as the target of the profile in use.
    #[command(after_help = "Examples:\n  \
csfkit profile create payments --priorities High,Medium,Low\n  \
csfkit --profile payments profile adopt ransomware-community-profile.xlsx\n\n\
Reads the columns CSF 2.0 Core, CSF 2.0 Outcomes, Priority (recommended), Rationale\n\
(recommended), Informative References/Mappings (recommended), Recommendations and\n\
Considerations (optional), Implementation Examples (optional), Notes (optional); the header\n\
row is found by name. Each row with a priority, rationale or recommendation becomes an outcome\n\
included in the profile's target, with its priority (on the profile's scale), the file's name\n\
and SHA-256. A later change to an adopted priority needs a --rationale and is listed as a\n\
deviation. All or nothing (exit 65).")]
    Adopt(files::ImportArgs),
    /// The included subcategories whose current status falls short of the target, highest
    /// priority first, with their evidence state and plan.
    #[command(after_help = columns::help_then(
        "Examples:\n  csfkit profile gaps\n  csfkit profile gaps payments --format csv\n  csfkit profile gaps --format json",
        columns::PROFILE_GAPS,
        "An outcome included in the profile (`profile outcome ID --include`, an import or an\nadopted community profile) is met when every status in force for it is implemented or\nalternative; otherwise it is listed. Order: the profile's priority scale (highest first),\noutcomes without a priority last, then CSF order. Evidence is judged in the profile's scope\n(its provider and service models) as `csfkit status` judges it; make plans with `csfkit\nplan ID`."
    ))]
    Gaps(gaps::GapsArgs),
    /// Compare two profiles (or one profile at two dates) outcome by outcome: inclusion,
    /// target priority, target, status.
    #[command(after_help = columns::help(
        "Examples:\n  csfkit profile diff default payments\n  csfkit profile diff default payments --as-of 2026-06-30 --format csv\n  csfkit profile diff payments --as-of 2026-01-15 --as-of 2026-06-30",
        columns::PROFILE_DIFF
    ))]
    Diff(gaps::DiffArgs),
}

/// Arguments of `csfkit profile create`.
#[derive(Debug, clap::Args)]
pub(crate) struct CreateArgs {
    /// The profile's name.
    name: String,
    /// What the profile is for.
    #[arg(long, default_value = "")]
    description: String,
    /// The system the profile describes (with --provider).
    #[arg(long, requires = "provider")]
    system: Option<String>,
    /// Its provider (see `csfkit providers`).
    #[arg(long, requires = "system")]
    provider: Option<String>,
    /// Service models in use, comma-separated (default: all the provider covers).
    #[arg(long, requires = "provider")]
    services: Option<String>,
    /// The priority scale, highest first, comma-separated (e.g. high,moderate,low or 1,2,3).
    #[arg(long, value_name = "LIST")]
    priorities: Option<String>,
    /// Who creates it (default: the OS user).
    #[arg(long)]
    by: Option<String>,
}

/// Arguments of `csfkit profile list`.
#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit profile show`.
#[derive(Debug, clap::Args)]
pub(crate) struct ShowArgs {
    /// The profile (default: the one in use).
    name: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit profile use`.
#[derive(Debug, clap::Args)]
pub(crate) struct UseArgs {
    /// The profile.
    name: String,
}

/// Arguments of `csfkit profile outcome`.
#[derive(Debug, clap::Args)]
pub(crate) struct OutcomeArgs {
    /// The CSF 2.0 function, category or subcategory (a CSF 1.1 ID with one successor is read
    /// as it).
    id: String,
    /// The outcome is in the profile.
    #[arg(long, conflicts_with = "exclude")]
    include: bool,
    /// The outcome is left out of the profile (say why with --rationale).
    #[arg(long)]
    exclude: bool,
    /// Why: included or not, the target chosen.
    #[arg(long)]
    rationale: Option<String>,
    /// Target priority, a value of the profile's scale.
    #[arg(long)]
    priority: Option<String>,
    /// The target outcome or practices, in the organisation's words.
    #[arg(long)]
    target: Option<String>,
    /// Notes.
    #[arg(long)]
    note: Option<String>,
    /// Who records it (default: the OS user).
    #[arg(long)]
    by: Option<String>,
}

/// Arguments of `csfkit profile outcomes`.
#[derive(Debug, clap::Args)]
pub(crate) struct OutcomesArgs {
    /// The profile (default: the one in use).
    name: Option<String>,
    #[command(flatten)]
    out: OutputArgs,
}

/// Arguments of `csfkit profile tier`.
#[derive(Debug, clap::Args)]
pub(crate) struct TierArgs {
    /// `governance` (cybersecurity risk governance) or `management` (risk management).
    #[arg(value_parser = ["governance", "management"])]
    aspect: String,
    /// Current Tier: 1-4 or partial, risk-informed, repeatable, adaptive.
    #[arg(long, value_parser = tier)]
    current: Option<u8>,
    /// Target Tier: 1-4 or partial, risk-informed, repeatable, adaptive.
    #[arg(long, value_parser = tier)]
    target: Option<u8>,
    /// Note.
    #[arg(long, default_value = "")]
    note: String,
    /// Who records it (default: the OS user).
    #[arg(long)]
    by: Option<String>,
}

/// The Tier names of NIST SP 1302, by number.
pub(crate) const TIERS: [&str; 4] = ["partial", "risk-informed", "repeatable", "adaptive"];

/// A Tier given as 1-4 or by name (`Risk Informed`, `risk-informed`, `Tier 2`).
pub(crate) fn tier(s: &str) -> std::result::Result<u8, String> {
    let t = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
    let t = t.strip_prefix("tier-").unwrap_or(&t);
    if let Ok(n) = t.parse::<u8>() {
        if (1..=4).contains(&n) {
            return Ok(n);
        }
    }
    TIERS
        .iter()
        .position(|n| *n == t)
        .and_then(|i| u8::try_from(i + 1).ok())
        .ok_or_else(|| {
            format!(
                "`{}` is not a Tier; expected 1-4 or {}",
                crate::output::terminal_text(s.trim()),
                TIERS.join(", ")
            )
        })
}

/// A Tier for display: `2 risk-informed`.
fn tier_text(t: Option<u8>) -> String {
    t.map(|n| format!("{n} {}", TIERS[usize::from(n.clamp(1, 4) - 1)]))
        .unwrap_or_default()
}

/// Runs `csfkit profile ...`.
pub(super) fn run(ctx: &Ctx, cmd: &ProfileCommand) -> Result<u8> {
    match cmd {
        ProfileCommand::Create(a) => create(ctx, a),
        ProfileCommand::List(a) => list(ctx, a),
        ProfileCommand::Show(a) => show(ctx, a),
        ProfileCommand::Use(a) => use_(ctx, a),
        ProfileCommand::Outcome(a) => outcome(ctx, a),
        ProfileCommand::Outcomes(a) => outcomes(ctx, a),
        ProfileCommand::Tier(a) => tier_cmd(ctx, a),
        ProfileCommand::Import(a) => files::import(ctx, a),
        ProfileCommand::Export(a) => files::export(ctx, a),
        ProfileCommand::Adopt(a) => files::adopt(ctx, a),
        ProfileCommand::Gaps(a) => gaps::gaps(ctx, a),
        ProfileCommand::Diff(a) => gaps::diff(ctx, a),
    }
}

/// Opens the catalogue on profile `name` if given, else on the profile in use.
pub(super) fn open_on(ctx: &Ctx, name: Option<&str>) -> Result<Catalogue> {
    let mut cat = ctx.open_any_profile()?;
    match name {
        Some(n) => {
            let p = cat.profile_named(n)?;
            cat.use_profile(p.id);
        }
        None => ctx.use_profile(&mut cat)?,
    }
    Ok(cat)
}

fn create(ctx: &Ctx, a: &CreateArgs) -> Result<u8> {
    let name = a.name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Error::Usage(
            "a profile needs a name of printable characters, e.g. `payments`".into(),
        ));
    }
    let priorities: Vec<String> = a
        .priorities
        .as_deref()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(String::from)
        .collect();
    let mut seen = std::collections::HashSet::new();
    if let Some(d) = priorities.iter().find(|p| !seen.insert(p.to_ascii_lowercase())) {
        return Err(Error::Usage(format!(
            "--priorities names `{d}` twice; list each value once, highest first"
        )));
    }
    let mut cat = ctx.open_any_profile()?;
    let scope = match (&a.system, &a.provider) {
        (Some(system), Some(provider)) => {
            let system = system.trim();
            if system.is_empty() {
                return Err(Error::Usage("--system must name the system".into()));
            }
            let provider = cat.provider(provider)?;
            let services = match &a.services {
                Some(s) => parse_services(s).map_err(|e| Error::Usage(e.message))?,
                None => provider.services.clone(),
            };
            for s in &services {
                if !provider.services.contains(s) {
                    return Err(Error::NoServiceMatrix {
                        provider: provider.id.clone(),
                        service: s.to_string(),
                        covers: join_services(&provider.services),
                    });
                }
            }
            Some((system.to_string(), provider.id.clone(), services))
        }
        _ => None,
    };
    cat.create_profile(
        name,
        a.description.trim(),
        &priorities,
        scope
            .as_ref()
            .map(|(s, p, v)| (s.as_str(), p.as_str(), v.as_slice())),
        &whoami(a.by.as_deref()),
    )?;
    ctx.msg.note(format!(
        "profile `{name}` created{}; use it with `csfkit profile use {name}` or --profile {name}",
        scope
            .as_ref()
            .map(|(s, p, v)| format!(": `{s}` on {p} ({})", join_services(v)))
            .unwrap_or_default()
    ));
    Ok(0)
}

fn list(ctx: &Ctx, a: &ListArgs) -> Result<u8> {
    let mut cat = ctx.open_any_profile()?;
    ctx.use_profile(&mut cat)?;
    let in_use = cat.profile_in_use();
    let mut l = Listing::of(columns::PROFILE_LIST);
    for p in cat.profiles()? {
        let scope = cat.scope_of(p.id)?;
        l.push(vec![
            if p.id == in_use { "*".into() } else { String::new() },
            p.name,
            p.description,
            scope.as_ref().map(|s| s.system.clone()).unwrap_or_default(),
            scope.as_ref().map(|s| s.provider.clone()).unwrap_or_default(),
            scope
                .as_ref()
                .map(|s| join_services(&s.services))
                .unwrap_or_default(),
            p.priorities.join(","),
            p.created_by,
            p.created_at,
        ]);
    }
    l.print(&a.out)?;
    Ok(0)
}

fn show(ctx: &Ctx, a: &ShowArgs) -> Result<u8> {
    let cat = open_on(ctx, a.name.as_deref())?;
    let p = cat.current_profile()?;
    let scope = cat.scope()?;
    let mut l = Listing::of(columns::PROFILE_SHOW);
    let mut row = |f: &str, v: String| l.push(vec![f.to_string(), v]);
    row("name", p.name.clone());
    row("description", p.description.clone());
    row(
        "system",
        scope.as_ref().map(|s| s.system.clone()).unwrap_or_default(),
    );
    row(
        "provider",
        scope.as_ref().map(|s| s.provider.clone()).unwrap_or_default(),
    );
    row(
        "services",
        scope
            .as_ref()
            .map(|s| join_services(&s.services))
            .unwrap_or_default(),
    );
    row("priorities", p.priorities.join(","));
    let tiers = cat.tiers_in_force()?;
    for aspect in ["governance", "management"] {
        let t = tiers.iter().find(|t| t.aspect == aspect);
        row(
            &format!("tier_{aspect}_current"),
            tier_text(t.and_then(|t| t.current)),
        );
        row(
            &format!("tier_{aspect}_target"),
            tier_text(t.and_then(|t| t.target)),
        );
        row(
            &format!("tier_{aspect}_note"),
            t.map(|t| t.note.clone()).unwrap_or_default(),
        );
    }
    let outcomes = cat.outcomes_in_force()?;
    row("outcomes", outcomes.len().to_string());
    row(
        "outcomes_included",
        outcomes
            .values()
            .filter(|o| o.outcome.included == Some(true))
            .count()
            .to_string(),
    );
    row("created_by", p.created_by);
    row("created_at", p.created_at);
    l.print(&a.out)?;
    Ok(0)
}

fn use_(ctx: &Ctx, a: &UseArgs) -> Result<u8> {
    let mut cat = ctx.open_any_profile()?;
    let p = cat.profile_named(&a.name)?;
    cat.choose_profile(&p.name)?;
    ctx.msg.note(format!(
        "profile in use: `{}` (--profile overrides it for one command)",
        p.name
    ));
    Ok(0)
}

fn outcome(ctx: &Ctx, a: &OutcomeArgs) -> Result<u8> {
    let mut cat = ctx.open()?;
    let (element, legacy) = Resolver::load(&cat, DEFAULT_FRAMEWORK)?.resolve_one(&a.id)?;
    if let Some(n) = legacy {
        ctx.msg.warn(n);
    }
    let profile = cat.current_profile()?;
    if let Some(p) = &a.priority {
        check_priority(&profile.priorities, p.trim(), &profile.name)?;
    }
    let mut o = cat
        .outcomes_in_force()?
        .remove(&element)
        .map(|r| r.outcome)
        .unwrap_or_else(|| NewOutcome {
            element_id: element.clone(),
            ..NewOutcome::default()
        });
    let before = o.clone();
    if a.include {
        o.included = Some(true);
    }
    if a.exclude {
        o.included = Some(false);
    }
    let set = |field: &mut String, v: &Option<String>| {
        if let Some(v) = v {
            *field = v.trim().to_string();
        }
    };
    set(&mut o.rationale, &a.rationale);
    set(&mut o.target_priority, &a.priority);
    // A priority adopted from a community profile changed: a deviation, with its reason.
    if let Some(adopted) = o.fields.get("adopted_priority").cloned() {
        if a.priority.is_some() && o.target_priority != before.target_priority {
            let Some(why) = a.rationale.as_deref().map(str::trim).filter(|r| !r.is_empty()) else {
                return Err(Error::Usage(format!(
                    "{element}'s priority `{adopted}` was adopted from {}; changing it is a deviation: pass --rationale saying why",
                    o.fields.get("adopted_from").cloned().unwrap_or_default()
                )));
            };
            if o.target_priority == adopted {
                o.fields.remove("deviation");
            } else {
                o.fields.insert(
                    "deviation".into(),
                    format!("priority {} instead of {adopted}: {why}", o.target_priority),
                );
            }
        }
    }
    set(&mut o.target_outcome, &a.target);
    set(&mut o.notes, &a.note);
    if o.included == Some(false) && o.rationale.is_empty() {
        return Err(Error::Usage(format!(
            "{element} left out of profile `{}` needs a --rationale saying why",
            profile.name
        )));
    }
    if o == before {
        return Err(Error::Usage(
            "nothing to record: pass --include or --exclude, --rationale, --priority, --target or --note"
                .into(),
        ));
    }
    cat.record_outcomes("cli", &whoami(a.by.as_deref()), std::slice::from_ref(&o))?;
    ctx.msg.note(format!(
        "{element} in profile `{}`: {}{}",
        profile.name,
        match o.included {
            Some(true) => "included",
            Some(false) => "left out",
            None => "inclusion not said",
        },
        if o.target_priority.is_empty() {
            String::new()
        } else {
            format!(", target priority {}", o.target_priority)
        }
    ));
    Ok(0)
}

/// A target priority must be a value of the profile's declared scale.
pub(crate) fn check_priority(scale: &[String], p: &str, profile: &str) -> Result<()> {
    if p.is_empty() || scale.iter().any(|s| s == p) {
        return Ok(());
    }
    Err(Error::Data(if scale.is_empty() {
        format!(
            "profile `{profile}` declares no priority scale, so priority `{p}` means nothing; declare one when creating a profile (`csfkit profile create NAME --priorities high,moderate,low`)"
        )
    } else {
        format!(
            "priority `{p}` is not on profile `{profile}`'s scale; expected one of {}",
            scale.join(", ")
        )
    }))
}

fn outcomes(ctx: &Ctx, a: &OutcomesArgs) -> Result<u8> {
    let cat = open_on(ctx, a.name.as_deref())?;
    let statuses = cat.current_assessments()?;
    let order = cat.element_order(DEFAULT_FRAMEWORK)?;
    let mut rows: Vec<_> = cat.outcomes_in_force()?.into_values().collect();
    rows.sort_by_key(|r| order.get(&r.outcome.element_id).copied().unwrap_or(i64::MAX));
    let mut l = Listing::of(columns::PROFILE_OUTCOMES);
    for r in rows {
        let o = r.outcome;
        l.push(vec![
            o.element_id.clone(),
            match o.included {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            statuses
                .get(&o.element_id)
                .map(|s| crate::catalogue::assessment_summary(s))
                .unwrap_or_default(),
            o.target_priority,
            o.target_tier,
            o.target_outcome,
            o.rationale,
            o.notes,
            o.fields.get("adopted_priority").cloned().unwrap_or_default(),
            o.fields.get("deviation").cloned().unwrap_or_default(),
            r.by,
            r.at,
            r.source,
        ]);
    }
    if l.rows.is_empty() {
        ctx.msg.note(
            "no outcome recorded in this profile; record one with `csfkit profile outcome ID --include`",
        );
    }
    l.print(&a.out)?;
    Ok(0)
}

fn tier_cmd(ctx: &Ctx, a: &TierArgs) -> Result<u8> {
    if a.current.is_none() && a.target.is_none() {
        return Err(Error::Usage(
            "pass --current and/or --target (1-4 or partial, risk-informed, repeatable, adaptive)".into(),
        ));
    }
    let mut cat = ctx.open()?;
    let profile = cat.current_profile()?;
    let before = cat.tiers_in_force()?.into_iter().find(|t| t.aspect == a.aspect);
    let current = a.current.or(before.as_ref().and_then(|t| t.current));
    let target = a.target.or(before.as_ref().and_then(|t| t.target));
    cat.record_tier(
        &a.aspect,
        current,
        target,
        a.note.trim(),
        &whoami(a.by.as_deref()),
    )?;
    ctx.msg.note(format!(
        "profile `{}` risk {}: current {}, target {}",
        profile.name,
        a.aspect,
        tier_text(current).if_empty("not said"),
        tier_text(target).if_empty("not said")
    ));
    Ok(0)
}

trait IfEmpty {
    fn if_empty(self, other: &str) -> String;
}

impl IfEmpty for String {
    fn if_empty(self, other: &str) -> String {
        if self.is_empty() { other.to_string() } else { self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_read_by_number_and_name() {
        assert_eq!(tier("2"), Ok(2));
        assert_eq!(tier("Risk Informed"), Ok(2));
        assert_eq!(tier("Tier 4"), Ok(4));
        assert_eq!(tier("adaptive"), Ok(4));
        assert!(tier("5").unwrap_err().contains("expected 1-4"));
        assert!(tier("best").is_err());
    }
}
