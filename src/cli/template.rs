//! `csfkit template evidence --out FILE.xlsx|FILE.csv`: the evidence import template from
//! `templates/` — the header row, the instructions, and in xlsx a drop-down of CSF 2.0 IDs.

use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::cli::Ctx;
use crate::error::{Error, Result};
use crate::export::files::{self, EVIDENCE_CSV};
use crate::model::framework::DEFAULT_FRAMEWORK;

/// `csfkit template ...`
#[derive(Debug, Subcommand)]
pub(crate) enum TemplateCommand {
    /// The evidence tracker: header row, instructions and (xlsx) a CSF 2.0 ID drop-down.
    #[command(
        after_help = "Examples:\n  csfkit template evidence --out evidence.xlsx\n  csfkit template evidence --out evidence.csv\n\n\
The format follows the extension (.xlsx or .csv). Fill it in and run `csfkit evidence import FILE`."
    )]
    Evidence(EvidenceArgs),
}

/// Arguments of `csfkit template evidence`.
#[derive(Debug, clap::Args)]
pub(crate) struct EvidenceArgs {
    /// Where to write it (.xlsx or .csv).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace the file if it is a template csfkit wrote that nobody has filled in.
    #[arg(long)]
    force: bool,
}

/// Runs `csfkit template ...`.
pub(super) fn run(ctx: &Ctx, cmd: &TemplateCommand) -> Result<u8> {
    match cmd {
        TemplateCommand::Evidence(a) => evidence(ctx, a),
    }
}

fn evidence(ctx: &Ctx, args: &EvidenceArgs) -> Result<u8> {
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if args.out.exists() && !args.force {
        return Err(Error::Usage(format!(
            "{} exists; choose another name or add --force to replace it",
            args.out.display()
        )));
    }
    files::replace_check(&args.out, &is_blank_template, "an evidence template that")?;
    let bytes = match ext.as_str() {
        "csv" => EVIDENCE_CSV.as_bytes().to_vec(),
        "xlsx" => {
            let cat = ctx.open()?;
            // Subcategories in catalogue order.
            let rows: Vec<(String, String)> = cat
                .controls(&crate::catalogue::ControlFilter {
                    framework: DEFAULT_FRAMEWORK.into(),
                    ..Default::default()
                })?
                .into_iter()
                .map(|c| (c.id, c.text))
                .collect();
            files::template_xlsx(&rows)?
        }
        _ => {
            return Err(Error::Usage(format!(
                "--out {}: the template is written as .xlsx or .csv; name the file with one of those extensions",
                args.out.display()
            )));
        }
    };
    files::write_new(&args.out, &bytes)?;
    ctx.msg.note(format!(
        "wrote {}; fill it in and run `csfkit evidence import {}`",
        args.out.display(),
        args.out.display()
    ));
    Ok(0)
}

/// True when the file at `path` is an evidence template nobody has filled in: the template's
/// header row and no evidence rows below it.
fn is_blank_template(path: &Path) -> bool {
    let header: Vec<&str> = EVIDENCE_CSV.trim_end().split(',').collect();
    crate::import::reader::read_tables(path, None).is_ok_and(|tables| {
        tables.first().is_some_and(|t| {
            t.rows
                .first()
                .is_some_and(|(_, r)| r.iter().map(String::as_str).eq(header.iter().copied()))
                && t.rows.len() == 1
        })
    })
}
