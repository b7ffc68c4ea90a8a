//! The plan of action and milestones (POA&M, FedRAMP's term): one row per gap of a coverage,
//! filled from the gap (its reasons, ownership and evidence state) and from the remediation
//! plan in force for its control, if any. `poam.csv`, the workbook's POA&M sheet, the PDF gaps
//! table and `status` all read these rows.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::plan::{PlanRow, PlanStatus};
use crate::view::coverage::Coverage;

/// The columns of `poam.csv` and the POA&M sheet: FedRAMP POA&M template names, in its order.
pub(crate) const POAM_COLUMNS: [&str; 12] = [
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
            // back (`csfkit plan import poam.csv`) records what the user wrote; the status says
            // whether there is a plan and whether it is overdue.
            let (state, status) = match plan.map(|(p, _)| p) {
                None => (PlanState::Unplanned, "No plan"),
                Some(p) => match p.status {
                    PlanStatus::Open if p.overdue(as_of) => (PlanState::Overdue, "Ongoing (overdue)"),
                    PlanStatus::Open => (PlanState::Planned, "Ongoing"),
                    PlanStatus::RiskAccepted => (PlanState::RiskAccepted, "Risk Accepted"),
                    PlanStatus::Closed => (PlanState::Unplanned, "Completed (gap persists)"),
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
            }
        })
        .collect()
}

impl PoamRow {
    /// The row as text cells, in [`POAM_COLUMNS`] order.
    pub(crate) fn cells(&self) -> Vec<String> {
        vec![
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
        ]
    }
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
