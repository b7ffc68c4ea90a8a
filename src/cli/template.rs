//! `csfkit template evidence --out FILE.xlsx|FILE.csv`: the evidence import template from
//! `templates/` — the header row, the instructions, and in xlsx a drop-down of CSF 2.0 IDs.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};

use crate::cli::Ctx;
use crate::embedded::DEFAULT_FRAMEWORK;
use crate::error::{Error, Result};

/// The template's header row (`templates/evidence-template.csv`).
pub const EVIDENCE_CSV: &str = include_str!("../../templates/evidence-template.csv");
/// The instructions, one paragraph per line (`templates/evidence-instructions.txt`).
pub const EVIDENCE_INSTRUCTIONS: &str = include_str!("../../templates/evidence-instructions.txt");

/// `csfkit template ...`
#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// The evidence tracker: header row, instructions and (xlsx) a CSF 2.0 ID drop-down.
    #[command(
        after_help = "Examples:\n  csfkit template evidence --out evidence.xlsx\n  csfkit template evidence --out evidence.csv\n\n\
The format follows the extension (.xlsx or .csv). Fill it in and run `csfkit evidence import FILE`."
    )]
    Evidence(EvidenceArgs),
}

/// Arguments of `csfkit template evidence`.
#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    /// Where to write it (.xlsx or .csv).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

/// Runs `csfkit template ...`.
pub fn run(ctx: &Ctx, cmd: &TemplateCommand) -> Result<u8> {
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
            xlsx(&rows).map_err(|e| Error::Failed(format!("building the xlsx template: {e}")))?
        }
        _ => {
            return Err(Error::Usage(format!(
                "--out {}: the template is written as .xlsx or .csv; name the file with one of those extensions",
                args.out.display()
            )));
        }
    };
    write_new(&args.out, &bytes)?;
    ctx.msg.note(format!(
        "wrote {}; fill it in and run `csfkit evidence import {}`",
        args.out.display(),
        args.out.display()
    ));
    Ok(0)
}

/// Writes through a temporary file and a rename, so a failure leaves no half-written file.
fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let cant = |e: std::io::Error| Error::CantCreate {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    std::fs::write(&tmp, bytes).map_err(cant)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cant(e)
    })
}

fn xlsx(controls: &[(String, String)]) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let header: Vec<&str> = EVIDENCE_CSV.lines().next().unwrap_or("").split(',').collect();
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color("DDE4EE");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let last_row = 10_000;
    {
        let ws = wb.add_worksheet();
        ws.set_name("Evidence")?;
        for (c, h) in header.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, *h, &bold)?;
            let width = match *h {
                "title" | "description" | "location" => 40.0,
                "control_id" => 14.0,
                _ => 16.0,
            };
            ws.set_column_width(c as u16, width)?;
            if matches!(*h, "collected_on" | "valid_until") {
                ws.set_column_format(c as u16, &date)?;
            }
        }
        ws.set_freeze_panes(1, 0)?;
        let n = controls.len().max(1);
        let list = DataValidation::new()
            .allow_list_formula(Formula::new(format!("=Controls!$A$2:$A${}", n + 1)))
            .set_input_title("CSF 2.0 control")?
            .set_input_message("Pick the subcategory this evidence supports, e.g. PR.AA-01.")?
            .set_error_title("Not a CSF 2.0 subcategory")?
            .set_error_message("Choose an ID from the list (sheet Controls).")?;
        ws.add_data_validation(1, 0, last_row, 0, &list)?;
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Instructions")?;
        ws.set_column_width(0, 120.0)?;
        let wrap = Format::new().set_text_wrap();
        for (i, line) in EVIDENCE_INSTRUCTIONS.lines().enumerate() {
            let f = if i == 0 { bold.clone() } else { wrap.clone() };
            ws.write_string_with_format(i as u32, 0, line, &f)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("Controls")?;
        ws.write_string_with_format(0, 0, "control_id", &bold)?;
        ws.write_string_with_format(0, 1, "subcategory", &bold)?;
        ws.set_column_width(0, 14.0)?;
        ws.set_column_width(1, 100.0)?;
        for (i, (id, text)) in controls.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, id)?;
            ws.write_string(i as u32 + 1, 1, text)?;
        }
    }
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_header_is_the_evidence_fields() {
        let header: Vec<&str> = EVIDENCE_CSV.trim_end().split(',').collect();
        assert_eq!(header, crate::import::validate::FIELDS);
    }
}
