//! The provider matrix import: a responsibility matrix in the csfkit layout, a FedRAMP CRM
//! workbook or a CSA CCM workbook, read through the one table reader, validated, and (for
//! FedRAMP and CCM) projected onto CSF 2.0 through the NIST export's informative references.
//! Every problem is reported at once; the cells go to the catalogue only if all are valid.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::ownership::{Cell, Ownership, Service};

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

/// Parses a matrix in the csfkit layout. `resolve` maps an input ID to the catalogue spelling
/// or explains why not. All problems are collected.
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
    let mut problems = Vec::new();
    let mut cells = Vec::new();
    let mut seen: HashMap<(String, Service), usize> = HashMap::new();
    for (row_no, row) in &table.rows[h + 1..] {
        let get = |i: usize| row.get(cols[i]).map(|s| s.trim()).unwrap_or("");
        if (0..CSFKIT_HEADER.len()).all(|i| get(i).is_empty()) {
            continue;
        }
        let mut bad = |col: usize, value: &str, message: String| {
            problems.push(Problem {
                location: table.loc(*row_no, Some(CSFKIT_HEADER[col])),
                value: Some(value.to_string()),
                message,
            });
        };
        let control = match resolve(get(0)) {
            Ok(c) => Some(c),
            Err(m) => {
                bad(0, get(0), m.message);
                None
            }
        };
        let service = get(1)
            .parse::<Service>()
            .map_err(|m| bad(1, get(1), m.message))
            .ok();
        let ownership = match get(2).parse::<Ownership>() {
            Ok(Ownership::Undetermined) | Err(_) => {
                bad(2, get(2), "expected inherited, shared or customer".into());
                None
            }
            Ok(o) => Some(o),
        };
        let basis = get(3).to_ascii_lowercase();
        if !BASES.contains(&basis.as_str()) {
            bad(
                3,
                get(3),
                "expected `stated` (cite the provider's words) or `derived`".into(),
            );
        } else if basis == "stated" && get(4).is_empty() {
            bad(
                4,
                "",
                "a `stated` basis needs a citation: the provider's words".into(),
            );
        }
        if let (Some(c), Some(s), Some(o)) = (control, service, ownership) {
            if let Some(first) = seen.insert((c.clone(), s), *row_no) {
                bad(0, get(0), format!("{c} / {s} is already given on row {first}"));
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
            });
        }
    }
    if problems.is_empty() {
        Ok(cells)
    } else {
        Err(problems)
    }
}

/// A provider's answer for one SP 800-53 or CCM control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    /// Fully inherited / CSP-owned.
    Yes,
    /// Partly / shared.
    Partial,
    /// Not inherited / customer-owned.
    No,
}

impl Answer {
    /// Combines answered parts: all Yes -> Yes, all No -> No, else Partial.
    pub fn combine(parts: &[Answer]) -> Option<Answer> {
        let first = *parts.first()?;
        if parts.iter().all(|p| *p == first) {
            Some(first)
        } else {
            Some(Answer::Partial)
        }
    }

    fn label(self) -> &'static str {
        match self {
            Answer::Yes => "Yes",
            Answer::Partial => "Partial",
            Answer::No => "No",
        }
    }
}

/// Normalises an SP 800-53 control identifier to its control or enhancement, dropping
/// statement parts: `AC-2(a)` -> `AC-2`, `AC-02(01)(a)` -> `AC-2(1)`, `ac-2 (1)` -> `AC-2(1)`.
pub fn sp800_53_key(s: &str) -> Option<String> {
    let t: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_uppercase();
    let (family, rest) = t.split_once('-')?;
    if family.len() != 2 || !family.bytes().all(|b| b.is_ascii_uppercase()) {
        return None;
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    let mut key = format!("{family}-{number}");
    let after = &rest[digits.len()..];
    if let Some(inner) = after.strip_prefix('(') {
        let e: String = inner.chars().take_while(char::is_ascii_digit).collect();
        if !e.is_empty() && inner[e.len()..].starts_with(')') {
            key.push_str(&format!("({})", e.parse::<u32>().ok()?));
        }
    }
    Some(key)
}

/// Normalises a CCM control ID (`bcr-01` -> `BCR-01`, `A&A-1` -> `A&A-01`).
pub fn ccm_key(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_uppercase();
    let (domain, num) = t.rsplit_once('-')?;
    let n: u32 = num.trim().parse().ok()?;
    if domain.is_empty() {
        return None;
    }
    Some(format!("{}-{n:02}", domain.trim()))
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
}

/// Projects answers onto subcategories. `refs` maps each CSF 2.0 subcategory (in catalogue
/// order) to the control keys it references. A subcategory is `inherited` if every answered
/// referenced control is Yes, `customer` if every one is No, `shared` otherwise, and
/// `undetermined` if none is answered.
pub fn project(
    refs: &[(String, Vec<String>)],
    answers: &Answers,
    service: Service,
    source: &str,
) -> Vec<Cell> {
    let mut out = Vec::new();
    for (control, keys) in refs {
        let mut answered: Vec<(String, Answer)> = Vec::new();
        let mut texts: Vec<String> = Vec::new();
        for k in keys {
            if let Some(a) = answers.parts.get(k).and_then(|p| Answer::combine(p)) {
                answered.push((k.clone(), a));
            }
            if let Some(t) = answers.texts.get(k) {
                for x in t {
                    let line = format!("{k}: {x}");
                    if !texts.contains(&line) {
                        texts.push(line);
                    }
                }
            }
        }
        let ownership = if answered.is_empty() {
            Ownership::Undetermined
        } else if answered.iter().all(|(_, a)| *a == Answer::Yes) {
            Ownership::Inherited
        } else if answered.iter().all(|(_, a)| *a == Answer::No) {
            Ownership::Customer
        } else {
            Ownership::Shared
        };
        let trace = if answered.is_empty() {
            format!(
                "{source}: none of the {} referenced controls is answered ({})",
                keys.len(),
                keys.join(", ")
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
        out.push(Cell {
            control_id: control.clone(),
            service,
            ownership,
            basis: "stated".into(),
            citation: trace,
            provider_responsibility: provider,
            customer_responsibility: texts.join(" | "),
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
        let cells = project(&refs, &a, Service::Iaas, "CRM");
        let o: Vec<Ownership> = cells.iter().map(|c| c.ownership).collect();
        use Ownership::*;
        assert_eq!(o, vec![Shared, Customer, Inherited, Shared, Undetermined]);
        assert_eq!(cells[0].citation, "CRM: AC-2 No, AC-3 Partial");
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

/// Reads a matrix in the csfkit layout (the sheet `sheet`, or the one with its header).
pub fn import_csfkit(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
) -> Result<(Vec<Cell>, Option<String>)> {
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
    Ok((cells, t.sheet.clone()))
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
) -> Result<(Vec<Cell>, Option<String>)> {
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
        if id.is_empty() {
            continue;
        }
        let loc = |col: usize| Location {
            file: t.file.clone(),
            sheet: t.sheet.clone(),
            row: Some(*row_no),
            column: header.get(col).cloned(),
        };
        let Some(key) = sp800_53_key(id) else {
            problems.push(Problem {
                location: loc(id_col),
                value: Some(id.to_string()),
                message: "expected an SP 800-53 control such as AC-2, AC-2(a), AC-2(1) or AC-2(1)(a)".into(),
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
        if let Some(tc) = text_col {
            let text = row.get(tc).map(|s| s.trim()).unwrap_or("");
            if !text.is_empty() {
                let v = answers.texts.entry(key).or_default();
                if !v.iter().any(|x| x == text) {
                    v.push(text.to_string());
                }
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
    Ok((project(&refs, &answers, service, &source), t.sheet.clone()))
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
pub fn import_ccm(
    cat: &Catalogue,
    tables: &[RawTable],
    sheet: Option<&str>,
) -> Result<(Vec<Cell>, Option<String>)> {
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
    for (service, answers) in &per_service {
        cells.extend(project(&refs, answers, *service, "CSA CCM"));
    }
    // Catalogue order, then service order, like every matrix.
    let order: BTreeMap<&str, usize> = refs
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.as_str(), i))
        .collect();
    cells.sort_by_key(|c| (order.get(c.control_id.as_str()).copied(), c.service));
    Ok((cells, t.sheet.clone()))
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
