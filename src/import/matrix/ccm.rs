//! A CSA CCM workbook: the IaaS, PaaS and SaaS ownership columns (CSP-Owned, CSC-Owned,
//! Shared), projected onto CSF 2.0 through the CCM references.

use std::collections::BTreeMap;

use super::common::{Imported, no_id, pick, references};
use super::projection::{Answers, SourceRow, project};
use crate::catalogue::Catalogue;
use crate::error::{Error, Location, Problem, Result, ValueError};
use crate::import::layout::header_key;
use crate::import::reader::RawTable;
use crate::model::crosswalk::ccm_key;
use crate::model::ownership::{Answer, Service};

/// Reads a CCM ownership value. `Third-party outsourced` counts as the customer's: the
/// customer has to manage that third party, nothing is inherited from the CSP.
pub(crate) fn ccm_answer(s: &str) -> std::result::Result<Option<Answer>, ValueError> {
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

/// (header row index, Control ID column, [(service, column)])
/// Header row, control column, and the column of each service model.
type CcmHeader = (usize, usize, Vec<(Service, usize)>);

pub(super) fn ccm_header(t: &RawTable) -> Option<CcmHeader> {
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
pub(crate) fn import_ccm(cat: &Catalogue, tables: &[RawTable], sheet: Option<&str>) -> Result<Imported> {
    let t = match sheet {
        Some(_) => pick(tables, sheet, |t| ccm_header(t).is_some(), "CCM")?,
        None => tables
            .iter()
            .find(|t| t.sheet.as_deref() == Some("CCM") && ccm_header(t).is_some())
            .map_or_else(|| pick(tables, None, |t| ccm_header(t).is_some(), "CCM"), Ok)?,
    };
    let Some((h, id_col, service_cols)) = ccm_header(t) else {
        return Err(Error::NoHeader {
            at: Location::in_file(t.file.as_str()).in_sheet(t.sheet.clone()),
            message: "no CCM header (`Control ID` with IaaS, PaaS and SaaS columns)".into(),
        });
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
            more: 0,
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
