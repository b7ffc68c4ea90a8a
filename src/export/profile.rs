//! A profile as NIST's Organizational Profile template (`profile export`): the sheet `Current
//! and Target Profile` with the template's columns in order (`crate::model::profile::TEMPLATE`),
//! one row per CSF 2.0 function, category and subcategory, and an `About` sheet saying which
//! catalogue and profile it came from (what marks the file as one csfkit wrote).

use rust_xlsxwriter::{Format, Workbook};

use crate::catalogue::{Catalogue, NewOutcome};
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

/// True when the statuses in force meet an included outcome: some, and every one implemented
/// or alternative.
pub(crate) fn met(statuses: Option<&Vec<crate::catalogue::AssessmentRow>>) -> bool {
    statuses.is_some_and(|s| {
        !s.is_empty()
            && s.iter()
                .all(|r| r.status == "implemented" || r.status == "alternative")
    })
}

/// The report's Current vs Target section for the profile in use, when it records outcomes or
/// Tiers (else nothing): the profile and its Tiers, a chart per function of the included
/// subcategories met and short of target, and the short ones highest priority first.
pub(crate) fn report_section(cat: &Catalogue) -> Result<Vec<crate::pdf::Block>> {
    use crate::pdf::{BarChart, Block, Column, Table};
    let outcomes = cat.outcomes_in_force()?;
    let tiers = cat.tiers_in_force()?;
    if outcomes.is_empty() && tiers.is_empty() {
        return Ok(Vec::new());
    }
    let profile = cat.current_profile()?;
    let statuses = cat.current_assessments()?;
    let plans = cat.plans_in_force()?;
    let order = cat.element_order(DEFAULT_FRAMEWORK)?;
    let tier = |t: Option<u8>| t.map_or_else(|| "not said".to_string(), |n| n.to_string());
    let mut blocks = vec![
        Block::PageBreak,
        Block::Heading("Current vs Target Profile".into()),
        Block::Paragraph(format!(
            "Organizational Profile `{}` (NIST SP 1301){}. Its inclusions, target priorities (scale, highest first: {}), targets and Tiers are the organisation's own statements recorded in the catalogue (csfkit profile), not assessed facts; current statuses are the profile's assessment records. profile.csv and the workbook's Profile sheet hold every outcome in NIST's Organizational Profile template columns.",
            profile.name,
            if profile.description.is_empty() {
                String::new()
            } else {
                format!(": {}", profile.description)
            },
            if profile.priorities.is_empty() {
                "none declared".into()
            } else {
                profile.priorities.join(", ")
            }
        )),
    ];
    let mut kv = Vec::new();
    for (aspect, label) in [
        ("governance", "risk governance"),
        ("management", "risk management"),
    ] {
        let t = tiers.iter().find(|t| t.aspect == aspect);
        kv.push((
            format!("Tier, {label}"),
            format!(
                "current {}, target {}{}",
                tier(t.and_then(|t| t.current)),
                tier(t.and_then(|t| t.target)),
                t.filter(|t| !t.note.is_empty())
                    .map(|t| format!(" ({})", t.note))
                    .unwrap_or_default()
            ),
        ));
    }
    blocks.push(Block::KeyValues(kv));
    let included: Vec<&NewOutcome> = outcomes
        .values()
        .map(|r| &r.outcome)
        .filter(|o| o.included == Some(true) && o.element_id.contains('-'))
        .collect();
    let mut by_fn: std::collections::BTreeMap<String, [u64; 2]> = std::collections::BTreeMap::new();
    for o in &included {
        let f = o.element_id.split('.').next().unwrap_or_default().to_string();
        let e = by_fn.entry(f).or_default();
        e[usize::from(!met(statuses.get(&o.element_id)))] += 1;
    }
    if !by_fn.is_empty() {
        let mut bars: Vec<(String, Vec<u64>)> = by_fn.into_iter().map(|(f, v)| (f, v.to_vec())).collect();
        bars.sort_by_key(|(f, _)| order.get(f).copied().unwrap_or(i64::MAX));
        blocks.push(Block::BarChart(BarChart {
            caption: "Included subcategories per function: target met or short of it".into(),
            series: vec![
                ("met (implemented or alternative)".into(), [46, 139, 87]),
                ("short of target".into(), [200, 55, 55]),
            ],
            bars,
        }));
    }
    let rank = |p: &str| {
        profile
            .priorities
            .iter()
            .position(|s| s == p)
            .unwrap_or(usize::MAX)
    };
    let mut short: Vec<&&NewOutcome> = included
        .iter()
        .filter(|o| !met(statuses.get(&o.element_id)))
        .collect();
    short.sort_by_key(|o| {
        (
            rank(&o.target_priority),
            order.get(&o.element_id).copied().unwrap_or(i64::MAX),
        )
    });
    if short.is_empty() {
        blocks.push(Block::Paragraph(
            "No included subcategory falls short of its target.".into(),
        ));
    } else {
        let col = |header: &str, width: f32| Column {
            header: header.into(),
            width,
            align: crate::pdf::Align::Left,
            // A subcategory's ID links to its dossier.
            link: if header == "ID" {
                crate::pdf::CellLink::Dest(crate::export::dossier::DOSSIER.into())
            } else {
                crate::pdf::CellLink::None
            },
            mono: false,
        };
        blocks.push(Block::Table(Table {
            columns: vec![
                col("ID", 1.2),
                col("Priority", 1.2),
                col("Current status", 2.0),
                col("Target", 4.0),
                col("Plan due", 1.4),
            ],
            rows: short
                .iter()
                .map(|o| {
                    vec![
                        o.element_id.clone(),
                        o.target_priority.clone(),
                        statuses
                            .get(&o.element_id)
                            .map(|s| crate::catalogue::assessment_summary(s))
                            .unwrap_or_else(|| "not assessed".into()),
                        o.target_outcome.clone(),
                        plans
                            .get(&o.element_id)
                            .map(|(p, _)| p.due.to_string())
                            .unwrap_or_else(|| "no plan".into()),
                    ]
                })
                .collect(),
            font_size: 7.5,
        }));
    }
    Ok(blocks)
}
