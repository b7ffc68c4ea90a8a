//! The assessor's results import (`csfkit review import`): the Test results sheet of a
//! package's workbook (or a CSV of it) read back, every row validated, all or nothing. A row
//! without a result is skipped (the assessor has not got to it); a result needs a method, the
//! assessor and the date, and a finding when it is other than satisfied.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use crate::error::{Error, Problem, Result};
use crate::import::date::parse_date;
use crate::import::header::FieldTable;
use crate::import::layout::csfkit::REVIEW;
use crate::import::resolve::{Resolution, Resolver};
use crate::model::review::{Method, Outcome, Review, Risk};

/// Reads `file` (a spreadsheet gives the first sheet with the columns, or `sheet`; CSV split
/// at `delimiter`, or the detected one) and finds its header row.
pub(crate) fn read(file: &Path, sheet: Option<&str>, delimiter: Option<u8>) -> Result<FieldTable> {
    FieldTable::read(
        file,
        sheet,
        delimiter,
        REVIEW,
        &["control_id", "method", "result", "assessor", "date"],
        "the assessor's columns of the Test results sheet: Control ID, Method, Result, Assessor and Date (Sample, Finding and Risk are read when there)",
    )
}

/// What the rows of a Test results sheet hold.
#[derive(Debug)]
pub(crate) struct Reviews {
    /// The results to record, in file order (`seq` and `recorded_at` left for the catalogue).
    pub reviews: Vec<Review>,
    /// Rows without a result (not assessed yet).
    pub skipped: usize,
}

/// Checks every row: the control (a CSF 2.0 subcategory, once per file), the method, the
/// result, the risk, the assessor and the date (not after `today`). Every problem is reported
/// at once ([`Error::Invalid`]).
pub(crate) fn validate(
    read: &FieldTable,
    resolver: &Resolver,
    today: NaiveDate,
    recorded_by: &str,
) -> Result<Reviews> {
    let mut problems = Vec::new();
    let mut reviews = Vec::new();
    let mut skipped = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let file = read.name.clone();
    for (row_no, get) in read.rows(REVIEW) {
        if get("result").is_empty() {
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
        let text = |f: &str| crate::util::unneutralise(get(f)).trim().to_string();
        let control = control_of(resolver, get("control_id"))
            .map_err(|m| bad("control_id", get("control_id"), m))
            .ok();
        let method = method_of(get("method"))
            .map_err(|m| bad("method", get("method"), m))
            .ok();
        let outcome = Outcome::parse(get("result"));
        if outcome.is_none() {
            bad(
                "result",
                get("result"),
                format!(
                    "`{}` is not a result; expected satisfied, other than satisfied or not applicable",
                    get("result")
                ),
            );
        }
        let risk = match get("risk") {
            "" => None,
            v => {
                let r = Risk::parse(v);
                if r.is_none() {
                    bad(
                        "risk",
                        v,
                        format!("`{v}` is not a risk rating; expected low, moderate or high"),
                    );
                }
                r
            }
        };
        let finding = text("finding");
        if outcome == Some(Outcome::OtherThanSatisfied) && finding.is_empty() {
            bad(
                "finding",
                "",
                "an other than satisfied result needs its finding (what was wrong)".into(),
            );
        }
        let assessor = text("assessor");
        if assessor.is_empty() {
            bad(
                "assessor",
                "",
                "a result needs the assessor who reached it (the Assessor column)".into(),
            );
        }
        let date = date_of(get("date"), today)
            .map_err(|m| bad("date", get("date"), m))
            .ok();
        if let Some(c) = &control {
            if let Some(first) = seen.insert(c.clone(), row_no) {
                bad(
                    "control_id",
                    get("control_id"),
                    format!("{c} already has a result on row {first}; one result per control and file"),
                );
                continue;
            }
        }
        let (Some(control_id), Some(method), Some(outcome), Some(assessed_on)) =
            (control, method, outcome, date)
        else {
            continue;
        };
        if assessor.is_empty() {
            continue;
        }
        reviews.push(Review {
            seq: 0,
            control_id,
            method,
            sample: text("sample"),
            outcome,
            finding,
            risk,
            assessor,
            assessed_on,
            source_file: file.clone(),
            source_sha256: read.sha256.clone(),
            source_place: match &read.table.sheet {
                Some(s) => format!("{s} row {row_no}"),
                None => format!("row {row_no}"),
            },
            recorded_by: recorded_by.to_string(),
            recorded_at: String::new(),
        });
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: read.file().to_string(),
            problems,
            more: 0,
        });
    }
    Ok(Reviews { reviews, skipped })
}

/// The CSF 2.0 subcategory a Control ID cell names, or why it names none.
fn control_of(resolver: &Resolver, cell: &str) -> std::result::Result<String, String> {
    if cell.is_empty() {
        return Err("a result needs its control (the Control ID column)".into());
    }
    match resolver.resolve(cell) {
        Ok(Resolution::Active(id)) if resolver.is_subcategory(&id) => Ok(id),
        Ok(Resolution::Active(id)) => Err(format!(
            "`{id}` is not a subcategory; an assessor's result is for one CSF 2.0 subcategory (e.g. {id}-01)"
        )),
        Ok(Resolution::Legacy { old, successors }) => Err(format!(
            "`{old}` is a CSF 1.1 ID; an assessor's result is for one CSF 2.0 subcategory: one of {}",
            successors.join(", ")
        )),
        Err(e) => Err(e.message),
    }
}

/// The method a Method cell names, or why it names none.
fn method_of(cell: &str) -> std::result::Result<Method, String> {
    match Method::parse(cell) {
        Some(m) => Ok(m),
        None if cell.is_empty() => Err("a result needs its method: examine, interview or test".into()),
        None => Err(format!(
            "`{cell}` is not an assessment method; expected examine, interview or test"
        )),
    }
}

/// The day a Date cell gives (a date cell or YYYY-MM-DD), not after `today`, or why not.
fn date_of(cell: &str, today: NaiveDate) -> std::result::Result<NaiveDate, String> {
    match parse_date(cell, None) {
        Ok(Some(d)) if d > today => Err(format!(
            "`{d}` is after today ({today}); expected the day the control was assessed"
        )),
        Ok(Some(d)) if !crate::model::plan::in_date_range(d) => {
            Err("expected a date from 1900 to 9999".into())
        }
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err("a result needs the date it was reached (YYYY-MM-DD or a date cell)".into()),
        Err(m) => Err(m.message),
    }
}

/// True when `new` says what `old` (a recorded result for the same control) says: the same
/// method, sample, result, finding, risk, assessor and date (a package's workbook imported
/// again, its earlier results shown in the sheet, records nothing new).
pub(crate) fn same_result(old: &Review, new: &Review) -> bool {
    old.control_id == new.control_id
        && old.method == new.method
        && old.sample == new.sample
        && old.outcome == new.outcome
        && old.finding == new.finding
        && old.risk == new.risk
        && old.assessor == new.assessor
        && old.assessed_on == new.assessed_on
}
