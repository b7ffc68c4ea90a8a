//! The history in the package: every assessment record, remediation plan record, ownership
//! change and evidence import batch up to the as-of date, each with who, when, what changed,
//! where it came from and its link in the history chain (`assessment-history.csv`,
//! `plan-history.csv`, `ownership-history.csv`, `evidence-batches.csv`, and the same as
//! workbook sheets), and who recorded the status in force and when (the `status_by` and
//! `status_at` columns at the end of `control-matrix.csv`).
//!
//! The records come through the catalogue standing at the export's point in time, so a record
//! made after the as-of date is in none of them; each record's link is the one `csfkit check`
//! verifies and `csfkit check --against` compares with a later catalogue.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::catalogue::Catalogue;
use crate::catalogue::chain::Log;
use crate::error::Result;
use crate::export::workbook::{Col, Kind};
use crate::view::matrix::MatrixRow;

/// `assessment-history.csv`.
pub(crate) const ASSESSMENT_HISTORY: &str = "assessment-history.csv";
/// `plan-history.csv`.
pub(crate) const PLAN_HISTORY: &str = "plan-history.csv";
/// `ownership-history.csv`.
pub(crate) const OWNERSHIP_HISTORY: &str = "ownership-history.csv";
/// `evidence-batches.csv`.
pub(crate) const EVIDENCE_BATCHES: &str = "evidence-batches.csv";

/// `review-history.csv` (the assessor's results, `review import`).
pub(crate) const REVIEW_HISTORY: &str = "review-history.csv";

/// Every history file a package may hold, with the log each lists: [`FILES`], then
/// `review-history.csv` (written since `review import`; a package without it pins the review
/// log by its manifest's head alone).
pub(crate) const LOG_FILES: [(&str, Log); 5] = [
    (ASSESSMENT_HISTORY, Log::Assessment),
    (PLAN_HISTORY, Log::Plan),
    (OWNERSHIP_HISTORY, Log::Ownership),
    (EVIDENCE_BATCHES, Log::Batch),
    (REVIEW_HISTORY, Log::Review),
];

/// The history files every package with CSV files holds since csfkit 0.3, with the log each
/// lists.
pub(crate) const FILES: [(&str, Log); 4] = [
    (ASSESSMENT_HISTORY, Log::Assessment),
    (PLAN_HISTORY, Log::Plan),
    (OWNERSHIP_HISTORY, Log::Ownership),
    (EVIDENCE_BATCHES, Log::Batch),
];

/// The column every history file ends with: the record's link in its history chain.
pub(crate) const CHAIN_COLUMN: &str = "chain_sha256";

/// The columns `control-matrix.csv` gains at its end: who recorded the status in force, and
/// when (one per record in force, as `status` shows them: `alice; model: bob`).
pub(crate) const MATRIX_STATUS_COLUMNS: [&str; 2] = ["status_by", "status_at"];

/// The Matrix sheet's kinds of [`MATRIX_STATUS_COLUMNS`].
pub(crate) const MATRIX_STATUS_COLS: [Col; 2] =
    [("status_by", Kind::Text(18.0)), ("status_at", Kind::Text(22.0))];

/// `assessment-history.csv`: the columns of `csfkit assess history`, the status the record
/// replaced, and the link.
const ASSESSMENT_COLS: [Col; 11] = [
    ("seq", Kind::Number),
    ("control_id", Kind::Text(12.0)),
    ("service", Kind::Text(10.0)),
    ("status", Kind::Text(16.0)),
    ("note", Kind::Text(45.0)),
    ("system", Kind::Text(16.0)),
    ("by", Kind::Text(16.0)),
    ("at", Kind::Text(22.0)),
    ("source", Kind::Text(40.0)),
    ("previous_status", Kind::Text(16.0)),
    (CHAIN_COLUMN, Kind::Code(20.0)),
];

/// `plan-history.csv`: the columns of `csfkit plan list --all` (the state as of the as-of
/// date), what the record changed, and the link.
const PLAN_COLS: [Col; 15] = [
    ("seq", Kind::Number),
    ("control_id", Kind::Text(12.0)),
    ("status", Kind::Text(14.0)),
    ("state", Kind::Text(14.0)),
    ("due", Kind::Date),
    ("owner", Kind::Text(18.0)),
    ("action", Kind::Text(40.0)),
    ("milestones", Kind::Text(40.0)),
    ("note", Kind::Text(40.0)),
    ("system", Kind::Text(16.0)),
    ("by", Kind::Text(16.0)),
    ("at", Kind::Text(22.0)),
    ("source", Kind::Text(40.0)),
    ("changed", Kind::Text(30.0)),
    (CHAIN_COLUMN, Kind::Code(20.0)),
];

/// `ownership-history.csv`: the columns of `csfkit ownership history`, and the link.
const OWNERSHIP_COLS: [Col; 10] = [
    ("seq", Kind::Number),
    ("provider", Kind::Text(14.0)),
    ("control_id", Kind::Text(12.0)),
    ("service", Kind::Text(10.0)),
    ("owner", Kind::Text(12.0)),
    ("previous", Kind::Text(12.0)),
    ("reason", Kind::Text(45.0)),
    ("by", Kind::Text(16.0)),
    ("at", Kind::Text(22.0)),
    (CHAIN_COLUMN, Kind::Code(20.0)),
];

/// `evidence-batches.csv`: the columns of `csfkit evidence batches`, the digest of the batch's
/// evidence rows as chained, and the link.
const BATCH_COLS: [Col; 17] = [
    ("batch", Kind::Number),
    ("source_file", Kind::Text(24.0)),
    ("source_sha256", Kind::Code(20.0)),
    ("source_size", Kind::Number),
    ("format", Kind::Text(8.0)),
    ("sheet", Kind::Text(14.0)),
    ("header_row", Kind::Number),
    ("collector", Kind::Text(16.0)),
    ("imported_at", Kind::Text(22.0)),
    ("rows_read", Kind::Number),
    ("imported", Kind::Number),
    ("already", Kind::Number),
    ("rejected", Kind::Number),
    ("source_path", Kind::Text(30.0)),
    ("evidence_root", Kind::Text(30.0)),
    ("rows_sha256", Kind::Code(20.0)),
    (CHAIN_COLUMN, Kind::Code(20.0)),
];

/// `review-history.csv`: the columns of `csfkit review list` (every record), what it replaced
/// (the result in force for its control before it), and the link.
const REVIEW_COLS: [Col; 16] = [
    ("seq", Kind::Number),
    ("control_id", Kind::Text(12.0)),
    ("method", Kind::Text(11.0)),
    ("sample", Kind::Text(24.0)),
    ("result", Kind::Text(20.0)),
    ("finding", Kind::Text(40.0)),
    ("risk", Kind::Text(10.0)),
    ("assessor", Kind::Text(18.0)),
    ("assessed_on", Kind::Date),
    ("source_file", Kind::Text(24.0)),
    ("source_sha256", Kind::Code(20.0)),
    ("source_place", Kind::Text(18.0)),
    ("recorded_by", Kind::Text(16.0)),
    ("recorded_at", Kind::Text(22.0)),
    ("previous_result", Kind::Text(20.0)),
    (CHAIN_COLUMN, Kind::Code(20.0)),
];

/// One history table: its file, its workbook sheet, its columns and rows (text cells).
pub(crate) struct Table {
    /// The CSV file in the package.
    pub file: &'static str,
    /// The workbook sheet.
    pub sheet: &'static str,
    /// The columns.
    pub cols: &'static [Col],
    /// The rows, oldest first.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// The header of its CSV file.
    pub(crate) fn header(&self) -> Vec<&'static str> {
        self.cols.iter().map(|(n, _)| *n).collect()
    }
}

/// The history tables, in [`LOG_FILES`] order.
pub(crate) struct History {
    /// One per log.
    pub tables: Vec<Table>,
}

/// Per record of `log`, its link (and a batch's rows digest).
fn links(cat: &Catalogue, log: Log) -> Result<HashMap<i64, (String, String)>> {
    Ok(cat
        .chain_links(log)?
        .into_iter()
        .map(|(record, digest, link)| (record, (digest, link)))
        .collect())
}

/// Reads the history as the catalogue holds it at its point in time (plan states judged at
/// `as_of`).
pub(crate) fn read(cat: &Catalogue, as_of: NaiveDate) -> Result<History> {
    let link =
        |m: &HashMap<i64, (String, String)>, k: i64| m.get(&k).map(|l| l.1.clone()).unwrap_or_default();

    let chain = links(cat, Log::Assessment)?;
    let mut before: HashMap<(String, Option<String>), String> = HashMap::new();
    let assessments = cat
        .assessment_history(None)?
        .into_iter()
        .map(|a| {
            let previous = before
                .insert((a.control_id.clone(), a.service.clone()), a.status.clone())
                .unwrap_or_default();
            let seq = a.seq;
            let mut cells = a.cells();
            cells.extend([previous, link(&chain, seq)]);
            cells
        })
        .collect();

    let chain = links(cat, Log::Plan)?;
    let plans = cat.plan_history(None)?;
    let in_force: HashMap<&str, i64> = plans.iter().map(|p| (p.control_id.as_str(), p.seq)).collect();
    let mut last: HashMap<&str, &crate::model::plan::PlanRow> = HashMap::new();
    let mut plan_rows = Vec::with_capacity(plans.len());
    for p in &plans {
        let changed = match last.insert(p.control_id.as_str(), p) {
            None => "new plan".to_string(),
            Some(was) => changed_fields(was, p),
        };
        plan_rows.push(vec![
            p.seq.to_string(),
            p.control_id.clone(),
            p.status.to_string(),
            p.state(in_force.get(p.control_id.as_str()) == Some(&p.seq), as_of)
                .to_string(),
            p.due.to_string(),
            p.owner.clone(),
            p.action.clone(),
            p.milestones_text(),
            p.note.clone(),
            p.system.clone(),
            p.by.clone(),
            p.at.clone(),
            p.source.clone(),
            changed,
            link(&chain, p.seq),
        ]);
    }

    let chain = links(cat, Log::Ownership)?;
    let ownership = cat
        .override_history(None, None)?
        .into_iter()
        .map(|o| {
            let seq = o.seq;
            let mut cells = o.cells();
            cells.push(link(&chain, seq));
            cells
        })
        .collect();

    let chain = links(cat, Log::Batch)?;
    let batches = cat
        .batches()?
        .into_iter()
        .map(|b| {
            let (rows, l) = chain.get(&b.id).cloned().unwrap_or_default();
            let mut cells = b.cells();
            cells.extend([rows, l]);
            cells
        })
        .collect();

    let reviews = review_rows(cat)?;

    Ok(History {
        tables: vec![
            Table {
                file: ASSESSMENT_HISTORY,
                sheet: "Assessment history",
                cols: &ASSESSMENT_COLS,
                rows: assessments,
            },
            Table {
                file: PLAN_HISTORY,
                sheet: "Plan history",
                cols: &PLAN_COLS,
                rows: plan_rows,
            },
            Table {
                file: OWNERSHIP_HISTORY,
                sheet: "Ownership history",
                cols: &OWNERSHIP_COLS,
                rows: ownership,
            },
            Table {
                file: EVIDENCE_BATCHES,
                sheet: "Evidence batches",
                cols: &BATCH_COLS,
                rows: batches,
            },
            Table {
                file: REVIEW_HISTORY,
                sheet: "Review history",
                cols: &REVIEW_COLS,
                rows: reviews,
            },
        ],
    })
}

/// The rows of `review-history.csv`: every assessor result, the result in force before it for
/// its control, its link.
fn review_rows(cat: &Catalogue) -> Result<Vec<Vec<String>>> {
    let link =
        |m: &HashMap<i64, (String, String)>, k: i64| m.get(&k).map(|l| l.1.clone()).unwrap_or_default();
    let chain = links(cat, Log::Review)?;
    let mut before: HashMap<String, String> = HashMap::new();
    let rows = cat
        .reviews()?
        .into_iter()
        .map(|v| {
            let previous = before
                .insert(v.control_id.clone(), v.outcome.as_str().to_string())
                .unwrap_or_default();
            vec![
                v.seq.to_string(),
                v.control_id,
                v.method.as_str().to_string(),
                v.sample,
                v.outcome.as_str().to_string(),
                v.finding,
                v.risk.map(|k| k.as_str().to_string()).unwrap_or_default(),
                v.assessor,
                v.assessed_on.to_string(),
                v.source_file,
                v.source_sha256,
                v.source_place,
                v.recorded_by,
                v.recorded_at,
                previous,
                link(&chain, v.seq),
            ]
        })
        .collect();
    Ok(rows)
}

/// What a plan record changed from the one before it for its control: the names of the fields
/// that differ (`status, note`), or `nothing`.
fn changed_fields(was: &crate::model::plan::PlanRow, now: &crate::model::plan::PlanRow) -> String {
    let fields = [
        ("due", was.due != now.due),
        ("owner", was.owner != now.owner),
        ("action", was.action != now.action),
        ("milestones", was.milestones != now.milestones),
        ("status", was.status != now.status),
        ("note", was.note != now.note),
        ("risk", was.risk != now.risk),
        ("poam columns", was.fedramp != now.fedramp),
    ];
    let names: Vec<&str> = fields.iter().filter(|(_, d)| *d).map(|(n, _)| *n).collect();
    if names.is_empty() {
        "nothing".into()
    } else {
        names.join(", ")
    }
}

/// The [`MATRIX_STATUS_COLUMNS`] of one matrix row: who recorded each status in force and
/// when, in the order `status` lists them (empty when none is recorded).
pub(crate) fn status_fields(row: &MatrixRow) -> [String; 2] {
    let join = |f: fn(&crate::catalogue::AssessmentRow) -> &str| {
        row.assessments
            .iter()
            .map(|a| match &a.service {
                None => f(a).to_string(),
                Some(s) => format!("{s}: {}", f(a)),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    [join(|a| &a.by), join(|a| &a.at)]
}
