//! The assessment import: implementation statuses from a spreadsheet or CSV, every row
//! validated, all or nothing. [`read`] checks the file and finds the header row before the
//! catalogue is opened; [`validate`] checks every row against the catalogue's IDs.

use std::collections::HashMap;
use std::path::Path;

use crate::catalogue::NewAssessment;
use crate::error::{Error, Problem, Result};
use crate::import::header::FieldTable;
use crate::import::layout::csfkit::ASSESSMENT;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::assessment::Status;
use crate::model::crosswalk::RefFramework;
use crate::model::ownership::Service;

/// Reads `file` (a spreadsheet gives the first sheet with the columns, or `sheet`) and finds
/// its header row (CSV split at `delimiter`, or the detected one): the first row naming a control and a status column.
pub(crate) fn read(file: &Path, sheet: Option<&str>, delimiter: Option<u8>) -> Result<FieldTable> {
    FieldTable::read(
        file,
        sheet,
        delimiter,
        ASSESSMENT,
        &["control_id", "status"],
        "a control column (Control ID, Control, CSF ID, Subcategory) and a status column (Status, Implementation Status)",
    )
}

/// A note with where a mapped control came from appended (`... [mapped from AC-2 (sp800-53)]`).
pub(crate) fn mapped_note(note: &str, from: Option<&(String, RefFramework)>) -> String {
    match from {
        Some((id, f)) if note.is_empty() => format!("[mapped from {id} ({f})]"),
        Some((id, f)) => format!("{note} [mapped from {id} ({f})]"),
        None => note.to_string(),
    }
}

/// Checks every row: the control (a CSF 2.0 subcategory; a CSF 1.1 ID is refused naming its
/// successors), the status, the service model, a justification for not-applicable, one record
/// per control and service model. `default_by` is who assesses rows without a `by`. Every
/// problem is reported at once ([`Error::Invalid`]).
pub(crate) fn validate(
    read: &FieldTable,
    resolver: &Resolver,
    framework: Option<RefFramework>,
    default_by: &str,
) -> Result<Vec<NewAssessment>> {
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<(String, Option<Service>), usize> = HashMap::new();
    for (row_no, get) in read.rows(ASSESSMENT) {
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: read.loc(row_no, f),
                value: Some(value.to_string()),
                message,
            });
        };
        // A CSF 1.1 ID is refused (its successors named); another framework's ID stands for
        // every subcategory whose NIST references cite it, each recorded with where it came from.
        let (controls, from) = match resolver.map(get("control_id"), framework, Legacy::Refuse("")) {
            Ok(found) => (found.ids, found.from),
            Err(m) => {
                bad("control_id", get("control_id"), m.message);
                (Vec::new(), None)
            }
        };
        let status = match get("status").parse::<Status>() {
            Ok(s) => Some(s),
            Err(m) => {
                bad("status", get("status"), m.message);
                None
            }
        };
        let service = if get("service").is_empty() {
            None
        } else {
            match get("service").parse::<Service>() {
                Ok(s) => Some(s),
                Err(m) => {
                    bad("service", get("service"), m.message);
                    None
                }
            }
        };
        if status == Some(Status::NotApplicable) && get("note").is_empty() {
            bad(
                "note",
                "",
                "not-applicable needs a justification in the note column".into(),
            );
            continue;
        }
        let Some(s) = status else { continue };
        let note = mapped_note(get("note"), from.as_ref());
        for c in controls {
            if let Some(first) = seen.insert((c.clone(), service), row_no) {
                bad(
                    "control_id",
                    get("control_id"),
                    format!("{c} is already assessed on row {first}"),
                );
                continue;
            }
            records.push(NewAssessment {
                control_id: c,
                service,
                status: s,
                note: note.clone(),
                by: if get("by").is_empty() {
                    default_by.to_string()
                } else {
                    get("by").to_string()
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
    Ok(records)
}
