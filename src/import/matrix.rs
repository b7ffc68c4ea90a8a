//! The provider matrix import: a responsibility matrix in the csfkit layout, a FedRAMP CRM
//! workbook or a CSA CCM workbook, read through the one table reader, validated, and (for
//! FedRAMP and CCM) projected onto CSF 2.0 through the NIST export's informative references.
//! Every problem is reported at once; the cells go to the catalogue only if all are valid.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::ownership::{Cell, CellSource, Leaning, Ownership, Service, Tally};

use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result, ValueError};
use crate::import::header::header_key;
use crate::import::reader::RawTable;
use crate::import::resolve::{Legacy, Resolver};
use crate::model::framework::DEFAULT_FRAMEWORK;

/// The csfkit matrix layout's header, in order.
pub const CSFKIT_HEADER: [&str; 7] = [
    "control_id",
    "service_model",
    "ownership",
    "basis",
    "citation",
    "provider_responsibility",
    "customer_responsibility",
];

/// Allowed `basis` values.
pub const BASES: [&str; 2] = ["stated", "derived"];

/// The csfkit layout's optional tally columns of a projected cell, in order, after
/// [`CSFKIT_HEADER`]: how the referenced controls were answered and the leaning that follows.
/// `mapping export` writes them only when some cell has a tally, so a matrix without any
/// (every shipped one) keeps the seven columns, and a file without them still imports.
pub const CSFKIT_TALLY_HEADER: [&str; 5] = [
    "answers_yes",
    "answers_partial",
    "answers_no",
    "answers_unanswered",
    "leaning",
];

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

/// A row with an answer and no control ID: its answer would count for nothing.
fn no_id(location: Location, answer: &str) -> Problem {
    Problem {
        location,
        value: Some(answer.to_string()),
        message: "a row with an answer needs its control ID; if the ID cell is merged over several rows, unmerge it and write the ID on each row".into(),
    }
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
pub fn parse_csfkit(
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

pub use crate::model::ownership::Answer;

pub use crate::model::crosswalk::{ccm_key, sp800_53_key};

/// One row of a source as read: where it is and what it says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceRow {
    /// Sheet name (empty for CSV).
    pub sheet: String,
    /// Row number as the spreadsheet shows it.
    pub row: usize,
    /// The control ID as written.
    pub written_id: String,
    /// The answer as written (empty when blank).
    pub written_answer: String,
    /// The responsibility text of the row (empty when the source has none).
    pub text: String,
}

/// The answers of one source, by control key, with the text that came with them.
#[derive(Debug, Clone, Default)]
pub struct Answers {
    /// Answered parts of each control key (blank answers are left out).
    pub parts: BTreeMap<String, Vec<Answer>>,
    /// Responsibility texts per control key, in file order.
    pub texts: BTreeMap<String, Vec<String>>,
    /// Every control key seen, answered or not.
    pub seen: BTreeSet<String>,
    /// The rows of each control key, in file order (answered or blank).
    pub rows: BTreeMap<String, Vec<SourceRow>>,
}

/// A projection onto CSF 2.0: one cell per subcategory, and the rows of the source behind
/// each cell.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// The cells, in catalogue order.
    pub cells: Vec<Cell>,
    /// Per cell, each referenced control with its answer and the rows it came from.
    pub sources: Vec<CellSource>,
}

/// Projects answers onto subcategories. `refs` maps each CSF 2.0 subcategory (in catalogue
/// order) to the control keys it references. A subcategory is `inherited` if every answered
/// referenced control is Yes, `customer` if every one is No, `shared` otherwise, and
/// `undetermined` if none is answered ([`Tally::ownership`]). Each cell keeps its tally (its
/// distinct referenced controls by answer), and the rows behind it go to `sources`.
pub fn project(
    refs: &[(String, Vec<String>)],
    answers: &Answers,
    service: Service,
    source: &str,
) -> Projection {
    let mut out = Projection::default();
    for (control, all_keys) in refs {
        let mut keys: Vec<&String> = Vec::new();
        for k in all_keys {
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        let mut tally = Tally::default();
        let mut answered: Vec<(&str, Answer)> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for k in &keys {
            let answer = answers.parts.get(*k).and_then(|p| Answer::combine(p));
            tally.add(answer);
            if let Some(a) = answer {
                answered.push((k.as_str(), a));
            }
            if let Some(t) = answers.texts.get(*k) {
                for x in t {
                    let line = format!("{k}: {x}");
                    if !texts.contains(&line) {
                        texts.push(line);
                    }
                }
            }
            let source_of = |r: Option<&SourceRow>| CellSource {
                control_id: control.clone(),
                service,
                reference: (*k).clone(),
                answer,
                sheet: r.map(|r| r.sheet.clone()).unwrap_or_default(),
                row: r.map(|r| r.row),
                written_id: r.map(|r| r.written_id.clone()).unwrap_or_default(),
                written_answer: r.map(|r| r.written_answer.clone()).unwrap_or_default(),
                text: r.map(|r| r.text.clone()).unwrap_or_default(),
            };
            match answers.rows.get(*k) {
                Some(rows) if !rows.is_empty() => {
                    out.sources.extend(rows.iter().map(|r| source_of(Some(r))));
                }
                _ => out.sources.push(source_of(None)),
            }
        }
        let ownership = tally.ownership();
        let trace = if answered.is_empty() {
            format!(
                "{source}: none of the {} referenced controls is answered ({})",
                keys.len(),
                keys.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            )
        } else {
            format!(
                "{source}: {}",
                answered
                    .iter()
                    .map(|(k, a)| format!("{k} {}", a.label()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let provider = match ownership {
            Ownership::Inherited => {
                "The provider implements every referenced control for the customer.".to_string()
            }
            Ownership::Customer => {
                "The provider offers no inheritance for the referenced controls.".to_string()
            }
            Ownership::Shared => {
                "The provider implements part of the referenced controls; see the citation.".to_string()
            }
            Ownership::Undetermined => "Not stated by the source.".to_string(),
        };
        out.cells.push(Cell {
            control_id: control.clone(),
            service,
            ownership,
            basis: "stated".into(),
            citation: trace,
            provider_responsibility: provider,
            customer_responsibility: texts.join(" | "),
            tally: Some(tally),
        });
    }
    out
}

/// Reads a FedRAMP CRM answer (`Yes`, `Partial`, `No`, blank).
pub fn fedramp_answer(s: &str) -> std::result::Result<Option<Answer>, ValueError> {
    match header_key(s).as_str() {
        "" => Ok(None),
        "yes" | "y" => Ok(Some(Answer::Yes)),
        "partial" | "partially" => Ok(Some(Answer::Partial)),
        "no" | "n" => Ok(Some(Answer::No)),
        _ => Err(ValueError::new(s.trim(), "expected Yes, Partial, No or blank")),
    }
}

/// Reads a CCM ownership value. `Third-party outsourced` counts as the customer's: the
/// customer has to manage that third party, nothing is inherited from the CSP.
pub fn ccm_answer(s: &str) -> std::result::Result<Option<Answer>, ValueError> {
    match header_key(s).as_str() {
        "" | "na" | "notapplicable" => Ok(None),
        "cspowned" | "cloudserviceproviderowned" => Ok(Some(Answer::Yes)),
        "cscowned" | "cloudservicecustomerowned" | "thirdpartyoutsourced" => Ok(Some(Answer::No)),
        "shared" | "sharedcspandcsc" => Ok(Some(Answer::Partial)),
        _ => Err(ValueError::new(
            s.trim(),
            "expected CSP-Owned, CSC-Owned, Shared (or the long forms, or Third-party outsourced)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sp800_53_ids_normalise_to_control_or_enhancement() {
        assert_eq!(sp800_53_key("AC-2(a)").as_deref(), Some("AC-2"));
        assert_eq!(sp800_53_key("AC-02").as_deref(), Some("AC-2"));
        assert_eq!(sp800_53_key("AC-2(1)").as_deref(), Some("AC-2(1)"));
        assert_eq!(sp800_53_key("ac-02 (01)(a)").as_deref(), Some("AC-2(1)"));
        assert_eq!(sp800_53_key("CM-07(02)").as_deref(), Some("CM-7(2)"));
        assert_eq!(sp800_53_key("Control ID"), None);
        assert_eq!(ccm_key("bcr-1").as_deref(), Some("BCR-01"));
        assert_eq!(ccm_key("A&A-02").as_deref(), Some("A&A-02"));
    }

    #[test]
    fn projection_follows_the_rule() {
        let refs = vec![
            ("A".to_string(), vec!["AC-2".to_string(), "AC-3".to_string()]),
            ("B".to_string(), vec!["AC-2".to_string()]),
            ("C".to_string(), vec!["PE-3".to_string()]),
            ("D".to_string(), vec!["AC-3".to_string(), "PE-3".to_string()]),
            ("E".to_string(), vec!["SI-4".to_string()]),
        ];
        let mut a = Answers::default();
        a.parts.insert("AC-2".into(), vec![Answer::No, Answer::No]);
        a.parts.insert("AC-3".into(), vec![Answer::Yes, Answer::No]);
        a.parts.insert("PE-3".into(), vec![Answer::Yes]);
        a.rows.insert(
            "AC-3".into(),
            vec![
                SourceRow {
                    sheet: "CRM".into(),
                    row: 7,
                    written_id: "AC-3(a)".into(),
                    written_answer: "Yes".into(),
                    text: String::new(),
                },
                SourceRow {
                    sheet: "CRM".into(),
                    row: 8,
                    written_id: "AC-3(b)".into(),
                    written_answer: "No".into(),
                    text: "Customer part.".into(),
                },
            ],
        );
        let p = project(&refs, &a, Service::Iaas, "CRM");
        let cells = p.cells;
        let o: Vec<Ownership> = cells.iter().map(|c| c.ownership).collect();
        use Ownership::*;
        assert_eq!(o, vec![Shared, Customer, Inherited, Shared, Undetermined]);
        assert_eq!(cells[0].citation, "CRM: AC-2 No, AC-3 Partial");
        let t = |yes, partial, no, unanswered| {
            Some(Tally {
                yes,
                partial,
                no,
                unanswered,
            })
        };
        assert_eq!(cells[0].tally, t(0, 1, 1, 0));
        assert_eq!(cells[3].tally, t(1, 1, 0, 0));
        assert_eq!(cells[4].tally, t(0, 0, 0, 1));
        // A: AC-2 has no row (listed once, without one), AC-3 has two rows.
        let a_sources: Vec<(&str, Option<usize>, Option<Answer>)> = p
            .sources
            .iter()
            .filter(|s| s.control_id == "A")
            .map(|s| (s.reference.as_str(), s.row, s.answer))
            .collect();
        assert_eq!(
            a_sources,
            vec![
                ("AC-2", None, Some(Answer::No)),
                ("AC-3", Some(7), Some(Answer::Partial)),
                ("AC-3", Some(8), Some(Answer::Partial)),
            ]
        );
    }

    #[test]
    fn a_reference_cited_twice_is_counted_once_and_families_not_at_all() {
        let keys: Vec<String> = ["AC-02", "CP", "AC-2(a)", "AC-03", "AC-2"]
            .iter()
            .filter_map(|r| sp800_53_key(r))
            .collect();
        assert_eq!(keys, vec!["AC-2", "AC-2", "AC-3", "AC-2"]);
        let mut a = Answers::default();
        a.parts.insert("AC-2".into(), vec![Answer::Yes]);
        let p = project(&[("A".to_string(), keys)], &a, Service::Iaas, "CRM");
        assert_eq!(
            p.cells[0].tally,
            Some(Tally {
                yes: 1,
                partial: 0,
                no: 0,
                unanswered: 1
            })
        );
        assert_eq!(ccm_key("DSP"), None);
    }

    #[test]
    fn a_tally_is_read_checked_against_the_ownership_and_optional() {
        let table = |csv: &str| crate::import::reader::csv_table("m.csv", csv.as_bytes().to_vec()).unwrap();
        let ok = |s: &str| -> std::result::Result<String, ValueError> { Ok(s.to_string()) };
        let head = CSFKIT_HEADER.join(",");
        let old = parse_csfkit(&table(&format!("{head}\nA,iaas,customer,derived,,p,c\n")), &ok).unwrap();
        assert_eq!(old[0].tally, None);
        let tally = CSFKIT_TALLY_HEADER.join(",");
        let new = parse_csfkit(
            &table(&format!(
                "{head},{tally}\nA,iaas,shared,stated,x,p,c,1,0,2,0,\nB,iaas,customer,derived,,p,c,,,,,\n"
            )),
            &ok,
        )
        .unwrap();
        assert_eq!(new[0].tally.map(|t| t.counts()), Some("1/0/2".to_string()));
        assert_eq!(new[1].tally, None);
        let partial_header = parse_csfkit(&table(&format!("{head},answers_yes\n")), &ok).unwrap_err();
        assert!(partial_header[0].message.contains("missing: answers_partial"));
    }

    #[test]
    fn answers_read_both_vocabularies() {
        assert_eq!(fedramp_answer(" yes "), Ok(Some(Answer::Yes)));
        assert_eq!(fedramp_answer(""), Ok(None));
        assert!(fedramp_answer("maybe").is_err());
        assert_eq!(ccm_answer("Cloud service provider-owned"), Ok(Some(Answer::Yes)));
        assert_eq!(ccm_answer("Shared CSP and CSC"), Ok(Some(Answer::Partial)));
        assert_eq!(ccm_answer("CSC-Owned"), Ok(Some(Answer::No)));
    }
}

/// Matrix file layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// The csfkit matrix layout.
    Csfkit,
    /// FedRAMP Rev 5 CRM workbook.
    FedrampCrm,
    /// CSA Cloud Controls Matrix v4 workbook.
    CsaCcm,
    /// OSCAL component definition (JSON): csfkit's own or a provider's.
    OscalComponent,
}

impl Layout {
    /// The name stored with the provider.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Csfkit => "csfkit",
            Layout::FedrampCrm => "fedramp-crm",
            Layout::CsaCcm => "csa-ccm",
            Layout::OscalComponent => "oscal-component",
        }
    }
}

/// The layout of a file, from its headers.
pub fn detect_layout(tables: &[RawTable]) -> Option<Layout> {
    for t in tables {
        if t.find_header(&CSFKIT_HEADER).is_some() {
            return Some(Layout::Csfkit);
        }
    }
    for t in tables {
        if t.find_header(&["Control ID", "Can Be Inherited from CSP"])
            .is_some()
        {
            return Some(Layout::FedrampCrm);
        }
    }
    tables
        .iter()
        .any(|t| ccm_header(t).is_some())
        .then_some(Layout::CsaCcm)
}

fn pick<'a>(
    tables: &'a [RawTable],
    sheet: Option<&str>,
    fits: impl Fn(&RawTable) -> bool,
    what: &str,
) -> Result<&'a RawTable> {
    if let Some(name) = sheet {
        return tables
            .iter()
            .find(|t| {
                t.sheet
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case(name.trim()))
            })
            .ok_or_else(|| {
                Error::Data(format!(
                    "no sheet `{name}`; sheets: {}",
                    tables
                        .iter()
                        .filter_map(|t| t.sheet.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
    }
    let fitting: Vec<&RawTable> = tables.iter().filter(|t| fits(t)).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => Err(Error::Data(format!(
            "{}: no sheet has the {what} header",
            tables.first().map_or("", |t| t.file.as_str())
        ))),
        many => Err(Error::Usage(format!(
            "several sheets hold a {what}: {}; choose one with --sheet",
            many.iter()
                .filter_map(|t| t.sheet.clone())
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// What an importer read: the cells, the rows of the source behind projected cells (none for
/// the csfkit layout, which does not carry them), and the sheet read.
#[derive(Debug, Clone, Default)]
pub struct Imported {
    /// The cells, in catalogue order, then service order.
    pub cells: Vec<Cell>,
    /// The source rows behind projected cells.
    pub sources: Vec<CellSource>,
    /// The sheet read (spreadsheets).
    pub sheet: Option<String>,
}

/// Reads a matrix in the csfkit layout (the sheet `sheet`, or the one with its header).
pub fn import_csfkit(cat: &Catalogue, tables: &[RawTable], sheet: Option<&str>) -> Result<Imported> {
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
    })?;
    Ok(Imported {
        cells,
        sources: Vec::new(),
        sheet: t.sheet.clone(),
    })
}

/// (column of Control ID, header row index, column of the answer, column of the text)
fn fedramp_header(t: &RawTable) -> Option<(usize, usize, usize, Option<usize>)> {
    let (h, cols) = t.find_header(&["Control ID", "Can Be Inherited from CSP"])?;
    let text = t.rows[h]
        .1
        .iter()
        .position(|c| header_key(c).starts_with("specificinheritance"));
    Some((h, cols[0], cols[1], text))
}

/// Reads a FedRAMP CRM (the filled-in worksheet, or `sheet`) and projects its answers for
/// `service` onto CSF 2.0.
pub fn import_fedramp(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
    service: Service,
) -> Result<Imported> {
    // Prefer the worksheet that was actually filled in when several baselines are present.
    let answered = |t: &RawTable| {
        fedramp_header(t).is_some_and(|(h, _, a, _)| {
            t.rows[h + 1..]
                .iter()
                .any(|(_, r)| r.get(a).is_some_and(|v| !v.trim().is_empty()))
        })
    };
    let t = if sheet.is_none() && tables.iter().filter(|t| answered(t)).count() == 1 {
        tables.iter().find(|t| answered(t)).unwrap_or(&tables[0])
    } else {
        pick(tables, sheet, |t| fedramp_header(t).is_some(), "FedRAMP CRM")?
    };
    let Some((h, id_col, ans_col, text_col)) = fedramp_header(t) else {
        return Err(Error::Data(format!(
            "{}{}: no header row with `Control ID` and `Can Be Inherited from CSP`",
            t.file,
            t.sheet
                .as_deref()
                .map(|s| format!(", sheet `{s}`"))
                .unwrap_or_default()
        )));
    };
    let mut answers = Answers::default();
    let mut problems = Vec::new();
    let header = &t.rows[h].1;
    for (row_no, row) in &t.rows[h + 1..] {
        let id = row.get(id_col).map(|s| s.trim()).unwrap_or("");
        let loc = |col: usize| Location {
            file: t.file.clone(),
            sheet: t.sheet.clone(),
            row: Some(*row_no),
            column: header.get(col).cloned(),
        };
        if id.is_empty() {
            let answer = row.get(ans_col).map(|s| s.trim()).unwrap_or("");
            if !answer.is_empty() {
                problems.push(no_id(loc(id_col), answer));
            }
            continue;
        }
        // The whole cell: `AC-3, AC-5` or `AC-2.1` must not be counted as AC-3 or AC-2.
        let Some(key) = crate::model::crosswalk::sp800_53_exact_key(id) else {
            problems.push(Problem {
                location: loc(id_col),
                value: Some(id.to_string()),
                message:
                    "expected one SP 800-53 control per row, such as AC-2, AC-2(a), AC-2(1) or AC-2(1)(a)"
                        .into(),
            });
            continue;
        };
        answers.seen.insert(key.clone());
        let raw = row.get(ans_col).map(|s| s.as_str()).unwrap_or("");
        match fedramp_answer(raw) {
            Ok(Some(a)) => answers.parts.entry(key.clone()).or_default().push(a),
            Ok(None) => {}
            Err(refused) => problems.push(refused.at(loc(ans_col))),
        }
        let text = text_col
            .and_then(|tc| row.get(tc))
            .map(|s| s.trim())
            .unwrap_or("");
        answers.rows.entry(key.clone()).or_default().push(SourceRow {
            sheet: t.sheet.clone().unwrap_or_default(),
            row: *row_no,
            written_id: id.to_string(),
            written_answer: raw.trim().to_string(),
            text: text.to_string(),
        });
        if !text.is_empty() {
            let v = answers.texts.entry(key).or_default();
            if !v.iter().any(|x| x == text) {
                v.push(text.to_string());
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    let refs = references(cat, "SP 800-53 Rev 5.2.0", sp800_53_key)?;
    let source = format!("FedRAMP CRM ({})", t.sheet.clone().unwrap_or_default());
    let p = project(&refs, &answers, service, &source);
    Ok(Imported {
        cells: p.cells,
        sources: p.sources,
        sheet: t.sheet.clone(),
    })
}

/// (header row index, Control ID column, [(service, column)])
/// Header row, control column, and the column of each service model.
type CcmHeader = (usize, usize, Vec<(Service, usize)>);

fn ccm_header(t: &RawTable) -> Option<CcmHeader> {
    for (i, (_, cells)) in t.rows.iter().enumerate().take(30) {
        let Some(id_col) = cells.iter().position(|c| header_key(c) == "controlid") else {
            continue;
        };
        // IaaS / PaaS / SaaS sit in the header row or in a sub-header row below it.
        for j in [i, i + 1] {
            let Some((_, row)) = t.rows.get(j) else { continue };
            let col = |name: &str| row.iter().position(|c| header_key(c) == name);
            if let (Some(a), Some(b), Some(c)) = (col("iaas"), col("paas"), col("saas")) {
                return Some((
                    j,
                    id_col,
                    vec![(Service::Iaas, a), (Service::Paas, b), (Service::Saas, c)],
                ));
            }
        }
    }
    None
}

/// Reads a CSA CCM workbook (sheet `CCM`, or `sheet`) and projects its IaaS, PaaS and SaaS
/// ownership onto CSF 2.0.
pub fn import_ccm(cat: &Catalogue, tables: &[RawTable], sheet: Option<&str>) -> Result<Imported> {
    let t = match sheet {
        Some(_) => pick(tables, sheet, |t| ccm_header(t).is_some(), "CCM")?,
        None => tables
            .iter()
            .find(|t| t.sheet.as_deref() == Some("CCM") && ccm_header(t).is_some())
            .map_or_else(|| pick(tables, None, |t| ccm_header(t).is_some(), "CCM"), Ok)?,
    };
    let Some((h, id_col, service_cols)) = ccm_header(t) else {
        return Err(Error::Data(format!(
            "{}: no CCM header (`Control ID` with IaaS, PaaS and SaaS columns)",
            t.file
        )));
    };
    let header = &t.rows[h].1;
    let mut per_service: BTreeMap<Service, Answers> = BTreeMap::new();
    let mut problems = Vec::new();
    for (row_no, row) in &t.rows[h + 1..] {
        let id = row.get(id_col).map(|s| s.trim()).unwrap_or("");
        if id.is_empty() {
            if let Some(answer) = service_cols
                .iter()
                .map(|(_, c)| row.get(*c).map(|s| s.trim()).unwrap_or(""))
                .find(|a| !a.is_empty())
            {
                let location = Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: Some("Control ID".into()),
                };
                problems.push(no_id(location, answer));
            }
            continue;
        }
        let Some(key) = ccm_key(id) else {
            problems.push(Problem {
                location: Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: Some("Control ID".into()),
                },
                value: Some(id.to_string()),
                message: "expected a CCM control ID such as IAM-01".into(),
            });
            continue;
        };
        for (service, col) in &service_cols {
            let answers = per_service.entry(*service).or_default();
            answers.seen.insert(key.clone());
            let raw = row.get(*col).map(|s| s.as_str()).unwrap_or("");
            answers.rows.entry(key.clone()).or_default().push(SourceRow {
                sheet: t.sheet.clone().unwrap_or_default(),
                row: *row_no,
                written_id: id.to_string(),
                written_answer: raw.trim().to_string(),
                text: String::new(),
            });
            match ccm_answer(raw) {
                Ok(Some(a)) => answers.parts.entry(key.clone()).or_default().push(a),
                Ok(None) => {}
                Err(refused) => problems.push(refused.at(Location {
                    file: t.file.clone(),
                    sheet: t.sheet.clone(),
                    row: Some(*row_no),
                    column: header.get(*col).cloned(),
                })),
            }
        }
    }
    if !problems.is_empty() {
        return Err(Error::Invalid {
            file: t.file.clone(),
            problems,
        });
    }
    let refs = references(cat, "CCMv4.0", ccm_key)?;
    let mut cells = Vec::new();
    let mut sources = Vec::new();
    for (service, answers) in &per_service {
        let p = project(&refs, answers, *service, "CSA CCM");
        cells.extend(p.cells);
        sources.extend(p.sources);
    }
    // Catalogue order, then service order, like every matrix.
    let order: BTreeMap<&str, usize> = refs
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.as_str(), i))
        .collect();
    cells.sort_by_key(|c| (order.get(c.control_id.as_str()).copied(), c.service));
    Ok(Imported {
        cells,
        sources,
        sheet: t.sheet.clone(),
    })
}

/// Each active CSF 2.0 subcategory (catalogue order) with its normalised references of `source`.
fn references(
    cat: &Catalogue,
    source: &str,
    key: fn(&str) -> Option<String>,
) -> Result<Vec<(String, Vec<String>)>> {
    Ok(cat
        .references_by_source(DEFAULT_FRAMEWORK, source)?
        .into_iter()
        .map(|(c, refs)| {
            let mut keys: Vec<String> = refs.iter().filter_map(|r| key(r)).collect();
            keys.dedup();
            (c, keys)
        })
        .collect())
}
