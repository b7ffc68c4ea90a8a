//! `csfkit init`: create the catalogue and load the embedded data; idempotent.

use crate::cli::Ctx;
use crate::error::Result;

/// Arguments of `csfkit init`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  csfkit init\n  csfkit --db /srv/audit/csfkit.db init\n\n\
Every command creates the catalogue on first use, so init is never required; it is safe to\n\
run again and changes nothing on a catalogue that is up to date."
)]
pub(crate) struct Args {}

/// Runs `csfkit init`.
pub(super) fn run(ctx: &Ctx, _args: &Args) -> Result<u8> {
    let cat = ctx.open()?;
    let fws = cat.frameworks()?;
    let summary: Vec<String> = fws
        .iter()
        .map(|f| format!("{} ({} subcategories)", f.id, f.subcategories))
        .collect();
    ctx.msg.note(format!(
        "catalogue `{}` is ready: {}",
        cat.path().display(),
        summary.join(", ")
    ));
    Ok(0)
}
