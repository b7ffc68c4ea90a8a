//! The csfkit matrix layout: seven columns (and five optional tally columns of a projected
//! cell), as `mapping export` writes them and `mappings/` ships them.

use std::collections::HashMap;

use super::common::{Imported, pick};
use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result, ValueError};
use crate::import::layout::header_key;
use crate::import::reader::RawTable;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::framework::DEFAULT_FRAMEWORK;
use crate::model::ownership::{Cell, Leaning, Ownership, Service, Tally};

pub(crate) use crate::model::ownership::{CSFKIT_HEADER, CSFKIT_TALLY_HEADER};

/// Allowed `basis` values.
pub(crate) const BASES: [&str; 2] = ["stated", "derived"];

/// Where the tally columns are in the header row `h`: all five, none, or a problem naming
/// the missing ones.
fn tally_columns(table: &RawTable, h: usize) -> std::result::Result<Option<[usize; 5]>, Vec<Problem>> {
    let header = &table.rows[h].1;
    let found: Vec<Option<usize>> = CSFKIT_TALLY_HEADER
        .iter()
        .map(|n| header.iter().position(|c| header_key(c) == header_key(n)))
        .collect();
    if found.iter().all(Option::is_none) {
        return Ok(None);
    }
    let missing: Vec<&str> = CSFKIT_TALLY_HEADER
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(n, _)| *n)
        .collect();
    if !missing.is_empty() {
        return Err(vec![Problem {
            location: Location {
                file: table.file.clone(),
                sheet: table.sheet.clone(),
                row: Some(table.rows[h].0),
                column: None,
            },
            value: None,
            message: format!(
                "the tally columns go together ({}); missing: {}",
                CSFKIT_TALLY_HEADER.join(", "),
                missing.join(", ")
            ),
        }]);
    }
    let mut cols = [0; 5];
    for (c, f) in cols.iter_mut().zip(found) {
        *c = f.unwrap_or_default();
    }
    Ok(Some(cols))
}

/// The largest count a tally column may hold.
const MAX_TALLY: u32 = 10_000;

/// Reads a row's tally: None when all five cells are blank, else the four counts (each a whole
/// number) and a leaning that is blank or the one the counts give. Problems are `(column
/// index in CSFKIT_TALLY_HEADER, value, message)`.
pub(crate) fn parse_tally(
    values: [&str; 5],
) -> std::result::Result<Option<Tally>, Vec<(usize, String, String)>> {
    if values.iter().all(|v| v.is_empty()) {
        return Ok(None);
    }
    let mut problems = Vec::new();
    let mut counts = [0u32; 4];
    for (i, count) in counts.iter_mut().enumerate() {
        match values[i].parse::<u32>() {
            // No subcategory cites more than a few dozen controls.
            Ok(n) if n <= MAX_TALLY => *count = n,
            Ok(_) => problems.push((
                i,
                values[i].to_string(),
                format!("expected a count of referenced controls, at most {MAX_TALLY}"),
            )),
            Err(_) => problems.push((
                i,
                values[i].to_string(),
                "expected a count (0 or more): a projected cell fills all four answers_ columns, \
                 a cell that is not a projection leaves all five tally columns blank"
                    .to_string(),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let tally = Tally {
        yes: counts[0],
        partial: counts[1],
        no: counts[2],
        unanswered: counts[3],
    };
    let leaning = values[4].to_ascii_lowercase();
    let leaning = leaning.as_str();
    let computed = tally.leaning().map_or("", Leaning::as_str);
    if !leaning.is_empty() && leaning != computed {
        let message = if ["provider-led", "balanced", "customer-led"].contains(&leaning) {
            match tally.leaning() {
                Some(l) => format!("the counts {} give {l} (or leave it blank)", tally.counts()),
                None => format!(
                    "the counts {} give no leaning (nothing is answered); leave it blank",
                    tally.counts()
                ),
            }
        } else {
            "expected provider-led, balanced, customer-led or blank".to_string()
        };
        return Err(vec![(4, leaning.to_string(), message)]);
    }
    Ok(Some(tally))
}

/// Parses a matrix in the csfkit layout. `resolve` maps an input ID to the catalogue spelling
/// or explains why not. All problems are collected.
///
/// The optional tally columns ([`CSFKIT_TALLY_HEADER`]) are read when present: a cell with a
/// tally must have the ownership its counts give (the projection rule), and only such a cell
/// may be `undetermined`.
pub(crate) fn parse_csfkit(
    table: &RawTable,
    resolve: &dyn Fn(&str) -> std::result::Result<String, ValueError>,
) -> Result<Vec<Cell>, Vec<Problem>> {
    let Some((h, cols)) = table.find_header(&CSFKIT_HEADER) else {
        return Err(vec![Problem {
            location: Location {
                file: table.file.clone(),
                sheet: table.sheet.clone(),
                row: None,
                column: None,
            },
            value: None,
            message: format!(
                "no header row with the csfkit matrix columns: {}",
                CSFKIT_HEADER.join(", ")
            ),
        }]);
    };
    let tally_cols = tally_columns(table, h)?;
    let mut problems = Vec::new();
    let mut cells = Vec::new();
    let mut seen: HashMap<(String, Service), usize> = HashMap::new();
    for (row_no, row) in &table.rows[h + 1..] {
        let get = |i: usize| row.get(cols[i]).map(|s| s.trim()).unwrap_or("");
        let tally_get = |i: usize| {
            tally_cols
                .and_then(|t| row.get(t[i]))
                .map(|s| s.trim())
                .unwrap_or("")
        };
        if (0..CSFKIT_HEADER.len()).all(|i| get(i).is_empty())
            && (0..CSFKIT_TALLY_HEADER.len()).all(|i| tally_get(i).is_empty())
        {
            continue;
        }
        let mut bad_at = |column: &str, value: &str, message: String| {
            problems.push(Problem {
                location: table.loc(*row_no, Some(column)),
                value: Some(value.to_string()),
                message,
            });
        };
        let control = match resolve(get(0)) {
            Ok(c) => Some(c),
            Err(m) => {
                bad_at(CSFKIT_HEADER[0], get(0), m.message);
                None
            }
        };
        let service = get(1)
            .parse::<Service>()
            .map_err(|m| bad_at(CSFKIT_HEADER[1], get(1), m.message))
            .ok();
        let tally = match parse_tally([0, 1, 2, 3, 4].map(tally_get)) {
            Ok(t) => Ok(t),
            Err(found) => {
                for (i, value, message) in found {
                    bad_at(CSFKIT_TALLY_HEADER[i], &value, message);
                }
                Err(())
            }
        };
        let ownership = match (get(2).parse::<Ownership>(), &tally) {
            (Err(_), _) => {
                bad_at(
                    CSFKIT_HEADER[2],
                    get(2),
                    "expected inherited, shared or customer".into(),
                );
                None
            }
            (Ok(o), Ok(Some(t))) if o != t.ownership() => {
                bad_at(
                    CSFKIT_HEADER[2],
                    get(2),
                    format!(
                        "the counts {} give {} (a cell is inherited if every answered referenced \
                         control is Yes, customer if every one is No, undetermined if none is \
                         answered, shared otherwise); a cell that is no longer a projection \
                         leaves the tally columns blank",
                        t.counts(),
                        t.ownership()
                    ),
                );
                None
            }
            (Ok(Ownership::Undetermined), Ok(None)) => {
                bad_at(
                    CSFKIT_HEADER[2],
                    get(2),
                    "expected inherited, shared or customer (undetermined only for a projected \
                     cell whose counts answer nothing)"
                        .into(),
                );
                None
            }
            (Ok(o), _) => Some(o),
        };
        let basis = get(3).to_ascii_lowercase();
        if !BASES.contains(&basis.as_str()) {
            bad_at(
                CSFKIT_HEADER[3],
                get(3),
                "expected `stated` (cite the provider's words) or `derived`".into(),
            );
        } else if basis == "stated" && get(4).is_empty() {
            bad_at(
                CSFKIT_HEADER[4],
                "",
                "a `stated` basis needs a citation: the provider's words".into(),
            );
        }
        if let (Some(c), Some(s), Some(o), Ok(tally)) = (control, service, ownership, tally) {
            if let Some(first) = seen.insert((c.clone(), s), *row_no) {
                bad_at(
                    CSFKIT_HEADER[0],
                    get(0),
                    format!("{c} / {s} is already given on row {first}"),
                );
                continue;
            }
            // Keep the cell text exactly as written (only the key fields are normalised),
            // so export -> import round-trips byte for byte.
            // A `'` that `mapping export` put before a formula character goes.
            let raw = |i: usize| {
                row.get(cols[i])
                    .map(|t| crate::util::unneutralise(t).into_owned())
                    .unwrap_or_default()
            };
            cells.push(Cell {
                control_id: c,
                service: s,
                ownership: o,
                basis,
                citation: raw(4),
                provider_responsibility: raw(5),
                customer_responsibility: raw(6),
                tally,
            });
        }
    }
    if problems.is_empty() {
        Ok(cells)
    } else {
        Err(problems)
    }
}

/// Reads a matrix in the csfkit layout (the sheet `sheet`, or the one with its header).
pub(crate) fn import_csfkit(cat: &Catalogue, tables: &[RawTable], sheet: Option<&str>) -> Result<Imported> {
    let t = pick(
        tables,
        sheet,
        |t| t.find_header(&CSFKIT_HEADER).is_some(),
        "csfkit matrix",
    )?;
    let resolver = Resolver::load(cat, DEFAULT_FRAMEWORK)?;
    let resolve = |s: &str| {
        resolver
            .subcategories_for(s, Legacy::Refuse(" (a matrix needs CSF 2.0 subcategories)"))
            .map(|found| found.ids.into_iter().next().unwrap_or_default())
    };
    let cells = parse_csfkit(t, &resolve).map_err(|problems| Error::Invalid {
        file: t.file.clone(),
        problems,
        more: 0,
    })?;
    Ok(Imported {
        cells,
        sources: Vec::new(),
        sheet: t.sheet.clone(),
    })
}
