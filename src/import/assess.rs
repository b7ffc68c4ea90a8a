//! The assessment import: implementation statuses from a spreadsheet or CSV, every row
//! validated, all or nothing. [`read`] checks the file and finds the header row before the
//! catalogue is opened; [`validate`] checks every row against the catalogue's IDs.

use std::collections::HashMap;
use std::path::Path;

use crate::catalogue::NewAssessment;
use crate::error::{Error, Location, Problem, Result};
use crate::import::header::{HEADER_SEARCH_ROWS, header_key};
use crate::import::reader::RawTable;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::assessment::Status;
use crate::model::ownership::Service;

/// Header synonyms of the assessment import, compared ignoring case, spaces and punctuation.
pub const FIELDS: &[(&str, &[&str])] = &[
    (
        "control_id",
        &[
            "controlid",
            "control",
            "csfid",
            "subcategory",
            "requirement",
            "id",
        ],
    ),
    ("status", &["status", "implementationstatus", "implementation"]),
    ("note", &["note", "notes", "justification", "comment", "comments"]),
    ("by", &["by", "assessedby", "assessor", "owner"]),
    ("service", &["service", "servicemodel"]),
];

/// A file read and its header row found.
pub struct Read {
    /// The file's name, for the records' source.
    pub name: String,
    /// `import <name> (<sha256>)`: what each record says it came from.
    pub source: String,
    table: RawTable,
    header_row: usize,
    cols: HashMap<&'static str, usize>,
}

/// Reads `file` (a spreadsheet gives the first sheet with the columns, or `sheet`) and finds
/// its header row: the first row naming a control and a status column.
pub fn read(file: &Path, sheet: Option<&str>) -> Result<Read> {
    let bytes = crate::util::fs::read_regular(file).map_err(|e| Error::InputMissing {
        path: file.to_path_buf(),
        source: e,
    })?;
    // Read once: the hash recorded is the hash of the rows validated.
    let tables = crate::import::reader::tables_from_bytes(&file.display().to_string(), &bytes)?;
    // The header row: the first row (of the chosen sheet) naming a control and a status column.
    let mut found = None;
    'tables: for t in tables {
        if let Some(s) = sheet {
            if !t.sheet.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(s)) {
                continue;
            }
        }
        for (i, (_, cells)) in t.rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
            let mut cols: HashMap<&'static str, usize> = HashMap::new();
            for (c, h) in cells.iter().enumerate() {
                let k = header_key(h);
                if let Some((f, _)) = FIELDS.iter().find(|(_, syn)| syn.contains(&k.as_str())) {
                    cols.entry(f).or_insert(c);
                }
            }
            if cols.contains_key("control_id") && cols.contains_key("status") {
                found = Some((t, i, cols));
                break 'tables;
            }
        }
    }
    let Some((table, header_row, cols)) = found else {
        return Err(Error::Data(format!(
            "{}: no header row with a control column (Control ID, Control, CSF ID, Subcategory) and a status column (Status, Implementation Status){}",
            file.display(),
            sheet.map(|s| format!(" in sheet `{s}`")).unwrap_or_default()
        )));
    };
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = format!("import {name} ({})", crate::util::sha256_hex(&bytes));
    Ok(Read {
        name,
        source,
        table,
        header_row,
        cols,
    })
}

/// Checks every row: the control (a CSF 2.0 subcategory; a CSF 1.1 ID is refused naming its
/// successors), the status, the service model, a justification for not-applicable, one record
/// per control and service model. `default_by` is who assesses rows without a `by`. Every
/// problem is reported at once ([`Error::Invalid`]).
pub fn validate(read: &Read, resolver: &Resolver, default_by: &str) -> Result<Vec<NewAssessment>> {
    let (t, h, cols) = (&read.table, read.header_row, &read.cols);
    let header = &t.rows[h].1;
    let mut problems = Vec::new();
    let mut records = Vec::new();
    let mut seen: HashMap<(String, Option<Service>), usize> = HashMap::new();
    for (row_no, row) in &t.rows[h + 1..] {
        let get = |f: &str| {
            cols.get(f)
                .and_then(|c| row.get(*c))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if FIELDS.iter().all(|(f, _)| get(f).is_empty()) {
            continue;
        }
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: cols.get(f).and_then(|c| header.get(*c)).cloned(),
                },
                value: Some(value.to_string()),
                message,
            });
        };
        let control = match resolver.subcategories_for(get("control_id"), Legacy::Refuse("")) {
            Ok(found) => found.ids.into_iter().next(),
            Err(m) => {
                bad("control_id", get("control_id"), m.message);
                None
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
        if let (Some(c), Some(s)) = (control, status) {
            if let Some(first) = seen.insert((c.clone(), service), *row_no) {
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
                note: get("note").to_string(),
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
            file: t.file.clone(),
            problems,
        });
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    Ok(records)
}
