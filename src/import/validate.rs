//! Evidence rows: the fields, finding the header row and mapping columns to fields, validating
//! each row (all problems at once), the evidence-file path rules, and the content hash that makes
//! re-imports idempotent.
//!
//! Nothing here writes the catalogue; `catalogue::evidence` stores what this module accepts.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use chrono::NaiveDate;

use crate::error::{Location, Problem, ValueError};
use crate::import::header::header_key;
use crate::import::reader::{Cell, column_letters};
use crate::import::resolve::{Legacy, Resolver};
use crate::model::crosswalk::RefFramework;
use crate::model::evidence::MappedFrom;
pub use crate::model::evidence::{EvidenceFields, HashKey, LocationKind, NewEvidence, hash_key};

pub use crate::model::evidence::FIELDS;

/// Field indexes.
const CONTROL: usize = 0;
const TITLE: usize = 1;
const COLLECTED: usize = 5;
const VALID: usize = 6;
const LOCATION: usize = 7;
/// Fields that are parsed (an ID, dates, a path): white space around them never matters.
const PARSED: [usize; 4] = [CONTROL, COLLECTED, VALID, LOCATION];

/// Header names (compared ignoring case, spaces and punctuation) that map to each field.
const SYNONYMS: [&[&str]; 9] = [
    &[
        "controlid",
        "control",
        "csfid",
        "csfcontrol",
        "subcategory",
        "subcategoryid",
        "requirement",
        "requirementid",
        "csf20id",
        "csfsubcategory",
    ],
    &[
        "title",
        "evidence",
        "evidencetitle",
        "evidencename",
        "name",
        "artifact",
        "artifactname",
        "document",
    ],
    &[
        "description",
        "details",
        "notes",
        "note",
        "comments",
        "comment",
        "evidencedescription",
    ],
    &["evidencetype", "type", "artifacttype", "kind"],
    &[
        "owner",
        "collectedby",
        "collector",
        "evidenceowner",
        "responsible",
    ],
    &[
        "collectedon",
        "datecollected",
        "collectiondate",
        "collected",
        "date",
        "collectedat",
        "evidencedate",
    ],
    &[
        "validuntil",
        "expires",
        "expiry",
        "expirydate",
        "expirationdate",
        "expiration",
        "reviewby",
        "validto",
        "nextreview",
    ],
    &[
        "location",
        "link",
        "url",
        "path",
        "file",
        "filepath",
        "evidencelocation",
        "evidencelink",
    ],
    &["sourcesystem", "source", "system", "tool"],
];

/// The column `--errors-out` adds; ignored when the file is imported again.
pub const ERRORS_COLUMN: &str = "csfkit_errors";

/// The field a header names, if any.
pub fn field_for(header: &str) -> Option<usize> {
    let k = header_key(header);
    if k.is_empty() {
        return None;
    }
    FIELDS
        .iter()
        .position(|f| header_key(f) == k)
        .or_else(|| SYNONYMS.iter().position(|syn| syn.contains(&k.as_str())))
}

/// How the columns of the header row map to fields.
#[derive(Debug, Clone)]
pub struct HeaderMap {
    /// The header row's number as the user sees it.
    pub row: usize,
    /// Header text per column.
    pub headers: Vec<String>,
    /// Column of each field.
    pub columns: [Option<usize>; 9],
    /// Columns kept as extra attributes: (column, name).
    pub extras: Vec<(usize, String)>,
}

impl HeaderMap {
    /// Builds the map for a header row, applying `--map HEADER=field` overrides. Errors name
    /// what is missing.
    pub fn build(
        row: usize,
        cells: &[Cell],
        overrides: &[(String, String)],
    ) -> Result<HeaderMap, ValueError> {
        let headers: Vec<String> = cells.iter().map(|c| c.text().trim().to_string()).collect();
        let mut columns = [None; 9];
        let mut taken = vec![false; headers.len()];
        for (header, field) in overrides {
            let f = FIELDS.iter().position(|x| x == field).ok_or_else(|| {
                ValueError::new(
                    format!("{header}={field}"),
                    format!(
                        "--map {header}={field}: `{field}` is not a field; expected one of {}",
                        FIELDS.join(", ")
                    ),
                )
            })?;
            let c = headers
                .iter()
                .position(|h| h == header)
                .or_else(|| headers.iter().position(|h| header_key(h) == header_key(header)))
                .ok_or_else(|| {
                    ValueError::new(
                        format!("{header}={field}"),
                        format!(
                            "--map {header}={field}: no column `{header}` in the header row (row {row}); the columns are: {}",
                            headers.iter().filter(|h| !h.is_empty()).cloned().collect::<Vec<_>>().join(", ")
                        ),
                    )
                })?;
            columns[f] = Some(c);
            taken[c] = true;
        }
        for (c, h) in headers.iter().enumerate() {
            if taken[c] {
                continue;
            }
            if let Some(f) = field_for(h) {
                if columns[f].is_none() {
                    columns[f] = Some(c);
                    taken[c] = true;
                }
            }
        }
        let mut extras = Vec::new();
        for (c, h) in headers.iter().enumerate() {
            if !taken[c] && !h.is_empty() && h != ERRORS_COLUMN {
                extras.push((c, h.clone()));
            }
        }
        let missing: Vec<&str> = [CONTROL, TITLE]
            .iter()
            .filter(|f| columns[**f].is_none())
            .map(|f| FIELDS[*f])
            .collect();
        if !missing.is_empty() {
            return Err(ValueError::new(
                headers.join(" | "),
                format!(
                    "row {row}: no column for {} (headers found: {}); name the column (Control ID, Evidence Title, ...) or map it with --map \"HEADER=field\"",
                    missing.join(" and "),
                    headers
                        .iter()
                        .filter(|h| !h.is_empty())
                        .cloned()
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(HeaderMap {
            row,
            headers,
            columns,
            extras,
        })
    }

    /// How many cells of `cells` name a field: the header-row score.
    pub fn score(cells: &[Cell]) -> (bool, usize) {
        let fields: Vec<usize> = cells.iter().filter_map(|c| field_for(&c.text())).collect();
        let key = fields.contains(&CONTROL) && fields.contains(&TITLE);
        (key, fields.len())
    }

    /// Lines describing the mapping, for the import report.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (f, c) in self.columns.iter().enumerate() {
            if let Some(c) = c {
                out.push(format!(
                    "column {} `{}` -> {}",
                    column_letters(*c),
                    self.headers[*c],
                    FIELDS[f]
                ));
            }
        }
        for (c, h) in &self.extras {
            out.push(format!(
                "column {} `{h}` -> kept as an extra attribute",
                column_letters(*c)
            ));
        }
        out
    }

    fn header_of(&self, field: usize) -> Option<String> {
        self.columns[field].map(|c| self.headers[c].clone())
    }
}

/// Settings of one import that validation needs.
pub struct Validator<'a> {
    /// File name for messages.
    pub file: String,
    /// Sheet, for messages.
    pub sheet: Option<String>,
    /// Control IDs.
    pub resolver: &'a Resolver,
    /// Header mapping.
    pub header: HeaderMap,
    /// `--date-format`.
    pub date_format: Option<String>,
    /// `--strict`: CSF 1.1 IDs are errors.
    pub strict: bool,
    /// `--framework`: how every control ID is read (None: by its shape).
    pub framework: Option<RefFramework>,
    /// The evidence root, canonical.
    pub root: PathBuf,
    /// File hashes already computed (path -> hash, size).
    pub file_cache: HashMap<PathBuf, Option<(String, u64)>>,
    /// Rows (row, index) known to repeat an earlier row of the file, with that row: found by
    /// the import's sorted key check, empty on its first pass.
    pub dups: &'a HashMap<(usize, u16), usize>,
}

/// A warning about an accepted row.
#[derive(Debug, Clone)]
pub struct Warning {
    /// Where.
    pub location: Location,
    /// What.
    pub message: String,
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

    /// Validates one data row. Returns the evidence (one per CSF 2.0 successor when a CSF 1.1
    /// ID maps to several), its warnings, and its problems (empty when the row is valid).
    pub fn row(&mut self, row: usize, cells: &[Cell]) -> (Vec<NewEvidence>, Vec<Warning>, Vec<Problem>) {
        let mut problems = Vec::new();
        let mut warnings = Vec::new();
        let cell = |f: usize| {
            self.header.columns[f]
                .and_then(|c| cells.get(c))
                .unwrap_or(&Cell::Empty)
        };
        let mut values: [String; 9] = Default::default();
        for (f, v) in values.iter_mut().enumerate() {
            match cell(f) {
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
                c => *v = c.text(),
            }
        }
        for (f, what) in [
            (CONTROL, "a CSF 2.0 control ID such as GV.OC-01"),
            (TITLE, "a title for the evidence"),
        ] {
            let error_cell = match cell(f) {
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
        // Control IDs: exact spelling fast, everything else through the resolver (other
        // frameworks' IDs through NIST's references).
        let mut controls = Vec::new();
        let mut mapped = None;
        if !values[CONTROL].is_empty() {
            let legacy = if self.strict {
                Legacy::Refuse(" (refused by --strict)")
            } else {
                Legacy::Expand
            };
            match self.resolver.map(&values[CONTROL], self.framework, legacy) {
                Ok(found) => {
                    if let Some(message) = found.warning {
                        warnings.push(Warning {
                            location: self.loc(row, Some(CONTROL)),
                            message,
                        });
                    }
                    controls = found.ids;
                    mapped = found.from.map(|(id, framework)| MappedFrom { id, framework });
                }
                Err(refused) => problems.push(refused.at(self.loc(row, Some(CONTROL)))),
            }
        }
        let collected = self.date(row, COLLECTED, cell(COLLECTED), &mut problems);
        let valid = self.date(row, VALID, cell(VALID), &mut problems);
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
        let (kind, file) = match self.location(&values[LOCATION]) {
            Ok((kind, file)) => (kind, file),
            Err(refused) => {
                problems.push(Problem {
                    location: self.loc(row, Some(LOCATION)),
                    value: Some(values[LOCATION].clone()),
                    message: refused.message,
                });
                (LocationKind::None, None)
            }
        };
        if kind == LocationKind::Missing {
            warnings.push(Warning {
                location: self.loc(row, Some(LOCATION)),
                message: format!(
                    "evidence file `{}` not found under {}; recorded as missing",
                    values[LOCATION],
                    self.root.display()
                ),
            });
        }
        let mut extras = BTreeMap::new();
        for (c, name) in &self.header.extras {
            if let Some(v) = cells.get(*c) {
                if !v.is_blank() {
                    extras.insert(name.clone(), v.text());
                }
            }
        }
        // A value beyond the header's last column has no name: a delimiter inside an unquoted
        // value, or a column nobody named. Refused, never stored under an invented name.
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
        if !problems.is_empty() {
            return (Vec::new(), warnings, problems);
        }
        let extras = if extras.is_empty() {
            String::new()
        } else {
            serde_json::to_string(&extras).unwrap_or_default()
        };
        let mut out = Vec::with_capacity(controls.len());
        let last = controls.len().saturating_sub(1);
        for (i, control) in controls.into_iter().enumerate() {
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
        if !problems.is_empty() {
            return (Vec::new(), warnings, problems);
        }
        (out, warnings, problems)
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
            Cell::Number(n) => {
                bad(
                    problems,
                    cell.text(),
                    format!(
                        "{} is a plain number, not a date; format the cell as a date in the spreadsheet or write it as YYYY-MM-DD",
                        cell.text()
                    ),
                );
                let _ = n;
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

    /// Applies the path rules to a location.
    fn location(&mut self, loc: &str) -> Result<(LocationKind, Option<(String, u64)>), ValueError> {
        if loc.is_empty() {
            return Ok((LocationKind::None, None));
        }
        let lower = loc.to_ascii_lowercase();
        if lower.starts_with("file:") {
            return Err(ValueError::new(
                loc,
                "file:// URLs are not accepted; give the path relative to the evidence root (--evidence-root)",
            ));
        }
        if is_url(loc) {
            return Ok((LocationKind::Url, None));
        }
        let bytes = loc.as_bytes();
        let windows_abs = bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'\\' | b'/');
        if windows_abs || loc.starts_with("\\\\") {
            return Err(ValueError::new(
                loc,
                format!(
                    "`{loc}` is an absolute Windows path; copy the file under the evidence root ({}) and give its path relative to it",
                    self.root.display()
                ),
            ));
        }
        let rel = if std::path::MAIN_SEPARATOR == '/' {
            loc.replace('\\', "/")
        } else {
            loc.to_string()
        };
        let path = Path::new(&rel);
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.root.join(path)
        };
        // Lexically first: `..` may not climb out of the root.
        let lexical = normalise(&joined);
        if !lexical.starts_with(&self.root) {
            return Err(ValueError::new(
                loc,
                format!(
                    "`{loc}` is outside the evidence root {}; evidence files must be inside it (set --evidence-root)",
                    self.root.display()
                ),
            ));
        }
        if let Some(cached) = self.file_cache.get(&lexical) {
            return Ok(match cached {
                Some(f) => (LocationKind::File, Some(f.clone())),
                None => (LocationKind::Missing, None),
            });
        }
        let result = match std::fs::canonicalize(&lexical) {
            Err(_) => None,
            Ok(real) => {
                if !real.starts_with(&self.root) {
                    return Err(ValueError::new(
                        loc,
                        format!(
                            "`{loc}` resolves (through a symbolic link) to {}, outside the evidence root {}",
                            real.display(),
                            self.root.display()
                        ),
                    ));
                }
                let meta =
                    std::fs::metadata(&real).map_err(|e| ValueError::new(loc, format!("`{loc}`: {e}")))?;
                if meta.is_dir() {
                    return Err(ValueError::new(
                        loc,
                        format!("`{loc}` is a folder, not a file; name the evidence file itself"),
                    ));
                }
                if !meta.is_file() {
                    return Err(ValueError::new(
                        loc,
                        format!(
                            "`{loc}` is {}; evidence files must be regular files",
                            crate::util::fs::kind(&meta)
                        ),
                    ));
                }
                // Size as hashed, not as listed: the two agree unless the file is being written.
                Some(
                    crate::util::hash_file(&real)
                        .map_err(|e| ValueError::new(loc, format!("`{loc}`: cannot read the file: {e}")))?,
                )
            }
        };
        // Bounded: a tracker naming a different file on every row must not keep them all.
        if self.file_cache.len() >= 4096 {
            self.file_cache.clear();
        }
        self.file_cache.insert(lexical, result.clone());
        Ok(match result {
            Some(f) => (LocationKind::File, Some(f)),
            None => (LocationKind::Missing, None),
        })
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

/// True for `scheme://...` and `mailto:` style locations.
pub fn is_url(s: &str) -> bool {
    match s.split_once("://") {
        Some((scheme, _)) => {
            scheme.len() > 1
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => s.to_ascii_lowercase().starts_with("mailto:"),
    }
}

/// Removes `.` and resolves `..` without touching the file system.
fn normalise(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// `YYYY-MM-DD`, written directly (chrono's `Display` goes through its formatter).
fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let (y, m, day) = (d.year(), d.month(), d.day());
    if (0..=9999).contains(&y) {
        format!("{y:04}-{m:02}-{day:02}")
    } else {
        d.to_string()
    }
}

/// Checks what follows an ISO date in a cell (`T10:30`, ` 10:30:05.250Z`, `T10:30:00+02:00`):
/// a separator (`T` or a space), a real time of day `HH:MM` or `HH:MM:SS` (a fraction after the
/// seconds, `:60` for a leap second, ` AM`/` PM` after an hour up to 12), and optionally a zone:
/// `Z`, `+HH:MM`, `+HHMM`, `+HH` (or `-`), ` UTC`, ` GMT`. `Err` says what is wrong with it. Only the date is kept: the time
/// is checked so that `9999-12-31T25:61` or `2026-10-01Tgarbage` is refused, never cut off.
fn check_time_tail(tail: &str) -> Result<(), String> {
    let b = tail.as_bytes();
    let two = |i: usize| -> Option<u32> {
        let d = b.get(i..i + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let shape = || "expected a time THH:MM or THH:MM:SS, optionally with a zone (Z, +02:00)".to_string();
    if !matches!(b.first(), Some(b'T' | b't' | b' ')) {
        return Err(shape());
    }
    let (Some(h), Some(b':'), Some(m)) = (two(1), b.get(3), two(4)) else {
        return Err(shape());
    };
    if h > 23 {
        return Err(format!("there is no hour {h} (00 to 23)"));
    }
    if m > 59 {
        return Err(format!("there is no minute {m} (00 to 59)"));
    }
    let mut i = 6;
    if b.get(i) == Some(&b':') {
        let Some(sec) = two(i + 1) else {
            return Err(shape());
        };
        if sec > 60 {
            return Err(format!("there is no second {sec} (00 to 59)"));
        }
        i += 3;
        if matches!(b.get(i), Some(b'.' | b',')) {
            let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return Err(shape());
            }
            i += 1 + digits;
        }
    }
    // A 12-hour clock, as some systems export it (`2026-10-01 09:15:00 PM`).
    if let Some(half) = tail
        .get(i..i + 3)
        .filter(|x| x.eq_ignore_ascii_case(" am") || x.eq_ignore_ascii_case(" pm"))
    {
        if h > 12 {
            return Err(format!(
                "there is no hour {h}{} (a 12-hour clock)",
                half.to_uppercase()
            ));
        }
        i += 3;
    }
    let zone = &tail[i..];
    let zone = zone.strip_prefix(' ').unwrap_or(zone);
    if zone.is_empty() || matches!(zone, "Z" | "z" | "UTC" | "GMT") {
        return Ok(());
    }
    let zb = zone.as_bytes();
    let digits = |x: &[u8]| -> Option<u32> {
        (x.len() == 2 && x.iter().all(u8::is_ascii_digit))
            .then(|| u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
    };
    let offset = match &zb[1..] {
        z if z.len() == 2 => digits(z).map(|h| (h, 0)),
        z if z.len() == 4 => digits(&z[..2]).zip(digits(&z[2..])),
        z if z.len() == 5 && z[2] == b':' => digits(&z[..2]).zip(digits(&z[3..])),
        _ => None,
    };
    match (zb[0], offset) {
        (b'+' | b'-', Some((zh, zm))) if zh <= 14 && zm <= 59 => Ok(()),
        (b'+' | b'-', Some(_)) => Err(format!("`{zone}` is not a time zone offset (at most 14:00)")),
        _ => Err(format!(
            "`{zone}` after the time is not a time zone (Z, +02:00, -0500)"
        )),
    }
}

/// Parses a date typed as text: ISO 8601 (`2025-03-01`, with or without a time, which must be
/// a real time of day), or with `format` (chrono syntax, e.g. `%d/%m/%Y`). Other text is
/// refused with a reason: an impossible date or time, an ambiguous day/month order, or simply
/// an unknown form.
pub fn parse_date(s: &str, format: Option<&str>) -> Result<Option<NaiveDate>, ValueError> {
    if s.is_empty() {
        return Ok(None);
    }
    if let Some(f) = format {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Ok(Some(d));
        }
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Ok(Some(d.date()));
        }
    }
    let iso = s.get(..10).unwrap_or(s);
    let iso_shape = iso.len() == 10
        && iso.as_bytes().iter().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if iso_shape && (s.len() == 10 || matches!(s.as_bytes()[10], b'T' | b' ')) {
        // The shape is checked: the digits parse directly (chrono's format parser is a good
        // part of the time of a CSV import).
        let num = |r: std::ops::Range<usize>| iso[r].parse::<u32>().unwrap_or(0);
        let ymd = i32::try_from(num(0..4))
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, num(5..7), num(8..10)));
        if let Some(Err(why)) = (s.len() > 10).then(|| check_time_tail(&s[10..])) {
            return Err(ValueError::new(
                s,
                format!(
                    "`{s}` is not a date and time csfkit can read: {why}; expected YYYY-MM-DD, optionally followed by a time such as T14:30 or T14:30:00Z"
                ),
            ));
        }
        return match ymd {
            Some(d) => Ok(Some(d)),
            None => Err(ValueError::new(
                s,
                format!("`{s}` is not a real date (no such day); expected a valid YYYY-MM-DD date"),
            )),
        };
    }
    // d/m/y or m/d/y with `/`, `.` or `-`.
    let parts: Vec<&str> = s.split(['/', '.', '-']).map(str::trim).collect();
    let fix = |f: &str| match format {
        Some(given) => format!("it does not match --date-format {given}"),
        None => format!("give --date-format {f} or write it as YYYY-MM-DD"),
    };
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
        let sep = s.chars().find(|c| matches!(c, '/' | '.' | '-')).unwrap_or('/');
        if parts[2].len() == 4 {
            let y = n[2] as i32;
            let dm = NaiveDate::from_ymd_opt(y, n[1], n[0]);
            let md = NaiveDate::from_ymd_opt(y, n[0], n[1]);
            return Err(ValueError::new(
                s,
                match (dm, md) {
                    (None, None) => {
                        format!(
                            "`{s}` is not a real date under either day/month order; expected a valid date"
                        )
                    }
                    (Some(a), Some(b)) if a != b => format!(
                        "`{s}` is ambiguous: {} or {}; {}",
                        a.format("%-d %B %Y"),
                        b.format("%-d %B %Y"),
                        fix(&format!("%d{sep}%m{sep}%Y"))
                    ),
                    (Some(_), _) => {
                        format!("`{s}` is not an ISO date; {}", fix(&format!("%d{sep}%m{sep}%Y")))
                    }
                    (None, Some(_)) => {
                        format!("`{s}` is not an ISO date; {}", fix(&format!("%m{sep}%d{sep}%Y")))
                    }
                },
            ));
        }
    }
    Err(ValueError::new(
        s,
        match format {
            Some(f) => format!("`{s}` does not match --date-format {f} and is not YYYY-MM-DD"),
            None => format!(
                "`{s}` is not a date csfkit can read; expected YYYY-MM-DD, a date cell, or give --date-format"
            ),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_iso_formatted_ambiguous_and_impossible() {
        assert_eq!(parse_date("2025-03-04", None).unwrap(), Some(d("2025-03-04")));
        assert_eq!(parse_date("2024-02-29", None).unwrap(), Some(d("2024-02-29")));
        assert!(parse_date("2025-02-29", None).is_err());
        assert!(parse_date("2025-13-01", None).is_err());
        assert_eq!(iso_date(d("0987-01-02")), "0987-01-02");
        assert_eq!(
            parse_date("2025-03-04T10:00:00Z", None).unwrap(),
            Some(d("2025-03-04"))
        );
        assert!(
            parse_date("2025-02-30", None)
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        let e = parse_date("03/04/2025", None).unwrap_err().message;
        assert!(
            e.contains("ambiguous") && e.contains("3 April 2025") && e.contains("4 March 2025"),
            "{e}"
        );
        assert!(
            parse_date("31/02/2025", None)
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        assert!(
            parse_date("31/02/2025", Some("%d/%m/%Y"))
                .unwrap_err()
                .message
                .contains("not a real date")
        );
        assert_eq!(
            parse_date("03/04/2025", Some("%d/%m/%Y")).unwrap(),
            Some(d("2025-04-03"))
        );
        assert!(
            parse_date("25/12/2025", None)
                .unwrap_err()
                .message
                .contains("--date-format %d/%m/%Y")
        );
        assert!(parse_date("next week", None).is_err());
    }

    #[test]
    fn times_after_an_iso_date_must_be_real() {
        for ok in [
            "2026-10-01T14:30",
            "2026-10-01 14:30:05",
            "2026-10-01T23:59:60Z",
            "2026-10-01T00:00:00.000+02:00",
            "2026-10-01T09:15:00,5-0500",
            "2026-10-01 09:15 +01",
            "2026-10-01 09:15:00 UTC",
            "2026-10-01 09:15:00 PM",
            "2026-10-01 12:00 am",
        ] {
            assert_eq!(parse_date(ok, None).unwrap(), Some(d("2026-10-01")), "{ok}");
        }
        for (bad, why) in [
            ("9999-12-31T25:61", "no hour 25"),
            ("2026-10-01T23:61", "no minute 61"),
            ("2026-10-01T23:59:61", "no second 61"),
            ("2026-10-01Tgarbage", "expected a time"),
            ("2026-10-01T", "expected a time"),
            ("2026-10-01 ", "expected a time"),
            ("2026-10-01T10:00:00.", "expected a time"),
            ("2026-10-01T10:00Zulu", "not a time zone"),
            ("2026-10-01T10:00+15:00", "not a time zone offset"),
            ("2026-10-01 13:00 PM", "no hour 13 PM"),
        ] {
            let e = parse_date(bad, None).unwrap_err().message;
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }

    #[test]
    fn headers_map_by_synonym_and_override() {
        let cells: Vec<Cell> = ["CSF ID", "Artifact", "Expiration Date", "Link", "Reviewer", ""]
            .iter()
            .map(|s| Cell::Text(s.to_string()))
            .collect();
        let h = HeaderMap::build(3, &cells, &[]).unwrap();
        assert_eq!(h.columns[CONTROL], Some(0));
        assert_eq!(h.columns[TITLE], Some(1));
        assert_eq!(h.columns[VALID], Some(2));
        assert_eq!(h.columns[LOCATION], Some(3));
        assert_eq!(h.extras, vec![(4, "Reviewer".to_string())]);
        let h = HeaderMap::build(3, &cells, &[("Reviewer".into(), "owner".into())]).unwrap();
        assert_eq!(h.columns[4], Some(4));
        assert!(
            HeaderMap::build(3, &cells[1..], &[])
                .unwrap_err()
                .message
                .contains("control_id")
        );
        assert!(HeaderMap::build(3, &cells, &[("Nope".into(), "owner".into())]).is_err());
    }

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("https://example.com/x"));
        assert!(is_url("s3://bucket/key"));
        assert!(!is_url("policies/x.pdf"));
        assert!(!is_url("C:\\x.pdf"));
    }
}
