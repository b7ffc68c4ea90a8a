//! The remediation plan import: plans from a spreadsheet or CSV (csfkit's columns, or a
//! FedRAMP-style POA&M such as the `poam.csv` csfkit writes), every row validated, all or
//! nothing. Rows that carry no plan (no due date, owner, action or milestones: an unplanned
//! gap in an exported POA&M) are skipped and counted.

use std::collections::HashMap;
use std::path::Path;

use crate::error::{Error, Problem, Result};
use crate::import::date::parse_date;
use crate::import::header::FieldTable;
use crate::import::layout::csfkit::PLAN;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::crosswalk::RefFramework;
use crate::model::plan::{Milestone, NewPlan, PlanStatus};
use crate::model::review::Risk;

/// The fields that make a row a plan: a row with none of them is an unplanned gap.
const PLAN_DATA: [&str; 4] = ["due", "owner", "action", "milestones"];

/// Reads `file` (a spreadsheet gives the first sheet with the columns, or `sheet`) and finds
/// its header row (CSV split at `delimiter`, or the detected one): the first row naming a control and the due date, owner and action.
pub(crate) fn read(file: &Path, sheet: Option<&str>, delimiter: Option<u8>) -> Result<FieldTable> {
    FieldTable::read(
        file,
        sheet,
        delimiter,
        PLAN,
        &["control_id", "due", "owner", "action"],
        "the columns of a plan: control (Control ID, Controls), due date (Due, Scheduled Completion Date), owner (Owner, Point of Contact) and action (Action, Overall Remediation Plan)",
    )
}

/// Splits a milestones cell: one per line or separated by `;`, each `YYYY-MM-DD: text`. A
/// piece that does not start with `DATE:` continues the previous one with its separator (a
/// milestone's text may hold `;`, line breaks and dates), so a cell csfkit wrote reads back
/// exactly.
pub(crate) fn split_milestones(cell: &str) -> Vec<String> {
    let starts_milestone = |p: &str| {
        let p = p.trim_start();
        p.len() >= 10
            && p.is_char_boundary(10)
            && parse_date(&p[..10], None).ok().flatten().is_some()
            && p[10..].trim_start().starts_with(':')
    };
    let mut out: Vec<String> = Vec::new();
    let mut rest = cell;
    let mut sep = "";
    loop {
        let (piece, next) = match rest.find(['\n', ';']) {
            Some(i) => (&rest[..i], Some((&rest[i..i + 1], &rest[i + 1..]))),
            None => (rest, None),
        };
        match out.last_mut() {
            // A trailing separator ends the cell.
            _ if piece.trim().is_empty() && next.is_none() => {}
            Some(last) if !starts_milestone(piece) => {
                last.push_str(sep);
                last.push_str(piece);
            }
            _ if piece.trim().is_empty() => {}
            _ => out.push(piece.to_string()),
        }
        match next {
            Some((s, r)) => {
                sep = s;
                rest = r;
            }
            None => break,
        }
    }
    out.iter()
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

/// Reads a status as written in a plan file: csfkit's words, FedRAMP's, and what csfkit's own
/// POA&M shows (`Ongoing (overdue)`, `No plan`, `Completed (gap persists)`); empty is open.
pub(crate) fn parse_status(s: &str) -> std::result::Result<PlanStatus, crate::error::ValueError> {
    let base = s.split('(').next().unwrap_or(s).trim();
    if base.is_empty() || base.eq_ignore_ascii_case("no plan") {
        return Ok(PlanStatus::Open);
    }
    base.parse::<PlanStatus>()
        .map_err(|e| crate::error::ValueError::new(s.trim(), e.message))
}

/// What the rows of a plan file hold.
#[derive(Debug)]
pub(crate) struct Plans {
    /// The plans to record, in file order.
    pub plans: Vec<NewPlan>,
    /// Rows skipped because they carry no plan (an unplanned gap of an exported POA&M).
    pub skipped: usize,
}

/// Checks every row: the control (a CSF 2.0 subcategory; a CSF 1.1 ID is refused naming its
/// successors), the due date, owner and action, each milestone, the status and its note
/// (closed and risk-accepted need one), one plan per control. `default_by` records rows
/// without a `by`. Every problem is reported at once ([`Error::Invalid`]).
pub(crate) fn validate(
    read: &FieldTable,
    resolver: &Resolver,
    framework: Option<RefFramework>,
    date_format: Option<&str>,
    default_by: &str,
) -> Result<Plans> {
    let mut problems = Vec::new();
    let mut plans = Vec::new();
    let mut skipped = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row_no, get) in read.rows(PLAN) {
        // An unplanned gap of an exported POA&M: no plan data, status `No plan` or empty, no
        // comment. A status or comment typed into such a row is meant: it is checked, not
        // skipped (a risk acceptance without due date, owner and action is a row error).
        // An open item of csfkit's POA&M without a plan says `Ongoing` (csfkit 0.2 wrote `No
        // plan`): only a closing or accepting status is meant as a plan of its own.
        let status_given = parse_status(get("status")) != Ok(PlanStatus::Open);
        if PLAN_DATA.iter().all(|f| get(f).is_empty()) && !status_given && get("note").is_empty() {
            skipped += 1;
            continue;
        }
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: read.loc(row_no, f),
                value: Some(value.to_string()),
                message,
            });
        };
        let (controls, from) = match resolver.map(get("control_id"), framework, Legacy::Refuse("")) {
            Ok(found) => (found.ids, found.from),
            Err(m) => {
                bad("control_id", get("control_id"), m.message);
                (Vec::new(), None)
            }
        };
        let due = match parse_date(get("due"), date_format) {
            Ok(Some(d)) if !crate::model::plan::in_date_range(d) => {
                bad("due", get("due"), "expected a date from 1900 to 9999".into());
                None
            }
            Ok(Some(d)) => Some(d),
            Ok(None) => {
                bad("due", "", "a plan needs a due date (YYYY-MM-DD)".into());
                None
            }
            Err(m) => {
                bad("due", get("due"), m.message);
                None
            }
        };
        // Text as csfkit's poam.csv writes it comes back exactly: its `'` before a formula
        // character goes (`util::neutralise_reversible`).
        let text = |f: &str| crate::util::unneutralise(get(f)).into_owned();
        let (owner, action, note_text) = (text("owner"), text("action"), text("note"));
        for (f, what) in [
            ("owner", "an owner (who answers for it)"),
            ("action", "an action (what will be done)"),
        ] {
            if get(f).is_empty() {
                bad(f, "", format!("a plan needs {what}"));
            }
        }
        let mut milestones = Vec::new();
        for m in split_milestones(&text("milestones")) {
            match m.parse::<Milestone>() {
                Ok(m) => milestones.push(m),
                Err(e) => bad("milestones", &m, e.message),
            }
        }
        milestones.sort_by_key(|m| m.date);
        let status = match parse_status(get("status")) {
            Ok(s) => Some(s),
            Err(m) => {
                bad("status", get("status"), m.message);
                None
            }
        };
        if status.is_some_and(|s| s != PlanStatus::Open) && get("note").is_empty() {
            bad(
                "note",
                "",
                format!(
                    "a {} plan needs a note saying why (the justification an assessor reads)",
                    status.map(|s| s.as_str()).unwrap_or_default()
                ),
            );
            continue;
        }
        let (Some(due), Some(status)) = (due, status) else {
            continue;
        };
        if owner.is_empty() || action.is_empty() {
            continue;
        }
        let note = crate::import::assess::mapped_note(&note_text, from.as_ref());
        let (risk, original_risk, fedramp) = fedramp_of(&get, &mut bad);
        for c in controls {
            if let Some(first) = seen.insert(c.clone(), row_no) {
                bad(
                    "control_id",
                    get("control_id"),
                    format!("{c} already has a plan on row {first}; one plan per control"),
                );
                continue;
            }
            plans.push(NewPlan {
                control_id: c,
                due,
                owner: owner.clone(),
                action: action.clone(),
                milestones: milestones.clone(),
                status,
                note: note.clone(),
                risk,
                original_risk,
                fedramp: fedramp.clone(),
                by: if get("by").is_empty() {
                    default_by.to_string()
                } else {
                    text("by")
                },
            });
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: read.file().to_string(),
            problems,
            more: 0,
        });
    }
    Ok(Plans { plans, skipped })
}

/// The FedRAMP columns of a row: the risk in force (Adjusted Risk Rating, else the Original),
/// the Original Risk Rating, and the columns csfkit keeps as written; a rating that is not one
/// is reported through `bad`.
type Fedramp = (
    Option<Risk>,
    Option<Risk>,
    std::collections::BTreeMap<String, String>,
);

fn fedramp_of<'a>(get: &impl Fn(&str) -> &'a str, bad: &mut impl FnMut(&str, &str, String)) -> Fedramp {
    let mut rating = |f: &str| -> Option<Risk> {
        let v = get(f);
        if v.is_empty() {
            return None;
        }
        let r = Risk::parse(v);
        if r.is_none() {
            bad(
                f,
                v,
                format!("`{v}` is not a risk rating; expected Low, Moderate or High"),
            );
        }
        r
    };
    let original_risk = rating("original_risk");
    let risk = rating("risk").or(original_risk);
    let kept = crate::model::plan::FEDRAMP_POAM_COLUMNS
        .iter()
        .filter(|c| crate::model::plan::kept(c))
        .filter(|c| !get(c).is_empty())
        .map(|c| ((*c).to_string(), crate::util::unneutralise(get(c)).into_owned()))
        .collect();
    (risk, original_risk, kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn milestones_split_on_lines_and_semicolons_keeping_text_whole() {
        assert_eq!(
            split_milestones("2027-01-15: SSO; MFA rolled out\n2027-02-01: audit"),
            vec!["2027-01-15: SSO; MFA rolled out", "2027-02-01: audit"]
        );
        assert_eq!(
            split_milestones("2027-01-15: a; 2027-02-01: b"),
            vec!["2027-01-15: a", "2027-02-01: b"]
        );
        assert!(split_milestones("  ").is_empty());
        // Text csfkit's POA&M wrote reads back exactly: dates without a colon, line breaks.
        assert_eq!(
            split_milestones("2027-01-15: cut over; 2027-03-01 review follows; 2027-04-01: done"),
            vec![
                "2027-01-15: cut over; 2027-03-01 review follows",
                "2027-04-01: done"
            ]
        );
        assert_eq!(
            split_milestones("2027-01-15: step one\nstep two; 2027-02-01: b;"),
            vec!["2027-01-15: step one\nstep two", "2027-02-01: b"]
        );
    }

    #[test]
    fn statuses_as_csfkit_writes_them_in_a_poam_read_back() {
        assert_eq!(parse_status("Ongoing (overdue)"), Ok(PlanStatus::Open));
        assert_eq!(parse_status("Delayed"), Ok(PlanStatus::Open));
        assert_eq!(parse_status("Completed"), Ok(PlanStatus::Closed));
        assert_eq!(parse_status("No plan"), Ok(PlanStatus::Open));
        assert_eq!(parse_status(""), Ok(PlanStatus::Open));
        assert_eq!(parse_status("Completed (gap persists)"), Ok(PlanStatus::Closed));
        assert_eq!(parse_status("Risk Accepted"), Ok(PlanStatus::RiskAccepted));
        assert!(parse_status("soon").is_err());
    }
}
