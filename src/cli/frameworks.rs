//! `csfkit frameworks`, `csfkit framework import`, `csfkit framework diff`.

use std::path::PathBuf;

use clap::Subcommand;

use crate::catalogue::ReplaceSummary;
use crate::cli::{Ctx, columns};
use crate::error::{Error, Result};
use crate::import::framework::{self, ParseOptions};
use crate::output::{Listing, OutputArgs};

/// Arguments of `csfkit frameworks`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = columns::help(
        "Examples:\n  csfkit frameworks\n  csfkit frameworks --format json",
        columns::FRAMEWORKS
    )
)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    out: OutputArgs,
}

/// `csfkit framework ...`
#[derive(Debug, Subcommand)]
pub(crate) enum FrameworkCommand {
    /// Import a NIST CSF Reference Tool export (xlsx or CPRT JSON); replaces that version atomically.
    #[command(after_help = "Examples:\n  csfkit framework import csf2.xlsx\n  \
csfkit framework import cprt_CSF_2_0_0.json\n  \
csfkit framework import csf2_2024-04-24.xlsx --id nist-csf-2.0-2024   keep beside the shipped one\n  \
csfkit framework diff nist-csf-2.0-2024 nist-csf-2.0\n\n\
Layouts: the CSF Reference Tool spreadsheet (Function | Category | Subcategory | Implementation\n\
Examples | Informative References), its CPRT JSON export, and the flat CSF 1.1 core sheet.\n\
Re-importing an ID replaces it in one transaction and reports which subcategory texts changed.")]
    Import(ImportArgs),
    /// Compare the subcategory texts of two loaded frameworks.
    #[command(
        after_help = columns::help_then(
        "Examples:\n  csfkit framework diff nist-csf-2.0-2024 nist-csf-2.0\n  \
csfkit framework diff nist-csf-2.0-2024 nist-csf-2.0 --format csv",
        columns::FRAMEWORK_DIFF,
        "Exit status 0 whether or not they differ."
    )
    )]
    Diff(DiffArgs),
}

/// Arguments of `csfkit framework import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The export file (.xlsx or .json).
    pub file: PathBuf,
    /// Catalogue ID to import as (default `nist-csf-<version>`).
    #[arg(long)]
    pub id: Option<String>,
    /// Version, when the file does not say (e.g. 1.1).
    #[arg(long)]
    pub version: Option<String>,
    /// Parse and report, but change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Arguments of `csfkit framework diff`.
#[derive(Debug, clap::Args)]
pub(crate) struct DiffArgs {
    /// The older framework ID.
    pub old: String,
    /// The newer framework ID.
    pub new: String,
    #[command(flatten)]
    out: OutputArgs,
}

/// Runs `csfkit frameworks`.
pub(super) fn list(ctx: &Ctx, args: &ListArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let mut l = Listing::of(columns::FRAMEWORKS);
    for f in cat.frameworks()? {
        l.push(vec![
            f.id,
            f.name,
            f.version,
            f.functions.to_string(),
            f.categories.to_string(),
            f.subcategories.to_string(),
            f.withdrawn.to_string(),
            f.source,
            f.source_sha256,
            f.source_date.unwrap_or_default(),
            f.origin,
            f.loaded_at,
        ]);
    }
    l.print(&args.out)?;
    Ok(0)
}

/// Runs `csfkit framework ...`.
pub(super) fn run(ctx: &Ctx, cmd: FrameworkCommand) -> Result<u8> {
    match cmd {
        FrameworkCommand::Import(a) => import(ctx, &a),
        FrameworkCommand::Diff(a) => diff(ctx, &a),
    }
}

fn import(ctx: &Ctx, args: &ImportArgs) -> Result<u8> {
    let bytes = crate::util::fs::read_regular(&args.file).map_err(|e| Error::InputMissing {
        path: args.file.clone(),
        source: e,
    })?;
    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());
    let opts = ParseOptions {
        id: args.id.clone(),
        version: args.version.clone(),
    };
    let data = framework::parse(&name, &bytes, &opts)?;
    let count = |l| data.active(l).count();
    use crate::ids::Level::{Category, Function, Subcategory};
    ctx.msg.note(format!(
        "{name}: {} {} — {} functions, {} categories, {} subcategories, {} withdrawn elements, {} examples, {} references",
        data.name,
        data.version,
        count(Function),
        count(Category),
        count(Subcategory),
        data.elements.iter().filter(|e| e.withdrawn.is_some()).count(),
        data.elements.iter().map(|e| e.examples.len()).sum::<usize>(),
        data.elements.iter().map(|e| e.references.len()).sum::<usize>(),
    ));
    let mut cat = ctx.open()?;
    if args.dry_run {
        ctx.msg.note(format!("dry run: `{}` was not changed", data.id));
        return Ok(0);
    }
    let summary = cat.replace_framework(&data)?;
    report_changes(ctx, &data.id, &summary);
    Ok(0)
}

fn report_changes(ctx: &Ctx, id: &str, s: &ReplaceSummary) {
    if !s.replaced {
        ctx.msg.note(format!("imported `{id}`"));
        return;
    }
    if s.changed.is_empty() && s.added.is_empty() && s.removed.is_empty() {
        ctx.msg
            .note(format!("replaced `{id}`: no subcategory text changed"));
        return;
    }
    ctx.msg.note(format!(
        "replaced `{id}`: {} changed, {} added, {} removed subcategories",
        s.changed.len(),
        s.added.len(),
        s.removed.len()
    ));
    for (cid, old, new) in &s.changed {
        ctx.msg.note(format!("  changed {cid}\n    - {old}\n    + {new}"));
    }
    for a in &s.added {
        ctx.msg.note(format!("  added   {a}"));
    }
    for r in &s.removed {
        ctx.msg.note(format!("  removed {r}"));
    }
}

fn diff(ctx: &Ctx, args: &DiffArgs) -> Result<u8> {
    let cat = ctx.open()?;
    let s = cat.diff_frameworks(&args.old, &args.new)?;
    let mut l = Listing::of(columns::FRAMEWORK_DIFF);
    for (id, old, new) in s.changed {
        l.push(vec![id, "changed".into(), old, new]);
    }
    for id in s.added {
        l.push(vec![id, "added".into(), String::new(), String::new()]);
    }
    for id in s.removed {
        l.push(vec![id, "removed".into(), String::new(), String::new()]);
    }
    if l.rows.is_empty() {
        ctx.msg.note(format!(
            "`{}` and `{}` have the same subcategory texts",
            args.old, args.new
        ));
    }
    l.print(&args.out)?;
    Ok(0)
}
