//! Remediation plans: how and when a gap will be closed (FedRAMP's POA&M vocabulary).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::ValueError;
use crate::model::review::Risk;

/// Where a remediation plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PlanStatus {
    /// Being worked on.
    Open,
    /// Done (the gap should be gone).
    Closed,
    /// The risk is accepted instead of fixed (needs a justification).
    RiskAccepted,
}

impl PlanStatus {
    /// The identifier used in files and on the command line.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Open => "open",
            PlanStatus::Closed => "closed",
            PlanStatus::RiskAccepted => "risk-accepted",
        }
    }
}

impl fmt::Display for PlanStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PlanStatus {
    type Err = ValueError;
    /// Reads csfkit's words and FedRAMP's (`Ongoing`, `Completed`, `Risk Accepted`).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let k = crate::util::loose_key(s);
        Ok(match k.as_str() {
            "open" | "ongoing" | "planned" | "inprogress" | "delayed" => PlanStatus::Open,
            "closed" | "completed" | "done" => PlanStatus::Closed,
            "riskaccepted" | "accepted" | "riskacceptance" => PlanStatus::RiskAccepted,
            _ => {
                return Err(ValueError::new(
                    s.trim(),
                    format!(
                        "`{}` is not a plan status; expected open, closed or risk-accepted",
                        s.trim()
                    ),
                ));
            }
        })
    }
}

/// The FedRAMP POA&M template's columns after the twelve csfkit wrote first (csfkit 0.2), in the
/// template's order: `poam.csv` writes them, `plan import` reads them back.
pub(crate) const FEDRAMP_POAM_COLUMNS: [&str; 16] = [
    "Weakness Detector Source",
    "Weakness Source Identifier",
    "Asset Identifier",
    "Resources Required",
    "Milestone Changes",
    "Vendor Dependency",
    "Last Vendor Check-in Date",
    "Vendor Dependent Product Name",
    "Original Risk Rating",
    "Adjusted Risk Rating",
    "Risk Adjustment",
    "False Positive",
    "Operational Requirement",
    "Deviation Rationale",
    "Supporting Documents",
    "Auto-Approve",
];

/// Whether a FedRAMP POA&M column is kept with the plan as `plan import` read it (every one
/// but the two risk ratings, which are the plan's risk; Risk Adjustment is derived from them
/// unless a value was read).
pub(crate) fn kept(column: &str) -> bool {
    !matches!(column, "Original Risk Rating" | "Adjusted Risk Rating")
}

/// One milestone of a plan: a date and what is done by then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Milestone {
    /// When.
    pub date: NaiveDate,
    /// What.
    pub text: String,
}

/// A date a plan may carry: years 1900 to 9999, what spreadsheets can hold (a POA&M goes to
/// Excel and comes back).
pub(crate) fn in_date_range(d: NaiveDate) -> bool {
    use chrono::Datelike;
    (1900..=9999).contains(&d.year())
}

impl FromStr for Milestone {
    type Err = ValueError;
    /// `YYYY-MM-DD: text`.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let refuse = || {
            ValueError::new(
                s.trim(),
                format!(
                    "`{}` is not a milestone; expected `YYYY-MM-DD: what is done by then`",
                    s.trim()
                ),
            )
        };
        let (d, t) = s.split_once(':').ok_or_else(refuse)?;
        let date = NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| refuse())?;
        if !in_date_range(date) {
            return Err(refuse());
        }
        let text = t.trim();
        if text.is_empty() {
            return Err(refuse());
        }
        Ok(Milestone {
            date,
            text: text.to_string(),
        })
    }
}

impl fmt::Display for Milestone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.date, self.text)
    }
}

/// A plan to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewPlan {
    /// CSF 2.0 subcategory.
    pub control_id: String,
    /// Scheduled completion.
    pub due: NaiveDate,
    /// Point of contact.
    pub owner: String,
    /// What will be done.
    pub action: String,
    /// Milestones, in date order.
    pub milestones: Vec<Milestone>,
    /// Where it stands.
    pub status: PlanStatus,
    /// Why it was closed or the risk accepted (required then), or a comment.
    pub note: String,
    /// The risk rating in force (`plan --risk`; the POA&M's Adjusted Risk Rating when it
    /// differs from the original).
    pub risk: Option<Risk>,
    /// The risk first rated (the POA&M's Original Risk Rating).
    pub original_risk: Option<Risk>,
    /// The FedRAMP POA&M columns csfkit does not derive, as `plan import` read them (column
    /// name to text; empty cells are not kept).
    pub fedramp: BTreeMap<String, String>,
    /// Who records it.
    pub by: String,
}

/// A plan record as stored: the newest per control is in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PlanRow {
    /// Order of records.
    pub seq: i64,
    /// CSF 2.0 subcategory.
    pub control_id: String,
    /// Scheduled completion.
    pub due: NaiveDate,
    /// Point of contact.
    pub owner: String,
    /// What will be done.
    pub action: String,
    /// Milestones.
    pub milestones: Vec<Milestone>,
    /// Where it stands.
    pub status: PlanStatus,
    /// Justification or comment.
    pub note: String,
    /// System in scope when recorded.
    pub system: String,
    /// Who recorded it.
    pub by: String,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// `cli` or `import <file> (<sha256>)`.
    pub source: String,
    /// The risk rating in force (`plan --risk`; the POA&M's Adjusted Risk Rating when it
    /// differs from the original).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub risk: Option<Risk>,
    /// The risk first rated (the POA&M's Original Risk Rating).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_risk: Option<Risk>,
    /// The FedRAMP POA&M columns csfkit does not derive, as `plan import` read them (column
    /// name to text; empty cells are not kept).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub fedramp: BTreeMap<String, String>,
}

impl PlanRow {
    /// True when the plan is open and its due date is before `as_of`.
    pub(crate) fn overdue(&self, as_of: NaiveDate) -> bool {
        self.status == PlanStatus::Open && self.due < as_of
    }

    /// Where the record stands at `as_of`: `superseded` when it is not the newest of its
    /// control (`in_force` false), else `overdue` or `planned` for an open plan, or its status.
    pub(crate) fn state(&self, in_force: bool, as_of: NaiveDate) -> &'static str {
        match self.status {
            _ if !in_force => "superseded",
            PlanStatus::Open if self.overdue(as_of) => "overdue",
            PlanStatus::Open => "planned",
            other => other.as_str(),
        }
    }

    /// The milestones as one line: `2027-01-15: SSO rolled out; 2027-02-01: ...`.
    pub(crate) fn milestones_text(&self) -> String {
        self.milestones
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_milestones_read_as_written() {
        assert_eq!("Risk Accepted".parse(), Ok(PlanStatus::RiskAccepted));
        assert_eq!("Ongoing".parse(), Ok(PlanStatus::Open));
        assert!("maybe".parse::<PlanStatus>().is_err());
        let m: Milestone = "2027-01-15: SSO rolled out".parse().unwrap();
        assert_eq!(m.to_string(), "2027-01-15: SSO rolled out");
        assert!("2027-13-01: x".parse::<Milestone>().is_err());
        assert!("tomorrow: x".parse::<Milestone>().is_err());
        assert!("2027-01-15:".parse::<Milestone>().is_err());
    }
}
