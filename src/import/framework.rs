//! Framework catalogues as data: parsing NIST exports into a [`FrameworkData`] model.
//!
//! Three layouts are understood, detected from the content:
//! - the NIST CSF Reference Tool (CPRT) spreadsheet export (`csf2.xlsx`): a sheet whose header
//!   row reads `Function | Category | Subcategory | Implementation Examples | Informative
//!   References`, cells written `GOVERN (GV): text`, `Name (GV.OC): text`, `GV.OC-01: text`;
//! - the CPRT JSON export (`response.elements.{documents,elements,relationships}`);
//! - the flat CSF 1.1 core layout (`Function | Category Identifier | Category Description |
//!   Subcategory Identifier | Subcategory Description`).
//!
//! The shipped catalogue is built by this same code from the files in `frameworks/`, so the
//! embedded data and `csfkit framework import` are one code path. This module does no I/O
//! beyond the bytes it is given and never touches the catalogue.

use std::collections::HashMap;

use crate::util::sha256_hex;
use serde::Deserialize;

use crate::error::{Error, Location, Result};
use crate::ids::{self, Level};
use crate::import::reader::RawTable;
pub(crate) use crate::model::framework::{Element, FrameworkData, Withdrawal};

/// Overrides for what the file does not say (or says differently).
#[derive(Debug, Clone, Default)]
pub(crate) struct ParseOptions {
    /// Catalogue ID to use instead of `nist-csf-<version>`.
    pub id: Option<String>,
    /// Version to use instead of the one found in the file.
    pub version: Option<String>,
}

/// Parses a framework export from its bytes; `name` is the file name used in messages.
pub(crate) fn parse(name: &str, bytes: &[u8], opts: &ParseOptions) -> Result<FrameworkData> {
    let trimmed = bytes
        .iter()
        .skip_while(|b| b.is_ascii_whitespace() || **b == 0xEF || **b == 0xBB || **b == 0xBF)
        .copied()
        .next();
    let mut data = if trimmed == Some(b'{') {
        parse_cprt_json(name, bytes)?
    } else if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        // Through the one table reader: the same zip-bomb, size and encryption guards as
        // every other import.
        parse_workbook(
            name,
            &crate::import::reader::tables_from_bytes(name, bytes, None)?,
        )?
    } else {
        return Err(Error::BadInput {
            at: Location::in_file(name),
            message: "not a NIST CSF export: expected the CSF Reference Tool spreadsheet (.xlsx) or its JSON export".into(),
        });
    };
    if let Some(v) = &opts.version {
        v.clone_into(&mut data.version);
    }
    if data.version.is_empty() {
        return Err(Error::BadInput {
            at: Location::in_file(name),
            message: "the file does not say which CSF version it holds; pass --version (e.g. --version 1.1)"
                .into(),
        });
    }
    data.id = opts
        .id
        .clone()
        .unwrap_or_else(|| format!("nist-csf-{}", data.version));
    data.source_name = name.to_string();
    data.source_sha256 = sha256_hex(bytes);
    data.validate()?;
    Ok(data)
}

fn norm_header(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase()
}

fn parse_workbook(name: &str, tables: &[RawTable]) -> Result<FrameworkData> {
    let sheets: Vec<String> = tables.iter().filter_map(|t| t.sheet.clone()).collect();
    let mut generated = None;
    let mut title_version = None;
    for t in tables {
        let sheet = t.sheet.as_deref().unwrap_or_default();
        let rows: Vec<Vec<String>> = t.rows.iter().map(|(_, r)| r.clone()).collect();
        let numbers: Vec<usize> = t.rows.iter().map(|(n, _)| *n).collect();
        // The Introduction sheet of a CPRT export: `Generated Date` and `Title`.
        for r in &rows {
            if r.len() >= 2 {
                match norm_header(&r[0]).as_str() {
                    "generateddate" => generated = Some(r[1].clone()),
                    "title" => title_version = version_in(&r[1]),
                    _ => {}
                }
            }
        }
        for (i, r) in rows.iter().enumerate().take(20) {
            let h: Vec<String> = r.iter().map(|c| norm_header(c)).collect();
            let col = |n: &str| h.iter().position(|x| x == n);
            if let (Some(f), Some(c), Some(s)) = (col("function"), col("category"), col("subcategory")) {
                let cols = CprtColumns {
                    function: f,
                    category: c,
                    subcategory: s,
                    examples: col("implementationexamples"),
                    references: col("informativereferences"),
                };
                let version = version_in(sheet).or(title_version.clone()).unwrap_or_default();
                let mut data = parse_cprt_rows(name, sheet, &rows[i + 1..], &numbers[i + 1..], &cols)?;
                data.version = version;
                data.source_date = generated.clone();
                return Ok(data);
            }
            if let (Some(f), Some(ci), Some(cd), Some(si), Some(sd)) = (
                col("function"),
                col("categoryidentifier"),
                col("categorydescription"),
                col("subcategoryidentifier"),
                col("subcategorydescription"),
            ) {
                let cols = FlatColumns {
                    function: f,
                    category_id: ci,
                    category_text: cd,
                    sub_id: si,
                    sub_text: sd,
                };
                let mut data = parse_flat_rows(name, sheet, &rows[i + 1..], &numbers[i + 1..], &cols)?;
                data.version = version_in(sheet).or(title_version.clone()).unwrap_or_default();
                return Ok(data);
            }
        }
    }
    Err(Error::NoHeader {
        at: Location::in_file(name),
        message: format!(
            "no sheet has a CSF header row (`Function | Category | Subcategory` or `Function | Category Identifier | ... | Subcategory Description`); sheets: {}",
            sheets.join(", ")
        ),
    })
}

/// `2.0` from `CSF 2.0`, `The NIST Cybersecurity Framework (CSF) 2.0`, `Version  2.0`.
fn version_in(s: &str) -> Option<String> {
    let b = s.as_bytes();
    for i in 0..b.len() {
        if b[i].is_ascii_digit() && (i == 0 || !b[i - 1].is_ascii_alphanumeric() && b[i - 1] != b'.') {
            let rest = &s[i..];
            let end = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            let v = rest[..end].trim_end_matches('.');
            if v.contains('.') {
                return Some(v.to_string());
            }
        }
    }
    None
}

struct CprtColumns {
    function: usize,
    category: usize,
    subcategory: usize,
    examples: Option<usize>,
    references: Option<usize>,
}

/// Splits `Name (ID): text` into (name, id, text).
fn split_named(cell: &str) -> Option<(String, String, String)> {
    let open = cell.find(" (")?;
    let close = cell[open..].find("):")? + open;
    let name = cell[..open].to_string();
    let id = cell[open + 2..close].to_string();
    let text = cell[close + 2..].strip_prefix(' ').unwrap_or(&cell[close + 2..]);
    Some((name, id, text.to_string()))
}

/// Splits `GV.OC-01: text` into (id, text).
fn split_id(cell: &str) -> Option<(String, String)> {
    let (id, text) = cell.split_once(':')?;
    let text = text.strip_prefix(' ').unwrap_or(text);
    Some((id.trim().to_string(), text.to_string()))
}

/// `[Withdrawn: Incorporated into GV.OC-04, GV.OC-05]` → withdrawal.
fn withdrawal(text: &str) -> Option<Withdrawal> {
    let inner = text
        .trim()
        .strip_prefix("[Withdrawn:")?
        .trim_end()
        .strip_suffix(']')?;
    Some(withdrawal_note(inner.trim()))
}

fn withdrawal_note(note: &str) -> Withdrawal {
    let (relation, rest) = if let Some(r) = note.strip_prefix("Incorporated into") {
        ("incorporated_into", r)
    } else if let Some(r) = note.strip_prefix("Moved to") {
        ("moved_to", r)
    } else {
        ("withdrawn", "")
    };
    let targets = rest
        .split(',')
        .map(str::trim)
        .filter(|t| ids::parse(t).is_ok() && !t.is_empty())
        .map(str::to_string)
        .collect();
    Withdrawal {
        note: note.to_string(),
        relation,
        targets,
    }
}

fn examples(cell: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in cell.lines() {
        let label_end = line.find(':');
        let is_label = label_end.is_some_and(|e| {
            let l = &line[..e];
            l.len() > 2 && l.starts_with("Ex") && l[2..].bytes().all(|b| b.is_ascii_digit())
        });
        if is_label {
            let e = label_end.unwrap_or(0);
            let text = line[e + 1..].strip_prefix(' ').unwrap_or(&line[e + 1..]);
            out.push((line[..e].to_string(), text.to_string()));
        } else if let Some(last) = out.last_mut() {
            last.1.push('\n');
            last.1.push_str(line);
        } else if !line.trim().is_empty() {
            out.push((String::new(), line.to_string()));
        }
    }
    out
}

fn references(cell: &str) -> Vec<(String, String)> {
    cell.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.split_once(": ") {
            Some((s, r)) => (s.trim().to_string(), r.trim().to_string()),
            None => (String::new(), l.to_string()),
        })
        .collect()
}

fn parse_cprt_rows(
    name: &str,
    sheet: &str,
    rows: &[Vec<String>],
    numbers: &[usize],
    cols: &CprtColumns,
) -> Result<FrameworkData> {
    let at_row = |row: usize| {
        Location::in_file(name)
            .in_sheet(Some(sheet.to_string()))
            .at_row(row)
    };
    let mut elements: Vec<Element> = Vec::new();
    let mut function: Option<String> = None;
    let mut category: Option<String> = None;
    fn get(r: &[String], i: usize) -> &str {
        r.get(i).map_or("", String::as_str)
    }
    for (k, r) in rows.iter().enumerate() {
        let row_no = numbers.get(k).copied().unwrap_or(k + 1);
        let bad = |what: &str, cell: &str| Error::BadInput {
            at: at_row(row_no),
            message: format!(
                "cannot read {what} `{}`; expected `{}`",
                cell.chars().take(60).collect::<String>(),
                match what {
                    "function" => "NAME (XX): text",
                    "category" => "Name (XX.YY): text",
                    _ => "XX.YY-NN: text",
                }
            ),
        };
        let refs = cols.references.map(|c| references(get(r, c))).unwrap_or_default();
        let exs = cols.examples.map(|c| examples(get(r, c))).unwrap_or_default();
        let f = get(r, cols.function).trim_end_matches('\n');
        let c = get(r, cols.category);
        let s = get(r, cols.subcategory);
        // The export closes each collapsible function group with a bare `GOVERN (GV)` row.
        let group_footer = split_named(f).is_none()
            && f.trim()
                .strip_suffix(')')
                .and_then(|x| x.rsplit_once(" ("))
                .is_some_and(|(_, id)| elements.iter().any(|e| e.level == Level::Function && e.id == id));
        if group_footer {
            continue;
        }
        if !f.trim().is_empty() {
            let (title, id, text) = split_named(f).ok_or_else(|| bad("function", f))?;
            let withdrawn = withdrawal(&text);
            elements.push(Element {
                id: id.clone(),
                level: Level::Function,
                parent: None,
                title,
                text,
                examples: exs,
                references: refs,
                withdrawn,
            });
            function = Some(id);
            category = None;
        } else if !c.trim().is_empty() {
            let (title, id, text) = split_named(c).ok_or_else(|| bad("category", c))?;
            let withdrawn = withdrawal(&text);
            elements.push(Element {
                id: id.clone(),
                level: Level::Category,
                parent: function.clone(),
                title,
                text,
                examples: exs,
                references: refs,
                withdrawn,
            });
            category = Some(id);
        } else if !s.trim().is_empty() {
            let (id, text) = split_id(s).ok_or_else(|| bad("subcategory", s))?;
            let withdrawn = withdrawal(&text);
            // A withdrawn subcategory may sit under a withdrawn category or an active one.
            let parent = ids::parse(&id)
                .ok()
                .map(|p| format!("{}.{}", p.function, p.category.unwrap_or_default()))
                .filter(|p| elements.iter().any(|e| &e.id == p))
                .or_else(|| category.clone());
            elements.push(Element {
                id,
                level: Level::Subcategory,
                parent,
                title: String::new(),
                text,
                examples: exs,
                references: refs,
                withdrawn,
            });
        }
    }
    Ok(FrameworkData {
        id: String::new(),
        name: "NIST Cybersecurity Framework".into(),
        version: String::new(),
        source_name: name.into(),
        source_sha256: String::new(),
        source_date: None,
        elements,
    })
}

struct FlatColumns {
    function: usize,
    category_id: usize,
    category_text: usize,
    sub_id: usize,
    sub_text: usize,
}

fn parse_flat_rows(
    name: &str,
    sheet: &str,
    rows: &[Vec<String>],
    numbers: &[usize],
    cols: &FlatColumns,
) -> Result<FrameworkData> {
    let at_row = |row: usize| {
        Location::in_file(name)
            .in_sheet(Some(sheet.to_string()))
            .at_row(row)
    };
    let mut elements: Vec<Element> = Vec::new();
    let mut function: Option<String> = None;
    let mut category: Option<String> = None;
    let get = |r: &Vec<String>, i: usize| r.get(i).cloned().unwrap_or_default();
    for (k, r) in rows.iter().enumerate() {
        let row_no = numbers.get(k).copied().unwrap_or(k + 1);
        let f = get(r, cols.function);
        if !f.trim().is_empty() {
            // `IDENTIFY (ID)` with an optional `: text`.
            let (title, id) = f
                .trim()
                .strip_suffix(')')
                .and_then(|x| x.rsplit_once(" ("))
                .map(|(t, i)| (t.to_string(), i.to_string()))
                .or_else(|| split_named(&f).map(|(t, i, _)| (t, i)))
                .ok_or_else(|| Error::BadInput {
                    at: at_row(row_no),
                    message: format!("cannot read function `{f}`; expected `NAME (XX)`"),
                })?;
            elements.push(Element {
                id: id.clone(),
                level: Level::Function,
                parent: None,
                title,
                text: String::new(),
                examples: vec![],
                references: vec![],
                withdrawn: None,
            });
            function = Some(id);
        }
        let c = get(r, cols.category_id);
        if !c.trim().is_empty() {
            let (title, id) = c
                .trim()
                .strip_suffix(')')
                .and_then(|x| x.rsplit_once(" ("))
                .map(|(t, i)| (t.to_string(), i.to_string()))
                .ok_or_else(|| Error::BadInput {
                    at: at_row(row_no),
                    message: format!("cannot read category `{c}`; expected `Name (XX.YY)`"),
                })?;
            elements.push(Element {
                id: id.clone(),
                level: Level::Category,
                parent: function.clone(),
                title,
                text: get(r, cols.category_text),
                examples: vec![],
                references: vec![],
                withdrawn: None,
            });
            category = Some(id);
        }
        let s = get(r, cols.sub_id);
        if !s.trim().is_empty() {
            elements.push(Element {
                id: s.trim().to_string(),
                level: Level::Subcategory,
                parent: category.clone(),
                title: String::new(),
                text: get(r, cols.sub_text),
                examples: vec![],
                references: vec![],
                withdrawn: None,
            });
        }
    }
    Ok(FrameworkData {
        id: String::new(),
        name: "NIST Cybersecurity Framework".into(),
        version: String::new(),
        source_name: name.into(),
        source_sha256: String::new(),
        source_date: None,
        elements,
    })
}

#[derive(Deserialize)]
struct CprtFile {
    response: CprtResponse,
}
#[derive(Deserialize)]
struct CprtResponse {
    elements: CprtBody,
}
#[derive(Deserialize)]
struct CprtBody {
    #[serde(default)]
    documents: Vec<CprtDocument>,
    elements: Vec<CprtElement>,
    relationships: Vec<CprtRelationship>,
}
#[derive(Deserialize)]
struct CprtDocument {
    #[serde(default)]
    name: String,
    #[serde(default)]
    version: String,
}
#[derive(Deserialize)]
struct CprtElement {
    element_type: String,
    element_identifier: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    text: String,
}
#[derive(Deserialize)]
struct CprtRelationship {
    source_element_identifier: String,
    dest_element_identifier: String,
    relationship_identifier: String,
}

fn parse_cprt_json(name: &str, bytes: &[u8]) -> Result<FrameworkData> {
    let text = std::str::from_utf8(bytes).map_err(|e| Error::BadInput {
        at: Location::in_file(name),
        message: format!("not UTF-8 text: {e}"),
    })?;
    let text = text.trim_start_matches('\u{FEFF}');
    let file: CprtFile = serde_json::from_str(text).map_err(|e| Error::BadInput {
        at: Location::in_file(name),
        message: format!(
            "not a CPRT JSON export (expected `response.elements.{{documents,elements,relationships}}`): {e}"
        ),
    })?;
    let body = file.response.elements;
    let by_id: HashMap<&str, &CprtElement> = body
        .elements
        .iter()
        .map(|e| (e.element_identifier.as_str(), e))
        .collect();
    let mut parent: HashMap<&str, &str> = HashMap::new();
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut targets: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for r in &body.relationships {
        let (s, d) = (
            r.source_element_identifier.as_str(),
            r.dest_element_identifier.as_str(),
        );
        match r.relationship_identifier.as_str() {
            "projection" => {
                children.entry(s).or_default().push(d);
                let dt = by_id.get(d).map(|e| e.element_type.as_str());
                if matches!(dt, Some("category" | "subcategory")) {
                    parent.insert(d, s);
                }
            }
            "incorporated_into" | "moved_to" => targets
                .entry(s)
                .or_default()
                .push((r.relationship_identifier.as_str(), d)),
            _ => {}
        }
    }
    let sort_key = |id: &str| -> String {
        by_id
            .get(format!("S-{id}").as_str())
            .map(|e| e.title.clone())
            .unwrap_or_else(|| format!("~{id}"))
    };
    let mut elements = Vec::new();
    let mut ordered: Vec<&CprtElement> = body
        .elements
        .iter()
        .filter(|e| matches!(e.element_type.as_str(), "function" | "category" | "subcategory"))
        .collect();
    ordered.sort_by_key(|e| sort_key(&e.element_identifier));
    for e in ordered {
        let id = e.element_identifier.as_str();
        let level = match e.element_type.as_str() {
            "function" => Level::Function,
            "category" => Level::Category,
            _ => Level::Subcategory,
        };
        let kids = children.get(id).cloned().unwrap_or_default();
        let mut exs: Vec<(&str, String, String)> = kids
            .iter()
            .filter_map(|k| by_id.get(k))
            .filter(|k| k.element_type == "implementation_example")
            .map(|k| (k.element_identifier.as_str(), k.title.clone(), k.text.clone()))
            .collect();
        exs.sort_by(|a, b| a.0.cmp(b.0));
        let wr_id = format!("WR-{id}");
        let withdrawn = by_id.get(wr_id.as_str()).map(|wr| {
            let mut w = withdrawal_note(wr.text.trim());
            let listed: Vec<String> = targets
                .get(wr_id.as_str())
                .map(|t| t.iter().map(|(_, d)| (*d).to_string()).collect())
                .unwrap_or_default();
            if w.targets.is_empty() {
                w.targets = listed;
            }
            w
        });
        elements.push(Element {
            id: id.to_string(),
            level,
            parent: parent.get(id).map(|p| (*p).to_string()),
            title: e.title.clone(),
            text: e.text.clone(),
            examples: exs.into_iter().map(|(_, l, t)| (l, t)).collect(),
            references: Vec::new(),
            withdrawn,
        });
    }
    let doc = body.documents.first();
    Ok(FrameworkData {
        id: String::new(),
        name: doc
            .map(|d| d.name.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "NIST Cybersecurity Framework".into()),
        version: doc.and_then(|d| version_in(&d.version)).unwrap_or_default(),
        source_name: name.into(),
        source_sha256: String::new(),
        source_date: None,
        elements,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell the parser cannot read is refused at its place: the file, the sheet, the row.
    #[test]
    fn a_bad_cell_is_refused_where_it_is() {
        let xlsx = |rows: &[[&str; 5]]| {
            let mut wb = rust_xlsxwriter::Workbook::new();
            let ws = wb.add_worksheet().set_name("Core").unwrap();
            for (r, row) in rows.iter().enumerate() {
                for (c, v) in row.iter().enumerate() {
                    ws.write(r as u32, c as u16, *v).unwrap();
                }
            }
            wb.save_to_buffer().unwrap()
        };
        let header = [
            "Function",
            "Category Identifier",
            "Category Description",
            "Subcategory Identifier",
            "Subcategory Description",
        ];
        let opts = ParseOptions {
            version: Some("1.1".into()),
            ..ParseOptions::default()
        };
        let bad = xlsx(&[
            header,
            [
                "IDENTIFY (ID)",
                "Asset Management (ID.AM)",
                "Assets",
                "ID.AM-1",
                "Devices are inventoried",
            ],
            [
                "no parentheses",
                "Business Environment (ID.BE)",
                "Roles",
                "ID.BE-1",
                "The role is known",
            ],
        ]);
        match parse("core.xlsx", &bad, &opts) {
            Err(Error::BadInput { at, message }) => {
                assert_eq!(
                    (at.file.as_str(), at.sheet.as_deref(), at.row),
                    ("core.xlsx", Some("Core"), Some(3)),
                    "{message}"
                );
                assert!(
                    message.contains("cannot read function `no parentheses`"),
                    "{message}"
                );
            }
            other => panic!("expected a bad cell at row 3, got {other:?}"),
        }
        let headless = xlsx(&[["a", "b", "c", "d", "e"]]);
        assert!(matches!(
            parse("x.xlsx", &headless, &opts),
            Err(Error::NoHeader { at, .. }) if at.file == "x.xlsx"
        ));
    }

    #[test]
    fn splits_cells() {
        assert_eq!(
            split_named("GOVERN (GV): The org's strategy"),
            Some(("GOVERN".into(), "GV".into(), "The org's strategy".into()))
        );
        assert_eq!(
            split_id("GV.OC-01: The mission: understood"),
            Some(("GV.OC-01".into(), "The mission: understood".into()))
        );
        let w = withdrawal("[Withdrawn: Incorporated into GV.OC-04, GV.OC-05]").unwrap();
        assert_eq!(w.relation, "incorporated_into");
        assert_eq!(w.targets, vec!["GV.OC-04", "GV.OC-05"]);
        let w = withdrawal("[Withdrawn: Incorporated into other Categories and Functions]").unwrap();
        assert!(w.targets.is_empty());
    }

    #[test]
    fn reads_examples_and_references() {
        assert_eq!(
            examples("Ex1: One\nEx2: Two\ncontinued"),
            vec![
                ("Ex1".into(), "One".into()),
                ("Ex2".into(), "Two\ncontinued".into())
            ]
        );
        assert_eq!(
            references("ISO/IEC 27001:2022: Mandatory Clause: 4.1\nSP 800-53 Rev 5.2.0: AC-02"),
            vec![
                ("ISO/IEC 27001:2022".into(), "Mandatory Clause: 4.1".into()),
                ("SP 800-53 Rev 5.2.0".into(), "AC-02".into())
            ]
        );
    }

    #[test]
    fn finds_versions() {
        assert_eq!(version_in("CSF 2.0").as_deref(), Some("2.0"));
        assert_eq!(version_in("Version  2.0").as_deref(), Some("2.0"));
        assert_eq!(
            version_in("The NIST Cybersecurity Framework (CSF) 2.0").as_deref(),
            Some("2.0")
        );
        assert_eq!(version_in("Input"), None);
    }

    #[test]
    fn rejects_other_files() {
        let err = parse("x.csv", b"a,b,c\n", &ParseOptions::default()).unwrap_err();
        assert!(err.to_string().contains("not a NIST CSF export"));
        let err = parse("x.json", b"{\"a\":1}", &ParseOptions::default()).unwrap_err();
        assert!(err.to_string().contains("not a CPRT JSON export"));
    }
}
