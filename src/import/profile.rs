//! `profile import`: NIST's Organizational Profile template (sheet `Current and Target Profile`,
//! `crate::model::profile::TEMPLATE`) as the current and target outcomes of a profile. The header
//! row is found like every import's (title rows above it, the synonyms of
//! [`crate::import::layout::profile`]); every row is checked, all or nothing.

use std::collections::HashMap;
use std::path::Path;

use crate::catalogue::NewOutcome;
use crate::error::{Error, Problem, Result};
use crate::import::header::FieldTable;
use crate::import::layout::profile::{COMMUNITY, ORGANIZATIONAL};
use crate::import::resolve::{Resolution, Resolver};
use crate::model::profile::{EXTRA_FIELDS, id_candidates, parse_included};

/// Reads `file` (the template's sheet unless `sheet` names another; a CSV is its one table) and
/// finds its header row: the first naming the outcome, included and target priority columns.
pub(crate) fn read(file: &Path, sheet: Option<&str>) -> Result<FieldTable> {
    FieldTable::read(
        file,
        sheet,
        None,
        ORGANIZATIONAL,
        &["outcome", "included", "target_priority"],
        "the Organizational Profile template's columns `CSF Outcome (Function, Category, or Subcategory)`, `Included in Profile?` and `Target Priority`",
    )
}

/// The outcome a filled row names, resolved (a note for an ID read through the crosswalk goes
/// to `notes`) and seen once in its file; or why not (`missing` when the cell is empty).
fn row_outcome(
    resolver: &Resolver,
    cell: &str,
    row_no: usize,
    seen: &mut HashMap<String, usize>,
    notes: &mut Vec<String>,
    missing: &str,
) -> std::result::Result<String, String> {
    if cell.is_empty() {
        return Err(missing.to_string());
    }
    let (id, note) = element(resolver, cell)?;
    if let Some(n) = note {
        notes.push(format!("row {row_no}: {n}"));
    }
    if let Some(first) = seen.insert(id.clone(), row_no) {
        return Err(format!(
            "{id} is already on row {first}; give each outcome one row"
        ));
    }
    Ok(id)
}

/// One element ID from an outcome cell, through the one resolver: an active function, category
/// or subcategory; a CSF 1.1 ID with one CSF 2.0 successor (a note says so); else the resolver's
/// message for the cell as written.
fn element(resolver: &Resolver, cell: &str) -> std::result::Result<(String, Option<String>), String> {
    let mut first_err = None;
    for c in id_candidates(cell) {
        match resolver.resolve(&c) {
            Ok(Resolution::Active(id)) => return Ok((id, None)),
            Ok(Resolution::Legacy { old, successors }) if successors.len() == 1 => {
                let note = format!("CSF 1.1 `{old}` read as CSF 2.0 {}", successors[0]);
                return Ok((successors[0].clone(), Some(note)));
            }
            Ok(Resolution::Legacy { old, successors }) => {
                return Err(format!(
                    "CSF 1.1 `{old}` maps to several CSF 2.0 outcomes: {}; write one row for each",
                    successors.join(", ")
                ));
            }
            Err(e) => {
                first_err.get_or_insert(e.message);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| "expected a CSF 2.0 function, category or subcategory ID".into()))
}

/// Checks every row against the catalogue's IDs and the profile's priority `scale` (values
/// matched ignoring case, stored in the scale's spelling). Rows with nothing but an outcome and
/// its description are skipped. Returns the outcomes and the notes on CSF 1.1 IDs; every problem
/// is reported at once ([`Error::Invalid`]).
pub(crate) fn validate(
    read: &FieldTable,
    resolver: &Resolver,
    scale: &[String],
    profile: &str,
) -> Result<(Vec<NewOutcome>, Vec<String>)> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (row_no, get) in read.rows(ORGANIZATIONAL) {
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: read.loc(row_no, f),
                value: Some(value.to_string()),
                message,
            });
        };
        let filled = ORGANIZATIONAL
            .iter()
            .any(|f| !matches!(f.name, "outcome" | "description") && !get(f.name).is_empty());
        if !filled {
            continue;
        }
        let id = match row_outcome(
            resolver,
            get("outcome"),
            row_no,
            &mut seen,
            &mut notes,
            "a filled row needs its CSF outcome ID (e.g. GV.OC-01)",
        ) {
            Ok(id) => id,
            Err(m) => {
                bad("outcome", get("outcome"), m);
                continue;
            }
        };
        let included = match parse_included(get("included")) {
            Ok(v) => v,
            Err(m) => {
                bad("included", get("included"), m);
                None
            }
        };
        let priority = get("target_priority");
        let target_priority = if priority.is_empty() {
            String::new()
        } else if let Some(p) = scale.iter().find(|s| s.eq_ignore_ascii_case(priority)) {
            p.clone()
        } else {
            bad(
                "target_priority",
                priority,
                if scale.is_empty() {
                    format!(
                        "profile `{profile}` declares no priority scale; create the profile with `--priorities` listing the template's priorities, highest first"
                    )
                } else {
                    format!(
                        "`{priority}` is not on profile `{profile}`'s scale; expected one of {}",
                        scale.join(", ")
                    )
                },
            );
            String::new()
        };
        let fields = EXTRA_FIELDS
            .iter()
            .filter(|k| !get(k).is_empty())
            .map(|k| ((*k).to_string(), get(k).to_string()))
            .collect();
        out.push(NewOutcome {
            element_id: id,
            included,
            rationale: get("rationale").to_string(),
            target_priority,
            target_tier: get("target_tier").to_string(),
            target_outcome: get("target_practices").to_string(),
            notes: get("notes").to_string(),
            fields,
        });
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: read.file().to_string(),
            problems,
            more: 0,
        });
    }
    Ok((out, notes))
}

/// Reads a Community Profile (NIST's Community Profile template layout) and finds its header
/// row: the first naming the CSF 2.0 Core and priority columns.
pub(crate) fn read_community(file: &Path, sheet: Option<&str>) -> Result<FieldTable> {
    FieldTable::read(
        file,
        sheet,
        None,
        COMMUNITY,
        &["outcome", "priority"],
        "the Community Profile template's columns `CSF 2.0 Core` and `Priority (recommended)`",
    )
}

/// Checks a Community Profile's rows as the target of a profile: each row with a priority, a
/// rationale or a recommendation is an outcome included in the target, its priority on the
/// profile's `scale` (ignoring case), recorded with the priority adopted and the source it came
/// from (`adopted_priority`, `adopted_from` in its fields), so that a later change is a
/// deviation. Returns the outcomes and the notes on CSF 1.1 IDs.
pub(crate) fn validate_community(
    read: &FieldTable,
    resolver: &Resolver,
    scale: &[String],
    profile: &str,
) -> Result<(Vec<NewOutcome>, Vec<String>)> {
    let mut problems = Vec::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut off_scale = Vec::new();
    for (row_no, get) in read.rows(COMMUNITY) {
        let mut bad = |f: &str, value: &str, message: String| {
            problems.push(Problem {
                location: read.loc(row_no, f),
                value: Some(value.to_string()),
                message,
            });
        };
        let filled = COMMUNITY
            .iter()
            .any(|f| !matches!(f.name, "outcome" | "description") && !get(f.name).is_empty());
        if !filled {
            continue;
        }
        let id = match row_outcome(
            resolver,
            get("outcome"),
            row_no,
            &mut seen,
            &mut notes,
            "a filled row needs its CSF 2.0 outcome ID (e.g. RS.MA-01)",
        ) {
            Ok(id) => id,
            Err(m) => {
                bad("outcome", get("outcome"), m);
                continue;
            }
        };
        let priority = get("priority");
        let target_priority = if priority.is_empty() {
            String::new()
        } else if let Some(p) = scale.iter().find(|s| s.eq_ignore_ascii_case(priority)) {
            p.clone()
        } else {
            if !off_scale
                .iter()
                .any(|p: &String| p.eq_ignore_ascii_case(priority))
            {
                off_scale.push(priority.to_string());
            }
            bad(
                "priority",
                priority,
                if scale.is_empty() {
                    format!("profile `{profile}` declares no priority scale")
                } else {
                    format!(
                        "`{priority}` is not on profile `{profile}`'s scale; expected one of {}",
                        scale.join(", ")
                    )
                },
            );
            String::new()
        };
        let mut fields = std::collections::BTreeMap::new();
        for (from, to) in [
            ("references", "target_references"),
            ("considerations", "considerations"),
        ] {
            if !get(from).is_empty() {
                fields.insert(to.to_string(), get(from).to_string());
            }
        }
        fields.insert("adopted_priority".to_string(), target_priority.clone());
        fields.insert(
            "adopted_from".to_string(),
            read.source
                .strip_prefix("import ")
                .unwrap_or(&read.source)
                .to_string(),
        );
        out.push(NewOutcome {
            element_id: id,
            included: Some(true),
            rationale: get("rationale").to_string(),
            target_priority,
            target_tier: String::new(),
            target_outcome: get("examples").to_string(),
            notes: get("notes").to_string(),
            fields,
        });
    }
    if !problems.is_empty() {
        if !off_scale.is_empty() {
            problems.push(Problem {
                location: crate::error::Location::in_file(read.file().to_string()),
                value: None,
                message: format!(
                    "the community profile's priorities {} must be on the profile's scale: create the profile with `--priorities` listing them, highest first",
                    off_scale.join(", ")
                ),
            });
        }
        return Err(Error::Invalid {
            file: read.file().to_string(),
            problems,
            more: 0,
        });
    }
    Ok((out, notes))
}
