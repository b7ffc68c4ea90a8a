//! `csfkit profile import|export|adopt`: NIST's Organizational Profile template both ways, and a
//! Community Profile adopted as a profile's target.

use crate::cli::{Ctx, whoami};
use crate::error::{Error, Result};
use crate::import::resolve::Resolver;
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::join_services;
use crate::model::profile::SHEET;

use super::open_on;

/// Arguments of `csfkit profile import`.
#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The filled template (xlsx, ods or CSV).
    file: std::path::PathBuf,
    /// Sheet to read (default: `Current and Target Profile`, else the first with the columns).
    #[arg(long)]
    sheet: Option<String>,
    /// Who records it (default: the OS user).
    #[arg(long)]
    by: Option<String>,
    /// Validate and report, record nothing.
    #[arg(long)]
    dry_run: bool,
}

/// Arguments of `csfkit profile export`.
#[derive(Debug, clap::Args)]
pub(crate) struct ExportArgs {
    /// The profile (default: the one in use).
    name: Option<String>,
    /// The workbook to write (.xlsx).
    #[arg(long)]
    out: std::path::PathBuf,
    /// Replace the file if this command wrote it.
    #[arg(long)]
    force: bool,
}

pub(super) fn import(ctx: &Ctx, a: &ImportArgs) -> Result<u8> {
    let sheet = a.sheet.as_deref();
    // The template's sheet first; a file without it (a CSV, a renamed sheet) by its columns.
    let read = match crate::import::profile::read(&a.file, sheet.or(Some(SHEET))) {
        Err(Error::NoHeader { .. }) if sheet.is_none() => crate::import::profile::read(&a.file, None)?,
        other => other?,
    };
    let mut cat = ctx.open()?;
    let profile = cat.current_profile()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let (outcomes, notes) =
        crate::import::profile::validate(&read, &resolver, &profile.priorities, &profile.name)?;
    for n in notes {
        ctx.msg.warn(format!("{}: {n}", read.name));
    }
    ctx.msg.note(format!(
        "{}: {} outcome rows valid for profile `{}`",
        read.name,
        outcomes.len(),
        profile.name
    ));
    if a.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    cat.record_outcomes(&read.source, &whoami(a.by.as_deref()), &outcomes)?;
    ctx.msg.note(format!("recorded {} outcomes", outcomes.len()));
    Ok(0)
}

pub(super) fn adopt(ctx: &Ctx, a: &ImportArgs) -> Result<u8> {
    let read = crate::import::profile::read_community(&a.file, a.sheet.as_deref())?;
    let mut cat = ctx.open()?;
    let profile = cat.current_profile()?;
    let resolver = Resolver::load(&cat, DEFAULT_FRAMEWORK)?;
    let (outcomes, notes) =
        crate::import::profile::validate_community(&read, &resolver, &profile.priorities, &profile.name)?;
    for n in notes {
        ctx.msg.warn(format!("{}: {n}", read.name));
    }
    let source = read.source.replacen("import ", "adopt ", 1);
    ctx.msg.note(format!(
        "{}: {} outcomes to adopt as the target of profile `{}`",
        read.name,
        outcomes.len(),
        profile.name
    ));
    if a.dry_run {
        ctx.msg.note("dry run: nothing was recorded");
        return Ok(0);
    }
    cat.record_outcomes(&source, &whoami(a.by.as_deref()), &outcomes)?;
    ctx.msg
        .note(format!("adopted {} outcomes ({source})", outcomes.len()));
    Ok(0)
}

pub(super) fn export(ctx: &Ctx, a: &ExportArgs) -> Result<u8> {
    let ext = a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if ext != "xlsx" {
        return Err(Error::Usage(format!(
            "--out {}: the profile is written as NIST's xlsx template; name the file .xlsx",
            a.out.display()
        )));
    }
    if a.out.exists() && !a.force {
        return Err(Error::Usage(format!(
            "{} exists; choose another name or add --force to replace it",
            a.out.display()
        )));
    }
    crate::export::files::replace_check(&a.out, &is_profile_export, "a profile workbook that")?;
    let cat = open_on(ctx, a.name.as_deref())?;
    let profile = cat.current_profile()?;
    let (rows, recorded) = crate::export::profile::template_rows(&cat)?;
    let scope = cat.scope()?;
    let about = vec![
        format!("profile: {}", profile.name),
        format!("description: {}", profile.description),
        format!(
            "scope: {}",
            scope
                .map(|s| format!("{} on {} ({})", s.system, s.provider, join_services(&s.services)))
                .unwrap_or_else(|| "none recorded".into())
        ),
        format!("priority scale, highest first: {}", profile.priorities.join(", ")),
        "outcome descriptions: NIST CSF 2.0 as loaded in the catalogue (csfkit frameworks)".into(),
        format!("catalogue: {}", cat.path().display()),
    ];
    let bytes = crate::export::profile::template_xlsx(&rows, &about)?;
    crate::export::files::write_new(&a.out, &bytes)?;
    ctx.msg.note(format!(
        "wrote {}: profile `{}`, {} outcomes recorded of {} rows",
        a.out.display(),
        profile.name,
        recorded,
        rows.len()
    ));
    Ok(0)
}

/// True when `path` is a workbook `profile export` wrote (its About sheet's mark).
fn is_profile_export(path: &std::path::Path) -> bool {
    crate::import::reader::read_tables(path, None).is_ok_and(|tables| {
        tables.iter().any(|t| {
            t.sheet.as_deref() == Some("About")
                && t.rows
                    .first()
                    .is_some_and(|(_, r)| r.first().map(String::as_str) == Some(crate::export::profile::MARK))
        })
    })
}
