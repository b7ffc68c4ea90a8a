//! Files csfkit writes outside a package: the evidence import template (xlsx or CSV) and a
//! provider matrix in the csfkit layout (`mapping export`). Each replaces an existing file only
//! when csfkit wrote it (an unfilled template, an earlier matrix export), and writes through a
//! temporary file and a rename, so a failure leaves the old file.

use std::path::Path;

use rust_xlsxwriter::{DataValidation, Format, Formula, Workbook};

use crate::error::{Error, Result};
use crate::model::ownership::{CSFKIT_HEADER, CSFKIT_TALLY_HEADER, Cell, Tally};

/// The template's header row (`templates/evidence-template.csv`).
pub(crate) const EVIDENCE_CSV: &str = include_str!("../../templates/evidence-template.csv");
/// The instructions, one paragraph per line (`templates/evidence-instructions.txt`).
pub(crate) const EVIDENCE_INSTRUCTIONS: &str = include_str!("../../templates/evidence-instructions.txt");

/// The evidence template as xlsx: the Evidence sheet (header row, date columns, a drop-down of
/// `controls`), the Instructions sheet and the Controls sheet the drop-down reads.
pub(crate) fn template_xlsx(controls: &[(String, String)]) -> Result<Vec<u8>> {
    xlsx(controls).map_err(|e| Error::Failed(format!("building the xlsx template: {e}")))
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

/// Writes cells in the csfkit layout (UTF-8, LF, RFC 4180), as shipped in `mappings/`.
/// Text cells a spreadsheet would run as a formula are neutralised reversibly unless `raw`
/// ([`crate::util::neutralise_reversible`]; `mapping import` undoes it). The tally columns
/// ([`CSFKIT_TALLY_HEADER`]) follow only when some cell has a tally (a projected matrix), blank
/// for the cells without one; a matrix without tallies keeps the seven columns it always had.
pub(crate) fn write_matrix(
    cells: &[Cell],
    raw: bool,
    out: &mut dyn std::io::Write,
) -> Result<(), csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    let tallied = cells.iter().any(|c| c.tally.is_some());
    let mut header: Vec<&str> = CSFKIT_HEADER.to_vec();
    if tallied {
        header.extend(CSFKIT_TALLY_HEADER);
    }
    w.write_record(&header)?;
    for c in cells {
        let text = |t: &str| {
            if raw {
                t.to_string()
            } else {
                crate::util::neutralise_reversible(t).into_owned()
            }
        };
        let mut record: Vec<String> = vec![
            c.control_id.clone(),
            c.service.as_str().to_string(),
            c.ownership.as_str().to_string(),
            c.basis.clone(),
            text(&c.citation),
            text(&c.provider_responsibility),
            text(&c.customer_responsibility),
        ];
        if tallied {
            record.extend(tally_fields(c.tally));
        }
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// The five tally fields of a cell ([`CSFKIT_TALLY_HEADER`]): the counts and the leaning, or
/// all blank for a cell without a tally (the leaning blank too when nothing is answered).
pub(crate) fn tally_fields(tally: Option<Tally>) -> [String; 5] {
    match tally {
        None => Default::default(),
        Some(t) => [
            t.yes.to_string(),
            t.partial.to_string(),
            t.no.to_string(),
            t.unanswered.to_string(),
            t.leaning().map(|l| l.as_str().to_string()).unwrap_or_default(),
        ],
    }
}

/// Refuses to replace `path` with a file csfkit writes unless nothing is there, or what is there
/// is a regular file `ours` recognises as csfkit's own `what` (the caller reads it: reading files
/// is the importers' business).
pub(crate) fn replace_check(path: &Path, ours: &dyn Fn(&Path) -> bool, what: &str) -> Result<()> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::error::cant_create(path, e)),
    };
    let refuse = |why: String| Error::CantCreate {
        path: path.into(),
        reason: format!(
            "{why}; csfkit replaces only {what} it wrote. Choose another name; nothing was changed"
        ),
    };
    if !meta.is_file() {
        return Err(refuse(format!("it is {}", crate::util::fs::kind(&meta))));
    }
    if ours(path) {
        Ok(())
    } else {
        Err(refuse("it exists and is not one".into()))
    }
}

/// Writes through a temporary file and a rename, so a failure leaves no half-written file. The
/// temporary name holds the process id and a random part and is created new, so two commands
/// writing the same path never write into one file.
pub(crate) fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}-{:016x}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id(),
        crate::export::package::random()
    ));
    let cant = |e: std::io::Error| Error::CantCreate {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .map_err(cant)?;
    if let Err(e) = f.write_all(bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(cant(e));
    }
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cant(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_template_header_is_the_evidence_fields() {
        let header: Vec<&str> = EVIDENCE_CSV.trim_end().split(',').collect();
        assert_eq!(header, crate::model::evidence::FIELDS);
    }
}
