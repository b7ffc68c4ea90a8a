//! One evidence row validated: its cells read as the header maps them (formula errors refused),
//! the required fields, the control ID through the resolver, the dates, the evidence file, the
//! extra attributes, and the content hash that makes re-imports idempotent. Every problem of a
//! row is reported at once. Nothing here writes the catalogue.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::files::EvidenceFiles;
use super::header::{COLLECTED, CONTROL, HeaderMap, LOCATION, TITLE, VALID};
use crate::error::{Location, Problem};
use crate::import::date::{iso_date, parse_date};
use crate::import::reader::{Cell, column_letters};
use crate::import::resolve::{Legacy, Resolution, Resolver};
use crate::model::crosswalk::RefFramework;
use crate::model::evidence::{EvidenceFields, FIELDS, LocationKind, MappedFrom, NewEvidence};

/// Fields that are parsed (an ID, dates, a path): white space around them never matters.
const PARSED: [usize; 4] = [CONTROL, COLLECTED, VALID, LOCATION];

/// Settings of one import that validation needs.
pub(crate) struct Validator<'a> {
    /// File name for messages.
    pub file: String,
    /// Sheet, for messages.
    pub sheet: Option<String>,
    /// Control IDs.
    pub resolver: &'a Resolver,
    /// Header mapping.
    pub header: HeaderMap,
    /// How text dates are written (`--date-format`, else the layout's).
    pub date_format: Option<String>,
    /// `--strict`: CSF 1.1 IDs are errors.
    pub strict: bool,
    /// `--framework`: how every control ID is read (None: by its shape).
    pub framework: Option<RefFramework>,
    /// The evidence files: the root they must be inside, and the hashes taken so far.
    pub files: EvidenceFiles,
    /// Rows (row, index) known to repeat an earlier row of the file, with that row: found by
    /// the import's sorted key check, empty on its first pass.
    pub dups: &'a HashMap<(usize, u16), usize>,
    /// How many valid rows are placeholders (neither a collection date nor a location: stored,
    /// listed, never counted as evidence), and the first [`SHOWN_PLACEHOLDERS`] row numbers.
    pub placeholders: (usize, Vec<usize>),
}

/// How many placeholder rows an import names (the rest are counted).
pub(crate) const SHOWN_PLACEHOLDERS: usize = 30;

/// A warning about an accepted row.
#[derive(Debug, Clone)]
pub(crate) struct Warning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
}

/// The CSF 2.0 subcategories a row's control ID stands for, and where it came from when it was
/// another framework's ID.
struct Controls {
    ids: Vec<String>,
    mapped: Option<MappedFrom>,
}

/// What one row says about its evidence file.
struct FileFound {
    kind: LocationKind,
    /// Its SHA-256 and size, when it is a file under the root.
    file: Option<(String, u64)>,
}

impl Validator<'_> {
    fn loc(&self, row: usize, field: Option<usize>) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row: Some(row),
            column: field.and_then(|f| self.header.header_of(f)),
        }
    }

    fn cell<'c>(&self, cells: &'c [Cell], field: usize) -> &'c Cell {
        self.header.columns[field]
            .and_then(|c| cells.get(c))
            .unwrap_or(&Cell::Empty)
    }

    /// Validates one data row. Returns the evidence (one per CSF 2.0 successor when a CSF 1.1
    /// ID maps to several), its warnings, and its problems (empty when the row is valid).
    pub(crate) fn row(
        &mut self,
        row: usize,
        cells: &[Cell],
    ) -> (Vec<NewEvidence>, Vec<Warning>, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let mut values = self.values(row, cells, &mut problems);
        self.required(row, cells, &values, &mut problems);
        let controls = self.controls(row, &values[CONTROL], &mut warnings, &mut problems);
        let collected = self.date(row, COLLECTED, self.cell(cells, COLLECTED), &mut problems);
        let valid = self.date(row, VALID, self.cell(cells, VALID), &mut problems);
        if let (Some(c), Some(v)) = (collected, valid) {
            if v < c {
                problems.push(Problem {
                    location: self.loc(row, Some(VALID)),
                    value: Some(v.to_string()),
                    message: format!(
                        "valid_until {v} is before collected_on {c}; expected a date on or after it"
                    ),
                });
            }
        }
        if let Some(d) = collected {
            values[COLLECTED] = iso_date(d);
        }
        if let Some(d) = valid {
            values[VALID] = iso_date(d);
        }
        let found = self.evidence_file(row, &values[LOCATION], &mut warnings, &mut problems);
        let extras = self.extras(row, cells, &mut problems);
        let controls = self.narrowed(row, cells, controls, &values[CONTROL], &mut problems);
        if !problems.is_empty() {
            return (Vec::new(), warnings, problems);
        }
        if values[COLLECTED].is_empty() && values[LOCATION].trim().is_empty() {
            self.placeholders.0 += 1;
            if self.placeholders.1.len() < SHOWN_PLACEHOLDERS {
                self.placeholders.1.push(row);
            }
        }
        let out = self.records(row, values, controls, found, &extras, &mut problems);
        if !problems.is_empty() {
            return (Vec::new(), warnings, problems);
        }
        (out, warnings, problems)
    }

    /// The text of each field's cell; a formula error (a cell, or its text as a CSV export
    /// writes it) is a problem.
    fn values(&self, row: usize, cells: &[Cell], problems: &mut Vec<Problem>) -> [String; 9] {
        let mut values: [String; 9] = Default::default();
        for (f, v) in values.iter_mut().enumerate() {
            match self.cell(cells, f) {
                Cell::Error(e) => problems.push(Problem {
                    location: self.loc(row, Some(f)),
                    value: Some(e.clone()),
                    message: format!("the cell holds the formula error {e}; expected a value (fix the formula or paste values)"),
                }),
                Cell::Text(t) if is_error_literal(t) => problems.push(Problem {
                    location: self.loc(row, Some(f)),
                    value: Some(t.trim().to_string()),
                    message: format!(
                        "the cell holds the spreadsheet error {}; expected a value (fix the formula or paste values)",
                        t.trim()
                    ),
                }),
                Cell::Text(t) if PARSED.contains(&f) => *v = t.trim().to_string(),
                // Free text keeps a leading TAB or CR as it was typed (exports neutralise it);
                // surrounding spaces and trailing white space go.
                Cell::Text(t) => *v = t.trim_end().trim_start_matches(' ').to_string(),
                // A date cell's field is written from the date it holds (`Validator::row`).
                Cell::Date(Some(_)) if f == COLLECTED || f == VALID => {}
                c => *v = c.text(),
            }
        }
        values
    }

    /// The control and the title are required (a formula error in them is already reported).
    fn required(&self, row: usize, cells: &[Cell], values: &[String; 9], problems: &mut Vec<Problem>) {
        for (f, what) in [
            (CONTROL, "a CSF 2.0 control ID such as GV.OC-01"),
            (TITLE, "a title for the evidence"),
        ] {
            let error_cell = match self.cell(cells, f) {
                Cell::Error(_) => true,
                Cell::Text(t) => is_error_literal(t),
                _ => false,
            };
            if values[f].is_empty() && !error_cell {
                problems.push(Problem {
                    location: self.loc(row, Some(f)),
                    value: Some(String::new()),
                    message: format!("{} is required and empty; expected {what}", FIELDS[f]),
                });
            }
        }
    }

    /// The CSF 2.0 subcategories a control ID stands for: exact spelling fast, everything else
    /// through the resolver (other frameworks' IDs through NIST's references, with where the
    /// row's control came from).
    fn controls(
        &self,
        row: usize,
        id: &str,
        warnings: &mut Vec<Warning>,
        problems: &mut Vec<Problem>,
    ) -> Controls {
        let none = || Controls {
            ids: Vec::new(),
            mapped: None,
        };
        if id.is_empty() {
            return none();
        }
        let legacy = if self.strict {
            Legacy::Refuse(" (refused by --strict)")
        } else {
            Legacy::Expand
        };
        match self.resolver.map(id, self.framework, legacy) {
            Ok(found) => {
                if let Some(message) = found.warning {
                    warnings.push(Warning {
                        location: self.loc(row, Some(CONTROL)),
                        message,
                    });
                }
                Controls {
                    ids: found.ids,
                    mapped: found.from.map(|(id, framework)| MappedFrom::new(id, framework)),
                }
            }
            Err(refused) => {
                problems.push(refused.at(self.loc(row, Some(CONTROL))));
                none()
            }
        }
    }

    /// The subcategories a row is offered for, when the tracker's targets column lists them:
    /// some of those its control ID stands for (NIST's references for another framework's ID),
    /// each read as a CSF 2.0 ID; a listed ID outside them is a problem naming the allowed ones.
    /// A list of all of them narrows nothing.
    fn narrowed(
        &self,
        row: usize,
        cells: &[Cell],
        controls: Controls,
        written: &str,
        problems: &mut Vec<Problem>,
    ) -> Controls {
        let Some(col) = self.header.targets else {
            return controls;
        };
        let text = cells.get(col).map(Cell::text).unwrap_or_default();
        if text.trim().is_empty() || controls.ids.is_empty() {
            return controls;
        }
        let at = || Location {
            column: Some(self.header.headers[col].clone()),
            ..self.loc(row, None)
        };
        let allowed = &controls.ids;
        let mut listed: Vec<String> = Vec::new();
        for part in text
            .split([',', ';', '\n', ' '])
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            let found = match self.resolver.resolve(part) {
                Ok(Resolution::Active(id)) if allowed.contains(&id) => Some(id),
                _ => None,
            };
            match found {
                Some(id) => listed.push(id),
                None => problems.push(Problem {
                    location: at(),
                    value: Some(part.to_string()),
                    message: format!(
                        "`{part}` is not among the CSF 2.0 subcategories `{written}` stands for; expected some of {}",
                        allowed.join(", ")
                    ),
                }),
            }
        }
        let ids: Vec<String> = allowed.iter().filter(|a| listed.contains(a)).cloned().collect();
        if ids.len() == allowed.len() || ids.is_empty() {
            return controls;
        }
        Controls {
            mapped: controls.mapped.map(|m| MappedFrom {
                offered_for: Some(ids.clone()),
                ..m
            }),
            ids,
        }
    }

    fn date(&self, row: usize, field: usize, cell: &Cell, problems: &mut Vec<Problem>) -> Option<NaiveDate> {
        let bad = |problems: &mut Vec<Problem>, value: String, message: String| {
            problems.push(Problem {
                location: self.loc(row, Some(field)),
                value: Some(value),
                message,
            });
        };
        match cell {
            Cell::Empty | Cell::Error(_) => None,
            Cell::Date(Some(d)) => Some(d.date()),
            Cell::Date(None) => {
                bad(
                    problems,
                    String::new(),
                    "the date cell is out of range; expected a date".into(),
                );
                None
            }
            Cell::Number(_) => {
                bad(
                    problems,
                    cell.text(),
                    format!(
                        "{} is a plain number, not a date; format the cell as a date in the spreadsheet or write it as YYYY-MM-DD",
                        cell.text()
                    ),
                );
                None
            }
            Cell::Bool(_) => {
                bad(problems, cell.text(), "expected a date, found TRUE/FALSE".into());
                None
            }
            Cell::DateIso(s) | Cell::Text(s) => match parse_date(s.trim(), self.date_format.as_deref()) {
                Ok(d) => d,
                Err(refused) => {
                    bad(problems, refused.value, refused.message);
                    None
                }
            },
        }
    }

    /// The row's evidence file under the path rules: refused (a problem), missing (a warning),
    /// or hashed.
    fn evidence_file(
        &mut self,
        row: usize,
        location: &str,
        warnings: &mut Vec<Warning>,
        problems: &mut Vec<Problem>,
    ) -> FileFound {
        let (kind, file) = match self.files.check(location) {
            Ok(found) => found,
            Err(refused) => {
                problems.push(Problem {
                    location: self.loc(row, Some(LOCATION)),
                    value: Some(location.to_string()),
                    message: refused.message,
                });
                (LocationKind::None, None)
            }
        };
        if kind == LocationKind::Missing {
            warnings.push(Warning {
                location: self.loc(row, Some(LOCATION)),
                message: format!(
                    "evidence file `{location}` not found under {}; recorded as missing",
                    self.files.root().display()
                ),
            });
        }
        FileFound { kind, file }
    }

    /// The values of the columns that are no field, by header (or by column letter inside the
    /// header's width). A value beyond the header's last column has no name: a delimiter inside
    /// an unquoted value, or a column nobody named. Refused, never stored under an invented name.
    fn extras(&self, row: usize, cells: &[Cell], problems: &mut Vec<Problem>) -> BTreeMap<String, String> {
        let mut extras = BTreeMap::new();
        for (c, name) in &self.header.extras {
            if let Some(v) = cells.get(*c) {
                if !v.is_blank() {
                    extras.insert(name.clone(), v.text());
                }
            }
        }
        let width = self.header.headers.len();
        if let Some((c, v)) = cells.iter().enumerate().skip(width).find(|(_, v)| !v.is_blank()) {
            let last = width
                .checked_sub(1)
                .map(column_letters)
                .unwrap_or_else(|| "none".into());
            problems.push(Problem {
                location: Location {
                    column: Some(column_letters(c)),
                    ..self.loc(row, None)
                },
                value: Some(v.text()),
                message: format!(
                    "the row has a value in column {}, beyond the header's last column ({last}); a delimiter inside an unquoted value? Quote the value, or name the column in the header row",
                    column_letters(c)
                ),
            });
        }
        // Values in unnamed columns inside the header are kept, under their column letter.
        for (c, v) in cells.iter().enumerate().take(width) {
            let named = self.header.headers.get(c).is_some_and(|h| !h.is_empty());
            if !named && !v.is_blank() {
                extras.insert(format!("column {}", column_letters(c)), v.text());
            }
        }
        extras
    }

    /// The evidence a valid row gives, one per control its ID stands for, each with its content
    /// hash; a row the sorted key check found repeating an earlier one is a problem instead.
    fn records(
        &self,
        row: usize,
        mut values: [String; 9],
        controls: Controls,
        found: FileFound,
        extras: &BTreeMap<String, String>,
        problems: &mut Vec<Problem>,
    ) -> Vec<NewEvidence> {
        let extras = if extras.is_empty() {
            String::new()
        } else {
            serde_json::to_string(extras).unwrap_or_default()
        };
        let FileFound { kind, file } = found;
        let Controls { ids, mapped } = controls;
        let mut out = Vec::with_capacity(ids.len());
        let last = ids.len().saturating_sub(1);
        for (i, control) in ids.into_iter().enumerate() {
            // One control per row is the rule; a CSF 1.1 ID with several successors the exception.
            let mut values = if i == last {
                std::mem::take(&mut values)
            } else {
                values.clone()
            };
            values[CONTROL] = control;
            let fields = EvidenceFields::from_values(values);
            let content_hash =
                fields.content_hash(&extras, file.as_ref().map(|f| f.0.as_str()), mapped.as_ref());
            let succ = u16::try_from(i).unwrap_or(u16::MAX);
            if let Some(&first) = self.dups.get(&(row, succ)) {
                // One line per row, however many subcategories its ID landed on.
                let said = problems
                    .last()
                    .is_some_and(|p: &Problem| p.message.starts_with(&format!("duplicate of row {first} ")));
                if said {
                    continue;
                }
                problems.push(Problem {
                    location: self.loc(row, None),
                    value: None,
                    message: format!(
                        "duplicate of row {first} (same control and content); remove one of them"
                    ),
                });
                continue;
            }
            out.push(NewEvidence {
                row,
                succ,
                fields,
                location_kind: kind,
                file: file.clone(),
                extras: extras.clone(),
                content_hash,
                mapped: mapped.clone(),
            });
        }
        out
    }
}

/// A spreadsheet error as a CSV export writes it (`#N/A`, `#REF!`, ...).
fn is_error_literal(t: &str) -> bool {
    matches!(
        t.trim(),
        "#N/A"
            | "#REF!"
            | "#VALUE!"
            | "#DIV/0!"
            | "#NAME?"
            | "#NUM!"
            | "#NULL!"
            | "#SPILL!"
            | "#CALC!"
            | "#GETTING_DATA"
    )
}
