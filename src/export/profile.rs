//! A profile as NIST's Organizational Profile template (`profile export`): the sheet `Current
//! and Target Profile` with the template's columns in order (`crate::model::profile::TEMPLATE`),
//! one row per CSF 2.0 function, category and subcategory, and an `About` sheet saying which
//! catalogue and profile it came from (what marks the file as one csfkit wrote).

use rust_xlsxwriter::{Format, Workbook};

use crate::catalogue::Catalogue;
use crate::error::{Error, Result};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::profile::{SHEET, TEMPLATE, included_text};

/// The workbook's `Profile` sheet: the template's columns in order, how each is written.
pub(crate) const SHEET_COLS: [crate::export::workbook::Col; 19] = {
    use crate::export::workbook::Kind;
    let mut cols = [("", Kind::Text(28.0)); 19];
    let mut i = 0;
    while i < 19 {
        cols[i].0 = TEMPLATE[i].1;
        i += 1;
    }
    cols[0].1 = Kind::Code(14.0);
    cols[1].1 = Kind::Text(60.0);
    cols
};

/// `profile.csv` in a package: the profile in use in the template's columns.
pub(crate) const PROFILE_CSV: &str = "profile.csv";

/// The profile in use as the template's rows (one per CSF 2.0 function, category and
/// subcategory, in document order, the columns of [`TEMPLATE`]) and how many outcomes it
/// records. The description is the framework's text; `Current Status` the profile's statuses in
/// force, else the value imported; `Target Internal Practices` the target outcome.
pub(crate) fn template_rows(cat: &Catalogue) -> Result<(Vec<Vec<String>>, usize)> {
    let statuses = cat.current_assessments()?;
    let outcomes = cat.outcomes_in_force()?;
    let mut rows = Vec::new();
    for (id, _title, text) in cat.elements(DEFAULT_FRAMEWORK)? {
        let o = outcomes.get(&id).map(|r| &r.outcome);
        let field = |k: &str| o.and_then(|o| o.fields.get(k)).cloned().unwrap_or_default();
        let status = statuses
            .get(&id)
            .map(|s| crate::catalogue::assessment_summary(s))
            .unwrap_or_else(|| field("current_status"));
        let row: Vec<String> = TEMPLATE
            .iter()
            .map(|(key, _)| match *key {
                "outcome" => id.clone(),
                "description" => text.clone(),
                "included" => included_text(o.and_then(|o| o.included)).to_string(),
                "rationale" => o.map(|o| o.rationale.clone()).unwrap_or_default(),
                "current_status" => status.clone(),
                "target_priority" => o.map(|o| o.target_priority.clone()).unwrap_or_default(),
                "target_tier" => o.map(|o| o.target_tier.clone()).unwrap_or_default(),
                "target_practices" => o.map(|o| o.target_outcome.clone()).unwrap_or_default(),
                "notes" => o.map(|o| o.notes.clone()).unwrap_or_default(),
                k => field(k),
            })
            .collect();
        rows.push(row);
    }
    Ok((rows, outcomes.len()))
}

/// `profile.csv` of a package: the profile in use (as the catalogue stands at the export's
/// as-of date) in the template's columns, every row.
pub(crate) fn profile_csv(cat: &Catalogue, raw: bool, bom: bool) -> Result<Vec<u8>> {
    let (rows, _) = template_rows(cat)?;
    let header: Vec<&str> = TEMPLATE.iter().map(|(_, h)| *h).collect();
    crate::export::csv::csv_bytes(&header, &rows, raw, bom)
}

/// The `About` sheet's first cell: how a workbook csfkit wrote is recognised.
pub(crate) const MARK: &str = "Written by csfkit profile export";

/// The workbook: `rows` in the template's column order; `about` the lines of the About sheet.
pub(crate) fn template_xlsx(rows: &[Vec<String>], about: &[String]) -> Result<Vec<u8>> {
    xlsx(rows, about).map_err(|e| Error::Failed(format!("building the profile workbook: {e}")))
}

fn xlsx(rows: &[Vec<String>], about: &[String]) -> std::result::Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_background_color("DDE4EE");
    let wrap = Format::new().set_text_wrap();
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET)?;
        for (c, (key, header)) in TEMPLATE.iter().enumerate() {
            let c = c as u16;
            ws.write_string_with_format(0, c, *header, &bold)?;
            let width = match *key {
                "outcome" => 16.0,
                "description" => 60.0,
                "included" | "current_priority" | "target_priority" | "target_tier" => 12.0,
                _ => 28.0,
            };
            ws.set_column_width(c, width)?;
        }
        ws.set_freeze_panes(1, 2)?;
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                if !v.is_empty() {
                    ws.write_string_with_format(r as u32 + 1, c as u16, v, &wrap)?;
                }
            }
        }
    }
    {
        let ws = wb.add_worksheet();
        ws.set_name("About")?;
        ws.set_column_width(0, 100.0)?;
        ws.write_string_with_format(0, 0, MARK, &bold)?;
        for (i, line) in about.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, line)?;
        }
    }
    wb.save_to_buffer()
}
