//! The plan of action and milestones (POA&M, FedRAMP's term): one row per gap of a coverage,
//! filled from the gap (its reasons, ownership and evidence state) and from the remediation
//! plan in force for its control, if any. `poam.csv`, the workbook's POA&M sheet, the PDF gaps
//! table and `status` all read these rows.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::plan::{PlanRow, PlanStatus};
use crate::model::review::Risk;
use crate::view::coverage::Coverage;

/// csfkit's first twelve POA&M columns (csfkit 0.2), FedRAMP POA&M template names.
const CSFKIT_COLUMNS: [&str; 12] = [
    "POAM ID",
    "Controls",
    "Weakness Name",
    "Weakness Description",
    "Point of Contact",
    "Overall Remediation Plan",
    "Original Detection Date",
    "Scheduled Completion Date",
    "Planned Milestones",
    "Status",
    "Status Date",
    "Comments",
];

/// The columns of `poam.csv` and the POA&M sheet: csfkit's first twelve in their order, then
/// the rest of the FedRAMP template's ([`FEDRAMP_COLUMNS`]).
pub(crate) const POAM_COLUMNS: [&str; 28] = {
    let fedramp = crate::model::plan::FEDRAMP_POAM_COLUMNS;
    let mut all = [""; 28];
    let mut i = 0;
    while i < all.len() {
        all[i] = if i < CSFKIT_COLUMNS.len() {
            CSFKIT_COLUMNS[i]
        } else {
            fedramp[i - CSFKIT_COLUMNS.len()]
        };
        i += 1;
    }
    all
};

/// The FedRAMP POA&M columns after csfkit's first twelve, in [`POAM_COLUMNS`] order.
pub(crate) const FEDRAMP_COLUMNS: &[&str] = &crate::model::plan::FEDRAMP_POAM_COLUMNS;

/// Where a gap's remediation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PlanState {
    /// An open plan, due on or after the as-of date.
    Planned,
    /// An open plan past its due date.
    Overdue,
    /// The risk is accepted.
    RiskAccepted,
    /// No plan, or a plan closed while the gap is still there.
    Unplanned,
}

/// One POA&M row: a gap and its plan.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PoamRow {
    /// Stable identifier: `POAM-` and the control ID.
    pub poam_id: String,
    /// The CSF 2.0 subcategory.
    pub control_id: String,
    /// Short name: the control and its first gap reason.
    pub weakness_name: String,
    /// The subcategory's text, the ownership, the evidence state and every gap reason.
    pub weakness_description: String,
    /// The plan's owner.
    pub point_of_contact: String,
    /// The plan's action.
    pub remediation_plan: String,
    /// When the weakness was first planned for (its first plan record), else the as-of date.
    pub detected: NaiveDate,
    /// The plan's due date.
    pub due: Option<NaiveDate>,
    /// The plan's milestones, `date: text; ...`.
    pub milestones: String,
    /// FedRAMP-style status: Ongoing, Ongoing (overdue), Risk Accepted, ...
    pub status: String,
    /// The date of the plan record in force, else the as-of date.
    pub status_date: NaiveDate,
    /// The plan's note, as written.
    pub comments: String,
    /// Where the remediation stands.
    pub state: PlanState,
    /// Function code of the control.
    pub function: String,
    /// The plan's risk rating in force (`plan --risk`).
    pub risk: Option<Risk>,
    /// The risk first rated.
    pub original_risk: Option<Risk>,
    /// The FedRAMP columns the plan carries as read (`plan import`).
    pub fedramp: BTreeMap<String, String>,
}

/// The date part of an RFC 3339 timestamp.
fn day(at: &str) -> Option<NaiveDate> {
    at.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
}

/// One row per gap of `cov`, in matrix order (dates never after the as-of date: a record made
/// today in UTC may be dated the day after a local as-of date), with the plan in force for its control
/// (`plans`: control -> (newest record, timestamp of the first record)).
pub(crate) fn rows(cov: &Coverage, plans: &HashMap<String, (PlanRow, String)>) -> Vec<PoamRow> {
    let as_of = cov.as_of;
    let day = |at: &str| day(at).map(|d| d.min(as_of));
    cov.gaps()
        .map(|(r, c)| {
            let plan = plans.get(&r.control_id);
            let reasons = c.gaps.join("; ");
            let title = r.title.trim_end();
            let stop = if title.ends_with(['.', '!', '?']) { "" } else { "." };
            let description = format!(
                "{title}{stop} Ownership: {}. Evidence: {}. Gap: {reasons}.",
                r.effective,
                c.state.as_str()
            );
            // Comments carry the plan's note as written, so that a POA&M edited and imported
            // back (`csfkit plan import poam.csv`) records what the user wrote. The status is
            // one of the POA&M words (Ongoing, Delayed, Completed, Risk Accepted): a gap
            // without a plan is an open item (Ongoing, its plan columns empty); a plan closed
            // while the gap persists stays Completed here (so the file reads back as closed)
            // and is counted as unplanned.
            let (state, status) = match plan.map(|(p, _)| p) {
                None => (PlanState::Unplanned, STATUS_ONGOING),
                Some(p) => match p.status {
                    PlanStatus::Open if p.overdue(as_of) => (PlanState::Overdue, STATUS_DELAYED),
                    PlanStatus::Open => (PlanState::Planned, STATUS_ONGOING),
                    PlanStatus::RiskAccepted => (PlanState::RiskAccepted, STATUS_RISK_ACCEPTED),
                    PlanStatus::Closed => (PlanState::Unplanned, STATUS_COMPLETED),
                },
            };
            let comments = plan.map(|(p, _)| p.note.clone()).unwrap_or_default();
            PoamRow {
                poam_id: format!("POAM-{}", r.control_id),
                control_id: r.control_id.clone(),
                weakness_name: format!(
                    "{}: {}",
                    r.control_id,
                    c.gaps.first().map(String::as_str).unwrap_or("gap")
                ),
                weakness_description: description,
                point_of_contact: plan.map(|(p, _)| p.owner.clone()).unwrap_or_default(),
                remediation_plan: plan.map(|(p, _)| p.action.clone()).unwrap_or_default(),
                detected: plan.and_then(|(_, first)| day(first)).unwrap_or(as_of),
                due: plan.map(|(p, _)| p.due),
                milestones: plan.map(|(p, _)| p.milestones_text()).unwrap_or_default(),
                status: status.to_string(),
                status_date: plan.and_then(|(p, _)| day(&p.at)).unwrap_or(as_of),
                comments,
                state,
                function: r.function.clone(),
                risk: plan.and_then(|(p, _)| p.risk),
                original_risk: plan.and_then(|(p, _)| p.original_risk),
                fedramp: plan.map(|(p, _)| p.fedramp.clone()).unwrap_or_default(),
            }
        })
        .collect()
}

/// An open plan on or before its due date, or a gap without a plan (FedRAMP's word).
pub(crate) const STATUS_ONGOING: &str = "Ongoing";
/// An open plan past its due date.
pub(crate) const STATUS_DELAYED: &str = "Delayed";
/// A closed plan.
pub(crate) const STATUS_COMPLETED: &str = "Completed";
/// The risk is accepted.
pub(crate) const STATUS_RISK_ACCEPTED: &str = "Risk Accepted";

/// The closed POA&M items: one row per control of `cov` whose plan in force is closed and that
/// is no gap now (a closed plan whose gap persists is an open item, [`rows`]), in matrix order,
/// status Completed, dated by the closing record.
pub(crate) fn closed_rows(cov: &Coverage, plans: &HashMap<String, (PlanRow, String)>) -> Vec<PoamRow> {
    let as_of = cov.as_of;
    let day = |at: &str| day(at).map(|d| d.min(as_of));
    cov.matrix
        .rows
        .iter()
        .zip(&cov.controls)
        .filter(|(_, c)| c.gaps.is_empty())
        .filter_map(|(r, _)| {
            let (p, first) = plans.get(&r.control_id)?;
            if p.status != PlanStatus::Closed {
                return None;
            }
            let title = r.title.trim_end();
            let stop = if title.ends_with(['.', '!', '?']) { "" } else { "." };
            Some(PoamRow {
                poam_id: format!("POAM-{}", r.control_id),
                control_id: r.control_id.clone(),
                weakness_name: format!("{}: closed", r.control_id),
                weakness_description: format!("{title}{stop} Ownership: {}. No gap at {as_of}.", r.effective),
                point_of_contact: p.owner.clone(),
                remediation_plan: p.action.clone(),
                detected: day(first).unwrap_or(as_of),
                due: Some(p.due),
                milestones: p.milestones_text(),
                status: STATUS_COMPLETED.to_string(),
                status_date: day(&p.at).unwrap_or(as_of),
                comments: p.note.clone(),
                state: PlanState::Unplanned,
                function: r.function.clone(),
                risk: p.risk,
                original_risk: p.original_risk,
                fedramp: p.fedramp.clone(),
            })
        })
        .collect()
}

impl PoamRow {
    /// The row as text cells, in [`POAM_COLUMNS`] order.
    pub(crate) fn cells(&self) -> Vec<String> {
        let mut cells = vec![
            self.poam_id.clone(),
            self.control_id.clone(),
            self.weakness_name.clone(),
            self.weakness_description.clone(),
            self.point_of_contact.clone(),
            self.remediation_plan.clone(),
            self.detected.to_string(),
            self.due.map(|d| d.to_string()).unwrap_or_default(),
            self.milestones.clone(),
            self.status.clone(),
            self.status_date.to_string(),
            self.comments.clone(),
        ];
        let original = self.original_risk.or(self.risk);
        let adjusted = match (self.original_risk, self.risk) {
            (Some(o), Some(r)) if o != r => Some(r),
            _ => None,
        };
        for col in FEDRAMP_COLUMNS {
            let kept = self.fedramp.get(*col).cloned().unwrap_or_default();
            cells.push(match *col {
                "Original Risk Rating" => rating(original),
                "Adjusted Risk Rating" => rating(adjusted),
                "Risk Adjustment" if kept.is_empty() => match (original, adjusted) {
                    (_, Some(_)) => "Yes".to_string(),
                    (Some(_), None) => "No".to_string(),
                    _ => String::new(),
                },
                _ => kept,
            });
        }
        cells
    }
}

/// A risk rating as the FedRAMP POA&M writes it (`Low`, `Moderate`, `High`), or empty.
fn rating(r: Option<Risk>) -> String {
    r.map(|r| {
        let s = r.as_str();
        format!("{}{}", s[..1].to_uppercase(), &s[1..])
    })
    .unwrap_or_default()
}

/// Gaps counted by where their remediation stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct PlanCounts {
    /// With an open plan, on time.
    pub planned: usize,
    /// With an open plan past its due date.
    pub overdue: usize,
    /// With the risk accepted.
    pub risk_accepted: usize,
    /// Without a plan (or with a closed one while still a gap).
    pub unplanned: usize,
}

/// Counts of `rows` (all of them, or those of one function).
pub(crate) fn counts<'a>(rows: impl IntoIterator<Item = &'a PoamRow>) -> PlanCounts {
    let mut c = PlanCounts::default();
    for r in rows {
        match r.state {
            PlanState::Planned => c.planned += 1,
            PlanState::Overdue => c.overdue += 1,
            PlanState::RiskAccepted => c.risk_accepted += 1,
            PlanState::Unplanned => c.unplanned += 1,
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poam_columns_are_csfkits_twelve_then_fedramps() {
        assert_eq!(&POAM_COLUMNS[12..], crate::model::plan::FEDRAMP_POAM_COLUMNS);
        assert_eq!(POAM_COLUMNS[9], "Status");
    }
}
